"""The DeprecationWarnings redis.asyncio 8.1 gives, given alike: same calls, same class, same words.

Suites written against redis-py check them with ``pytest.warns(DeprecationWarning)``; a URL's or a
pool's options are not deprecated arguments there, so they warn of nothing here either.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.server import RedisServer

pytestmark = pytest.mark.timeout(30)


def deprecations(make: Callable[[], Any]) -> list[str]:
    """The DeprecationWarnings ``make()`` gives, their words."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make()
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


CONSTRUCTIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("Redis(retry_on_timeout=True)", lambda lib: lib.Redis(host="127.0.0.1", port=1, retry_on_timeout=True)),
    ("Redis(retry_on_timeout=False)", lambda lib: lib.Redis(host="127.0.0.1", port=1, retry_on_timeout=False)),
    ("Redis()", lambda lib: lib.Redis(host="127.0.0.1", port=1)),
    ("from_url(?retry_on_timeout)", lambda lib: lib.Redis.from_url("redis://127.0.0.1:1?retry_on_timeout=true")),
    ("from_url(retry_on_timeout=)", lambda lib: lib.Redis.from_url("redis://127.0.0.1:1", retry_on_timeout=True)),
    ("ConnectionPool(retry_on_timeout=)", lambda lib: lib.ConnectionPool(port=1, retry_on_timeout=True)),
    (
        "Sentinel(retry_on_timeout=).master_for()",
        lambda lib: lib.Sentinel([("127.0.0.1", 1)], retry_on_timeout=True).master_for("m"),
    ),
    (
        "Sentinel().slave_for(retry_on_timeout=)",
        lambda lib: lib.Sentinel([("127.0.0.1", 1)]).slave_for("m", retry_on_timeout=True),
    ),
    (
        "RedisCluster(read_from_replicas=)",
        lambda lib: lib.RedisCluster(host="127.0.0.1", port=1, read_from_replicas=True),
    ),
    (
        "RedisCluster(cluster_error_retry_attempts=)",
        lambda lib: lib.RedisCluster(host="127.0.0.1", port=1, cluster_error_retry_attempts=2),
    ),
    (
        "RedisCluster.from_url(read_from_replicas=)",
        lambda lib: lib.RedisCluster.from_url("redis://127.0.0.1:1", read_from_replicas=True),
    ),
]


@pytest.mark.parametrize("label, make", CONSTRUCTIONS, ids=[label for label, _ in CONSTRUCTIONS])
async def test_deprecated_arguments_warn_as_redis_py_warns(label: str, make: Callable[[Any], Any]) -> None:
    made = []
    try:
        ours = deprecations(lambda: made.append(make(leanredis)))
        theirs = deprecations(lambda: made.append(make(redis.asyncio)))
    finally:
        for client in made:  # nothing was connected; closing is for the loop's bookkeeping
            await client.aclose()
    assert ours == theirs, label


async def test_setex_and_hmset_warn_as_redis_py_warns(redis_server: RedisServer) -> None:
    ours = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        calls = (lambda r: r.setex("k", 10, "v"), lambda r: r.hmset("h", {"f": "v"}), lambda r: r.psetex("k", 10, "v"))
        for call in calls:
            warned = []
            for client in (ours, theirs):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    assert await call(client) is True
                warned.append([(w.category, str(w.message), w.filename) for w in caught])
            assert warned[0] == warned[1]
    finally:
        await ours.aclose()
        await theirs.aclose()
