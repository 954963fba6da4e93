"""The reply kind of every command a method of ``Redis`` sends: what scripts/typing_cases.py expects.

Declared here, apart from the methods' annotations, so that the generated cases check the one against
the other. A kind is a type with ``S`` for the client's string type (bytes, or str under
decode_responses=True), as the command's reply reaches the caller through its parser.
"""

from __future__ import annotations

# Arguments (source text) for a required parameter, by its name.
ARGS: dict[str, str] = {
    "name": '"k"', "key": '"k"', "key1": '"a"', "key2": '"b"', "keys": '["k1", "k2"]', "value": '"v"',
    "values": '["a", "b"]', "src": '"a"', "dst": '"b"', "source": '"a"', "destination": '"b"', "dest": '"d"',
    "first_list": '"a"', "second_list": '"b"', "mapping": '{"a": "1"}', "fields": '{"f": "v"}',
    "members": '["m"]', "member": '"m"', "amount": "1", "count": "2", "start": "0", "end": "-1", "num": "1",
    "time": "10", "time_ms": "100", "seconds": "10", "milliseconds": "100", "when": "1_700_000_000",
    "unix_time_seconds": "1_700_000_000", "unix_time_milliseconds": "1_700_000_000_000", "ttl": "0",
    "timeout": "0", "numkeys": "0", "num_keys": "1", "index": "0", "offset": "0", "bit": "1", "min": "0",
    "max": "10", "longitude": "1.0", "latitude": "1.0", "radius": "1.0", "place1": '"a"', "place2": '"b"',
    "streams": '{"s": "0"}', "groupname": '"g"', "consumername": '"c"', "min_idle_time": "0",
    "message_ids": '["0-1"]', "id": '"0-1"', "channel": '"c"', "shard_channel": '"c"', "message": '"m"',
    "where": '"BEFORE"', "refvalue": '"p"', "direction": '"LEFT"', "reply": '"ON"', "client_id": "1",
    "address": '"127.0.0.1:1"', "attr": '"lib-name"', "mode": '"on"', "infotype": '"encoding"', "db": "1",
    "destination_db": "1", "host": '"127.0.0.1"', "port": "1", "first": "0", "second": "1",
    "num_local": "0", "num_replicas": "0", "operation": '"AND"', "encoding": '"u8"', "script": '"return 1"',
    "sha": '"0" * 40', "function": '"f"', "code": '"#!lua name=l"', "library": '"l"', "payload": 'b"x"',
    "path": '"/m.so"', "event": '"command"', "username": '"u"', "password": '"p"', "service_name": '"m"',
    "new_master_name": '"m"', "pattern": '"*"', "ip": '"127.0.0.1"', "quorum": "1", "option": '"quorum"',
    "replicationid": '"?"',
}  # fmt: skip

# Arguments of a method whose required parameters need more than ARGS gives.
CALLS: dict[str, str] = {
    "blmpop": '0, 1, "k", direction="LEFT"', "lmpop": '1, "k", direction="LEFT"',
    "bzmpop": '0, 1, ["k"], min=True', "zmpop": '1, ["k"], min=True',
    "client_kill_filter": "_id=1", "delete": '"k"', "exists": '"k"', "touch": '"k"', "unlink": '"k"',
    "geoadd": '"k", (1.0, 2.0, "m")', "geosearchstore": '"d", "k", member="m", radius=1',
    "hdel": '"h", "f"', "hset": '"h", "f", "v"', "hsetex": '"h", "f", "v"', "hgetdel": '"h", "f"',
    "hgetex": '"h", "f"', "lpush": '"l", 1', "rpush": '"l", 1', "lpushx": '"l", 1', "rpushx": '"l", 1',
    "script_exists": '"0" * 40', "xack": '"s", "g", "0-1"', "xdel": '"s", "0-1"', "xadd": '"s", {"f": "v"}',
    "xtrim": '"s", maxlen=1', "client_unblock": "1", "cluster": '"info"', "execute_command": '"GET", "k"',
    "sentinel_set": '"m", "quorum", 2', "smismember": '"s", ["a", "b"]', "bitfield_ro": '"k", "u8", 0',
    "zadd": '"z", {"a": 1.0}', "zmscore": '"z", ["a"]', "hmget": '"h", ["f"]', "mget": '["a", "b"]',
    "hmset": '"h", {"f": "v"}', "migrate": '"127.0.0.1", 1, ["k"], 0, 10', "setbit": '"k", 7, 1',
}  # fmt: skip

