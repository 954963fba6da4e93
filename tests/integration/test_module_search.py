"""RediSearch through ``r.ft()``: the same calls through leanredis and redis.asyncio on the modules server.

redis.asyncio 8.1 with its default options (RESP3 on the wire, legacy
results) is the oracle; leanredis runs RESP2 and RESP3, bytes and
``decode_responses=True``, and must give the same results: ``Result``
documents (ids, fields, scores), ``AggregateResult`` rows, info dicts.
Vector fields are bytes whatever the decoding when the query keeps them
(``return_field(name, decode_field=False)``), as redis-py's rules say.
"""

from __future__ import annotations

import asyncio
import struct
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio
from redis.commands.search import aggregation as their_aggregation
from redis.commands.search import query as their_query

import leanredis
import leanredis.commands.search.reducers as reducers
from leanredis.commands.search.aggregation import AggregateRequest, Asc, Cursor, Desc
from leanredis.commands.search.field import GeoField, NumericField, TagField, TextField, VectorField
from leanredis.commands.search.index_definition import IndexDefinition, IndexType
from leanredis.commands.search.query import GeoFilter, NumericFilter, Query
from leanredis.commands.search.result import Result
from leanredis.commands.search.suggestion import Suggestion
from leanredis.server import RedisServer

from .families.oracle import same_shape

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def pair(request: pytest.FixtureRequest, modules_server: RedisServer) -> AsyncIterator[tuple[Any, Any]]:
    """(leanredis with the parameter's protocol, redis.asyncio with its defaults), same decoding, flushed."""
    protocol, decode = request.param
    ours = leanredis.Redis(host="127.0.0.1", port=modules_server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=modules_server.port, decode_responses=decode)
    await ours.flushdb()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


def vec(*values: float) -> bytes:
    return struct.pack(f"{len(values)}f", *values)


SCHEMA = [
    TextField("title", sortable=True),
    TextField("body", weight=0.5),
    TagField("tag"),
    NumericField("n", sortable=True),
    GeoField("loc"),
    VectorField("v", "HNSW", {"TYPE": "FLOAT32", "DIM": 2, "DISTANCE_METRIC": "L2"}),
    VectorField("w", "FLAT", {"TYPE": "FLOAT32", "DIM": 2, "DISTANCE_METRIC": "COSINE"}),
]


async def load(client: Any, count: int = 6) -> None:
    assert await client.ft().create_index(SCHEMA, definition=IndexDefinition(prefix=["doc:"])) in (b"OK", "OK")
    for i in range(count):
        await client.hset(f"doc:{i}", mapping={
            "title": f"hello world {i}", "body": "the quick brown fox" if i % 2 else "lazy dogs sleep",
            "tag": "red,blue" if i % 2 else "green", "n": i, "loc": f"13.{i},52.5",
            "v": vec(i, 0.5), "w": vec(1.0, i + 0.25),
        })  # fmt: skip
    await wait_indexed(client)


async def wait_indexed(client: Any) -> None:
    for _ in range(200):
        info = await client.ft().info()
        if int(info["indexing"]) == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the index did not finish indexing")


def docs(result: Any) -> list[dict[str, Any]]:
    return [dict(doc.__dict__) for doc in result.docs]


def same_result(ours: Any, theirs: Any) -> None:
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.total == theirs.total
    assert same_shape(docs(ours), docs(theirs)), f"{docs(ours)} != {docs(theirs)}"
    assert ours.warnings == theirs.warnings


def same_rows(ours: Any, theirs: Any) -> None:
    assert same_shape(ours.rows, theirs.rows), f"{ours.rows} != {theirs.rows}"
    assert ours.total == theirs.total
    assert ours.schema == theirs.schema
    assert ours.warnings == theirs.warnings
    assert (ours.cursor is None) == (theirs.cursor is None)


def twin(query: Query) -> Any:
    """redis-py's own Query with the same arguments (its parser reads its own object)."""
    theirs = their_query.Query(query._query_string)
    theirs.__dict__.update({k: v for k, v in query.__dict__.items() if k not in ("_filters", "_sortby")})
    theirs._filters = [their_query.Filter(f.args[0], f.args[1], *f.args[2:]) for f in query._filters]
    if query._sortby is not None:
        theirs._sortby = their_query.SortbyField(query._sortby.args[0], query._sortby.args[1] == "ASC")
    return theirs


