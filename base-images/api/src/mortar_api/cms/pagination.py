"""Page numbers for list endpoints: strict parsing, bounded page size, no 500 on any input.

The public page list and the editor lists share the rules: ``page`` and ``page_size`` are
plain decimal integers (``1``, ``25``; not ``+1``, ``1.0`` or other digits), a malformed or
out-of-bounds value is a 400 naming the parameter, and a page past the last one is a 404.
Both answers use the error body of ``cms.errors``.
"""

from __future__ import annotations

import re

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

_DIGITS = re.compile(r"[0-9]{1,19}")
# Far beyond any real list, and small enough that (page - 1) * page_size stays a bigint.
MAX_PAGE_NUMBER = 10**12


def parse_bounded_int(raw: str | None, name: str, default: int, maximum: int) -> int:
    """``raw`` as an int in 1..maximum, ``default`` when absent; else a 400 naming ``name``.

    Present but empty (``?page=``) is malformed too: the document says integer.
    """
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise ValidationError({name: [f"Expected an integer from 1 to {maximum}."]})
    return int(raw)


def page_number_schema(maximum: int = MAX_PAGE_NUMBER) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": maximum}


def past_last_page() -> NotFound:
    return NotFound("Invalid page: past the last page.")


class EditorPagination(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (1..200, default 50) for editor lists."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    last_page_strings: tuple[str, ...] = ()

    def get_page_size(self, request) -> int:
        return parse_bounded_int(
            request.query_params.get(self.page_size_query_param),
            self.page_size_query_param,
            self.page_size,
            self.max_page_size,
        )

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.request = request
        number = parse_bounded_int(
            request.query_params.get(self.page_query_param),
            self.page_query_param,
            1,
            MAX_PAGE_NUMBER,
        )
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise past_last_page() from None
        return list(self.page)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number (from 1); past the last page is a 404.",
                "schema": page_number_schema(),
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
