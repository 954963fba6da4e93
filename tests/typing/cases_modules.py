"""What a type checker sees of the module namespaces: ``r.json()``, ``r.ft()``, ``r.ts()``, ``r.bf()``, ``r.cf()``,
``r.cms()``, ``r.topk()``, ``r.tdigest()``. Checked by tests/unit/test_typing.py.

The functions taking a client also run against a server with the modules in
tests/integration/test_module_reply_types.py, with ``assert_type`` replaced by a check of the value
against the type, on leanredis (RESP2 and RESP3, bytes and decoded) and on redis.asyncio 8.1: the
types are the replies', and redis-py's replies are of the same types.
"""

# ruff: noqa: E501

from __future__ import annotations

import asyncio
import struct
from typing import TYPE_CHECKING, Any

from typing_extensions import assert_type

from leanredis import Redis, RedisCluster, ResponseError
from leanredis.cluster.pipeline import SearchClusterPipeline
from leanredis.commands.bf import (
    BFBloom,
    BFInfo,
    CFBloom,
    CFInfo,
    CMSBloom,
    CMSInfo,
    TDigestBloom,
    TDigestInfo,
    TOPKBloom,
    TopKInfo,
)
from leanredis.commands.json import JSON, JSONResp, JSONValue
from leanredis.commands.search import Search
from leanredis.commands.search.aggregation import AggregateRequest, AggregateResult
from leanredis.commands.search.document import Document
from leanredis.commands.search.field import NumericField, TagField, TextField, VectorField
from leanredis.commands.search.hybrid_query import HybridCursorQuery, HybridQuery, HybridSearchQuery, HybridVsimQuery
from leanredis.commands.search.hybrid_result import HybridCursorResult, HybridResult
from leanredis.commands.search.index_definition import IndexDefinition
from leanredis.commands.search.pipeline import SearchPipeline
from leanredis.commands.search.profile_information import ProfileInformation, ProfileValue
from leanredis.commands.search.query import Query
from leanredis.commands.search.replies import SearchInfoValue
from leanredis.commands.search.result import Result
from leanredis.commands.search.suggestion import Suggestion
from leanredis.commands.timeseries import TimeSeries, TSInfo
from leanredis.pipeline import Pipeline

if TYPE_CHECKING:  # the pipeline's types exist for type checkers alone (commands/chained.pyi, cluster/chained.pyi)
    from leanredis.cluster.chained import (
        ClusterChainedJSON,
        ClusterChainedSearch,
        ClusterQueued,
        JSONClusterPipeline,
        JSONClusterQueued,
        TimeSeriesClusterPipeline,
        TimeSeriesClusterQueued,
    )
    from leanredis.commands.chained import (
        ChainedBFBloom,
        ChainedCFBloom,
        ChainedCMSBloom,
        ChainedJSON,
        ChainedSearch,
        ChainedTDigestBloom,
        ChainedTimeSeries,
        ChainedTOPKBloom,
        JSONPipeline,
        JSONQueued,
        Queued,
        TimeSeriesPipeline,
        TimeSeriesQueued,
    )

Labels = dict[str, str | None]


def namespaces(r: Redis[bytes], s: Redis[str], rc: RedisCluster[str]) -> None:
    """Checked only: a namespace carries its client's string type."""
    assert_type(rc.json(), JSON[str])
    assert_type(rc.ft(), Search[str])
    assert_type(r.json(), JSON[bytes])
    assert_type(s.json(), JSON[str])
    assert_type(r.ft("idx"), Search[bytes])
    assert_type(s.ft(), Search[str])
    assert_type(r.ts(), TimeSeries[bytes])
    assert_type(s.ts(), TimeSeries[str])
    assert_type(r.bf(), BFBloom[bytes])
    assert_type(s.cf(), CFBloom[str])
    assert_type(r.cms(), CMSBloom[bytes])
    assert_type(s.topk(), TOPKBloom[str])
    assert_type(r.tdigest(), TDigestBloom[bytes])


DOC: dict[str, JSONValue] = {"a": 1, "b": "x", "c": [1, 2, 3], "d": {"a": True, "n": None}, "f": 1.5, "s": ["p", "q"]}


