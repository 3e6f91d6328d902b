"""The site's Ingress: host rules are exactly the site's domains; the shared routing table."""

from __future__ import annotations

import shutil
from pathlib import Path

from k8s_sites import BETA_EXTRA_DOMAIN, Site, add_domain, render

API_PREFIXES = ["/api/", "/admin/", "/static/", "/media/"]


def routing(rule: dict) -> dict[str, str]:
    return {
        p["path"]: f"{p['backend']['service']['name']}:{p['backend']['service']['port']['number']}"
        for p in rule["http"]["paths"]
        if p["pathType"] == "Prefix"
    }


def test_host_rules_equal_the_site_domains(site: Site) -> None:
    ingress = site.get("Ingress", site.dns)
    hosts = [r["host"] for r in ingress["spec"]["rules"]]
    assert hosts == site.domains  # same list, primary first
    assert hosts[0] == site.answers["domain"]
    if site.key == "beta":
        assert hosts == [site.answers["domain"], BETA_EXTRA_DOMAIN]


def test_every_domain_routes_like_the_shared_nginx(site: Site) -> None:
    ingress = site.get("Ingress", site.dns)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    # the edge's site-wide per-address limit (100 r/s, bursts of 200), as annotations
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/limit-rps"] == "100"
    assert notes["nginx.ingress.kubernetes.io/limit-burst-multiplier"] == "2"
    expected = {p: f"{site.dns}-api:8000" for p in API_PREFIXES} | {"/": f"{site.dns}-web:3000"}
    for rule in ingress["spec"]["rules"]:
        assert len(rule["http"]["paths"]) == len(expected)
        assert routing(rule) == expected, rule["host"]


def test_adding_domains_is_one_line_each(site: Site, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    patch = root / "k8s" / "overlays" / "production" / "domains.yaml"
    before = patch.read_text().count("\n")
    add_domain(root, "one.k8sf.example")
    add_domain(root, "two.k8sf.example")
    assert patch.read_text().count("\n") == before + 2
    objects = render(patch.parent)
    ingresses = [o for o in objects if o["kind"] == "Ingress"]
    assert {o["metadata"]["name"] for o in ingresses} == {site.dns, f"{site.dns}-limited"}
    for ingress in ingresses:  # routes and limits both reach the new domains
        hosts = [r["host"] for r in ingress["spec"]["rules"]]
        assert hosts == [*site.domains, "one.k8sf.example", "two.k8sf.example"]
        first = ingress["spec"]["rules"][0]["http"]
        assert all(r["http"] == first for r in ingress["spec"]["rules"])


def test_a_domain_missing_from_the_overlay_is_noticed(site: Site, tmp_path: Path) -> None:
    """The comparison above is not vacuous: mortar.toml and the Ingress can disagree."""
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    manifest = root / "mortar.toml"
    manifest.write_text(
        manifest.read_text().replace("domains = [", 'domains = ["only-in-toml.example", ', 1)
    )
    resite = Site(site.key, site.answers, root, render(root / "k8s/overlays/production"))
    ingress = resite.get("Ingress", resite.dns)
    assert [r["host"] for r in ingress["spec"]["rules"]] != resite.domains


def test_login_token_and_contact_have_the_edge_limits(site: Site) -> None:
    """The shared nginx's per-address limits on login/token and contact (10 a minute, bursts
    of 10), as a second Ingress of Exact paths on every domain of the site."""
    limited = site.get("Ingress", f"{site.dns}-limited")
    notes = limited["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/limit-rpm"] == "10"
    assert notes["nginx.ingress.kubernetes.io/limit-burst-multiplier"] == "1"
    assert "nginx.ingress.kubernetes.io/limit-rps" not in notes  # only the strict limit here
    assert limited["spec"]["ingressClassName"] == "nginx"
    assert [r["host"] for r in limited["spec"]["rules"]] == site.domains
    languages = [c.strip() for c in site.answers.get("languages", "en").split(",")]
    expected = {
        "/admin/login/": f"{site.dns}-api:8000",
        "/api/v1/auth/token/": f"{site.dns}-api:8000",
        "/api/v1/contact/": f"{site.dns}-api:8000",
        "/contact/": f"{site.dns}-web:3000",
    } | {f"/{code}/contact/": f"{site.dns}-web:3000" for code in languages}
    for rule in limited["spec"]["rules"]:
        paths = rule["http"]["paths"]
        assert {p["pathType"] for p in paths} == {"Exact"}  # never shadows a whole prefix
        got = {
            p["path"]: f"{p['backend']['service']['name']}:"
            f"{p['backend']['service']['port']['number']}"
            for p in paths
        }
        assert got == expected, rule["host"]
