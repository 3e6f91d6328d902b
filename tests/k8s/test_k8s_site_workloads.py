"""The kit's own rules for a generated site's workloads (beyond what the schemas say)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from k8s_sites import Site, render

ROLES = ("api", "web", "worker", "beat")


def containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return list(spec.get("initContainers") or []) + list(spec["containers"])


def workloads(site: Site) -> list[dict]:
    return site.of_kind("Deployment") + site.of_kind("Job")


def test_every_role_has_a_deployment_with_its_entrypoint_role(site: Site) -> None:
    for role in ROLES:
        dep = site.get("Deployment", f"{site.dns}-{role}")
        assert dep["metadata"]["namespace"] == f"site-{site.dns}"
        (ctr,) = dep["spec"]["template"]["spec"]["containers"]
        assert ctr["args"] == [role]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == role
        assert labels["app.kubernetes.io/instance"] == site.dns
        # The selector is a subset of the pod labels (else the API refuses it).
        for key, value in dep["spec"]["selector"]["matchLabels"].items():
            assert labels[key] == value


def test_beat_is_a_singleton_replaced_with_recreate(site: Site) -> None:
    beat = site.get("Deployment", f"{site.dns}-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in site.of_kind("HorizontalPodAutoscaler")}
    assert beat["metadata"]["name"] not in scaled, "an HPA would run a second beat"


def test_hpas_target_existing_deployments_on_cpu(site: Site) -> None:
    deployments = {d["metadata"]["name"]: d for d in site.of_kind("Deployment")}
    hpas = site.of_kind("HorizontalPodAutoscaler")
    targets = set()
    for hpa in hpas:
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["apiVersion"] == "apps/v1"
        assert ref["name"] in deployments, f"HPA {hpa['metadata']['name']} targets nothing"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        # Scaled Deployments leave replicas to the HPA (an apply must not reset it).
        assert "replicas" not in deployments[ref["name"]]["spec"]
        targets.add(ref["name"])
    assert targets == {f"{site.dns}-{r}" for r in ("api", "web", "worker")}


def test_probes_on_health_for_api_and_web(site: Site) -> None:
    for role, port in (("api", 8000), ("web", 3000)):
        (ctr,) = site.get("Deployment", f"{site.dns}-{role}")["spec"]["template"]["spec"][
            "containers"
        ]
        named = {p["name"]: p["containerPort"] for p in ctr["ports"]}
        assert named == {"http": port}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = ctr[probe]["httpGet"]
            assert get["path"] == "/health/", (role, probe)
            assert named.get(get["port"], get["port"]) == port, (role, probe)


def test_resources_requested_and_limited(site: Site) -> None:
    for obj in workloads(site):
        for ctr in containers(obj):
            res = ctr["resources"]
            assert {"cpu", "memory"} <= set(res["requests"]), obj["metadata"]["name"]
            assert "memory" in res["limits"], obj["metadata"]["name"]


def test_images_pinned_to_the_site_version(site: Site) -> None:
    seen = set()
    for obj in workloads(site):
        for ctr in containers(obj):
            image = ctr["image"]
            role = "web" if obj["metadata"]["name"].endswith("-web") else "api"
            assert image == f"mortarcms/{site.dns}-{role}:{site.version}", image
            assert ctr["imagePullPolicy"] == "IfNotPresent"
            seen.add(image)
    assert len(seen) == 2


def test_migrate_job_is_named_by_version_and_runs_migrate(site: Site) -> None:
    (job,) = site.of_kind("Job")
    assert job["metadata"]["name"] == f"{site.dns}-migrate-{site.version}"
    (ctr,) = job["spec"]["template"]["spec"]["containers"]
    assert ctr["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # Job names become a pod label value: at most 63 characters.
    assert len(job["metadata"]["name"]) <= 63


def test_upgrade_is_one_tag_edit_and_gets_a_new_migrate_job(site: Site, tmp_path: Path) -> None:
    """Changing newTag in the overlay moves every image and renames the Job."""
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    kfile = root / "k8s" / "overlays" / "production" / "kustomization.yaml"
    text = kfile.read_text()
    new_text, n = re.subn(r'newTag: "[^"]+"', 'newTag: "9.8.7"', text)
    assert n == 2
    kfile.write_text(new_text)
    objects = render(kfile.parent)
    jobs = [o for o in objects if o["kind"] == "Job"]
    assert [j["metadata"]["name"] for j in jobs] == [f"{site.dns}-migrate-9.8.7"]
    images = {
        c["image"] for o in objects if o["kind"] in {"Deployment", "Job"} for c in containers(o)
    }
    assert images == {f"mortarcms/{site.dns}-api:9.8.7", f"mortarcms/{site.dns}-web:9.8.7"}


def test_pre_rollout_phase_is_self_sufficient(site: Site) -> None:
    """`kubectl apply -l mortar.dev/phase=pre-rollout` gets the Job and all it needs."""
    phase = [
        o
        for o in site.objects
        if (o["metadata"].get("labels") or {}).get("mortar.dev/phase") == "pre-rollout"
    ]
    kinds = sorted(o["kind"] for o in phase)
    assert kinds == ["ConfigMap", "Job", "Namespace", "Secret"]
    # Stable names: the Job's pod template never changes for a given version.
    assert all(
        o["kind"] in {"Namespace", "Job"} or "-migrate-" in o["metadata"]["name"] for o in phase
    )
    names = {o["metadata"]["name"] for o in phase}
    (job,) = site.of_kind("Job")
    (ctr,) = job["spec"]["template"]["spec"]["containers"]
    refs = {(e.get("secretRef") or e.get("configMapRef"))["name"] for e in ctr["envFrom"]}
    assert refs <= names


def test_env_from_secret_then_cluster_config(site: Site) -> None:
    secrets = {o["metadata"]["name"]: o for o in site.of_kind("Secret")}
    configs = {o["metadata"]["name"]: o for o in site.of_kind("ConfigMap")}
    # Hashed names for the Deployments, stable ones for the migrate Job; same data.
    assert len(secrets) == 2 and len(configs) == 2
    assert f"{site.dns}-migrate-env" in secrets and f"{site.dns}-migrate-config" in configs
    secret = next(v for k, v in secrets.items() if k != f"{site.dns}-migrate-env")
    config = next(v for k, v in configs.items() if k != f"{site.dns}-migrate-config")
    assert re.fullmatch(rf"{site.dns}-env-[a-z0-9]{{10}}", secret["metadata"]["name"])
    assert re.fullmatch(rf"{site.dns}-config-[a-z0-9]{{10}}", config["metadata"]["name"])
    assert secrets[f"{site.dns}-migrate-env"]["data"] == secret["data"]
    assert configs[f"{site.dns}-migrate-config"]["data"] == config["data"]
    assert config["data"]["MORTAR_API_URL"] == f"http://{site.dns}-api:8000"
    assert config["data"]["MORTAR_MEDIA_STORAGE"] == site.answers["media_storage"]
    assert config["data"]["TIME_ZONE"] == site.answers["time_zone"]
    # metrics bind pod-internal (off until MORTAR_METRICS_PORT is set; never in the Ingress)
    assert config["data"]["MORTAR_METRICS_HOST"] == "0.0.0.0"  # noqa: S104
    # pods scale out: beat stays its own singleton (never embedded in a worker), prefork pool
    assert config["data"]["MORTAR_BEAT"] == "separate"
    assert config["data"]["MORTAR_CELERY_POOL"] == "prefork"
    for obj in workloads(site):
        is_job = obj["kind"] == "Job"
        for ctr in containers(obj):
            # The ConfigMap comes last so its cluster values win over the .env's.
            assert ctr["envFrom"] == [
                {"secretRef": {"name": f"{site.dns}-migrate-env"}}
                if is_job
                else {"secretRef": {"name": secret["metadata"]["name"]}},
                {"configMapRef": {"name": f"{site.dns}-migrate-config"}}
                if is_job
                else {"configMapRef": {"name": config["metadata"]["name"]}},
            ]


def test_env_change_rolls_deployments_but_leaves_the_job_alone(site: Site, tmp_path: Path) -> None:
    """A new .env must give the Deployments new Secret names (a rollout) while the
    migrate Job, whose pod template is immutable, renders byte-for-byte the same."""
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    env = root / "k8s/overlays/production/.env"
    env.write_text(env.read_text().replace("SECRET_KEY=", "SECRET_KEY=rotated-", 1))
    objects = render(env.parent)
    (job,) = [o for o in objects if o["kind"] == "Job"]
    assert job == site.of_kind("Job")[0]
    api = next(
        o
        for o in objects
        if o["metadata"]["name"] == f"{site.dns}-api" and o["kind"] == "Deployment"
    )
    old_api = site.get("Deployment", f"{site.dns}-api")
    new_ref = containers(api)[0]["envFrom"][0]["secretRef"]["name"]
    assert new_ref != containers(old_api)[0]["envFrom"][0]["secretRef"]["name"]
    assert new_ref in {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}


def test_services_select_their_pods_and_ingress_backends_exist(site: Site) -> None:
    services = {s["metadata"]["name"]: s for s in site.of_kind("Service")}
    assert set(services) == {f"{site.dns}-api", f"{site.dns}-web"}
    for name, svc in services.items():
        dep = site.get("Deployment", name)
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())
        (port,) = svc["spec"]["ports"]
        assert port["targetPort"] == "http"
    for ingress in site.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] in services
                (port,) = services[backend["name"]]["spec"]["ports"]
                assert backend["port"]["number"] == port["port"]


def test_pdbs_cover_api_web_worker_but_not_beat(site: Site) -> None:
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in site.of_kind("Deployment")
    }
    covered = set()
    for pdb in site.of_kind("PodDisruptionBudget"):
        sel = pdb["spec"]["selector"]["matchLabels"]
        matched = [n for n, lab in pods.items() if all(lab.get(k) == v for k, v in sel.items())]
        assert len(matched) == 1, pdb["metadata"]["name"]
        covered.add(matched[0])
    assert covered == {f"{site.dns}-{r}" for r in ("api", "web", "worker")}


def test_media_volume_only_for_local_storage(site: Site) -> None:
    pvcs = site.of_kind("PersistentVolumeClaim")
    mounts = {
        d["metadata"]["name"]: [m["mountPath"] for m in containers(d)[0].get("volumeMounts", [])]
        for d in site.of_kind("Deployment")
    }
    if site.answers["media_storage"] == "local":
        (pvc,) = pvcs
        assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
        for role in ("api", "worker"):
            assert "/data/media" in mounts[f"{site.dns}-{role}"]
        assert "/data/media" not in mounts[f"{site.dns}-web"]
    else:
        assert pvcs == []
        assert not any("/data/media" in m for m in mounts.values())
