"""Two generated sites up natively at once, served through the shared nginx by Host."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def get(stack, host: str, path: str, **kw) -> requests.Response:
    return requests.get(
        f"http://127.0.0.1:{stack.port}{path}", headers={"Host": host}, timeout=15, **kw
    )


def pg_server() -> str:
    """The superuser URL minus its database (the admin URL scripts/run-tests exports)."""
    url = os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgres://postgres@127.0.0.1:5432/x"
    return url.rsplit("/", 1)[0]


def wait_for(predicate, timeout: float, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def test_up_prints_urls_and_admin_login_once(sites):
    out = sites["alpha"].up_output
    assert f"http://{sites['alpha'].domain}:" in out
    assert out.count("admin password (shown once):") == 1


def test_a_fresh_site_greets_its_owner(sites):
    """Straight after `site up`, before any content: the answers given to cookiecutter
    (site name, languages) reached the first tenant, and `/` is a welcome page."""
    for run in sites.values():
        assert f"Welcome to {run.marker}" in run.fresh_home
        assert "Page not found" not in run.fresh_home and "/admin/" in run.fresh_home
        assert run.fresh_site_api["settings"]["site_name"] == run.marker
        assert [i["label"] for i in run.fresh_site_api["menus"]["header"]] == ["Home"]
    # beta has en,ar: the welcome page speaks Arabic too; alpha (en only) falls back to en
    assert sites["beta"].fresh_home_api["title"] == f"مرحباً بكم في {sites['beta'].marker}"
    assert sites["alpha"].fresh_home_api["title"] == f"Welcome to {sites['alpha'].marker}"


def test_each_site_serves_its_own_home_page(stack, sites):
    for name, other in (("alpha", "beta"), ("beta", "alpha")):
        r = get(stack, sites[name].domain, "/")
        assert r.status_code == 200, r.text[:500]
        assert f"Home of {sites[name].marker}" in r.text
        assert sites[other].marker not in r.text


def test_each_site_serves_its_pages(stack, sites):
    for run in sites.values():
        r = get(stack, run.domain, "/about/")
        assert r.status_code == 200
        assert f"All about {run.marker}" in r.text
        missing = get(stack, run.domain, "/no-such-page/")
        assert missing.status_code == 404
        # the site's own template override and asset (web/<slug>_web/) win over the base's
        assert 'data-site-override="404"' in missing.text
        assert get(stack, run.domain, "/assets/site/site.css").status_code == 200


def test_site_api_reflects_each_sites_answers(stack, sites):
    for run in sites.values():
        r = get(stack, run.domain, "/api/v1/site/")
        assert r.status_code == 200
        data = r.json()
        assert data["settings"]["site_name"] == run.marker
        assert [lang["code"] for lang in data["languages"]] == run.languages.split(",")
    r = get(stack, sites["beta"].domain, "/api/v1/home/?lang=ar")
    assert r.status_code == 200 and r.headers["Content-Language"] == "ar"


def test_admin_login_page(stack, sites):
    for run in sites.values():
        r = get(stack, run.domain, "/admin/login/")
        assert r.status_code == 200
        assert 'name="username"' in r.text
        css = get(stack, run.domain, "/static/admin/css/base.css")
        assert css.status_code == 200


def test_printed_admin_login_works(stack, sites):
    run = sites["alpha"]
    out = run.up_output.splitlines()
    lines = dict(ln.strip().split(": ", 1) for ln in out if "admin " in ln and ": " in ln)
    user, password = lines["admin user"], lines["admin password (shown once)"]
    base = f"http://127.0.0.1:{stack.port}"
    with requests.Session() as s:
        s.headers["Host"] = run.domain
        s.get(f"{base}/admin/login/", timeout=15)
        r = s.post(
            f"{base}/admin/login/?next=/admin/",
            data={"username": user, "password": password, "next": "/admin/",
                  "csrfmiddlewaretoken": s.cookies["csrftoken"]},
            headers={"Referer": f"http://{run.domain}/admin/login/"},
            allow_redirects=False, timeout=15,
        )  # fmt: skip
        assert r.status_code == 302 and r.headers["Location"] == "/admin/", r.text[:300]
        assert "Notices" in s.get(f"{base}/admin/", timeout=15).text  # the example app's admin


def test_unknown_host_is_closed(stack, sites):
    with pytest.raises(requests.ConnectionError):
        get(stack, "nobody.localhost", "/")


def test_example_app_endpoint(stack, sites):
    for run in sites.values():
        r = get(stack, run.domain, "/api/v1/notices/")
        assert r.status_code == 200
        assert [n["text"] for n in r.json()] == [f"Notice from {run.marker}"]


def test_web_assets_are_fingerprinted_and_immutable(stack, sites):
    for run in sites.values():
        html = get(stack, run.domain, "/").text
        css = re.findall(r'href="(/assets/[^"]+\.css)"', html)
        assert css and all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in css), css
        r = get(stack, run.domain, css[0])
        assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]


def test_unknown_api_path_is_a_json_404_through_the_site_urlconf(stack, sites):
    for run in sites.values():
        r = get(stack, run.domain, "/api/nothing-here/")
        assert r.status_code == 404
        assert r.headers["Content-Type"] == "application/json"
        assert set(r.json()) == {"detail", "errors"}


def test_contact_submission_is_mailed_by_the_worker(stack, sites, smtp):
    run = sites["beta"]
    r = requests.post(
        f"http://127.0.0.1:{stack.port}/api/v1/contact/",
        headers={"Host": run.domain},
        json={
            "name": "Visitor",
            "email": "visitor@example.com",
            "subject": f"Hi {run.slug}",
            "message": "Please call me back.",
        },
        timeout=15,
    )
    assert r.status_code == 201, r.text

    def mailed():
        return [m for m in smtp.messages if f"Hi {run.slug}".encode() in m.content]

    # the worker runs the site's own Celery app (MORTAR_CELERY_APP from .env)
    banner = (stack.home / "sites" / run.slug / "logs" / "worker.log").read_text()
    assert re.search(rf"app:\s+{run.slug}_api:", banner), banner[:2000]
    got = wait_for(mailed, timeout=60)
    assert got, f"no mail within 60s; sink has {len(smtp.messages)}"
    assert got[0].rcpt_tos == [f"contact@{run.domain}"]
    assert b"Please call me back." in got[0].content


def test_added_tenant_serves_its_own_content(stack, sites, tag):
    run = sites["alpha"]
    domain = f"gamma-{tag}.localhost"
    proc = stack.mortar("tenant", "add", str(run.dir), "--domain", domain, "--name", "Gamma Co")
    assert "admin password (shown once):" in proc.stdout
    # before it has content: its own welcome page under its own name, never alpha's data
    r = get(stack, domain, "/api/v1/site/")
    assert r.status_code == 200
    assert r.json()["settings"]["site_name"] == "Gamma Co"
    home = get(stack, domain, "/")
    assert home.status_code == 200 and "Welcome to Gamma Co" in home.text
    assert run.marker not in home.text
    from mortar_infra.tenants import schema_for

    content = stack.site_python(
        run, str(__import__("conftest").CONTENT), schema_for(domain), f"Gamma {tag}",
        f"contact@{domain}",
    )  # fmt: skip
    assert content.returncode == 0, content.stderr
    r = stack.get_fresh(domain, "/", lambda r: f"Home of Gamma {tag}" in r.text)
    assert r.status_code == 200 and f"Home of Gamma {tag}" in r.text
    assert run.marker not in r.text
    # the first tenant is unchanged
    assert f"Home of {run.marker}" in get(stack, run.domain, "/").text
    # the edge knows whose media each domain may read (nginx's host -> schema map, whose
    # answers tests/infra/test_edge_files.py checks)
    assert _domain_schemas(stack, run)[domain] == schema_for(domain)


def _domain_schemas(stack, run) -> dict[str, str]:
    return json.loads((stack.home / "sites" / run.slug / "site.json").read_text())["domain_schemas"]


def test_status_lists_both_sites_up(stack, sites):
    proc = stack.mortar("site", "status", "--json")
    rows = {r["slug"]: r for r in json.loads(proc.stdout)}
    for run in sites.values():
        assert rows[run.slug]["state"] == "up"
        assert rows[run.slug]["health"] == {"api": True, "web": True}


def test_up_again_is_safe_and_keeps_processes(stack, sites):
    run = sites["alpha"]
    before = json.loads(stack.mortar("site", "status", "--json").stdout)
    proc = stack.mortar("site", "up", str(run.dir))
    assert "admin password" not in proc.stdout
    after = json.loads(stack.mortar("site", "status", "--json").stdout)
    pids = {r["slug"]: r["processes"] for r in before}
    now = {r["slug"]: r["processes"] for r in after}
    if "==> building mortar-api" in proc.stdout:
        # the kit's base sources changed during this run (a developer editing them):
        # the new packages are installed and only this site's processes restarted
        assert "restarting its processes" in proc.stdout
        assert now[sites["beta"].slug] == pids[sites["beta"].slug]
    else:
        assert "already running" in proc.stdout
        assert now == pids
    assert {r["slug"]: r["state"] for r in after}[run.slug] == "up"
    assert get(stack, run.domain, "/").status_code == 200
    # `up` refreshed the host -> schema map from the site's database: every tenant's domain
    schemas = _domain_schemas(stack, run)
    assert schemas[run.domain] == run.slug and len(schemas) >= 2


def test_generated_sites_own_suites_pass(stack, sites, tag):
    from concurrent.futures import ThreadPoolExecutor

    def suite(run):
        return stack.site_python(
            run, "-m", "pytest", "-q", "--create-db",
            env={"TEST_DATABASE_URL": f"{pg_server()}/{run.slug}_t"},
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(suite, sites.values()))
    for run, proc in zip(sites.values(), results, strict=True):
        assert proc.returncode == 0, f"{run.slug}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        assert " passed" in proc.stdout


def test_scheduled_page_is_published_by_beat(stack, sites):
    # site_content.py created `launch` as a draft due one minute after set-up;
    # beat runs "publish scheduled pages" every 60 s for every tenant. Last in the file,
    # so the wait overlaps the other tests.
    for run in sites.values():
        assert wait_for(lambda r=run: get(stack, r.domain, "/api/v1/pages/launch/").status_code
                        == 200, timeout=180, step=3), run.slug  # fmt: skip
        assert f"Launch of {run.marker}" in get(stack, run.domain, "/launch/").text
