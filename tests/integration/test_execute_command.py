"""``execute_command`` is the one funnel: an override in a subclass, or a wrapper put on the class after
import (as opentelemetry, ddtrace and sentry do), sees every command a method sends, with redis-py's
call shape, and the method's result keeps its parsing; removing the wrapper brings the direct path back."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import inspect
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import leanredis
from leanredis import ConnectionError
from leanredis.cluster import RedisCluster
from leanredis.commands.funnel import PARSER, is_funneled
from leanredis.commands.table import lookup
from leanredis.pipeline import Pipeline
from leanredis.server import RedisServer

from . import test_cluster
from .cluster import LocalCluster

# The calls of every public command method, and what each sends by the direct path, come from the unit
# test that checks every method's parser against the command table (loaded by path: tests/unit is no package).
_TABLE_TEST = Path(__file__).parents[1] / "unit" / "test_parsers_from_table.py"
_spec = importlib.util.spec_from_file_location("parsers_from_table", _TABLE_TEST)
assert _spec is not None and _spec.loader is not None
table_test = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(table_test)

cluster = test_cluster.cluster


class Reached(Exception):
    """Raised by a recording ``execute_command`` before anything is sent."""


class RecordingRedis(leanredis.Redis):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        raise Reached(args, options)


class RecordingCluster(RedisCluster):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        raise Reached(args, options)


def _methods(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in table_test.NOT_COMMANDS and name != "execute_command"
    ]


def _first_reach(client: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | str:
    """What the first command of ``client.name(*args, **kwargs)`` handed to execute_command, or why nothing."""
    try:
        result = getattr(client, name)(*args, **kwargs)
        if inspect.isawaitable(result):

            async def wait() -> Any:
                return await result

            asyncio.run(wait())
    except Reached as reached:
        return reached.args  # type: ignore[no-any-return]
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "returned without reaching execute_command"


def _check_every_method(client: Any, cls: type) -> tuple[int, dict[str, str]]:
    wrong: dict[str, str] = {}
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in _methods(cls):
            if name not in table_test.SENT:
                continue  # sends nothing through the direct path either (the unit test says why)
            calls = table_test.CALLS.get(name, [(tuple(table_test._default_args(fn)), {})])
            if name == "bitfield":
                calls = []
                try:
                    client.bitfield("k").set("u8", 0, 1).execute()
                    wrong[name] = "returned without reaching execute_command"
                except Reached as reached:
                    if reached.args[0][0] != "BITFIELD":
                        wrong[name] = repr(reached.args[0])
            for args, kwargs in calls[:1]:
                reached = _first_reach(client, name, args, kwargs)
                checked += 1
                if isinstance(reached, str):
                    wrong[name] = reached
                    continue
                command, options = reached
                if isinstance(command[0], str) and " " in command[0]:  # cluster("X"): "CLUSTER X", as redis-py
                    command = (*command[0].split(), *command[1:])
                direct_args, direct_parse = table_test.SENT[name][0]
                if not isinstance(command[0], str):
                    wrong[name] = f"execute_command{command!r}: the name is not a str, as redis-py passes it"
                    continue
                direct_name = direct_args[0].decode() if isinstance(direct_args[0], bytes) else direct_args[0]
                if command != (direct_name, *direct_args[1:]):
                    wrong[name] = f"execute_command{command!r}, the direct path sends {direct_args!r}"
                    continue
                if PARSER in options:
                    parse = options[PARSER]
                else:  # a method that calls execute_command itself (cluster()): the table's parser applies
                    spec = lookup(command)
                    parse = None if spec is None else spec.parser
                if parse is not direct_parse and not _same_parser(parse, direct_parse):
                    wrong[name] = f"parser {parse!r}, the direct path uses {direct_parse!r}"
    return checked, wrong


def _same_parser(a: Any, b: Any) -> bool:
    """Parsers built per call (functools.partial, closures of the same code) compare by what they are."""
    if isinstance(a, functools.partial) and isinstance(b, functools.partial):
        return a.func is b.func and a.args == b.args and a.keywords == b.keywords
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    return code_a is not None and code_a is code_b


def test_every_command_method_of_a_subclass_reaches_its_execute_command() -> None:
    client = RecordingRedis(host="127.0.0.1", port=1)  # never connects: the override raises before any send
    checked, wrong = _check_every_method(client, leanredis.Redis)
    assert checked > 300
    assert not wrong, f"{len(wrong)} methods bypass or reshape execute_command: {dict(list(wrong.items())[:10])}"


def test_every_command_method_of_a_cluster_subclass_reaches_its_execute_command() -> None:
    client = RecordingCluster(host="127.0.0.1", port=1)  # never connects: the override raises before any send
    checked, wrong = _check_every_method(client, RedisCluster)
    assert checked > 300
    assert not wrong, f"{len(wrong)} methods bypass or reshape execute_command: {dict(list(wrong.items())[:10])}"


def test_the_override_gets_redis_py_call_shape_keys_and_the_methods_parser() -> None:
    client = RecordingRedis(host="127.0.0.1", port=1)
    with pytest.raises(Reached) as reached:
        client.zrange("z", 0, -1, withscores=True, score_cast_func=int)
    args, options = reached.value.args
    assert args == ("ZRANGE", "z", 0, -1, b"WITHSCORES")
    assert options["keys"] == ["z"]
    assert options[PARSER]([b"a", b"1"]) == [(b"a", 1)]  # withscores and score_cast_func are in the parser
    with pytest.raises(Reached) as reached:
        client.blpop(["a", "b"], timeout=2)
    args, options = reached.value.args
    assert args == ("BLPOP", "a", "b", 2)
    assert options["keys"] == ["a", "b"]


class Quiet(leanredis.Redis):
    """An application's subclass: a cache that answers a miss when the server is down."""

    calls = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        type(self).calls += 1
        try:
            return await super().execute_command(*args, **options)
        except ConnectionError:
            return None


