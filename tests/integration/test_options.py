"""redis.asyncio's constructor options, each with the meaning it has there (or refused with a reason)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio
import redis.asyncio.retry
import redis.backoff
import redis.exceptions
from redis.maint_notifications import MaintNotificationsConfig

import leanredis
from leanredis import AuthenticationError, ConnectionError, DataError, ResponseError
from leanredis.config import DriverInfo
from leanredis.pool import ConnectionPool
from leanredis.retry import ConstantBackoff, NoBackoff, Retry
from leanredis.server import RedisServer, free_port

SECRET = "provider-S3cret-xyz"


def _client(server: RedisServer, **kwargs: Any) -> leanredis.Redis:
    return leanredis.Redis(host="127.0.0.1", port=server.port, **kwargs)


# -- connection_pool / from_pool --------------------------------------------------------------


async def test_a_redis_py_pool_for_another_server_and_db_is_what_the_client_talks_to(
    redis_server: RedisServer, fresh_server: RedisServer
) -> None:
    pool = redis.asyncio.ConnectionPool(host="127.0.0.1", port=fresh_server.port, db=3, client_name="from-pool")
    async with leanredis.Redis(connection_pool=pool) as r:
        await r.set("where", "fresh-db3")
        assert await r.client_getname() == "from-pool"
        assert r.options.port == fresh_server.port and r.options.db == 3
    async with _client(fresh_server, db=3) as check:
        assert await check.get("where") == b"fresh-db3"
    async with _client(redis_server, db=0) as other:
        assert await other.get("where") is None
    await pool.aclose()


async def test_a_redis_py_blocking_pool_bounds_and_times_the_dedicated_connections(fresh_server: RedisServer) -> None:
    pool = redis.asyncio.BlockingConnectionPool(
        host="127.0.0.1", port=fresh_server.port, max_connections=1, timeout=0.2
    )
    async with leanredis.Redis(connection_pool=pool) as r:
        first = asyncio.ensure_future(r.blpop(["nothing"], timeout=1))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(leanredis.MaxConnectionsError):
            await r.blpop(["nothing"], timeout=1)  # the one connection is taken: wait 0.2 s, then fail
        assert 0.15 < time.monotonic() - started < 0.9
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
    await pool.aclose()


async def test_a_redis_py_pool_with_a_foreign_connection_class_is_refused() -> None:
    class Custom(redis.asyncio.Connection):
        pass

    pool = redis.asyncio.ConnectionPool(connection_class=Custom)
    with pytest.raises(DataError, match="connection_class .*Custom is not supported"):
        leanredis.Redis(connection_pool=pool)
    with pytest.raises(DataError, match="connection_pool must be"):
        leanredis.Redis(connection_pool=object())


async def test_our_pool_is_shared_and_closed_only_by_the_client_that_owns_it(fresh_server: RedisServer) -> None:
    options = leanredis.ConnectionOptions(host="127.0.0.1", port=fresh_server.port, db=2)
    pool = ConnectionPool(options, max_connections=2)
    r = leanredis.Redis(connection_pool=pool)
    await r.set("k", "db2")
    assert await r.blpop(["empty"], timeout=0.1) is None  # a dedicated connection from *this* pool
    assert pool.stats()["created"] == 1 and pool.idle == 1
    await r.aclose()
    assert pool.idle == 1  # handed in: the caller's to close
    owner = leanredis.Redis.from_pool(pool)
    assert await owner.blpop(["empty"], timeout=0.1) is None
    await owner.aclose()
    assert pool.idle == 0 and pool.stats()["closed"] == 1
    async with _client(fresh_server, db=2) as check:
        assert await check.get("k") == b"db2"


async def test_auto_close_connection_pool_false_leaves_the_pool_open(fresh_server: RedisServer) -> None:
    with pytest.deprecated_call(match="auto_close_connection_pool"):  # as redis.asyncio 8.1 warns
        r = _client(fresh_server, auto_close_connection_pool=False)
    await r.blpop(["empty"], timeout=0.1)
    await r.aclose()
    assert r.connection_pool.idle == 1
    await r.aclose(close_connection_pool=True)
    assert r.connection_pool.idle == 0


def test_auto_close_connection_pool_warns_as_in_redis_py_from_the_constructor_and_from_url() -> None:
    for module in (redis.asyncio, leanredis):
        for make in (lambda m: m.Redis(auto_close_connection_pool=True),
                     lambda m: m.Redis.from_url("redis://127.0.0.1:1", auto_close_connection_pool=False)):
            with pytest.deprecated_call(match='"auto_close_connection_pool" is deprecated since version 5.0.1'):
                make(module)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            module.Redis()  # not passed: no warning


# -- retry, retry_on_timeout, retry_on_error ------------------------------------------------------


def _refused_port() -> int:
    return free_port()  # nothing listens there: every connect is refused at once


async def test_retry_sets_how_many_failed_connects_a_waiting_command_goes_through() -> None:
    seen: list[int] = []

    class Recording(ConstantBackoff):
        def compute(self, failures: int) -> float:
            seen.append(failures)
            return 0.05

    r = leanredis.Redis(port=_refused_port(), host="127.0.0.1", retry=Retry(Recording(0), 2))
    started = time.monotonic()
    with pytest.raises(ConnectionError):
        await r.get("k")
    assert r.stats()["connect_failures"] == 3  # the first attempt and 2 retries
    assert seen == [1, 2]  # the backoff's compute gives each delay
    assert time.monotonic() - started >= 0.09
    await r.aclose()


@pytest.mark.parametrize(
    "retry", [None, Retry(NoBackoff(), 0), redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 0)]
)
async def test_no_retry_means_one_connect_attempt(retry: Any) -> None:
    r = leanredis.Redis(port=_refused_port(), host="127.0.0.1", retry=retry)
    with pytest.raises(ConnectionError):
        await r.get("k")
    assert r.stats()["connect_failures"] == 1
    await r.aclose()


async def test_a_redis_py_retry_object_is_read_for_retries_and_backoff() -> None:
    retry = redis.asyncio.retry.Retry(redis.backoff.ConstantBackoff(0.01), 4)
    r = leanredis.Redis(port=_refused_port(), host="127.0.0.1", retry=retry)
    with pytest.raises(ConnectionError):
        await r.get("k")
    assert r.stats()["connect_failures"] == 5
    await r.aclose()


async def test_retry_on_error_widens_which_connect_failures_are_retried(redis_server: RedisServer) -> None:
    # SELECT of a db the server lacks fails the handshake with a ResponseError: not retried by default
    plain = _client(redis_server, db=100_000)
    with pytest.raises(ResponseError):
        await plain.get("k")
    assert plain.stats()["connect_failures"] == 1
    await plain.aclose()
    # redis-py's own exception class names the type to retry
    wide = _client(
        redis_server, db=100_000, retry=Retry(NoBackoff(), 2), retry_on_error=[redis.exceptions.ResponseError]
    )
    with pytest.raises(ResponseError):
        await wide.get("k")
    assert wide.stats()["connect_failures"] == 3
    await wide.aclose()
    # retry=None with retry_on_error: one more attempt, as redis-py's connection makes it
    one = _client(redis_server, db=100_000, retry=None, retry_on_error=[ResponseError])
    with pytest.raises(ResponseError):
        await one.get("k")
    assert one.stats()["connect_failures"] == 2
    await one.aclose()


async def test_retry_supported_errors_narrow_and_retry_on_timeout_widens() -> None:
    only_timeouts = Retry(NoBackoff(), 3, supported_errors=(leanredis.TimeoutError,))
    r = leanredis.Redis(port=_refused_port(), host="127.0.0.1", retry=only_timeouts)
    with pytest.raises(ConnectionError):
        await r.get("k")
    assert r.stats()["connect_failures"] == 1  # a refusal is a ConnectionError: not in supported_errors
    await r.aclose()
    # retry_on_timeout adds TimeoutError: a connect that times out is retried
    retry = Retry(NoBackoff(), 2, supported_errors=(DataError,))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (in the kernel) and never answers the handshake
    port = listener.getsockname()[1]
    try:
        for retry_on_timeout, attempts in ((False, 1), (True, 3)):
            r = leanredis.Redis(
                host="127.0.0.1",
                port=port,
                client_name="x",  # a handshake to wait for
                socket_connect_timeout=0.05,
                retry=retry,
                retry_on_timeout=retry_on_timeout,
            )
            # not retried: the attempt's own TimeoutError; retried: a ConnectionError naming the attempts, caused by it
            with pytest.raises(leanredis.TimeoutError if attempts == 1 else ConnectionError) as caught:
                await r.get("k")
            if attempts > 1:
                assert f"after {attempts} attempts" in str(caught.value)
                assert isinstance(caught.value.__cause__, leanredis.TimeoutError)
            assert r.stats()["connect_failures"] == attempts
            await r.aclose()
    finally:
        listener.close()


async def test_retry_and_connect_retries_together_are_refused() -> None:
    with pytest.raises(DataError, match="retry or connect_retries"):
        leanredis.Redis(retry=Retry(NoBackoff(), 1), connect_retries=2)
    with pytest.raises(DataError, match="retry must be"):
        leanredis.Redis(retry=3)
    with pytest.raises(DataError, match="retry_on_error"):
        leanredis.Redis(retry_on_error=["ConnectionError"])


# -- single_connection_client ------------------------------------------------------------------------


async def test_single_connection_client_sends_blocking_commands_on_its_one_connection(
    fresh_server: RedisServer,
) -> None:
    async with _client(fresh_server, single_connection_client=True) as r:
        popping = asyncio.ensure_future(r.blpop(["q"], timeout=2))
        await asyncio.sleep(0.1)
        behind = asyncio.ensure_future(r.get("k"))  # waits behind the BLPOP on the server, as in redis-py
        await asyncio.sleep(0.1)
        assert not behind.done()
        async with _client(fresh_server) as other:
            await other.rpush("q", "v")
            clients = await other.client_list()
        assert list(await popping) == [b"q", b"v"]
        assert await behind is None
        assert r._pool_box.pool is None  # no dedicated connection was made
        assert len(clients) == 2  # this client's one connection and `other`


async def test_single_connection_client_drops_the_socket_when_a_blocking_command_is_abandoned(
    fresh_server: RedisServer,
) -> None:
    async with _client(fresh_server, single_connection_client=True) as r:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(r.blpop(["q"], timeout=0), 0.2)  # the server would block forever
        assert await r.set("k", "v") is True  # a new socket: not stuck behind the BLPOP


async def test_client_is_a_single_connection_client_with_the_same_options(fresh_server: RedisServer) -> None:
    async with _client(fresh_server, db=4, decode_responses=True) as r:
        other = r.client()
        assert other.single_connection_client and other.options == r.options
        assert other.connection is not r.connection
        await other.set("k", "v")
        assert await r.get("k") == "v"
        await other.aclose()


# -- handshake: CLIENT SETINFO, credential_provider ------------------------------------------------------------


async def _setinfo_supported(client: leanredis.Redis) -> bool:
    try:
        await client.execute_command("CLIENT", "SETINFO", "LIB-NAME", "probe")
    except ResponseError:
        return False
    return True


async def test_lib_name_and_version_are_sent_with_client_setinfo(fresh_server: RedisServer) -> None:
    async with _client(fresh_server) as r:
        info = await r.client_info()
        if not await _setinfo_supported(r):
            # Redis < 7.2: the error reply is ignored, as redis-py ignores it, and the client works
            assert "lib-name" not in info
            return
        assert info["lib-name"] == "leanredis" and info["lib-ver"] == leanredis.__version__
    # deprecated in redis-py 8.1 for driver_info: honoured, with its DeprecationWarning, one per argument
    with pytest.warns(DeprecationWarning, match="'lib_name'.*Use 'driver_info'") as warned:
        client = _client(fresh_server, lib_name="myapp", lib_version="9.9")
    assert len(warned) == 2
    async with client as r:
        info = await r.client_info()
        assert info["lib-name"] == "myapp" and info["lib-ver"] == "9.9"
        assert r.connection_pool.connection_kwargs["driver_info"] == DriverInfo("myapp", "9.9")
    with pytest.warns(DeprecationWarning):
        client = _client(fresh_server, lib_name=None, lib_version=None)
    async with client as r:
        info = await r.client_info()
        assert info["lib-name"] == "" and info["lib-ver"] == ""
        assert r.connection_pool.connection_kwargs["driver_info"] is None  # as redis-py's pool says it
    async with _client(fresh_server, driver_info=None) as r:
        info = await r.client_info()
        assert info["lib-name"] == "" and info["lib-ver"] == ""
        assert r.connection_pool.connection_kwargs["driver_info"] is None
    driver = redis.DriverInfo(name="leanredis").add_upstream_driver("django-redis", "5.4.0")
    async with _client(fresh_server, driver_info=driver) as r:
        assert (await r.client_info())["lib-name"] == "leanredis(django-redis_v5.4.0)"


@pytest.fixture(scope="module")
def password_server(server_binary: str) -> Iterator[RedisServer]:
    with RedisServer(server_binary, extra_args=["--requirepass", SECRET]) as server:
        yield server


class _Provider:
    """redis-py's CredentialProvider shape; counts calls."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.calls = 0

    def get_credentials(self) -> tuple[str]:
        self.calls += 1
        return (self.password,)


