"""HTTPS for the native stack: is it on, the local CA, each site's certificate.

`mortar infra up --https` records `{"https": {"enabled": true}}` in `infra.json`; from then
on every vhost is rendered with a TLS server on `127.0.0.1:$MORTAR_HTTPS_PORT` (8443).
A site's certificate is, in this order: the one ACME issued for it
(`$MORTAR_HOME/tls/acme/<slug>/`, written by `acme`), else one signed by the local CA
the kit creates once (`$MORTAR_HOME/tls/ca/`, for laptops: trust its root once).

Built on `cryptography` (PyCA): the maintained library every Python TLS tool stands on
(trustme, certbot and josepy use it too); trustme is meant for throwaway test CAs and keeps
nothing on disk.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mortar_infra.config import (
    UsageError,
    infra_state_file,
    mortar_home,
    port_from_env,
    read_json,
    write_atomic,
)

Source = Literal["acme", "local"]
# A leaf is reissued when it expires within this (also what `infra renew` uses for ACME).
RENEW_BEFORE = dt.timedelta(days=30)
LOCAL_LEAF_DAYS = 397  # what browsers accept for a leaf (CA/B Forum limit)
LOCAL_CA_YEARS = 10


@dataclass(frozen=True)
class Cert:
    """A site's certificate as nginx reads it; `source` "acme" is a real CA's (HSTS on)."""

    fullchain: Path
    key: Path
    source: Source


def https_port() -> int:
    return port_from_env("MORTAR_HTTPS_PORT", 8443)


def https_enabled() -> bool:
    """Whether `infra up --https` turned HTTPS on for this home (remembered in infra.json)."""
    return bool(https_state().get("enabled"))


def https_state() -> dict[str, Any]:
    return read_json(infra_state_file()).get("https", {})


def merged_https(
    current: dict[str, Any], enabled: bool | None, acme: dict[str, str] | None
) -> dict[str, Any]:
    """The HTTPS settings to remember: `current` with `enabled` (None: unchanged) and the
    ACME values (`acme_directory`, `acme_email`, `acme_ca_bundle`; "" forgets one)."""
    settings = {**current, **(acme or {})}
    if enabled is not None:
        settings["enabled"] = enabled
    return {k: v for k, v in settings.items() if v != ""}


def acme_directory() -> str | None:
    """The ACME server's directory URL: `MORTAR_ACME_DIRECTORY`, else what `infra up
    --acme-directory` remembered; None: certificates come from the local CA."""
    return os.environ.get("MORTAR_ACME_DIRECTORY") or https_state().get("acme_directory")


def acme_email() -> str | None:
    """The ACME account's contact (`MORTAR_ACME_EMAIL` or `--acme-email`); None: none."""
    return os.environ.get("MORTAR_ACME_EMAIL") or https_state().get("acme_email")


def acme_ca_bundle() -> str | None:
    """CA file to trust for the ACME server's own HTTPS (a private CA such as Pebble or
    step-ca): `MORTAR_ACME_CA_BUNDLE` or `--acme-ca-bundle`; None: the system's."""
    return os.environ.get("MORTAR_ACME_CA_BUNDLE") or https_state().get("acme_ca_bundle")


def tls_dir() -> Path:
    return mortar_home() / "tls"


def ca_cert_path() -> Path:
    return tls_dir() / "ca" / "root.pem"


def _ca_key_path() -> Path:
    return tls_dir() / "ca" / "root.key"


def local_dir(slug: str) -> Path:
    return tls_dir() / "local" / slug


def acme_dir(slug: str) -> Path:
    return tls_dir() / "acme" / slug


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ensure_local_ca() -> Path:
    """The local CA's root certificate, created on first use; returns its path."""
    if ca_cert_path().is_file() and _ca_key_path().is_file():
        return ca_cert_path()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mortar local CA"),
            # which machine and home, so a browser's list of trusted roots tells them apart
            x509.NameAttribute(NameOID.COMMON_NAME, f"Mortar local CA {socket.gethostname()}"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, str(mortar_home())[:64]),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * LOCAL_CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_atomic(_ca_key_path(), _key_pem(key), mode=0o600)  # key first: a root without
    write_atomic(ca_cert_path(), _cert_pem(cert))  # its key is made again
    return ca_cert_path()


def _load_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def cert_domains(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return sorted(san.get_values_for_type(x509.DNSName))


def cert_domains_of(path: Path) -> list[str]:
    """The DNS names the first certificate in `path` covers (none if unreadable)."""
    cert = _load_cert(path)
    return cert_domains(cert) if cert else []


def not_after(path: Path) -> dt.datetime | None:
    cert = _load_cert(path)
    return cert.not_valid_after_utc if cert else None


def _fresh(path: Path, domains: list[str], issuer: x509.Certificate | None) -> bool:
    """A usable leaf: covers exactly `domains`, not expiring soon, signed by `issuer`."""
    cert = _load_cert(path)
    if cert is None or cert_domains(cert) != sorted(domains):
        return False
    if cert.not_valid_after_utc - _now() < RENEW_BEFORE:
        return False
    return issuer is None or cert.issuer == issuer.subject


def ensure_local_cert(slug: str, domains: list[str]) -> Cert:
    """A certificate for all of `domains` signed by the local CA (issued or reissued when
    missing, for other domains, expiring within 30 days, or from an older CA)."""
    root_path = ensure_local_ca()
    out = local_dir(slug)
    cert = Cert(out / "fullchain.pem", out / "privkey.pem", "local")
    root = _load_cert(root_path)
    if root is None:
        raise UsageError(f"{root_path} is not a PEM certificate; remove {root_path.parent}")
    if _fresh(cert.fullchain, domains, root) and cert.key.is_file():
        return cert
    ca_key = serialization.load_pem_private_key(_ca_key_path().read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    names: list[x509.GeneralName] = []
    for d in domains:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(d)))
        except ValueError:
            names.append(x509.DNSName(d))
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0][:64])]))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=LOCAL_LEAF_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_atomic(cert.key, _key_pem(key), mode=0o600)
    write_atomic(cert.fullchain, _cert_pem(leaf) + root_path.read_text())
    return cert


def site_cert(slug: str) -> Cert | None:
    """The certificate nginx serves for `slug`: ACME's when there is one, else the local
    CA's unless an ACME server is set (visitors would not trust it), else None (the site is
    then served on HTTP only)."""
    candidates = [Cert(acme_dir(slug) / "fullchain.pem", acme_dir(slug) / "privkey.pem", "acme")]
    if not acme_directory():
        local = local_dir(slug)
        candidates.append(Cert(local / "fullchain.pem", local / "privkey.pem", "local"))
    for cert in candidates:
        if cert.fullchain.is_file() and cert.key.is_file():
            return cert
    return None


def spki_sha256(pem: Path) -> str:
    """base64 SHA-256 of the first certificate's public key (SubjectPublicKeyInfo): what
    Chromium's `--ignore-certificate-errors-spki-list` and HPKP-style pins take."""
    cert = _load_cert(pem)
    if cert is None:
        raise UsageError(f"{pem} is not a PEM certificate")
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
