"""Server administration and introspection: same types as redis.asyncio, RESP2/RESP3, bytes/str.

These commands change or report server-wide state (pauses, saves, the slow
log, latency samples, SWAPDB, tracking), so they run on a server of this
module's own, started with DEBUG and MODULE enabled; a test that changes a setting puts
it back. Slow log entries, latency samples, memory figures, client ids and
DEBUG OBJECT's idle time differ from one call to the next: for those the
keys and types are compared, not the values.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio
from redis._parsers.helpers import parse_slowlog_get

import leanredis
from leanredis import DataError
from leanredis.commands.introspection import slowlog_reply
from leanredis.server import RedisServer

from .oracle import both, raises_both, same_shape

pytestmark = pytest.mark.families


@pytest.fixture(scope="module")
def admin_server(server_binary: str) -> Iterator[RedisServer]:
    server = RedisServer(server_binary, extra_args=["--enable-debug-command", "yes", "--enable-module-command", "yes"])
    server.start()
    yield server
    server.stop()


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def apair(request: pytest.FixtureRequest, admin_server: RedisServer) -> AsyncIterator[tuple[Any, Any]]:
    """Like ``pair``, on this module's server."""
    protocol, decode = request.param
    # RESP3 as redis.asyncio's default speaks it (protocol not given): protocol=3 given asks for other shapes
    ours = leanredis.Redis(
        host="127.0.0.1", port=admin_server.port, protocol=None if protocol == 3 else protocol, decode_responses=decode
    )
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=admin_server.port, decode_responses=decode)
    await ours.flushall()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