async def json_seed(r: Redis[Any]) -> None:
    await r.json().set("k", ".", DOC)
    await r.json().set("k2", "$", {"a": 2, "c": []})


async def json_reads(r: Redis[bytes]) -> None:
    j = r.json()
    assert_type(await j.get("k"), JSONValue)
    assert_type(await j.get("k", "$.a", ".b"), JSONValue)
    assert_type(await j.get("missing"), JSONValue)
    assert_type(await j.mget(["k", "missing", "k2"], "$.a"), list[JSONValue])
    assert_type(await j.type("k", ".c"), bytes | list[bytes] | None)
    assert_type(await j.type("k", "$..a"), bytes | list[bytes] | None)
    assert_type(await j.type("missing"), bytes | list[bytes] | None)
    assert_type(await j.objkeys("k"), list[str] | list[list[bytes] | None] | None)
    assert_type(await j.objkeys("k", "$.d"), list[str] | list[list[bytes] | None] | None)
    assert_type(await j.objlen("k"), int | list[int | None] | None)
    assert_type(await j.objlen("k", "$..d"), int | list[int | None] | None)
    assert_type(await j.arrlen("k", ".c"), int | list[int | None] | None)
    assert_type(await j.arrlen("k", "$..c"), int | list[int | None] | None)
    assert_type(await j.arrlen("missing"), int | list[int | None] | None)
    assert_type(await j.strlen("k", ".b"), int | list[int | None] | None)
    assert_type(await j.strlen("k", "$..b"), int | list[int | None] | None)
    assert_type(await j.arrindex("k", ".c", 2), int | list[int | None])
    assert_type(await j.arrindex("k", "$.c", 3, 0, 2), int | list[int | None])
    assert_type(await j.resp("k"), JSONResp[bytes])
    assert_type(await j.resp("k", "$.c"), JSONResp[bytes])
    assert_type(await j.debug("MEMORY", "k"), int | list[int] | list[str])
    assert_type(await j.debug("MEMORY", "k", "$..c"), int | list[int] | list[str])


async def json_reads_str(s: Redis[str]) -> None:
    j = s.json()
    assert_type(await j.get("k", ".d"), JSONValue)
    assert_type(await j.type("k", ".c"), str | list[str] | None)
    assert_type(await j.type("k", "$.c"), str | list[str] | None)
    assert_type(await j.objkeys("k", "$.d"), list[str] | list[list[str] | None] | None)


async def json_writes(r: Redis[Any]) -> None:
    """Run on a server of its own (ReJSON 2.8 in Valkey 9 crashes now and then under writes)."""
    j = r.json()
    assert_type(await j.set("n", ".", {"x": [1, "y"]}), bool | None)
    await json_seed(r)
    assert_type(await j.set("k", ".a", 5, nx=True), bool | None)
    assert_type(await j.mset([("k", "$.a", 7), ("k2", ".", {"z": 1})]), bool | None)
    assert_type(await j.arrappend("k", ".c", 4, "five"), int | list[int | None])
    assert_type(await j.arrappend("k", "$..c", {"o": 1}), int | list[int | None])
    assert_type(await j.arrinsert("k", ".c", 1, "i"), int | list[int | None])
    assert_type(await j.arrinsert("k", "$.c", 0, 0), int | list[int | None])
    assert_type(await j.arrpop("k", ".c"), JSONValue)
    assert_type(await j.arrpop("k", "$.c", 0), JSONValue)
    assert_type(await j.arrtrim("k", ".c", 0, 1), int | list[int | None])
    assert_type(await j.arrtrim("k", "$..c", 1, 1), int | list[int | None])
    assert_type(await j.numincrby("k", ".a", 2), int | float | list[int | float | None])
    assert_type(await j.numincrby("k", "$.a", 2), int | float | list[int | float | None])
    assert_type(await j.numincrby("k", ".f", 1), int | float | list[int | float | None])
    assert_type(await j.nummultby("k", "$.f", 2), int | float | list[int | float | None])
    assert_type(await j.toggle("k", ".d.a"), bool | list[int | None])
    assert_type(await j.toggle("k", "$.d.a"), bool | list[int | None])
    assert_type(await j.strappend("k", "yz", ".b"), int | list[int | None])
    assert_type(await j.strappend("k", "yz", "$.b"), int | list[int | None])
    assert_type(await j.clear("k", "$.c"), int)
    assert_type(await j.delete("k", ".a"), int)
    assert_type(await j.forget("k", "$..a"), int)
    assert_type(await j.delete("missing"), int)
    assert_type(await j.merge("k", "$", {"a": None, "new": [1]}), bool | None)
    assert_type(await j.set("copy", ".", await j.get("k2")), bool | None)  # what JSON.GET gives, JSON.SET takes
    assert_type(await j.delete("k"), int)