async def test_a_subclass_turns_connection_errors_into_misses(redis_server: RedisServer) -> None:
    down = Quiet(host="127.0.0.1", port=1, connect_retries=0)
    try:
        assert await asyncio.wait_for(down.get("k"), 10) is None
        assert await asyncio.wait_for(down.set("k", "v"), 10) is None
        assert await asyncio.wait_for(down.hgetall("h"), 10) is None
    finally:
        await down.aclose()
    up = Quiet(host="127.0.0.1", port=redis_server.port)
    plain = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        Quiet.calls = 0
        await plain.delete("funnel:z", "funnel:h")
        assert await up.set("funnel:k", "v") is True
        assert await up.hset("funnel:h", mapping={"a": "1"}) == 1
        assert await up.hgetall("funnel:h") == {b"a": b"1"}
        assert await up.zadd("funnel:z", {"a": 1.5, "b": 2}) == 2
        ranged = await up.zrange("funnel:z", 0, -1, withscores=True)
        assert ranged == await plain.zrange("funnel:z", 0, -1, withscores=True) == [(b"a", 1.5), (b"b", 2.0)]
        assert await up.zrange("funnel:z", 0, -1, withscores=True, score_cast_func=int) == [(b"a", 1), (b"b", 2)]
        assert await up.mget([]) == []  # the error reply of an empty MGET still reads as []
        assert await up.blpop(["funnel:none"], timeout=0.1) is None  # a blocking command, through it too
        assert Quiet.calls == 8
    finally:
        await up.aclose()
        await plain.aclose()


