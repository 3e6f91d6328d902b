"""Commands: `mortar infra up/down/status/render-nginx`."""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mortar_infra import nginx, tls
from mortar_infra.cli import infra
from mortar_infra.clitools import handle_errors
from mortar_infra.config import MortarError, UsageError
from mortar_infra.manifest import all_sites

if TYPE_CHECKING:
    from mortar_infra.stackstatus import StackStatus

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def https_options(func: F) -> F:
    """`--https/--no-https` and `--acme-*`: what `infra up` and `compose-init` remember."""
    for option in reversed(
        (
            click.option(
                "--https/--no-https",
                default=None,
                help="Serve every site over HTTPS on 127.0.0.1:$MORTAR_HTTPS_PORT (8443; "
                "Compose: the container's 443) too, HTTP redirecting to it (remembered; "
                "default: as before).",
            ),
            click.option(
                "--acme-directory",
                metavar="URL",
                help="Get each site's certificate from this ACME server (e.g. "
                "https://acme-v02.api.letsencrypt.org/directory) instead of the local CA; "
                "'' forgets it.",
            ),
            click.option(
                "--acme-email", metavar="EMAIL", help="The ACME account's contact address."
            ),
            click.option(
                "--acme-ca-bundle",
                metavar="FILE",
                help="CA file to trust for the ACME server's own HTTPS (a private CA such as "
                "Pebble).",
            ),
        )
    ):
        func = option(func)
    return func


def _acme_settings(
    directory: str | None, email: str | None, ca_bundle: str | None
) -> dict[str, str]:
    """The ACME values given (checked); "" forgets one."""
    if ca_bundle and not Path(ca_bundle).is_file():
        raise UsageError(f"--acme-ca-bundle {ca_bundle}: no such file")
    if directory and not directory.startswith(("https://", "http://")):
        raise UsageError(f"--acme-directory must be an http(s) URL, got {directory!r}")
    return {
        key: value
        for key, value in (
            ("acme_directory", directory),
            ("acme_email", email),
            ("acme_ca_bundle", ca_bundle and str(Path(ca_bundle).resolve())),
        )
        if value is not None
    }


@infra.command()
@click.option(
    "--private",
    is_flag=True,
    help="Start private PostgreSQL/Redis under $MORTAR_HOME even if the machine's answer.",
)
@https_options
@handle_errors
def up(
    private: bool,
    https: bool | None,
    acme_directory: str | None,
    acme_email: str | None,
    acme_ca_bundle: str | None,
) -> None:
    """Bring the native shared stack up (idempotent).

    nginx runs as a user process on 127.0.0.1:$MORTAR_HTTP_PORT (default 8080).
    PostgreSQL/Redis: $MORTAR_POSTGRES_ADMIN_URL / $MORTAR_REDIS_ADMIN_URL when set,
    else the machine's on 127.0.0.1:5432/6379 when they answer, else private ones.
    """
    from mortar_infra import native  # psycopg/redis only when needed
    from mortar_infra.stackstatus import stack_status

    acme = _acme_settings(acme_directory, acme_email, acme_ca_bundle)
    if https or (https is None and tls.https_enabled()):
        tls.https_port()  # a wrong MORTAR_HTTPS_PORT fails here, before anything changes
    native.up(private=private, https=https, acme=acme)
    _print_status(stack_status())
    if tls.https_enabled() and not tls.acme_directory():  # the https line says where
        root = tls.ca_cert_path()
        click.echo(f"local CA  {root}  (trust it once in your browser; see docs/shared-infra.md)")
        click.echo(f"          spki sha256 {tls.spki_sha256(root)}")


@infra.command()
@click.option("--force", is_flag=True, help="Renew every certificate, due or not.")
@click.option(
    "--compose-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Compose: the folder holding the stack's compose.yml; its nginx/ is re-rendered "
    "with the new certificates and the container's nginx reloaded.",
)
@click.option(
    "--reload-cmd",
    metavar="CMD",
    help="With --compose-dir: how to reload the container's nginx [default: docker compose "
    "-f <dir>/compose.yml exec -T nginx nginx -s reload].",
)
@handle_errors
def renew(force: bool, compose_dir: Path | None, reload_cmd: str | None) -> None:
    """Issue and renew ACME certificates (due within 30 days; all with --force); reload
    nginx gracefully.

    Run it daily (a systemd timer or cron line: see docs/shared-infra.md). Exit 1 if any
    site's renewal failed (that site keeps its current certificate).
    """
    from mortar_infra import acme

    if not (tls.https_enabled() and tls.acme_directory()):
        raise UsageError(
            "no ACME server set: `mortar infra up --https --acme-directory URL` "
            "(Compose: `mortar infra compose-init --https --acme-directory URL`)"
        )
    if reload_cmd and compose_dir is None:
        raise UsageError("--reload-cmd goes with --compose-dir")
    failed = changed = False
    sites = [s for s in all_sites() if nginx.vhost_path(s.slug).exists()]
    for site in sites:
        out = acme.secure(site, force=force)
        click.echo(f"{site.slug:<16} {out.state:<8} {out.detail}")
        failed = failed or out.state == "failed"
        changed = changed or out.state in ("issued", "renewed")
    if compose_dir is not None and changed:
        _reload_compose(compose_dir, sites, reload_cmd)
    if failed:
        sys.exit(1)


