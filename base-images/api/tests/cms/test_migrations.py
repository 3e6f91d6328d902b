"""The shipped migrations match the models (for every supported language column)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = io.StringIO()
    call_command("makemigrations", "cms", "media", "webhooks", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
