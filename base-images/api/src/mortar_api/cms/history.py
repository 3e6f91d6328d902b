"""History of every change (django-auditlog): who, when, which object, what changed.

Each content model is registered with auditlog, whose signal receivers write a
``LogEntry`` for every create, update and delete, whoever makes it: the admin, the
editor API, a Celery task or the shell. Entries live in the tenant's own schema
(auditlog is a tenant app), so a tenant only ever sees its own.

The actor: auditlog's middleware names the session user (the admin); DRF authenticates
token users after the middleware, so the editor API names them here
(``AuditActorMixin``); tasks and the shell have no user: their entries have no actor and
read "system".

Where to see it: the "History" button of every change form (``HistoryAdminMixin``
replaces Django's admin-only log with these entries) and, for the whole tenant,
auditlog's own "Log entries" admin (docs/editors.md, "History").
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any
from urllib.parse import unquote

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from modeltranslation.manager import get_translatable_fields_for_model

from mortar_api.accounts.client_ip import client_ip

# Bookkeeping columns that change on every save and say nothing an editor did (generated
# columns, such as the search index, are left out too).
_NOISE = ("updated_at",)


def _exclude(model: type) -> list[str]:
    """Noise, and modeltranslation's original columns: their per-language columns
    (``title_en``, ``title_ar``...) carry every change, once each."""
    translated = list(get_translatable_fields_for_model(model) or [])
    derived = [f.name for f in model._meta.concrete_fields if f.name in _NOISE or f.generated]
    return [*translated, *derived]


def register_models() -> None:
    """Called once from ``CmsConfig.ready()`` (models are loaded, translations registered)."""
    from django.contrib.auth import get_user_model

    from mortar_api.media.models import MediaAsset

    from .models import FooterLink, Hero, MenuItem, Page, Partner, Redirect, SiteSettings

    for model in (SiteSettings, Page, Hero, MenuItem, Partner, FooterLink, Redirect, MediaAsset):
        if not auditlog.contains(model):
            auditlog.register(model, exclude_fields=_exclude(model))
    user = get_user_model()
    if not auditlog.contains(user):  # who was given which rights (Editors, Publishers)
        auditlog.register(
            user,
            exclude_fields=["password", "last_login"],
            m2m_fields={"groups", "user_permissions"},
        )


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """auditlog's middleware (``MIDDLEWARE``) recording the client address the kit trusts.

    auditlog's own takes the first ``X-Forwarded-For`` entry as sent: a visitor could
    write any address there, and one that is not an IP made every save of the request
    fail (the column is ``inet``). This uses ``accounts.client_ip`` (the edge's entry).
    """

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)


class AuditActorMixin:
    """DRF views: name the token (or session) user as the actor of what the request changes.

    Put it first in the bases. The context opens once DRF has authenticated
    (``initial``) and closes when the request is done, whatever happened.
    """

    def dispatch(self, request, *args, **kwargs):
        self._audit_context = ExitStack()
        with self._audit_context:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(request.user, "is_authenticated", False):
            # the middleware's reading of the request (address, port), with DRF's user
            data = AuditlogMiddleware().get_extra_data(request)
            self._audit_context.enter_context(set_extra_data(context_data=data))


class HistoryAdminMixin:
    """ModelAdmins: the change form's "History" shows the object's auditlog entries."""

    history_per_page = 25

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such object.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = LogEntry.objects.get_for_object(obj).select_related("actor")
        entries = entries.order_by("-timestamp", "-pk")
        paginator = self.get_paginator(request, entries, self.history_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"History of “{obj}”",
            "module_name": str(capfirst(self.model._meta.verbose_name_plural)),
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.history_per_page,
            "object": obj,
            "opts": self.model._meta,
            "log_entries": page_obj,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "auditlog/object_history.html", context)
