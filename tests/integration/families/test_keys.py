"""Generic key commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import datetime

import pytest

import leanredis
from leanredis import DataError, ResponseError

from .oracle import both, same_shape, write_both

pytestmark = pytest.mark.families

FAR_FUTURE_MS = 4_000_000_000_000  # year 2096: a fixed, exact expiry time


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_keys(client):  # type: ignore[no-untyped-def]
    await client.mset({"a": "1", "b": "2", "c": "3"})


async def with_expiring(client):  # type: ignore[no-untyped-def]
    await client.set("a", "1", px=100_000)
    await client.set("b", "2")


async def with_fixed_expiry(client):  # type: ignore[no-untyped-def]
    await client.set("a", "1", pxat=FAR_FUTURE_MS)
    await client.set("b", "2")


async def with_many_types(client):  # type: ignore[no-untyped-def]
    await client.set("s", "1")
    await client.execute_command("RPUSH", "l", "x")
    await client.execute_command("HSET", "h", "f", "v")
    await client.execute_command("SADD", "set", "m")
    await client.execute_command("ZADD", "z", 1, "m")


async def test_delete_unlink_exists_touch_count_keys(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_keys, "delete", "a", "b", "missing") == 2
    assert await write_both(pair, with_keys, "unlink", "c", "missing") == 1
    assert await write_both(pair, with_keys, "touch", "a", "b", "missing") == 2
    await with_keys(pair[0])
    assert await both(pair, "exists", "a", "a", "missing") == 2
    assert await both(pair, "exists", "missing") == 0


async def test_expire_family_returns_bool_and_honours_flags(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_keys, "expire", "a", 100) is True
    assert await write_both(pair, with_keys, "expire", "missing", 100) is False
    assert await write_both(pair, with_keys, "expire", "a", datetime.timedelta(minutes=1), nx=True) is True
    assert await write_both(pair, with_expiring, "expire", "a", 100, nx=True) is False
    assert await write_both(pair, with_keys, "expire", "a", 100, xx=True) is False
    assert await write_both(pair, with_expiring, "expire", "a", 1000, gt=True) is True
    assert await write_both(pair, with_expiring, "expire", "a", 1000, lt=True) is False
    assert await write_both(pair, with_expiring, "expire", "a", 1000, xx=True, gt=True) is True
    assert await write_both(pair, with_keys, "pexpire", "a", 100_000) is True
    assert await write_both(pair, with_keys, "pexpire", "a", datetime.timedelta(seconds=5), nx=True) is True
    assert await write_both(pair, with_expiring, "pexpire", "a", 1, gt=True) is False
    in_an_hour = datetime.datetime.now() + datetime.timedelta(hours=1)
    assert await write_both(pair, with_keys, "expireat", "a", in_an_hour) is True
    assert await write_both(pair, with_keys, "expireat", "a", 4_000_000_000, xx=True) is False
    assert await write_both(pair, with_expiring, "expireat", "a", 4_000_000_000, lt=True) is False
    assert await write_both(pair, with_keys, "pexpireat", "a", in_an_hour) is True
    assert await write_both(pair, with_keys, "pexpireat", "a", FAR_FUTURE_MS, nx=True) is True
    assert await write_both(pair, with_fixed_expiry, "persist", "a") is True
    assert await write_both(pair, with_fixed_expiry, "persist", "b") is False


async def test_ttl_family_reads_expiry_as_int(pair):  # type: ignore[no-untyped-def]
    await with_fixed_expiry(pair[0])
    assert await both(pair, "pexpiretime", "a") == FAR_FUTURE_MS
    assert await both(pair, "expiretime", "a") == FAR_FUTURE_MS // 1000
    assert await both(pair, "expiretime", "b") == -1
    assert await both(pair, "pexpiretime", "missing") == -2
    assert await both(pair, "ttl", "b") == -1
    assert await both(pair, "pttl", "missing") == -2
    ours, theirs = pair
    # a live TTL moves between the two calls: compare types and ranges
    await ours.set("e", "1", ex=100)
    for method, low, high in (("ttl", 90, 100), ("pttl", 90_000, 100_000)):
        mine, reference = await getattr(ours, method)("e"), await getattr(theirs, method)("e")
        assert type(mine) is type(reference) is int
        assert low <= mine <= high and low <= reference <= high


async def test_type_rename_and_copy(pair):  # type: ignore[no-untyped-def]
    await with_many_types(pair[0])
    names = [await both(pair, "type", key) for key in ("s", "l", "h", "set", "z", "missing")]
    decoded = [n.decode() if isinstance(n, bytes) else n for n in names]
    assert decoded == ["string", "list", "hash", "set", "zset", "none"]
    assert await write_both(pair, with_keys, "rename", "a", "z") is True
    assert await write_both(pair, with_keys, "renamenx", "a", "b") is False
    assert await write_both(pair, with_keys, "renamenx", "a", "z") is True
    assert await write_both(pair, with_keys, "copy", "a", "z") is True
    assert await write_both(pair, with_keys, "copy", "a", "b") is False
    assert await write_both(pair, with_keys, "copy", "a", "b", replace=True) is True
    assert await write_both(pair, nothing, "copy", "missing", "b") is False


async def test_copy_to_another_database(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    db1 = leanredis.Redis(host="127.0.0.1", port=ours.options.port, db=1)
    try:
        await db1.flushdb()
        assert await write_both(pair, with_keys, "copy", "a", "x", destination_db=1, replace=True) is True
        assert await db1.get("x") == b"1"
        assert await write_both(pair, with_keys, "copy", "a", "x", destination_db=1) is False
    finally:
        await db1.flushdb()
        await db1.aclose()


async def keys_both(pair, *args):  # type: ignore[no-untyped-def]
    """``both`` for KEYS, in any order: it lists in the server's table order, which a rehash in progress
    changes between two calls (seen once in CI: [b'set', b's'] then [b's', b'set'])."""
    ours, theirs = pair
    mine, its = await ours.keys(*args), await theirs.keys(*args)
    assert type(mine) is type(its) and same_shape(sorted(mine), sorted(its)), f"keys{args}: {mine!r} vs {its!r}"
    return mine


async def test_keys_scan_and_randomkey(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    assert await both(pair, "randomkey") is None
    assert await both(pair, "keys") == []
    await ours.set("only", "1")
    assert await both(pair, "randomkey") in (b"only", "only")  # one key: not random
    await ours.delete("only")
    await with_many_types(ours)
    await keys_both(pair)
    assert len(await keys_both(pair, "s*")) == 2
    cursor, found = await both(pair, "scan")
    assert cursor == 0 and len(found) == 5
    await both(pair, "scan", 0, match="s*", count=100)
    assert await both(pair, "scan", 0, _type="list") in ((0, [b"l"]), (0, ["l"]))
    await ours.mset({f"many:{i}": i for i in range(300)})
    cursor, page = await both(pair, "scan", 0, match="many:*", count=10)
    assert cursor != 0 and type(cursor) is int
    mine = [key async for key in ours.scan_iter(match="many:*", count=50)]
    reference = [key async for key in theirs.scan_iter(match="many:*", count=50)]
    assert same_shape(sorted(mine), sorted(reference)) and len(set(mine)) == 300
    by_type = [key async for key in ours.scan_iter(_type="hash")]
    assert by_type in ([b"h"], ["h"])


async def test_dump_is_raw_bytes_and_restore_round_trips(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    await ours.execute_command("HSET", "h", "f", "\u00e9t\u00e9")
    payload = await both(pair, "dump", "h")
    assert type(payload) is bytes
    assert await both(pair, "dump", "missing") is None
    # DUMP among other replies in one batch: only its own reply skips decoding
    import asyncio

    name, dumped, value = await asyncio.gather(ours.type("h"), ours.dump("h"), ours.hget("h", "f"))
    assert dumped == payload and type(name) is type(value) and value in ("\u00e9t\u00e9", "\u00e9t\u00e9".encode())

    async def empty(client):  # type: ignore[no-untyped-def]
        return None

    assert await write_both(pair, empty, "restore", "r", 0, payload) in (b"OK", "OK")
    assert await write_both(pair, with_keys, "restore", "a", 0, payload, replace=True) in (b"OK", "OK")
    await write_both(pair, empty, "restore", "r", FAR_FUTURE_MS, payload, absttl=True)
    assert await ours.pexpiretime("r") == FAR_FUTURE_MS
    await write_both(pair, empty, "restore", "r", 0, payload, idletime=10)
    assert await theirs.hgetall("r") == await ours.hgetall("r")


async def test_restore_frequency_needs_lfu_policy(r):  # type: ignore[no-untyped-def]
    await r.set("k", "v")
    payload = await r.dump("k")
    await r.execute_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        assert await r.restore("k2", 0, payload, frequency=5) == b"OK"
        assert await r.get("k2") == b"v"
    finally:
        await r.execute_command("CONFIG", "SET", "maxmemory-policy", "noeviction")


async def test_bad_key_arguments_raise_data_error_at_call_time(r):  # type: ignore[no-untyped-def]
    for method in (r.delete, r.unlink, r.exists, r.touch):
        with pytest.raises(DataError, match="at least one key"):
            method()
    with pytest.raises(ResponseError, match="not an integer"):
        await r.expire("k", "ten")  # type: ignore[arg-type]  # sent as redis-py sends it
    with pytest.raises(DataError, match="ttl must be an integer"):
        r.restore("k", 1.5, b"x")
    with pytest.raises(DataError, match="idletime must be an integer"):
        r.restore("k", 0, b"x", idletime="soon")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="frequency must be an integer"):
        r.restore("k", 0, b"x", frequency=True)


async def test_server_errors_keep_their_text(r):  # type: ignore[no-untyped-def]
    with pytest.raises(ResponseError, match="no such key"):
        await r.rename("missing", "x")
    await r.set("k", "v")
    with pytest.raises(ResponseError, match="BUSYKEY"):
        await r.restore("k", 0, await r.dump("k"))
    with pytest.raises(ResponseError, match="payload"):
        await r.restore("k2", 0, b"not a dump payload")
    assert await r.get("k") == b"v"  # the client still works after each


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("parser", ["python", "auto"])
async def test_dump_skips_decoding_with_either_parser_and_protocol(redis_server, protocol, parser):  # type: ignore[no-untyped-def]
    raw = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    decoded = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, protocol=protocol, parser=parser, decode_responses=True
    )
    try:
        await raw.flushdb()
        await raw.set("bin", b"\xff\xfe not utf-8")
        expected = await raw.dump("bin")
        import asyncio

        # queued behind and ahead of decoded replies, in one batch
        before, payload, after = await asyncio.gather(decoded.type("bin"), decoded.dump("bin"), decoded.type("bin"))
        assert (before, payload, after) == ("string", expected, "string")
        assert await decoded.dump("missing") is None
        assert await decoded.restore("copy", 0, payload) == "OK"
        assert await raw.get("copy") == b"\xff\xfe not utf-8"
    finally:
        await raw.aclose()
        await decoded.aclose()
