"""Hash commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from leanredis import DataError, ResponseError, WrongTypeError

from .oracle import both, same_shape, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_hash(client):  # type: ignore[no-untyped-def]
    await client.hset("h", mapping={"a": "1", "b": "2", "text": "h\u00e9llo"})


def text(value):  # type: ignore[no-untyped-def]
    return value.decode() if isinstance(value, bytes) else value


async def test_hset_forms_return_added_count(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "hset", "h", "f", "v") == 1
    assert await write_both(pair, with_hash, "hset", "h", "a", "changed") == 0
    assert await write_both(pair, with_hash, "hset", "h", mapping={"a": "x", "new": 1.5}) == 1
    assert await write_both(pair, nothing, "hset", "h", items=["f1", "v1", "f2", 2]) == 2
    assert await write_both(pair, nothing, "hset", "h", "k", "v", mapping={"m": "v"}, items=["i", "v"]) == 3
    assert await write_both(pair, with_hash, "hsetnx", "h", "a", "x") == 0
    assert await write_both(pair, with_hash, "hsetnx", "h", "new", "x") == 1
    with pytest.warns(DeprecationWarning):
        assert await write_both(pair, nothing, "hmset", "h", {"a": "1", "b": "2"}) is True
    ours, _ = pair
    await ours.flushdb()
    await ours.hset("h", "k", "v", mapping={"m": "v"}, items=["i", "v"])
    assert sorted(map(text, await ours.hkeys("h"))) == ["i", "k", "m"]


async def test_reads_return_redis_py_types(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await both(pair, "hgetall", "missing") == {}
    assert await both(pair, "hget", "h", "a") is None
    await with_hash(ours)
    assert text(await both(pair, "hget", "h", "text")) == "h\u00e9llo"
    assert await both(pair, "hget", "h", "missing") is None
    assert [text(v) for v in await both(pair, "hmget", "h", ["a", "b", "nope"])] == ["1", "2", None]
    await both(pair, "hmget", "h", "a", "b")
    await both(pair, "hmget", "h", ("a",), "b")
    all_fields = await both(pair, "hgetall", "h")
    assert {text(k): text(v) for k, v in all_fields.items()} == {"a": "1", "b": "2", "text": "h\u00e9llo"}
    assert await both(pair, "hexists", "h", "a") is True
    assert await both(pair, "hexists", "h", "nope") is False
    assert sorted(map(text, await both(pair, "hkeys", "h"))) == ["a", "b", "text"]
    await both(pair, "hvals", "h")
    assert await both(pair, "hvals", "missing") == []
    assert await both(pair, "hlen", "h") == 3
    assert await both(pair, "hstrlen", "h", "text") == len("h\u00e9llo".encode())
    assert await both(pair, "hstrlen", "h", "nope") == 0


async def test_increments_and_deletes(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_hash, "hincrby", "h", "a") == 2
    assert await write_both(pair, with_hash, "hincrby", "h", "new", -5) == -5
    assert await write_both(pair, with_hash, "hincrbyfloat", "h", "a") == 2.0
    assert await write_both(pair, with_hash, "hincrbyfloat", "h", "b", 0.25) == 2.25
    assert await write_both(pair, with_hash, "hdel", "h", "a", "b", "nope") == 2
    assert await write_both(pair, nothing, "hdel", "h", "a") == 0


async def test_hrandfield_shapes(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await both(pair, "hrandfield", "missing") is None
    assert await both(pair, "hrandfield", "missing", 2) == []
    assert await both(pair, "hrandfield", "missing", 2, withvalues=True) == []
    # a one-field hash makes the random answer deterministic
    await ours.hset("one", "f", "v")
    assert text(await both(pair, "hrandfield", "one")) == "f"
    assert [text(x) for x in await both(pair, "hrandfield", "one", 1)] == ["f"]
    assert [text(x) for x in await both(pair, "hrandfield", "one", 1, withvalues=True)] == ["f", "v"]
    assert [text(x) for x in await both(pair, "hrandfield", "one", -2, withvalues=True)] == ["f", "v", "f", "v"]
    await with_hash(ours)
    # every field once (count >= size): compare as sets of pairs
    flat = await ours.hrandfield("h", 10, withvalues=True)
    assert isinstance(flat, list) and len(flat) == 6
    pairs = zip(flat[::2], flat[1::2], strict=True)
    assert {text(k): text(v) for k, v in pairs} == {"a": "1", "b": "2", "text": "h\u00e9llo"}


async def test_hscan_and_hscan_iter(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    assert await both(pair, "hscan", "missing") == (0, {})
    await with_hash(ours)
    cursor, found = await both(pair, "hscan", "h")
    assert cursor == 0 and {text(k): text(v) for k, v in found.items()}["text"] == "h\u00e9llo"
    await both(pair, "hscan", "h", 0, match="t*", count=10)
    # more fields than a listpack holds (512 by default): a real hash table and a real cursor
    await ours.hset("big", mapping={f"f{i}": i for i in range(1000)})
    cursor, page = await both(pair, "hscan", "big", 0, count=10)
    assert cursor != 0 and isinstance(page, dict)
    mine = [item async for item in ours.hscan_iter("big", match="f1*", count=20)]
    reference = [item async for item in theirs.hscan_iter("big", match="f1*", count=20)]
    assert same_shape(sorted(mine), sorted(reference)) and len(mine) == 111


async def test_hscan_no_values_lists_fields(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    try:
        await ours.hset("probe", "f", "v")
        await ours.execute_command("HSCAN", "probe", 0, "NOVALUES")
    except ResponseError:
        pytest.skip("HSCAN NOVALUES needs Redis 7.4+ or Valkey 8+")
    assert await both(pair, "hscan", "missing", no_values=True) == (0, [])
    await with_hash(ours)
    cursor, fields = await both(pair, "hscan", "h", no_values=True)
    assert cursor == 0 and sorted(map(text, fields)) == ["a", "b", "text"]
    await ours.hset("big", mapping={f"f{i}": i for i in range(1000)})
    mine_fields = [f async for f in ours.hscan_iter("big", count=20, no_values=True)]
    reference_fields = [f async for f in theirs.hscan_iter("big", count=20, no_values=True)]
    assert same_shape(sorted(mine_fields), sorted(reference_fields)) and len(mine_fields) == 1000


async def test_execute_command_applies_the_hash_parsers(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    await with_hash(ours)
    for args in (("HGETALL", "h"), ("HSCAN", "h", 0), ("HEXISTS", "h", "a"), ("HINCRBYFLOAT", "h", "a", 0)):
        mine = await ours.execute_command(*args)
        reference = await theirs.execute_command(*args)
        assert same_shape(mine, reference), f"{args}: {mine!r} vs {reference!r}"
    await ours.hset("one", "f", "v")
    mine = await ours.execute_command("HRANDFIELD", "one", 1, "WITHVALUES")
    assert [text(x) for x in mine] == ["f", "v"]


async def test_bad_hash_arguments_raise_data_error_at_call_time(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="nothing to set"):
        r.hset("h")
    with pytest.raises(DataError, match="even length"):
        r.hset("h", items=["f1", "v1", "f2"])
    with pytest.raises(DataError, match="mapping must be a dict"):
        r.hset("h", mapping=[("f", "v")])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="non-empty mapping"), pytest.warns(DeprecationWarning):
        r.hmset("h", {})
    with pytest.raises(DataError, match="at least one field"):
        r.hmget("h", [])
    with pytest.raises(DataError, match="at least one field"):
        r.hdel("h")


async def test_wrong_type_and_bad_values_are_server_errors(r):  # type: ignore[no-untyped-def]
    await r.set("s", "text")
    with pytest.raises(WrongTypeError):
        await r.hset("s", "f", "v")
    with pytest.raises(WrongTypeError):
        await r.hgetall("s")
    await r.hset("h", "f", "text")
    with pytest.raises(ResponseError, match="not an integer"):
        await r.hincrby("h", "f")
    with pytest.raises(ResponseError, match="not a (valid )?float"):
        await r.hincrbyfloat("h", "f")
    assert await r.hget("h", "f") == b"text"  # the client still works after each
