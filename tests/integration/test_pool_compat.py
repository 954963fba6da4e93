"""redis-py's pool API on leanredis: ConnectionPool, BlockingConnectionPool and the connections they hand out,
side by side with redis.asyncio's on the same server where the two can be compared."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio
import redis.exceptions
from redis.asyncio.client import Pipeline as RedisPyPipeline
from redis.asyncio.client import PubSub as RedisPyPubSub

import leanredis
from leanredis import BlockingConnectionPool, ConnectionPool, MaxConnectionsError, PooledConnection
from leanredis.server import RedisServer

pytestmark = pytest.mark.timeout(30)


def url(server: RedisServer, db: int = 0) -> str:
    return f"redis://:sekret-not-set@127.0.0.1:{server.port}/{db}"


async def test_from_url_names_and_repr_match_redis_py_and_hide_the_password(redis_server: RedisServer) -> None:
    ours, theirs = ConnectionPool.from_url(url(redis_server, 3)), redis.asyncio.ConnectionPool.from_url(
        url(redis_server, 3)
    )
    for key in ("host", "port", "db", "password"):
        assert ours.connection_kwargs[key] == theirs.connection_kwargs[key]
    assert ours.max_connections == theirs.max_connections == 100
    assert "sekret" not in repr(ours) and "<REDACTED>" in repr(ours)
    # redis-py's class names: Connection by default, as there (its repr shows it)
    assert repr(ours).startswith("<leanredis.pool.ConnectionPool(<leanredis.connection_classes.Connection(")
    assert ours.connection_class is leanredis.Connection
    client_pool = leanredis.Redis.from_url(url(redis_server, 3)).connection_pool
    assert client_pool.connection_class is leanredis.Connection
    assert leanredis.Redis.from_url("unix:///tmp/x.sock").connection_pool.connection_class.__name__ == (
        "UnixDomainSocketConnection"
    )
    blocking = BlockingConnectionPool.from_url(url(redis_server), max_connections=7)
    their_blocking = redis.asyncio.BlockingConnectionPool.from_url(url(redis_server), max_connections=7)
    assert (blocking.max_connections, blocking.timeout) == (their_blocking.max_connections, their_blocking.timeout)
    encoder = ConnectionPool(decode_responses=True, encoding="latin-1").get_encoder()
    assert (encoder.encoding, encoder.decode_responses, encoder.decode(b"\xe9")) == ("latin-1", True, "\xe9")
    made = ours.make_connection()
    assert isinstance(made, PooledConnection) and not made.is_connected
    assert (made.host, made.port, made.db) == ("127.0.0.1", redis_server.port, 3)
    assert "sekret" not in repr(made)


@pytest.mark.parametrize("decode", [False, True])
async def test_get_connection_speaks_redis_py_connection_api(redis_server: RedisServer, decode: bool) -> None:
    pools = [
        ConnectionPool(host="127.0.0.1", port=redis_server.port, decode_responses=decode),
        redis.asyncio.ConnectionPool(host="127.0.0.1", port=redis_server.port, decode_responses=decode),
    ]
    seen = []
    for pool in pools:
        conn = await pool.get_connection()
        try:
            assert conn.is_connected
            assert (conn.host, conn.port, conn.db) == ("127.0.0.1", redis_server.port, 0)
            await conn.send_command("SET", "compat:k", "v")
            first = await conn.read_response()
            await conn.send_packed_command(conn.pack_commands([("GET", "compat:k"), ("INCR", "compat:k")]))
            got = await conn.read_response(disable_decoding=True)
            try:
                await conn.read_response()
                error = None
            except Exception as exc:  # noqa: BLE001 - the two libraries' ResponseError classes differ
                error = type(exc).__name__
            assert not await conn.can_read()
            idle = await conn.read_response(timeout=0.05)  # nothing owed: redis-py answers None
            await conn.send_command("PING")
            pong = await conn.read_response()
            await conn.check_health()
            seen.append((first, got, error, idle, pong))
        finally:
            await pool.release(conn)
        again = await pool.get_connection()
        assert again is conn  # given back clean: the same connection is handed out again
        await pool.release(again)
        await pool.aclose()
    assert seen[0] == seen[1]


async def test_deprecated_get_connection_arguments_are_accepted(redis_server: RedisServer) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port)
    conn = await pool.get_connection("GET", "key")
    await pool.release(conn)
    await pool.aclose()


@pytest.mark.parametrize("leave", [("MULTI",), ("WATCH", "compat:w"), ("SUBSCRIBE", "compat:c"), "unread"])
async def test_a_connection_given_back_dirty_is_closed_never_reused(redis_server: RedisServer, leave: object) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port)
    conn = await pool.get_connection()
    if leave == "unread":
        await conn.send_command("PING")  # its reply still owed
    else:
        await conn.send_command(*leave)  # type: ignore[misc]
        await conn.read_response()
    await pool.release(conn)
    assert pool.stats()["closed_dirty"] == 1
    other = await pool.get_connection()
    assert other is not conn
    await other.send_command("PING")
    assert await other.read_response() == b"PONG"
    await pool.release(other)
    await pool.aclose()


async def test_past_max_connections_a_plain_pool_raises_at_once_as_redis_py(redis_server: RedisServer) -> None:
    for pool, error in (
        (ConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=2), MaxConnectionsError),
        (
            redis.asyncio.ConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=2),
            redis.exceptions.MaxConnectionsError,
        ),
    ):
        held = [await pool.get_connection(), await pool.get_connection()]
        assert not pool.can_get_connection()
        started = time.perf_counter()
        with pytest.raises(error):
            await pool.get_connection()
        assert time.perf_counter() - started < 0.5
        await pool.release(held.pop())
        assert pool.can_get_connection()
        for conn in held:
            await pool.release(conn)
        await pool.aclose()


async def test_blocking_pool_waits_timeout_then_raises_connection_error(redis_server: RedisServer) -> None:
    pool = BlockingConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=1, timeout=0.3)
    held = await pool.get_connection()
    started = time.perf_counter()
    with pytest.raises(leanredis.ConnectionError):  # redis-py raises ConnectionError too
        await pool.get_connection()
    assert 0.25 <= time.perf_counter() - started < 2.0
    waiter = asyncio.ensure_future(pool.get_connection())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await pool.release(held)
    assert await asyncio.wait_for(waiter, 2) is held
    await pool.release(held)
    await pool.aclose()


@pytest.mark.parametrize("transaction", [True, False])
async def test_redis_py_pipeline_runs_on_a_leanredis_clients_pool(redis_server: RedisServer, transaction: bool) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await client.delete("compat:p")
        pipe = RedisPyPipeline(client.connection_pool, client.response_callbacks, transaction, None)
        pipe.set("compat:p", "1")
        pipe.incr("compat:p")
        pipe.get("compat:p")
        assert await pipe.execute() == [True, 2, b"2"]  # parsed with the client's callbacks, as redis.asyncio
        async with RedisPyPipeline(client.connection_pool, client.response_callbacks, True, None) as watched:
            await watched.watch("compat:p")
            current = int(await watched.get("compat:p"))
            watched.multi()
            watched.set("compat:p", current + 1)
            assert await watched.execute() == [True]
        assert await client.get("compat:p") == b"3"
        assert client.connection_pool.in_use == 0  # every connection given back (clean: reused)
        assert client.connection_pool.stats()["closed_dirty"] == 0
    finally:
        await client.aclose()


async def test_redis_py_pubsub_runs_on_a_leanredis_pool(redis_server: RedisServer) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    client = leanredis.Redis(connection_pool=pool)
    pubsub = RedisPyPubSub(pool, ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe("compat:ch")
        assert await client.publish("compat:ch", "hello") == 1
        message = None
        for _ in range(50):
            message = await pubsub.get_message(timeout=0.1)
            if message is not None:
                break
        assert message == {"type": "message", "pattern": None, "channel": "compat:ch", "data": "hello"}
    finally:
        await pubsub.aclose()
        await client.aclose()
        await pool.aclose()
    assert pool.in_use == 0


@pytest.mark.parametrize("made_with_pool", [False, True])
async def test_pool_disconnect_closes_the_clients_connections_and_the_client_reconnects(
    redis_server: RedisServer, made_with_pool: bool
) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port) if made_with_pool else None
    client = (
        leanredis.Redis(connection_pool=pool) if pool else leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    )
    try:
        await client.set("compat:d", "1")
        assert await client.blpop("compat:nothing", 0.01) is None  # a dedicated connection, now idle
        assert client.connection.is_connected
        await client.connection_pool.disconnect()
        assert not client.connection.is_connected
        assert client.connection_pool.idle == 0
        assert await client.get("compat:d") == b"1"
        assert await client.blpop("compat:nothing", 0.01) is None
        await client.connection_pool.aclose()
        assert not client.connection.is_connected
        assert await client.incr("compat:d") == 2
    finally:
        await client.aclose()


async def test_from_pool_owns_the_pool_and_connection_pool_shares_it(redis_server: RedisServer) -> None:
    pool = BlockingConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=4)
    sharing = leanredis.Redis(connection_pool=pool)
    owning = leanredis.Redis.from_pool(pool)
    theirs_pool = redis.asyncio.BlockingConnectionPool(host="127.0.0.1", port=redis_server.port)
    their_sharing, their_owning = redis.asyncio.Redis(connection_pool=theirs_pool), redis.asyncio.Redis.from_pool(
        theirs_pool
    )
    assert (sharing.auto_close_connection_pool, owning.auto_close_connection_pool) == (
        their_sharing.auto_close_connection_pool,
        their_owning.auto_close_connection_pool,
    )
    await their_owning.aclose()
    assert sharing.connection_pool is pool and owning.connection_pool is pool
    blocked = asyncio.ensure_future(sharing.blpop("compat:q", 5))
    for _ in range(100):
        if pool.in_use:
            break
        await asyncio.sleep(0.01)
    assert pool.in_use == 1  # the blocking command took its connection from the shared pool
    await owning.rpush("compat:q", "x")
    assert await blocked == (b"compat:q", b"x")
    assert pool.idle == 1
    await sharing.aclose()
    assert pool.idle == 1  # a client on connection_pool= does not close it
    await owning.aclose()
    assert pool.idle == 0  # from_pool: the client owns it
    assert await sharing.ping() is True  # and everything is usable again


async def test_reset_forgets_every_connection(redis_server: RedisServer) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=1)
    conn = await pool.get_connection()
    pool.reset()
    assert pool.can_get_connection() and pool.in_use == 0
    fresh = await pool.get_connection()
    assert fresh is not conn
    await pool.release(fresh)
    await pool.aclose()


# -- redis-py's classes above the pool catch the errors its connections raise ----------------------------------


def pools(server: RedisServer) -> list[object]:
    """A leanredis pool and a redis.asyncio pool on the same server: what each comparison runs on."""
    return [
        ConnectionPool(host="127.0.0.1", port=server.port),
        redis.asyncio.ConnectionPool(host="127.0.0.1", port=server.port),
    ]


def outcome(value: object) -> object:
    """A pipeline result or error as both libraries can be compared on: errors by redis-py class and text."""
    if isinstance(value, list):
        return [outcome(item) for item in value]
    if isinstance(value, BaseException):
        kinds = [cls.__name__ for cls in type(value).__mro__ if cls.__module__ == "redis.exceptions"]
        text = str(value).split(" of pipeline")[0]
        text = text.removeprefix("ERR ")  # redis-py drops the server's "ERR " (leanredis keeps the server's text)
        return (kinds[0] if kinds else f"not redis-py's: {type(value).__name__}", text)
    return value


@pytest.mark.parametrize("transaction", [True, False])
@pytest.mark.parametrize("raise_on_error", [True, False])
async def test_redis_py_pipeline_on_a_leanredis_pool_reports_a_failing_command_as_on_its_own(
    redis_server: RedisServer, transaction: bool, raise_on_error: bool
) -> None:
    seen = []
    for pool in pools(redis_server):
        pipe = RedisPyPipeline(pool, {}, transaction, None)
        pipe.set("compat:e", "text")
        pipe.incr("compat:e")  # WRONGTYPE-like: "value is not an integer"
        pipe.get("compat:e")
        try:
            result = outcome(await pipe.execute(raise_on_error=raise_on_error))
        except redis.exceptions.ResponseError as exc:
            assert isinstance(exc, leanredis.ResponseError) or pool.__module__.startswith("redis")
            result = ("raised", outcome(exc))
        seen.append(result)
        assert pool.can_get_connection()
        await pool.aclose()
    assert seen[0] == seen[1]
    assert seen[0] != [b"OK", 1, b"text"]


async def test_redis_py_pipeline_on_a_leanredis_pool_raises_queueing_errors_and_watch_error(
    redis_server: RedisServer,
) -> None:
    for pool in pools(redis_server):
        client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
        pipe = RedisPyPipeline(pool, {}, True, None)
        pipe.set("compat:a", "1")
        pipe.execute_command("NO-SUCH-COMMAND")  # refused while queueing: EXEC is aborted
        with pytest.raises(redis.exceptions.ResponseError) as raised:
            await pipe.execute()  # the queueing error, raised from EXEC's ExecAbortError
        assert "NO-SUCH-COMMAND".lower() in str(raised.value).lower()
        assert isinstance(raised.value.__cause__, redis.exceptions.ExecAbortError)
        if isinstance(pool, ConnectionPool):  # a leanredis user's handlers catch both as well
            assert isinstance(raised.value, leanredis.ResponseError)
            assert isinstance(raised.value.__cause__, leanredis.ExecAbortError)
        async with RedisPyPipeline(pool, {}, True, None) as watched:
            await watched.watch("compat:w")
            await client.set("compat:w", "changed")  # another client writes the watched key
            watched.multi()
            watched.set("compat:w", "mine")
            with pytest.raises(redis.exceptions.WatchError):
                await watched.execute()
        assert await client.get("compat:w") == b"changed"
        assert pool.can_get_connection()
        await client.aclose()
        await pool.aclose()


async def test_redis_py_lock_on_a_leanredis_pool_as_on_its_own(redis_server: RedisServer) -> None:
    from redis.asyncio.lock import Lock

    seen = []
    for pool in pools(redis_server):
        client = redis.asyncio.Redis(connection_pool=pool)
        await client.script_flush()  # the lock's scripts are unknown: EVALSHA answers NOSCRIPT first
        steps: list[object] = []
        lock = Lock(client, "compat:lock", timeout=10)
        steps.append(await lock.acquire(blocking=False))
        steps.append(await Lock(client, "compat:lock", timeout=10).acquire(blocking=False))
        steps.append(await lock.extend(5))
        steps.append(0 < await client.pttl("compat:lock") <= 15000)
        await lock.release()
        steps.append(await client.exists("compat:lock"))
        other = Lock(client, "compat:lock", timeout=10)
        await other.acquire()
        await client.set("compat:lock", "someone else's token")  # it expired and another holder took it
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            await other.extend(5)
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            await other.release()
        await client.delete("compat:lock")
        seen.append(steps)
        await client.aclose()
        await pool.aclose()
    assert seen[0] == seen[1] == [True, False, True, True, 0]


@pytest.mark.parametrize("parser", ["hiredis", "python"])
async def test_errors_from_a_leanredis_pool_are_both_libraries_classes(redis_server: RedisServer, parser: str) -> None:
    pool = ConnectionPool(
        host="127.0.0.1", port=redis_server.port, max_connections=1, socket_timeout=0.2, parser=parser
    )
    conn = await pool.get_connection()
    with pytest.raises(redis.exceptions.MaxConnectionsError) as too_many:
        await pool.get_connection()
    assert isinstance(too_many.value, MaxConnectionsError)
    await conn.send_command("GET")  # wrong number of arguments
    with pytest.raises(redis.exceptions.ResponseError) as wrong:
        await conn.read_response()
    assert isinstance(wrong.value, leanredis.ResponseError)
    assert repr(wrong.value).startswith("ResponseError(")
    await conn.send_command("EVALSHA", "0" * 40, 0)
    with pytest.raises(redis.exceptions.NoScriptError) as noscript:
        await conn.read_response()
    assert isinstance(noscript.value, leanredis.NoScriptError)
    await conn.send_command("AUTH", "no-such-user", "wrong-password")
    with pytest.raises(redis.exceptions.AuthenticationError) as refused:
        await conn.read_response()  # WRONGPASS: an AuthenticationError, raised like any error reply
    assert isinstance(refused.value, leanredis.AuthenticationError)
    await conn.send_command("SET", "compat:text", "text")
    await conn.send_command("MULTI")
    await conn.send_command("INCR", "compat:text")  # fails inside EXEC's reply
    await conn.send_command("EXEC")
    assert [await conn.read_response() for _ in range(3)] == [b"OK", b"OK", b"QUEUED"]
    (nested,) = await conn.read_response()
    assert isinstance(nested, redis.exceptions.ResponseError) and isinstance(nested, leanredis.ResponseError)
    with pytest.raises(redis.exceptions.TimeoutError) as timed_out:
        await conn.read_response()  # nothing owed: socket_timeout passes
    assert isinstance(timed_out.value, leanredis.TimeoutError)
    with pytest.raises(redis.exceptions.ConnectionError) as lost:
        await conn.read_response()  # the timeout closed it
    assert isinstance(lost.value, leanredis.ConnectionError)
    await pool.release(conn)
    refused = ConnectionPool(host="127.0.0.1", port=1, socket_connect_timeout=1)
    with pytest.raises(redis.exceptions.ConnectionError) as unreachable:
        await refused.get_connection()
    assert isinstance(unreachable.value, leanredis.ConnectionError)
    await refused.aclose()
    await pool.aclose()


# -- client.response_callbacks parses as redis.asyncio's does --------------------------------------------------


def queue_common_commands(pipe: RedisPyPipeline) -> None:
    """About twenty common commands whose replies redis-py's callbacks reshape (or leave alone)."""
    pipe.set("cb:s", "v")
    pipe.set("cb:s", "w", get=True)
    pipe.set("cb:s", "x", nx=True)
    pipe.get("cb:s")
    pipe.incr("cb:n")
    pipe.incrbyfloat("cb:n", 1.5)
    pipe.exists("cb:s", "cb:none")
    pipe.expire("cb:s", 100)
    pipe.ttl("cb:s")
    pipe.persist("cb:s")
    pipe.hset("cb:h", mapping={"a": "1", "b": "2"})
    pipe.hgetall("cb:h")
    pipe.hscan("cb:h")
    pipe.zadd("cb:z", {"one": 1, "two": 2.5})
    pipe.zrange("cb:z", 0, -1, withscores=True)
    pipe.zrange("cb:z", 0, -1)
    pipe.zrevrangebyscore("cb:z", 10, 0, withscores=True, score_cast_func=int)
    pipe.zscore("cb:z", "two")
    pipe.zrank("cb:z", "two")  # (WITHSCORE needs Redis 7.2)
    pipe.zscan("cb:z")
    pipe.zpopmin("cb:z")
    pipe.rpush("cb:l", "a", "b", "c")
    pipe.lrange("cb:l", 0, -1)
    pipe.sadd("cb:set", "m")
    pipe.smembers("cb:set")
    pipe.type("cb:l")
    pipe.xadd("cb:x", {"f": "v"}, id="1-1")
    pipe.xrange("cb:x")
    pipe.ping()
    pipe.echo("hi")
    pipe.config_get("maxmemory")


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("transaction", [True, False])
async def test_redis_py_pipeline_with_a_clients_response_callbacks_returns_what_redis_asyncio_returns(
    redis_server: RedisServer, transaction: bool, protocol: int
) -> None:
    ours = leanredis.Redis(host="127.0.0.1", port=redis_server.port, protocol=protocol)
    # leanredis gives one shape whatever the protocol: redis.asyncio's default one (RESP3 on the wire since 8.0,
    # RESP2-shaped results); an explicit protocol=3 asks redis.asyncio for RESP3-shaped ones
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port, **({"protocol": 2} if protocol == 2 else {}))
    results = []
    try:
        for client in (ours, theirs):
            await ours.delete("cb:s", "cb:n", "cb:h", "cb:z", "cb:l", "cb:set", "cb:x")
            pipe = RedisPyPipeline(client.connection_pool, client.response_callbacks, transaction, None)
            queue_common_commands(pipe)
            results.append(await pipe.execute())
    finally:
        await ours.aclose()
        await theirs.aclose()
    assert results[0][:2] == [True, b"v"]  # reshaped: not the raw b"OK"
    assert results[0] == results[1]
    assert "SET" in ours.response_callbacks and "hgetall" in ours.response_callbacks
    assert not ours.response_callbacks.user_set  # the client's own methods keep their parsing
    assert await ours.set("cb:s", "y") is True


