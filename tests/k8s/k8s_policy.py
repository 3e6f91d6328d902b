"""A small NetworkPolicy evaluator over rendered manifests (networking.k8s.io/v1 semantics).

Enough of the spec to answer "may pod A open a TCP/UDP connection to pod B on port P":
policies select pods by label in their own namespace; a pod selected by any policy of a
direction (Ingress/Egress) only gets the traffic some rule of those policies allows;
a connection needs both the source's egress and the destination's ingress to allow it.
Peers: podSelector (same namespace), namespaceSelector, both (AND), ipBlock (never
matches a pod here). Ports: numeric or named (resolved against the destination's ports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)  # container port name -> number


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """LabelSelector semantics: an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


class Cluster:
    def __init__(self, objects: list[dict[str, Any]], extra_namespaces: dict[str, dict]) -> None:
        self.policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
        self.namespaces: dict[str, dict[str, str]] = {}
        for obj in objects:
            if obj.get("kind") == "Namespace":
                name = obj["metadata"]["name"]
                self.namespaces[name] = dict(obj["metadata"].get("labels") or {})
        self.namespaces.update({k: dict(v) for k, v in extra_namespaces.items()})
        # The API server sets this label on every namespace.
        for name, labels in self.namespaces.items():
            labels["kubernetes.io/metadata.name"] = name

    def _policies_for(self, pod: Pod, direction: str) -> list[dict[str, Any]]:
        out = []
        for pol in self.policies:
            if pol["metadata"].get("namespace") != pod.namespace:
                continue
            spec = pol["spec"]
            types = spec.get("policyTypes") or (
                ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]
            )
            if direction in types and selector_matches(spec.get("podSelector"), pod.labels):
                out.append(pol)
        return out

    def _peer_matches(self, peer: dict[str, Any], policy_ns: str, other: Pod) -> bool:
        if "ipBlock" in peer:
            return False
        ns_sel = peer.get("namespaceSelector")
        pod_sel = peer.get("podSelector")
        if ns_sel is None:
            if other.namespace != policy_ns:
                return False
        elif not selector_matches(ns_sel, self.namespaces.get(other.namespace, {})):
            return False
        return pod_sel is None or selector_matches(pod_sel, other.labels)

    @staticmethod
    def _port_matches(rule_ports: list[dict] | None, dest: Pod, port: int, proto: str) -> bool:
        if not rule_ports:
            return True
        for p in rule_ports:
            if p.get("protocol", "TCP") != proto:
                continue
            want = p.get("port")
            if want is None:
                return True
            if isinstance(want, str):
                want = dest.ports.get(want)
            end = p.get("endPort", want)
            if want is not None and want <= port <= end:
                return True
        return False

    def _allowed(self, pod: Pod, other: Pod, dest: Pod, port: int, proto: str, direction: str):
        policies = self._policies_for(pod, direction)
        if not policies:
            return True  # not isolated in this direction
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for pol in policies:
            for rule in pol["spec"].get(key) or []:
                peers = rule.get(peers_key)
                peer_ok = not peers or any(
                    self._peer_matches(p, pod.namespace, other) for p in peers
                )
                if peer_ok and self._port_matches(rule.get("ports"), dest, port, proto):
                    return True
        return False

    def can_connect(self, src: Pod, dest: Pod, port: int, proto: str = "TCP") -> bool:
        return self._allowed(src, dest, dest, port, proto, "Egress") and self._allowed(
            dest, src, dest, port, proto, "Ingress"
        )


def pods_from(objects: list[dict[str, Any]]) -> dict[str, Pod]:
    """One Pod per workload (Deployment, StatefulSet, Job), keyed by namespace/name."""
    pods = {}
    for obj in objects:
        if obj.get("kind") not in {"Deployment", "StatefulSet", "Job"}:
            continue
        tmpl = obj["spec"]["template"]
        ports = {
            p["name"]: p["containerPort"]
            for c in tmpl["spec"]["containers"]
            for p in c.get("ports") or []
            if "name" in p
        }
        ns = obj["metadata"]["namespace"]
        key = f"{ns}/{obj['metadata']['name']}"
        pods[key] = Pod(key, ns, dict(tmpl["metadata"].get("labels") or {}), ports)
    return pods
