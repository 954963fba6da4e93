"""Minimal reproductions of what compat/run.py found, each run on redis.asyncio and on leanredis.

    python compat/repro.py            # every case, against a private server
    python compat/repro.py await_client

Run it with an interpreter that has both redis (8.1) and this checkout's
leanredis (the project's dev venv). Each case is a few lines written against
``lib``, which is ``redis.asyncio`` or ``leanredis``; it prints what each
returns or raises. A case where both print the same is fixed.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest.mock import MagicMock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis.asyncio  # noqa: E402
import redis.exceptions  # noqa: E402

import leanredis  # noqa: E402
from leanredis.server import RedisServer, free_port  # noqa: E402

Case = Callable[[ModuleType, int], Awaitable[Any]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


@case
async def await_client(lib: ModuleType, port: int) -> Any:
    """aiogram's conftest: ``conn = await storage.redis`` (redis.asyncio's Redis.__await__ runs initialize())."""
    r = lib.Redis(port=port)
    conn = await r
    try:
        return await conn.ping()
    finally:
        await r.aclose()


@case
async def pool_is_not_touched_at_construction(lib: ModuleType, port: int) -> Any:
    """aiogram's test_from_url patches ConnectionPool.from_url: Redis(connection_pool=<a mock>) must only store it."""
    r = lib.Redis(connection_pool=MagicMock())
    return type(r).__name__


@case
async def except_redis_exceptions_connection_error(lib: ModuleType, port: int) -> Any:
    """arq's create_pool retries on ``except (ConnectionError, OSError, RedisError, asyncio.TimeoutError)``."""
    r = lib.Redis(port=free_port())  # nobody listens there
    try:
        await r.ping()
    except redis.exceptions.RedisError as error:
        return f"caught as redis.exceptions.RedisError: {type(error).__module__}.{type(error).__name__}"
    except Exception as error:
        return f"NOT caught by except redis.exceptions.RedisError: {type(error).__module__}.{type(error).__name__}"
    finally:
        await r.aclose()


@case
async def except_redis_exceptions_watch_error(lib: ModuleType, port: int) -> Any:
    """arq's enqueue_job: ``except WatchError`` (from redis.exceptions) around a WATCH/MULTI/EXEC."""
    r, other = lib.Redis(port=port), lib.Redis(port=port)
    try:
        async with r.pipeline(transaction=True) as pipe:
            await pipe.watch("compat:watched")
            await other.set("compat:watched", "changed")
            pipe.multi()
            pipe.set("compat:watched", "mine")
            try:
                await pipe.execute()
            except redis.exceptions.WatchError:
                return "caught as redis.exceptions.WatchError"
            except Exception as error:
                kind = f"{type(error).__module__}.{type(error).__name__}"
                return f"NOT caught by except redis.exceptions.WatchError: {kind}"
    finally:
        await r.aclose()
        await other.aclose()


@case
async def connection_pool_attributes(lib: ModuleType, port: int) -> Any:
    """arq's test_worker_crash patches ``client.connection_pool.connection_class.read_response``."""
    r = lib.Redis(port=port)
    try:
        pool = r.connection_pool
        return {name: hasattr(pool, name) for name in ("connection_class", "connection_kwargs", "get_connection")}
    finally:
        await r.aclose()


@case
async def sentinel_connection_pool(lib: ModuleType, port: int) -> Any:
    """channels-redis: ``Redis(connection_pool=redis.asyncio.sentinel.SentinelConnectionPool(name, Sentinel(...)))``."""
    sentinel = redis.asyncio.sentinel.Sentinel([("127.0.0.1", free_port())])
    pool = redis.asyncio.sentinel.SentinelConnectionPool("mymaster", sentinel)
    r = lib.Redis(connection_pool=pool)
    return f"constructed {type(r).__module__}.{type(r).__name__}"


@case
async def close_is_deprecated(lib: ModuleType, port: int) -> Any:
    """arq calls ``close(close_connection_pool=True)``: deprecated in redis-py 5.0.1+, fine in 4.6 (arq's lock)."""
    r = lib.Redis(port=port)
    await r.ping()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await r.close(close_connection_pool=True)
    return [f"{w.category.__name__}: {w.message}" for w in caught] or "no warning"


@case
async def except_redis_exceptions_lock_error(lib: ModuleType, port: int) -> Any:
    """pydocket's worker: ``async with redis.lock(name, blocking=False)`` held elsewhere, ``except LockError``."""
    r = lib.Redis(port=port)
    try:
        await r.set("compat:lock", "someone else")
        try:
            async with r.lock("compat:lock", timeout=5, blocking=False):
                return "acquired"
        except redis.exceptions.LockError:
            return "caught as redis.exceptions.LockError"
        except Exception as error:
            return f"NOT caught by except redis.exceptions.LockError: {type(error).__module__}.{type(error).__name__}"
    finally:
        await r.delete("compat:lock")
        await r.aclose()


@case
async def except_redis_exceptions_response_error(lib: ModuleType, port: int) -> Any:
    """pydocket's redelivery: ``except ResponseError as e: if "NOGROUP" in str(e)`` around XAUTOCLAIM."""
    r = lib.Redis(port=port)
    try:
        await r.xautoclaim("compat:no-stream", "no-group", "me", min_idle_time=0)
        return "no error"
    except redis.exceptions.ResponseError as error:
        return f"caught as redis.exceptions.ResponseError: {str(error)[:30]}"
    except Exception as error:
        return f"NOT caught by except redis.exceptions.ResponseError: {type(error).__module__}.{type(error).__name__}"
    finally:
        await r.aclose()


