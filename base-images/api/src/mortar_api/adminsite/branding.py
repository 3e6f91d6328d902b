"""Whose admin this is: the tenant's site name, shown as the admin's header and tab title."""

from __future__ import annotations

from django.db import connection
from django.utils.functional import lazy
from django_tenants.utils import get_public_schema_name

KIT_NAME = "Mortar"


def site_name() -> str:
    """``SiteSettings.site_name`` in the active language (modeltranslation falls back to the
    default language), else the tenant's name; the kit's name outside a tenant."""
    if connection.schema_name == get_public_schema_name():
        return KIT_NAME
    from mortar_api.cms.models import SiteSettings

    row = SiteSettings.objects.filter(pk=1).first()
    tenant = getattr(connection, "tenant", None)
    return (row.site_name if row else "") or getattr(tenant, "name", "") or connection.schema_name


lazy_site_name = lazy(site_name, str)()
