"""Included by ``mortar_api.cms.urls`` under ``/api/v1/``."""

from django.urls import path

from .api import TokenLoginView

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
]