async def bloom(r: Redis[bytes]) -> None:
    bf = r.bf()
    assert_type(await bf.create("bf", 0.01, 1000), bool)
    assert_type(await bf.add("bf", "a"), bool)
    assert_type(await bf.madd("bf", "b", "c"), list[bool])
    assert_type(await bf.insert("bf", ["d"]), list[bool])
    assert_type(await bf.exists("bf", "a"), bool)
    assert_type(await bf.mexists("bf", "a", "z"), list[bool])
    assert_type(await bf.card("bf"), int)
    info = await bf.info("bf")
    assert_type(info, BFInfo)
    assert_type(info.capacity, int)
    assert_type(info.insertedNum, int)
    assert_type(info.size, int)
    assert_type(info.filterNum, int)
    assert_type(info.expansionRate, int)
    assert_type(info.get("capacity"), int | float | None)
    assert_type(await bf.scandump("bf", 0), list[int | bytes])
    cf = r.cf()
    assert_type(await cf.create("cf", 1000), bool)
    assert_type(await cf.add("cf", "a"), bool)
    assert_type(await cf.addnx("cf", "a"), bool)
    assert_type(await cf.insert("cf", ["b"]), list[bool])
    assert_type(await cf.insertnx("cf", ["b", "c"]), list[int])
    assert_type(await cf.exists("cf", "a"), bool)
    assert_type(await cf.mexists("cf", "a", "z"), list[bool])
    assert_type(await cf.count("cf", "a"), int)
    assert_type(await cf.delete("cf", "c"), bool)
    assert_type(await cf.scandump("cf", 0), list[int | bytes])
    cf_info = await cf.info("cf")
    assert_type(cf_info, CFInfo)
    for number in (cf_info.size, cf_info.bucketNum, cf_info.filterNum, cf_info.insertedNum, cf_info.deletedNum,
                   cf_info.bucketSize, cf_info.expansionRate, cf_info.maxIteration):  # fmt: skip
        assert_type(number, int)
    cms = r.cms()
    assert_type(await cms.initbydim("cms", 100, 5), bool)
    assert_type(await cms.initbyprob("cms2", 0.01, 0.01), bool)
    assert_type(await cms.incrby("cms", ["a", "b"], [1, 2]), list[int])
    assert_type(await cms.query("cms", "a", "z"), list[int])
    assert_type(await cms.merge("cms", 1, ["cms"]), bool)
    cms_info = await cms.info("cms")
    assert_type(cms_info, CMSInfo)
    for number in (cms_info.width, cms_info.depth, cms_info.count):
        assert_type(number, int)
    topk = r.topk()
    assert_type(await topk.reserve("topk", 2, 50, 4, 0.9), bool)
    assert_type(await topk.add("topk", "a", "b", "c", "42"), list[str | int | float | None])
    assert_type(await topk.incrby("topk", ["a"], [3]), list[str | int | float | None])
    assert_type(await topk.query("topk", "a", "z"), list[bool])
    assert_type(await topk.list("topk"), list[str | int | float | None])
    assert_type(await topk.list("topk", withcount=True), list[str | int | float | None])
    topk_info = await topk.info("topk")
    assert_type(topk_info, TopKInfo)
    for number in (topk_info.k, topk_info.width, topk_info.depth):
        assert_type(number, int)
    assert_type(topk_info.decay, float)
    td = r.tdigest()
    assert_type(await td.create("td", 100), bool)
    assert_type(await td.add("td", [1.0, 2.0, 3.5]), bytes)
    assert_type(await td.min("td"), float)
    assert_type(await td.max("td"), float)
    assert_type(await td.quantile("td", 0.5, 0.9), list[float])
    assert_type(await td.cdf("td", 1.0, 3.0), list[float])
    assert_type(await td.trimmed_mean("td", 0.1, 0.9), float)
    assert_type(await td.rank("td", 1.0, 2.0), list[int])
    assert_type(await td.revrank("td", 1.0), list[int])
    assert_type(await td.byrank("td", 0, 1), list[float])
    assert_type(await td.byrevrank("td", 0), list[float])
    td_info = await td.info("td")
    assert_type(td_info, TDigestInfo)
    for number in (td_info.compression, td_info.capacity, td_info.merged_nodes, td_info.unmerged_nodes,
                   td_info.merged_weight, td_info.unmerged_weight, td_info.total_compressions, td_info.memory_usage):  # fmt: skip
        assert_type(number, int)
    assert_type(await td.merge("td2", 1, "td"), bytes)
    assert_type(await td.reset("td"), bytes)