async def test_a_wrapper_put_on_the_class_sees_every_command_until_it_is_removed(
    r: leanredis.Redis,
) -> None:
    seen: list[Any] = []
    batches: list[list[Any]] = []
    original = leanredis.Redis.execute_command
    original_execute = Pipeline.execute

    # what opentelemetry/ddtrace (wrapt) and sentry (a plain function) do at instrumentation time
    @functools.wraps(original)
    def traced(self: Any, *args: Any, **options: Any) -> Any:
        seen.append(args[0])
        return original(self, *args, **options)

    @functools.wraps(original_execute)
    async def traced_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        batches.append([command[0][0] for command in self.command_stack])  # sentry reads command_stack so
        return await original_execute(self, *args, **kwargs)

    leanredis.Redis.execute_command = traced  # type: ignore[method-assign]
    Pipeline.execute = traced_execute  # type: ignore[method-assign]
    try:
        assert is_funneled(r)  # made before the wrapper: it sees it all the same
        assert await r.set("k", "v") is True
        assert await r.get("k") == b"v"
        assert await r.zadd("z", {"m": 2}) == 1
        assert await r.zrange("z", 0, -1, withscores=True) == [(b"m", 2.0)]
        results = await r.pipeline().set("a", 1).incr("a").execute()
        assert results == [True, 2]
        assert seen == ["SET", "GET", "ZADD", "ZRANGE"]
        assert batches == [[b"SET", b"INCRBY"]]
    finally:
        leanredis.Redis.execute_command = traced.__wrapped__  # type: ignore[attr-defined]  # opentelemetry's unwrap
        Pipeline.execute = original_execute  # type: ignore[method-assign]
    assert not is_funneled(r)  # back to the direct path
    assert await r.get("k") == b"v"
    assert seen == ["SET", "GET", "ZADD", "ZRANGE"]
    del leanredis.Redis.execute_command  # the class as it was (its execute_command is ClientFeatures')
    assert not is_funneled(r)


class CountingPipeline(Pipeline):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.seen = [*getattr(self, "seen", []), args]
        return super().execute_command(*args, **options)


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_a_pipeline_override_sees_each_queued_command(r: leanredis.Redis, transaction: bool) -> None:
    pipe = CountingPipeline(r._executor(), transaction)
    pipe.set("a", 1).incr("a").hset("h", "f", "v").hgetall("h").zadd("z", {"m": 1}).zrange("z", 0, -1, withscores=True)
    assert [args[0] for args in pipe.seen] == ["SET", "INCRBY", "HSET", "HGETALL", "ZADD", "ZRANGE"]
    assert await pipe.execute() == [True, 2, 1, {b"f": b"v"}, 1, [(b"m", 1.0)]]


async def test_a_pipeline_override_sees_commands_run_at_once_after_watch(r: leanredis.Redis) -> None:
    await r.set("w", "1")
    pipe = CountingPipeline(r._executor(), True)
    try:
        assert await pipe.watch("w") is True
        assert await pipe.get("w") == b"1"  # immediate mode: run now, through execute_command
        pipe.multi()
        pipe.set("w", "2")
        assert await pipe.execute() == [True]
        assert [args[0] for args in pipe.seen] == ["WATCH", "GET", "SET"]
    finally:
        await pipe.reset()


class CountingCluster(RedisCluster):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.seen = [*getattr(self, "seen", []), (args, {k: v for k, v in options.items() if k != PARSER})]
        return super().execute_command(*args, **options)


@pytest.fixture
async def counting(cluster: LocalCluster) -> AsyncIterator[CountingCluster]:
    client = CountingCluster(host="127.0.0.1", port=cluster.servers[0].port)
    await client.initialize()
    await client.flushdb()
    client.seen = []
    yield client
    await client.aclose()


