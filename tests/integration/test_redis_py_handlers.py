"""Applications that switch to leanredis keep ``except redis.exceptions.X`` handlers: real errors from a real
server (and a closed port) are caught by them, as on redis.asyncio."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio
import redis.commands.core
import redis.exceptions

import leanredis
from leanredis.server import RedisServer, free_port


@pytest.mark.parametrize("lib", [redis.asyncio, leanredis], ids=["redis.asyncio", "leanredis"])
async def test_redis_py_handlers_catch_errors_from_either_client(lib: object, redis_server: RedisServer) -> None:
    r = lib.Redis(port=redis_server.port)  # type: ignore[attr-defined]
    try:
        await r.flushdb()
        with pytest.raises(redis.exceptions.ResponseError, match="NOGROUP"):
            await r.xautoclaim("no-stream", "no-group", "c", 0)
        await r.set("s", "x")
        with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
            await r.lpush("s", "y")
        async with r.pipeline() as pipe:
            await pipe.watch("w")
            await r.set("w", "changed")  # another client's write
            pipe.multi()
            pipe.set("w", "mine")
            with pytest.raises(redis.exceptions.WatchError):
                await pipe.execute()
        held = r.lock("job", timeout=5)
        assert await held.acquire(blocking=False)
        with pytest.raises(redis.exceptions.LockError):
            async with r.lock("job", timeout=5, blocking=False):
                pass
        await held.release()
        # redis-py's own script helper catches NoScriptError from the client it is handed
        await r.script_flush()
        script = redis.commands.core.AsyncScript(r, "return 7")
        assert await script() == 7
    finally:
        await r.aclose()
    closed = lib.Redis(port=free_port(), socket_connect_timeout=1)  # type: ignore[attr-defined]
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await asyncio.wait_for(closed.ping(), 20)
    finally:
        await closed.aclose()