async def bloom_str(s: Redis[str]) -> None:
    assert_type(await s.tdigest().create("td", 100), bool)
    assert_type(await s.tdigest().add("td", [1.0]), str)
    assert_type(await s.tdigest().reset("td"), str)
    assert_type(await s.topk().reserve("topk", 2, 50, 4, 0.9), bool)
    assert_type(await s.topk().add("topk", "a"), list[str | int | float | None])
    assert_type(await s.cf().create("cf", 1000), bool)
    assert_type(await s.cf().add("cf", "a"), bool)
    assert_type(await s.cf().scandump("cf", 0), list[int | str])


async def timeseries(r: Redis[bytes]) -> None:
    ts = r.ts()
    assert_type(await ts.create("t1", labels={"kind": "a"}), bool)
    assert_type(await ts.create("t2", labels={"kind": "a"}), bool)
    assert_type(await ts.alter("t1", retention_msecs=0), bool)
    assert_type(await ts.add("t1", 1000, 1.5), int)
    assert_type(await ts.add("t1", 2000, 3), int)
    assert_type(await ts.madd([("t1", 3000, 2.0), ("t2", 1000, 5)]), list[int | ResponseError])
    assert_type(await ts.madd([("t1", 1000, 9.0)]), list[int | ResponseError])  # a sample at 1000 is there: an error
    assert_type(await ts.incrby("t2", 1, timestamp=2000), int)
    assert_type(await ts.decrby("t2", 0.5, timestamp=3000), int)
    assert_type(await ts.get("t1"), tuple[int, float] | None)
    assert_type(await ts.range("t1", "-", "+"), list[tuple[int, float]])
    assert_type(await ts.range("t1", 0, 5000, aggregation_type="avg", bucket_size_msec=1000), list[tuple[int, float]])
    assert_type(await ts.revrange("t1", "-", "+", count=2), list[tuple[int, float]])
    assert_type(await ts.mget(["kind=a"]), list[dict[str, list[Labels | int | float | None]]])
    assert_type(await ts.mget(["kind=a"], with_labels=True), list[dict[str, list[Labels | int | float | None]]])
    assert_type(await ts.mrange("-", "+", ["kind=a"]), list[dict[str, list[Labels | list[tuple[int, float]]]]])
    assert_type(await ts.mrevrange("-", "+", ["kind=a"], with_labels=True), list[dict[str, list[Labels | list[tuple[int, float]]]]])
    assert_type(await ts.mrange("-", "+", ["kind=a"], groupby="kind", reduce="max"), list[dict[str, list[Labels | list[tuple[int, float]]]]])
    assert_type(await ts.queryindex(["kind=a"]), list[str | int | float | None])
    assert_type(await ts.create("t3"), bool)
    assert_type(await ts.createrule("t1", "t3", "avg", 1000), bool)
    info = await ts.info("t1")
    assert_type(info, TSInfo[bytes])
    for number in (info.total_samples, info.chunk_count, info.memory_usage, info.retention_msecs, info.last_timestamp,
                   info.first_timestamp, info.chunk_size):  # fmt: skip
        assert_type(number, int | None)
    assert_type(info.duplicate_policy, str | None)
    assert_type(info.source_key, bytes | None)
    assert_type(info.labels, dict[bytes, bytes])
    assert_type(info.rules, dict[bytes, list[int | bytes]])
    assert_type(await ts.deleterule("t1", "t3"), bool)
    assert_type(await ts.delete("t1", 0, 1500), int)


