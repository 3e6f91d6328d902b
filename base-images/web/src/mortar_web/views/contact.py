"""The contact form: posted through to `POST /api/v1/contact/`, the api's errors shown per field."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect

from mortar_web import api_client, cache, routing, ui
from mortar_web.api_client import ApiThrottled, ApiValidationError
from mortar_web.context import SITE, RequestContext
from mortar_web.http import private
from mortar_web.views.errors import not_found
from mortar_web.views.render import render_page

FIELDS = ("name", "email", "subject", "message")
MAX_FIELD = 20_000  # longer than any sane message; the api enforces its own limits


def contact(ctx: RequestContext) -> HttpResponse:
    """GET shows the form (under the CMS page at the contact path, if published); POST sends it."""
    request, language = ctx.request, ctx.language
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    path = settings.MORTAR_WEB_CONTACT_PATH
    site, content = ctx.fetch_many(
        [(SITE, None), (api_client.api_path("pages", *path.split("/")), None)],
        negative=(False, True),
    )
    if cache.missing(site):
        return not_found(ctx, None, cacheable=False)
    ctx.use_site(site)
    form_only = cache.missing(content)  # no CMS page at this path: the form is the page
    if form_only:
        content = {"title": ui.text("contact", language), "body": "", "path": path}

    values = {name: "" for name in FIELDS}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:MAX_FIELD].strip() for name in FIELDS}
        payload = {k: v for k, v in values.items() if v or k != "subject"}
        try:
            api_client.post(ctx.visitor, "/api/v1/contact/", payload, {"lang": language})
        except ApiValidationError as exc:
            errors = {k: v for k, v in exc.errors.items() if k in FIELDS}
            general = [m for k, v in exc.errors.items() if k not in FIELDS for m in v]
            general.insert(0, ui.text("form_errors", language) if errors else exc.detail)
            status = 400
        except ApiThrottled:
            general, status = [ui.text("throttled", language)], 429
        else:
            # post/redirect/get: a reload does not send the message twice
            return private(
                HttpResponseRedirect(routing.page_url(path, language) + "?sent=1", status=303)
            )

    response = render_page(
        ctx,
        site,
        content,
        path,
        template="mortar_web/contact.html",
        status=status,
        extra={
            "form": {"values": values, "errors": errors, "general": general},
            "form_only": form_only,
            "sent": request.method == "GET" and request.GET.get("sent") == "1",
        },
    )
    return private(response)
