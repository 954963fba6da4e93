"""``client.connection_pool.connection_kwargs`` and ``get_connection_kwargs()`` say what redis.asyncio's say.

Applications and suites read the client's options there (``["host"]``, ``["db"]``, ``["password"]``,
``["health_check_interval"]``...): each name redis-py lists is listed, with the option's value, or None when
not given. No server: nothing connects.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio

import leanredis

# the names both list, compared by value; health_check_interval is given, as its default differs on purpose
NAMES = (
    "host", "port", "db", "username", "password", "client_name", "credential_provider", "socket_timeout",
    "socket_connect_timeout", "socket_keepalive", "encoding", "encoding_errors", "decode_responses",
    "health_check_interval",
)  # fmt: skip

CLIENTS = {
    "keywords": lambda lib: lib.Redis(host="127.0.0.1", port=1, db=2, health_check_interval=0),
    "every option": lambda lib: lib.Redis(
        host="127.0.0.1", port=1, db=3, username="u", password="p", client_name="c", socket_timeout=1.5,
        socket_connect_timeout=2, socket_keepalive=False, encoding="latin-1", encoding_errors="replace",
        decode_responses=True, health_check_interval=7,
    ),
    "url": lambda lib: lib.Redis.from_url(
        "redis://u:p@127.0.0.1:1/4?health_check_interval=3&client_name=n&socket_timeout=2"
    ),
}  # fmt: skip


@pytest.mark.parametrize("make", CLIENTS.values(), ids=CLIENTS.keys())
async def test_connection_kwargs_list_redis_pys_names_with_the_options_values(make: Any) -> None:
    ours, theirs = make(leanredis), make(redis.asyncio)
    try:
        mine, redis_pys = ours.connection_pool.connection_kwargs, theirs.connection_pool.connection_kwargs
        for name in NAMES:
            assert name in mine, name
            if name in redis_pys:
                assert mine[name] == redis_pys[name], name
        assert ours.get_connection_kwargs() is ours.connection_pool.connection_kwargs
        assert ours.get_connection_kwargs() == ours.connection_pool.connection_kwargs
    finally:
        await ours.aclose()
        await theirs.aclose()
