"""The reply types of streams, geo, scripts, server introspection, LCS/SORT/OBJECT and the *MPOP commands.

Checked by tests/unit/test_typing.py like cases_common.py, and run against a server by
tests/integration/test_reply_types.py (``assert_type`` there checks the value against the type,
over RESP2 and RESP3): the types are the replies' as the parsers build them.
"""

from __future__ import annotations

import datetime

from typing_extensions import assert_type

from leanredis import Redis, RedisCluster
from leanredis.cluster import ClusterNode
from leanredis.cluster.node_admin import SlotsMap
from leanredis.commands.introspection import SlowLogEntry  # TypedDicts (dicts at run time: checked as dicts)
from leanredis.commands.stream_replies import PendingEntry, PendingSummary
from leanredis.typed import InfoValue, RespValue

LIBRARY = (
    "#!lua name=typing_families\n"
    "redis.register_function{function_name='typing_families_f', flags={'no-writes'},"
    " callback=function(keys, args) return {1, 'a', {2.5}} end}"
)
# a table (list) holding an integer, a string and a nested table; Lua's 2.5 reaches the client as the integer 2
NESTED = "return {1, 'a', {2.5, redis.status_reply('fine')}}"


async def streams_bytes(r: Redis[bytes]) -> None:
    first = await r.xadd("stream", {"f": "v"})
    await r.xadd("stream", {"g": "w"})
    assert_type(await r.xread({"stream": "0"}), list[list[bytes | list[tuple[bytes, dict[bytes, bytes]]]]])
    assert_type(await r.xread({"stream": "$"}), list[list[bytes | list[tuple[bytes, dict[bytes, bytes]]]]])
    await r.xgroup_create("stream", "group", id="0")
    read = await r.xreadgroup("group", "consumer", {"stream": ">"}, count=1)
    assert_type(read, list[list[bytes | list[tuple[bytes, dict[bytes, bytes]]]]])
    assert_type(await r.xpending("stream", "group"), PendingSummary[bytes])
    assert_type(await r.xpending_range("stream", "group", "-", "+", 10), list[PendingEntry[bytes]])
    claimed = await r.xautoclaim("stream", "group", "other", 0)
    assert_type(claimed, list[bytes | list[tuple[bytes, dict[bytes, bytes]]] | list[bytes]])
    assert_type(await r.xautoclaim("stream", "group", "other", 0, justid=True), list[bytes])
    taken = await r.xclaim("stream", "group", "consumer", 0, [first])
    assert_type(taken, list[tuple[bytes, dict[bytes, bytes]] | tuple[None, None]])
    assert_type(await r.xinfo_stream("stream"), dict[str, int | bytes | tuple[bytes, dict[bytes, bytes]] | None])
    assert_type(await r.xinfo_stream("stream", full=True), dict[str, RespValue[bytes | str]])
    assert_type(await r.xinfo_groups("stream"), list[dict[str, bytes | int | None]])
    assert_type(await r.xinfo_consumers("stream", "group"), list[dict[str, bytes | int]])


async def streams_str(r: Redis[str]) -> None:
    await r.xadd("stream", {"f": "v"})
    assert_type(await r.xread({"stream": "0"}, count=1), list[list[str | list[tuple[str, dict[str, str]]]]])
    await r.xgroup_create("stream", "group", id="0")
    await r.xreadgroup("group", "consumer", {"stream": ">"})
    assert_type(await r.xpending("stream", "group"), PendingSummary[str])
    assert_type(await r.xpending_range("stream", "group", "-", "+", 10), list[PendingEntry[str]])
    assert_type(await r.xinfo_stream("stream"), dict[str, int | str | tuple[str, dict[str, str]] | None])
    assert_type(await r.xinfo_stream("stream", full=True), dict[str, RespValue[str]])
    assert_type(await r.xinfo_groups("stream"), list[dict[str, str | int | None]])


async def geo_bytes(r: Redis[bytes]) -> None:
    await r.geoadd("geo", (13.361389, 38.115556, "palermo", 15.087269, 37.502669, "catania"))
    assert_type(await r.geosearch("geo", member="palermo", radius=200, unit="km"), list[bytes])
    places = await r.geosearch("geo", member="palermo", radius=200, unit="km", withdist=True)
    assert_type(places, list[list[bytes | float | int | tuple[float, float]]])
    assert places and len(places[0]) == 2
    places = await r.geosearch("geo", longitude=15, latitude=37, radius=200, unit="km", withcoord=True, withhash=True)
    assert_type(places, list[list[bytes | float | int | tuple[float, float]]])
    assert places and len(places[0]) == 3
    assert_type(await r.georadius("geo", 15, 37, 200, unit="km"), list[bytes])
    assert_type(await r.georadius("geo", 15, 37, 200, unit="km", store="geo:stored"), int)
    assert_type(await r.georadiusbymember("geo", "palermo", 200, unit="km"), list[bytes])