@case
async def redis_py_async_script_on_the_client(lib: ModuleType, port: int) -> Any:
    """pydocket's _lua.py: redis-py's ``AsyncScript(None, lua)`` called with ``client=``; it catches NoScriptError."""
    from redis.commands.core import AsyncScript

    r = lib.Redis(port=port)
    try:
        await r.script_flush()
        script = AsyncScript(None, b"return 7")  # type: ignore[arg-type]
        return await script(keys=[], args=[], client=r)
    finally:
        await r.aclose()


@case
async def pool_subclass_overriding_release(lib: ModuleType, port: int) -> Any:
    """pydocket's ReauthenticatingPool: a subclass overriding redis-py's ``async def release(self, connection)``."""

    class Pool(lib.ConnectionPool):  # type: ignore[name-defined,misc]
        async def release(self, connection: Any) -> None:  # redis-py's signature
            await super().release(connection)

    pool = Pool.from_url(f"redis://127.0.0.1:{port}/0")
    r = lib.Redis(connection_pool=pool)
    try:
        return await r.blpop(["compat:empty"], timeout=0.1)  # a blocking command: a connection of the pool
    finally:
        await r.aclose()
        await pool.disconnect()


@case
async def pubsub_connection_protocol(lib: ModuleType, port: int) -> Any:
    """pydocket's test_pubsub_connections_speak_resp2: ``pubsub.connection.protocol`` after subscribe."""
    r = lib.Redis(port=port)
    pubsub = r.pubsub()
    try:
        await pubsub.subscribe("compat:channel")
        return pubsub.connection.protocol
    finally:
        await pubsub.aclose()
        await r.aclose()


@case
async def connection_without_arguments(lib: ModuleType, port: int) -> Any:
    """pydocket's test_data_connections_keep_the_client_default_resp_version: ``Connection().protocol``."""
    return lib.Connection().protocol


@case
async def inspect_iscoroutine_of_a_command(lib: ModuleType, port: int) -> Any:
    """pyrate-limiter's leaker: ``inspect.iscoroutine(bucket.leak(0))`` picks the async leak task, else a thread."""
    import inspect

    r = lib.Redis(port=port)
    try:
        pending = r.zremrangebyscore("compat:bucket", 0, 0)
        kinds = {
            "inspect.iscoroutine": inspect.iscoroutine(pending),
            "asyncio.iscoroutine": asyncio.iscoroutine(pending),
            "inspect.isawaitable": inspect.isawaitable(pending),
        }
        await pending
        return kinds
    finally:
        await r.aclose()


@case
async def port_and_db_as_strings(lib: ModuleType, port: int) -> Any:
    """bullmq's test_reusable_redis: ``redis.Redis(decode_responses=True, host="localhost", port="6379", db=0)``."""
    r = lib.Redis(host="127.0.0.1", port=str(port), db="1")
    try:
        return await r.ping()
    finally:
        await r.aclose()


@case
async def subclass_on_a_pool_calls_super_execute_command(lib: ModuleType, port: int) -> Any:
    """cashews' backend: ``Sub.from_pool(BlockingConnectionPool.from_url(...))``, execute_command calling super()."""

    class Sub(lib.Redis):  # type: ignore[name-defined,misc]
        async def execute_command(self, *args: Any, **options: Any) -> Any:
            return await super().execute_command(*args, **options)

    r = Sub.from_pool(lib.BlockingConnectionPool.from_url(f"redis://127.0.0.1:{port}/0"))
    try:
        return await r.flushdb()
    finally:
        await r.aclose()


@case
async def pipeline_built_on_the_client_pool(lib: ModuleType, port: int) -> Any:
    """cashews' set_many: ``Pipeline(client.connection_pool, client.response_callbacks, True, None)``, the
    class from ``redis.asyncio.client`` (leanredis's Pipeline under the swap)."""
    pipeline_class = redis.asyncio.client.Pipeline if lib is redis.asyncio else lib.pipeline.Pipeline
    r = lib.Redis.from_pool(lib.BlockingConnectionPool.from_url(f"redis://127.0.0.1:{port}/0"))
    try:
        pipe = pipeline_class(r.connection_pool, r.response_callbacks, True, None)
        return await pipe.set("compat:pipe", 1).get("compat:pipe").execute()
    finally:
        await r.aclose()


@case
async def initialize_with_the_server_down(lib: ModuleType, port: int) -> Any:
    """cashews' client-side cache: ``await client.initialize()`` before the server is up, then a listener retries."""
    r = lib.Redis(port=free_port())  # nobody listens there
    try:
        return type(await r.initialize()).__name__
    finally:
        await r.aclose()


@case
async def execute_command_override_sees_a_str_name(lib: ModuleType, port: int) -> Any:
    """cashews' SafeRedis compares ``command.lower()`` with "ttl", "ping": the name's type as an override sees it."""
    seen: list[Any] = []

    class Sub(lib.Redis):  # type: ignore[name-defined,misc]
        async def execute_command(self, command: Any, *args: Any, **options: Any) -> Any:
            seen.append(command)
            return await super().execute_command(command, *args, **options)

    r = Sub(port=port)
    try:
        await r.ttl("compat:k")
        return seen
    finally:
        await r.aclose()


async def outcome(fn: Case, lib: ModuleType, port: int) -> str:
    try:
        return f"returns {await asyncio.wait_for(fn(lib, port), 10)!r}"
    except Exception as error:
        text = str(error).splitlines()[0] if str(error) else ""
        return f"raises {type(error).__module__}.{type(error).__qualname__}: {text}"


def main() -> int:
    names = sys.argv[1:] or list(CASES)
    with RedisServer() as server:
        for name in names:
            fn = CASES[name]
            print(f"== {name}: {fn.__doc__}")
            for lib in (redis.asyncio, leanredis):
                print(f"   {lib.__name__:13} {asyncio.run(outcome(fn, lib, server.port))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
