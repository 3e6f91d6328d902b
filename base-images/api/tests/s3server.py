"""An S3-protocol server for the tests: moto's standalone server on a free loopback port,
or the server ``MORTAR_TEST_S3_ENDPOINT`` names (a real MinIO, SeaweedFS, AWS).

The tests only speak S3 over HTTP to ``endpoint`` with SigV4, so they do not care which
server answers. With ``MORTAR_TEST_S3_ENDPOINT`` set, ``MORTAR_TEST_S3_ACCESS_KEY`` /
``MORTAR_TEST_S3_SECRET_KEY`` (and ``MORTAR_TEST_S3_REGION``, default ``us-east-1``) are
its credentials; they must be allowed to create and delete buckets named
``mortar-test-*`` (each test run makes its own and removes it).

Also loaded by file path from the kit's tests/e2e (api tests are not on its path).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ANY_KEY = ("mortar-test-key", "mortar-test-secret")  # moto without IAM accepts any key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    proc: subprocess.Popen | None = None
    ca_bundle: str | None = None  # the certificate of a TLS moto server (its own, made here)
    buckets: list[str] = field(default_factory=list)

    @property
    def emulated(self) -> bool:
        return self.proc is not None

    def client(self, **overrides: str):
        import boto3
        from botocore.config import Config

        kwargs = {
            "endpoint_url": self.endpoint,
            "region_name": self.region,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            **overrides,
        }
        config = Config(retries={"max_attempts": 1})
        return boto3.client("s3", config=config, verify=self.ca_bundle, **kwargs)

    def make_bucket(self, public_read: bool = True) -> str:
        """A new, empty bucket; readable anonymously (a public media bucket) by default."""
        name = f"mortar-test-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        self.buckets.append(name)
        if public_read:  # anonymous GETs (browsers) are refused without this, moto too
            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": f"arn:aws:s3:::{name}/*"}],
            }  # fmt: skip
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def drop_buckets(self) -> None:
        client = self.client()
        for name in self.buckets:
            keys = self.keys(name)
            for i in range(0, len(keys), 1000):
                chunk = [{"Key": k} for k in keys[i : i + 1000]]
                client.delete_objects(Bucket=name, Delete={"Objects": chunk})
            client.delete_bucket(Bucket=name)
        self.buckets.clear()

    def stop(self) -> None:
        try:
            if self.buckets:
                self.drop_buckets()
        finally:
            if self.proc is not None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the TLS server's, and the clients' CA)."""
    cert, key = tmp / "s3-cert.pem", tmp / "s3-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _moto(
    log: Path, env: dict[str, str], tls: tuple[Path, Path] | None = None
) -> tuple[str, subprocess.Popen]:
    port = free_port()
    moto = Path(sys.executable).parent / "moto_server"
    ssl = ["-c", str(tls[0]), "-k", str(tls[1])] if tls else []
    proc = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port), *ssl],
        env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    endpoint = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1, verify=str(tls[0]) if tls else True)
            return endpoint, proc
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"moto_server did not answer on {endpoint} in 60 s")


def start(tmp: Path, tls: bool = False) -> S3Server:
    """The server to test against: ``MORTAR_TEST_S3_ENDPOINT``, else a new moto server
    (with ``tls``, over HTTPS with its own certificate: pages' CSP allows https images only).
    """
    endpoint = os.environ.get("MORTAR_TEST_S3_ENDPOINT")
    if endpoint:
        return S3Server(
            endpoint.rstrip("/"),
            os.environ["MORTAR_TEST_S3_ACCESS_KEY"],
            os.environ["MORTAR_TEST_S3_SECRET_KEY"],
            os.environ.get("MORTAR_TEST_S3_REGION", "us-east-1"),
        )
    cert = _certificate(tmp) if tls else None
    endpoint, proc = _moto(tmp / "moto.log", {}, cert)
    return S3Server(endpoint, *ANY_KEY, proc=proc, ca_bundle=str(cert[0]) if cert else None)


def start_checking_credentials(tmp: Path) -> S3Server:
    """A server that refuses unknown keys and bad signatures.

    A real server always does (``MORTAR_TEST_S3_ENDPOINT``). moto checks keys only with its
    IAM emulation on (INITIAL_NO_AUTH_ACTION_COUNT), and then answers unsigned and presigned
    reads with errors, so this is a second moto server: its first three calls (unchecked)
    make an IAM user, its key and an allow-all S3 policy.
    """
    if os.environ.get("MORTAR_TEST_S3_ENDPOINT"):
        return start(tmp)
    endpoint, proc = _moto(tmp / "moto-iam.log", {"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    import boto3

    iam = boto3.client(
        "iam", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=ANY_KEY[0], aws_secret_access_key=ANY_KEY[1],
    )  # fmt: skip
    iam.create_user(UserName="mortar")
    key = iam.create_access_key(UserName="mortar")["AccessKey"]
    allow = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName="mortar", PolicyName="s3", PolicyDocument=json.dumps(allow))
    return S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"], proc=proc)
