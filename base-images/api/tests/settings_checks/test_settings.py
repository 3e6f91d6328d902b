"""Settings from the environment: parsing, bad values, production `check --deploy`."""

import json
import logging
import subprocess
import sys

import pytest
from conftest import subprocess_env
from django.core.exceptions import ImproperlyConfigured
from mortar_api.settings_helpers import (
    add_template_dir,
    build_installed_apps,
    csrf_trusted_origins,
    parse_domains,
    parse_languages,
)

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "mortar_api.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "prod-" + "q8Zx1-" * 10,
    "DATABASE_URL": "postgres://site_x:pw@127.0.0.1:5432/site_x",
    "REDIS_URL": "redis://site_x:pw@127.0.0.1:6379/0",
    "MORTAR_REDIS_PREFIX": "x",
    "MORTAR_DOMAINS": "x.example,www.x.example",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = subprocess_env()
    for key in (
        "MORTAR_HTTPS",
        "DJANGO_DEBUG",
        "SECRET_KEY",
        "MORTAR_MEDIA_STORAGE",
        "MORTAR_LANGUAGES",
        "MEDIA_ROOT",
        "STATIC_ROOT",
    ):
        base.pop(key, None)
    base.update(PROD_ENV)
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mortar_api.manage", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    proc = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_check_deploy_warns_when_https_is_off():
    # the same command can fail: plain-http settings are not production-ready
    proc = _manage("check", "--deploy", "--fail-level", "WARNING", MORTAR_HTTPS="false")
    assert proc.returncode != 0
    assert "security.W008" in proc.stderr or "security.W008" in proc.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"MORTAR_MEDIA_STORAGE": "ftp"}, "MORTAR_MEDIA_STORAGE"),
        ({"MORTAR_LANGUAGES": "en,xx"}, "unknown language"),
        ({"MORTAR_LANGUAGES": "en,ja"}, "unsupported language"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must be a postgres"),
        ({"DATABASE_URL": "postgres://u@h:5432/"}, "no database name"),
        ({"EMAIL_PROVIDER": "sendmail"}, "EMAIL_PROVIDER='sendmail' is not a known"),
        ({"EMAIL_PROVIDER": "mailgun"}, "EMAIL_PROVIDER=mailgun needs MAILGUN_API_KEY"),
    ],
)
def test_bad_environment_fails_clearly(env, message):
    run_env = dict(env)
    proc = _manage("check", **run_env) if env.get("SECRET_KEY", "x") else None
    if proc is None:  # an unset (not empty) SECRET_KEY
        base = subprocess_env()
        base.update(PROD_ENV)
        base.pop("SECRET_KEY")
        proc = subprocess.run(
            [sys.executable, "-m", "mortar_api.manage", "check"],
            env=base,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode != 0
    assert message in proc.stderr


def test_production_settings_values():
    proc = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'engine': s.DATABASES['default']['ENGINE'], 'hosts': list(s.ALLOWED_HOSTS),"
        "'csrf': s.CSRF_TRUSTED_ORIGINS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'proxy': list(s.SECURE_PROXY_SSL_HEADER), 'broker': s.CELERY_BROKER_TRANSPORT_OPTIONS,"
        "'results': s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS, 'langs': s.LANGUAGES,"
        "'apps': s.INSTALLED_APPS}))",
    )
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django_tenants.postgresql_backend"
    assert values["hosts"] == ["x.example", "www.x.example"]
    assert values["csrf"] == ["https://x.example", "https://www.x.example"]
    assert values["ssl"] is True
    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["broker"]["global_keyprefix"] == "x:"
    assert values["results"]["global_keyprefix"] == "x:"
    assert values["langs"] == [["en", "English"]]
    apps = values["apps"]
    assert apps[0] == "django_tenants"
    assert apps.index("modeltranslation") < apps.index("django.contrib.admin")


def test_language_parsing():
    assert parse_languages("en, AR") == [("en", "English"), ("ar", "العربيّة")]
    with pytest.raises(ImproperlyConfigured, match="unsupported"):
        parse_languages("en,ja", supported=("en", "ar"))
    with pytest.raises(ImproperlyConfigured, match="empty"):
        parse_languages(" , ")
    with pytest.raises(ImproperlyConfigured, match="twice"):
        parse_languages("en,en")


def test_helpers_for_site_settings(tmp_path):
    assert build_installed_apps(["a", "c"], ["c", "b"]) == ["a", "c", "b"]
    assert parse_domains("Acme.localhost:8080, www.acme.localhost.,acme.localhost") == [
        "acme.localhost",
        "www.acme.localhost",
    ]
    assert csrf_trusted_origins(["a.b"], https=False) == ["https://a.b", "http://a.b"]
    templates = [{"DIRS": []}]
    add_template_dir(templates, tmp_path)
    add_template_dir(templates, tmp_path)
    assert templates[0]["DIRS"] == [tmp_path]


def test_logs_are_json_lines():
    from mortar_api.jsonlog import JsonFormatter

    record = logging.LogRecord("mortar.test", logging.WARNING, __file__, 1, "hi %s", ("x",), None)
    record.tenant = "apitest_a"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING" and line["message"] == "hi x"
    assert line["tenant"] == "apitest_a" and line["logger"] == "mortar.test"