# Methods that send no command of their own through the client's connection, and those whose call
# cannot be a case (they raise, or stop the server, or give an iterator): their annotations are still
# checked for Any by tests/unit/test_typing.py.
NOT_COMMANDS: dict[str, str] = {
    **dict.fromkeys(
        "aclose close initialize client pipeline pubsub monitor lock get_encoder set_response_callback "
        "with_timeout cache_stats cache_clear stats register_script keyspace_notifications transaction "
        "load_external_module get_retry set_retry get_connection_kwargs".split(), "not a command"),
    **dict.fromkeys("scan_iter sscan_iter hscan_iter zscan_iter".split(), "an async iterator (cases_common.py)"),
    **dict.fromkeys(
        "select reset quit sync psync script_debug command_docs command_info latency_doctor latency_graph "
        "latency_histogram debug_segfault memory_doctor memory_help hello failover".split(),
        "refused on a multiplexed connection, or not implemented as in redis-py: raises"),
    **dict.fromkeys("watch unwatch sentinel".split(), "warns only, as redis-py's"),
    **dict.fromkeys("ft json bf cf cms topk tdigest ts".split(), "a module namespace (its own cases)"),
    "shutdown": "stops the server: no reply",
    "bitfield": "a builder (BitFieldOperation): its execute() sends BITFIELD (cases_common.py)",
}  # fmt: skip

# What the kinds' types name beyond builtins (imported by the generated file for type checkers only).
IMPORTS = [
    "import datetime",
    "from typing import Any",
    "",
    "from leanredis.commands.introspection import SlowLogEntry",
    "from leanredis.commands.stream_replies import PendingEntry, PendingSummary",
    "from leanredis.typed import InfoValue, RespValue",
]

