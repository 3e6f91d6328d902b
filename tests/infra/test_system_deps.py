"""What a bare machine gets: scripts/private-servers-needed, scripts/install-system-deps --dry-run
and `python -m mortar_infra.servers`, against the real servers and, for "nothing answers", in a
network namespace of their own (`unshare --net`: an empty loopback, so the machine's PostgreSQL
and Redis are out of sight). The full run on a clean Debian root is scripts/check-fresh-machine.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import redis
from infra_support import MORTAR, PG_ADMIN, REDIS_ADMIN, free_port
from mortar_infra.config import DEFAULT_POSTGRES_ADMIN_URL, DEFAULT_REDIS_ADMIN_URL
from mortar_infra.probes import pg_ok, redis_ok

KIT = Path(__file__).resolve().parents[2]
NEEDED = KIT / "scripts" / "private-servers-needed"
DEPS = KIT / "scripts" / "install-system-deps"
PY = str(Path(sys.executable).parent / "python")

needs_netns = pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")),
    reason="network namespaces need root, unshare and ip (iproute2)",
)
# The branches where the kit uses the machine's own servers need them (here and in CI; a bare
# machine, like scripts/check-fresh-machine's root, has none).
on_machine_servers = pytest.mark.skipif(
    not (pg_ok(DEFAULT_POSTGRES_ADMIN_URL)[0] and redis_ok(DEFAULT_REDIS_ADMIN_URL)[0]),
    reason="this machine has no PostgreSQL/Redis of its own on loopback",
)


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("private_servers_needed", str(NEEDED))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """No admin URLs, an empty home: what a first `make demo` sees."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORTAR_")}
    env["MORTAR_HOME"] = str(tmp_path / "home")
    return env


def run(cmd: list[str], env: dict[str, str], netns: bool = False) -> subprocess.CompletedProcess:
    if netns:  # own network (loopback up, nothing listening), own PIDs: all gone at the end
        script = 'ip link set lo up && exec "$@"'
        cmd = ["unshare", "--net", "--pid", "--fork", "--kill-child",
               "bash", "-c", script, "netns", *cmd]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_defaults_match_the_kits(probe: ModuleType) -> None:
    pg = urlsplit(DEFAULT_POSTGRES_ADMIN_URL)
    assert probe.DEFAULT_POSTGRES == (pg.hostname, pg.port, pg.username, pg.path.lstrip("/"))
    rd = urlsplit(DEFAULT_REDIS_ADMIN_URL)
    assert probe.DEFAULT_REDIS == (rd.hostname, rd.port)


@pytest.fixture
def http_port() -> Iterator[int]:
    """Something that listens but speaks neither protocol."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_protocol_probes_against_real_servers(probe: ModuleType, http_port: int) -> None:
    pg, rd = urlsplit(PG_ADMIN), urlsplit(REDIS_ADMIN)
    assert probe.postgres_answers(pg.hostname, pg.port or 5432, "postgres", "postgres")
    # A role that does not exist gets an error, not AuthenticationOk.
    assert not probe.postgres_answers(pg.hostname, pg.port or 5432, "no_such_role_x", "postgres")
    assert probe.redis_answers(rd.hostname, rd.port or 6379)
    closed = free_port()
    assert not probe.postgres_answers("127.0.0.1", closed, "postgres", "postgres")
    assert not probe.redis_answers("127.0.0.1", closed)
    assert not probe.postgres_answers("127.0.0.1", http_port, "postgres", "postgres")
    assert not probe.redis_answers("127.0.0.1", http_port)


def test_redis_asking_for_a_password_does_not_answer(probe: ModuleType, tmp_path: Path) -> None:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
            "--requirepass",
            "secret",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        r = redis.Redis(port=port, password="secret")
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                threading.Event().wait(0.05)
        assert not probe.redis_answers("127.0.0.1", port)
    finally:
        proc.terminate()
        proc.wait(10)


@on_machine_servers
def test_nothing_needed_where_the_machines_servers_answer(clean_env: dict[str, str]) -> None:
    res = run([str(NEEDED)], clean_env)
    assert res.returncode == 0 and res.stdout == "", res


@on_machine_servers
def test_a_home_with_private_servers_needs_their_binaries(clean_env: dict[str, str]) -> None:
    home = Path(clean_env["MORTAR_HOME"])
    home.mkdir()
    (home / "infra.json").write_text(json.dumps({"redis": {"mode": "private", "port": 1}}))
    assert run([str(NEEDED)], clean_env).stdout == "redis\n"


@needs_netns
def test_nothing_answers_so_both_servers_are_needed(clean_env: dict[str, str]) -> None:
    res = run([str(NEEDED)], clean_env, netns=True)
    assert res.stdout.split() == ["postgres", "redis"], res
    # Admin URLs set: the kit uses those servers (or fails saying so), never private ones.
    env = {**clean_env, "MORTAR_POSTGRES_ADMIN_URL": PG_ADMIN, "MORTAR_REDIS_ADMIN_URL": "x"}
    assert run([str(NEEDED)], env, netns=True).stdout == ""


@needs_netns
@on_machine_servers
def test_install_dry_run_adds_server_packages_only_when_needed(clean_env: dict[str, str]) -> None:
    def dry(env: dict[str, str], netns: bool) -> list[str]:
        res = run(["bash", str(DEPS), "--dry-run", "demo"], env, netns)
        assert res.returncode == 0, res
        return res.stdout.split()

    # Everything is installed here and the machine's servers answer.
    assert dry(clean_env, netns=False) == []
    # Binaries "missing" (pointed elsewhere), servers answering: nothing to add.
    gone = {**clean_env, "MORTAR_PG_BIN": "/nonexistent", "MORTAR_REDIS_SERVER": "/nonexistent"}
    assert dry(gone, netns=False) == []
    # Nothing answers and the binaries are missing: both server packages.
    assert dry(gone, netns=True) == ["postgresql", "redis-server"]
    # Nothing answers but the binaries are there: private servers can start, nothing to add.
    assert dry(clean_env, netns=True) == []
    # Nothing answers, binaries missing, but the admin URLs name servers: no server packages.
    urls = {**gone, "MORTAR_POSTGRES_ADMIN_URL": PG_ADMIN, "MORTAR_REDIS_ADMIN_URL": REDIS_ADMIN}
    assert dry(urls, netns=True) == []


@needs_netns
def test_servers_module_starts_private_servers_when_nothing_answers(
    clean_env: dict[str, str],
) -> None:
    """What scripts/run-tests does on a bare machine: private servers, their URLs exported,
    the same ones the second time and after `infra down`; all inside one network namespace."""
    script = """
