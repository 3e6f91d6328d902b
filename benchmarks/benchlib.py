"""Helpers the benchmark scripts share (run them as `python benchmarks/<script>.py`, so this
folder is on sys.path): a throwaway database, a free loopback port, a gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg


def admin_conninfo(url: str) -> str:
    """The same server's maintenance database (to create or drop the benchmark's own)."""
    return urlparse(url)._replace(path="/postgres").geturl()


def set_database(url: str, create: bool) -> None:
    """Drop the database named in `url` (forcing connections off), then create it if asked."""
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    """Terminate a server the benchmark started (kill it if it does not stop in time)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_gunicorn(
    app: str, port: int, env: dict[str, str] | None, log: Path, workers: int = 2
) -> subprocess.Popen:
    """The venv's gunicorn serving ``app`` on loopback (access log only with BENCH_ACCESS_LOG)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