# The kinds of reply, as the caller gets them (after the command's parser): S is the client's string type.
KINDS: dict[str, str] = {
    # scalars
    "ok": "bool",  # +OK, read as True
    "int": "int",
    "bool": "bool",  # :0/:1 read as a bool
    "ok-or-int": "bool | int",  # CLIENT KILL: OK (addr form) or a count (filter form), as redis-py's
    "int-or-nil": "int | None",
    "float": "float",
    "float-or-nil": "float | None",
    "bulk": "S",  # a bulk or status string, kept as sent (decoded under decode_responses)
    "bulk-or-nil": "S | None",
    "raw": "bytes",  # bytes whatever decode_responses says (a payload for RESTORE)
    "raw-or-nil": "bytes | None",
    "text": "str",  # str whatever decode_responses says (as redis-py decodes it)
    "text-or-nil": "str | None",
    "set-or-get": "bool | None",  # SET: True, or None when NX/XX refused
    "time": "tuple[int, int]",
    "datetime-or-nil": "datetime.datetime | None",
    "any": "Any",
    # arrays, sets, maps
    "array[bulk]": "list[S]",
    "array[bulk]-or-nil": "list[S] | None",
    "array[bulk-or-nil]": "list[S | None]",
    "array[text]": "list[str]",
    "array[text-or-nil]": "list[str | None]",
    "array[int]": "list[int]",
    "array[int-or-bulk]": "list[int | S]",  # INCREX: integers, or bulk strings after BYFLOAT
    "array[bool]": "list[bool]",
    "array[float-or-nil]": "list[float | None]",
    "array[array[int]]": "list[list[int]]",
    "set[bulk]": "set[S]",
    "map[bulk,bulk]": "dict[S, S]",
    "pair-or-nil": "tuple[S, S] | None",  # BLPOP: (key, element)
    "scored-triple-or-nil": "tuple[S, S, float] | None",  # BZPOPMIN: (key, member, score)
    "scored": "list[tuple[S, float]]",  # (member, score) pairs
    "scored[int]": "list[tuple[S, int]]",  # with score_cast_func=int
    "flat-scored": "list[S | bytes]",  # redis-py's flat [member, score bytes, ...]
    "numsub": "list[tuple[S, int]]",
    "scan": "tuple[int, list[S]]",
    "scan[map]": "tuple[int, dict[S, S]]",
    "scan[scored]": "tuple[int, list[tuple[S, float]]]",
    # [key, [...]]: redis-py's two-item list, typed by the union of its items
    "mpop": "list[S | list[S]] | None",
    "zmpop": "list[S | list[list[S | bytes]]] | None",
    "resp": "RespValue[S]",
    "array[resp]": "list[RespValue[S]]",
    # parsed text and introspection
    "info": "dict[str, InfoValue]",
    "client-info": "dict[str, str | int]",
    "client-list": "list[dict[str, str]]",
    "config": "dict[str, str | None]",
    "trackinginfo": "list[str | int | list[S]]",
    # the fields it parses; one it does not (Valkey's "databases") as sent
    "acl-user": "dict[str, bool | list[str] | list[list[str]] | RespValue[S]] | None",
    "acl-log": "list[dict[str, str | int | float | dict[str, str | int]]]",
    "slowlog": "list[SlowLogEntry]",
    "memory-stats": "dict[str, int | float | S | dict[str, int | float | S]]",
    "commands": "dict[str, dict[str, RespValue[S | str]]]",
    "keys-and-flags": "list[list[S | list[S]]]",
    "latency-latest": "list[list[S | int]]",
    "module-list": "list[dict[S, RespValue[S]]]",
    "function-list": "list[list[RespValue[S]]]",
    "function-stats": "dict[S, RespValue[S]]",
    "debug-object": "dict[str, str | int]",
    "sentinel-state": "dict[str, str | int | bool]",
    "sentinel-states": "list[dict[str, str | int | bool]]",
    "sentinel-masters": "dict[str, dict[str, str | int | bool]]",
    "master-address": "tuple[S, int] | None",
    # geo
    "geopos": "list[tuple[float, float] | None]",
    "geo-members": "list[S]",
    "geo-places": "list[list[S | float | int | tuple[float, float]]]",
    "geo-any": "list[S] | list[list[S | float | int | tuple[float, float]]]",
    # streams: an entry is (id, {field: value})
    "entries": "list[tuple[S, dict[S, S]]]",
    "claimed": "list[tuple[S, dict[S, S]] | tuple[None, None]]",
    "xread": "list[list[S | list[tuple[S, dict[S, S]]]]]",
    "xreadgroup-claim": "list[list[S | list[tuple[S | dict[S, S] | int, ...]]]]",
    "xautoclaim": "list[S | list[tuple[S, dict[S, S]]] | list[S]]",
    "xpending": "PendingSummary[S]",
    "xpending-range": "list[PendingEntry[S]]",
    "xinfo-stream": "dict[str, int | S | tuple[S, dict[S, S]] | None]",
    "xinfo-stream-full": "dict[str, RespValue[S | str]]",
    "xinfo-groups": "list[dict[str, S | int | None]]",
    "xinfo-consumers": "list[dict[str, S | int]]",
    # forms of one command
    "lcs-idx": "list[RespValue[S]]",
    "sort-groups": "list[tuple[S | None, ...]]",
    "object-any": "S | int | None",
}

