"""Every command method's reply type, for a bytes and a str client: written by scripts/typing_cases.py.

Each expected type is the reply kind of the command the method sends (scripts/reply_kinds.py), not
the method's annotation: tests/unit/test_typing.py type-checks this file with mypy --strict and pyright
and fails when it is out of date. Checked only, never run (some commands would stop the server).
"""

# ruff: noqa: E501

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import assert_type

from leanredis import Redis

if TYPE_CHECKING:
    import datetime
    from typing import Any

    from leanredis.commands.introspection import SlowLogEntry
    from leanredis.commands.stream_replies import PendingEntry, PendingSummary
    from leanredis.typed import InfoValue, RespValue


async def every_command_bytes(r: Redis[bytes]) -> None:
    assert_type(await r.acl_cat(), list[str])  # ACL CAT: array[text]
    assert_type(await r.acl_deluser(), int)  # ACL DELUSER: int
    assert_type(await r.acl_dryrun("u"), bytes)  # ACL DRYRUN: bulk
    assert_type(await r.acl_genpass(), str)  # ACL GENPASS: text
    assert_type(await r.acl_getuser("u"), dict[str, bool | list[str] | list[list[str]] | RespValue[bytes]] | None)  # ACL GETUSER: acl-user
    assert_type(await r.acl_help(), list[str])  # ACL HELP: array[text]
    assert_type(await r.acl_list(), list[str])  # ACL LIST: array[text]
    assert_type(await r.acl_load(), bool)  # ACL LOAD: ok
    assert_type(await r.acl_log(), list[dict[str, str | int | float | dict[str, str | int]]])  # ACL LOG: acl-log
    assert_type(await r.acl_log_reset(), bool)  # ACL LOG: ok
    assert_type(await r.acl_save(), bool)  # ACL SAVE: ok
    assert_type(await r.acl_setuser("u"), bool)  # ACL SETUSER: ok
    assert_type(await r.acl_users(), list[str])  # ACL USERS: array[text]
    assert_type(await r.acl_whoami(), str)  # ACL WHOAMI: text
    assert_type(await r.append("k", "v"), int)  # APPEND: int
    assert_type(await r.auth("p"), bool)  # AUTH: ok
    assert_type(await r.bgrewriteaof(), bool)  # BGREWRITEAOF: ok
    assert_type(await r.bgsave(), bool)  # BGSAVE: ok
    assert_type(await r.bitcount("k"), int)  # BITCOUNT: int
    assert_type(await r.bitfield_ro("k", "u8", 0), list[int])  # BITFIELD_RO: array[int]
    assert_type(await r.bitop("AND", "d"), int)  # BITOP: int
    assert_type(await r.bitpos("k", 1), int)  # BITPOS: int
    assert_type(await r.blmove("a", "b", 0), bytes | None)  # BLMOVE: bulk-or-nil
    assert_type(await r.blmpop(0, 1, "k", direction="LEFT"), list[bytes | list[bytes]] | None)  # BLMPOP: mpop
    assert_type(await r.blpop(["k1", "k2"]), tuple[bytes, bytes] | None)  # BLPOP: pair-or-nil
    assert_type(await r.brpop(["k1", "k2"]), tuple[bytes, bytes] | None)  # BRPOP: pair-or-nil
    assert_type(await r.brpoplpush("a", "b"), bytes | None)  # BRPOPLPUSH: bulk-or-nil
    assert_type(await r.bzmpop(0, 1, ["k"], min=True), list[bytes | list[list[bytes | bytes]]] | None)  # BZMPOP: zmpop
    assert_type(await r.bzpopmax(["k1", "k2"]), tuple[bytes, bytes, float] | None)  # BZPOPMAX: scored-triple-or-nil
    assert_type(await r.bzpopmin(["k1", "k2"]), tuple[bytes, bytes, float] | None)  # BZPOPMIN: scored-triple-or-nil
    assert_type(await r.client_getname(), str | None)  # CLIENT GETNAME: text-or-nil
    assert_type(await r.client_getredir(), int)  # CLIENT GETREDIR: int
    assert_type(await r.client_id(), int)  # CLIENT ID: int
    assert_type(await r.client_info(), dict[str, str | int])  # CLIENT INFO: client-info
    assert_type(await r.client_kill("127.0.0.1:1"), bool | int)  # CLIENT KILL: ok-or-int
    assert_type(await r.client_kill_filter(_id=1), int)  # CLIENT KILL: int
    assert_type(await r.client_list(), list[dict[str, str]])  # CLIENT LIST: client-list
    assert_type(await r.client_no_evict("on"), bytes)  # CLIENT NO-EVICT: bulk
    assert_type(await r.client_no_touch("on"), bytes)  # CLIENT NO-TOUCH: bulk
    assert_type(await r.client_pause(0), bool)  # CLIENT PAUSE: ok
    assert_type(await r.client_reply("ON"), bytes)  # CLIENT REPLY: bulk
    assert_type(await r.client_setinfo("lib-name", "v"), bool)  # CLIENT SETINFO: ok
    assert_type(await r.client_setname("k"), bool)  # CLIENT SETNAME: ok
    assert_type(await r.client_tracking(), bytes)  # CLIENT TRACKING: bulk
    assert_type(await r.client_tracking_off(), bytes)  # CLIENT TRACKING: bulk
    assert_type(await r.client_tracking_on(), bytes)  # CLIENT TRACKING: bulk
    assert_type(await r.client_trackinginfo(), list[str | int | list[bytes]])  # CLIENT TRACKINGINFO: trackinginfo
    assert_type(await r.client_unblock(1), bool)  # CLIENT UNBLOCK: bool
    assert_type(await r.client_unpause(), bytes)  # CLIENT UNPAUSE: bulk
    assert_type(await r.cluster("info"), Any)  # CLUSTER INFO: any
    assert_type(await r.command(), dict[str, dict[str, RespValue[bytes | str]]])  # COMMAND: commands
    assert_type(await r.command_count(), int)  # COMMAND COUNT: int
    assert_type(await r.command_getkeys(), list[str])  # COMMAND GETKEYS: array[text]
    assert_type(await r.command_getkeysandflags(), list[list[bytes | list[bytes]]])  # COMMAND GETKEYSANDFLAGS: keys-and-flags
    assert_type(await r.command_list(), list[bytes])  # COMMAND LIST: array[bulk]
    assert_type(await r.config_get(), dict[str, str | None])  # CONFIG GET: config
    assert_type(await r.config_resetstat(), bool)  # CONFIG RESETSTAT: ok
    assert_type(await r.config_rewrite(), bytes)  # CONFIG REWRITE: bulk
    assert_type(await r.config_set("k", "v"), bool)  # CONFIG SET: ok
    assert_type(await r.copy("a", "b"), bool)  # COPY: bool
    assert_type(await r.dbsize(), int)  # DBSIZE: int
    assert_type(await r.debug_object("k"), dict[str, str | int])  # DEBUG OBJECT: debug-object
    assert_type(await r.decr("k"), int)  # DECRBY: int
    assert_type(await r.decrby("k"), int)  # DECRBY: int
    assert_type(await r.delete("k"), int)  # DEL: int
    assert_type(await r.dump("k"), bytes | None)  # DUMP: raw-or-nil
    assert_type(await r.echo("v"), bytes)  # ECHO: bulk
    assert_type(await r.eval("return 1", 0), RespValue[bytes])  # EVAL: resp
    assert_type(await r.eval_ro("return 1", 0), RespValue[bytes])  # EVAL_RO: resp
    assert_type(await r.evalsha("0" * 40, 0), RespValue[bytes])  # EVALSHA: resp
    assert_type(await r.evalsha_ro("0" * 40, 0), RespValue[bytes])  # EVALSHA_RO: resp
    assert_type(await r.execute_command("GET", "k"), Any)  # GET: any
    assert_type(await r.exists("k"), int)  # EXISTS: int
    assert_type(await r.expire("k", 10), bool)  # EXPIRE: bool
    assert_type(await r.expireat("k", 1_700_000_000), bool)  # EXPIREAT: bool
    assert_type(await r.expiretime("k"), int)  # EXPIRETIME: int
    assert_type(await r.fcall("f", 0), RespValue[bytes])  # FCALL: resp
    assert_type(await r.fcall_ro("f", 0), RespValue[bytes])  # FCALL_RO: resp
    assert_type(await r.flushall(), bool)  # FLUSHALL: ok
    assert_type(await r.flushdb(), bool)  # FLUSHDB: ok
    assert_type(await r.function_delete("l"), bool)  # FUNCTION DELETE: ok
    assert_type(await r.function_dump(), bytes)  # FUNCTION DUMP: raw
    assert_type(await r.function_flush(), bool)  # FUNCTION FLUSH: ok
    assert_type(await r.function_kill(), bytes)  # FUNCTION KILL: bulk
    assert_type(await r.function_list(), list[list[RespValue[bytes]]])  # FUNCTION LIST: function-list
    assert_type(await r.function_load("#!lua name=l"), bytes)  # FUNCTION LOAD: bulk
    assert_type(await r.function_restore(b"x"), bool)  # FUNCTION RESTORE: ok
    assert_type(await r.function_stats(), dict[bytes, RespValue[bytes]])  # FUNCTION STATS: function-stats
    assert_type(await r.geoadd("k", (1.0, 2.0, "m")), int)  # GEOADD: int
    assert_type(await r.geodist("k", "a", "b"), float | None)  # GEODIST: float-or-nil
    assert_type(await r.geohash("k"), list[str | None])  # GEOHASH: array[text-or-nil]
    assert_type(await r.geopos("k"), list[tuple[float, float] | None])  # GEOPOS: geopos
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0), list[bytes])  # GEORADIUS: geo-members
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0, store="d"), int)  # GEORADIUS: int
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0, withdist=True), list[bytes] | list[list[bytes | float | int | tuple[float, float]]])  # GEORADIUS: geo-any
    assert_type(await r.georadiusbymember("g", "m", 10.0), list[bytes])  # GEORADIUSBYMEMBER: geo-members
    assert_type(await r.georadiusbymember("g", "m", 10.0, store_dist="d"), int)  # GEORADIUSBYMEMBER: int
    assert_type(await r.geosearch("g", member="m", radius=1.0), list[bytes])  # GEOSEARCH: geo-members
    assert_type(await r.geosearch("g", member="m", radius=1.0, withdist=True), list[list[bytes | float | int | tuple[float, float]]])  # GEOSEARCH: geo-places
    assert_type(await r.geosearch("g", longitude=1.0, latitude=2.0, radius=1.0, withcoord=True, withhash=True), list[list[bytes | float | int | tuple[float, float]]])  # GEOSEARCH: geo-places
    assert_type(await r.geosearchstore("d", "k", member="m", radius=1), int)  # GEOSEARCHSTORE: int
    assert_type(await r.get("k"), bytes | None)  # GET: bulk-or-nil
    assert_type(await r.getbit("k", 0), int)  # GETBIT: int
    assert_type(await r.getdel("k"), bytes | None)  # GETDEL: bulk-or-nil
    assert_type(await r.getex("k"), bytes | None)  # GETEX: bulk-or-nil
    assert_type(await r.getrange("k", 0, -1), bytes)  # GETRANGE: bulk
    assert_type(await r.getset("k", "v"), bytes | None)  # GETSET: bulk-or-nil
    assert_type(await r.hdel("h", "f"), int)  # HDEL: int
    assert_type(await r.hexists("k", "k"), bool)  # HEXISTS: bool
    assert_type(await r.hexpire("k", 10), list[int])  # HEXPIRE: array[int]
    assert_type(await r.hexpireat("k", 1_700_000_000), list[int])  # HEXPIREAT: array[int]
    assert_type(await r.hexpiretime("k"), list[int])  # HEXPIRETIME: array[int]
    assert_type(await r.hget("k", "k"), bytes | None)  # HGET: bulk-or-nil
    assert_type(await r.hgetall("k"), dict[bytes, bytes])  # HGETALL: map[bulk,bulk]
    assert_type(await r.hgetdel("h", "f"), list[bytes | None])  # HGETDEL: array[bulk-or-nil]
    assert_type(await r.hgetex("h", "f"), list[bytes | None])  # HGETEX: array[bulk-or-nil]
    assert_type(await r.hincrby("k", "k"), int)  # HINCRBY: int
    assert_type(await r.hincrbyfloat("k", "k"), float)  # HINCRBYFLOAT: float
    assert_type(await r.hkeys("k"), list[bytes])  # HKEYS: array[bulk]
    assert_type(await r.hlen("k"), int)  # HLEN: int
    assert_type(await r.hmget("h", ["f"]), list[bytes | None])  # HMGET: array[bulk-or-nil]
    assert_type(await r.hmset("h", {"f": "v"}), bool)  # HMSET: ok
    assert_type(await r.hpersist("k"), list[int])  # HPERSIST: array[int]
    assert_type(await r.hpexpire("k", 100), list[int])  # HPEXPIRE: array[int]
    assert_type(await r.hpexpireat("k", 1_700_000_000_000), list[int])  # HPEXPIREAT: array[int]
    assert_type(await r.hpexpiretime("k"), list[int])  # HPEXPIRETIME: array[int]
    assert_type(await r.hpttl("k"), list[int])  # HPTTL: array[int]
    assert_type(await r.hrandfield("h"), bytes | None)  # HRANDFIELD: bulk-or-nil
    assert_type(await r.hrandfield("h", 2), list[bytes])  # HRANDFIELD: array[bulk]
    assert_type(await r.hscan("h"), tuple[int, dict[bytes, bytes]])  # HSCAN: scan[map]
    assert_type(await r.hscan("h", no_values=True), tuple[int, list[bytes]])  # HSCAN: scan
    assert_type(await r.hset("h", "f", "v"), int)  # HSET: int
    assert_type(await r.hsetex("h", "f", "v"), int)  # HSETEX: int
    assert_type(await r.hsetnx("k", "k", "v"), int)  # HSETNX: int
    assert_type(await r.hstrlen("k", "k"), int)  # HSTRLEN: int
    assert_type(await r.httl("k"), list[int])  # HTTL: array[int]
    assert_type(await r.hvals("k"), list[bytes])  # HVALS: array[bulk]
    assert_type(await r.incr("k"), int)  # INCRBY: int
    assert_type(await r.incrby("k"), int)  # INCRBY: int
    assert_type(await r.incrbyfloat("k"), float)  # INCRBYFLOAT: float
    assert_type(await r.increx("k"), list[int | bytes])  # INCREX: array[int-or-bulk]
    assert_type(await r.info(), dict[str, InfoValue])  # INFO: info
    assert_type(await r.keys(), list[bytes])  # KEYS: array[bulk]
    assert_type(await r.lastsave(), datetime.datetime | None)  # LASTSAVE: datetime-or-nil
    assert_type(await r.latency_history("command"), list[list[int]])  # LATENCY HISTORY: array[array[int]]
    assert_type(await r.latency_latest(), list[list[bytes | int]])  # LATENCY LATEST: latency-latest
    assert_type(await r.latency_reset(), int)  # LATENCY RESET: int
    assert_type(await r.lcs("a", "b"), bytes)  # LCS: bulk
    assert_type(await r.lcs("a", "b", len=True), int)  # LCS: int
    assert_type(await r.lcs("a", "b", idx=True), list[RespValue[bytes]])  # LCS: lcs-idx
    assert_type(await r.lindex("k", 0), bytes | None)  # LINDEX: bulk-or-nil
    assert_type(await r.linsert("k", "BEFORE", "p", "v"), int)  # LINSERT: int
    assert_type(await r.llen("k"), int)  # LLEN: int
    assert_type(await r.lmove("a", "b"), bytes | None)  # LMOVE: bulk-or-nil
    assert_type(await r.lmpop(1, "k", direction="LEFT"), list[bytes | list[bytes]] | None)  # LMPOP: mpop
    assert_type(await r.lolwut(), bytes)  # LOLWUT: bulk
    assert_type(await r.lpop("l"), bytes | None)  # LPOP: bulk-or-nil
    assert_type(await r.lpop("l", 2), list[bytes] | None)  # LPOP: array[bulk]-or-nil
    assert_type(await r.lpos("l", "x"), int | None)  # LPOS: int-or-nil
    assert_type(await r.lpos("l", "x", count=0), list[int])  # LPOS: array[int]
    assert_type(await r.lpush("l", 1), int)  # LPUSH: int
    assert_type(await r.lpushx("l", 1), int)  # LPUSHX: int
    assert_type(await r.lrange("k", 0, -1), list[bytes])  # LRANGE: array[bulk]
    assert_type(await r.lrem("k", 2, "v"), int)  # LREM: int
    assert_type(await r.lset("k", 0, "v"), bool)  # LSET: ok
    assert_type(await r.ltrim("k", 0, -1), bool)  # LTRIM: ok
    assert_type(await r.memory_malloc_stats(), bytes)  # MEMORY MALLOC-STATS: bulk
    assert_type(await r.memory_purge(), bool)  # MEMORY PURGE: ok
    assert_type(await r.memory_stats(), dict[str, int | float | bytes | dict[str, int | float | bytes]])  # MEMORY STATS: memory-stats
    assert_type(await r.memory_usage("k"), int | None)  # MEMORY USAGE: int-or-nil
    assert_type(await r.mget(["a", "b"]), list[bytes | None])  # MGET: array[bulk-or-nil]
    assert_type(await r.migrate("127.0.0.1", 1, ["k"], 0, 10), bytes)  # MIGRATE: bulk
    assert_type(await r.module_list(), list[dict[bytes, RespValue[bytes]]])  # MODULE LIST: module-list
    assert_type(await r.module_load("/m.so"), bool)  # MODULE LOAD: ok
    assert_type(await r.module_loadex("/m.so"), bytes)  # MODULE LOADEX: bulk
    assert_type(await r.module_unload("k"), bool)  # MODULE UNLOAD: ok
    assert_type(await r.move("k", 1), bool)  # MOVE: bool
    assert_type(await r.mset({"a": "1"}), bool)  # MSET: ok
    assert_type(await r.msetex({"a": "1"}), int)  # MSETEX: int
    assert_type(await r.msetnx({"a": "1"}), bool)  # MSETNX: bool
    assert_type(await r.object("encoding", "k"), bytes | None)  # OBJECT ENCODING: bulk-or-nil
    assert_type(await r.object("refcount", "k"), int | None)  # OBJECT REFCOUNT: int-or-nil
    assert_type(await r.object("Freq", "k"), bytes | int | None)  # OBJECT FREQ: object-any
    assert_type(await r.persist("k"), bool)  # PERSIST: bool
    assert_type(await r.pexpire("k", 10), bool)  # PEXPIRE: bool
    assert_type(await r.pexpireat("k", 1_700_000_000), bool)  # PEXPIREAT: bool
    assert_type(await r.pexpiretime("k"), int)  # PEXPIRETIME: int
    assert_type(await r.pfadd("k"), int)  # PFADD: int
    assert_type(await r.pfcount(), int)  # PFCOUNT: int
    assert_type(await r.pfmerge("d"), bool)  # PFMERGE: ok
    assert_type(await r.ping(), bool)  # PING: ok
    assert_type(await r.psetex("k", 100, "v"), bool)  # PSETEX: ok
    assert_type(await r.pttl("k"), int)  # PTTL: int
    assert_type(await r.publish("c", "m"), int)  # PUBLISH: int
    assert_type(await r.pubsub_channels(), list[bytes])  # PUBSUB CHANNELS: array[bulk]
    assert_type(await r.pubsub_numpat(), int)  # PUBSUB NUMPAT: int
    assert_type(await r.pubsub_numsub(), list[tuple[bytes, int]])  # PUBSUB NUMSUB: numsub
    assert_type(await r.pubsub_shardchannels(), list[bytes])  # PUBSUB SHARDCHANNELS: array[bulk]
    assert_type(await r.pubsub_shardnumsub(), list[tuple[bytes, int]])  # PUBSUB SHARDNUMSUB: numsub
    assert_type(await r.randomkey(), bytes | None)  # RANDOMKEY: bulk-or-nil
    assert_type(await r.readonly(), bool)  # READONLY: ok
    assert_type(await r.readwrite(), bool)  # READWRITE: ok
    assert_type(await r.rename("a", "b"), bool)  # RENAME: ok
    assert_type(await r.renamenx("a", "b"), bool)  # RENAMENX: bool
    assert_type(await r.replicaof(), bytes)  # REPLICAOF: bulk
    assert_type(await r.restore("k", 0, "v"), bytes)  # RESTORE: bulk
    assert_type(await r.role(), list[RespValue[bytes]])  # ROLE: array[resp]
    assert_type(await r.rpop("l"), bytes | None)  # RPOP: bulk-or-nil
    assert_type(await r.rpop("l", 2), list[bytes] | None)  # RPOP: array[bulk]-or-nil
    assert_type(await r.rpoplpush("a", "b"), bytes | None)  # RPOPLPUSH: bulk-or-nil
    assert_type(await r.rpush("l", 1), int)  # RPUSH: int
    assert_type(await r.rpushx("l", 1), int)  # RPUSHX: int
    assert_type(await r.sadd("k"), int)  # SADD: int
    assert_type(await r.save(), bool)  # SAVE: ok
    assert_type(await r.scan(), tuple[int, list[bytes]])  # SCAN: scan
    assert_type(await r.scard("k"), int)  # SCARD: int
    assert_type(await r.script_exists("0" * 40), list[bool])  # SCRIPT EXISTS: array[bool]
    assert_type(await r.script_flush(), bool)  # SCRIPT FLUSH: ok
    assert_type(await r.script_kill(), bool)  # SCRIPT KILL: ok
    assert_type(await r.script_load("return 1"), str)  # SCRIPT LOAD: text
    assert_type(await r.sdiff(["k1", "k2"]), set[bytes])  # SDIFF: set[bulk]
    assert_type(await r.sdiffstore("d", ["k1", "k2"]), int)  # SDIFFSTORE: int
    assert_type(await r.sentinel_ckquorum("m"), bool)  # SENTINEL CKQUORUM: ok
    assert_type(await r.sentinel_failover("m"), bool)  # SENTINEL FAILOVER: ok
    assert_type(await r.sentinel_flushconfig(), bool)  # SENTINEL FLUSHCONFIG: ok
    assert_type(await r.sentinel_get_master_addr_by_name("m"), tuple[bytes, int] | None)  # SENTINEL GET-MASTER-ADDR-BY-NAME: master-address
    assert_type(await r.sentinel_master("m"), dict[str, str | int | bool])  # SENTINEL MASTER: sentinel-state
    assert_type(await r.sentinel_masters(), dict[str, dict[str, str | int | bool]])  # SENTINEL MASTERS: sentinel-masters
    assert_type(await r.sentinel_monitor("k", "127.0.0.1", 1, 1), bool)  # SENTINEL MONITOR: ok
    assert_type(await r.sentinel_remove("k"), bool)  # SENTINEL REMOVE: ok
    assert_type(await r.sentinel_reset("*"), bool)  # SENTINEL RESET: ok
    assert_type(await r.sentinel_sentinels("m"), list[dict[str, str | int | bool]])  # SENTINEL SENTINELS: sentinel-states
    assert_type(await r.sentinel_set("m", "quorum", 2), bool)  # SENTINEL SET: ok
    assert_type(await r.sentinel_slaves("m"), list[dict[str, str | int | bool]])  # SENTINEL SLAVES: sentinel-states
    assert_type(await r.set("k", "v"), bool | None)  # SET: set-or-get
    assert_type(await r.set("k", "v", get=True), bytes | None)  # SET: bulk-or-nil
    assert_type(await r.setbit("k", 7, 1), int)  # SETBIT: int
    assert_type(await r.setex("k", 10, "v"), bool)  # SETEX: ok
    assert_type(await r.setnx("k", "v"), bool)  # SETNX: bool
    assert_type(await r.setrange("k", 0, "v"), int)  # SETRANGE: int
    assert_type(await r.sinter(["k1", "k2"]), set[bytes])  # SINTER: set[bulk]
    assert_type(await r.sintercard(0, ["k1", "k2"]), int)  # SINTERCARD: int
    assert_type(await r.sinterstore("d", ["k1", "k2"]), int)  # SINTERSTORE: int
    assert_type(await r.sismember("k", "v"), int)  # SISMEMBER: int
    assert_type(await r.slaveof(), bool)  # SLAVEOF: ok
    assert_type(await r.slowlog_get(), list[SlowLogEntry])  # SLOWLOG GET: slowlog
    assert_type(await r.slowlog_len(), int)  # SLOWLOG LEN: int
    assert_type(await r.slowlog_reset(), bool)  # SLOWLOG RESET: ok
    assert_type(await r.smembers("k"), set[bytes])  # SMEMBERS: set[bulk]
    assert_type(await r.smismember("s", ["a", "b"]), list[int])  # SMISMEMBER: array[int]
    assert_type(await r.smove("a", "b", "v"), bool)  # SMOVE: bool
    assert_type(await r.sort("k"), list[bytes | None])  # SORT: array[bulk-or-nil]
    assert_type(await r.sort("k", store="d"), int)  # SORT: int
    assert_type(await r.sort("k", get=["#", "w_*"], groups=True), list[tuple[bytes | None, ...]])  # SORT: sort-groups
    assert_type(await r.sort_ro("k"), list[bytes | None])  # SORT_RO: array[bulk-or-nil]
    assert_type(await r.spop("s"), bytes | None)  # SPOP: bulk-or-nil
    assert_type(await r.spop("s", 2), list[bytes])  # SPOP: array[bulk]
    assert_type(await r.spublish("c", "m"), int)  # SPUBLISH: int
    assert_type(await r.srandmember("s"), bytes | None)  # SRANDMEMBER: bulk-or-nil
    assert_type(await r.srandmember("s", 2), list[bytes])  # SRANDMEMBER: array[bulk]
    assert_type(await r.srem("k"), int)  # SREM: int
    assert_type(await r.sscan("k"), tuple[int, list[bytes]])  # SSCAN: scan
    assert_type(await r.strlen("k"), int)  # STRLEN: int
    assert_type(await r.substr("k", 0), bytes)  # SUBSTR: bulk
    assert_type(await r.sunion(["k1", "k2"]), set[bytes])  # SUNION: set[bulk]
    assert_type(await r.sunionstore("d", ["k1", "k2"]), int)  # SUNIONSTORE: int
    assert_type(await r.swapdb(0, 1), bool)  # SWAPDB: ok
    assert_type(await r.time(), tuple[int, int])  # TIME: time
    assert_type(await r.touch("k"), int)  # TOUCH: int
    assert_type(await r.ttl("k"), int)  # TTL: int
    assert_type(await r.type("k"), bytes)  # TYPE: bulk
    assert_type(await r.unlink("k"), int)  # UNLINK: int
    assert_type(await r.wait(0, 0), int)  # WAIT: int
    assert_type(await r.waitaof(0, 0, 0), list[int])  # WAITAOF: array[int]
    assert_type(await r.xack("s", "g", "0-1"), int)  # XACK: int
    assert_type(await r.xadd("s", {"f": "v"}), bytes)  # XADD: bulk
    assert_type(await r.xadd("s", {"f": "v"}, nomkstream=True), bytes | None)  # XADD: bulk-or-nil
    assert_type(await r.xautoclaim("s", "g", "c", 0), list[bytes | list[tuple[bytes, dict[bytes, bytes]]] | list[bytes]])  # XAUTOCLAIM: xautoclaim
    assert_type(await r.xautoclaim("s", "g", "c", 0, justid=True), list[bytes])  # XAUTOCLAIM: array[bulk]
    assert_type(await r.xclaim("s", "g", "c", 0, ["0-1"]), list[tuple[bytes, dict[bytes, bytes]] | tuple[None, None]])  # XCLAIM: claimed
    assert_type(await r.xclaim("s", "g", "c", 0, ["0-1"], justid=True), list[bytes])  # XCLAIM: array[bulk]
    assert_type(await r.xdel("s", "0-1"), int)  # XDEL: int
    assert_type(await r.xgroup_create("k", "g"), bool)  # XGROUP CREATE: ok
    assert_type(await r.xgroup_createconsumer("k", "g", "c"), int)  # XGROUP CREATECONSUMER: int
    assert_type(await r.xgroup_delconsumer("k", "g", "c"), int)  # XGROUP DELCONSUMER: int
    assert_type(await r.xgroup_destroy("k", "g"), bool)  # XGROUP DESTROY: bool
    assert_type(await r.xgroup_setid("k", "g", "0-1"), bool)  # XGROUP SETID: ok
    assert_type(await r.xinfo_consumers("k", "g"), list[dict[str, bytes | int]])  # XINFO CONSUMERS: xinfo-consumers
    assert_type(await r.xinfo_groups("k"), list[dict[str, bytes | int | None]])  # XINFO GROUPS: xinfo-groups
    assert_type(await r.xinfo_stream("s"), dict[str, int | bytes | tuple[bytes, dict[bytes, bytes]] | None])  # XINFO STREAM: xinfo-stream
    assert_type(await r.xinfo_stream("s", full=True), dict[str, RespValue[bytes | str]])  # XINFO STREAM: xinfo-stream-full
    assert_type(await r.xlen("k"), int)  # XLEN: int
    assert_type(await r.xpending("k", "g"), PendingSummary[bytes])  # XPENDING: xpending
    assert_type(await r.xpending_range("s", "g", "-", "+", 10), list[PendingEntry[bytes]])  # XPENDING: xpending-range
    assert_type(await r.xrange("k"), list[tuple[bytes, dict[bytes, bytes]]])  # XRANGE: entries
    assert_type(await r.xread({"s": "0"}), list[list[bytes | list[tuple[bytes, dict[bytes, bytes]]]]])  # XREAD: xread
    assert_type(await r.xreadgroup("g", "c", {"s": ">"}), list[list[bytes | list[tuple[bytes, dict[bytes, bytes]]]]])  # XREADGROUP: xread
    assert_type(await r.xreadgroup("g", "c", {"s": ">"}, claim_min_idle_time=10), list[list[bytes | list[tuple[bytes | dict[bytes, bytes] | int, ...]]]])  # XREADGROUP: xreadgroup-claim
    assert_type(await r.xrevrange("k"), list[tuple[bytes, dict[bytes, bytes]]])  # XREVRANGE: entries
    assert_type(await r.xtrim("s", maxlen=1), int)  # XTRIM: int
    assert_type(await r.zadd("z", {"a": 1.0}), int)  # ZADD: int
    assert_type(await r.zadd("z", {"a": 1.0}, incr=True), float | None)  # ZADD: float-or-nil
    assert_type(await r.zcard("k"), int)  # ZCARD: int
    assert_type(await r.zcount("k", 0, 10), int)  # ZCOUNT: int
    assert_type(await r.zdiff(["a", "b"]), list[bytes])  # ZDIFF: array[bulk]
    assert_type(await r.zdiff(["a", "b"], withscores=True), list[bytes | bytes])  # ZDIFF: flat-scored
    assert_type(await r.zdiffstore("d", ["k1", "k2"]), int)  # ZDIFFSTORE: int
    assert_type(await r.zincrby("k", 1, "v"), float)  # ZINCRBY: float
    assert_type(await r.zinter(["a", "b"]), list[bytes])  # ZINTER: array[bulk]
    assert_type(await r.zinter(["a", "b"], withscores=True), list[tuple[bytes, float]])  # ZINTER: scored
    assert_type(await r.zintercard(0, ["k1", "k2"]), int)  # ZINTERCARD: int
    assert_type(await r.zinterstore("d", ["k1", "k2"]), int)  # ZINTERSTORE: int
    assert_type(await r.zlexcount("k", 0, 10), int)  # ZLEXCOUNT: int
    assert_type(await r.zmpop(1, ["k"], min=True), list[bytes | list[list[bytes | bytes]]] | None)  # ZMPOP: zmpop
    assert_type(await r.zmscore("z", ["a"]), list[float | None])  # ZMSCORE: array[float-or-nil]
    assert_type(await r.zpopmax("k"), list[tuple[bytes, float]])  # ZPOPMAX: scored
    assert_type(await r.zpopmin("k"), list[tuple[bytes, float]])  # ZPOPMIN: scored
    assert_type(await r.zrandmember("z"), bytes | None)  # ZRANDMEMBER: bulk-or-nil
    assert_type(await r.zrandmember("z", 2), list[bytes])  # ZRANDMEMBER: array[bulk]
    assert_type(await r.zrandmember("z", 2, withscores=True), list[bytes | bytes])  # ZRANDMEMBER: flat-scored
    assert_type(await r.zrange("z", 0, -1), list[bytes])  # ZRANGE: array[bulk]
    assert_type(await r.zrange("z", 0, -1, withscores=True), list[tuple[bytes, float]])  # ZRANGE: scored
    assert_type(await r.zrange("z", 0, -1, withscores=True, score_cast_func=int), list[tuple[bytes, int]])  # ZRANGE: scored[int]
    assert_type(await r.zrangebylex("k", 0, 10), list[bytes])  # ZRANGEBYLEX: array[bulk]
    assert_type(await r.zrangebyscore("z", 0, 1), list[bytes])  # ZRANGEBYSCORE: array[bulk]
    assert_type(await r.zrangebyscore("z", 0, 1, withscores=True), list[tuple[bytes, float]])  # ZRANGEBYSCORE: scored
    assert_type(await r.zrangestore("d", "k", 0, -1), int)  # ZRANGESTORE: int
    assert_type(await r.zrank("z", "m"), int | None)  # ZRANK: int-or-nil
    assert_type(await r.zrem("k"), int)  # ZREM: int
    assert_type(await r.zremrangebylex("k", 0, 10), int)  # ZREMRANGEBYLEX: int
    assert_type(await r.zremrangebyrank("k", 0, 10), int)  # ZREMRANGEBYRANK: int
    assert_type(await r.zremrangebyscore("k", 0, 10), int)  # ZREMRANGEBYSCORE: int
    assert_type(await r.zrevrange("z", 0, -1), list[bytes])  # ZREVRANGE: array[bulk]
    assert_type(await r.zrevrange("z", 0, -1, withscores=True), list[tuple[bytes, float]])  # ZREVRANGE: scored
    assert_type(await r.zrevrangebylex("k", 10, 0), list[bytes])  # ZREVRANGEBYLEX: array[bulk]
    assert_type(await r.zrevrangebyscore("z", 1, 0), list[bytes])  # ZREVRANGEBYSCORE: array[bulk]
    assert_type(await r.zrevrangebyscore("z", 1, 0, withscores=True), list[tuple[bytes, float]])  # ZREVRANGEBYSCORE: scored
    assert_type(await r.zrevrank("z", "m"), int | None)  # ZREVRANK: int-or-nil
    assert_type(await r.zscan("k"), tuple[int, list[tuple[bytes, float]]])  # ZSCAN: scan[scored]
    assert_type(await r.zscore("k", "v"), float | None)  # ZSCORE: float-or-nil
    assert_type(await r.zunion(["a", "b"]), list[bytes])  # ZUNION: array[bulk]
    assert_type(await r.zunion(["a", "b"], withscores=True), list[tuple[bytes, float]])  # ZUNION: scored
    assert_type(await r.zunionstore("d", ["k1", "k2"]), int)  # ZUNIONSTORE: int