async def test_a_cluster_subclass_sees_every_command_routed_and_parsed(counting: CountingCluster) -> None:
    rc = counting
    assert await rc.set("a", "1") is True
    assert await rc.mset({"b": "2", "c": "3"}) is True  # keys on several slots: split below the override
    assert await rc.mget(["a", "b", "c"]) == [b"1", b"2", b"3"]
    assert await rc.zadd("z", {"m": 1}) == 1
    assert await rc.zrange("z", 0, -1, withscores=True) == [(b"m", 1.0)]
    assert await rc.dbsize() == 4  # every primary, summed
    assert await rc.ping(target_nodes=RedisCluster.ALL_NODES) is True
    names = [args[0] for args, _ in rc.seen]
    assert names == ["SET", "MSET", "MGET", "ZADD", "ZRANGE", "DBSIZE", "PING"]
    assert rc.seen[0][1] == {"keys": ["a"]}
    assert rc.seen[-1][1] == {"target_nodes": RedisCluster.ALL_NODES}  # as redis-py passes it
    pipe_results = await rc.pipeline().get("a").get("b").execute()
    assert pipe_results == [b"1", b"2"]
    assert len(rc.seen) == 7  # a pipeline's commands go through the pipeline, not the client's execute_command


class ProxyWrapper:
    """A wrapper shaped like wrapt's FunctionWrapper (opentelemetry's, ddtrace's): a descriptor that
    compares equal to, and hashes like, the function it wraps."""

    def __init__(self, wrapped: Any, wrapper: Any) -> None:
        self.__wrapped__ = wrapped
        self._wrapper = wrapper

    def __eq__(self, other: object) -> bool:
        return bool(self.__wrapped__ == other)

    def __hash__(self) -> int:
        return hash(self.__wrapped__)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self._wrapper, self.__wrapped__.__get__(instance, owner), instance)


async def test_a_wrapt_style_wrapper_that_equals_the_original_is_still_seen(r: leanredis.Redis) -> None:
    seen: list[Any] = []

    def traced(wrapped: Any, instance: Any, *args: Any, **options: Any) -> Any:
        seen.append(args[0])
        return wrapped(*args, **options)

    original = leanredis.Redis.execute_command
    leanredis.Redis.execute_command = ProxyWrapper(original, traced)  # type: ignore[method-assign,assignment]
    try:
        assert await r.set("k", "v") is True
        assert await r.get("k") == b"v"
        assert seen == ["SET", "GET"]
    finally:
        del leanredis.Redis.execute_command
    assert not is_funneled(r)


@pytest.mark.parametrize("pool_class", ["ConnectionPool", "BlockingConnectionPool"])
@pytest.mark.parametrize("build", ["from_pool", "connection_pool="])
async def test_a_subclass_made_on_a_pool_sees_each_command_once_as_on_redis_asyncio(
    redis_server: RedisServer, pool_class: str, build: str
) -> None:
    """cashews' backend: ``Subclass.from_pool(BlockingConnectionPool.from_url(...))``, its
    ``execute_command`` calling ``super().execute_command``; each command passes through it once."""
    import redis.asyncio

    async def run(lib: Any) -> tuple[Any, ...]:
        class Counting(lib.Redis):  # type: ignore[misc,name-defined]
            calls: list[Any] = []

            async def execute_command(self, *args: Any, **options: Any) -> Any:
                type(self).calls.append(args[0])
                return await super().execute_command(*args, **options)

        pool = getattr(lib, pool_class).from_url(f"redis://127.0.0.1:{redis_server.port}/0", max_connections=5)
        client = Counting.from_pool(pool) if build == "from_pool" else Counting(connection_pool=pool)
        try:
            # one after another: redis.asyncio's concurrent commands take several pool connections, in no order
            stored = await asyncio.wait_for(client.set("funnel:pool", "v"), 10)
            read = await asyncio.wait_for(client.get("funnel:pool"), 10)
            deleted = await asyncio.wait_for(client.delete("funnel:pool"), 10)
            popped = await asyncio.wait_for(client.blpop(["funnel:pool-empty"], timeout=0.1), 10)
            return stored, read, deleted, popped, Counting.calls
        finally:
            await client.aclose()
            await pool.disconnect()

    theirs = await run(redis.asyncio)
    ours = await run(leanredis)
    assert theirs == (True, b"v", 1, None, ["SET", "GET", "DEL", "BLPOP"])
    assert ours == theirs