# The reply kind of each command of the command table a method sends (a method's first command).
COMMANDS: dict[str, str] = {
    **dict.fromkeys(
        "ACL LOAD|ACL SAVE|ACL SETUSER|AUTH|BGREWRITEAOF|BGSAVE|CLIENT PAUSE|CLIENT SETINFO|CLIENT SETNAME|"
        "CONFIG RESETSTAT|CONFIG SET|FLUSHALL|FLUSHDB|FUNCTION DELETE|FUNCTION FLUSH|FUNCTION RESTORE|HMSET|"
        "LSET|LTRIM|MEMORY PURGE|MODULE LOAD|MODULE UNLOAD|MSET|PFMERGE|PING|PSETEX|READONLY|READWRITE|RENAME|"
        "SAVE|SCRIPT FLUSH|SCRIPT KILL|SENTINEL CKQUORUM|SENTINEL FAILOVER|SENTINEL FLUSHCONFIG|"
        "SENTINEL MONITOR|SENTINEL REMOVE|SENTINEL RESET|SENTINEL SET|SETEX|SLAVEOF|SLOWLOG RESET|SWAPDB|"
        "XGROUP CREATE|XGROUP SETID".split("|"), "ok"),
    **dict.fromkeys(
        "CLIENT UNBLOCK|COPY|EXPIRE|EXPIREAT|HEXISTS|MOVE|MSETNX|PERSIST|PEXPIRE|PEXPIREAT|RENAMENX|SETNX|SMOVE|"
        "XGROUP DESTROY".split("|"), "bool"),
    **dict.fromkeys(
        "ACL DELUSER|APPEND|BITCOUNT|BITOP|BITPOS|CLIENT GETREDIR|CLIENT ID|CLIENT KILL|COMMAND COUNT|DBSIZE|"
        "DECRBY|DEL|EXISTS|EXPIRETIME|GEOADD|GEOSEARCHSTORE|GETBIT|HDEL|HINCRBY|HLEN|HSET|HSETEX|HSETNX|HSTRLEN|"
        "INCRBY|LATENCY RESET|LINSERT|LLEN|LPUSH|LPUSHX|LREM|MSETEX|PEXPIRETIME|PFADD|PFCOUNT|PTTL|PUBLISH|"
        "PUBSUB NUMPAT|RPUSH|RPUSHX|SADD|SCARD|SDIFFSTORE|SETBIT|SETRANGE|SINTERCARD|SINTERSTORE|SISMEMBER|"
        "SLOWLOG LEN|SPUBLISH|SREM|STRLEN|SUNIONSTORE|TOUCH|TTL|UNLINK|WAIT|XACK|XDEL|XGROUP CREATECONSUMER|"
        "XGROUP DELCONSUMER|XLEN|XTRIM|ZCARD|ZCOUNT|ZDIFFSTORE|ZINTERCARD|ZINTERSTORE|ZLEXCOUNT|ZRANGESTORE|"
        "ZREM|ZREMRANGEBYLEX|ZREMRANGEBYRANK|ZREMRANGEBYSCORE|ZUNIONSTORE".split("|"), "int"),
    **dict.fromkeys(
        "CLIENT NO-EVICT|CLIENT NO-TOUCH|CLIENT REPLY|CLIENT TRACKING|CLIENT UNPAUSE|CONFIG REWRITE|ECHO|"
        "FUNCTION KILL|FUNCTION LOAD|GETRANGE|LOLWUT|MEMORY MALLOC-STATS|MIGRATE|MODULE LOADEX|REPLICAOF|"
        "RESTORE|SUBSTR|TYPE|ACL DRYRUN".split("|"), "bulk"),
    **dict.fromkeys(
        "BLMOVE|BRPOPLPUSH|GET|GETDEL|GETEX|GETSET|HGET|LINDEX|LMOVE|RANDOMKEY|RPOPLPUSH".split("|"),
        "bulk-or-nil"),
    **dict.fromkeys("HINCRBYFLOAT|INCRBYFLOAT|ZINCRBY".split("|"), "float"),
    "INCREX": "array[int-or-bulk]",
    **dict.fromkeys("GEODIST|ZSCORE".split("|"), "float-or-nil"),
    **dict.fromkeys("MEMORY USAGE".split("|"), "int-or-nil"),
    **dict.fromkeys(
        "COMMAND LIST|HKEYS|HVALS|KEYS|LRANGE|PUBSUB CHANNELS|PUBSUB SHARDCHANNELS|ZRANGEBYLEX|ZREVRANGEBYLEX"
        .split("|"), "array[bulk]"),
    **dict.fromkeys("HGETDEL|HGETEX|HMGET|MGET|SORT_RO".split("|"), "array[bulk-or-nil]"),
    **dict.fromkeys("ACL CAT|ACL HELP|ACL LIST|ACL USERS|COMMAND GETKEYS".split("|"), "array[text]"),
    **dict.fromkeys(
        "BITFIELD_RO|HEXPIRE|HEXPIREAT|HEXPIRETIME|HPERSIST|HPEXPIRE|HPEXPIREAT|HPEXPIRETIME|HPTTL|HTTL|"
        "SMISMEMBER|WAITAOF".split("|"), "array[int]"),
    **dict.fromkeys("SDIFF|SINTER|SMEMBERS|SUNION".split("|"), "set[bulk]"),
    **dict.fromkeys("BLPOP|BRPOP".split("|"), "pair-or-nil"),
    **dict.fromkeys("BZPOPMAX|BZPOPMIN".split("|"), "scored-triple-or-nil"),
    **dict.fromkeys("ZPOPMAX|ZPOPMIN".split("|"), "scored"),
    **dict.fromkeys("PUBSUB NUMSUB|PUBSUB SHARDNUMSUB".split("|"), "numsub"),
    **dict.fromkeys("BLMPOP|LMPOP".split("|"), "mpop"),
    **dict.fromkeys("BZMPOP|ZMPOP".split("|"), "zmpop"),
    **dict.fromkeys("EVAL|EVAL_RO|EVALSHA|EVALSHA_RO|FCALL|FCALL_RO".split("|"), "resp"),
    **dict.fromkeys("XRANGE|XREVRANGE".split("|"), "entries"),
    **dict.fromkeys("SENTINEL SENTINELS|SENTINEL SLAVES".split("|"), "sentinel-states"),
    "ACL GENPASS": "text", "ACL WHOAMI": "text", "SCRIPT LOAD": "text", "CLIENT GETNAME": "text-or-nil",
    "DUMP": "raw-or-nil", "FUNCTION DUMP": "raw", "GEOHASH": "array[text-or-nil]", "GEOPOS": "geopos",
    "SCRIPT EXISTS": "array[bool]", "ZMSCORE": "array[float-or-nil]", "LATENCY HISTORY": "array[array[int]]",
    "HGETALL": "map[bulk,bulk]", "SCAN": "scan", "SSCAN": "scan", "ZSCAN": "scan[scored]",
    "TIME": "time", "LASTSAVE": "datetime-or-nil", "ROLE": "array[resp]",
    "INFO": "info", "CLIENT INFO": "client-info", "CLIENT LIST": "client-list", "CONFIG GET": "config",
    "CLIENT TRACKINGINFO": "trackinginfo", "ACL GETUSER": "acl-user", "ACL LOG": "acl-log",
    "SLOWLOG GET": "slowlog", "MEMORY STATS": "memory-stats", "COMMAND": "commands",
    "COMMAND GETKEYSANDFLAGS": "keys-and-flags", "LATENCY LATEST": "latency-latest", "MODULE LIST": "module-list",
    "FUNCTION LIST": "function-list", "FUNCTION STATS": "function-stats", "DEBUG OBJECT": "debug-object",
    "SENTINEL MASTER": "sentinel-state", "SENTINEL MASTERS": "sentinel-masters",
    "SENTINEL GET-MASTER-ADDR-BY-NAME": "master-address",
    "XREAD": "xread", "XREADGROUP": "xread", "XPENDING": "xpending", "XINFO GROUPS": "xinfo-groups",
    "XINFO CONSUMERS": "xinfo-consumers",
}  # fmt: skip

