"""One visitor's request as every view needs it: who asks, in which language, at which
content generation, for which site frame.

Built once per request (`RequestContext.of`, kept on the request, so the error handlers
that run later in the same request reuse it) instead of each view re-deriving the visitor
and threading visitor, language, generation and site through its helpers. Fetches go
through the api-response cache (cache.py) at one generation read once per request: the
page cache's MGET supplies it when there was one, else the first fetch reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from mortar_web import cache
from mortar_web.api_client import Visitor

SITE = cache.SITE
_ATTR = "_mortar_context"
_UNREAD: Any = object()  # the generation has not been read yet (None means "Redis down")


@dataclass
class RequestContext:
    request: HttpRequest
    language: str
    _visitor: Visitor | None = field(default=None, repr=False)
    _generation: int | None = field(default=_UNREAD, repr=False)
    _site: dict[str, Any] | None = field(default=_UNREAD, repr=False)

    @classmethod
    def of(cls, request: HttpRequest, language: str) -> RequestContext:
        """The request's context in `language` (made on first use, then shared)."""
        ctx = getattr(request, _ATTR, None)
        if ctx is None:
            ctx = cls(request, language)
            setattr(request, _ATTR, ctx)
        elif ctx.language != language:  # same visitor and generation, other language
            ctx = cls(request, language, ctx._visitor, ctx._generation)
        return ctx

    @property
    def visitor(self) -> Visitor:
        """Made on first use: the 500 and 403 pages build a frame without asking the api."""
        if self._visitor is None:
            self._visitor = Visitor.from_request(self.request)
        return self._visitor

    @property
    def host(self) -> str:
        return self.visitor.host

    @property
    def generation(self) -> int | None:
        """The tenant's content generation, read once; None: bypass the cache (off or down)."""
        if self._generation is _UNREAD:
            self._generation = cache.generation(self.host) if cache.enabled() else None
        return self._generation

    def know_generation(self, generation: int | None) -> None:
        """The generation as another read found it (the page cache's MGET): no second GET."""
        self._generation = generation

    def fetch_many(
        self,
        calls: list[tuple[str, dict[str, str] | None]],
        negative: tuple[bool, ...] | None = None,
    ) -> list[Any]:
        """GET each (path, params) through the cache; NOT_FOUND for an api 404."""
        return cache.fetch_many(self.visitor, self.language, calls, negative, self.generation)

    def fetch_page(self, content_path: str, page_path: str) -> tuple[Any, Any]:
        """(frame, content) of one page, in one api call when neither is cached."""
        return cache.fetch_page(
            self.visitor, self.language, content_path, page_path, self.generation
        )

    def fetch(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.fetch_many([(path, params)])[0]

    def site(self) -> dict[str, Any] | None:
        """The tenant's `/api/v1/site/`; None for a host the api does not know.

        That 404 is never cached: a tenant added a moment ago gets its frame at once.
        """
        if self._site is _UNREAD:
            found = self.fetch_many([(SITE, None)], negative=(False,))[0]
            self._site = None if cache.missing(found) else found
        return self._site

    def use_site(self, site: dict[str, Any] | None) -> None:
        """The frame as fetched together with the page's content."""
        self._site = site

    def cached_site(self) -> dict[str, Any] | None:
        """The frame from the cache only, never the api (for the 503 page)."""
        if self._site is not _UNREAD:
            return self._site
        return cache.peek(self.visitor, self.language, SITE, self.generation)
