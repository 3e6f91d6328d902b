"""Site manifests (`mortar.toml`) and the per-site state Mortar remembers.

The small public API other modules (and `mortar site up`) use:

- `load_site(site_dir) -> Site`: read and validate `<site_dir>/mortar.toml`, give the
  site its native ports (from the manifest, else the ones remembered in
  `$MORTAR_HOME/sites/<slug>/site.json`, else free ones allocated now and remembered).
- `registered_site(slug) -> Site`: the remembered state of a site by slug (no site dir needed).
- `all_sites() -> list[Site]`: every site Mortar remembers.
- `add_domains(slug, domains, schema) -> Site`: remember extra (tenant) domains and the
  tenant schema they serve; then `mortar_infra.nginx.register(site)` to serve them.
- `set_domain_schemas(slug, {domain: schema}) -> Site`: the schemas, as the site's
  database has them (`mortar site up` refreshes them).
- `forget_site(slug)`: drop the remembered state (ports, logs, pids).
- `Site`: `.slug .name .domains .extra_domains .all_domains .domain_schemas .schema_of()
  .mortar_version .api_port .web_port .site_dir .state_dir .client_max_body_size
  .read_timeout .stale_if_error .limits .dns_name .db_name .db_role .redis_user .redis_prefix
  .env_path`.

Errors: `ManifestError` (a `UsageError`, exit 2) with a one-line reason naming the file.
"""

from __future__ import annotations

import re
import shutil
import socket
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mortar_infra.config import UsageError, mortar_home, read_json, write_json

MANIFEST = "mortar.toml"
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
# Names that would collide with PostgreSQL's own objects or Mortar's.
RESERVED_SLUGS = frozenset(
    {"postgres", "public", "template0", "template1", "mortar", "admin", "default", "root"}
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})*$")
# nginx size syntax is checked by `nginx -t`; this only keeps the value one token.
_NGINX_TOKEN_RE = re.compile(r"^[^\s;{}'\"$#\\]{1,32}$")
# Per-address request limits the edge applies (docs/site-manifest.md): name -> default.
LIMITS = {"login": "10r/m", "contact": "10r/m", "site": "100r/s"}
_RATE_RE = re.compile(r"^(off|[1-9][0-9]{0,5}r/[sm])$")
# nginx time in seconds or minutes (the bound, 1 s to 1 h, is checked by `_valid_timeout`).
_DURATION_RE = re.compile(r"^([1-9][0-9]{0,3})([sm])$")


def _valid_timeout(text: str) -> bool:
    m = _DURATION_RE.match(text)
    return bool(m) and int(m[1]) * (60 if m[2] == "m" else 1) <= 3600


class ManifestError(UsageError):
    """The manifest is missing or invalid."""


@dataclass
class Site:
    slug: str
    name: str
    domains: list[str]
    mortar_version: str
    api_port: int
    web_port: int
    site_dir: str = ""
    client_max_body_size: str | None = None
    # How long the edge waits for the site's answer (nginx `proxy_read_timeout`; default 60s):
    # a hung site gets 504 after this, and holds nginx's connections no longer.
    read_timeout: str | None = None
    # Domains added after spawn (e.g. by `mortar tenant add`), served besides `domains`.
    extra_domains: list[str] = field(default_factory=list)
    # The tenant schema each routed domain serves, where it is not the first tenant's (the
    # slug's): nginx answers `/media/<schema>/` from disk only on that schema's own domains.
    domain_schemas: dict[str, str] = field(default_factory=dict)
    # The edge serves a cached page past its max-age while the site is down (logged).
    stale_if_error: bool = True
    # Per-address request limits at the edge overriding `LIMITS` ("off" to lift one).
    limits: dict[str, str] = field(default_factory=dict)

    @property
    def all_domains(self) -> list[str]:
        return self.domains + [d for d in self.extra_domains if d not in self.domains]

    def schema_of(self, domain: str) -> str:
        """The tenant schema `domain` serves: remembered, else the first tenant's (the slug)."""
        return self.domain_schemas.get(domain, self.slug)

    @property
    def state_dir(self) -> Path:
        return mortar_home() / "sites" / self.slug

    @property
    def dns_name(self) -> str:
        return self.slug.replace("_", "-")

    @property
    def db_name(self) -> str:
        return f"site_{self.slug}"

    @property
    def db_role(self) -> str:
        return f"site_{self.slug}"

    @property
    def redis_user(self) -> str:
        return f"site_{self.slug}"

    @property
    def redis_prefix(self) -> str:
        return self.slug

    @property
    def env_path(self) -> Path:
        return Path(self.site_dir) / ".env"


