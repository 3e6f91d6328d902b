"""mortar_api: the multi-tenant CMS core every Mortar site's api, worker and beat run."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mortar-api")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
