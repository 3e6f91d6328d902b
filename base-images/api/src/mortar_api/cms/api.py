"""Public read-only API (cached per tenant + language) and the contact endpoint."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from ..accounts.client_ip import client_ip
from .caching import cached_response, response_key, store_response
from .errors import error_body
from .languages import resolve_language
from .models import ContactSubmission, Page, Redirect, normalise_path
from .pagination import MAX_PAGE_NUMBER, page_number_schema, parse_bounded_int, past_last_page
from .preview import read_token
from .public import PAGE_RELATED, page_data, page_list_item, search_data, single, site_data
from .schema import (
    LANG,
    ContactCreatedSchema,
    ErrorSchema,
    PageListSchema,
    PageSchema,
    PageViewSchema,
    RedirectSchema,
    SearchSchema,
    SiteSchema,
)
from .search import MAX_QUERY_LENGTH
from .strict import StrictModelSerializer
from .views_base import PublicAPIView

LIST_PAGE_SIZE = 1000
PAGE_RESPONSES = {200: PageSchema, 404: ErrorSchema}
_renderer = JSONRenderer()


def _raw_json(status_code: int, body: bytes, lang: str) -> HttpResponse:
    resp = HttpResponse(body, status=status_code, content_type="application/json")
    resp["Content-Language"] = lang
    resp["Vary"] = "Accept-Language"
    return resp


def _json(status_code: int, data: dict, lang: str) -> HttpResponse:
    return _raw_json(status_code, _renderer.render(data), lang)


def _request_language(request) -> str:
    return resolve_language(
        request.query_params.get("lang"), request.headers.get("Accept-Language")
    )


def cache_path(path: str, query: QueryDict, names: tuple[str, ...]) -> str:
    """The path plus only the ``names`` parameters a view reads (sorted): its cache key."""
    params = sorted((k, query.get(k, "")) for k in names if k in query)
    return path + ("?" + urlencode(params) if params else "")


class CachedPublicView(PublicAPIView):
    """GET answered from the per-tenant, per-language response cache when possible.

    The key holds only the query parameters a view reads, so junk query strings cannot
    bypass the cache or fill Redis with copies.
    """

    cache_params: tuple[str, ...] = ()

    def cache_path(self, request) -> str:
        return cache_path(request.path, request.query_params, self.cache_params)

    def build(self, request, **kwargs) -> tuple[int, dict]:
        raise NotImplementedError

    def get(self, request, **kwargs) -> HttpResponse:
        lang = _request_language(request)
        key = response_key(lang, self.cache_path(request))
        gen, hit = cached_response(key)
        if hit is not None:
            resp = _raw_json(*hit, lang)
            resp["X-Mortar-Cache"] = "hit"
            return _edge_cacheable(resp)
        with translation.override(lang):
            status_code, data = self.build(request, **kwargs)
        resp = _json(status_code, data, lang)
        if status_code in (200, 404):
            store_response(key, gen, status_code, resp.content)
        resp["X-Mortar-Cache"] = "miss"
        return _edge_cacheable(resp)


def _edge_cacheable(resp: HttpResponse) -> HttpResponse:
    """A 200 may be kept by the shared nginx's micro-cache (and browsers) for
    ``MORTAR_API_HTTP_MAX_AGE`` seconds; a 404 is not, so a page published a moment after
    someone asked for it is never hidden by the edge."""
    if resp.status_code == 200:
        resp["Cache-Control"] = f"public, max-age={settings.MORTAR_API_HTTP_MAX_AGE}"
    return resp


def page_parameter(per_page: str) -> OpenApiParameter:
    """``?page=`` of a paginated public list (``per_page``: "10 results")."""
    return OpenApiParameter(
        "page",
        page_number_schema(),
        description=f"{per_page} per page, from 1; past the last is a 404.",
    )


@extend_schema_view(get=extend_schema(operation_id="site", parameters=[LANG], responses=SiteSchema))
class SiteView(CachedPublicView):
    def build(self, request) -> tuple[int, dict]:
        return 200, site_data(translation.get_language())


@extend_schema_view(
    get=extend_schema(
        operation_id="pages_list",
        parameters=[
            LANG,
            page_parameter(f"{LIST_PAGE_SIZE} pages"),
        ],
        responses={200: PageListSchema, 404: ErrorSchema},
    )
)
class PageListView(CachedPublicView):
    cache_params = ("page",)

    def build(self, request) -> tuple[int, dict]:
        # A malformed page number is a 400 (raised before the cache is asked); page 1 always
        # exists, later ones only up to the last (never an OFFSET PostgreSQL cannot take).
        number = parse_bounded_int(request.query_params.get("page"), "page", 1, MAX_PAGE_NUMBER)
        qs = Page.objects.published().order_by("path")
        count = qs.count()
        if number > 1 and (number - 1) * LIST_PAGE_SIZE >= count:
            exc = past_last_page()
            return exc.status_code, error_body(str(exc.detail))
        start = (number - 1) * LIST_PAGE_SIZE
        results = [page_list_item(p) for p in qs[start : start + LIST_PAGE_SIZE]]
        return 200, {"count": count, "results": results}


def _page_response(page: Page | None) -> tuple[int, dict]:
    if page is None:
        return 404, error_body("Page not found.")
    return 200, page_data(page)


@extend_schema_view(
    get=extend_schema(
        operation_id="page_by_path",
        parameters=[LANG, OpenApiParameter("path", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: PageSchema, 404: ErrorSchema},
    )
)
class PageDetailView(CachedPublicView):
    def build(self, request, path: str) -> tuple[int, dict]:
        return _page_response(published_page(path.strip("/")))


@extend_schema_view(
    get=extend_schema(
        operation_id="home", parameters=[LANG], responses={200: PageSchema, 404: ErrorSchema}
    )
)
class HomeView(CachedPublicView):
    def build(self, request) -> tuple[int, dict]:
        return _page_response(published_page(""))


PAGE_PATH = re.compile(r"^[-\w]+(?:/[-\w]+)*$")  # what the page-detail route takes


def published_page(path: str) -> Page | None:
    """The published page at ``path`` (the home page for ""), with what its answer shows."""
    pages = Page.objects.published().select_related(*PAGE_RELATED)
    return single(pages.filter(path=path) if path else pages.filter(is_home=True))  # unique


@extend_schema_view(
    get=extend_schema(
        operation_id="page_view",
        parameters=[
            LANG,
            OpenApiParameter(
                "path", OpenApiTypes.STR, description='a page path ("about/team"); "" = home'
            ),
        ],
        responses={200: PageViewSchema},
    )
)
class PageViewView(CachedPublicView):
    """The frame and one page in one answer: what a page of a site costs web in one call
    (one request's routing, tenant lookup and cache look-up instead of two)."""

    cache_params = ("path",)

    def get(self, request, **kwargs) -> HttpResponse:
        resp = super().get(request, **kwargs)
        if resp.content.endswith(b',"page":null}'):
            # like a page's 404: not kept by the edge, so a page published a moment after
            # someone asked for it is never hidden there
            del resp["Cache-Control"]
        return resp

    def build(self, request) -> tuple[int, dict]:
        path = request.query_params.get("path", "").strip("/")
        page = published_page(path) if not path or PAGE_PATH.match(path) else None
        lang = translation.get_language()
        return 200, {"site": site_data(lang), "page": page_data(page) if page else None}


@extend_schema_view(
    get=extend_schema(
        operation_id="redirect_resolve",
        parameters=[
            OpenApiParameter(
                "path", {"type": "string", "minLength": 1}, required=True, description="e.g. /old/"
            )
        ],
        responses={200: RedirectSchema, 404: ErrorSchema},
    )
)
class RedirectResolveView(CachedPublicView):
    cache_params = ("path",)

    def build(self, request) -> tuple[int, dict]:
        raw = request.query_params.get("path", "")
        if not raw:
            return 400, error_body(
                "Give the path to resolve.", {"path": ["This parameter is required."]}
            )
        path = normalise_path(raw)
        redirect = Redirect.objects.filter(old_path=path).first()
        if redirect is None:
            return 404, error_body("No redirect for this path.")
        return 200, {
            "from": redirect.old_path,
            "to": redirect.new_path,
            "status": redirect.status_code,
        }


SEARCH_PAGE_SIZE = 10
# Not blank: at least one character other than NUL, ASCII spaces and control whitespace.
SEARCH_TEXT = "^[^\\u0000]*[^\\u0000\\u0009-\\u000d\\u0020][^\\u0000]*$"
_SEARCH_TEXT = re.compile(SEARCH_TEXT)  # Python reads \uXXXX as JSON Schema does


def parse_search_text(raw: str | None) -> str:
    """``q`` as given, or a 400 naming it: missing, blank or longer than the maximum."""
    if raw is None or not _SEARCH_TEXT.match(raw):
        raise ValidationError({"q": ["Give one or more words to search for."]})
    if len(raw) > MAX_QUERY_LENGTH:
        raise ValidationError({"q": [f"At most {MAX_QUERY_LENGTH} characters."]})
    return raw


@extend_schema_view(
    get=extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter(
                "q",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_QUERY_LENGTH,
                    "pattern": SEARCH_TEXT,
                },
                required=True,
                description='words to find; "quoted phrase", or, -word (web search syntax)',
            ),
            LANG,
            page_parameter(f"{SEARCH_PAGE_SIZE} results"),
        ],
        responses={200: SearchSchema, 404: ErrorSchema},
    )
)
class SearchView(CachedPublicView):
    """Published pages matching ``q`` in the request's language, best first (cms.search)."""

    cache_params = ("q", "page")

    def build(self, request) -> tuple[int, dict]:
        text = parse_search_text(request.query_params.get("q"))
        number = parse_bounded_int(request.query_params.get("page"), "page", 1, MAX_PAGE_NUMBER)
        data = search_data(text, translation.get_language(), number, SEARCH_PAGE_SIZE)
        if data is None:
            exc = past_last_page()
            return exc.status_code, error_body(str(exc.detail))
        return 200, data


