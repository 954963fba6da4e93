"""``r.ft().hybrid_search`` (FT.HYBRID) against redis.asyncio's, on the wire.

The modules server (RediSearch 2.10) predates FT.HYBRID (Redis 8.4), so a
``CommandProxy`` stands in front of it: every FT.HYBRID the two clients send
is recorded, and the bytes must be the same; forwarded, the server's
"unknown command" must raise the same class in both; answered by the proxy
with FT.HYBRID's documented reply (a map on RESP3: total_results, results
as maps, warnings, execution_time as a double; on RESP2 the same names and
values as a flat list, the execution time as text), the results must be
redis-py's, alone and in a pipeline. redis.asyncio runs with its defaults
(RESP3, legacy results), leanredis with RESP2 and RESP3, bytes and decoded.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import pytest
import redis.asyncio
from redis.commands.search import hybrid_query as their_hybrid
from redis.commands.search import query as their_query
from redis.commands.search import reducers as their_reducers

import leanredis
from leanredis.commands.search import hybrid_query as our_hybrid
from leanredis.commands.search import query as our_query
from leanredis.commands.search import reducers as our_reducers
from leanredis.server import RedisServer

from .families.oracle import raise_alike
from .faults import CommandProxy
from .module_oracle import same

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("ignore:.*experimental:UserWarning")]

OURS = SimpleNamespace(h=our_hybrid, r=our_reducers, q=our_query)
THEIRS = SimpleNamespace(h=their_hybrid, r=their_reducers, q=their_query)
VECTOR = b"\x00\x00\x80?\xcd\xcc\xcc=\xff\xfe"  # not UTF-8: stays bytes whatever the decoding


@pytest.fixture
async def proxy(modules_server: RedisServer) -> AsyncIterator[CommandProxy]:
    proxy = await CommandProxy(modules_server.port).start()
    yield proxy
    await proxy.aclose()


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def pair(request: pytest.FixtureRequest, proxy: CommandProxy) -> AsyncIterator[tuple[Any, Any]]:
    """(leanredis with the parameter's protocol, redis.asyncio with its defaults), both through the proxy."""
    protocol, decode = request.param
    ours = leanredis.Redis(host="127.0.0.1", port=proxy.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=proxy.port, decode_responses=decode)
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


def query(m: Any, vsim: Callable[[Any], Any] = lambda v: v, text: Callable[[Any], Any] = lambda s: s) -> Any:
    return m.h.HybridQuery(text(m.h.HybridSearchQuery("@title:hello")), vsim(m.h.HybridVsimQuery("@v", VECTOR)))


def post(m: Any) -> Any:
    return (
        m.h.HybridPostProcessingConfig()
        .load("@title", "@n AS num", decode_field=True)
        .group_by(["@tag", "@n"], m.r.count().alias("c"), m.r.sum("@n"))
        .apply(double="@n*2", shout="upper(@title)")
        .sort_by(m.q.SortbyField("double", asc=False), m.q.SortbyField("c"))
        .filter(m.h.HybridFilter("@double>1"))
        .limit(2, 5)
    )


#: name -> m -> (args, kwargs) of hybrid_search, built from either library's classes
CALLS: dict[str, Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "minimal": lambda m: ((query(m),), {}),
    "scorer and text score": lambda m: ((query(m, text=lambda s: s.scorer("BM25STD").yield_score_as("ts")),), {}),
    "scorer in the constructor": lambda m: (
        (m.h.HybridQuery(m.h.HybridSearchQuery("hi", "TFIDF", "t"), m.h.HybridVsimQuery("@v", VECTOR)),),
        {},
    ),
    "knn": lambda m: (
        (query(m, lambda v: v.vsim_method_params(m.h.VectorSearchMethods.KNN, K=3, EF_RUNTIME=50)),),
        {},
    ),  # fmt: skip
    "range in the constructor, filtered": lambda m: (
        (
            m.h.HybridQuery(
                m.h.HybridSearchQuery("*"),
                m.h.HybridVsimQuery(
                    "@v",
                    "$vec",
                    m.h.VectorSearchMethods.RANGE,
                    {"RADIUS": 0.5, "EPSILON": 0.01},
                    m.h.HybridFilter("@n:[1 3]"),
                    "vs",
                ),
            ),
        ),  # fmt: skip
        {"params_substitution": {"vec": VECTOR}},
    ),
    "a method without parameters": lambda m: (
        (m.h.HybridQuery(m.h.HybridSearchQuery("x"), m.h.HybridVsimQuery("@v", VECTOR, m.h.VectorSearchMethods.KNN)),),
        {},
    ),
    "a bare method": lambda m: ((query(m, lambda v: v.vsim_method_params(m.h.VectorSearchMethods.KNN)),), {}),
    "vector filter and score": lambda m: (
        (query(m, lambda v: v.filter(m.h.HybridFilter("@tag:{red}")).yield_score_as("vscore")),),
        {},
    ),
    "rrf": lambda m: ((query(m), m.h.CombineResultsMethod(m.h.CombinationMethods.RRF, WINDOW=3, CONSTANT=0.5)), {}),
    "linear": lambda m: (
        (query(m),),
        {
            "combine_method": m.h.CombineResultsMethod(
                m.h.CombinationMethods.LINEAR, ALPHA=0.7, BETA=0.3, YIELD_SCORE_AS="fused"
            )
        },  # fmt: skip
    ),
    "combine without parameters": lambda m: (
        (query(m),),
        {"combine_method": m.h.CombineResultsMethod(m.h.CombinationMethods.RRF)},
    ),
    "post-processing": lambda m: ((query(m),), {"post_processing": post(m)}),
    "group by one field": lambda m: (
        (query(m),),
        {"post_processing": m.h.HybridPostProcessingConfig().group_by("@tag", m.r.count())},
    ),
    "limit 0 is left out": lambda m: ((query(m),), {"post_processing": m.h.HybridPostProcessingConfig().limit(0, 0)}),
    "load nothing": lambda m: ((query(m),), {"post_processing": m.h.HybridPostProcessingConfig().load()}),
    "params, timeout": lambda m: (
        (query(m),),
        {"params_substitution": {"a": 1, "b": 2.5, "c": "x", "d": b"\xff"}, "timeout": 250},
    ),
    "timeout 0 is left out": lambda m: ((query(m),), {"timeout": 0, "params_substitution": {}}),
    "cursor": lambda m: ((query(m),), {"cursor": m.h.HybridCursorQuery(count=10, max_idle=2000)}),
    "default cursor": lambda m: ((query(m),), {"cursor": m.h.HybridCursorQuery()}),
    "everything": lambda m: (
        (
            query(m, lambda v: v.vsim_method_params(m.h.VectorSearchMethods.KNN, K=5)),
            m.h.CombineResultsMethod(m.h.CombinationMethods.LINEAR, ALPHA=0.5, BETA=0.5),
            post(m),
            {"p": "v"},
            100,
            m.h.HybridCursorQuery(count=1),
        ),  # fmt: skip
        {},
    ),
}


async def test_both_clients_send_the_same_bytes(pair: tuple[Any, Any], proxy: CommandProxy) -> None:
    """Forwarded to a server without FT.HYBRID: the same bytes reach it, and both raise ResponseError."""
    for name, call in CALLS.items():
        built = {id(client): call(lib) for client, lib in zip(pair, (OURS, THEIRS))}

        def hybrid(client: Any, built: dict[int, Any] = built) -> Any:
            args, kwargs = built[id(client)]
            return client.ft("idx").hybrid_search(*args, **kwargs)

        await raise_alike(pair, "ResponseError", f"hybrid_search {name}", hybrid, ())
        sent = proxy.captured[-2:]
        proxy.captured.clear()
        assert sent[0] == sent[1], f"{name}: leanredis sent {sent[0]!r}, redis-py {sent[1]!r}"
        assert sent[0].startswith(b"*") and b"$9\r\nFT.HYBRID\r\n$3\r\nidx\r\n" in sent[0]
    assert not proxy.captured


def encode(value: Any, protocol: int) -> bytes:
    """RESP bytes of ``value``: dict -> map (RESP2: flat array), list -> array, int -> integer, float -> double
    (RESP2: its text), str -> simple string, bytes -> bulk string."""
    if isinstance(value, dict):
        if protocol == 2:
            return encode([item for pair in value.items() for item in pair], 2)
        return b"%%%d\r\n" % len(value) + b"".join(encode(k, 3) + encode(v, 3) for k, v in value.items())
    if isinstance(value, list):
        return b"*%d\r\n" % len(value) + b"".join(encode(item, protocol) for item in value)
    if isinstance(value, bool) or value is None:
        raise TypeError(value)
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, float):
        return b",%r\r\n" % value if protocol == 3 else encode(repr(value).encode(), 2)
    if isinstance(value, str):
        return b"+" + value.encode() + b"\r\n"
    return b"$%d\r\n%s\r\n" % (len(value), value)