async def search_both(pair: Any, query: Query, params: Any = None) -> Any:
    ours_client, theirs_client = pair
    ours = await ours_client.ft().search(query, params)
    theirs = await theirs_client.ft().search(twin(query), params)
    assert isinstance(ours, Result)
    same_result(ours, theirs)
    return ours


async def test_search_results_match_redis_py(pair: Any) -> None:
    ours, theirs = pair
    await load(ours)
    result = await search_both(pair, Query("hello"))
    assert result.total == 6 and {d.id for d in result.docs} == {f"doc:{i}" for i in range(6)}
    assert result.duration > 0
    await search_both(pair, Query("hello").with_scores().paging(1, 3).sort_by("n", asc=False))
    await search_both(pair, Query("hello").no_content().paging(0, 2))
    await search_both(pair, Query("@tag:{red}").return_fields("title", "n"))
    await search_both(pair, Query("fox").highlight(tags=["<b>", "</b>"]).summarize(context_len=3))
    await search_both(pair, Query("hello").add_filter(NumericFilter("n", 1, 3, minExclusive=True)).sort_by("n"))
    await search_both(pair, Query("hello").add_filter(GeoFilter("loc", 13.2, 52.5, 50, GeoFilter.KILOMETERS)))
    await search_both(pair, Query("hello").scorer("BM25").with_scores().verbatim().limit_fields("title"))
    await search_both(pair, Query("@n:[$low $high]").dialect(2), {"low": 2, "high": 4})
    await search_both(pair, Query("nomatch"))
    # the whole document, vectors included: decoded as redis-py decodes them (invalid bytes replaced)
    await search_both(pair, Query("@n:[0 0]"))
    # payloads: redis.asyncio reads RESP3 replies, where it leaves them out (None)
    await ours.ft("pl").create_index([TextField("t")], definition=IndexDefinition(prefix="pl:", payload_field="p"))
    await ours.hset("pl:1", mapping={"t": "hello", "p": "the payload"})
    for _ in range(500):
        if (await ours.ft("pl").search("hello")).total:
            break
        await asyncio.sleep(0.01)
    mine = await ours.ft("pl").search(Query("hello").with_payloads())
    same_result(mine, await theirs.ft("pl").search(their_query.Query("hello").with_payloads()))
    assert mine.docs[0].payload is None and mine.docs[0].t == "hello"
    # a string query
    assert (await ours.ft().search("hello")).total == (await theirs.ft().search("hello")).total


async def test_knn_keeps_vectors_as_bytes_whatever_the_decoding(pair: Any) -> None:
    ours, _ = pair
    await load(ours)
    for field in ("v", "w"):
        query = (
            Query(f"*=>[KNN 3 @{field} $vec AS dist]").sort_by("dist").dialect(2)
            .return_field(field, decode_field=False).return_field("dist").return_field("title")
        )  # fmt: skip
        result = await search_both(pair, query, {"vec": vec(1.0, 1.0)})
        assert len(result.docs) == 3
        for doc in result.docs:
            assert isinstance(getattr(doc, field), bytes) and len(getattr(doc, field)) == 8
            assert isinstance(doc.dist, str) and isinstance(doc.title, str)
        assert struct.unpack("2f", getattr(result.docs[0], field))[0 if field == "v" else 1] >= 0
    # another encoding for one field
    query = Query("hello").return_field("title", encoding="latin-1").return_field("v", decode_field=False)
    await search_both(pair, query)


async def test_aggregations_match_redis_py(pair: Any) -> None:
    ours, theirs = pair
    await load(ours)

    async def both(build: Any, params: Any = None) -> Any:
        mine = await ours.ft().aggregate(build(AggregateRequest, reducers, Asc, Desc), params)
        import redis.commands.search.reducers as their_reducers

        other = await theirs.ft().aggregate(
            build(their_aggregation.AggregateRequest, their_reducers, their_aggregation.Asc, their_aggregation.Desc),
            params,
        )
        same_rows(mine, other)
        return mine

    grouped = await both(lambda A, r, asc, desc: A("*").group_by(
        "@tag", r.count().alias("count"), r.sum("@n").alias("total"), r.avg("@n"), r.tolist("@title"),
        r.max("@n"), r.min("@n"), r.count_distinct("@title"), r.quantile("@n", 0.5), r.stddev("@n"),
        r.first_value("@title", desc("@n")),
    ).sort_by(asc("@tag")))  # fmt: skip
    assert len(grouped.rows) == 2
    await both(lambda A, r, asc, desc: A("*").load("@n", "@title").apply(double="@n * 2").filter("@double > 4")
               .sort_by(desc("@n"), max=3).limit(0, 2))  # fmt: skip
    await both(lambda A, r, asc, desc: A("@n:[$lo +inf]").load("@n").dialect(2), {"lo": 3})
    await both(lambda A, r, asc, desc: A("hello").add_scores().scorer("BM25").load("@title").verbatim())
    # cursors: the first page, then the next ones by Cursor
    mine = await ours.ft().aggregate(AggregateRequest("*").load("@n").cursor(count=4))
    other = await theirs.ft().aggregate(their_aggregation.AggregateRequest("*").load("@n").cursor(count=4))
    same_rows(mine, other)
    assert isinstance(mine.cursor, Cursor) and mine.cursor.cid != 0 and len(mine.rows) == 4
    page = await ours.ft().aggregate(mine.cursor)
    assert len(page.rows) == 2 and page.cursor is mine.cursor and page.cursor.cid == 0
    await theirs.ft().aggregate(other.cursor)