async def scripts_bytes(r: Redis[bytes]) -> None:
    assert_type(await r.eval(NESTED, 0), RespValue[bytes])
    assert_type(await r.eval("return redis.call('GET', KEYS[1])", 1, "k"), RespValue[bytes])
    assert_type(await r.eval("return false", 0), RespValue[bytes])
    await r.function_load(LIBRARY, replace=True)
    assert_type(await r.fcall("typing_families_f", 0), RespValue[bytes])
    assert_type(await r.fcall_ro("typing_families_f", 0), RespValue[bytes])
    assert_type(await r.function_list(library="typing_families"), list[list[RespValue[bytes]]])
    assert_type(await r.function_list(library="typing_families", withcode=True), list[list[RespValue[bytes]]])
    assert_type(await r.function_stats(), dict[bytes, RespValue[bytes]])


async def scripts_str(r: Redis[str]) -> None:
    assert_type(await r.eval(NESTED, 0), RespValue[str])
    await r.function_load(LIBRARY, replace=True)
    assert_type(await r.fcall("typing_families_f", 0), RespValue[str])
    assert_type(await r.function_list(library="typing_families"), list[list[RespValue[str]]])
    assert_type(await r.function_stats(), dict[str, RespValue[str]])


async def server_bytes(r: Redis[bytes]) -> None:
    assert_type(await r.info(), dict[str, InfoValue])
    assert_type(await r.info("commandstats"), dict[str, InfoValue])
    assert_type(await r.client_info(), dict[str, str | int])
    assert_type(await r.client_list(), list[dict[str, str]])
    assert_type(await r.config_get("maxmemory*"), dict[str, str | None])
    assert_type(await r.time(), tuple[int, int])
    assert_type(await r.lastsave(), datetime.datetime | None)
    assert_type(await r.memory_stats(), dict[str, int | float | bytes | dict[str, int | float | bytes]])
    assert_type(await r.memory_malloc_stats(), bytes)
    assert_type(await r.command_list(pattern="xr*"), list[bytes])
    assert_type(await r.command_getkeysandflags("set", "a", "b"), list[list[bytes | list[bytes]]])
    assert_type(await r.latency_latest(), list[list[bytes | int]])
    assert_type(await r.module_list(), list[dict[bytes, RespValue[bytes]]])
    assert_type(await r.role(), list[RespValue[bytes]])
    assert_type(await r.client_trackinginfo(), list[str | int | list[bytes]])
    user = await r.acl_getuser("default")
    assert_type(user, dict[str, bool | list[str] | list[list[str]] | RespValue[bytes]] | None)
    assert_type(await r.acl_dryrun("default", "get", "k"), bytes)
    assert_type(await r.acl_log(), list[dict[str, str | int | float | dict[str, str | int]]])
    await r.config_set("slowlog-log-slower-than", 0)
    try:
        await r.get("k")
        assert_type(await r.slowlog_get(2), list[SlowLogEntry])
    finally:
        await r.config_set("slowlog-log-slower-than", 10000)


async def server_str(r: Redis[str]) -> None:
    assert_type(await r.info("server"), dict[str, InfoValue])
    assert_type(await r.memory_malloc_stats(), str)
    assert_type(await r.command_list(pattern="xr*"), list[str])
    assert_type(await r.command_getkeysandflags("set", "a", "b"), list[list[str | list[str]]])
    assert_type(await r.role(), list[RespValue[str]])
    assert_type(await r.module_list(), list[dict[str, RespValue[str]]])


async def keys_and_pops_bytes(r: Redis[bytes]) -> None:
    await r.mset({"lcs:a": "ohmytext", "lcs:b": "mynewtext", "w_1": "3", "w_2": "1"})
    assert_type(await r.lcs("lcs:a", "lcs:b"), bytes)
    assert_type(await r.lcs("lcs:a", "lcs:b", len=True), int)
    assert_type(await r.lcs("lcs:a", "lcs:b", idx=True, withmatchlen=True), list[RespValue[bytes]])
    await r.rpush("sortme", "1", "2")
    assert_type(await r.sort("sortme"), list[bytes | None])
    groups = await r.sort("sortme", by="w_*", get=["#", "w_*", "nothing_*"], groups=True)
    assert_type(groups, list[tuple[bytes | None, ...]])
    assert_type(await r.sort("sortme", store="sorted"), int)
    assert_type(await r.sort_ro("sortme", get="w_*"), list[bytes | None])
    assert_type(await r.object("encoding", "sortme"), bytes | None)
    assert_type(await r.object("refcount", "sortme"), int | None)
    assert_type(await r.lmpop(2, "nolist", "l", direction="LEFT", count=2), list[bytes | list[bytes]] | None)
    assert_type(await r.lmpop(1, "nolist", direction="LEFT"), list[bytes | list[bytes]] | None)
    assert_type(await r.blmpop(1, 1, "l", direction="RIGHT"), list[bytes | list[bytes]] | None)
    assert_type(await r.zmpop(2, ["nozset", "z"], min=True, count=2), list[bytes | list[list[bytes]]] | None)
    assert_type(await r.bzmpop(1, 1, ["z"], max=True), list[bytes | list[list[bytes]]] | None)