async def timeseries_str(s: Redis[str]) -> None:
    ts = s.ts()
    assert_type(await ts.create("t1", labels={"kind": "a"}), bool)
    assert_type(await ts.add("t1", 1000, 1.5), int)
    assert_type(await ts.mget(["kind=a"], with_labels=True), list[dict[str, list[Labels | int | float | None]]])
    assert_type((await ts.info("t1")).labels, dict[str, str])


async def timeseries_newer(r: Redis[bytes]) -> None:
    """Checked only: TS.READ, TS.NRANGE and TS.QUERYLABELS are newer than the modules server's RedisTimeSeries."""
    ts = r.ts()
    assert_type(await ts.read("t1", 0), list[list[int | float]])
    assert_type(await ts.nrange(["t1", "t2"], "-", "+"), list[list[int | list[float]]])
    assert_type(await ts.nrevrange(["t1", "t2"], "-", "+"), list[list[int | list[float]]])
    assert_type(await ts.querylabels(), set[bytes])
    assert_type(await ts.range("t1", "-", "+", aggregation_type=["min", "max"], bucket_size_msec=10), list[tuple[int | float, ...]])
    several = await ts.mrange("-", "+", ["kind=a"], aggregation_type=["min", "max"], bucket_size_msec=10)
    assert_type(several, list[dict[str, list[Labels | list[tuple[int | float, ...]]]]])


def vec(*values: float) -> bytes:
    return struct.pack(f"{len(values)}f", *values)


async def search_seed(r: Redis[Any]) -> None:
    schema = [
        TextField("title", sortable=True), TagField("tag"), NumericField("n", sortable=True),
        VectorField("v", "FLAT", {"TYPE": "FLOAT32", "DIM": 2, "DISTANCE_METRIC": "L2"}),
    ]
    await r.ft().create_index(schema, definition=IndexDefinition(prefix=["doc:"]))
    for i in range(4):
        await r.hset(f"doc:{i}", mapping={"title": f"hello world {i}", "tag": "red" if i % 2 else "blue", "n": i, "v": vec(i, 0.5)})


async def search(r: Redis[bytes]) -> None:
    ft = r.ft()
    result = await ft.search(Query("hello").with_scores())
    assert_type(result, Result)
    assert_type(result.total, int)
    assert_type(result.duration, float)
    assert_type(result.docs, list[Document])
    assert_type(result.warnings, list[str])
    doc = result.docs[0]
    assert_type(doc.id, str)
    assert_type(doc.score, float)
    assert_type(doc.title, str | bytes)
    assert_type(doc["title"], str | bytes | float | None)
    knn = Query("*=>[KNN 2 @v $vec AS dist]").sort_by("dist").return_field("v", decode_field=False).return_field("dist").dialect(2)
    assert_type(await ft.search(knn, {"vec": vec(1.0, 1.0)}), Result)
    aggregated = await ft.aggregate(AggregateRequest("*").load("@n"))
    assert_type(aggregated, AggregateResult)
    assert_type(aggregated.rows, list[list[str | bytes]])
    assert_type(aggregated.total, int)
    assert_type(await ft.info(), dict[str, SearchInfoValue])
    assert_type(await ft.explain("hello"), bytes)
    assert_type(await ft.tagvals("tag"), list[bytes] | set[bytes])
    assert_type(await ft.aliasadd("alias"), bytes)
    assert_type(await ft.aliasupdate("alias"), bytes)
    assert_type(await ft.aliasdel("alias"), bytes)
    assert_type(await ft.synupdate("g1", False, "hello", "hi"), bytes)
    assert_type(await ft.syndump(), dict[bytes, list[bytes]])
    assert_type(await ft.spellcheck("helo"), dict[bytes, list[dict[str, str | bytes]]])
    assert_type(await ft.dict_add("d", "foo", "bar"), int)
    assert_type(await ft.dict_dump("d"), list[bytes] | set[bytes])
    assert_type(await ft.dict_del("d", "foo"), int)
    assert_type(await ft.sugadd("sug", Suggestion("hello", 1.0), Suggestion("help", 2.0)), int)
    assert_type(await ft.suglen("sug"), int)
    assert_type(await ft.sugget("sug", "hel", with_scores=True), list[Suggestion])
    assert_type(await ft.sugdel("sug", "help"), int)
    assert_type(await ft.alter_schema_add([TextField("extra")]), bytes)
    assert_type(await ft.load_document("doc:1"), Document)
    assert_type(await ft.config_get("TIMEOUT"), dict[bytes, bytes | None])
    assert_type(await ft.dropindex(), bytes)


