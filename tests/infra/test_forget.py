"""`mortar site forget`: the advice in the "slug already belongs" error really works, and
sites whose folder is gone can leave `mortar infra status` / `mortar site status`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from infra_support import mortar, ok, write_site
from mortar_infra import procs
from mortar_infra.manifest import load_site


def _home() -> Path:
    return Path(os.environ["MORTAR_HOME"])


def test_slug_conflict_advice_works(tmp_path: Path, stack: int) -> None:
    one = write_site(tmp_path / "one", "itf_same", ["one.localhost"])
    two = write_site(tmp_path / "two", "itf_same", ["two.localhost"])
    ok(mortar("site", "register", str(one)))
    res = mortar("site", "register", str(two))
    assert res.returncode == 2
    err = res.stderr.strip()
    assert "already belongs to" in err and f"`mortar site down {one}`" in err
    assert "`mortar site forget itf_same`" in err

    # exactly what the message says (deprovision is optional: nothing was provisioned here)
    ok(mortar("site", "down", str(one)))
    out = ok(mortar("site", "forget", "itf_same", "--yes")).stdout
    assert "itf_same forgotten" in out
    assert not (_home() / "sites" / "itf_same").exists()
    ok(mortar("site", "register", str(two)))
    vhost = (_home() / "nginx" / "sites" / "itf_same.conf").read_text()
    assert "two.localhost" in vhost and "one.localhost" not in vhost


def test_forget_asks_first_and_unroutes(tmp_path: Path, stack: int) -> None:
    site = write_site(tmp_path, "itf_ask", ["ask.localhost"])
    ok(mortar("site", "register", str(site)))
    res = mortar("site", "forget", "itf_ask", input="n\n")
    assert res.returncode == 1 and "Aborted" in res.stderr
    assert (_home() / "sites" / "itf_ask" / "site.json").is_file()
    ok(mortar("site", "forget", "itf_ask", input="y\n"))
    assert not (_home() / "nginx" / "sites" / "itf_ask.conf").exists()
    assert "unknown site" in mortar("site", "forget", "itf_ask", "--yes").stderr


def test_forget_refuses_a_running_site(tmp_path: Path) -> None:
    site = write_site(tmp_path, "itf_busy", ["busy.localhost"])
    ok(mortar("site", "register", str(site)))
    # real processes of the site under its supervisord (what `site up` starts)
    (site / "Procfile").write_text("".join(f"{role}: sleep 60\n" for role in procs.ROLES))
    s = load_site(site)
    procs.start(s, Path(sys.executable), {}, roles=["api"])
    try:
        res = mortar("site", "forget", "itf_busy", "--yes")
        assert res.returncode == 2
        assert f"`mortar site down {site}` first" in res.stderr
        assert (_home() / "sites" / "itf_busy" / "site.json").is_file()
    finally:
        procs.stop(s)
    assert procs.supervisord_pid(s) is None


def test_deleted_folder_is_flagged_then_forgotten(tmp_path: Path, stack: int) -> None:
    site = write_site(tmp_path, "itf_gone", ["gone.localhost"])
    ok(mortar("site", "register", str(site)))
    shutil.rmtree(site)
    status = mortar("infra", "status").stdout
    assert "itf_gone" in status and "is gone: `mortar site forget itf_gone`" in status
    rows = json.loads(mortar("site", "status", "--json").stdout)
    assert [r["folder"] for r in rows if r["slug"] == "itf_gone"] == [False]
    assert "folder missing" in mortar("site", "status").stdout

    ok(mortar("site", "forget", "itf_gone", "--yes"))
    assert "itf_gone" not in mortar("infra", "status").stdout
    assert json.loads(mortar("site", "status", "--json").stdout) == []
