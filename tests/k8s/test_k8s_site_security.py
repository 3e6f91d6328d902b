"""Network isolation and pod hardening of generated sites and of the shared platform.

NetworkPolicies are evaluated over the rendered objects of BOTH sites plus the platform,
as if applied to one cluster (k8s_policy.py): the questions are who can connect to whom.
"""

from __future__ import annotations

import pytest
import yaml
from k8s_policy import Cluster, Pod, pods_from
from k8s_sites import KIT, Site

# What a cluster has besides Mortar's objects (the README's expectations).
INGRESS_NGINX = Pod(
    "ingress-nginx/controller",
    "ingress-nginx",
    {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
)
KUBE_DNS = Pod("kube-system/coredns", "kube-system", {"k8s-app": "kube-dns"})
STRANGER = Pod("default/stranger", "default", {"app": "stranger"})


@pytest.fixture(scope="module")
def world(sites: dict[str, Site], platform: list[dict]) -> tuple[Cluster, dict[str, Pod]]:
    objects = [o for s in sites.values() for o in s.objects] + platform
    cluster = Cluster(objects, {"ingress-nginx": {}, "kube-system": {}, "default": {}})
    return cluster, pods_from(objects)


def pod(pods: dict[str, Pod], site: Site, role: str) -> Pod:
    if role == "migrate":
        return pods[f"site-{site.dns}/{site.dns}-migrate-{site.version}"]
    return pods[f"site-{site.dns}/{site.dns}-{role}"]


def test_web_cannot_reach_postgres(site: Site, world) -> None:
    cluster, pods = world
    postgres = pods["mortar-platform/postgres"]
    web = pod(pods, site, "web")
    assert not cluster.can_connect(web, postgres, 5432)
    # Refused on both sides: web's egress policy and PostgreSQL's ingress policy.
    assert not cluster._allowed(web, postgres, postgres, 5432, "TCP", "Egress")
    assert not cluster._allowed(postgres, web, postgres, 5432, "TCP", "Ingress")


def test_web_reaches_only_dns_its_api_and_redis(site: Site, sites, world) -> None:
    cluster, pods = world
    web = pod(pods, site, "web")
    assert cluster.can_connect(web, KUBE_DNS, 53, "UDP")
    assert cluster.can_connect(web, KUBE_DNS, 53, "TCP")
    assert cluster.can_connect(web, pod(pods, site, "api"), 8000)
    assert cluster.can_connect(web, pods["mortar-platform/redis"], 6379)
    other = next(s for s in sites.values() if s.key != site.key)
    assert not cluster.can_connect(web, pod(pods, other, "api"), 8000)
    assert not cluster.can_connect(web, STRANGER, 443)


def test_database_clients_reach_postgres_and_redis(site: Site, world) -> None:
    cluster, pods = world
    for role in ("api", "worker", "beat", "migrate"):
        p = pod(pods, site, role)
        assert cluster.can_connect(p, pods["mortar-platform/postgres"], 5432), role
        assert cluster.can_connect(p, pods["mortar-platform/redis"], 6379), role


def test_only_the_site_and_the_ingress_controller_reach_its_api(site: Site, sites, world) -> None:
    cluster, pods = world
    api = pod(pods, site, "api")
    for role in ("web", "worker", "beat", "migrate"):
        assert cluster.can_connect(pod(pods, site, role), api, 8000), role
    assert cluster.can_connect(INGRESS_NGINX, api, 8000)
    other = next(s for s in sites.values() if s.key != site.key)
    for role in ("api", "web", "worker"):
        assert not cluster.can_connect(pod(pods, other, role), api, 8000), role
    assert not cluster.can_connect(STRANGER, api, 8000)
    assert not cluster.can_connect(pods["mortar-platform/redis"], api, 8000)
    # Only the api port is open, even to the site itself.
    assert not cluster.can_connect(pod(pods, site, "worker"), api, 9000)


def test_web_is_reached_only_through_the_ingress_controller(site: Site, world) -> None:
    cluster, pods = world
    web = pod(pods, site, "web")
    assert cluster.can_connect(INGRESS_NGINX, web, 3000)
    assert not cluster.can_connect(STRANGER, web, 3000)
    assert not cluster.can_connect(pod(pods, site, "api"), web, 3000)


def test_nothing_reaches_worker_beat_or_migrate(site: Site, world) -> None:
    cluster, pods = world
    for role in ("worker", "beat", "migrate"):
        for src in (INGRESS_NGINX, STRANGER, pod(pods, site, "api")):
            assert not cluster.can_connect(src, pod(pods, site, role), 8000), (role, src.name)


def test_strangers_cannot_reach_the_platform(world) -> None:
    cluster, pods = world
    assert not cluster.can_connect(STRANGER, pods["mortar-platform/postgres"], 5432)
    assert not cluster.can_connect(STRANGER, pods["mortar-platform/redis"], 6379)
    assert not cluster.can_connect(INGRESS_NGINX, pods["mortar-platform/postgres"], 5432)


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    return [
        (o["metadata"]["name"], o["spec"]["template"]["spec"])
        for o in objects
        if o["kind"] in {"Deployment", "StatefulSet", "Job"}
    ]


def assert_hardened(name: str, spec: dict) -> None:
    psc = spec["securityContext"]
    assert psc["runAsNonRoot"] is True, name
    assert psc["runAsUser"] != 0, name
    assert psc["seccompProfile"]["type"] == "RuntimeDefault", name
    assert spec["automountServiceAccountToken"] is False, name
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for ctr in list(spec.get("initContainers") or []) + spec["containers"]:
        csc = ctr["securityContext"]
        assert csc["allowPrivilegeEscalation"] is False, (name, ctr["name"])
        assert csc["readOnlyRootFilesystem"] is True, (name, ctr["name"])
        assert csc["capabilities"] == {"drop": ["ALL"]}, (name, ctr["name"])
        # Nothing runs as root, even where a container overrides the pod's user.
        assert csc.get("runAsUser", psc["runAsUser"]) != 0
        for mount in ctr.get("volumeMounts", []):
            if mount["mountPath"] == "/tmp":
                assert "emptyDir" in volumes[mount["name"]], name


def test_site_pods_are_non_root_with_read_only_root(site: Site) -> None:
    specs = pod_specs(site.objects)
    assert len(specs) == 5
    for name, spec in specs:
        assert_hardened(name, spec)
        (ctr,) = spec["containers"]
        # A read-only root needs a writable /tmp (gunicorn heartbeats, the role file).
        assert any(m["mountPath"] == "/tmp" for m in ctr["volumeMounts"]), name


def test_platform_pods_are_hardened_with_volumes_and_probes(platform: list[dict]) -> None:
    stateful = {o["metadata"]["name"]: o for o in platform if o["kind"] == "StatefulSet"}
    assert set(stateful) == {"postgres", "redis"}
    for name, spec in pod_specs(platform):
        assert_hardened(name, spec)
    for name, sts in stateful.items():
        assert sts["spec"]["replicas"] == 1
        (claim,) = sts["spec"]["volumeClaimTemplates"]
        (ctr,) = sts["spec"]["template"]["spec"]["containers"]
        assert any(m["name"] == claim["metadata"]["name"] for m in ctr["volumeMounts"]), name
        assert "exec" in ctr["readinessProbe"] and "exec" in ctr["livenessProbe"], name
        svc_names = {
            o["metadata"]["name"]
            for o in platform
            if o["kind"] == "Service" and o["spec"].get("clusterIP") == "None"
        }
        assert sts["spec"]["serviceName"] in svc_names


def test_platform_images_match_the_compose_stack(platform: list[dict]) -> None:
    """One server and a cluster run the same PostgreSQL and Redis builds."""
    compose = yaml.safe_load((KIT / "shared-infra" / "compose.yml").read_text())
    want = {name: compose["services"][name]["image"] for name in ("postgres", "redis")}
    for sts in (o for o in platform if o["kind"] == "StatefulSet"):
        spec = sts["spec"]["template"]["spec"]
        for ctr in list(spec.get("initContainers") or []) + spec["containers"]:
            assert ctr["image"] == want[sts["metadata"]["name"]], ctr["name"]
