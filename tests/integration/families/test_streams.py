"""Stream commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str.

Entries get explicit ids wherever both clients must see the same state;
where the server picks ids or times (idle, delivery time), shapes are
compared with ``skeleton``: every integer stands for its type.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from leanredis import DataError, ResponseError

from .oracle import both, same_shape, write_both

pytestmark = pytest.mark.families


def text(value):  # type: ignore[no-untyped-def]
    return value.decode() if isinstance(value, bytes) else value


def skeleton(value: Any) -> Any:
    """``value`` with every int (not bool) replaced by the int type: shapes and names, not times."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int
    if isinstance(value, dict):
        return {k: skeleton(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(skeleton(v) for v in value)
    return value


async def both_skeleton(pair, method, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Like ``both`` for replies with times in them: same skeleton, same types."""
    ours_client, theirs_client = pair
    ours = await getattr(ours_client, method)(*args, **kwargs)
    theirs = await getattr(theirs_client, method)(*args, **kwargs)
    assert same_shape(skeleton(ours), skeleton(theirs)), f"{method}{args}: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def three_entries(client):  # type: ignore[no-untyped-def]
    await client.xadd("s", {"n": "1"}, id="1-0")
    await client.xadd("s", {"n": "2", "x": "h\u00e9"}, id="2-0")
    await client.xadd("s", {"n": "3"}, id="3-0")


async def group_ready(client):  # type: ignore[no-untyped-def]
    """Three entries and group g, nothing read yet."""
    await three_entries(client)
    await client.xgroup_create("s", "g", id="0")


async def group_with_pending(client):  # type: ignore[no-untyped-def]
    """Three entries, group g; c1 has read 1-0 and 2-0 and not acknowledged them."""
    await three_entries(client)
    await client.xgroup_create("s", "g", id="0")
    await client.xreadgroup("g", "c1", {"s": ">"}, count=2)


async def test_xadd_returns_the_id_and_trims(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert text(await write_both(pair, nothing, "xadd", "s", {"f": "v"}, id="5-1")) == "5-1"
    assert await write_both(pair, nothing, "xadd", "s", {"f": "v"}, nomkstream=True) is None
    assert await ours.exists("s") == 0
    generated = await ours.xadd("s", {"f": "v", "g": 1.5})
    assert type(generated) is type(await pair[1].xadd("s", {"f": "v"}))
    assert "-" in text(generated)
    assert (
        text(await write_both(pair, three_entries, "xadd", "s", {"f": "v"}, id="4-0", maxlen=2, approximate=False))
        == "4-0"
    )
    assert await ours.xlen("s") == 2
    await write_both(pair, three_entries, "xadd", "s", {"f": "v"}, id="4-0", minid="3-0", approximate=False)
    assert [text(e[0]) for e in await ours.xrange("s")] == ["3-0", "4-0"]
    await write_both(pair, three_entries, "xadd", "s", {"f": "v"}, id="4-0", maxlen=1, limit=100)
    assert await ours.xlen("s") == 4  # approximate trimming keeps whole macro nodes
    with pytest.raises(ResponseError):
        await ours.xadd("s", {"f": "v"}, id="1-0")  # not greater than the top id


async def test_xrange_xrevrange_entries_are_id_and_field_dict(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await both(pair, "xrange", "missing") == []
    assert await both(pair, "xlen", "missing") == 0
    await three_entries(ours)
    entries = await both(pair, "xrange", "s")
    assert [(text(i), {text(k): text(v) for k, v in f.items()}) for i, f in entries] == [
        ("1-0", {"n": "1"}),
        ("2-0", {"n": "2", "x": "h\u00e9"}),
        ("3-0", {"n": "3"}),
    ]
    assert type(entries[0]) is tuple
    assert [text(i) for i, _ in await both(pair, "xrange", "s", "2", "+", count=1)] == ["2-0"]
    assert [text(i) for i, _ in await both(pair, "xrevrange", "s")] == ["3-0", "2-0", "1-0"]
    assert [text(i) for i, _ in await both(pair, "xrevrange", "s", "+", "-", 2)] == ["3-0", "2-0"]
    assert [text(i) for i, _ in await both(pair, "xrevrange", "s", max="2-0", min="1-0")] == ["2-0", "1-0"]
    assert await both(pair, "xlen", "s") == 3
    raw = await ours.execute_command("XRANGE", "s", "-", "+", "COUNT", 1)
    assert same_shape(raw, await pair[1].xrange("s", count=1))


async def test_xdel_and_xtrim_count_what_they_removed(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await write_both(pair, three_entries, "xdel", "s", "1-0", "9-9") == 1
    assert await write_both(pair, three_entries, "xtrim", "s", maxlen=1, approximate=False) == 2
    assert await write_both(pair, three_entries, "xtrim", "s", minid="3-0", approximate=False) == 2
    assert await write_both(pair, three_entries, "xtrim", "s", 1) == 0  # approximate: nothing below a node
    assert await write_both(pair, nothing, "xtrim", "s", maxlen=0) == 0
    assert [text(i) for i, _ in await ours.xrange("s")] == []


async def test_xread_returns_stream_entry_lists_and_empty_list(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await both(pair, "xread", {"s": "0"}) == []
    await three_entries(ours)
    await ours.xadd("t", {"t": "1"}, id="7-0")
    read = await both(pair, "xread", {"s": "1-0", "t": "0"})
    assert [[text(name), [text(i) for i, _ in entries]] for name, entries in read] == [
        ["s", ["2-0", "3-0"]],
        ["t", ["7-0"]],
    ]
    assert type(read[0]) is list and type(read[0][1][0]) is tuple
    assert [[text(n), len(e)] for n, e in await both(pair, "xread", {"s": "0", "t": "0"}, count=1)] == [
        ["s", 1],
        ["t", 1],
    ]
    assert await both(pair, "xread", {"s": "$"}) == []
    assert await both(pair, "xread", {"s": "3-0"}) == []


async def test_blocking_reads_wait_on_a_pool_connection_not_the_shared_one(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    with pytest.raises(DataError):
        ours.xread({"s": "$"}, block=-1)
    reader = asyncio.ensure_future(ours.xread({"s": "$"}, block=0))  # for ever, until an entry comes
    await asyncio.sleep(0.2)
    assert not reader.done()
    # the shared connection is not blocked meanwhile: this answers at once
    assert await asyncio.wait_for(ours.xadd("s", {"f": "v"}, id="5-0"), 2) in (b"5-0", "5-0")
    got = await asyncio.wait_for(reader, 5)
    assert [[_text(name), [(_text(i), {_text(k): _text(v) for k, v in f.items()}) for i, f in entries]]
            for name, entries in got] == [["s", [("5-0", {"f": "v"})]]]
    assert await asyncio.wait_for(ours.xread({"s": "$"}, block=100), 5) == []  # times out empty


def _text(value):  # type: ignore[no-untyped-def]
    return value.decode() if isinstance(value, bytes) else value


async def test_blocking_reads_go_through_send_blocking_when_the_client_has_it(r):  # type: ignore[no-untyped-def]
    calls = []

    def send_blocking(args, parse, timeout):  # type: ignore[no-untyped-def]
        calls.append((args, timeout))
        return r._send(tuple(a for a in args if a not in (b"BLOCK", 250, 0)), parse)

    r._send_blocking = send_blocking
    await r.xadd("s", {"f": "v"}, id="1-0")
    read = await r.xread({"s": "0"}, count=5, block=250)
    assert read == [[b"s", [(b"1-0", {b"f": b"v"})]]]
    await r.xgroup_create("s", "g", "0")
    assert await r.xreadgroup("g", "c", {"s": ">"}, block=0) == read
    assert calls == [
        ((b"XREAD", b"BLOCK", 250, b"COUNT", 5, b"STREAMS", "s", "0"), 0.25),  # redis-py's order
        ((b"XREADGROUP", b"GROUP", "g", "c", b"BLOCK", 0, b"STREAMS", "s", ">"), None),  # 0: for ever
    ]


async def test_consumer_group_round_trip_with_pending_entries_claimed_by_another_consumer(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    assert await write_both(pair, three_entries, "xgroup_create", "s", "g", id="0") is True
    assert await write_both(pair, nothing, "xgroup_create", "new", "g", mkstream=True, entries_read=0) is True
    with pytest.raises(ResponseError, match="BUSYGROUP"):
        await ours.xgroup_create("new", "g")
    # c1 reads two entries and leaves them pending
    read = await write_both(pair, group_ready, "xreadgroup", "g", "c1", {"s": ">"}, count=2)
    assert [[text(n), [text(i) for i, _ in e]] for n, e in read] == [["s", ["1-0", "2-0"]]]
    # the pending entries, re-read by c1 from id 0, then the summary and the detail
    assert [len(e) for _, e in await both(pair, "xreadgroup", "g", "c1", {"s": "0"})] == [2]
    summary = await both(pair, "xpending", "s", "g")
    assert summary["pending"] == 2 and text(summary["min"]) == "1-0" and text(summary["max"]) == "2-0"
    assert [(text(c["name"]), c["pending"]) for c in summary["consumers"]] == [("c1", 2)]
    detail = await both_skeleton(pair, "xpending_range", "s", "g", "-", "+", 10)
    assert [(text(d["message_id"]), text(d["consumer"])) for d in detail] == [("1-0", "c1"), ("2-0", "c1")]
    assert await both(pair, "xpending_range", "s", "g", "-", "+", 10, consumername="c2") == []
    await both_skeleton(pair, "xpending_range", "s", "g", "-", "+", 10, consumername="c1", idle=0)
    assert await both(pair, "xpending_range", "s", "g", None, None, None) == summary
    # c2 claims 1-0 (XCLAIM); c3 auto-claims the rest (XAUTOCLAIM)
    claimed = await write_both(pair, group_with_pending, "xclaim", "s", "g", "c2", 0, ["1-0"])
    assert [(text(i), {text(k): text(v) for k, v in f.items()}) for i, f in claimed] == [("1-0", {"n": "1"})]
    assert [
        text(i)
        for i in await write_both(
            pair, group_with_pending, "xclaim", "s", "g", "c2", 0, ("1-0", "2-0"), idle=5, retrycount=3, justid=True
        )
    ] == ["1-0", "2-0"]
    auto = await write_both(pair, group_with_pending, "xautoclaim", "s", "g", "c3", 0, count=1)
    assert text(auto[0]) == "2-0" and [text(i) for i, _ in auto[1]] == ["1-0"] and auto[2] == []
    auto = await write_both(pair, group_with_pending, "xautoclaim", "s", "g", "c3", 0, start_id="2-0", justid=True)
    assert [text(i) for i in auto] == ["2-0"]

    # an entry deleted while pending: XAUTOCLAIM reports it as deleted
    async def pending_then_deleted(client):  # type: ignore[no-untyped-def]
        await group_with_pending(client)
        await client.xdel("s", "1-0")

    auto = await write_both(pair, pending_then_deleted, "xautoclaim", "s", "g", "c3", 0)
    assert [text(i) for i, _ in auto[1]] == ["2-0"] and [text(i) for i in auto[2]] == ["1-0"]
    # from redis-py's end state: c3 owns 2-0 (XAUTOCLAIM above); it acknowledges it
    summary = await ours.xpending("s", "g")
    assert [(text(c["name"]), c["pending"]) for c in summary["consumers"]] == [("c3", 1)]
    assert await ours.xack("s", "g", "2-0", "9-9") == 1
    assert await both(pair, "xpending", "s", "g") == {"pending": 0, "min": None, "max": None, "consumers": []}
    # consumers and the group itself
    assert await write_both(pair, group_with_pending, "xgroup_createconsumer", "s", "g", "c9") == 1
    assert await write_both(pair, group_with_pending, "xgroup_createconsumer", "s", "g", "c1") == 0
    assert await write_both(pair, group_with_pending, "xgroup_delconsumer", "s", "g", "c1") == 2
    assert await write_both(pair, group_with_pending, "xgroup_setid", "s", "g", "$", entries_read=3) is True
    assert await both(pair, "xreadgroup", "g", "c1", {"s": ">"}) == []
    assert await write_both(pair, group_with_pending, "xgroup_destroy", "s", "g") is True
    assert await both(pair, "xgroup_destroy", "s", "g") is False
    assert await theirs.exists("s") == 1


async def test_xreadgroup_of_a_deleted_pending_entry_has_empty_fields(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    await group_with_pending(ours)
    await ours.xdel("s", "1-0")
    read = await both(pair, "xreadgroup", "g", "c1", {"s": "0"}, noack=True)
    assert [[text(i), f] for i, f in read[0][1]][0] == ["1-0", {}]


async def test_xinfo_stream_groups_and_consumers(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    await group_with_pending(ours)
    info = await both(pair, "xinfo_stream", "s")
    assert info["length"] == 3 and info["groups"] == 1
    first, last = info["first-entry"], info["last-entry"]
    assert (text(first[0]), {text(k): text(v) for k, v in first[1].items()}) == ("1-0", {"n": "1"})
    assert type(last) is tuple and text(last[0]) == "3-0"
    full = await both_skeleton(pair, "xinfo_stream", "s", full=True)
    assert [text(i) for i in full["entries"]] == ["1-0", "2-0", "3-0"]
    assert [text(g["name"]) for g in full["groups"]] == ["g"]
    consumer = full["groups"][0]["consumers"][0]
    assert {text(k) for k in consumer} >= {"name", "seen-time", "pel-count", "pending"}
    groups = await both_skeleton(pair, "xinfo_groups", "s")
    assert [(text(g["name"]), g["consumers"], g["pending"]) for g in groups] == [("g", 1, 2)]
    consumers = await both_skeleton(pair, "xinfo_consumers", "s", "g")
    assert [(text(c["name"]), c["pending"]) for c in consumers] == [("c1", 2)]
    assert same_shape(skeleton(await ours.execute_command("XINFO", "GROUPS", "s")), skeleton(groups))
    # an empty stream and a stream without groups
    await ours.xdel("s", "1-0", "2-0", "3-0")
    empty = await both(pair, "xinfo_stream", "s")
    assert empty["length"] == 0 and empty["first-entry"] is None and empty["last-entry"] is None
    await ours.xadd("plain", {"f": "v"}, id="1-0")
    assert (await both_skeleton(pair, "xinfo_stream", "plain", full=True))["groups"] == []
    assert await both(pair, "xinfo_groups", "plain") == []
    with pytest.raises(ResponseError):
        await ours.xinfo_stream("missing")


async def test_argument_errors_are_data_errors_at_call_time(r):  # type: ignore[no-untyped-def]
    bad_calls = [
        lambda: r.xadd("s", {}),
        lambda: r.xadd("s", {"f": "v"}, maxlen=1, minid="1-0"),
        lambda: r.xadd("s", {"f": "v"}, maxlen=-1),
        lambda: r.xtrim("s"),
        lambda: r.xtrim("s", maxlen=1, minid="0"),
        lambda: r.xrange("s", count=0),
        lambda: r.xrevrange("s", count="2"),
        lambda: r.xread({}),
        lambda: r.xread({"s": "0"}, count=0),
        lambda: r.xreadgroup("g", "c", {"s": ">"}, claim_min_idle_time=-5),
        lambda: r.xpending_range("s", "g", "-", "+", None),
        lambda: r.xpending_range("s", "g", None, None, None, consumername="c"),
        lambda: r.xclaim("s", "g", "c", 0, []),
        lambda: r.xclaim("s", "g", "c", -1, ["1-0"]),
        lambda: r.xclaim("s", "g", "c", 0, ["1-0"], idle="5"),
        lambda: r.xautoclaim("s", "g", "c", -1),
        lambda: r.xack("s", "g"),
        lambda: r.xdel("s"),
    ]
    for call in bad_calls:
        with pytest.raises(DataError):
            call()
    assert r.stats()["inflight"] == 0