WS = "withscores=True"
# Methods whose flags change the form of the reply: (arguments, kind) per form.
FORMS: dict[str, list[tuple[str, str]]] = {
    "execute_command": [('"GET", "k"', "any")],  # the command is a run-time string: Any, on purpose
    "cluster": [('"info"', "any")],  # any CLUSTER subcommand, parsed as execute_command parses it
    "acl_log_reset": [("", "ok")],  # ACL LOG RESET
    "client_kill": [('"127.0.0.1:1"', "ok-or-int")],
    "set": [('"k", "v"', "set-or-get"), ('"k", "v", get=True', "bulk-or-nil")],
    "hrandfield": [('"h"', "bulk-or-nil"), ('"h", 2', "array[bulk]")],
    "hscan": [('"h"', "scan[map]"), ('"h", no_values=True', "scan")],
    "lpop": [('"l"', "bulk-or-nil"), ('"l", 2', "array[bulk]-or-nil")],
    "rpop": [('"l"', "bulk-or-nil"), ('"l", 2', "array[bulk]-or-nil")],
    "lpos": [('"l", "x"', "int-or-nil"), ('"l", "x", count=0', "array[int]")],
    "spop": [('"s"', "bulk-or-nil"), ('"s", 2', "array[bulk]")],
    "srandmember": [('"s"', "bulk-or-nil"), ('"s", 2', "array[bulk]")],
    "lcs": [('"a", "b"', "bulk"), ('"a", "b", len=True', "int"), ('"a", "b", idx=True', "lcs-idx")],
    "object": [('"encoding", "k"', "bulk-or-nil"), ('"refcount", "k"', "int-or-nil"), ('"Freq", "k"', "object-any")],
    "sort": [('"k"', "array[bulk-or-nil]"), ('"k", store="d"', "int"),
             ('"k", get=["#", "w_*"], groups=True', "sort-groups")],
    "zadd": [('"z", {"a": 1.0}', "int"), ('"z", {"a": 1.0}, incr=True', "float-or-nil")],
    "zrange": [('"z", 0, -1', "array[bulk]"), ('"z", 0, -1, withscores=True', "scored"),
               ('"z", 0, -1, withscores=True, score_cast_func=int', "scored[int]")],
    "zrevrange": [('"z", 0, -1', "array[bulk]"), ('"z", 0, -1, withscores=True', "scored")],
    "zrangebyscore": [('"z", 0, 1', "array[bulk]"), ('"z", 0, 1, withscores=True', "scored")],
    "zrevrangebyscore": [('"z", 1, 0', "array[bulk]"), ('"z", 1, 0, withscores=True', "scored")],
    "zunion": [('["a", "b"]', "array[bulk]"), ('["a", "b"], withscores=True', "scored")],
    "zinter": [('["a", "b"]', "array[bulk]"), ('["a", "b"], withscores=True', "scored")],
    "zdiff": [('["a", "b"]', "array[bulk]"), ('["a", "b"], withscores=True', "flat-scored")],
    "zrandmember": [('"z"', "bulk-or-nil"), ('"z", 2', "array[bulk]"), ('"z", 2, withscores=True', "flat-scored")],
    "zrank": [('"z", "m"', "int-or-nil")],
    "zrevrank": [('"z", "m"', "int-or-nil")],
    "georadius": [('"g", 1.0, 2.0, 10.0', "geo-members"), ('"g", 1.0, 2.0, 10.0, store="d"', "int"),
                  ('"g", 1.0, 2.0, 10.0, withdist=True', "geo-any")],
    "georadiusbymember": [('"g", "m", 10.0', "geo-members"), ('"g", "m", 10.0, store_dist="d"', "int")],
    "geosearch": [('"g", member="m", radius=1.0', "geo-members"),
                  ('"g", member="m", radius=1.0, withdist=True', "geo-places"),
                  ('"g", longitude=1.0, latitude=2.0, radius=1.0, withcoord=True, withhash=True', "geo-places")],
    "xadd": [('"s", {"f": "v"}', "bulk"), ('"s", {"f": "v"}, nomkstream=True', "bulk-or-nil")],
    "xclaim": [('"s", "g", "c", 0, ["0-1"]', "claimed"), ('"s", "g", "c", 0, ["0-1"], justid=True', "array[bulk]")],
    "xautoclaim": [('"s", "g", "c", 0', "xautoclaim"), ('"s", "g", "c", 0, justid=True', "array[bulk]")],
    "xpending_range": [('"s", "g", "-", "+", 10', "xpending-range")],
    "xinfo_stream": [('"s"', "xinfo-stream"), ('"s", full=True', "xinfo-stream-full")],
    "xreadgroup": [('"g", "c", {"s": ">"}', "xread"),
                   ('"g", "c", {"s": ">"}, claim_min_idle_time=10', "xreadgroup-claim")],
}  # fmt: skip