def validate_slug(slug: object) -> str:
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ManifestError(
            f"invalid slug {slug!r}: use 2-30 of a-z, 0-9, _ starting with a letter"
        )
    if slug in RESERVED_SLUGS:
        raise ManifestError(f"slug {slug!r} is reserved")
    return slug


def _validate_domains(domains: object, where: str) -> list[str]:
    if not isinstance(domains, list) or not domains:
        raise ManifestError(f"{where}: [site] domains must be a non-empty list of host names")
    out: list[str] = []
    for d in domains:
        if not isinstance(d, str) or len(d) > 253 or not DOMAIN_RE.match(d):
            raise ManifestError(f"{where}: invalid domain {d!r} (lower-case host name, no port)")
        if d not in out:
            out.append(d)
    return out


def _validate_port(value: object, key: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 65535:
        raise ManifestError(f"{where}: [native] {key} must be an integer 1024-65535")
    return value


def read_manifest(site_dir: Path) -> dict:
    """Parse and validate `mortar.toml`; returns plain values (ports may be None)."""
    path = Path(site_dir) / MANIFEST
    if not Path(site_dir).is_dir():
        raise ManifestError(f"{site_dir}: not a directory")
    if not path.is_file():
        raise ManifestError(f"{site_dir}: no {MANIFEST} (not a Mortar site directory)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    site = data.get("site")
    if not isinstance(site, dict):
        raise ManifestError(f"{path}: missing [site] table")
    try:
        slug = validate_slug(site.get("slug"))
    except ManifestError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    name = site.get("name", slug)
    if not isinstance(name, str) or not name.strip():
        raise ManifestError(f"{path}: [site] name must be a non-empty string")
    version = site.get("mortar_version", "")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ManifestError(f"{path}: [site] mortar_version must look like 1.2.3")
    native = data.get("native", {})
    nginx = data.get("nginx", {})
    if not isinstance(native, dict) or not isinstance(nginx, dict):
        raise ManifestError(f"{path}: [native] and [nginx] must be tables")
    api_port = _validate_port(native.get("api_port"), "api_port", str(path))
    web_port = _validate_port(native.get("web_port"), "web_port", str(path))
    if api_port is not None and api_port == web_port:
        raise ManifestError(f"{path}: [native] api_port and web_port must differ")
    body = nginx.get("client_max_body_size")
    if body is not None and (not isinstance(body, str) or not _NGINX_TOKEN_RE.match(body)):
        raise ManifestError(f"{path}: [nginx] client_max_body_size must be one token like '25m'")
    read_timeout = nginx.get("read_timeout")
    if read_timeout is not None and (
        not isinstance(read_timeout, str) or not _valid_timeout(read_timeout)
    ):
        raise ManifestError(f"{path}: [nginx] read_timeout must be like '10s' or '2m' (1s-1h)")
    stale = nginx.get("stale_if_error", True)
    if not isinstance(stale, bool):
        raise ManifestError(f"{path}: [nginx] stale_if_error must be true or false")
    limits = nginx.get("limits", {})
    if not isinstance(limits, dict):
        raise ManifestError(f"{path}: [nginx.limits] must be a table")
    for key, value in limits.items():
        if key not in LIMITS:
            raise ManifestError(
                f"{path}: [nginx.limits] unknown limit {key!r} ({', '.join(LIMITS)})"
            )
        if not isinstance(value, str) or not _RATE_RE.match(value):
            raise ManifestError(
                f"{path}: [nginx.limits] {key} must be like '10r/m', '50r/s' or 'off'"
            )
    return {
        "slug": slug,
        "name": name.strip(),
        "domains": _validate_domains(site.get("domains"), str(path)),
        "mortar_version": version,
        "api_port": api_port,
        "web_port": web_port,
        "client_max_body_size": body,
        "read_timeout": read_timeout,
        "stale_if_error": stale,
        "limits": dict(limits),
    }


def _site_file(slug: str) -> Path:
    return mortar_home() / "sites" / slug / "site.json"


def _free_port(taken: set[int]) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def _taken_ports(except_slug: str) -> set[int]:
    ports: set[int] = set()
    for s in all_sites():
        if s.slug != except_slug:
            ports.update((s.api_port, s.web_port))
    return ports


def load_site(site_dir: str | Path) -> Site:
    """Read `<site_dir>/mortar.toml` and remember the site (ports allocated once)."""
    site_dir = Path(site_dir).resolve()
    m = read_manifest(site_dir)
    known = read_json(_site_file(m["slug"]))
    if (
        known.get("site_dir")
        and Path(known["site_dir"]) != site_dir
        and Path(known["site_dir"]).joinpath(MANIFEST).is_file()
    ):
        raise ManifestError(
            f"slug {m['slug']!r} already belongs to {known['site_dir']}; to give it to this "
            f"copy run `mortar site down {known['site_dir']}` and `mortar site forget "
            f"{m['slug']}` (add `mortar site deprovision {m['slug']}` before forget to drop "
            "its database too), or pick another slug"
        )
    taken = _taken_ports(m["slug"])
    api_port = m["api_port"] or known.get("api_port") or _free_port(taken)
    taken.add(api_port)
    web_port = m["web_port"] or known.get("web_port")
    if not web_port or web_port == api_port:
        web_port = _free_port(taken)
    site = Site(
        slug=m["slug"],
        name=m["name"],
        domains=m["domains"],
        mortar_version=m["mortar_version"],
        api_port=api_port,
        web_port=web_port,
        site_dir=str(site_dir),
        client_max_body_size=m["client_max_body_size"],
        read_timeout=m["read_timeout"],
        stale_if_error=m["stale_if_error"],
        limits=m["limits"],
        extra_domains=list(known.get("extra_domains", [])),
        domain_schemas=dict(known.get("domain_schemas", {})),
    )
    save_site(site)
    return site


def save_site(site: Site) -> None:
    site.state_dir.mkdir(parents=True, exist_ok=True)
    write_json(_site_file(site.slug), asdict(site))


def registered_site(slug: str) -> Site:
    """The remembered state of `slug`; `ManifestError` if Mortar does not know it."""
    validate_slug(slug)
    data = read_json(_site_file(slug))
    if not data:
        raise ManifestError(f"unknown site {slug!r} (nothing under {_site_file(slug).parent})")
    return Site(**data)


def all_sites() -> list[Site]:
    root = mortar_home() / "sites"
    sites = []
    for f in sorted(root.glob("*/site.json")):
        data = read_json(f)
        if data:
            sites.append(Site(**data))
    return sites


def add_domains(slug: str, domains: list[str], schema: str | None = None) -> Site:
    """Remember extra domains for a known site (validated), served by tenant `schema` when
    given; call `nginx.register` after."""
    site = registered_site(slug)
    for d in _validate_domains(domains, f"site {slug}"):
        if d not in site.all_domains:
            site.extra_domains.append(d)
        if schema:
            site.domain_schemas[d] = schema
    save_site(site)
    return site


def set_domain_schemas(slug: str, schemas: dict[str, str]) -> Site:
    """Remember which tenant schema each of the site's routed domains serves (read from the
    site's database); call `nginx.route` after."""
    site = registered_site(slug)
    site.domain_schemas = {d: s for d, s in schemas.items() if d in site.all_domains}
    save_site(site)
    return site


def remove_domains(slug: str, domains: list[str]) -> Site:
    """Forget extra domains of a known site (e.g. a removed tenant's); the manifest's own
    domains stay. Call `nginx.route` after."""
    site = registered_site(slug)
    site.extra_domains = [d for d in site.extra_domains if d not in set(domains)]
    site.domain_schemas = {
        d: s for d, s in site.domain_schemas.items() if d in site.domains or d not in domains
    }
    save_site(site)
    return site


def forget_site(slug: str) -> None:
    """Drop everything remembered of `slug` under `$MORTAR_HOME/sites/<slug>/`."""
    validate_slug(slug)
    shutil.rmtree(_site_file(slug).parent, ignore_errors=True)
