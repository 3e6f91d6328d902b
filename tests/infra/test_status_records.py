"""Status records (dataclasses) as the status commands print them: same keys, same order."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from infra_support import REDIS_ADMIN, mortar, ok, write_site
from mortar_infra.urls import redact


def test_infra_status_json_shape(tmp_path: Path) -> None:
    site = write_site(tmp_path, "its_shape", ["shape.localhost"])
    ok(mortar("site", "register", str(site)))
    data = json.loads(mortar("infra", "status", "--json").stdout)
    assert list(data) == ["home", "healthy", "components", "sites"]
    assert data["home"] == os.environ["MORTAR_HOME"]
    for c in data["components"]:
        assert list(c) == ["name", "mode", "address", "ok", "detail"]
    assert data["healthy"] is all(c["ok"] for c in data["components"]) is False  # no nginx
    (row,) = data["sites"]
    assert list(row) == [
        "slug", "domains", "api_port", "web_port", "registered", "site_dir", "folder"
    ]  # fmt: skip
    assert row["slug"] == "its_shape" and row["registered"] and row["folder"]
    assert row["domains"] == ["shape.localhost"] and isinstance(row["api_port"], int)


def test_infra_status_redacts_admin_passwords(monkeypatch) -> None:
    # The Redis the tests were given (the machine's, or the kit's private one on a fresh
    # machine): its own password if it has one, else one for `default`, which a Redis
    # without passwords accepts whatever it is.
    given = urlsplit(REDIS_ADMIN)
    secret = given.password or "s3cret"
    host = f"{given.hostname}:{given.port or 6379}"
    url = f"redis://{given.username or 'default'}:{secret}@{host}{given.path or '/0'}"
    monkeypatch.setenv("MORTAR_REDIS_ADMIN_URL", url)
    res = mortar("infra", "status", "--json")
    by_name = {c["name"]: c for c in json.loads(res.stdout)["components"]}
    assert by_name["redis"]["address"] == url.replace(f":{secret}@", ":***@")
    assert by_name["redis"]["ok"] and secret not in res.stdout
    assert secret not in mortar("infra", "status").stdout


def test_site_status_json_shape_for_a_site_that_is_down(tmp_path: Path) -> None:
    site = write_site(tmp_path, "its_down", ["down.localhost", "www.down.localhost"])
    ok(mortar("site", "register", str(site)))
    rows = json.loads(ok(mortar("site", "status", "--json")).stdout)
    (row,) = rows
    assert list(row) == [
        "slug", "name", "site_dir", "domains", "api_port", "web_port",
        "processes", "health", "registered", "folder", "state",
    ]  # fmt: skip
    assert row["processes"] == {"api": None, "web": None, "worker": None, "beat": None}
    assert row["health"] == {"api": False, "web": False}
    assert row["state"] == "down" and row["registered"] and row["folder"]
    assert row["domains"] == ["down.localhost", "www.down.localhost"]
    text = ok(mortar("site", "status")).stdout
    assert text.splitlines()[0].split() == ["down", "its_down", *row["domains"]]
    assert "api:- web:- worker:- beat:-  health api:DOWN web:DOWN" in text


def test_redact() -> None:
    assert redact("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact("redis://:only@h/0") == "redis://:***@h/0"