async def every_command_str(r: Redis[str]) -> None:
    assert_type(await r.acl_cat(), list[str])  # ACL CAT: array[text]
    assert_type(await r.acl_deluser(), int)  # ACL DELUSER: int
    assert_type(await r.acl_dryrun("u"), str)  # ACL DRYRUN: bulk
    assert_type(await r.acl_genpass(), str)  # ACL GENPASS: text
    assert_type(await r.acl_getuser("u"), dict[str, bool | list[str] | list[list[str]] | RespValue[str]] | None)  # ACL GETUSER: acl-user
    assert_type(await r.acl_help(), list[str])  # ACL HELP: array[text]
    assert_type(await r.acl_list(), list[str])  # ACL LIST: array[text]
    assert_type(await r.acl_load(), bool)  # ACL LOAD: ok
    assert_type(await r.acl_log(), list[dict[str, str | int | float | dict[str, str | int]]])  # ACL LOG: acl-log
    assert_type(await r.acl_log_reset(), bool)  # ACL LOG: ok
    assert_type(await r.acl_save(), bool)  # ACL SAVE: ok
    assert_type(await r.acl_setuser("u"), bool)  # ACL SETUSER: ok
    assert_type(await r.acl_users(), list[str])  # ACL USERS: array[text]
    assert_type(await r.acl_whoami(), str)  # ACL WHOAMI: text
    assert_type(await r.append("k", "v"), int)  # APPEND: int
    assert_type(await r.auth("p"), bool)  # AUTH: ok
    assert_type(await r.bgrewriteaof(), bool)  # BGREWRITEAOF: ok
    assert_type(await r.bgsave(), bool)  # BGSAVE: ok
    assert_type(await r.bitcount("k"), int)  # BITCOUNT: int
    assert_type(await r.bitfield_ro("k", "u8", 0), list[int])  # BITFIELD_RO: array[int]
    assert_type(await r.bitop("AND", "d"), int)  # BITOP: int
    assert_type(await r.bitpos("k", 1), int)  # BITPOS: int
    assert_type(await r.blmove("a", "b", 0), str | None)  # BLMOVE: bulk-or-nil
    assert_type(await r.blmpop(0, 1, "k", direction="LEFT"), list[str | list[str]] | None)  # BLMPOP: mpop
    assert_type(await r.blpop(["k1", "k2"]), tuple[str, str] | None)  # BLPOP: pair-or-nil
    assert_type(await r.brpop(["k1", "k2"]), tuple[str, str] | None)  # BRPOP: pair-or-nil
    assert_type(await r.brpoplpush("a", "b"), str | None)  # BRPOPLPUSH: bulk-or-nil
    assert_type(await r.bzmpop(0, 1, ["k"], min=True), list[str | list[list[str | bytes]]] | None)  # BZMPOP: zmpop
    assert_type(await r.bzpopmax(["k1", "k2"]), tuple[str, str, float] | None)  # BZPOPMAX: scored-triple-or-nil
    assert_type(await r.bzpopmin(["k1", "k2"]), tuple[str, str, float] | None)  # BZPOPMIN: scored-triple-or-nil
    assert_type(await r.client_getname(), str | None)  # CLIENT GETNAME: text-or-nil
    assert_type(await r.client_getredir(), int)  # CLIENT GETREDIR: int
    assert_type(await r.client_id(), int)  # CLIENT ID: int
    assert_type(await r.client_info(), dict[str, str | int])  # CLIENT INFO: client-info
    assert_type(await r.client_kill("127.0.0.1:1"), bool | int)  # CLIENT KILL: ok-or-int
    assert_type(await r.client_kill_filter(_id=1), int)  # CLIENT KILL: int
    assert_type(await r.client_list(), list[dict[str, str]])  # CLIENT LIST: client-list
    assert_type(await r.client_no_evict("on"), str)  # CLIENT NO-EVICT: bulk
    assert_type(await r.client_no_touch("on"), str)  # CLIENT NO-TOUCH: bulk
    assert_type(await r.client_pause(0), bool)  # CLIENT PAUSE: ok
    assert_type(await r.client_reply("ON"), str)  # CLIENT REPLY: bulk
    assert_type(await r.client_setinfo("lib-name", "v"), bool)  # CLIENT SETINFO: ok
    assert_type(await r.client_setname("k"), bool)  # CLIENT SETNAME: ok
    assert_type(await r.client_tracking(), str)  # CLIENT TRACKING: bulk
    assert_type(await r.client_tracking_off(), str)  # CLIENT TRACKING: bulk
    assert_type(await r.client_tracking_on(), str)  # CLIENT TRACKING: bulk
    assert_type(await r.client_trackinginfo(), list[str | int | list[str]])  # CLIENT TRACKINGINFO: trackinginfo
    assert_type(await r.client_unblock(1), bool)  # CLIENT UNBLOCK: bool
    assert_type(await r.client_unpause(), str)  # CLIENT UNPAUSE: bulk
    assert_type(await r.cluster("info"), Any)  # CLUSTER INFO: any
    assert_type(await r.command(), dict[str, dict[str, RespValue[str | str]]])  # COMMAND: commands
    assert_type(await r.command_count(), int)  # COMMAND COUNT: int
    assert_type(await r.command_getkeys(), list[str])  # COMMAND GETKEYS: array[text]
    assert_type(await r.command_getkeysandflags(), list[list[str | list[str]]])  # COMMAND GETKEYSANDFLAGS: keys-and-flags
    assert_type(await r.command_list(), list[str])  # COMMAND LIST: array[bulk]
    assert_type(await r.config_get(), dict[str, str | None])  # CONFIG GET: config
    assert_type(await r.config_resetstat(), bool)  # CONFIG RESETSTAT: ok
    assert_type(await r.config_rewrite(), str)  # CONFIG REWRITE: bulk
    assert_type(await r.config_set("k", "v"), bool)  # CONFIG SET: ok
    assert_type(await r.copy("a", "b"), bool)  # COPY: bool
    assert_type(await r.dbsize(), int)  # DBSIZE: int
    assert_type(await r.debug_object("k"), dict[str, str | int])  # DEBUG OBJECT: debug-object
    assert_type(await r.decr("k"), int)  # DECRBY: int
    assert_type(await r.decrby("k"), int)  # DECRBY: int
    assert_type(await r.delete("k"), int)  # DEL: int
    assert_type(await r.dump("k"), bytes | None)  # DUMP: raw-or-nil
    assert_type(await r.echo("v"), str)  # ECHO: bulk
    assert_type(await r.eval("return 1", 0), RespValue[str])  # EVAL: resp
    assert_type(await r.eval_ro("return 1", 0), RespValue[str])  # EVAL_RO: resp
    assert_type(await r.evalsha("0" * 40, 0), RespValue[str])  # EVALSHA: resp
    assert_type(await r.evalsha_ro("0" * 40, 0), RespValue[str])  # EVALSHA_RO: resp
    assert_type(await r.execute_command("GET", "k"), Any)  # GET: any
    assert_type(await r.exists("k"), int)  # EXISTS: int
    assert_type(await r.expire("k", 10), bool)  # EXPIRE: bool
    assert_type(await r.expireat("k", 1_700_000_000), bool)  # EXPIREAT: bool
    assert_type(await r.expiretime("k"), int)  # EXPIRETIME: int
    assert_type(await r.fcall("f", 0), RespValue[str])  # FCALL: resp
    assert_type(await r.fcall_ro("f", 0), RespValue[str])  # FCALL_RO: resp
    assert_type(await r.flushall(), bool)  # FLUSHALL: ok
    assert_type(await r.flushdb(), bool)  # FLUSHDB: ok
    assert_type(await r.function_delete("l"), bool)  # FUNCTION DELETE: ok
    assert_type(await r.function_dump(), bytes)  # FUNCTION DUMP: raw
    assert_type(await r.function_flush(), bool)  # FUNCTION FLUSH: ok
    assert_type(await r.function_kill(), str)  # FUNCTION KILL: bulk
    assert_type(await r.function_list(), list[list[RespValue[str]]])  # FUNCTION LIST: function-list
    assert_type(await r.function_load("#!lua name=l"), str)  # FUNCTION LOAD: bulk
    assert_type(await r.function_restore(b"x"), bool)  # FUNCTION RESTORE: ok
    assert_type(await r.function_stats(), dict[str, RespValue[str]])  # FUNCTION STATS: function-stats
    assert_type(await r.geoadd("k", (1.0, 2.0, "m")), int)  # GEOADD: int
    assert_type(await r.geodist("k", "a", "b"), float | None)  # GEODIST: float-or-nil
    assert_type(await r.geohash("k"), list[str | None])  # GEOHASH: array[text-or-nil]
    assert_type(await r.geopos("k"), list[tuple[float, float] | None])  # GEOPOS: geopos
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0), list[str])  # GEORADIUS: geo-members
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0, store="d"), int)  # GEORADIUS: int
    assert_type(await r.georadius("g", 1.0, 2.0, 10.0, withdist=True), list[str] | list[list[str | float | int | tuple[float, float]]])  # GEORADIUS: geo-any
    assert_type(await r.georadiusbymember("g", "m", 10.0), list[str])  # GEORADIUSBYMEMBER: geo-members
    assert_type(await r.georadiusbymember("g", "m", 10.0, store_dist="d"), int)  # GEORADIUSBYMEMBER: int
    assert_type(await r.geosearch("g", member="m", radius=1.0), list[str])  # GEOSEARCH: geo-members
    assert_type(await r.geosearch("g", member="m", radius=1.0, withdist=True), list[list[str | float | int | tuple[float, float]]])  # GEOSEARCH: geo-places
    assert_type(await r.geosearch("g", longitude=1.0, latitude=2.0, radius=1.0, withcoord=True, withhash=True), list[list[str | float | int | tuple[float, float]]])  # GEOSEARCH: geo-places
    assert_type(await r.geosearchstore("d", "k", member="m", radius=1), int)  # GEOSEARCHSTORE: int
    assert_type(await r.get("k"), str | None)  # GET: bulk-or-nil
    assert_type(await r.getbit("k", 0), int)  # GETBIT: int
    assert_type(await r.getdel("k"), str | None)  # GETDEL: bulk-or-nil
    assert_type(await r.getex("k"), str | None)  # GETEX: bulk-or-nil
    assert_type(await r.getrange("k", 0, -1), str)  # GETRANGE: bulk
    assert_type(await r.getset("k", "v"), str | None)  # GETSET: bulk-or-nil
    assert_type(await r.hdel("h", "f"), int)  # HDEL: int
    assert_type(await r.hexists("k", "k"), bool)  # HEXISTS: bool
    assert_type(await r.hexpire("k", 10), list[int])  # HEXPIRE: array[int]
    assert_type(await r.hexpireat("k", 1_700_000_000), list[int])  # HEXPIREAT: array[int]
    assert_type(await r.hexpiretime("k"), list[int])  # HEXPIRETIME: array[int]
    assert_type(await r.hget("k", "k"), str | None)  # HGET: bulk-or-nil
    assert_type(await r.hgetall("k"), dict[str, str])  # HGETALL: map[bulk,bulk]
    assert_type(await r.hgetdel("h", "f"), list[str | None])  # HGETDEL: array[bulk-or-nil]
    assert_type(await r.hgetex("h", "f"), list[str | None])  # HGETEX: array[bulk-or-nil]
    assert_type(await r.hincrby("k", "k"), int)  # HINCRBY: int
    assert_type(await r.hincrbyfloat("k", "k"), float)  # HINCRBYFLOAT: float
    assert_type(await r.hkeys("k"), list[str])  # HKEYS: array[bulk]
    assert_type(await r.hlen("k"), int)  # HLEN: int
    assert_type(await r.hmget("h", ["f"]), list[str | None])  # HMGET: array[bulk-or-nil]
    assert_type(await r.hmset("h", {"f": "v"}), bool)  # HMSET: ok
    assert_type(await r.hpersist("k"), list[int])  # HPERSIST: array[int]
    assert_type(await r.hpexpire("k", 100), list[int])  # HPEXPIRE: array[int]
    assert_type(await r.hpexpireat("k", 1_700_000_000_000), list[int])  # HPEXPIREAT: array[int]
    assert_type(await r.hpexpiretime("k"), list[int])  # HPEXPIRETIME: array[int]
    assert_type(await r.hpttl("k"), list[int])  # HPTTL: array[int]
    assert_type(await r.hrandfield("h"), str | None)  # HRANDFIELD: bulk-or-nil
    assert_type(await r.hrandfield("h", 2), list[str])  # HRANDFIELD: array[bulk]
    assert_type(await r.hscan("h"), tuple[int, dict[str, str]])  # HSCAN: scan[map]
    assert_type(await r.hscan("h", no_values=True), tuple[int, list[str]])  # HSCAN: scan
    assert_type(await r.hset("h", "f", "v"), int)  # HSET: int
    assert_type(await r.hsetex("h", "f", "v"), int)  # HSETEX: int
    assert_type(await r.hsetnx("k", "k", "v"), int)  # HSETNX: int
    assert_type(await r.hstrlen("k", "k"), int)  # HSTRLEN: int
    assert_type(await r.httl("k"), list[int])  # HTTL: array[int]
    assert_type(await r.hvals("k"), list[str])  # HVALS: array[bulk]
    assert_type(await r.incr("k"), int)  # INCRBY: int
    assert_type(await r.incrby("k"), int)  # INCRBY: int
    assert_type(await r.incrbyfloat("k"), float)  # INCRBYFLOAT: float
    assert_type(await r.increx("k"), list[int | str])  # INCREX: array[int-or-bulk]
    assert_type(await r.info(), dict[str, InfoValue])  # INFO: info
    assert_type(await r.keys(), list[str])  # KEYS: array[bulk]
    assert_type(await r.lastsave(), datetime.datetime | None)  # LASTSAVE: datetime-or-nil
    assert_type(await r.latency_history("command"), list[list[int]])  # LATENCY HISTORY: array[array[int]]
    assert_type(await r.latency_latest(), list[list[str | int]])  # LATENCY LATEST: latency-latest
    assert_type(await r.latency_reset(), int)  # LATENCY RESET: int
    assert_type(await r.lcs("a", "b"), str)  # LCS: bulk
    assert_type(await r.lcs("a", "b", len=True), int)  # LCS: int
    assert_type(await r.lcs("a", "b", idx=True), list[RespValue[str]])  # LCS: lcs-idx
    assert_type(await r.lindex("k", 0), str | None)  # LINDEX: bulk-or-nil
    assert_type(await r.linsert("k", "BEFORE", "p", "v"), int)  # LINSERT: int
    assert_type(await r.llen("k"), int)  # LLEN: int
    assert_type(await r.lmove("a", "b"), str | None)  # LMOVE: bulk-or-nil
    assert_type(await r.lmpop(1, "k", direction="LEFT"), list[str | list[str]] | None)  # LMPOP: mpop
    assert_type(await r.lolwut(), str)  # LOLWUT: bulk
    assert_type(await r.lpop("l"), str | None)  # LPOP: bulk-or-nil
    assert_type(await r.lpop("l", 2), list[str] | None)  # LPOP: array[bulk]-or-nil
    assert_type(await r.lpos("l", "x"), int | None)  # LPOS: int-or-nil
    assert_type(await r.lpos("l", "x", count=0), list[int])  # LPOS: array[int]
    assert_type(await r.lpush("l", 1), int)  # LPUSH: int
    assert_type(await r.lpushx("l", 1), int)  # LPUSHX: int
    assert_type(await r.lrange("k", 0, -1), list[str])  # LRANGE: array[bulk]
    assert_type(await r.lrem("k", 2, "v"), int)  # LREM: int
    assert_type(await r.lset("k", 0, "v"), bool)  # LSET: ok
    assert_type(await r.ltrim("k", 0, -1), bool)  # LTRIM: ok
    assert_type(await r.memory_malloc_stats(), str)  # MEMORY MALLOC-STATS: bulk
    assert_type(await r.memory_purge(), bool)  # MEMORY PURGE: ok
    assert_type(await r.memory_stats(), dict[str, int | float | str | dict[str, int | float | str]])  # MEMORY STATS: memory-stats
    assert_type(await r.memory_usage("k"), int | None)  # MEMORY USAGE: int-or-nil
    assert_type(await r.mget(["a", "b"]), list[str | None])  # MGET: array[bulk-or-nil]
    assert_type(await r.migrate("127.0.0.1", 1, ["k"], 0, 10), str)  # MIGRATE: bulk
    assert_type(await r.module_list(), list[dict[str, RespValue[str]]])  # MODULE LIST: module-list
    assert_type(await r.module_load("/m.so"), bool)  # MODULE LOAD: ok
    assert_type(await r.module_loadex("/m.so"), str)  # MODULE LOADEX: bulk
    assert_type(await r.module_unload("k"), bool)  # MODULE UNLOAD: ok
    assert_type(await r.move("k", 1), bool)  # MOVE: bool
    assert_type(await r.mset({"a": "1"}), bool)  # MSET: ok
    assert_type(await r.msetex({"a": "1"}), int)  # MSETEX: int
    assert_type(await r.msetnx({"a": "1"}), bool)  # MSETNX: bool
    assert_type(await r.object("encoding", "k"), str | None)  # OBJECT ENCODING: bulk-or-nil
    assert_type(await r.object("refcount", "k"), int | None)  # OBJECT REFCOUNT: int-or-nil
    assert_type(await r.object("Freq", "k"), str | int | None)  # OBJECT FREQ: object-any
    assert_type(await r.persist("k"), bool)  # PERSIST: bool
    assert_type(await r.pexpire("k", 10), bool)  # PEXPIRE: bool
    assert_type(await r.pexpireat("k", 1_700_000_000), bool)  # PEXPIREAT: bool
    assert_type(await r.pexpiretime("k"), int)  # PEXPIRETIME: int
    assert_type(await r.pfadd("k"), int)  # PFADD: int
    assert_type(await r.pfcount(), int)  # PFCOUNT: int
    assert_type(await r.pfmerge("d"), bool)  # PFMERGE: ok
    assert_type(await r.ping(), bool)  # PING: ok
    assert_type(await r.psetex("k", 100, "v"), bool)  # PSETEX: ok
    assert_type(await r.pttl("k"), int)  # PTTL: int
    assert_type(await r.publish("c", "m"), int)  # PUBLISH: int
    assert_type(await r.pubsub_channels(), list[str])  # PUBSUB CHANNELS: array[bulk]
    assert_type(await r.pubsub_numpat(), int)  # PUBSUB NUMPAT: int
    assert_type(await r.pubsub_numsub(), list[tuple[str, int]])  # PUBSUB NUMSUB: numsub
    assert_type(await r.pubsub_shardchannels(), list[str])  # PUBSUB SHARDCHANNELS: array[bulk]
    assert_type(await r.pubsub_shardnumsub(), list[tuple[str, int]])  # PUBSUB SHARDNUMSUB: numsub
    assert_type(await r.randomkey(), str | None)  # RANDOMKEY: bulk-or-nil
    assert_type(await r.readonly(), bool)  # READONLY: ok
    assert_type(await r.readwrite(), bool)  # READWRITE: ok
    assert_type(await r.rename("a", "b"), bool)  # RENAME: ok
    assert_type(await r.renamenx("a", "b"), bool)  # RENAMENX: bool
    assert_type(await r.replicaof(), str)  # REPLICAOF: bulk
    assert_type(await r.restore("k", 0, "v"), str)  # RESTORE: bulk
    assert_type(await r.role(), list[RespValue[str]])  # ROLE: array[resp]
    assert_type(await r.rpop("l"), str | None)  # RPOP: bulk-or-nil
    assert_type(await r.rpop("l", 2), list[str] | None)  # RPOP: array[bulk]-or-nil
    assert_type(await r.rpoplpush("a", "b"), str | None)  # RPOPLPUSH: bulk-or-nil
    assert_type(await r.rpush("l", 1), int)  # RPUSH: int
    assert_type(await r.rpushx("l", 1), int)  # RPUSHX: int
    assert_type(await r.sadd("k"), int)  # SADD: int
    assert_type(await r.save(), bool)  # SAVE: ok
    assert_type(await r.scan(), tuple[int, list[str]])  # SCAN: scan
    assert_type(await r.scard("k"), int)  # SCARD: int
    assert_type(await r.script_exists("0" * 40), list[bool])  # SCRIPT EXISTS: array[bool]
    assert_type(await r.script_flush(), bool)  # SCRIPT FLUSH: ok
    assert_type(await r.script_kill(), bool)  # SCRIPT KILL: ok
    assert_type(await r.script_load("return 1"), str)  # SCRIPT LOAD: text
    assert_type(await r.sdiff(["k1", "k2"]), set[str])  # SDIFF: set[bulk]
    assert_type(await r.sdiffstore("d", ["k1", "k2"]), int)  # SDIFFSTORE: int
    assert_type(await r.sentinel_ckquorum("m"), bool)  # SENTINEL CKQUORUM: ok
    assert_type(await r.sentinel_failover("m"), bool)  # SENTINEL FAILOVER: ok
    assert_type(await r.sentinel_flushconfig(), bool)  # SENTINEL FLUSHCONFIG: ok
    assert_type(await r.sentinel_get_master_addr_by_name("m"), tuple[str, int] | None)  # SENTINEL GET-MASTER-ADDR-BY-NAME: master-address
    assert_type(await r.sentinel_master("m"), dict[str, str | int | bool])  # SENTINEL MASTER: sentinel-state
    assert_type(await r.sentinel_masters(), dict[str, dict[str, str | int | bool]])  # SENTINEL MASTERS: sentinel-masters
    assert_type(await r.sentinel_monitor("k", "127.0.0.1", 1, 1), bool)  # SENTINEL MONITOR: ok
    assert_type(await r.sentinel_remove("k"), bool)  # SENTINEL REMOVE: ok
    assert_type(await r.sentinel_reset("*"), bool)  # SENTINEL RESET: ok
    assert_type(await r.sentinel_sentinels("m"), list[dict[str, str | int | bool]])  # SENTINEL SENTINELS: sentinel-states
    assert_type(await r.sentinel_set("m", "quorum", 2), bool)  # SENTINEL SET: ok
    assert_type(await r.sentinel_slaves("m"), list[dict[str, str | int | bool]])  # SENTINEL SLAVES: sentinel-states
    assert_type(await r.set("k", "v"), bool | None)  # SET: set-or-get
    assert_type(await r.set("k", "v", get=True), str | None)  # SET: bulk-or-nil
    assert_type(await r.setbit("k", 7, 1), int)  # SETBIT: int
    assert_type(await r.setex("k", 10, "v"), bool)  # SETEX: ok
    assert_type(await r.setnx("k", "v"), bool)  # SETNX: bool
    assert_type(await r.setrange("k", 0, "v"), int)  # SETRANGE: int
    assert_type(await r.sinter(["k1", "k2"]), set[str])  # SINTER: set[bulk]
    assert_type(await r.sintercard(0, ["k1", "k2"]), int)  # SINTERCARD: int
    assert_type(await r.sinterstore("d", ["k1", "k2"]), int)  # SINTERSTORE: int
    assert_type(await r.sismember("k", "v"), int)  # SISMEMBER: int
    assert_type(await r.slaveof(), bool)  # SLAVEOF: ok
    assert_type(await r.slowlog_get(), list[SlowLogEntry])  # SLOWLOG GET: slowlog
    assert_type(await r.slowlog_len(), int)  # SLOWLOG LEN: int
    assert_type(await r.slowlog_reset(), bool)  # SLOWLOG RESET: ok
    assert_type(await r.smembers("k"), set[str])  # SMEMBERS: set[bulk]
    assert_type(await r.smismember("s", ["a", "b"]), list[int])  # SMISMEMBER: array[int]
    assert_type(await r.smove("a", "b", "v"), bool)  # SMOVE: bool
    assert_type(await r.sort("k"), list[str | None])  # SORT: array[bulk-or-nil]
    assert_type(await r.sort("k", store="d"), int)  # SORT: int
    assert_type(await r.sort("k", get=["#", "w_*"], groups=True), list[tuple[str | None, ...]])  # SORT: sort-groups
    assert_type(await r.sort_ro("k"), list[str | None])  # SORT_RO: array[bulk-or-nil]
    assert_type(await r.spop("s"), str | None)  # SPOP: bulk-or-nil
    assert_type(await r.spop("s", 2), list[str])  # SPOP: array[bulk]
    assert_type(await r.spublish("c", "m"), int)  # SPUBLISH: int
    assert_type(await r.srandmember("s"), str | None)  # SRANDMEMBER: bulk-or-nil
    assert_type(await r.srandmember("s", 2), list[str])  # SRANDMEMBER: array[bulk]
    assert_type(await r.srem("k"), int)  # SREM: int
    assert_type(await r.sscan("k"), tuple[int, list[str]])  # SSCAN: scan
    assert_type(await r.strlen("k"), int)  # STRLEN: int
    assert_type(await r.substr("k", 0), str)  # SUBSTR: bulk
    assert_type(await r.sunion(["k1", "k2"]), set[str])  # SUNION: set[bulk]
    assert_type(await r.sunionstore("d", ["k1", "k2"]), int)  # SUNIONSTORE: int
    assert_type(await r.swapdb(0, 1), bool)  # SWAPDB: ok
    assert_type(await r.time(), tuple[int, int])  # TIME: time
    assert_type(await r.touch("k"), int)  # TOUCH: int
    assert_type(await r.ttl("k"), int)  # TTL: int
    assert_type(await r.type("k"), str)  # TYPE: bulk
    assert_type(await r.unlink("k"), int)  # UNLINK: int
    assert_type(await r.wait(0, 0), int)  # WAIT: int
    assert_type(await r.waitaof(0, 0, 0), list[int])  # WAITAOF: array[int]
    assert_type(await r.xack("s", "g", "0-1"), int)  # XACK: int
    assert_type(await r.xadd("s", {"f": "v"}), str)  # XADD: bulk
    assert_type(await r.xadd("s", {"f": "v"}, nomkstream=True), str | None)  # XADD: bulk-or-nil
    assert_type(await r.xautoclaim("s", "g", "c", 0), list[str | list[tuple[str, dict[str, str]]] | list[str]])  # XAUTOCLAIM: xautoclaim
    assert_type(await r.xautoclaim("s", "g", "c", 0, justid=True), list[str])  # XAUTOCLAIM: array[bulk]
    assert_type(await r.xclaim("s", "g", "c", 0, ["0-1"]), list[tuple[str, dict[str, str]] | tuple[None, None]])  # XCLAIM: claimed
    assert_type(await r.xclaim("s", "g", "c", 0, ["0-1"], justid=True), list[str])  # XCLAIM: array[bulk]
    assert_type(await r.xdel("s", "0-1"), int)  # XDEL: int
    assert_type(await r.xgroup_create("k", "g"), bool)  # XGROUP CREATE: ok
    assert_type(await r.xgroup_createconsumer("k", "g", "c"), int)  # XGROUP CREATECONSUMER: int
    assert_type(await r.xgroup_delconsumer("k", "g", "c"), int)  # XGROUP DELCONSUMER: int
    assert_type(await r.xgroup_destroy("k", "g"), bool)  # XGROUP DESTROY: bool
    assert_type(await r.xgroup_setid("k", "g", "0-1"), bool)  # XGROUP SETID: ok
    assert_type(await r.xinfo_consumers("k", "g"), list[dict[str, str | int]])  # XINFO CONSUMERS: xinfo-consumers
    assert_type(await r.xinfo_groups("k"), list[dict[str, str | int | None]])  # XINFO GROUPS: xinfo-groups
    assert_type(await r.xinfo_stream("s"), dict[str, int | str | tuple[str, dict[str, str]] | None])  # XINFO STREAM: xinfo-stream
    assert_type(await r.xinfo_stream("s", full=True), dict[str, RespValue[str | str]])  # XINFO STREAM: xinfo-stream-full
    assert_type(await r.xlen("k"), int)  # XLEN: int
    assert_type(await r.xpending("k", "g"), PendingSummary[str])  # XPENDING: xpending
    assert_type(await r.xpending_range("s", "g", "-", "+", 10), list[PendingEntry[str]])  # XPENDING: xpending-range
    assert_type(await r.xrange("k"), list[tuple[str, dict[str, str]]])  # XRANGE: entries
    assert_type(await r.xread({"s": "0"}), list[list[str | list[tuple[str, dict[str, str]]]]])  # XREAD: xread
    assert_type(await r.xreadgroup("g", "c", {"s": ">"}), list[list[str | list[tuple[str, dict[str, str]]]]])  # XREADGROUP: xread
    assert_type(await r.xreadgroup("g", "c", {"s": ">"}, claim_min_idle_time=10), list[list[str | list[tuple[str | dict[str, str] | int, ...]]]])  # XREADGROUP: xreadgroup-claim
    assert_type(await r.xrevrange("k"), list[tuple[str, dict[str, str]]])  # XREVRANGE: entries
    assert_type(await r.xtrim("s", maxlen=1), int)  # XTRIM: int
    assert_type(await r.zadd("z", {"a": 1.0}), int)  # ZADD: int
    assert_type(await r.zadd("z", {"a": 1.0}, incr=True), float | None)  # ZADD: float-or-nil
    assert_type(await r.zcard("k"), int)  # ZCARD: int
    assert_type(await r.zcount("k", 0, 10), int)  # ZCOUNT: int
    assert_type(await r.zdiff(["a", "b"]), list[str])  # ZDIFF: array[bulk]
    assert_type(await r.zdiff(["a", "b"], withscores=True), list[str | bytes])  # ZDIFF: flat-scored
    assert_type(await r.zdiffstore("d", ["k1", "k2"]), int)  # ZDIFFSTORE: int
    assert_type(await r.zincrby("k", 1, "v"), float)  # ZINCRBY: float
    assert_type(await r.zinter(["a", "b"]), list[str])  # ZINTER: array[bulk]
    assert_type(await r.zinter(["a", "b"], withscores=True), list[tuple[str, float]])  # ZINTER: scored
    assert_type(await r.zintercard(0, ["k1", "k2"]), int)  # ZINTERCARD: int
    assert_type(await r.zinterstore("d", ["k1", "k2"]), int)  # ZINTERSTORE: int
    assert_type(await r.zlexcount("k", 0, 10), int)  # ZLEXCOUNT: int
    assert_type(await r.zmpop(1, ["k"], min=True), list[str | list[list[str | bytes]]] | None)  # ZMPOP: zmpop
    assert_type(await r.zmscore("z", ["a"]), list[float | None])  # ZMSCORE: array[float-or-nil]
    assert_type(await r.zpopmax("k"), list[tuple[str, float]])  # ZPOPMAX: scored
    assert_type(await r.zpopmin("k"), list[tuple[str, float]])  # ZPOPMIN: scored
    assert_type(await r.zrandmember("z"), str | None)  # ZRANDMEMBER: bulk-or-nil
    assert_type(await r.zrandmember("z", 2), list[str])  # ZRANDMEMBER: array[bulk]
    assert_type(await r.zrandmember("z", 2, withscores=True), list[str | bytes])  # ZRANDMEMBER: flat-scored
    assert_type(await r.zrange("z", 0, -1), list[str])  # ZRANGE: array[bulk]
    assert_type(await r.zrange("z", 0, -1, withscores=True), list[tuple[str, float]])  # ZRANGE: scored
    assert_type(await r.zrange("z", 0, -1, withscores=True, score_cast_func=int), list[tuple[str, int]])  # ZRANGE: scored[int]
    assert_type(await r.zrangebylex("k", 0, 10), list[str])  # ZRANGEBYLEX: array[bulk]
    assert_type(await r.zrangebyscore("z", 0, 1), list[str])  # ZRANGEBYSCORE: array[bulk]
    assert_type(await r.zrangebyscore("z", 0, 1, withscores=True), list[tuple[str, float]])  # ZRANGEBYSCORE: scored
    assert_type(await r.zrangestore("d", "k", 0, -1), int)  # ZRANGESTORE: int
    assert_type(await r.zrank("z", "m"), int | None)  # ZRANK: int-or-nil
    assert_type(await r.zrem("k"), int)  # ZREM: int
    assert_type(await r.zremrangebylex("k", 0, 10), int)  # ZREMRANGEBYLEX: int
    assert_type(await r.zremrangebyrank("k", 0, 10), int)  # ZREMRANGEBYRANK: int
    assert_type(await r.zremrangebyscore("k", 0, 10), int)  # ZREMRANGEBYSCORE: int
    assert_type(await r.zrevrange("z", 0, -1), list[str])  # ZREVRANGE: array[bulk]
    assert_type(await r.zrevrange("z", 0, -1, withscores=True), list[tuple[str, float]])  # ZREVRANGE: scored
    assert_type(await r.zrevrangebylex("k", 10, 0), list[str])  # ZREVRANGEBYLEX: array[bulk]
    assert_type(await r.zrevrangebyscore("z", 1, 0), list[str])  # ZREVRANGEBYSCORE: array[bulk]
    assert_type(await r.zrevrangebyscore("z", 1, 0, withscores=True), list[tuple[str, float]])  # ZREVRANGEBYSCORE: scored
    assert_type(await r.zrevrank("z", "m"), int | None)  # ZREVRANK: int-or-nil
    assert_type(await r.zscan("k"), tuple[int, list[tuple[str, float]]])  # ZSCAN: scan[scored]
    assert_type(await r.zscore("k", "v"), float | None)  # ZSCORE: float-or-nil
    assert_type(await r.zunion(["a", "b"]), list[str])  # ZUNION: array[bulk]
    assert_type(await r.zunion(["a", "b"], withscores=True), list[tuple[str, float]])  # ZUNION: scored
    assert_type(await r.zunionstore("d", ["k1", "k2"]), int)  # ZUNIONSTORE: int
