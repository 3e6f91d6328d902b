"""django-filter FilterSets of the editor lists, with filters that are strict about input.

Every filter refuses what its OpenAPI description does not allow (a 400 naming the query
parameter) instead of ignoring it or passing it to the database: ids are decimal integers
within bigint, booleans are ``true``/``false``, dates are ``YYYY-MM-DD``, choices and
``ordering`` come from a fixed list, ``q`` is at most 200 characters. A typed parameter
given empty (``?status=``) is malformed too, not "no filter". The descriptions are
declared here with the filter so code and document cannot drift.
"""

from __future__ import annotations

import re
from datetime import date

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from mortar_api.media.models import MediaAsset
from mortar_api.media.validation import ALLOWED_FORMATS

from .models import ContactSubmission, FooterLink, Hero, MenuItem, Page, Partner, Redirect

EMPTY = "Give a value or leave the parameter out."

BIGINT_MAX = 2**63 - 1
SEARCH_MAX = 200
_INT = re.compile(r"-?[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StrictIntegerField(forms.Field):
    def to_python(self, value: str | None) -> int | None:
        if value is None:
            return None
        if not _INT.fullmatch(value) or not 1 <= int(value) <= BIGINT_MAX:
            raise forms.ValidationError("Expected an id (a positive integer).", code="invalid")
        return int(value)


class StrictBooleanField(forms.Field):
    def to_python(self, value: str | None) -> bool | None:
        if value is None:
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError("Expected true or false.", code="invalid")
        return value == "true"


class StrictDateField(forms.Field):
    def to_python(self, value: str | None) -> date | None:
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError("Expected a date as YYYY-MM-DD.", code="invalid") from None


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.Filter):
    field_class = StrictIntegerField


@extend_schema_field(OpenApiTypes.BOOL)
class BoolFilter(django_filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.DATE)
class DayFilter(django_filters.Filter):
    field_class = StrictDateField


@extend_schema_field({"type": "string", "maxLength": SEARCH_MAX})
class SearchFilter(django_filters.CharFilter):
    """``?q=``: case-insensitive "contains" over several columns (any of them matches)."""

    def __init__(self, *columns: str, **kwargs) -> None:
        self.columns = columns
        kwargs.setdefault("help_text", f"Text contained in any of: {', '.join(columns)}.")
        super().__init__(max_length=SEARCH_MAX, strip=False, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        match = Q()
        for column in self.columns:
            match |= Q(**{f"{column}__icontains": value})
        return qs.filter(match)


def localized(field: str) -> list[str]:
    """Every language column of a translated field: ``title`` -> ``title_en``, ``title_ar``..."""
    return [build_localized_fieldname(field, lang) for lang in AVAILABLE_LANGUAGES]


def created_on_or_after() -> DayFilter:
    return DayFilter(field_name="created_at", lookup_expr="date__gte", help_text="On or after.")


def created_on_or_before() -> DayFilter:
    return DayFilter(field_name="created_at", lookup_expr="date__lte", help_text="On or before.")


class StrictFilterSet(django_filters.FilterSet):
    """Also refuses a typed parameter given empty (``?status=``, ``?ordering=``) or an
    ``ordering`` with an empty item (``path,``): django-filter reads those as "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, flt in self.filters.items():
            raw = self.data.get(name) if self.data is not None else None
            if raw is None or isinstance(flt, SearchFilter):
                continue
            ordering = isinstance(flt, django_filters.OrderingFilter)
            if raw == "" or (ordering and "" in raw.split(",")):
                if name not in self.form.errors:
                    self.form.add_error(name, EMPTY)
                valid = False
        return valid


class PageFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Page.Status.choices)
    parent = IdFilter(help_text="Children of this page.")
    is_root = BoolFilter(field_name="parent", lookup_expr="isnull", help_text="Top-level pages.")
    is_home = BoolFilter()
    q = SearchFilter("path", *localized("title"))
    ordering = django_filters.OrderingFilter(
        fields=("path", "order", "created_at", "updated_at", "published_at")
    )

    class Meta:
        model = Page
        fields: list[str] = []


class MenuItemFilter(StrictFilterSet):
    location = django_filters.ChoiceFilter(choices=MenuItem.Location.choices)
    parent = IdFilter()
    page_id = IdFilter(
        field_name="page", help_text="Items linking to this page."
    )  # `page` paginates
    ordering = django_filters.OrderingFilter(fields=("location", "order", "id"))

    class Meta:
        model = MenuItem
        fields: list[str] = []


class HeroFilter(StrictFilterSet):
    q = SearchFilter("name", *localized("title"))
    ordering = django_filters.OrderingFilter(fields=("name", "updated_at"))

    class Meta:
        model = Hero
        fields: list[str] = []


class PartnerFilter(StrictFilterSet):
    q = SearchFilter("name", "url")
    ordering = django_filters.OrderingFilter(fields=("order", "name"))

    class Meta:
        model = Partner
        fields: list[str] = []


class FooterLinkFilter(StrictFilterSet):
    q = SearchFilter("key", "route", *localized("label"))
    is_external = BoolFilter()
    ordering = django_filters.OrderingFilter(fields=("order", "key"))

    class Meta:
        model = FooterLink
        fields: list[str] = []


class RedirectFilter(StrictFilterSet):
    q = SearchFilter("old_path", "new_path")
    status_code = django_filters.ChoiceFilter(choices=Redirect.Kind.choices)
    ordering = django_filters.OrderingFilter(fields=("old_path", "created_at"))

    class Meta:
        model = Redirect
        fields: list[str] = []


class MediaAssetFilter(StrictFilterSet):
    q = SearchFilter("title", *localized("alt"))
    mime_type = django_filters.ChoiceFilter(
        choices=[(m, m) for m in sorted(ALLOWED_FORMATS.values())]
    )
    created_after = created_on_or_after()
    created_before = created_on_or_before()
    ordering = django_filters.OrderingFilter(fields=("created_at", "title", "size"))

    class Meta:
        model = MediaAsset
        fields: list[str] = []


class ContactSubmissionFilter(StrictFilterSet):
    q = SearchFilter("name", "email", "subject")
    emailed = BoolFilter(
        field_name="emailed_at", lookup_expr="isnull", exclude=True, help_text="Already mailed."
    )
    created_after = created_on_or_after()
    created_before = created_on_or_before()
    ordering = django_filters.OrderingFilter(fields=("created_at", "name", "email"))

    class Meta:
        model = ContactSubmission
        fields: list[str] = []