ROWS = [
    {"__key": b"doc:1", "__score": b"0.0327868852459", "title": b"hello world", "v": VECTOR},
    {"__key": b"doc:2", "__score": b"0.0161290322581", "num": b"2"},
]
REPLIES = {
    "rows": {"total_results": 2, "results": ROWS, "warnings": ["Timeout limit was reached"], "execution_time": 0.512},
    "empty": {"total_results": 0, "results": [], "warnings": [], "execution_time": 0.0},
    "cursor": {"SEARCH": 11, "VSIM": 12},
}


def answer(proxy: CommandProxy, reply: str) -> None:
    proxy.replies = {protocol: encode(REPLIES[reply], protocol) for protocol in (2, 3)}


@pytest.mark.parametrize("reply", ["rows", "empty", "cursor"])
async def test_results_are_redis_pys(pair: tuple[Any, Any], proxy: CommandProxy, reply: str) -> None:
    answer(proxy, reply)
    call = CALLS["cursor" if reply == "cursor" else "post-processing"]
    results = []
    for client, lib in zip(pair, (OURS, THEIRS)):
        args, kwargs = call(lib)
        results.append(await client.ft("idx").hybrid_search(*args, **kwargs))
    ours, theirs = results
    assert same(ours, theirs), f"leanredis {ours!r} vs redis-py {theirs!r}"
    assert type(ours).__module__ == "leanredis.commands.search.hybrid_result"
    if reply == "rows":  # names str, values the server's bytes, warnings as sent, the time a float
        assert ours.results == ROWS and ours.total_results == 2 and ours.execution_time == 0.512
        assert ours.warnings == [b"Timeout limit was reached"]
    elif reply == "cursor":
        assert (ours.search_cursor_id, ours.vsim_cursor_id) == (11, 12)


