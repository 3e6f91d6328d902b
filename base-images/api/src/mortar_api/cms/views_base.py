"""Base classes for every view of the API: error shape, body-size limit, auth defaults,
JSON bodies, query strings PostgreSQL can take, and the OpenAPI generator.

Set here rather than in REST_FRAMEWORK settings so the API behaves the same whatever a
site's settings say.
"""

from __future__ import annotations

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from mortar_api.media.validation import max_upload_bytes

from .errors import PayloadTooLarge, exception_handler
from .history import AuditActorMixin
from .openapi import MortarAutoSchema
from .pagination import EditorPagination


def body_limit(content_type: str) -> int:
    base = int(getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None) or 2_621_440)
    if content_type.startswith("multipart/"):
        return max(base, max_upload_bytes() + 64 * 1024)  # the file plus form overhead
    return base


def check_query_string(query_params) -> None:
    """400 for what no operation takes, whatever the view: a NUL (PostgreSQL refuses it) or a
    parameter given twice (every parameter of this API is single; DRF would read the last)."""
    errors = {}
    for key, values in query_params.lists():
        if len(values) > 1:
            errors[key] = ["Give this parameter once."]
        elif "\x00" in values[0]:
            errors[key] = ["Null characters are not allowed."]
    if errors:
        raise ValidationError(dict(sorted(errors.items())))


class MortarAPIMixin:
    # JSON bodies only (media uploads: multipart, see MediaAssetViewSet): what the OpenAPI
    # document describes, and what form encoding could not (nulls, lists, nested objects).
    parser_classes = [JSONParser]
    schema = MortarAutoSchema()

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs) -> None:
        # Refuse oversized bodies before anything reads them (Django's own check only
        # covers request.body, not the streaming parsers DRF uses).
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > body_limit(request.META.get("CONTENT_TYPE", "")):
            raise PayloadTooLarge(f"Request body too large: {length} bytes.")
        check_query_string(request.query_params)
        super().initial(request, *args, **kwargs)


class PublicAPIView(MortarAPIMixin, APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]


class EditorPermission(permissions.DjangoModelPermissions):
    """Staff only, and the model permission for writes (and for reads: view_<model>)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff) and super().has_permission(
            request, view
        )


class EditorListMixin:
    """Editor lists: page-number pagination and the view's django-filter ``filterset_class``."""

    pagination_class = EditorPagination
    filter_backends = [DjangoFilterBackend]


class EditorViewSet(AuditActorMixin, MortarAPIMixin, EditorListMixin, viewsets.ModelViewSet):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [EditorPermission]

    def get_success_headers(self, data) -> dict[str, str]:
        # DRF sends a created object's "url" field as Location: here that field is the
        # editor's own link (menu items, partners), not this resource, and a link with
        # control or non-Latin-1 characters made gunicorn answer 500 to a saved object.
        return {}


class EditorReadOnlyViewSet(MortarAPIMixin, EditorListMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = EditorViewSet.authentication_classes
    permission_classes = [EditorPermission]
