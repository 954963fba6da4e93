"""RPOPLPUSH, LMPOP, SORT, SORT_RO, OBJECT, MOVE, LCS: same values and types as redis.asyncio."""

from __future__ import annotations

import pytest

from .oracle import both, raises_both, same_shape, write_both

pytestmark = pytest.mark.families


async def with_lists(client):  # type: ignore[no-untyped-def]
    await client.rpush("l1", "a", "b", "c")
    await client.rpush("l2", "x", "y")


async def with_sortable(client):  # type: ignore[no-untyped-def]
    await client.rpush("n", 3, 1, 10, 2)
    await client.rpush("w", "banana", "apple", "cherry")
    await client.sadd("ids", 1, 2, 3)
    for i, (weight, name) in enumerate([(30, "three"), (10, "one"), (20, "two")], start=1):
        await client.set(f"weight_{i}", weight)
        await client.set(f"name_{i}", name)
        await client.hset(f"user:{i}", mapping={"age": 40 - i, "nick": f"u{i}"})


async def test_rpoplpush_moves_the_last_element(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_lists, "rpoplpush", "l1", "l2") in (b"c", "c")
    assert await both(pair, "lrange", "l2", 0, -1) in ([b"c", b"x", b"y"], ["c", "x", "y"])
    assert await write_both(pair, with_lists, "rpoplpush", "l1", "l1") in (b"c", "c")
    assert await write_both(pair, with_lists, "rpoplpush", "missing", "l2") is None


async def test_lmpop_pops_from_the_first_non_empty_list(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_lists, "lmpop", 2, "missing", "l2", direction="LEFT") in (
        [b"l2", [b"x"]],
        ["l2", ["x"]],
    )
    await write_both(pair, with_lists, "lmpop", 2, "l1", "l2", direction="RIGHT", count=2)
    await write_both(pair, with_lists, "lmpop", 1, "l1", direction="left", count=10)
    assert await write_both(pair, with_lists, "lmpop", 1, "missing", direction="LEFT") is None


async def test_sort_orders_limits_and_fetches(pair):  # type: ignore[no-untyped-def]
    await with_sortable(pair[0])
    for method in ("sort", "sort_ro"):
        assert await both(pair, method, "n") in ([b"1", b"2", b"3", b"10"], ["1", "2", "3", "10"])
        await both(pair, method, "n", desc=True)
        await both(pair, method, "n", 1, 2)
        await both(pair, method, "w", alpha=True)
        await both(pair, method, "w", 0, 2, alpha=True, desc=True)
        await both(pair, method, "ids", by="weight_*")
        await both(pair, method, "ids", by="nosort")
        await both(pair, method, "ids", by="weight_*", get="name_*")
        await both(pair, method, "ids", by="user:*->age", get=["#", "name_*", "user:*->nick", "missing_*"])
        assert await both(pair, method, "missing") == []


async def test_sort_groups_and_store(pair):  # type: ignore[no-untyped-def]
    await with_sortable(pair[0])
    grouped = await both(pair, "sort", "ids", get=["#", "name_*"], groups=True)
    assert len(grouped) == 3 and all(isinstance(row, tuple) and len(row) == 2 for row in grouped)
    await both(pair, "sort", "ids", by="weight_*", get=["name_*", "#", "user:*->nick"], groups=True, desc=True)
    assert await both(pair, "sort", "missing", get=["#", "name_*"], groups=True) == []
    assert await write_both(pair, with_sortable, "sort", "n", store="sorted") == 4
    assert await both(pair, "lrange", "sorted", 0, -1) in ([b"1", b"2", b"3", b"10"], ["1", "2", "3", "10"])
    assert await write_both(pair, with_sortable, "sort", "ids", get="name_*", store="names", alpha=True) == 3