async def test_pipelines_return_redis_pys_flat_lists(pair: tuple[Any, Any], proxy: CommandProxy) -> None:
    """In a search pipeline, between forwarded commands: redis-py's flat list, in order."""
    for reply, call in (("rows", CALLS["minimal"]), ("cursor", CALLS["cursor"])):
        answer(proxy, reply)
        results = []
        for client, lib in zip(pair, (OURS, THEIRS)):
            await client.delete("hybrid:k")
            pipe = client.ft("idx").pipeline(transaction=False)
            pipe.set("hybrid:k", "v")
            args, kwargs = call(lib)
            assert await pipe.hybrid_search(*args, **kwargs) is pipe
            pipe.strlen("hybrid:k")  # (a search pipeline's get is FT.MGET)
            results.append(await pipe.execute())
        ours, theirs = results
        assert same(ours, theirs), f"{reply}: leanredis {ours!r} vs redis-py {theirs!r}"
        if reply == "rows":
            assert ours[1][:2] == ["total_results", 2] and ours[1][3][0][:2] == ["__key", b"doc:1"]
            assert ours[1][6:] == ["execution_time", 0.512]
        else:
            assert ours[1] == ["SEARCH", 11, "VSIM", 12]


async def test_a_client_pipeline_records_hybrid_search_too(pair: tuple[Any, Any], proxy: CommandProxy) -> None:
    ours, _ = pair
    answer(proxy, "rows")
    pipe = ours.pipeline(transaction=False)
    pipe.ft("idx").hybrid_search(query(OURS))
    pipe.ping()
    found, pong = await pipe.execute()
    assert found[:2] == ["total_results", 2] and pong is True


