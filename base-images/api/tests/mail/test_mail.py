"""Mail: EMAIL_PROVIDER picks the backend; contact mail goes through a real SMTP server
(aiosmtpd), anymail's test backend and a provider's HTTP API served on loopback; a bad
provider or a missing credential fails at start-up naming the variable."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_plus

import environ
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from mortar_api.settings_helpers import email_settings
from smtpsink import smtp_sink

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def env_of(**values: str) -> environ.Env:
    """An environ.Env reading only ``values`` (not this process's environment)."""
    env = environ.Env()
    env.ENVIRON = values
    return env


@pytest.mark.parametrize(
    ("values", "backend", "extra"),
    [
        ({}, CONSOLE, {}),  # nothing set: console, as before EMAIL_PROVIDER
        ({"EMAIL_URL": "smtp://u:p@mail.test:2525"}, SMTP, {"EMAIL_HOST": "mail.test"}),
        ({"EMAIL_PROVIDER": "console", "EMAIL_URL": "smtp://mail.test"}, CONSOLE, {}),
        (
            {"EMAIL_PROVIDER": "smtp", "EMAIL_URL": "smtp+tls://u:p@mail.test:587"},
            SMTP,
            {"EMAIL_HOST": "mail.test", "EMAIL_PORT": 587, "EMAIL_USE_TLS": True},
        ),
        (
            {"EMAIL_PROVIDER": "mailgun", "MAILGUN_API_KEY": "k", "MAILGUN_SENDER_DOMAIN": "mg.x"},
            "anymail.backends.mailgun.EmailBackend",
            {"ANYMAIL": {"MAILGUN_API_KEY": "k", "MAILGUN_SENDER_DOMAIN": "mg.x"}},
        ),
        (
            {"EMAIL_PROVIDER": "Postmark", "POSTMARK_SERVER_TOKEN": "t"},
            "anymail.backends.postmark.EmailBackend",
            {"ANYMAIL": {"POSTMARK_SERVER_TOKEN": "t"}},
        ),
        (
            {"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "SG.k"},
            "anymail.backends.sendgrid.EmailBackend",
            {"ANYMAIL": {"SENDGRID_API_KEY": "SG.k"}},
        ),
        (  # boto3 finds the keys its own way (AWS_ACCESS_KEY_ID, an instance role)
            {"EMAIL_PROVIDER": "amazon-ses", "AWS_DEFAULT_REGION": "eu-west-1"},
            "anymail.backends.amazon_ses.EmailBackend",
            {"ANYMAIL": {"AMAZON_SES_CLIENT_PARAMS": {"region_name": "eu-west-1"}}},
        ),
        (
            {
                "EMAIL_PROVIDER": "amazon_ses",
                "AMAZON_SES_REGION": "us-east-1",
                "AMAZON_SES_ACCESS_KEY_ID": "AK",
                "AMAZON_SES_SECRET_ACCESS_KEY": "SK",
            },
            "anymail.backends.amazon_ses.EmailBackend",
            {
                "ANYMAIL": {
                    "AMAZON_SES_CLIENT_PARAMS": {
                        "region_name": "us-east-1",
                        "aws_access_key_id": "AK",
                        "aws_secret_access_key": "SK",
                    }
                }
            },
        ),
    ],
)
def test_provider_settings(values: dict[str, str], backend: str, extra: dict[str, Any]) -> None:
    got = email_settings(env_of(**values))
    assert got["EMAIL_BACKEND"] == backend
    for key, value in extra.items():
        assert got[key] == value


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"EMAIL_PROVIDER": "sendmail"}, "EMAIL_PROVIDER='sendmail' is not a known mail provider"),
        ({"EMAIL_PROVIDER": "mailgun"}, "EMAIL_PROVIDER=mailgun needs MAILGUN_API_KEY"),
        ({"EMAIL_PROVIDER": "mailjet"}, "needs MAILJET_API_KEY and MAILJET_SECRET_KEY"),
        ({"EMAIL_PROVIDER": "postmark", "POSTMARK_SERVER_TOKEN": ""}, "POSTMARK_SERVER_TOKEN"),
        ({"EMAIL_PROVIDER": "smtp"}, "EMAIL_PROVIDER=smtp needs EMAIL_URL"),
        ({"EMAIL_PROVIDER": "smtp", "EMAIL_URL": "consolemail://"}, "needs EMAIL_URL"),
        ({"EMAIL_PROVIDER": "amazon_ses"}, "needs AMAZON_SES_REGION"),
        (
            {"EMAIL_PROVIDER": "amazon_ses", "AWS_REGION": "x", "AMAZON_SES_ACCESS_KEY_ID": "AK"},
            "set both or neither",
        ),
    ],
)
def test_bad_mail_settings_fail_clearly(values: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        email_settings(env_of(**values))


# --- contact mail end to end (the task the worker runs), per transport ----------------------


@pytest.fixture
def contact(tenant_a, in_tenant) -> Iterator[int]:
    """A stored contact message of tenant A (contact address office@a.test); its id."""
    from mortar_api.cms.models import ContactSubmission, SiteSettings

    with in_tenant(tenant_a):
        SiteSettings.objects.update_or_create(
            pk=1, defaults={"contact_email": "office@a.test", "site_name": "A"}
        )
        sub = ContactSubmission.objects.create(
            name="Rana", email="rana@x.test", subject="Quote", message="mail-check body"
        )
        yield sub.pk


def send(tenant, in_tenant, submission_id: int) -> bool:
    from mortar_api.cms.models import ContactSubmission
    from mortar_api.cms.tasks import send_contact_email

    with in_tenant(tenant):
        sent = send_contact_email(submission_id)  # the task's body, in this process
        assert ContactSubmission.objects.get(pk=submission_id).emailed_at is not None
    return sent


def use(settings, **values: str) -> None:
    """Apply EMAIL_PROVIDER settings derived from ``values``, as settings.py does."""
    for key, value in email_settings(env_of(**values)).items():
        setattr(settings, key, value)
    settings.DEFAULT_FROM_EMAIL = "site@a.test"


@pytest.mark.django_db
def test_contact_mail_through_a_real_smtp_server(settings, tenant_a, in_tenant, contact) -> None:
    with smtp_sink() as sink:
        use(settings, EMAIL_PROVIDER="smtp", EMAIL_URL=f"smtp://127.0.0.1:{sink.port}")
        assert send(tenant_a, in_tenant, contact) is True
    assert len(sink.messages) == 1
    envelope = sink.messages[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == ("site@a.test", ["office@a.test"])
    text = envelope.content.decode()
    assert "Subject: [A] Quote" in text and "mail-check body" in text
    assert "From: Rana <rana@x.test>" in text


@pytest.mark.django_db
def test_contact_mail_through_anymail_test_backend(settings, tenant_a, in_tenant, contact):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    assert send(tenant_a, in_tenant, contact) is True
    assert [(m.subject, m.to, m.from_email) for m in mail.outbox] == [
        ("[A] Quote", ["office@a.test"], settings.DEFAULT_FROM_EMAIL)
    ]
    assert mail.outbox[0].anymail_status.status == {"sent"}


class ProviderApi(BaseHTTPRequestHandler):
    """Answers like the provider's send API and records each request (path, headers, body)."""

    requests: list[dict[str, Any]]
    answer: tuple[int, dict[str, Any] | None]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, payload = self.answer
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


POSTMARK_OK = {"To": "office@a.test", "SubmittedAt": "2026-01-01T00:00:00Z", "MessageID": "m1",
               "ErrorCode": 0, "Message": "OK"}  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "answer", "path", "credential"),
    [
        (
            {"EMAIL_PROVIDER": "postmark", "POSTMARK_SERVER_TOKEN": "pm-token"},
            (200, POSTMARK_OK),
            "/email",
            ("X-Postmark-Server-Token", "pm-token"),
        ),
        (
            {
                "EMAIL_PROVIDER": "mailgun",
                "MAILGUN_API_KEY": "mg-key",
                "MAILGUN_SENDER_DOMAIN": "mg.a.test",
            },
            (200, {"id": "<m1@mg.a.test>", "message": "Queued. Thank you."}),
            "/v3/mg.a.test/messages",
            ("Authorization", "Basic " + base64.b64encode(b"api:mg-key").decode()),
        ),
        (
            {"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "SG.key"},
            (202, None),
            "/v3/mail/send",
            ("Authorization", "Bearer SG.key"),
        ),
    ],
    ids=["postmark", "mailgun", "sendgrid"],
)
@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid")
def test_contact_mail_through_a_provider_api(
    settings, tenant_a, in_tenant, contact, provider, answer, path, credential
) -> None:
    # The provider's API URL variable points anymail at a loopback server: the credential
    # from the environment must arrive in the request the provider would authenticate.
    requests: list[dict[str, Any]] = []
    handler = type("Api", (ProviderApi,), {"requests": requests, "answer": answer})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    name = provider["EMAIL_PROVIDER"].upper()
    base = f"http://127.0.0.1:{server.server_port}" + ("/v3" if name != "POSTMARK" else "/")
    try:
        use(settings, **provider, **{f"{name}_API_URL": base})
        assert send(tenant_a, in_tenant, contact) is True
    finally:
        server.shutdown()
        server.server_close()
    assert len(requests) == 1
    request = requests[0]
    assert request["path"] == path
    assert request["headers"][credential[0]] == credential[1]
    body = unquote_plus(request["body"].decode())  # JSON (postmark, sendgrid) or a form (mailgun)
    assert "mail-check body" in body and "office@a.test" in body
