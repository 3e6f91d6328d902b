"""The tenant management commands: happy paths and every bad-input path (nothing left behind)."""

import json
import shutil
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from mortar_api.tenancy.models import Domain, Tenant
from mortar_api.tenancy.storage import tenant_upload_to


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def _schema() -> str:
    return f"apitest_c{uuid.uuid4().hex[:8]}"


def _host(schema: str) -> str:
    return f"{schema.replace('_', '-')}.example"


def _applied(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def test_add_tenant_clones_with_generated_password(committed_db):
    schema = _schema()
    host = f"{schema.replace('_', '-')}.apitest.localhost"
    try:
        out = run(
            "add_tenant",
            "--schema",
            schema,
            "--domain",
            host.upper(),
            "--domain",
            f"www.{host}",
            "--admin-email",
            "editor@example.com",
            "--name",
            "Cloned Ltd",
        )
        assert f"tenant {schema} created" in out
        password = out.split("admin password (shown once): ")[1].strip()
        tenant = Tenant.objects.get(schema_name=schema)
        assert tenant.name == "Cloned Ltd"
        assert sorted(tenant.domains.values_list("domain", "is_primary")) == [
            (host, True),
            (f"www.{host}", False),
        ]
        # cloned, yet exactly as migrated as the template
        assert _applied(schema) == _applied("mortar_template")
        with schema_context(schema):
            user = get_user_model().objects.get()
            assert user.is_superuser and user.check_password(password)
        with schema_context("mortar_template"):
            assert not get_user_model().objects.exists()  # the template stays empty
        media = Path(settings.MEDIA_ROOT) / schema
        with schema_context(schema):
            default_storage.save(tenant_upload_to("x")(None, "f.txt"), ContentFile(b"x"))
        assert media.is_dir()
    finally:
        call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())
    assert not schema_exists(schema)
    assert not Domain.objects.filter(domain=host).exists()
    assert not media.exists()  # its files went with it


def test_add_tenant_password_from_env(committed_db, monkeypatch):
    schema = _schema()
    monkeypatch.setenv("MORTAR_ADMIN_PASSWORD", "from-the-env-1")
    try:
        out = run(
            "add_tenant",
            "--schema",
            schema,
            "--domain",
            _host(schema),
            "--admin-email",
            "e@example.com",
        )
        assert "shown once" not in out
        with schema_context(schema):
            assert get_user_model().objects.get().check_password("from-the-env-1")
    finally:
        call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schema", "Bad-Name", "--domain", "x.example"], "invalid schema name"),
        (["--schema", "public", "--domain", "x.example"], "reserved"),
        (["--schema", "mortar_template", "--domain", "x.example"], "reserved"),
        (["--schema", "apitest_a", "--domain", "x.example"], "already exists"),
        (["--schema", "apitest_new", "--domain", "a.apitest.localhost"], "already used"),
        (["--schema", "apitest_new", "--domain", "bad host!"], "invalid domain"),
        (
            ["--schema", "apitest_new", "--domain", "x.example", "--admin-email", "nope"],
            "invalid admin email",
        ),
        (
            [
                "--schema",
                "apitest_new",
                "--domain",
                "x.example",
                "--admin-email",
                "a@b.co",
                "--admin-password",
                "short",
            ],
            "at least 8",
        ),
    ],
)
def test_add_tenant_rejects_bad_input_and_leaves_nothing(committed_db, args, message):
    before = set(Tenant.objects.values_list("schema_name", flat=True))
    with pytest.raises(CommandError, match=message):
        run("add_tenant", *args)
    assert set(Tenant.objects.values_list("schema_name", flat=True)) == before
    assert not schema_exists("apitest_new")
    assert not Domain.objects.filter(domain="x.example").exists()


def test_failure_after_clone_rolls_everything_back(committed_db, monkeypatch):
    """A crash half-way (after the schema clone) leaves no schema, row or domain."""
    from mortar_api.tenancy import provisioning

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "create_admin", boom)
    schema = _schema()
    with pytest.raises(RuntimeError, match="disk full"):
        provisioning.create_tenant(
            schema, [_host(schema)], admin_email="a@b.co", admin_password="long-enough"
        )
    assert not Tenant.objects.filter(schema_name=schema).exists()
    assert not schema_exists(schema)
    assert not Domain.objects.filter(domain=_host(schema)).exists()


def test_remove_tenant_needs_confirmation(committed_db):
    with pytest.raises(CommandError, match="--yes"):
        run("remove_tenant", "--schema", "apitest_a")
    with pytest.raises(CommandError, match="no tenant"):
        run("remove_tenant", "--schema", "apitest_nothere", "--yes")
    assert schema_exists("apitest_a")


def test_ensure_first_tenant_is_idempotent(committed_db, settings):
    schema = _schema()
    settings.MORTAR_SITE_SLUG = schema
    settings.MORTAR_DOMAINS = [_host(schema)]
    try:
        first = run("ensure_first_tenant", "--admin-email", "boss@example.com")
        assert f"tenant {schema} created" in first and "shown once" in first
        again = run("ensure_first_tenant")
        assert "created" not in again and f"tenant {schema} present" in again
        settings.MORTAR_DOMAINS = [_host(schema), f"www.{_host(schema)}"]
        grown = run("ensure_first_tenant")
        assert f"domain www.{_host(schema)} added" in grown
        assert Tenant.objects.get(schema_name=schema).domains.count() == 2
        settings.MORTAR_DOMAINS = ["a.apitest.localhost"]
        with pytest.raises(CommandError, match="already used"):
            run("ensure_first_tenant")
    finally:
        call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())


def test_ensure_first_tenant_needs_domains(committed_db, settings):
    settings.MORTAR_DOMAINS = []
    with pytest.raises(CommandError, match="MORTAR_DOMAINS"):
        run("ensure_first_tenant")


def test_list_tenants_hides_template(committed_db):
    rows = json.loads(run("list_tenants", "--json"))
    schemas = [r["schema"] for r in rows]
    assert "apitest_a" in schemas and "apitest_b" in schemas
    assert "mortar_template" not in schemas and "public" not in schemas


def test_removed_tenant_keeps_its_media_when_asked(committed_db, settings):
    schema = _schema()
    call_command(
        "add_tenant", "--schema", schema, "--domain", _host(schema), "--admin-email",
        "k@example.com", stdout=StringIO(),
    )  # fmt: skip
    with schema_context(schema):
        default_storage.save(tenant_upload_to("x")(None, "kept.txt"), ContentFile(b"k"))
    media = Path(settings.MEDIA_ROOT) / schema
    settings.MORTAR_MEDIA_KEEP_REMOVED = True
    try:
        call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())
        assert not schema_exists(schema)
        assert [p.name[:4] for p in (media / "x").iterdir()] == ["kept"]  # kept on purpose
    finally:
        shutil.rmtree(media, ignore_errors=True)
