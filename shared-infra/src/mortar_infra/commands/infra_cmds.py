"""Commands: `mortar infra up/down/status/render-nginx`."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mortar_infra import nginx, tls
from mortar_infra.cli import infra
from mortar_infra.clitools import handle_errors
from mortar_infra.config import UsageError
from mortar_infra.manifest import all_sites

if TYPE_CHECKING:
    from mortar_infra.stackstatus import StackStatus

log = logging.getLogger(__name__)


@infra.command()
@click.option(
    "--private",
    is_flag=True,
    help="Start private PostgreSQL/Redis under $MORTAR_HOME even if the machine's answer.",
)
@click.option(
    "--https/--no-https",
    default=None,
    help="Serve every site over HTTPS on 127.0.0.1:$MORTAR_HTTPS_PORT (8443) too, HTTP "
    "redirecting to it (remembered; default: as before).",
)
@click.option(
    "--acme-directory",
    metavar="URL",
    help="Get each site's certificate from this ACME server (e.g. "
    "https://acme-v02.api.letsencrypt.org/directory) instead of the local CA; '' forgets it.",
)
@click.option("--acme-email", metavar="EMAIL", help="The ACME account's contact address.")
@click.option(
    "--acme-ca-bundle",
    metavar="FILE",
    help="CA file to trust for the ACME server's own HTTPS (a private CA such as Pebble).",
)
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

    acme = {
        key: value
        for key, value in (
            ("acme_directory", acme_directory),
            ("acme_email", acme_email),
            ("acme_ca_bundle", acme_ca_bundle and str(Path(acme_ca_bundle).resolve())),
        )
        if value is not None
    }
    if acme_ca_bundle and not Path(acme_ca_bundle).is_file():
        raise UsageError(f"--acme-ca-bundle {acme_ca_bundle}: no such file")
    if acme_directory and not acme_directory.startswith(("https://", "http://")):
        raise UsageError(f"--acme-directory must be an http(s) URL, got {acme_directory!r}")
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
@handle_errors
def renew(force: bool) -> None:
    """Renew ACME certificates due within 30 days (all with --force); reload nginx gracefully.

    Run it daily (a systemd timer or cron line: see docs/shared-infra.md). Exit 1 if any
    site's renewal failed (that site keeps its current certificate).
    """
    from mortar_infra import acme

    if not (tls.https_enabled() and tls.acme_directory()):
        raise UsageError("no ACME server set: `mortar infra up --https --acme-directory URL`")
    failed = False
    for site in all_sites():
        if not nginx.vhost_path(site.slug).exists():
            continue
        out = acme.secure(site, force=force)
        click.echo(f"{site.slug:<16} {out.state:<8} {out.detail}")
        failed = failed or out.state == "failed"
    if failed:
        sys.exit(1)


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
@handle_errors
def compose_init(target: Path | None) -> None:
    """Prepare the Compose stack: admin secrets in .env (kept if present) and nginx config."""
    from mortar_infra.compose import init_compose

    if target is None:
        raise UsageError("no shared-infra folder found; pass --dir")
    for line in init_compose(target, all_sites()):
        log.info(line)