def types_of(value: Any) -> Any:
    """The value with every leaf replaced by its type."""
    if isinstance(value, dict):
        return {key: types_of(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(types_of(item) for item in value)
    return type(value)


async def same_outcome(pair: tuple[Any, Any], method: str, *args: Any) -> Any:
    """Same value, or the same exception class, from both (for commands newer than Redis 7.0)."""
    outcomes = []
    for client in pair:
        try:
            outcomes.append(await getattr(client, method)(*args))
        except Exception as exc:  # the class is what is compared
            outcomes.append(type(exc).__name__)
    assert same_shape(*outcomes), (method, args, outcomes)
    return outcomes[0]


async def wait_for_background_save(client: Any) -> None:
    for _ in range(500):
        info = await client.info("persistence")
        if not info["rdb_bgsave_in_progress"] and not info["aof_rewrite_in_progress"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("background save still running after 5 s")


# -- clients ----------------------------------------------------------------------


async def test_client_kill_and_kill_filter_disconnect_the_named_clients(apair, admin_server):  # type: ignore[no-untyped-def]
    for killer in apair:
        victims = [leanredis.Redis(port=admin_server.port) for _ in range(2)]
        try:
            infos = [await victim.client_info() for victim in victims]
            assert await killer.client_kill_filter(_id=infos[0]["id"]) == 1
            assert await killer.client_kill(infos[1]["addr"]) is True
            assert await killer.client_kill_filter(_id=infos[0]["id"], skipme=True) == 0
        finally:
            for victim in victims:
                await victim.aclose()
    await raises_both(apair, "ResponseError", "client_kill", "10.255.255.1:1")
    for bad in ({}, {"_type": "nobody"}, {"_id": 1, "skipme": "yes"}):
        await raises_both(apair, "DataError", "client_kill_filter", **bad)
    assert await both(apair, "client_kill_filter", _type="pubsub", user="default") == 0


async def test_client_pause_and_unpause(apair):  # type: ignore[no-untyped-def]
    try:
        assert await both(apair, "client_pause", 1) is True
        assert await both(apair, "client_pause", 1, all=False) is True
        assert await both(apair, "client_unpause") in (b"OK", "OK")
    finally:
        await apair[0].client_unpause()
    await raises_both(apair, "DataError", "client_pause", "10")


async def test_client_reply_on_passes_off_and_skip_are_refused_with_the_reason(apair):  # type: ignore[no-untyped-def]
    ours = apair[0]
    assert await both(apair, "client_reply", "ON") in (b"OK", "OK")
    for mode in ("OFF", "SKIP"):
        with pytest.raises(DataError, match="one shared connection"):
            ours.client_reply(mode)  # type: ignore[arg-type]
    await raises_both(apair, "DataError", "client_reply", "off")
    assert await ours.ping() is True  # nothing was sent: the connection still answers in order


async def test_client_unblock_wakes_a_blocked_client(apair, admin_server):  # type: ignore[no-untyped-def]
    assert await both(apair, "client_unblock", 999999) is False
    for unblocker in apair:
        blocked = leanredis.Redis(port=admin_server.port)
        try:
            blocked_id = await blocked.client_id()
            waiter = asyncio.ensure_future(blocked.execute_command("BLPOP", "never", 0))
            for _ in range(200):
                if await unblocker.client_unblock(blocked_id) is True:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the client never blocked")
            assert await waiter is None
        finally:
            await blocked.aclose()


async def test_client_no_evict_no_touch_and_setinfo(apair):  # type: ignore[no-untyped-def]
    assert await both(apair, "client_no_evict", "ON") in (b"OK", "OK")
    assert await both(apair, "client_no_evict", "OFF") in (b"OK", "OK")
    await same_outcome(apair, "client_no_touch", "ON")  # Redis 7.2+: an error on 7.0, on both
    await same_outcome(apair, "client_no_touch", "OFF")
    await same_outcome(apair, "client_setinfo", "LIB-VER", "1.2.3")
    await raises_both(apair, "ResponseError", "client_no_evict", "maybe")


async def test_client_tracking_with_redirect_and_trackinginfo(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    assert await both(apair, "client_getredir") == -1
    info = await both(apair, "client_trackinginfo")
    assert info[::2] == ["flags", "redirect", "prefixes"] and info[3] == -1 and info[5] == []
    ids = [await ours.client_id(), await theirs.client_id()]
    try:
        for client, own_id in zip(apair, ids):
            assert await client.client_tracking_on(clientid=own_id, bcast=True, prefix=["a:", "b:"]) in (b"OK", "OK")
        mine, reference = await ours.client_trackinginfo(), await theirs.client_trackinginfo()
        assert types_of(mine) == types_of(reference)
        assert mine[::2] == ["flags", "redirect", "prefixes"] and mine[3] == ids[0]
        assert sorted(mine[5]) == sorted(reference[5])
        assert await ours.client_getredir() == ids[0]
    finally:
        for client in apair:
            await client.client_tracking_off()
    await raises_both(apair, "DataError", "client_tracking_on", prefix=["a:"])
    await raises_both(apair, "ResponseError", "client_tracking_on", clientid=999999)


async def test_select_reset_and_quit_are_refused_on_the_shared_connection(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="pass db= to Redis"):
        r.select(1)
    with pytest.raises(DataError, match="shared connection"):
        r.reset()
    with pytest.raises(DataError, match="aclose"):
        r.quit()
    assert await r.ping() is True


# -- persistence, replication, databases ------------------------------------------


async def test_save_bgsave_bgrewriteaof_and_lastsave(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    assert await both(apair, "save") is True
    for method, args in (("bgsave", ()), ("bgsave", (False,)), ("bgrewriteaof", ())):
        for client in apair:
            await wait_for_background_save(ours)
            assert await getattr(client, method)(*args) is True
    await wait_for_background_save(ours)
    saved = await both(apair, "lastsave")
    assert saved is not None


async def test_role_replicaof_and_slaveof_on_a_master(apair):  # type: ignore[no-untyped-def]
    assert (await both(apair, "role"))[0] in (b"master", "master")
    assert await both(apair, "replicaof", "NO", "ONE") in (b"OK", "OK")
    assert await both(apair, "slaveof") is True
    await raises_both(apair, "ResponseError", "replicaof", "NO")


async def test_swapdb_swaps_and_swaps_back(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    await ours.set("k", "v")
    assert await ours.swapdb(0, 1) is True
    assert await ours.dbsize() == 0
    assert await theirs.swapdb(0, 1) is True  # back as it was
    assert await ours.get("k") in (b"v", "v")
    await raises_both(apair, "ResponseError", "swapdb", 0, 100000)


async def test_config_resetstat_and_config_rewrite_without_a_file(apair):  # type: ignore[no-untyped-def]
    assert await both(apair, "config_resetstat") is True
    await raises_both(apair, "ResponseError", "config_rewrite")


async def test_shutdown_checks_its_arguments_and_stops_a_server(apair, fresh_server):  # type: ignore[no-untyped-def]
    await raises_both(apair, "DataError", "shutdown", save=True, nosave=True)
    await raises_both(apair, "ResponseError", "shutdown", abort=True)  # no shutdown in progress
    own = leanredis.Redis(port=fresh_server.port)
    try:
        assert await own.shutdown(nosave=True) is None
    finally:
        await own.aclose()
    for _ in range(500):
        if not fresh_server.running:
            break
        await asyncio.sleep(0.01)
    assert not fresh_server.running


# -- introspection ------------------------------------------------------------------


async def test_slowlog_get_len_and_reset(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    await ours.config_set("slowlog-log-slower-than", 0)
    try:
        assert await both(apair, "slowlog_reset") is True
        await ours.set("k", "v" * 10)
        await ours.client_setname("slow-one")
        await ours.get("k")
        # each call adds itself to the log: compare shapes, and the entries both see
        mine, reference = await ours.slowlog_get(), await theirs.slowlog_get()
        assert types_of(mine[0]) == types_of(reference[1])
        assert mine == reference[1:]
        assert type(mine[0]["command"]) is bytes  # bytes even with decode_responses, as redis-py
        assert mine[0]["command"] == b"GET k" and mine[0]["client_name"] == b"slow-one"
        assert len(await ours.slowlog_get(2)) == 2
        length = await ours.slowlog_len()
        assert type(length) is int and length >= 5
    finally:
        await ours.config_set("slowlog-log-slower-than", 10000)
    assert await both(apair, "slowlog_reset") is True


def test_slowlog_parser_gives_redis_py_bytes_from_a_decoded_reply() -> None:
    raw = [
        [3, 1700000000, 12, [b"SET", b"k\xc3\xa9", b"v"], b"127.0.0.1:5000", b"name"],
        [2, 1700000000, 5, [b"PING"], b"127.0.0.1:5000", b""],
        [1, 1700000000, 5, [b"PING"]],
        [0, 1700000000, 7, 99, [b"KEYS", b"*"], b"1.2.3.4:5", b"n"],
    ]
    decoded = [[v.decode() if isinstance(v, bytes) else [a.decode() for a in v] if isinstance(v, list) else v
                for v in item] for item in raw]
    expected = parse_slowlog_get(raw)
    assert slowlog_reply(raw) == expected
    assert slowlog_reply(decoded, encoding="utf-8") == expected


async def test_latency_latest_history_and_reset(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    await ours.config_set("latency-monitor-threshold", 1)
    try:
        await ours.execute_command("DEBUG", "SLEEP", "0.01")
        latest = await both(apair, "latency_latest")
        assert latest[0][0] in (b"command", "command") and set(types_of(latest[0])[1:]) == {int}
        history = await both(apair, "latency_history", "command")
        assert types_of(history[0]) == [int, int]
        assert await both(apair, "latency_history", "no-such-event") == []
        assert await ours.latency_reset("command") == 1
        assert await both(apair, "latency_reset") == 0
    finally:
        await ours.config_set("latency-monitor-threshold", 0)


async def test_methods_redis_py_refuses_raise_not_implemented_the_same_way(apair):  # type: ignore[no-untyped-def]
    for method, args in (
        ("latency_histogram", ("set",)),
        ("latency_doctor", ()),
        ("latency_graph", ()),
        ("memory_doctor", ()),
        ("memory_help", ()),
        ("command_info", ()),
        ("command_docs", ("get",)),
        ("debug_segfault", ()),
    ):
        await raises_both(apair, "NotImplementedError", method, *args)


async def test_memory_stats_purge_and_malloc_stats(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    await ours.set("k", "v")
    mine, reference = await ours.memory_stats(), await theirs.memory_stats()
    assert mine.keys() == reference.keys() and "db.0" in mine
    assert types_of(mine) == types_of(reference), {k: (types_of(mine[k]), types_of(reference[k])) for k in mine}
    assert type(mine["dataset.percentage"]) is float and type(mine["keys.count"]) is int
    assert await both(apair, "memory_purge") is True
    mine_text, reference_text = await ours.memory_malloc_stats(), await theirs.memory_malloc_stats()
    assert type(mine_text) is type(reference_text) and len(mine_text) > 10


async def test_command_introspection(apair):  # type: ignore[no-untyped-def]
    commands = await both(apair, "command")
    assert commands["get"]["arity"] == 2 and "readonly" in commands["get"]["flags"]
    assert commands["client"]["subcommands"]  # nested entries converted as RESP3 sends them
    assert await both(apair, "command_count") == len(commands)
    assert await both(apair, "command_list", pattern="xa*")
    assert await both(apair, "command_list", category="hyperloglog")
    assert await both(apair, "command_list", module="nosuchmodule") == []
    assert await both(apair, "command_getkeys", "mset", "a", "1", "b", "2") == ["a", "b"]
    assert len(await both(apair, "command_getkeysandflags", "lmove", "a", "b", "left", "right")) == 2
    await raises_both(apair, "ResponseError", "command_getkeys", "get")


async def test_module_list_load_and_unload_errors(apair):  # type: ignore[no-untyped-def]
    modules = await both(apair, "module_list")  # Valkey lists its built-in "lua" engine
    assert all(type(module) is dict for module in modules)
    await raises_both(apair, "ModuleError", "module_load", "/nonexistent/module.so")
    await raises_both(apair, "ModuleError", "module_unload", "nosuchmodule")
    await raises_both(apair, "ResponseError", "module_loadex", "/nonexistent/module.so", options=["a", "1"])


async def test_debug_object(apair):  # type: ignore[no-untyped-def]
    ours, theirs = apair
    await ours.set("k", "v")
    await ours.rpush("list", *range(10))
    for key in ("k", "list"):
        mine, reference = await ours.debug_object(key), await theirs.debug_object(key)
        assert types_of(mine) == types_of(reference)
        for volatile in ("lru", "lru_seconds_idle"):  # idle time moves between the calls
            mine.pop(volatile, None), reference.pop(volatile, None)
        assert mine == reference and mine["type"] == "Value"
    await raises_both(apair, "ResponseError", "debug_object", "missing")


async def test_function_stats_with_and_without_a_library(apair):  # type: ignore[no-untyped-def]
    ours = apair[0]
    stats = await both(apair, "function_stats")
    assert len(stats) == 2
    await ours.function_load("#!lua name=statslib\nredis.register_function('f', function() return 1 end)")
    try:
        stats = await both(apair, "function_stats")
        engines = stats[b"engines" if b"engines" in stats else "engines"]
        lua = engines[b"LUA" if b"LUA" in engines else "LUA"]
        assert 1 in lua.values()
    finally:
        await ours.function_flush()


async def test_execute_command_applies_the_admin_parsers(apair):  # type: ignore[no-untyped-def]
    ours = apair[0]
    assert await ours.execute_command("COMMAND", "COUNT") == await ours.command_count()
    assert "get" in await ours.execute_command("COMMAND")
    assert await ours.execute_command("SLOWLOG", "RESET") is True
    assert type(await ours.execute_command("MEMORY", "STATS")) is dict
    assert await ours.execute_command("CLIENT", "UNBLOCK", 999999) is False
    assert type(await ours.execute_command("FUNCTION", "STATS")) is dict
