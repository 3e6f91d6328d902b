"""Lockout settings from the environment and the client address the lockout counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from mortar_api.accounts.client_ip import client_ip
from mortar_api.accounts.conf import cooloff, failure_limit, parse_lockout_parameters


def test_lockout_parameters() -> None:
    assert parse_lockout_parameters("username+ip_address") == [["username", "ip_address"]]
    assert parse_lockout_parameters(" username , ip_address ") == ["username", "ip_address"]
    assert parse_lockout_parameters("ip_address") == ["ip_address"]
    for bad in ["", "user", "username+username", "ip_address+user_agent"]:
        with pytest.raises(ImproperlyConfigured):
            parse_lockout_parameters(bad)


def test_limit_and_cooloff() -> None:
    assert failure_limit(5) == 5
    with pytest.raises(ImproperlyConfigured):
        failure_limit(0)  # would lock every login out
    assert cooloff(15) == timedelta(minutes=15)
    assert cooloff(0) is None  # locked until reset by hand
    with pytest.raises(ImproperlyConfigured):
        cooloff(-1)


def test_defaults_in_settings(settings) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert "axes" in settings.TENANT_APPS and "axes" not in settings.SHARED_APPS


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.5"},
            "203.0.113.5",
        ),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "203.0.113.5"),
        ({"REMOTE_ADDR": "198.51.100.2"}, "198.51.100.2"),  # no proxy in front
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, junk"}, "127.0.0.1"),
        ({"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "2001:db8::5"}, "2001:db8::5"),
        ({}, None),
    ],
)
def test_client_ip(rf, meta, expected) -> None:
    request = rf.get("/", **{"REMOTE_ADDR": ""} | meta)
    assert client_ip(request) == expected


def test_client_ip_follows_num_proxies(rf, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}  # a CDN + nginx
    request = rf.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.9"
