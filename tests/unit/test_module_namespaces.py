"""The module namespaces (``json()``, ``bf()``, ``cf()``, ``cms()``, ``topk()``, ``tdigest()``, ``ts()``)
have every public method of redis.asyncio 8.1's, with the same parameters, and each sends its command
with the command table's reply parser (or one of the table's declared variants)."""

from __future__ import annotations

import asyncio
import inspect
import warnings
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.commands.bf import AbstractBloom
from leanredis.commands.table import COMMANDS, lookup

SPACES = ["json", "bf", "cf", "cms", "topk", "tdigest", "ts"]

# Arguments for a required parameter, by its name; anything else gets "x".
VALUES: dict[str, Any] = {
    "keys": ["k1", "k2"], "triplets": [("k", "$", 1)], "index": 0, "start": 0, "stop": 1, "number": 1,
    "subcommand": "MEMORY", "key": "k", "scalar": 1, "obj": {"a": 1}, "items": ["a"], "increments": [1],
    "values": [1.0], "srcKeys": ["a"], "params": [], "ktv_tuples": [("k", 1, 2.0)], "filters": ["a=1"],
    "from_time": "-", "to_time": "+", "timestamp": 1, "value": 1.0, "bucket_size_msec": 10,
}  # fmt: skip

# Calls beyond the default one, for the other reply forms.
CALLS: dict[tuple[str, str], list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    ("json", "type"): [(("k",), {}), (("k", "$"), {})],
    ("json", "numincrby"): [(("k", ".a", 1), {}), (("k", "$.a", 1), {})],
    ("json", "nummultby"): [(("k", ".a", 1), {}), (("k", "$.a", 1), {})],
    ("json", "debug"): [(("MEMORY", "k"), {}), (("HELP",), {})],
    ("json", "jsonget"): [(("k",), {})],
    ("json", "jsonmget"): [((["k"], "$"), {})],
    ("json", "jsonset"): [(("k", "$", 1), {})],
    ("ts", "nrange"): [((["k1", "k2"], "-", "+"), {})],
    ("ts", "mrange"): [(("-", "+", ["a=1"]), {}), (("-", "+", ["a=1"]), {"groupby": "a", "reduce": "max"})],
    ("ts", "mrevrange"): [(("-", "+", ["a=1"]), {}), (("-", "+", ["a=1"]), {"groupby": "a", "reduce": "max"})],
    ("ts", "nrevrange"): [((["k1", "k2"], "-", "+"), {})],
    ("ts", "read"): [(("k", 0), {}), (("k", 0), {"block_milliseconds": 10})],
}

# Methods that send nothing of their own, and why.
NOT_COMMANDS = {
    ("json", "pipeline"): "makes a pipeline",
    ("json", "execute_command"): "the client's",
    ("json", "set_file"): "reads a file, then set()",
    ("json", "set_path"): "reads files, then set_file()",
    ("ts", "pipeline"): "makes a pipeline",
    ("ts", "execute_command"): "the client's",
    **{
        (space, name): "an option builder (redis-py's AbstractBloom)"
        for space in ("bf", "cf", "cms", "topk", "tdigest")
        for name in dir(AbstractBloom)
        if name.startswith("append_")
    },
    **{(space, "execute_command"): "the client's" for space in ("bf", "cf", "cms", "topk", "tdigest")},
}


def _theirs(space: str) -> type:
    return type(getattr(redis.asyncio.Redis(), space)())


def _ours(space: str) -> type:
    return type(getattr(leanredis.Redis(host="127.0.0.1", port=1), space)())


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))}