def _reload_compose(compose_dir: Path, sites: list, reload_cmd: str | None) -> None:
    """Re-render the Compose nginx config (it copies the new certificates) and reload it."""
    nginx.render_all("compose", compose_dir / "nginx", sites)
    cmd = (
        shlex.split(reload_cmd)
        if reload_cmd
        else ["docker", "compose", "-f", str(compose_dir / "compose.yml"), "exec", "-T",
              "nginx", "nginx", "-s", "reload"]
    )  # fmt: skip
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MortarError(f"reloading the Compose nginx ({shlex.join(cmd)}): {exc}") from None
    if res.returncode != 0:
        why = (res.stderr or res.stdout).strip().splitlines()[-1:] or [f"exit {res.returncode}"]
        raise MortarError(
            f"the certificates are in {compose_dir / 'nginx' / 'tls'}, but reloading the "
            f"Compose nginx failed ({shlex.join(cmd)}): {why[0]}"
        )
    log.info(f"==> Compose nginx reloaded with the new certificates ({compose_dir})")


@infra.command()
@handle_errors
def down() -> None:
    """Stop what `infra up` started (nginx, private servers); external servers stay up."""
    from mortar_infra import native  # psycopg/redis only when needed

    native.down()
    log.info("==> stack down")


@infra.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def status(as_json: bool) -> None:
    """Show each component and whether it answers. Exit 1 if any does not."""
    from mortar_infra.stackstatus import stack_status  # psycopg/redis only when needed

    st = stack_status()
    if as_json:
        click.echo(json.dumps(asdict(st), indent=2))
    else:
        _print_status(st)
    if not st.healthy:
        sys.exit(1)


def _print_status(st: StackStatus) -> None:
    click.echo(f"MORTAR_HOME {st.home}")
    for c in st.components:
        mark = "ok  " if c.ok else "DOWN"
        click.echo(f"  {mark} {c.name:<9} {c.mode:<9} {c.address}  ({c.detail})")
    for s in st.sites:
        state = "registered" if s.registered else "not registered"
        click.echo(f"  site {s.slug:<12} {state:<15} {' '.join(s.domains)}")
        if not s.folder:
            click.echo(f"       folder {s.site_dir} is gone: `mortar site forget {s.slug}`")


@infra.command(name="render-nginx")
@click.option(
    "--mode",
    type=click.Choice(["compose", "native"]),
    default="compose",
    show_default=True,
    help="Upstreams as compose service aliases or native ports.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory to write nginx.conf and sites/*.conf into.",
)
@handle_errors
def render_nginx(mode: str, out_dir: Path) -> None:
    """Render the nginx config for every known site (e.g. for shared-infra/compose.yml)."""
    written = nginx.render_all(mode, out_dir, all_sites())  # type: ignore[arg-type]
    for p in written:
        log.info(f"==> wrote {p}")


def _kit_shared_infra() -> Path | None:
    here = Path(__file__).resolve().parents[3]  # shared-infra/ in the kit checkout
    return here if (here / "compose.yml").exists() else None


@infra.command(name="compose-init")
@click.option(
    "--dir",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=_kit_shared_infra,
    help="Folder holding compose.yml [default: the kit's].",
)
@https_options
@handle_errors
def compose_init(
    target: Path | None,
    https: bool | None,
    acme_directory: str | None,
    acme_email: str | None,
    acme_ca_bundle: str | None,
) -> None:
    """Prepare the Compose stack: admin secrets in .env (kept if present), where certbot's
    challenges are (MORTAR_ACME_WEBROOT), and the nginx config; `--https`/`--acme-*` are
    remembered as `infra up` remembers them."""
    from mortar_infra.compose import init_compose

    if target is None:
        raise UsageError("no shared-infra folder found; pass --dir")
    acme = _acme_settings(acme_directory, acme_email, acme_ca_bundle)
    for line in init_compose(target, all_sites(), https=https, acme=acme):
        log.info(line)
