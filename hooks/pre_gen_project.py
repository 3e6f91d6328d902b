"""Validate every answer before cookiecutter writes anything.

One line per bad answer on stderr, exit 1; cookiecutter then removes the
half-made output directory. Self-contained on purpose: cookiecutter runs hooks
with its own interpreter, which may not have the kit's packages.
"""

import json
import re
import sys
import zoneinfo

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
# PostgreSQL's own databases/schemas/roles, and names Mortar itself uses.
RESERVED_SLUGS = {
    "postgres", "public", "template0", "template1", "information_schema",
    "mortar", "mortar_template", "admin", "default", "root", "redis", "nginx",
    "api", "web", "static", "media", "site", "sites", "test", "tests",
}  # fmt: skip
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"^{LABEL}(?:\.{LABEL})+$")
# No braces in this file outside the one Jinja expression above: cookiecutter renders it.
EMAIL_RE = re.compile(r"^[^@\s]+@" + LABEL + r"(?:\." + LABEL + r")+$", re.IGNORECASE)
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Django's language codes (django.conf.locale.LANG_INFO entries with a name), so a site
# never starts with a code mortar_api.settings would refuse.
KNOWN_LANGUAGES = set(
    "af ar ar-dz ast az be bg bn br bs ca ckb cs cy da de dsb el en en-au en-gb eo es es-ar "
    "es-co es-mx es-ni es-ve et eu fa fi fr fy ga gd gl he hi hr hsb hu hy ia id ig io is it "
    "ja ka kab kk km kn ko ky lb lt lv mk ml mn mr ms my nb ne nl nn no os pa pl pt pt-br ro "
    "ru sk sl sq sr sr-latn sv sw ta te tg th tk tr tt udm ug uk ur uz vi zh-hans zh-hant".split()
)


def check_slug(slug: str) -> list[str]:
    if not SLUG_RE.match(slug):
        return [
            f"site_slug {slug!r}: use 2-30 characters a-z, 0-9 and _, starting with a letter"
            " (pass site_slug=... if the name has no Latin letters)"
        ]
    if slug in RESERVED_SLUGS or slug.startswith("pg_"):
        return [f"site_slug {slug!r} is reserved; choose another"]
    if slug.endswith("_") or "__" in slug:
        return [f"site_slug {slug!r}: no trailing or doubled '_' (it becomes a DNS label)"]
    return []


def check_domain(domain: str) -> list[str]:
    if "://" in domain or "/" in domain or ":" in domain:
        return [f"domain {domain!r}: give a bare host name (no scheme, port or path)"]
    if len(domain) > 253 or not DOMAIN_RE.match(domain):
        return [f"domain {domain!r}: not a lower-case host name like acme.example.com"]
    if domain.rsplit(".", 1)[1].isdigit():
        return [f"domain {domain!r}: an IP address is not a site domain"]
    return []


def check_languages(value: str) -> list[str]:
    codes = [c.strip() for c in value.split(",")]
    if not value.strip() or any(not c for c in codes):
        return [f"languages {value!r}: give comma separated codes such as en or en,ar"]
    errors = [f"languages: unknown language code {c!r}" for c in codes if c not in KNOWN_LANGUAGES]
    if len(set(codes)) != len(codes):
        errors.append(f"languages {value!r}: a language is listed twice")
    return errors


def check_storage(a: dict) -> list[str]:
    storage = a["media_storage"]
    if storage == "local":
        return []
    if storage != "s3":
        return [f"media_storage {storage!r}: must be 'local' or 's3'"]
    errors = []
    if not BUCKET_RE.match(a["s3_bucket"]):
        errors.append(f"s3_bucket {a['s3_bucket']!r}: 3-63 of a-z, 0-9, '.', '-'")
    url = a["s3_endpoint_url"]
    if url and not re.match(r"^https?://[^\s/]+(/\S*)?$", url):
        errors.append(f"s3_endpoint_url {url!r}: must be an http(s) URL or empty (AWS)")
    if a["s3_region"] and not re.match(r"^[a-z0-9-]{2,32}$", a["s3_region"]):
        errors.append(f"s3_region {a['s3_region']!r}: not a region name like eu-west-1")
    return errors


def check_time_zone(tz: str) -> list[str]:
    if tz not in zoneinfo.available_timezones():
        return [f"time_zone {tz!r}: not an IANA time zone such as UTC or Europe/Paris"]
    return []


CI_TOOLS = ("github", "gitlab", "none")


def check_ci_tool(tool: str) -> list[str]:
    if tool not in CI_TOOLS:
        return [f"ci_tool {tool!r}: must be one of " + ", ".join(CI_TOOLS)]
    return []


def validate(a: dict) -> list[str]:
    errors = []
    if not a["site_name"].strip():
        errors.append("site_name: must not be empty")
    elif len(a["site_name"]) > 100 or any(ord(c) < 32 for c in a["site_name"]):
        errors.append("site_name: at most 100 characters, no control characters")
    errors += check_slug(a["site_slug"])
    errors += check_domain(a["domain"])
    errors += check_languages(a["languages"])
    if not EMAIL_RE.match(a["admin_email"]):
        errors.append(f"admin_email {a['admin_email']!r}: not an email address")
    if not VERSION_RE.match(a["mortar_version"]):
        errors.append(f"mortar_version {a['mortar_version']!r}: must look like 1.2.3")
    errors += check_storage(a)
    errors += check_time_zone(a["time_zone"])
    errors += check_ci_tool(a["ci_tool"])
    return errors


if __name__ == "__main__":
    problems = validate(ANSWERS)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if problems:
        sys.exit(1)