async def keys_and_pops_str(r: Redis[str]) -> None:
    await r.mset({"lcs:a": "ohmytext", "lcs:b": "mynewtext"})
    assert_type(await r.lcs("lcs:a", "lcs:b"), str)
    assert_type(await r.lcs("lcs:a", "lcs:b", idx=True), list[RespValue[str]])
    assert_type(await r.lmpop(1, "l", direction="LEFT", count=2), list[str | list[str]] | None)
    assert_type(await r.zmpop(1, ["z"], min=True), list[str | list[list[str | bytes]]] | None)


async def cluster_commands(rc: RedisCluster[str], node: ClusterNode) -> None:
    """Checked only (the run-time check uses one server, not a cluster)."""
    assert_type(await rc.cluster_info(), dict[str, str])
    assert_type(await rc.cluster_keyslot("k"), int)
    assert_type(await rc.cluster_countkeysinslot(7), int)
    assert_type(await rc.cluster_get_keys_in_slot(7, 10), list[str])
    assert_type(await rc.cluster_myshardid(), str)
    assert_type(await rc.cluster_myid(node), str)
    assert_type(await rc.cluster_myid(RedisCluster.PRIMARIES), str | dict[str, str])
    nodes = await rc.cluster_nodes()
    assert_type(nodes, dict[str, dict[str, str | bool | list[list[str]] | list[dict[str, str]]]])
    slots = await rc.cluster_slots()
    assert_type(slots, dict[tuple[int, int], dict[str, tuple[str, int] | list[tuple[str, int]]]])
    everywhere = await rc.cluster_slots(target_nodes=RedisCluster.ALL_NODES)
    assert_type(everywhere, SlotsMap | dict[str, SlotsMap])
    assert_type(await rc.cluster_shards(), list[dict[str, RespValue[str]]])
    assert_type(await rc.cluster_links(node), list[list[RespValue[str]]])
    assert_type(await rc.cluster_addslots(node, 1, 2), bool)
    assert_type(await rc.cluster_meet("127.0.0.1", 7006), bool)
    assert_type(await rc.cluster_meet("127.0.0.1", 7006, target_nodes=RedisCluster.ALL_NODES), bool | dict[str, bool])
    assert_type(await rc.cluster_reset(target_nodes=node), bool | dict[str, bool])
    assert_type(await rc.cluster_count_failure_report("id"), int)
    assert_type(await rc.get_nodes_from_slot("GET", "k"), list[ClusterNode])
    assert_type(await rc.mget_nonatomic(["a", "b"]), list[str | None])
    async for key in rc.scan_iter():
        assert_type(key, str)


async def cluster_targeted(rc: RedisCluster[bytes], node: ClusterNode) -> None:
    """Checked only: a command sent to the nodes target_nodes= names."""
    assert_type(await rc.info(), dict[str, InfoValue])
    assert_type(await rc.info(target_nodes=node), dict[str, InfoValue])
    info = await rc.info(target_nodes=RedisCluster.PRIMARIES)
    assert_type(info, dict[str, InfoValue] | dict[str, dict[str, InfoValue]])
    config = await rc.config_get("maxmemory", target_nodes=[node])
    assert_type(config, dict[str, str | None] | dict[str, dict[str, str | None]])
    clients = await rc.client_list(target_nodes=RedisCluster.ALL_NODES)
    assert_type(clients, list[dict[str, str]] | dict[str, list[dict[str, str]]])
    assert_type(await rc.echo("hi", target_nodes=RedisCluster.RANDOM), bytes | dict[str, bytes])
    # the replies redis-py combines: of the combined type, whatever the nodes
    assert_type(await rc.ping(target_nodes=RedisCluster.ALL_NODES), bool)
    assert_type(await rc.dbsize(target_nodes=RedisCluster.PRIMARIES), int)
    assert_type(await rc.keys(target_nodes=RedisCluster.PRIMARIES), list[bytes])
    assert_type(await rc.config_rewrite(target_nodes=node), bool)
    assert_type(await rc.config_rewrite(), bytes)
    assert_type(await rc.scan(0, target_nodes=RedisCluster.PRIMARIES), tuple[dict[str, int], list[bytes]])
    assert_type(await rc.scan(0), tuple[int, list[bytes]])