set -euo pipefail
first=$("$PY" -m mortar_infra.servers)
eval "$first"
"$PY" - <<'CHECK'
import os, psycopg, redis
with psycopg.connect(os.environ["MORTAR_POSTGRES_ADMIN_URL"]) as conn:
    print("pg", conn.execute("SHOW port").fetchone()[0])
print("redis", redis.Redis.from_url(os.environ["MORTAR_REDIS_ADMIN_URL"]).ping())
CHECK
second=$("$PY" -m mortar_infra.servers)  # its own exports in the environment now
"$MORTAR" infra down >/dev/null
third=$("$PY" -m mortar_infra.servers)  # stopped: started again, same ports, same data
"$PY" -c 'import os, psycopg; psycopg.connect(os.environ["MORTAR_POSTGRES_ADMIN_URL"]).close()'
[ "$first" = "$second" ] && [ "$first" = "$third" ] && echo same
echo "$first"
"$MORTAR" infra down >/dev/null
"""
    env = {**clean_env, "PY": PY, "MORTAR": MORTAR}
    home = Path(clean_env["MORTAR_HOME"])
    try:
        res = run(["bash", "-c", script], env, netns=True)
        assert res.returncode == 0, res
        lines = res.stdout.splitlines()
        assert lines[1] == "redis True" and lines[2] == "same", res.stdout
        exports = dict(line.removeprefix("export ").split("=", 1) for line in lines[3:])
        pg_port = urlsplit(exports["MORTAR_POSTGRES_ADMIN_URL"]).port
        assert lines[0] == f"pg {pg_port}" and pg_port != 5432
        assert urlsplit(exports["MORTAR_REDIS_ADMIN_URL"]).port != 6379
        assert "starting private PostgreSQL" in res.stderr
        assert json.loads((home / "infra.json").read_text())["postgres"]["mode"] == "private"
    finally:
        link = home / "postgres"
        if link.is_symlink():  # root, with a home under pytest's 0700 temp dir
            shutil.rmtree(link.resolve(), ignore_errors=True)


@on_machine_servers
def test_servers_module_prints_the_machines_servers(clean_env: dict[str, str]) -> None:
    res = run([PY, "-m", "mortar_infra.servers"], clean_env)
    assert res.returncode == 0, res
    assert res.stdout.splitlines() == [
        f"export MORTAR_POSTGRES_ADMIN_URL={DEFAULT_POSTGRES_ADMIN_URL}",
        f"export MORTAR_REDIS_ADMIN_URL={DEFAULT_REDIS_ADMIN_URL}",
    ]
    # Using the machine's servers leaves no trace in a home that had none.
    assert not Path(clean_env["MORTAR_HOME"]).exists()


def test_servers_module_fails_in_one_line_on_a_dead_admin_url(clean_env: dict[str, str]) -> None:
    bad = {
        **clean_env,
        "MORTAR_POSTGRES_ADMIN_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x",
    }
    res = run([PY, "-m", "mortar_infra.servers"], bad)
    assert res.returncode == 1 and res.stdout == ""
    assert (
        res.stderr.strip()
        .splitlines()[-1]
        .startswith("error: MORTAR_POSTGRES_ADMIN_URL does not answer")
    )
