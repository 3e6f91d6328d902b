"""The API against its own OpenAPI document: schemathesis 4 with every check and phase.

`st run` reads the spawned site's `/api/schema/` and sends its requests through the real
nginx with the tenant's Host header, as two clients at once (one process each, 2 cores):

- **anonymous**: the public operations (the editor operations answer an anonymous client
  401/403 before anything else; the editor run's `ignored_auth` check proves that);
- **editor**: with a staff editor's token, every editor operation plus the public reads
  its OpenAPI links lead to (the contact form and the token login, whose answers do not
  depend on the token, are left to the anonymous run: they are the slowest operations),
  sharded over two processes so both cores generate cases.

All checks (`--checks all`) and all phases: examples, coverage, fuzzing, and for the editor
the stateful phase (links: `mortar_api.cms.openapi`'s and schemathesis' own inference from
the response shapes; the public operations alone link to nothing, so the anonymous run has
no stateful phase). Any finding fails the test;
each run's summary (operations, cases generated, findings, time) is printed.

Waived: the upload's negative cases (multipart: a form value is text, so a fuzzed "number" in
a string field is a valid string; reasons in schemathesis.toml). Configured
(schemathesis.toml, reasons there and in tests/README.md):
`positive_data_acceptance` also accepts 422 (content rules the document cannot express)
and, for the token login only, 400 (wrong credentials).

Budget (environment): MORTAR_CONTRACT_MAX_EXAMPLES (default 10 per operation in the
fuzzing phase), MORTAR_CONTRACT_WORKERS (default 2 threads per process),
MORTAR_CONTRACT_SEED (default: random, printed, so a finding can be replayed).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from kitstack import BIN, KIT, Stack

pytestmark = pytest.mark.contract

HERE = Path(__file__).resolve().parent
REPORTS = KIT / "test-artifacts" / "contract"
# The editor's operations, sharded over two processes (2 cores; schemathesis' own workers
# are threads): pages, menu items and settings with the public reads their links reach,
# and the rest. The contact form and token login answer alike with or without a token and
# are the slowest operations: they are left to the anonymous run.
SHARD_A = "^/api/v1/(editor/(pages|menu-items|settings)/|pages/|home/|site/|preview/)"
RUNS = {
    # the public operations link to nothing among themselves: no stateful phase to run
    "anonymous": [
        "--exclude-path-regex", "^/api/v1/editor/",
        "--phases", "examples,coverage,fuzzing",
    ],
    "editor-a": ["--include-path-regex", SHARD_A, "--phases", "examples,coverage,fuzzing,stateful"],
    "editor-b": [
        "--exclude-path-regex", SHARD_A,
        "--exclude-operation-id", "contact", "--exclude-operation-id", "auth_token",
        "--phases", "examples,coverage,fuzzing,stateful",
    ],
}  # fmt: skip
_OPERATIONS = re.compile(r"^\s*Tested: (\d+)")
_CASES = re.compile(r"^\s*(\d+) generated")
_FINAL = re.compile(r"^=+ (.+) in ([\d.]+)s =+$")


@dataclass
class Run:
    label: str
    seed: str
    proc: subprocess.Popen
    output_path: Path
    started: float
    output: str = ""

    def summary(self) -> dict:
        lines = self.output.splitlines()
        found = {"operations": "?", "cases": "?", "findings": "?", "seconds": "?"}
        for line in lines:
            if m := _OPERATIONS.match(line):
                found["operations"] = m.group(1)
            elif m := _CASES.match(line):
                found["cases"] = m.group(1)
            elif m := _FINAL.match(line):
                # failures, and errors (a run that could not test something) count alike
                counts = re.findall(r"(\d+) (?:failures?|errors?)\b", m.group(1))
                found["findings"] = str(sum(int(c) for c in counts))
                found["seconds"] = m.group(2)
        return found


def _start(stack: Stack, site, label: str, token: str) -> Run:
    seed = os.environ.get("MORTAR_CONTRACT_SEED") or str(random.SystemRandom().randrange(2**63))
    out = REPORTS / label
    out.mkdir(parents=True, exist_ok=True)
    args = [
        str(BIN / "st"), "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"http://127.0.0.1:{stack.port}/api/schema/",
        "--header", f"Host: {site.domain}",
        "--checks", "all",
        "--max-examples", os.environ.get("MORTAR_CONTRACT_MAX_EXAMPLES", "10"),
        "--workers", os.environ.get("MORTAR_CONTRACT_WORKERS", "2"),
        "--seed", seed,
        "--continue-on-failure",
        "--generation-database", "none",
        "--request-timeout", "30",
        "--report", "junit,ndjson", "--report-dir", str(out),
        "--no-color",
        *RUNS[label],
    ]  # fmt: skip
    if label.startswith("editor"):
        args += ["--header", f"Authorization: Token {token}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "st_hooks.py")}
    output_path = out / "output.txt"
    with output_path.open("w") as sink:
        proc = subprocess.Popen(args, cwd=out, env=env, stdout=sink, stderr=subprocess.STDOUT)
    return Run(label, seed, proc, output_path, time.monotonic())


@pytest.fixture(scope="module")
def runs(stack: Stack, site) -> dict[str, Run]:
    """Both clients at once; each run's result is asserted by its own test below."""
    started = [_start(stack, site, label, site.token) for label in RUNS]
    for run in started:
        try:
            run.proc.wait(timeout=1800)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            run.proc.wait()
        run.output = run.output_path.read_text()
        s = run.summary()
        print(
            f"\n[contract:{run.label}] operations tested: {s['operations']}, cases generated: "
            f"{s['cases']}, findings: {s['findings']}, schemathesis time: {s['seconds']} s "
            f"(wall {time.monotonic() - run.started:.0f} s, seed {run.seed}, "
            f"rc={run.proc.returncode}; output: {run.output_path})"
        )
    shards = [run.summary() for run in started if run.label.startswith("editor")]

    def total(key: str) -> int:
        return sum(int(s[key]) for s in shards if s[key].isdigit())

    print(
        f"[contract:editor] both shards: operations tested: {total('operations')}, "
        f"cases generated: {total('cases')}, findings: {total('findings')}"
    )
    return {run.label: run for run in started}


def _check(run: Run) -> None:
    s = run.summary()
    failures = run.output.find(" FAILURES ")
    excerpt = run.output[failures - 40 : failures + 20000] if failures >= 0 else run.output[-6000:]
    assert run.proc.returncode == 0 and s["findings"] == "0", excerpt


def test_anonymous_client_gets_what_the_document_says(runs: dict[str, Run]) -> None:
    _check(runs["anonymous"])


@pytest.mark.parametrize("shard", ["editor-a", "editor-b"])
def test_editor_client_gets_what_the_document_says(runs: dict[str, Run], shard: str) -> None:
    _check(runs[shard])