@extend_schema(exclude=True)
class NotFoundView(PublicAPIView):
    def dispatch(self, request, *args, **kwargs) -> HttpResponse:
        return _json(404, error_body("Not found."), translation.get_language() or "en")


@extend_schema_view(
    get=extend_schema(
        operation_id="preview", parameters=[LANG], responses={200: PageSchema, 404: ErrorSchema}
    )
)
class PreviewView(PublicAPIView):
    """A draft page by signed token; never cached (drafts change constantly)."""

    def get(self, request, token: str) -> HttpResponse:
        lang = _request_language(request)
        page_id = read_token(token)
        page = (
            Page.objects.select_related(*PAGE_RELATED).filter(pk=page_id).first()
            if page_id
            else None
        )
        if page is None:
            return _json(404, error_body("Preview link is invalid or has expired."), lang)
        with translation.override(lang):
            data = page_data(page, published_only=False)
        resp = _json(200, data, lang)
        resp["Cache-Control"] = "no-store"
        return resp


class ContactThrottle(AnonRateThrottle):
    """Per client IP and tenant (the cache key function adds the schema)."""

    scope = "contact"

    def get_rate(self) -> str:
        return getattr(settings, "MORTAR_CONTACT_THROTTLE_RATE", "5/hour")


class ContactSerializer(StrictModelSerializer):
    # Lengths as sent (web strips the form's fields before posting).
    message = serializers.CharField(
        min_length=2,
        max_length=5000,
        error_messages={
            "blank": "Please write a message.",
            "min_length": "Please write a message.",
            "max_length": "Keep the message under 5000 characters.",
        },
    )

    class Meta:
        model = ContactSubmission
        fields = ["name", "email", "subject", "message"]
        extra_kwargs = {"subject": {"required": False}}


@extend_schema_view(
    post=extend_schema(
        operation_id="contact",
        request=ContactSerializer,
        responses={201: ContactCreatedSchema},
    )
)
class ContactView(PublicAPIView):
    throttle_classes = [ContactThrottle]

    def post(self, request) -> Response:
        from .outbox import send_on_commit
        from .tasks import send_contact_email

        lang = _request_language(request)
        serializer = ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = serializer.save(language=lang, ip_address=client_ip(request))
        # Stored first, so a broken mail server loses nothing (the task retries) and a down
        # broker neither (the outbox sends it later); emailed_at makes the send idempotent.
        send_on_commit(send_contact_email, submission.pk)
        return Response(
            {"id": submission.pk, "detail": "Thank you, your message has been received."},
            status=status.HTTP_201_CREATED,
        )