# -- RESP3 push handler, the connection's and the pool's remaining redis-py names ------------------------------


async def test_redis_py_pubsub_push_handler_on_a_resp3_leanredis_pool_as_on_its_own(redis_server: RedisServer) -> None:
    publisher = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    seen = []
    for pool in (
        ConnectionPool(host="127.0.0.1", port=redis_server.port, protocol=3),
        redis.asyncio.ConnectionPool(host="127.0.0.1", port=redis_server.port, protocol=3),
    ):
        handled: list[object] = []

        async def handler(message: object, handled: list[object] = handled) -> None:
            handled.append(message)

        pubsub = RedisPyPubSub(pool, push_handler_func=handler)
        try:
            await pubsub.subscribe("compat:push")
            assert await publisher.publish("compat:push", "one") == 1
            for _ in range(100):
                assert await pubsub.get_message(timeout=0.05) is None  # the handler took every push
                if len(handled) >= 2:
                    break
        finally:
            await pubsub.aclose()
            await pool.aclose()
        seen.append(handled)
    await publisher.aclose()
    assert seen[0] == seen[1] == [[b"subscribe", b"compat:push", 1], [b"message", b"compat:push", b"one"]]


async def test_connection_and_pool_have_redis_pys_remaining_names(redis_server: RedisServer) -> None:
    pool = ConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=3)
    theirs = redis.asyncio.ConnectionPool(host="127.0.0.1", port=redis_server.port, max_connections=3)
    counts = []
    for p in (pool, theirs):
        held = [await p.get_connection(), await p.get_connection()]
        idle = await p.get_connection()
        await p.release(idle)
        counts.append([(n, attrs["db.client.connection.state"]) for n, attrs in p.get_connection_count()])
        for conn in held:
            await p.release(conn)
        await p.aclose()
    assert counts[0] == counts[1] == [(1, "idle"), (2, "used")]
    held = await pool.get_connection()
    await held.send_command("PING")  # a reply nobody read: ensure_connection reconnects (redis-py 8.1 only
    for _ in range(200):  # does when maintenance notifications are off, which its RESP3 default turns on)
        if await held.can_read():
            break
        await asyncio.sleep(0.01)
    await pool.ensure_connection(held)
    await held.send_command("ECHO", "after")
    assert await held.read_response() == b"after"
    await pool.release(held)

    class Token:
        def try_get(self, key: str) -> str:
            return "no-such-user"

        def get_value(self) -> str:
            return "wrong-password"

    conn = await pool.get_connection()
    await conn.on_connect()  # connected (and greeted) already: nothing to do
    await conn.re_auth()  # no token: nothing sent
    conn.set_re_auth_token(Token())
    with pytest.raises(redis.exceptions.AuthenticationError):
        await conn.re_auth()  # the server has no such password
    conn.set_parser(type("PythonParser", (), {}))
    await conn.disconnect()
    await conn.on_connect()
    assert conn.options.parser == "python" and conn.is_connected
    await conn.send_command("PING")
    assert await conn.read_response() == b"PONG"
    await pool.release(conn)
    await pool.aclose()