def _shape(function: Any) -> list[tuple[str, str, Any]]:
    return [
        (p.name, p.kind.name, "<required>" if p.default is p.empty else p.default)
        for p in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize("space", SPACES)
def test_namespace_has_every_public_method_of_redis_asyncios(space: str) -> None:
    missing = _public(_theirs(space)) - _public(_ours(space))
    assert not missing, f"{space}() lacks {sorted(missing)}"


@pytest.mark.parametrize("space", SPACES)
def test_namespace_methods_take_redis_pys_parameters(space: str) -> None:
    ours, theirs = _ours(space), _theirs(space)
    differ = [name for name in sorted(_public(theirs)) if _shape(getattr(ours, name)) != _shape(getattr(theirs, name))]
    assert not differ, {name: (_shape(getattr(ours, name)), _shape(getattr(theirs, name))) for name in differ}


@pytest.mark.parametrize("space", SPACES)
def test_the_client_method_takes_redis_pys_parameters(space: str) -> None:
    # json(encoder=JSONEncoder(), decoder=JSONDecoder()): the same classes, not the same default objects
    ours = [(name, kind, type(default)) for name, kind, default in _shape(getattr(leanredis.Redis, space))]
    theirs = [(name, kind, type(default)) for name, kind, default in _shape(getattr(redis.asyncio.Redis, space))]
    assert ours == theirs


class _Sent:
    def __await__(self) -> Any:
        return None
        yield  # pragma: no cover


def _default_args(fn: Any) -> list[Any]:
    return [
        VALUES.get(p.name, "x")
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.default is p.empty
    ]


def _record(space: str) -> dict[str, list[tuple[tuple[Any, ...], Any]]]:
    client = leanredis.Redis(host="127.0.0.1", port=1)
    sent: dict[str, list[tuple[tuple[Any, ...], Any]]] = {}
    current = [""]

    def record(args: tuple[Any, ...], parse: Any) -> Any:
        sent.setdefault(current[0], []).append((args, parse))
        return _Sent()

    client._send = record  # type: ignore[method-assign]
    client._send_blocking = lambda args, parse, block: record(args, parse)  # type: ignore[method-assign]
    namespace = getattr(client, space)()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(_public(type(namespace))):
            if (space, name) in NOT_COMMANDS:
                continue
            current[0] = name
            method = getattr(namespace, name)
            for args, kwargs in CALLS.get((space, name), [(tuple(_default_args(method)), {})]):
                result = method(*args, **kwargs)
                if inspect.iscoroutine(result):
                    asyncio.run(result)
    return sent


@pytest.mark.parametrize("space", SPACES)
def test_every_namespace_method_sends_with_the_command_tables_parser(space: str) -> None:
    sent = _record(space)
    silent = sorted(_public(_ours(space)) - sent.keys() - {name for s, name in NOT_COMMANDS if s == space})
    assert not silent, f"{space}() methods that sent nothing: {silent}"
    wrong = []
    for method, calls in sorted(sent.items()):
        for args, parse in calls:
            spec = lookup(args)
            if spec is None:
                wrong.append(f"{method}: {args[0]!r} is not in the command table")
                continue
            accepted = parse is spec.parser or any(
                parse is v or (isinstance(v, type) and isinstance(parse, v)) for v in spec.variants
            )
            if not accepted:
                wrong.append(f"{method}: {spec.name} sent with {parse!r}, table: {spec.parser!r} {spec.variants}")
    assert not wrong, "\n".join(wrong)


def test_every_declared_variant_of_a_module_command_is_used() -> None:
    sent = [parse for space in SPACES for calls in _record(space).values() for _, parse in calls]
    used, used_types = {id(parse) for parse in sent}, {type(parse) for parse in sent}
    prefixes = tuple(f"{space.upper()}." for space in SPACES)
    unused = [
        (name, getattr(v, "__name__", v))
        for name, spec in COMMANDS.items()
        if name.startswith(prefixes)
        for v in spec.variants
        if id(v) not in used and v not in used_types
    ]
    assert not unused, unused


# redis-py classes users import from redis.commands.timeseries.* that have no counterpart, and why.
NOT_IMPORTABLE = {
    "Pipeline": "r.ts().pipeline() makes the client's own pipeline class with TimeSeries' methods",
    "ClusterPipeline": "the same, for RedisCluster",
}


@pytest.mark.parametrize("module", ["timeseries", "timeseries.commands", "timeseries.info"])
def test_timeseries_names_are_importable_from_redis_pys_module_paths(module: str) -> None:
    import importlib

    theirs = importlib.import_module(f"redis.commands.{module}")
    ours = importlib.import_module(f"leanredis.commands.{module}")
    wanted = {
        name
        for name, value in vars(theirs).items()
        if not name.startswith("_")
        and (isinstance(value, type) and value.__module__.startswith("redis.commands.timeseries"))
        or (isinstance(value, str) and name.endswith("_CMD"))
    }
    missing = sorted(name for name in wanted - NOT_IMPORTABLE.keys() if not hasattr(ours, name))
    assert not missing, f"leanredis.commands.{module} lacks {missing}"
    constants = {name: getattr(theirs, name) for name in wanted if name.endswith("_CMD")}
    assert {name: getattr(ours, name) for name in constants} == constants