async def search_profile(r: Redis[bytes]) -> None:
    """Not run on redis.asyncio 8.1, whose profile() reads the coroutine instead of the reply (AttributeError)."""
    ft = r.ft()
    profiled, profile = await ft.profile(Query("hello"))
    assert_type(profiled, Result)
    assert_type(profile, ProfileInformation)
    assert_type(profile.info, list[ProfileValue])
    assert_type(await ft.profile(AggregateRequest("*")), tuple[AggregateResult, ProfileInformation])


async def search_str(s: Redis[str]) -> None:
    ft = s.ft()
    assert_type(await ft.search("hello"), Result)
    # a search is a coroutine (its reply is read undecoded, then parsed): a task can run it
    assert_type(await asyncio.create_task(ft.search("hello")), Result)
    got, count = await asyncio.gather(s.json().get("k"), ft.suglen("sug"))
    assert_type(got, JSONValue)
    assert_type(count, int)
    assert_type(await ft.explain("hello"), str)
    assert_type(await ft.tagvals("tag"), list[str] | set[str])
    assert_type(await ft.syndump(), dict[str, list[str]])
    assert_type(await ft.spellcheck("helo"), dict[str, list[dict[str, str]]])
    assert_type(await ft.config_get("TIMEOUT"), dict[str, str | None])
    assert_type(await ft.dropindex(), str)


async def search_static(r: Redis[bytes]) -> None:
    """Checked only: FT.HYBRID is Redis 8.4's, FT.ALIASLIST RediSearch 8's (tests/integration/test_module_search_hybrid.py runs it through a proxy)."""
    ft = r.ft()
    assert_type(await ft.aliaslist(), set[bytes])  # RediSearch 8's
    query = HybridQuery(HybridSearchQuery("hello"), HybridVsimQuery("@v", "$vec"))
    assert_type(await ft.hybrid_search(query), HybridResult)
    assert_type(await ft.hybrid_search(query, cursor=HybridCursorQuery(count=10)), HybridCursorResult)
    hybrid = await ft.hybrid_search(query)
    assert_type(hybrid.results, list[dict[str, Any]])
    assert_type(hybrid.total_results, int)
    assert_type(hybrid.search_cursor_id if isinstance(hybrid, HybridCursorResult) else 0, int)