class _AsyncProvider(redis.CredentialProvider):
    def __init__(self) -> None:
        self.calls = 0

    async def get_credentials_async(self) -> tuple[str, str]:
        self.calls += 1
        return ("default", SECRET)


@pytest.mark.parametrize("protocol", [2, 3])
async def test_credential_provider_is_asked_at_every_connect(password_server: RedisServer, protocol: int) -> None:
    provider = _Provider(SECRET)
    async with _client(password_server, credential_provider=provider, protocol=protocol) as r:
        assert await r.ping() is True
        await r.aclose()
        assert await r.ping() is True  # a new socket: asked again
        assert provider.calls == 2
    async_provider = _AsyncProvider()
    async with _client(password_server, credential_provider=async_provider, protocol=protocol) as r:
        assert await r.ping() is True
        assert async_provider.calls == 1


async def test_credential_provider_secret_is_never_in_reprs_errors_or_logs(
    password_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + SECRET
    caplog.set_level(logging.DEBUG)
    r = _client(password_server, credential_provider=_Provider(wrong))
    with pytest.raises(AuthenticationError) as info:
        await r.ping()
    text = f"{info.value} {info.value!r} {r!r} {r.options!r} {r.connection!r} {r.stats()!r} {caplog.text}"
    assert wrong not in text and SECRET not in text
    await r.aclose()

    class Failing:
        def get_credentials(self) -> tuple[str]:
            raise RuntimeError(f"token service said no to {SECRET}")

    r = _client(password_server, credential_provider=Failing(), retry=None)
    with pytest.raises(ConnectionError, match="credential_provider failed") as failed:
        await r.ping()
    assert SECRET not in f"{failed.value} {failed.value!r}"
    await r.aclose()


async def test_credential_provider_with_a_password_is_refused() -> None:
    with pytest.raises(DataError, match="not both"):
        leanredis.Redis(password="x", credential_provider=_Provider("y"))
    with pytest.raises(DataError, match="credential_provider must have"):
        leanredis.Redis(credential_provider=object())


# -- sockets --------------------------------------------------------------------------------------


def _socket_of(r: leanredis.Redis) -> Any:
    proto = r.connection._proto
    assert proto is not None and proto.transport is not None
    return proto.transport.get_extra_info("socket")


@pytest.mark.skipif(not hasattr(socket, "TCP_KEEPIDLE"), reason="TCP_KEEPIDLE is Linux's")
async def test_socket_keepalive_options_are_set_on_the_socket(fresh_server: RedisServer) -> None:
    async with _client(fresh_server, socket_keepalive_options={socket.TCP_KEEPIDLE: 77, socket.TCP_KEEPCNT: 7}) as r:
        await r.ping()
        sock = _socket_of(r)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 77
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 7
    async with _client(fresh_server) as r:  # unset: redis-py's defaults, idle 30 s, 3 probes
        await r.ping()
        sock = _socket_of(r)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
    with pytest.raises(DataError, match="socket_keepalive_options"):
        leanredis.Redis(socket_keepalive_options={"idle": 3})


async def test_socket_read_size_is_checked() -> None:
    leanredis.Redis(socket_read_size=4096)
    with pytest.raises(DataError, match="socket_read_size"):
        leanredis.Redis(socket_read_size=0)


# -- refused options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("event_dispatcher", object()),
        ("redis_connect_func", lambda conn: None),
        ("legacy_responses", False),
        ("maint_notifications_config", MaintNotificationsConfig(enabled=True)),
    ],
)
def test_options_without_a_meaning_here_are_refused_by_name(name: str, value: Any) -> None:
    with pytest.raises(DataError, match=f"{name}.* not supported"):
        leanredis.Redis(**{name: value})


