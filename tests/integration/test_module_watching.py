"""Module commands on a pipeline that is watching (WATCH ran, MULTI not yet): run at once, as in redis.asyncio.

redis.asyncio 8.1 runs a watching pipeline's commands at once and returns their replies, read as on the client:
``pipe.ft().sugadd(...)`` sends FT.SUGADD (through a pipeline of its own) and returns the dictionary's size,
``pipe.ft().search(...)`` a ``Result``; the json(), ts() and bf() namespaces return their replies. Compared side by
side on the modules server, leanredis in RESP2 and RESP3, bytes and ``decode_responses``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.commands.search.suggestion import Suggestion as TheirSuggestion

from leanredis.commands.search.query import Query
from leanredis.commands.search.result import Result
from leanredis.commands.search.suggestion import Suggestion

from . import module_oracle
from .test_module_search import load, same_result, twin

modules_pair = module_oracle.modules_pair  # the fixture

pytestmark = pytest.mark.timeout(60)


async def watching(client: Any, calls: Any) -> list[Any]:
    """``calls(pipe)``'s awaitables, each awaited in turn on ``client``'s pipeline while it watches a key."""
    async with client.pipeline() as pipe:
        await pipe.watch("watched")
        replies = [await asyncio.wait_for(call, 10) for call in calls(pipe)]
        await pipe.unwatch()
    return replies


async def test_sugadd_on_a_watching_pipeline_is_sent_at_once_as_redis_py(modules_pair: Any) -> None:
    ours, theirs = modules_pair
    results = []
    for client, made in ((ours, Suggestion), (theirs, TheirSuggestion)):
        await ours.delete("sug")
        added, length, found = await watching(client, lambda pipe, made=made: [
            pipe.ft().sugadd("sug", made("hello", 2.0, "pay"), made("help")),
            pipe.ft().suglen("sug"),
            pipe.ft().sugget("sug", "hel", with_payloads=True),
        ])  # fmt: skip
        in_server = await ours.ft().suglen("sug")  # sent, not left unawaited
        results.append((added, length, sorted((s.string, s.payload) for s in found), in_server))
    assert results[0] == results[1]
    assert results[0][0] == results[0][1] == results[0][3] == 2


async def test_search_on_a_watching_pipeline_returns_a_result_as_redis_py(modules_pair: Any) -> None:
    ours, theirs = modules_pair
    await load(ours, count=3)
    # the vector field asks for its bytes undecoded: read as on the client whatever decode_responses says
    query = Query("hello").with_scores().sort_by("n").return_field("v", decode_field=False).return_field("title")
    [mine] = await watching(ours, lambda pipe: [pipe.ft().search(query)])
    [other] = await watching(theirs, lambda pipe: [pipe.ft().search(twin(query))])
    assert isinstance(mine, Result)
    same_result(mine, other)
    assert mine.total == 3 and isinstance(mine.docs[0].v, bytes)


async def test_json_ts_and_bloom_commands_on_a_watching_pipeline_return_their_replies_as_redis_py(
    modules_pair: Any,
) -> None:
    ours, theirs = modules_pair
    results = []
    for client in (ours, theirs):
        await ours.delete("j", "t", "b")
        results.append(await watching(client, lambda pipe: [
            pipe.json().set("j", "$", {"a": [1, 2]}), pipe.json().arrappend("j", "$.a", 3), pipe.json().get("j"),
            pipe.ts().create("t"), pipe.ts().add("t", 1, 2.5), pipe.ts().get("t"),
            pipe.bf().add("b", "x"), pipe.bf().exists("b", "x"), pipe.bf().exists("b", "y"),
        ]))  # fmt: skip
    assert module_oracle.same(results[0], results[1]), results
    assert results[0][2] == {"a": [1, 2, 3]} and results[0][7] in (1, True)
