"""The connection classes a redis-py pool is given: a user's own, and what each URL scheme picks."""

from __future__ import annotations

from typing import Any

import pytest

from leanredis import BlockingConnectionPool, ConnectionPool, PooledConnection
from leanredis.server import RedisServer

pytestmark = pytest.mark.timeout(30)


class KwargsConnection(PooledConnection):
    """A user's connection class, as redis-py's docs and tests write them: its own __init__(**kwargs)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.opened = False

    def repr_pieces(self) -> list[tuple[str, Any]]:
        return [("kwargs", self.kwargs)]

    async def connect(self) -> None:
        self.opened = True

    async def disconnect(self) -> None:  # redis-py's pool calls it with no argument
        self.opened = False

    @property
    def is_connected(self) -> bool:
        return self.opened


@pytest.mark.parametrize("pool_class", [ConnectionPool, BlockingConnectionPool])
async def test_a_users_connection_class_is_built_with_the_pools_kwargs_as_in_redis_py(
    redis_server: RedisServer, pool_class: Any
) -> None:
    kwargs = {"host": "127.0.0.1", "port": redis_server.port, "tenant": "blue"}  # "tenant": the class's own
    pool = pool_class(connection_class=KwargsConnection, max_connections=2, **kwargs)
    async with pool:
        first = await pool.get_connection()
        assert isinstance(first, KwargsConnection) and first.kwargs["tenant"] == "blue" and first.is_connected
        second = await pool.get_connection()
        await pool.release(second)
        assert await pool.get_connection() is second  # given back clean, reused
        await pool.disconnect(inuse_connections=True)
        assert not first.is_connected
    assert not second.is_connected
