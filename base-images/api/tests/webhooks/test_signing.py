from __future__ import annotations

import time

from mortar_api.webhooks.signing import sign, verify


def test_sign_and_verify() -> None:
    ts = int(time.time())
    sig = sign("s3cret", ts, b'{"a":1}')
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify("s3cret", str(ts), b'{"a":1}', sig)
    assert not verify("other", str(ts), b'{"a":1}', sig)
    assert not verify("s3cret", str(ts), b'{"a":2}', sig)
    assert not verify("s3cret", str(ts + 1), b'{"a":1}', sig)  # the timestamp is signed too
    old = ts - 3600
    assert not verify("s3cret", str(old), b'{"a":1}', sign("s3cret", old, b'{"a":1}'))  # replay
    assert not verify("s3cret", "nope", b"", sig)