BAD: dict[str, Callable[[Any], Any]] = {
    "a method named by a str": lambda m: m.h.HybridVsimQuery("@v", VECTOR).vsim_method_params("KNN", K=1),
    "a method str in the constructor": lambda m: m.h.HybridVsimQuery("@v", VECTOR, "KNN", {"K": 1}),
    "a combination named by a str": lambda m: m.h.CombineResultsMethod("RRF").get_args(),
    "a reducer that is not one": lambda m: m.h.HybridPostProcessingConfig().group_by("@a", "count"),
    "a sort field that is not one": lambda m: m.h.HybridPostProcessingConfig().sort_by("@a").build_args(),
    "no vector query": lambda m: m.h.HybridQuery(m.h.HybridSearchQuery("x"), None).get_args(),
    "a query string for a query": lambda m: m.h.HybridQuery("x", m.h.HybridVsimQuery("@v", VECTOR)).get_args(),
    "a limit without num": lambda m: m.h.HybridPostProcessingConfig().limit(0),
    "a cursor that is not one": lambda m: m.h.HybridCursorQuery(1, 2, 3),
}


def test_bad_input_is_refused_as_redis_py_refuses_it() -> None:
    for name, build in BAD.items():
        raised = []
        for lib in (OURS, THEIRS):
            with pytest.raises(Exception) as caught:
                build(lib)
            raised.append(type(caught.value))
        assert raised[0] is raised[1], f"{name}: leanredis raised {raised[0]}, redis-py {raised[1]}"


async def test_bad_arguments_of_hybrid_search_are_refused_alike(pair: tuple[Any, Any], proxy: CommandProxy) -> None:
    """What redis-py cannot send (a str for the query, a dict for a method object) it refuses with the class
    we refuse it with; nothing reaches the server."""
    cases: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
        (("hello",), {}, "AttributeError"),
        ((None,), {}, "AttributeError"),
        ((query(OURS),), {"combine_method": {"RRF": 1}}, "AttributeError"),
        ((query(OURS),), {"post_processing": ["LOAD"]}, "AttributeError"),
        ((query(OURS),), {"cursor": 5}, "AttributeError"),
        ((query(OURS),), {"params_substitution": [("a", 1)]}, "AttributeError"),
    ]
    for args, kwargs, error in cases:
        raised = []
        for client in pair:
            try:
                await client.ft("idx").hybrid_search(*args, **kwargs)
            except Exception as exc:  # the class is the comparison
                raised.append(type(exc).__name__)
        assert raised == [error, error], f"{args} {kwargs}: {raised}"
    assert not proxy.captured


def test_the_experimental_warnings_are_redis_pys() -> None:
    """redis-py warns (UserWarning) when an experimental class is made and when hybrid_search is called."""
    seen = []
    for lib in (OURS, THEIRS):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            args, kwargs = CALLS["everything"](lib)
        seen.append(sorted((w.category.__name__, str(w.message)) for w in caught))
    assert seen[0] == seen[1] and len(seen[0]) >= 6
    client = leanredis.Redis(host="127.0.0.1", port=1)
    with pytest.warns(UserWarning, match="^Call to experimental method hybrid_search. Be aware that the function"):
        pipe = client.ft().pipeline(transaction=False)
        pipe.hybrid_search(query(OURS))