def test_unknown_options_are_refused_by_name() -> None:
    with pytest.raises(DataError, match="unknown option.*no_such_option"):
        leanredis.Redis(no_such_option=1)


async def test_socket_keepalive_false_leaves_so_keepalive_off(fresh_server: RedisServer) -> None:
    async with _client(fresh_server, socket_keepalive=False) as r:
        await r.ping()
        assert _socket_of(r).getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
    async with _client(fresh_server) as r:
        await r.ping()
        assert _socket_of(r).getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1


# -- values as redis-py takes them ------------------------------------------------------------------


async def test_port_and_db_given_as_strings_reach_the_same_server_and_db_as_redis_py(fresh_server: RedisServer) -> None:
    # settings read from the environment are strings: redis-py takes int(port) and sends SELECT with the db as given
    ours = leanredis.Redis(host="127.0.0.1", port=str(fresh_server.port), db="2")
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=str(fresh_server.port), db="2")
    plain = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, db=2)
    try:
        await ours.set("written-by", "ours")
        await theirs.set("read-by", "theirs")
        assert await theirs.get("written-by") == b"ours"
        assert await ours.get("read-by") == b"theirs"
        assert await plain.mget("written-by", "read-by") == [b"ours", b"theirs"]
    finally:
        for client in (ours, theirs, plain):
            await client.aclose()


@pytest.mark.parametrize("name, value", [("port", "6379x"), ("port", "70000"), ("db", "-1"), ("db", "two")])
def test_port_and_db_strings_that_are_no_such_number_are_refused_at_once(name: str, value: str) -> None:
    with pytest.raises(DataError, match=f"{name} must be"):
        leanredis.Redis(**{name: value})
