"""redis.asyncio's client-level APIs: get_encoder, response callbacks, monitor."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import leanredis
from leanredis import DataError, RedisError
from leanredis.monitor import parse_monitor_line
from leanredis.server import RedisServer


def test_get_encoder_has_redis_py_shape() -> None:
    encoder = leanredis.Redis(encoding="latin-1", decode_responses=True).get_encoder()
    assert (encoder.encoding, encoder.encoding_errors, encoder.decode_responses) == ("latin-1", "strict", True)
    assert encoder.encode("é") == b"\xe9" and encoder.encode(1.5) == b"1.5" and encoder.encode(b"x") == b"x"
    assert encoder.decode(b"\xe9") == "é"
    with pytest.raises(DataError, match="bool"):
        encoder.encode(True)
    raw = leanredis.Redis().get_encoder()
    assert raw.decode(b"x") == b"x" and raw.decode(b"x", force=True) == "x"


async def test_a_response_callback_parses_execute_command_and_method_replies(r: leanredis.Redis) -> None:
    await r.set("k", "41")
    seen: list[dict[str, Any]] = []

    def as_int(reply: Any, **options: Any) -> int:
        seen.append(options)
        return int(reply) + 1

    r.set_response_callback("get", as_int)
    assert "GET" in r.response_callbacks
    assert await r.get("k") == 42  # the method's reply too, as in redis-py
    assert await r.execute_command("GET", "k", hint="x") == 42
    assert seen == [{}, {"hint": "x"}]
    assert await r.set("other", "v") is True  # other commands keep their parsing
    del r.response_callbacks["get"]
    assert await r.get("k") == b"41"
    with pytest.raises(DataError, match="callable"):
        r.set_response_callback("GET", "nope")  # type: ignore[arg-type]


async def test_monitor_reads_commands_on_a_connection_of_its_own(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port) as r:
        async with r.monitor() as m:
            await r.set("mon-key", 'say "hi"')  # the shared connection still works while monitoring
            info = await asyncio.wait_for(m.next_command(), 5)
            while "mon-key" not in info["command"]:
                info = await asyncio.wait_for(m.next_command(), 5)
            assert info["command"] == 'SET mon-key say "hi"'
            assert info["db"] == 0 and info["client_type"] == "tcp" and info["client_address"] == "127.0.0.1"
            assert isinstance(info["time"], float)
            await r.get("mon-key")
            async for info in m.listen():
                if info["command"].startswith("GET"):
                    break
        assert "closed" in repr(m)
        with pytest.raises(RedisError, match="lost"):
            await m.next_command()  # what was queued when it closed: the end of the stream
        with pytest.raises(RedisError, match="not connected"):
            await m.next_command()


def test_monitor_lines_are_parsed_as_redis_py_parses_them() -> None:
    assert parse_monitor_line('1339518083.107412 [0 lua] "keys" "*"')["client_type"] == "lua"
    info = parse_monitor_line('1.5 [3 [::1]:6379] "GET" "k"')
    assert (info["db"], info["client_address"], info["client_port"], info["command"]) == (3, "[::1]", "6379", "GET k")
    assert parse_monitor_line('1.5 [0 unix:/tmp/r.sock] "PING"')["client_port"] == "/tmp/r.sock"


async def test_auth_is_kept_for_reconnects_and_never_shown(fresh_server: RedisServer) -> None:
    secret = "auth-secret-kept-7"
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    admin = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        assert await client.ping() is True
        await admin.config_set("requirepass", secret)  # open connections stay authenticated
        assert await client.auth(secret) is True
        ident = await client.client_id()
        await admin.auth(secret)
        await admin.execute_command("CLIENT", "KILL", "ID", ident)
        for _ in range(50):  # the next command reconnects, authenticating with the kept password
            try:
                assert await client.set("after", "auth") is True
                break
            except leanredis.ConnectionError:
                await asyncio.sleep(0.02)
        assert await client.client_id() != ident
        assert await client.blpop("missing-list", timeout=0.05) is None  # a new pool connection authenticates too
        with pytest.raises(leanredis.AuthenticationError):
            await client.auth("wrong")
        for text in (repr(client), repr(client.options), repr(client.connection), str(client.stats())):
            assert secret not in text
    finally:
        await admin.config_set("requirepass", "")
        await client.aclose()
        await admin.aclose()


async def test_redis_pys_not_implemented_stubs_raise_as_there(r: leanredis.Redis) -> None:
    import redis.asyncio

    theirs = redis.asyncio.Redis(host="127.0.0.1", port=1)
    try:
        for name in ("hello", "failover", "command_docs"):
            with pytest.raises(NotImplementedError) as ours_raised:
                getattr(r, name)()
            with pytest.raises(NotImplementedError) as theirs_raised:
                getattr(theirs, name)()
            if name != "command_docs":  # ours names the way round it (execute_command)
                assert str(ours_raised.value) == str(theirs_raised.value)
    finally:
        await theirs.aclose()
