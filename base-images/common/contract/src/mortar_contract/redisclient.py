"""A Redis client that fails fast, for the request path of api and web.

redis-py's own default (10 retries with exponential backoff, up to 1 s each) makes every
call wait seconds while Redis is down: longer than the edge waits for an editor's save, for
a cache the code already treats as optional. One immediate retry is kept: it covers a
pooled connection that a restarted Redis closed. (redis is a dependency of both bases; it is
imported here only when a client is made, so the CLI never loads it.)
"""

from __future__ import annotations

from typing import Any


def fail_fast_client(url: str, timeout: float = 2.0) -> Any:
    """``redis.Redis`` on ``url``: ``timeout`` seconds to connect and per reply, one retry."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
    )