async def test_sort_ro_is_sent_as_sort_ro(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    await with_sortable(ours)
    before = await ours.info("commandstats")
    await ours.sort_ro("n")
    after = await ours.info("commandstats")
    assert after["cmdstat_sort_ro"]["calls"] == before.get("cmdstat_sort_ro", {"calls": 0})["calls"] + 1


async def test_object_returns_what_the_server_sends(pair):  # type: ignore[no-untyped-def]
    await with_sortable(pair[0])
    assert await both(pair, "object", "encoding", "n") in (b"listpack", "listpack", b"quicklist", "quicklist")
    await both(pair, "object", "ENCODING", "ids")
    await both(pair, "object", "encoding", "weight_1")
    assert await both(pair, "object", "refcount", "w") == 1
    assert isinstance(await both(pair, "object", "idletime", "w"), int)
    assert await both(pair, "object", "encoding", "missing") is None


async def flush_all(client):  # type: ignore[no-untyped-def]
    await client.flushall()  # MOVE writes to database 1, which the fixture does not flush
    await client.set("k", "v")


async def flush_all_taken(client):  # type: ignore[no-untyped-def]
    await flush_all(client)
    await client.move("k", 1)
    await client.set("k", "v2")


async def test_move_is_true_when_moved(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, flush_all, "move", "k", 1) is True
    assert await write_both(pair, flush_all, "move", "missing", 1) is False
    assert await write_both(pair, flush_all_taken, "move", "k", 1) is False
    await pair[0].flushall()


async def with_texts(client):  # type: ignore[no-untyped-def]
    await client.set("s1", "ohmytext")
    await client.set("s2", "mynewtext")


async def test_lcs_string_length_and_idx_shapes(pair):  # type: ignore[no-untyped-def]
    await with_texts(pair[0])
    assert await both(pair, "lcs", "s1", "s2") in (b"mytext", "mytext")
    assert await both(pair, "lcs", "s1", "s2", len=True) == 6
    await both(pair, "lcs", "s1", "s2", idx=True)
    await both(pair, "lcs", "s1", "s2", idx=True, minmatchlen=4)
    matches = await both(pair, "lcs", "s1", "s2", idx=True, withmatchlen=True, minmatchlen=0)
    assert matches[0] in (b"matches", "matches") and matches[3] == 6
    await both(pair, "lcs", "s1", "s2", idx=True, withmatchlen=True, minmatchlen=None)
    assert await both(pair, "lcs", "s1", "missing") in (b"", "")
    assert await both(pair, "lcs", "missing", "missing", idx=True, len=False)


async def test_execute_command_lcs_idx_is_flat_as_in_redis_py(pair):  # type: ignore[no-untyped-def]
    await with_texts(pair[0])
    ours, theirs = pair
    mine = await ours.execute_command("LCS", "s1", "s2", "IDX")
    reference = await theirs.execute_command("LCS", "s1", "s2", "IDX")
    assert same_shape(mine, reference), (mine, reference)


async def test_bad_arguments_raise_data_error_before_sending(pair):  # type: ignore[no-untyped-def]
    await raises_both(pair, "DataError", "sort", "n", start=1)
    await raises_both(pair, "DataError", "sort", "n", num=1)
    await raises_both(pair, "DataError", "sort_ro", "n", start=0)
    await raises_both(pair, "DataError", "sort", "n", groups=True)
    await raises_both(pair, "DataError", "sort", "n", get="name_*", groups=True)
    await raises_both(pair, "DataError", "sort", "n", get=["name_*"], groups=True)


async def test_server_rejections_are_response_errors(pair):  # type: ignore[no-untyped-def]
    await with_sortable(pair[0])
    await raises_both(pair, "ResponseError", "sort", "w")  # not numbers, no alpha
    await raises_both(pair, "ResponseError", "sort_ro", "weight_1")
    await raises_both(pair, "ResponseError", "lmpop", 2, "l1", direction="LEFT")
    await raises_both(pair, "ResponseError", "lmpop", 1, "n", direction="UP")
    await raises_both(pair, "ResponseError", "lmpop", 1, "n", direction="LEFT", count=0)
    await raises_both(pair, "ResponseError", "rpoplpush", "weight_1", "l2")
    await raises_both(pair, "ResponseError", "object", "nonsense", "n")
    await raises_both(pair, "ResponseError", "object", "freq", "n")  # needs an LFU maxmemory-policy
    await raises_both(pair, "ResponseError", "move", "n", 0)
    await raises_both(pair, "ResponseError", "lcs", "n", "w")
