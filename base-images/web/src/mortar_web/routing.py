"""Languages in URLs: `/about/` in the default language, `/<lang>/about/` in the others."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
_SEGMENT = re.compile(r"^[^/\s]{1,200}$")
MAX_PATH = 1000
# paths nginx sends to the api or that hold files: never language-prefixed
NOT_PAGES = ("/api/", "/admin/", "/static/", "/media/", "/assets/")


def languages() -> list[str]:
    return list(settings.MORTAR_LANGUAGES) or ["en"]


def default_language() -> str:
    return languages()[0]


def direction(code: str) -> str:
    return "rtl" if code.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class Target:
    """A visitor's URL path taken apart."""

    language: str
    path: str  # page path without leading/trailing slash; "" is the home page
    prefixed: bool  # the URL carried a language prefix

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]


def parse(url_path: str) -> Target | None:
    """`ar/about/team` → Target("ar", "about/team"); None for a path no page can have."""
    if len(url_path) > MAX_PATH:
        return None
    segments = [s for s in url_path.strip("/").split("/") if s]
    if any(not _SEGMENT.match(s) or s in {".", ".."} for s in segments):
        return None
    language, prefixed = default_language(), False
    if segments and segments[0].lower() in languages():
        language, prefixed = segments[0].lower(), True
        segments = segments[1:]
    return Target(language=language, path="/".join(segments), prefixed=prefixed)


def page_url(path: str, language: str) -> str:
    """The public URL of a page path in a language (`/ar/about/`, `/about/`, `/`, `/ar/`)."""
    path = path.strip("/")
    prefix = "" if language == default_language() else f"/{language}"
    return f"{prefix}/{path}/" if path else f"{prefix}/"


def localise(url: str, language: str) -> str:
    """Prefix a language-neutral internal URL from the api (`/about/`) with the language."""
    if not url.startswith("/") or url.startswith("//"):
        return url  # external, protocol-relative or a fragment: leave alone
    if language == default_language():
        return url
    path, sep, rest = url.partition("?")
    path, hsep, fragment = path.partition("#")
    if not path.endswith("/") or path.startswith(NOT_PAGES):
        return url  # a file (media, download) or a route served by the api
    localised = page_url(path, language)
    return localised + (hsep + fragment if hsep else "") + (sep + rest if sep else "")
