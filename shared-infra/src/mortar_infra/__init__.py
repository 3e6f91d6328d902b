"""mortar_infra: the shared stack and the `mortar` CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mortar-infra")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
