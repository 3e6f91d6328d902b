"""``POST /api/v1/auth/token/``: username + password -> the user's editor API token.

Authenticated through django-axes like the admin login: failures are counted per tenant,
and a locked-out username/address gets 429 with the error body and ``Retry-After``.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.contrib.auth import authenticate
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response

from mortar_api.cms.errors import error_body
from mortar_api.cms.schema import ErrorSchema
from mortar_api.cms.strict import StrictSerializer
from mortar_api.cms.views_base import PublicAPIView

from .lockout import api_lockout_response

BAD_CREDENTIALS = "Unable to log in with the provided username and password."


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )


class TokenSchema(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSchema, description=description)


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token",
        summary="Get the editor API token of a staff user",
        description=(
            "Failed attempts are counted per tenant, username and client address; after "
            "`MORTAR_LOGIN_FAILURE_LIMIT` failures the pair is locked out for "
            "`MORTAR_LOGIN_COOLOFF_MINUTES` (429, `Retry-After`)."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSchema,
            400: _error("Missing or unknown fields, or wrong username or password."),
            403: _error("The account is not staff, so it may not use the editor API."),
            413: _error("Request body too large."),
            415: _error("Unsupported content type."),
            429: _error("Too many failed attempts: locked out for the cool-off time."),
        },
        examples=[
            OpenApiExample(
                "login",
                value={"username": "editor@acme.localhost", "password": "..."},
                request_only=True,
            )
        ],
        auth=[],
        tags=["auth"],
    )
)
class TokenLoginView(PublicAPIView):
    def post(self, request: Request) -> HttpResponse:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = serializer.validated_data
        # The Django request, so django-axes' attributes (lockout flag, client) live where
        # its middleware and handlers look for them.
        django_request = request._request
        user = authenticate(django_request, **credentials)
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                return api_lockout_response(django_request)
            return Response(
                error_body(BAD_CREDENTIALS, {"non_field_errors": [BAD_CREDENTIALS]}),
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not user.is_staff:
            raise exceptions.PermissionDenied("This account may not use the editor API.")
        # A success forgets this client's earlier failures, as the admin login does
        # (AXES_RESET_ON_SUCCESS); no session is made, so no user_logged_in signal.
        handler = AxesProxyHandler.get_implementation()
        if hasattr(handler, "reset_user_attempts"):  # the database handler (the default)
            handler.reset_user_attempts(django_request, get_credentials(credentials["username"]))
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