async def module_pipelines(r: Redis[bytes], s: Redis[str], rc: RedisCluster[str]) -> None:
    """Checked only: on a pipeline, a namespace's command method records the command and returns the pipeline
    (chainable, as at run time), awaitable for the reply while the pipeline is watching."""
    pipe = r.pipeline()
    assert_type(pipe.json(), ChainedJSON[bytes])
    assert_type(pipe.ft("idx"), ChainedSearch[bytes])
    assert_type(pipe.ts(), ChainedTimeSeries[bytes])
    assert_type(pipe.bf(), ChainedBFBloom[bytes])
    assert_type(pipe.cf(), ChainedCFBloom[bytes])
    assert_type(pipe.cms(), ChainedCMSBloom[bytes])
    assert_type(pipe.topk(), ChainedTOPKBloom[bytes])
    assert_type(pipe.tdigest(), ChainedTDigestBloom[bytes])
    assert_type(pipe.json().set("k", "$", 1), Queued[bytes, bool | None])
    assert_type(pipe.json().set("k", "$", 1).incr("n").json().get("k"), Queued[bytes, JSONValue])
    # awaited while watching, FT.SEARCH gives a Result (execute() gives the flat list of redis-py's search
    # pipelines) and sugadd() the dictionary's size
    assert_type(pipe.ft("idx").search("hello"), Queued[bytes, Result])
    assert_type(pipe.ft("idx").profile(Query("hello")), Queued[bytes, tuple[Result, ProfileInformation]])
    assert_type(pipe.ft("idx").sugadd("sug", Suggestion("hello")), Queued[bytes, int])
    assert_type(pipe.ft("idx").info(), Queued[bytes, dict[str, SearchInfoValue]])
    assert_type(pipe.ts().add("t", 1, 1.0).ts().get("t"), Queued[bytes, tuple[int, float] | None])
    assert_type(pipe.bf().add("bf", "a"), Queued[bytes, bool])
    assert_type(pipe.cf().count("cf", "a"), Queued[bytes, int])
    assert_type(pipe.cms().query("cms", "a"), Queued[bytes, list[int]])
    assert_type(pipe.topk().list("tk"), Queued[bytes, list[str | int | float | None]])
    assert_type(pipe.tdigest().reset("td"), Queued[bytes, bytes])
    # set_file() awaits the recorded JSON.SET: the pipeline back (buffered), SET's reply (watching)
    assert_type(await pipe.json().set_file("k", "$", "doc.json"), Pipeline[bytes] | bool | None)
    assert_type(await pipe.execute(), list[Any])
    async with s.pipeline() as spipe:
        await spipe.watch("k")  # watching: a command runs at once, and awaiting it gives its reply
        assert_type(await spipe.json().get("k"), JSONValue)
        assert_type(await spipe.ts().get("t"), tuple[int, float] | None)
        assert_type(await spipe.ft("idx").search("hello"), Result)
        assert_type(await spipe.ft("idx").sugadd("sug", Suggestion("hello")), int)
        assert_type(await spipe.tdigest().reset("td"), str)
    cpipe = rc.pipeline()
    assert_type(cpipe.json(), ClusterChainedJSON[str])
    assert_type(cpipe.ft("idx"), ClusterChainedSearch[str])
    assert_type(cpipe.json().set("{k}a", "$", 1).bf().add("{k}bf", "a"), ClusterQueued[str, bool])


async def module_pipeline_classes(r: Redis[bytes], rc: RedisCluster[str]) -> None:
    """Checked only: ``r.json().pipeline()`` and ``r.ts().pipeline()`` are the client's pipeline with the module's
    methods where the names meet (JSON's set/get, TimeSeries' add/get/info), chainable through core commands too.
    A namespace does not know whether its client is a cluster: either pipeline, each method of both."""
    jp = r.json().pipeline()
    assert_type(jp, JSONPipeline[bytes] | JSONClusterPipeline[bytes])
    assert_type(jp.set("k", "$", 1).incr("n").get("k"), JSONQueued[bytes, JSONValue] | JSONClusterQueued[bytes, JSONValue])
    assert_type(jp.incr("n").set("k", "$", {"a": 1}), JSONQueued[bytes, bool | None] | JSONClusterQueued[bytes, bool | None])
    assert_type(jp.json().arrlen("k"), JSONQueued[bytes, int | list[int | None] | None] | JSONClusterQueued[bytes, int | list[int | None] | None])
    assert_type(await jp.execute(), list[Any])
    tp = rc.ts().pipeline()
    assert_type(tp, TimeSeriesPipeline[str] | TimeSeriesClusterPipeline[str])
    assert_type(tp.add("t", 1, 1.0).incr("n").get("t"), TimeSeriesQueued[str, tuple[int, float] | None] | TimeSeriesClusterQueued[str, tuple[int, float] | None])
    assert_type(tp.info("t"), TimeSeriesQueued[str, TSInfo[str]] | TimeSeriesClusterQueued[str, TSInfo[str]])
    # r.ft(index).pipeline(): the client's pipeline with the index's search methods, a cluster's on a cluster
    assert_type(rc.ft("idx").pipeline(), SearchPipeline[str] | SearchClusterPipeline[str])
    # async with keeps the module's pipeline class, not the plain Pipeline
    async with r.json().pipeline() as jpc:
        assert_type(jpc, JSONPipeline[bytes] | JSONClusterPipeline[bytes])
    async with rc.ts().pipeline() as tpc:
        assert_type(tpc, TimeSeriesPipeline[str] | TimeSeriesClusterPipeline[str])
