"""Every public method of redis.asyncio 8.1's module namespaces (``ft()``, ``json()``, ``ts()``, ``bf()``,
``cf()``, ``cms()``, ``topk()``, ``tdigest()``) and of the FT.HYBRID helper classes exists on ours with the
same signature: parameter names, kinds and defaults, in order."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import redis.commands.bf as their_bf
import redis.commands.json as their_json
import redis.commands.search as their_search
import redis.commands.search.hybrid_query as their_hybrid
import redis.commands.search.hybrid_result as their_hybrid_result
import redis.commands.timeseries as their_ts

import leanredis.commands.bf as our_bf
import leanredis.commands.json as our_json
import leanredis.commands.search.client as our_search
import leanredis.commands.search.hybrid_query as our_hybrid
import leanredis.commands.search.hybrid_result as our_hybrid_result
import leanredis.commands.timeseries as our_ts

NAMESPACES = [
    (their_search.AsyncSearch, our_search.Search),
    (their_json.AsyncJSON, our_json.JSON),
    (their_ts.AsyncTimeSeries, our_ts.TimeSeries),
    (their_bf.AsyncBFBloom, our_bf.BFBloom),
    (their_bf.AsyncCFBloom, our_bf.CFBloom),
    (their_bf.AsyncCMSBloom, our_bf.CMSBloom),
    (their_bf.AsyncTOPKBloom, our_bf.TOPKBloom),
    (their_bf.AsyncTDigestBloom, our_bf.TDigestBloom),
]
HELPERS = [
    (getattr(their_hybrid, name), getattr(our_hybrid, name))
    for name in (
        "HybridSearchQuery",
        "HybridVsimQuery",
        "HybridQuery",
        "CombineResultsMethod",
        "HybridPostProcessingConfig",
        "HybridFilter",
        "HybridCursorQuery",
    )  # fmt: skip
] + [(their_hybrid_result.HybridCursorResult, our_hybrid_result.HybridCursorResult)]

#: (class name, method) -> why ours differs. Empty: every signature is redis-py's.
ALLOWED: dict[tuple[str, str], str] = {}


def shape(fn: Any) -> list[tuple[str, Any, str]]:
    """Names, kinds and defaults of ``fn``'s parameters (through redis-py's experimental wrappers)."""
    return [(p.name, p.kind, repr(p.default)) for p in inspect.signature(inspect.unwrap(fn)).parameters.values()]


def public_methods(cls: type, with_init: bool) -> list[str]:
    names = [n for n, f in inspect.getmembers(cls, callable) if not n.startswith("_") and not inspect.isclass(f)]
    return names + (["__init__"] if with_init else [])


@pytest.mark.parametrize(
    ("theirs", "ours", "with_init"),
    [(t, o, False) for t, o in NAMESPACES] + [(t, o, True) for t, o in HELPERS],
    ids=[t.__name__ for t, _ in NAMESPACES + HELPERS],
)
def test_every_method_has_redis_pys_signature(theirs: type, ours: type, with_init: bool) -> None:
    problems = []
    for name in public_methods(theirs, with_init):
        if (theirs.__name__, name) in ALLOWED:
            continue
        mine = getattr(ours, name, None)
        if mine is None:
            problems.append(f"{name}: missing")
        elif shape(mine) != shape(getattr(theirs, name)):
            problems.append(f"{name}: ours {shape(mine)}, redis-py {shape(getattr(theirs, name))}")
    assert not problems, f"{theirs.__name__}: {problems}"


def test_the_result_fields_and_enums_are_redis_pys() -> None:
    import dataclasses

    for enum in ("VectorSearchMethods", "CombinationMethods"):
        theirs, ours = getattr(their_hybrid, enum), getattr(our_hybrid, enum)
        assert [(m.name, m.value) for m in theirs] == [(m.name, m.value) for m in ours]

    fields = [[(f.name, str(f.type)) for f in dataclasses.fields(cls)]
              for cls in (their_hybrid_result.HybridResult, our_hybrid_result.HybridResult)]  # fmt: skip
    assert [name for name, _ in fields[0]] == [name for name, _ in fields[1]]


def test_get_params_args_is_redis_pys() -> None:
    import redis.asyncio

    import leanredis

    theirs = their_search.AsyncSearch(redis.asyncio.Redis())
    ours = our_search.Search(leanredis.Redis(host="127.0.0.1", port=1))
    for params in (None, {}, {"a": 1}, {"v": b"\x00", "s": "x", "f": 2.5}):
        assert ours.get_params_args(params) == theirs.get_params_args(params)
