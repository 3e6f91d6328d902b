"""The two ready groups of every tenant: *Editors* and *Publishers* (docs/editors.md).

Editors write drafts and submit them for review; Publishers also publish, unpublish,
schedule and restore revisions (``cms.publish_page``, checked by ``cms.permissions``).

Made after every ``migrate`` of a tenant schema (``post_migrate``, connected by the app
config), so:

* a new tenant gets them from the clone template (migrated, hence seeded, before cloning;
  the rows are copied with the schema) or from its own migration (``add_tenant`` without
  cloning);
* an existing tenant gets them on the next ``migrate_tenants`` (``mortar site upgrade``).

Idempotent: a group that exists is given the permissions it lacks; permissions an
admin added are kept (nothing is ever removed).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router

EDITORS = "Editors"
PUBLISHERS = "Publishers"

_CONTENT = ("hero", "menuitem", "partner", "footerlink", "redirect")


def _crud(app: str, model: str, *actions: str) -> list[str]:
    return [f"{app}.{action}_{model}" for action in actions]


EDITOR_PERMISSIONS: tuple[str, ...] = (
    # pages: drafts only (cms.permissions makes published pages read-only for them)
    *_crud("cms", "page", "add", "change", "view"),
    "cms.view_pagerevision",
    *[p for model in _CONTENT for p in _crud("cms", model, "add", "change", "delete", "view")],
    *_crud("cms", "sitesettings", "change", "view"),
    *_crud("media", "mediaasset", "add", "change", "delete", "view"),
    "auditlog.view_logentry",
)
PUBLISHER_PERMISSIONS: tuple[str, ...] = (
    *EDITOR_PERMISSIONS,
    "cms.publish_page",
    "cms.delete_page",  # deleting a published page takes it off the site: a publisher's call
    "cms.view_contactsubmission",
)
GROUPS: dict[str, tuple[str, ...]] = {
    EDITORS: EDITOR_PERMISSIONS,
    PUBLISHERS: PUBLISHER_PERMISSIONS,
}


def _found(wanted: set[tuple[str, str]], using: str) -> dict:
    from django.contrib.auth.models import Permission

    rows = Permission.objects.using(using).select_related("content_type")
    rows = rows.filter(codename__in={c for _a, c in wanted})
    return {(p.content_type.app_label, p.codename): p for p in rows}


def _permissions(names: tuple[str, ...], using: str) -> list:
    from django.contrib.auth.management import create_permissions

    wanted = {tuple(n.split(".", 1)) for n in names}
    found = _found(wanted, using)
    missing = {a for a, c in wanted if (a, c) not in found}
    if missing:  # those apps' own post_migrate has not run in this schema yet: run it now
        for label in sorted(missing):
            try:
                config = global_apps.get_app_config(label)
            except LookupError:  # an app a site left out: its permissions are skipped
                continue
            create_permissions(config, verbosity=0, using=using)
        found = _found(wanted, using)
    return [found[w] for w in sorted(wanted) if w in found]


def ensure_groups(using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Create (or complete) the groups in the current schema; returns them by name."""
    from django.contrib.auth.models import Group

    out = {}
    for name, names in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*_permissions(names, using))
        out[name] = group
    return out


def after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate`` receiver: once per migrate, in tenant schemas only.

    Django sends the signal once per app that has models (this one has none), in
    INSTALLED_APPS order: acting on the last one, every app's permissions exist.
    """
    from django.contrib.auth.models import Group

    last = [c for c in global_apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label != last.label or not router.allow_migrate_model(using, Group):
        return  # not yet, or the public schema (no auth tables there)
    ensure_groups(using)
