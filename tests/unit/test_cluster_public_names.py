"""``leanredis.RedisCluster`` has every public name of ``redis.asyncio.cluster.RedisCluster`` (8.1) that a
Redis 7 or Valkey 9 cluster can serve. A name it lacks fails here unless it is listed below, with the reason.

redis-py's ``RedisCluster`` has ``__slots__``, so its instance attributes (``nodes_manager``, ``retry``...) are
names of the class; ours are compared on an instance (made without connecting).
"""

from __future__ import annotations

import redis.asyncio.cluster
from test_public_names import EXCLUDED as REDIS_EXCLUDED  # tests/unit is on sys.path (no package)

import leanredis

# name -> why leanredis.RedisCluster does not have it
EXCLUDED: dict[str, str] = {
    # what leanredis.Redis leaves out, for the same reasons (server versions, stubs, redis-py internals)
    **{name: reason for name, reason in REDIS_EXCLUDED.items() if name != "parse_response"},
    # redis-py's routing and reply tables: leanredis's command table (leanredis.commands.table) holds both
    "COMMAND_FLAGS": "redis-py's routing table; ours is the command table's route per command",
    "command_flags": "redis-py's routing table (per instance); ours is the command table's route per command",
    "commands_parser": "redis-py asks the server for a command's keys; ours come from the command table",
    "CLUSTER_COMMANDS_RESPONSE_CALLBACKS": "redis-py's reply parsers; ours are each method's own",
    "RESULT_CALLBACKS": "redis-py's combiners of multi-node replies; ours are leanredis.cluster.targets'",
    "result_callbacks": "redis-py's combiners of multi-node replies; ours are leanredis.cluster.targets'",
    "SEARCH_COMMANDS": "redis-py's list of FT.* names; the command table has their rows",
    "connection_kwargs": "redis-py's pool internals; the client's options are ``client.options``",
    "get_connection_kwargs": "redis-py's pool internals; the client's options are ``client.options``",
    "on_connect": "redis-py's per-connection hook (READONLY); our node connections send it in their handshake",
    "reinitialize_steps": "redis-py refreshes the topology every N MOVED; ours refreshes on a MOVED, rate-limited",
    "reinitialize_counter": "redis-py refreshes the topology every N MOVED; ours refreshes on a MOVED, rate-limited",
    "maint_notifications_config": "Redis 8 maintenance notifications: neither Redis 7 nor Valkey 9 sends them",
    "response_callbacks": "per-command reply callbacks are leanredis.Redis's only: a cluster's fan-out and "
    "targeted commands do not go through one send path they could hook",
    "set_response_callback": "per-command reply callbacks are leanredis.Redis's only (see response_callbacks)",
    "get_special_nodes": "redis-py's record of the nodes of the last FT.AGGREGATE, for FT.CURSOR: our cluster "
    "client keeps no such record",
}


def _redis_py() -> set[str]:
    return {name for name in dir(redis.asyncio.cluster.RedisCluster) if not name.startswith("_")}


def _ours() -> set[str]:
    client = leanredis.RedisCluster(host="127.0.0.1", port=1)  # no connection until the first command
    return {name for name in dir(client) if not name.startswith("_")}


def test_redis_cluster_has_every_public_name_of_redis_asyncio_but_the_listed_ones() -> None:
    missing = _redis_py() - _ours() - EXCLUDED.keys()
    assert not missing, f"leanredis.RedisCluster lacks {sorted(missing)}"


def test_every_excluded_name_is_still_a_redis_asyncio_cluster_name_leanredis_lacks() -> None:
    theirs = _redis_py()
    ours = _ours()
    stale = sorted(name for name in EXCLUDED if name not in theirs or name in ours)
    assert not stale, f"listed but no longer missing (or gone from redis-py): {stale}"


def test_the_comparison_sees_redis_asyncios_cluster_names() -> None:
    assert len(_redis_py()) > 400
    assert {"get", "cluster_nodes", "nodes_manager", "retry", "set_retry"} <= _redis_py()
    assert {"get", "pipeline", "nodes_manager", "retry", "cluster_nodes"} <= _ours()
