"""Scripts and functions: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

import leanredis
from leanredis import DataError, NoScriptError, ResponseError
from leanredis.script import Script

from .oracle import both, same_shape

pytestmark = pytest.mark.families

LIBRARY = """#!lua name=mylib
redis.register_function('echo_args', function(keys, args) return {keys[1], args[1], #args} end)
redis.register_function{function_name='get_ro', callback=function(keys, args) return redis.call('GET', keys[1]) end,
                        flags={'no-writes'}}
"""


def text(value):  # type: ignore[no-untyped-def]
    return value.decode() if isinstance(value, bytes) else value


async def test_eval_and_evalsha_return_the_script_reply_as_sent(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    nested = "return {1, 'two', {true, false}, redis.status_reply('OK')}"
    reply = await both(pair, "eval", nested, 0)
    assert [reply[0], text(reply[1]), reply[2], text(reply[3])] == [1, "two", [1, None], "OK"]
    keys_args = "return {KEYS[1], KEYS[2], ARGV[1], #ARGV}"
    assert [text(v) for v in await both(pair, "eval", keys_args, 2, "k1", "k2", "a", 5)] == ["k1", "k2", "a", 2]
    await ours.set("k", "v")
    assert text(await both(pair, "eval_ro", "return redis.call('GET', KEYS[1])", 1, "k")) == "v"
    sha = await ours.script_load("return {KEYS[1], ARGV[1], #ARGV}")
    assert [text(v) for v in await both(pair, "evalsha", sha, 1, "k", "x")] == ["k", "x", 1]
    assert [text(v) for v in await both(pair, "evalsha_ro", sha, 1, "k", "x")] == ["k", "x", 1]
    with pytest.raises(ResponseError, match="Write commands are not allowed"):
        await ours.eval_ro("return redis.call('SET', KEYS[1], 'x')", 1, "k")
    with pytest.raises(leanredis.WrongTypeError):
        await ours.eval("return redis.call('HGET', KEYS[1], 'f')", 1, "k")


async def test_script_cache_commands(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    assert await both(pair, "script_flush") is True
    source = "return 'cached'"
    sha = await both(pair, "script_load", source)
    assert type(sha) is str and sha == hashlib.sha1(source.encode()).hexdigest()
    missing = "0" * 40
    assert await both(pair, "script_exists", sha, missing) == [True, False]
    assert await both(pair, "script_flush", "ASYNC") is True
    assert await both(pair, "script_exists", sha) == [False]
    assert await ours.script_flush("SYNC") is True
    with pytest.raises(NoScriptError):
        await ours.evalsha(sha, 0)
    with pytest.raises(DataError):
        ours.script_flush("NOW")
    with pytest.raises(DataError):
        ours.script_exists()
    with pytest.raises(ResponseError, match="NOTBUSY"):
        await ours.script_kill()
    assert (await ours.execute_command("SCRIPT", "EXISTS", missing)) == await theirs.script_exists(missing)


async def test_script_kill_stops_a_running_script(fresh_server):  # type: ignore[no-untyped-def]
    runner = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    killer = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await killer.config_set("busy-reply-threshold", 50)
        running = asyncio.ensure_future(runner.eval("local i = 0 while true do i = i + 1 end", 0))
        await asyncio.sleep(0.3)
        assert not running.done()
        assert await killer.script_kill() is True
        with pytest.raises(ResponseError, match="killed"):
            await asyncio.wait_for(running, 5)
        assert await runner.ping() is True
    finally:
        await runner.aclose()
        await killer.aclose()


async def test_registered_script_reloads_itself_after_script_flush(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    source = "return {KEYS[1], ARGV[1], #KEYS, #ARGV}"
    script = ours.register_script(source)
    assert isinstance(script, Script)
    assert script.sha == hashlib.sha1(source.encode()).hexdigest() == theirs.register_script(source).sha
    await ours.script_flush()
    assert await ours.script_exists(script.sha) == [False]
    # NOSCRIPT on the first EVALSHA: loaded and run again, same reply as redis-py's Script
    result = await script(keys=["k"], args=["a", 2])
    assert await ours.script_exists(script.sha) == [True]
    await ours.script_flush()
    expected = await theirs.register_script(source)(keys=["k"], args=["a", 2])
    assert same_shape(result, expected), (result, expected)
    assert [text(v) for v in result] == ["k", "a", 1, 2]
    # keys and args default to none (a Lua table starting with nil converts to an empty list)
    assert await script() == [] == await theirs.register_script(source)()


async def test_registered_script_runs_on_another_client_and_from_bytes(pair, redis_server):  # type: ignore[no-untyped-def]
    ours, _ = pair
    script = ours.register_script(b"return redis.call('INCRBY', KEYS[1], ARGV[1])")
    assert script.sha == hashlib.sha1(b"return redis.call('INCRBY', KEYS[1], ARGV[1])").hexdigest()
    other = leanredis.Redis(host="127.0.0.1", port=redis_server.port, db=1, protocol=3)
    try:
        await other.delete("n")
        await ours.script_flush()
        assert await script(keys=["n"], args=[5], client=other) == 5
        assert await script(keys=["n"], args=[5]) == 5  # db 0 of the registering client
        assert await other.get("n") == b"5"
    finally:
        await other.delete("n")
        await other.aclose()


async def test_a_failing_script_is_not_retried(r):  # type: ignore[no-untyped-def]
    script = r.register_script("redis.call('INCR', KEYS[1]) return redis.error_reply('NOSCRIPTLIKE but not NOSCRIPT')")
    await r.script_load(script.script)  # cached: the first EVALSHA runs it
    with pytest.raises(ResponseError, match="NOSCRIPTLIKE"):
        await script(keys=["runs"])
    assert await r.get("runs") == b"1"  # only NOSCRIPT leads to a second EVALSHA


async def test_functions_load_list_call_delete(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    assert await both(pair, "function_flush") is True
    assert text(await ours.function_load(LIBRARY)) == "mylib"
    with pytest.raises(ResponseError, match="already exists"):
        await ours.function_load(LIBRARY)
    assert text(await theirs.function_load(LIBRARY, replace=True)) == "mylib"
    assert text(await ours.function_load(LIBRARY, replace=True)) == "mylib"
    libraries = await both(pair, "function_list")
    assert len(libraries) == 1 and isinstance(libraries[0], list)
    info = dict(zip(map(text, libraries[0][::2]), libraries[0][1::2]))
    assert text(info["library_name"]) == "mylib"
    names = sorted(text(dict(zip(map(text, f[::2]), f[1::2]))["name"]) for f in info["functions"])
    assert names == ["echo_args", "get_ro"]
    with_code = await both(pair, "function_list", library="my*", withcode=True)
    assert any(text(v) == LIBRARY for v in with_code[0])
    assert await both(pair, "function_list", library="nope*") == []
    await ours.set("k", "v")
    assert [text(v) for v in await both(pair, "fcall", "echo_args", 1, "k", "a", "b")] == ["k", "a", 2]
    assert text(await both(pair, "fcall_ro", "get_ro", 1, "k")) == "v"
    with pytest.raises(ResponseError):
        await ours.fcall_ro("echo_args", 1, "k")
    assert await ours.function_delete("mylib") is True
    assert await ours.function_list() == []
    with pytest.raises(ResponseError):
        await ours.function_delete("mylib")
    assert await ours.function_flush("ASYNC") is True


async def test_function_dump_and_restore_round_trip(r):  # type: ignore[no-untyped-def]
    await r.function_flush()
    await r.function_load(LIBRARY)
    payload = await r.function_dump()
    assert isinstance(payload, bytes) and payload
    assert await r.function_flush() is True
    assert await r.function_list() == []
    assert await r.function_restore(payload) is True
    assert await r.fcall("echo_args", 1, "k", "x") == [b"k", b"x", 1]
    with pytest.raises(ResponseError):
        await r.function_restore(payload)  # APPEND: the library exists
    assert await r.function_restore(payload, "REPLACE") is True
    await r.function_flush()


async def test_function_dump_returns_bytes_with_decode_responses(redis_server):  # type: ignore[no-untyped-def]
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        await client.function_flush()
        await client.function_load(LIBRARY)
        assert isinstance(await client.function_dump(), bytes)
    finally:
        await client.function_flush()
        await client.aclose()


@pytest.mark.parametrize("mode", ["transaction", "pipeline", "watch-multi"])
async def test_registered_script_in_a_pipeline_is_loaded_before_it_runs(pair, mode):  # type: ignore[no-untyped-def]
    source = "return {KEYS[1], ARGV[1]}"
    results = []
    for client in pair:
        await pair[0].script_flush()
        script = client.register_script(source)
        pipe = client.pipeline(transaction=mode != "pipeline")
        if mode == "watch-multi":
            await pipe.watch("k")
            pipe.multi()
        pipe.set("k", "v")
        await script(keys=["k"], args=["a"], client=pipe)
        assert len(pipe) == 2  # recorded, not run
        results.append(await pipe.execute())
        assert await client.script_exists(script.sha) == [True]
        assert pipe.scripts == set()  # forgotten with the commands
    assert same_shape(results[0], results[1]), results
    assert [text(v) for v in results[0][1]] == ["k", "a"]
