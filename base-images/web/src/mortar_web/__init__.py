"""mortar_web: the public site renderer of every Mortar site."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mortar-web")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