async def test_redis_pys_own_aggregate_request_and_cursor_run_on_our_client(pair: Any) -> None:
    """An application that changed only its client still builds redis-py's AggregateRequest (imported
    from redis.commands.search.aggregation): ours runs it, with cursors and profile."""
    import redis.commands.search.reducers as their_reducers

    ours, theirs = pair
    await load(ours)
    request = their_aggregation.AggregateRequest("*").group_by("@tag", their_reducers.count().alias("count"))
    same_rows(await ours.ft().aggregate(request), await theirs.ft().aggregate(request))
    first = await ours.ft().aggregate(their_aggregation.AggregateRequest("*").load("@n").cursor(count=4))
    assert len(first.rows) == 4 and first.cursor.cid != 0
    their_cursor = their_aggregation.Cursor(first.cursor.cid)
    rest = await ours.ft().aggregate(their_cursor)
    assert len(rest.rows) == 2 and rest.cursor is their_cursor and their_cursor.cid == 0
    profiled, _ = await ours.ft().profile(their_aggregation.AggregateRequest("*").load("@n"))
    assert len(profiled.rows) == 6


async def test_index_commands_match_redis_py(pair: Any) -> None:
    ours, theirs = pair
    await load(ours)

    async def both(method: str, *args: Any, index: str = "idx") -> Any:
        mine = await getattr(ours.ft(index), method)(*args)
        other = await getattr(theirs.ft(index), method)(*args)
        assert same_shape(mine, other), f"{method}{args}: {mine!r} != {other!r}"
        return mine

    info = await ours.ft().info()
    other = await theirs.ft().info()
    volatile = {"number_of_uses", "total_indexing_time", "cursor_stats", "dialect_stats", "gc_stats", "cleaning"}
    assert same_shape({k: v for k, v in info.items() if k not in volatile},
                      {k: v for k, v in other.items() if k not in volatile}), f"{info} != {other}"  # fmt: skip
    assert same_shape(info["gc_stats"].keys(), other["gc_stats"].keys())
    assert info["num_docs"] == 6 and info["index_definition"]["prefixes"] == ["doc:"]
    assert [a[1] for a in info["attributes"]] == ["title", "body", "tag", "n", "loc", "v", "w"]
    assert sorted(await both("tagvals", "tag")) in ([b"blue", b"green", b"red"], ["blue", "green", "red"])
    assert "INTERSECT" in str(await both("explain", "hello @n:[1 2]"))
    await both("explain", "@n:[$a $b]", {"a": 1, "b": 2})
    await both("spellcheck", "helo wrld")
    await both("spellcheck", "helo", 2)
    assert await ours.ft().dict_add("dict", "hello", "helo", "world") == 3
    assert await theirs.ft().dict_add("dict", "hello", "extra") == 1
    await both("spellcheck", "helo", None, "dict")
    await both("spellcheck", "helo", None, None, "dict")
    await both("dict_dump", "dict")
    assert await ours.ft().dict_del("dict", "world", "nope") == 1
    assert await theirs.ft().dict_del("dict", "extra") == 1
    await both("synupdate", "group1", False, "hello", "hi")
    await both("synupdate", "group2", True, "world")
    assert {str(k, "utf-8") if isinstance(k, bytes) else k for k in await both("syndump")} == {"hello", "hi", "world"}
    assert await ours.ft().aliasadd("first") in (b"OK", "OK")
    with pytest.raises(leanredis.ResponseError):
        await ours.ft().aliasadd("first")
    await both("aliasupdate", "first")
    assert (await ours.ft("first").search("hello")).total == 6
    assert await ours.ft().aliasdel("first") in (b"OK", "OK")
    assert await ours.ft().alter_schema_add([TextField("extra"), TagField("label")]) in (b"OK", "OK")
    assert await theirs.ft().alter_schema_add(NumericField("more")) in (b"OK", "OK")
    mine, other = (await ours.ft().info())["attributes"], (await theirs.ft().info())["attributes"]
    assert same_shape(mine, other) and [a[1] for a in mine][-3:] == ["extra", "label", "more"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert same_shape(await ours.ft().config_get("TIMEOUT"), await theirs.ft().config_get("TIMEOUT"))
        assert await ours.ft().config_set("TIMEOUT", "500") == await theirs.ft().config_set("TIMEOUT", "500")
    await ours.hset("plain:1", mapping={"title": "t\u00e9", "id": "dropped", "raw": b"\x01\x00"})
    for encodings in (None, {"raw": None}, {"title": "latin-1"}):
        doc = await ours.ft().load_document("plain:1", field_encodings=encodings)
        other_doc = await theirs.ft().load_document("plain:1", field_encodings=encodings)
        assert same_shape(doc.__dict__, other_doc.__dict__), f"{doc} != {other_doc}"


async def test_create_index_options_and_json_definitions(pair: Any) -> None:
    ours, theirs = pair
    for client, name in ((ours, "a"), (theirs, "b")):
        ft = client.ft(f"json-{name}")
        created = await ft.create_index(
            [TextField("$.name", as_name="name"), NumericField("$.age", as_name="age"),
             TagField("$.tags[*]", as_name="tags")],
            definition=IndexDefinition(prefix=[f"person-{name}:"], index_type=IndexType.JSON, filter="@age > 0",
                                       language="english", score=0.5),
            stopwords=["the", "a"], no_term_offsets=True, no_field_flags=False, max_text_fields=True,
            no_term_frequencies=True, skip_initial_scan=False,
        )  # fmt: skip
        assert created in (b"OK", "OK")
        await client.execute_command("JSON.SET", f"person-{name}:1", "$", '{"name": "ada", "age": 36, "tags": ["x"]}')
        await client.execute_command("JSON.SET", f"person-{name}:2", "$", '{"name": "bob", "age": 0, "tags": ["y"]}')
    for _ in range(500):
        mine = await ours.ft("json-a").search(Query("ada"))
        other = await theirs.ft("json-b").search(their_query.Query("ada"))
        if mine.total and other.total:
            break
        await asyncio.sleep(0.01)
    assert mine.total == other.total == 1
    assert mine.docs[0].id == "person-a:1" and other.docs[0].id == "person-b:1"
    assert same_shape(mine.docs[0].json, other.docs[0].json) and '"ada"' in mine.docs[0].json
    mine_info, other_info = await ours.ft("json-a").info(), await theirs.ft("json-b").info()
    assert same_shape(mine_info["index_definition"].keys(), other_info["index_definition"].keys())
    assert same_shape(mine_info["index_options"], other_info["index_options"])
    # a temporary index, and dropping with and without the documents
    assert await ours.ft("temp").create_index([TextField("t")], temporary=60, no_highlight=True) in (b"OK", "OK")
    assert await ours.ft("temp").dropindex() in (b"OK", "OK")
    await ours.hset("keep:1", "t", "x")
    await ours.ft("withdocs").create_index([TextField("t")], definition=IndexDefinition(prefix="keep:"))
    for _ in range(500):  # the initial scan runs in the background: DD deletes only what it indexed
        if (await ours.ft("withdocs").search("x")).total:
            break
        await asyncio.sleep(0.01)
    assert await ours.ft("withdocs").dropindex(delete_documents=True) in (b"OK", "OK")
    assert await ours.exists("keep:1") == 0
    with pytest.raises(leanredis.ResponseError):
        await ours.ft("missing").dropindex()


async def test_suggestions_match_redis_py(pair: Any) -> None:
    ours, theirs = pair

    async def both(method: str, *args: Any, **kwargs: Any) -> Any:
        await ours.delete("sug")
        await ours.ft().sugadd("sug", Suggestion("hello", 2.0, "pay"), Suggestion("help", 1.0), Suggestion("world"))
        mine = await getattr(ours.ft(), method)(*args, **kwargs)
        await ours.delete("sug")
        from redis.commands.search.suggestion import Suggestion as Theirs

        await theirs.ft().sugadd("sug", Theirs("hello", 2.0, "pay"), Theirs("help", 1.0), Theirs("world"))
        other = await getattr(theirs.ft(), method)(*args, **kwargs)
        return mine, other

    mine, other = await both("sugadd", "sug", Suggestion("hello", 1.0), increment=True)
    assert mine == other == 3
    for kwargs in ({}, {"with_scores": True}, {"with_payloads": True}, {"with_scores": True, "with_payloads": True},
                   {"fuzzy": True, "num": 1}):  # fmt: skip
        mine, other = await both("sugget", "sug", "hel", **kwargs)
        assert [(s.string, s.score, s.payload) for s in mine] == [(s.string, s.score, s.payload) for s in other]
        assert mine and isinstance(mine[0], Suggestion)
    assert await both("sugget", "sug", "zzz") == ([], [])
    mine, other = await both("suglen", "sug")
    assert mine == other == 3
    mine, other = await both("sugdel", "sug", "help")
    assert mine == other == 1


async def test_pipelines_record_search_commands(pair: Any) -> None:
    ours, theirs = pair
    await load(ours, count=3)
    query = Query("hello").with_scores().sort_by("n").return_field("v", decode_field=False).return_field("title")
    mine_pipe = ours.ft().pipeline(transaction=False)
    other_pipe = theirs.ft().pipeline(transaction=False)
    for pipe, q in ((mine_pipe, query), (other_pipe, twin(query))):
        assert await pipe.search(q) is pipe
        pipe.tagvals("tag")
        pipe.hget("doc:1", "n")
    mine, other = await mine_pipe.execute(), await other_pipe.execute()
    assert same_shape(mine[0], other[0]), f"{mine[0]} != {other[0]}"
    assert mine[0][0] == 3 and isinstance(mine[0][2], float) and mine[0][3][2:4] == ["title", b"hello world 0"]
    assert sorted(mine[1]) == sorted(other[1]) and mine[2] == other[2]
    # the client's own pipeline: ft() commands recorded there too; search results read as in a search pipeline
    pipe = ours.pipeline(transaction=False)
    pipe.ft().search(Query("hello").no_content().sort_by("n"))
    pipe.ft().info()
    pipe.ft().aggregate(AggregateRequest("*").group_by("@tag", reducers.count()))
    pipe.ft().sugadd("s", Suggestion("abc"), Suggestion("abd"))
    pipe.ft().sugget("s", "ab")
    found, info, grouped, _, _, suggestions = await pipe.execute()
    assert found == [3, b"doc:0", b"doc:1", b"doc:2"] and info["num_docs"] == 3 and len(grouped.rows) == 2
    assert sorted(s.string for s in suggestions) == ["abc", "abd"]


async def test_profile_returns_the_result_and_the_profile(pair: Any) -> None:
    ours, _ = pair
    await load(ours, count=3)
    result, profile = await ours.ft().profile(Query("hello").with_scores())
    assert isinstance(result, Result) and result.total == 3 and all(isinstance(d.score, float) for d in result.docs)
    assert isinstance(profile.info, list) and "Total profile time" in str(profile.info)
    grouped, profile = await ours.ft().profile(AggregateRequest("*").group_by("@tag", reducers.count()), limited=True)
    assert len(grouped.rows) == 2 and profile.info


async def test_errors_come_from_the_server_and_bad_queries_from_the_call(pair: Any) -> None:
    ours, _ = pair
    with pytest.raises(leanredis.ResponseError):
        await ours.ft("nosuchindex").search("hello")
    with pytest.raises(leanredis.ResponseError):
        await ours.ft("nosuchindex").info()
    with pytest.raises(ValueError):
        ours.ft().search(42)
    with pytest.raises(ValueError):
        ours.ft().aggregate("not a request")
    with pytest.raises(NotImplementedError):
        ours.ft().explain_cli("x")


async def test_ft_rows_match_the_modules_command_info(modules_server: RedisServer) -> None:
    """Flags as RediSearch declares them; keys only where redis-py routes by key (FT.SUG*): the server also
    lists index names as keys, which redis.asyncio's cluster sends to any primary."""
    from leanredis.commands.spec import DECLARED_FLAGS
    from leanredis.commands.table import COMMANDS

    async with leanredis.Redis(host="127.0.0.1", port=modules_server.port, decode_responses=True) as client:
        rows = {name: row for name, row in COMMANDS.items() if name.startswith("FT.")}
        problems = []
        for name, row in rows.items():
            entry = (await client.execute_command("COMMAND", "INFO", name))[0]
            if entry is None:
                # FT.ALIASLIST, FT.HYBRID: newer than RediSearch 2.10; FT.ADDHASH: gone since 2.0
                assert name in ("FT.ALIASLIST", "FT.ADDHASH", "FT.HYBRID"), f"{name}: the server has no such command"
                continue
            if set(entry[2]) & DECLARED_FLAGS != set(row.flags):
                problems.append(f"{name}: flags {sorted(row.flags)}, server {entry[2]}")
            keyed = name.startswith("FT.SUG")
            if keyed and (row.first, row.last, row.step) != tuple(entry[3:6]):
                problems.append(f"{name}: keys {row.first, row.last, row.step}, server {entry[3:6]}")
            if not keyed and (row.first, row.route) != (0, "random"):
                problems.append(f"{name}: an index name is not a key (route random)")
        assert not problems, problems
        listed = {
            e[0].upper() for e in await client.execute_command("COMMAND", "INFO") if e[0].upper().startswith("FT.")
        }
        internal = {n for n in listed if n.startswith(("FT._", "FT.DEBUG", "FT.SYNADD", "FT.DROP", "FT.SAFEADD"))}
        assert not sorted(listed - rows.keys() - internal), "FT.* commands the table lacks"


async def batch_load(client: Any, query: Any) -> dict[str, Any]:
    """Seven documents through a batch indexer of chunk 3, a partial update, then a refused duplicate."""
    seen: dict[str, Any] = {}
    assert await client.ft().create_index([TextField("title"), NumericField("n", sortable=True)]) in (b"OK", "OK")
    indexer = client.ft().batch_indexer(chunk_size=3)
    for i in range(7):
        await indexer.add_document(f"doc:{i}", title=f"hello {i}", n=i)
    seen["before_commit"] = (indexer.total, indexer.current_chunk, await client.dbsize())
    await indexer.commit()
    seen["after_commit"] = (indexer.total, indexer.current_chunk, await client.dbsize())
    await indexer.add_document("doc:0", replace=True, partial=True, title="goodbye")
    await indexer.add_document("doc:7", score=0.5, nosave=False, title="hello 7", n=7)
    await indexer.commit()
    seen["partial"] = await client.hgetall("doc:0")
    seen["hello"] = await client.ft().search(query)
    await indexer.add_document("doc:1", title="a duplicate")  # FT.ADD without REPLACE: refused by the server
    with pytest.raises(Exception) as refused:
        await indexer.commit()
    seen["refused"] = (type(refused.value).__name__, str(refused.value), indexer.current_chunk, indexer.total)
    indexer.current_chunk = 0  # redis-py's finalizer would otherwise leave a commit() coroutine never awaited
    return seen


async def test_batch_indexer_sends_every_chunk_and_the_rest_on_commit_as_redis_py(pair: Any) -> None:
    ours_client, theirs_client = pair
    query = Query("hello").sort_by("n")
    ours = await batch_load(ours_client, query)
    await ours_client.flushdb()
    theirs = await batch_load(theirs_client, twin(query))
    assert ours["before_commit"] == theirs["before_commit"] == (7, 1, 6)
    assert ours["after_commit"] == theirs["after_commit"] == (7, 0, 7)
    assert ours["partial"] == theirs["partial"]
    assert str_of(ours["partial"]["title" if "title" in ours["partial"] else b"title"]) == "goodbye"
    same_result(ours["hello"], theirs["hello"])
    assert ours["hello"].total == 7  # doc:0 says goodbye now; doc:7 joined
    assert ours["refused"] == theirs["refused"]
    assert ours["refused"][0] == "ResponseError" and ours["refused"][2] == 1


def str_of(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_batch_indexer_has_redis_asyncio_signatures() -> None:
    import inspect

    from redis.commands.search import AsyncSearch as TheirSearch

    from leanredis.commands.search import Search

    assert Search.BatchIndexer is type(Search(leanredis.Redis()).batch_indexer())
    for name in ("__init__", "add_document", "add_document_hash", "commit"):
        ours = inspect.signature(getattr(Search.BatchIndexer, name))
        theirs = inspect.signature(getattr(TheirSearch.BatchIndexer, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in theirs.parameters.values()
        ], name
        assert inspect.iscoroutinefunction(getattr(Search.BatchIndexer, name)) == inspect.iscoroutinefunction(
            getattr(TheirSearch.BatchIndexer, name)
        ), name
    assert inspect.signature(Search.batch_indexer).parameters["chunk_size"].default == 100
