"""The connection classes a redis-py pool is given: a user's own, and what each URL scheme picks."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import redis.asyncio

from leanredis import (
    BlockingConnectionPool,
    ConnectionPool,
    PooledConnection,
    SSLConnection,
    UnixDomainSocketConnection,
)
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


async def test_a_unix_url_makes_unix_socket_connections_as_in_redis_py() -> None:
    with RedisServer(unix_socket=True) as server:
        assert server.unix_socket_path is not None
        pool = ConnectionPool.from_url(f"unix://{server.unix_socket_path}?db=2")
        assert pool.connection_class is UnixDomainSocketConnection
        assert pool.connection_kwargs == {"path": server.unix_socket_path, "db": 2}
        assert f"UnixDomainSocketConnection(db=2,path={server.unix_socket_path})" in repr(pool)
        async with pool:
            conn = await pool.get_connection()
            assert isinstance(conn, UnixDomainSocketConnection)
            await conn.send_command("PING")
            assert await conn.read_response() in (b"PONG", "PONG")
            await pool.release(conn)


@pytest.mark.parametrize(
    ("query", "cert_reqs", "check_hostname"),
    [("ssl_cert_reqs=none", ssl.CERT_NONE, False), ("ssl_cert_reqs=optional", ssl.CERT_OPTIONAL, True),
     ("ssl_cert_reqs=required", ssl.CERT_REQUIRED, True), ("ssl_check_hostname=False", ssl.CERT_REQUIRED, False)],
)
def test_a_rediss_url_makes_ssl_connections_with_the_urls_tls_settings(
    query: str, cert_reqs: ssl.VerifyMode, check_hostname: bool
) -> None:
    pool = ConnectionPool.from_url(f"rediss://my.host?{query}")
    assert pool.connection_class is SSLConnection and pool.connection_kwargs["host"] == "my.host"
    conn = pool.make_connection()
    assert isinstance(conn, SSLConnection) and conn.options.ssl is not None
    assert (conn.cert_reqs, conn.check_hostname) == (cert_reqs, check_hostname)
    plain = ConnectionPool(connection_class=SSLConnection, host="my.host").make_connection()
    assert plain.options.ssl is not None  # the class alone means TLS, as redis-py's SSLConnection


def test_a_blocking_pools_url_timeout_is_its_wait_as_in_redis_py() -> None:
    url = "redis://localhost/2?socket_timeout=20&max_connections=10&timeout=13.37"
    ours, theirs = BlockingConnectionPool.from_url(url), redis.asyncio.BlockingConnectionPool.from_url(url)
    assert (ours.timeout, ours.max_connections) == (theirs.timeout, theirs.max_connections) == (13.37, 10)
    assert ours.connection_kwargs["socket_timeout"] == 20.0
