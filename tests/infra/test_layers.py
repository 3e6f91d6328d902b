"""What may import what inside `mortar_infra` (shared-infra/README.md), checked on the source.

A module imports only from lower layers (function-local imports count too); the CLI layer's
modules import each other (commands attach themselves to the groups in cli.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import mortar_infra

PKG = Path(mortar_infra.__file__).resolve().parent
LAYERS = [
    {"config", "progress", "polling"},  # the environment, output, the wait loop
    {"envfile", "manifest", "sitefiles", "archive", "tls"},  # a site's files, backups, certs
    {"urls", "procs", "siteenv", "nginx"},  # one mechanism each
    {"provision", "processenv", "probes", "compose", "dumps", "launch", "acme", "sitelock"},
    {"privateservers", "stackstatus", "tenants"},
    {"native", "siteops", "tenantbackup"},  # the stack's and a site's life: up, down, ...
    {"demo", "servers", "sitebackup", "siteupgrade"},
    {"cli", "clitools", "commands"},  # the click CLI
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return rel.parts[0]


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "mortar_infra":
                out |= {a.name for a in node.names if a.name != "__version__"}
            elif node.module.startswith("mortar_infra."):
                out.add(node.module.split(".")[1])
            elif node.module.split(".")[0] in ("mortar_api", "mortar_web"):
                out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names if a.name.startswith("mortar_")}
    return out


def _may_import(me: str, other: str) -> bool:
    top = len(LAYERS) - 1
    return LAYER[other] < LAYER[me] or LAYER[me] == LAYER[other] == top


def test_every_module_has_a_layer() -> None:
    modules = {_module(p) for p in PKG.rglob("*.py")} - {"__init__", "scripts"}
    assert modules <= set(LAYER), modules - set(LAYER)


def test_imports_go_down_only() -> None:
    wrong = []
    for path in PKG.rglob("*.py"):
        me = _module(path)
        if me == "scripts":  # run by a site's python (mortar_api there), never import the CLI
            assert not _imports(path) - {"mortar_api", "mortar_web"}, path
            continue
        for other in _imports(path) - {me}:
            if other in ("mortar_api", "mortar_web"):
                wrong.append(f"{path.name} imports {other} (drive sites through their files)")
            elif other != "__init__" and not _may_import(me, other):
                wrong.append(f"{path.relative_to(PKG)} (layer {LAYER[me]}) imports {other}")
    assert not wrong, "\n".join(wrong)
