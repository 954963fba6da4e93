"""The command table is the one source of reply parsers: every method sends with the table's parser.

Each public method of ``leanredis.Redis`` is called (with plausible arguments,
no server: ``_send`` is replaced by a recorder) and every command it sends is
looked up in the command table: the parser it passed must be the table's
parser for that command, or one of the table's declared ``variants`` (the
parsers of other reply forms: HSCAN ... NOVALUES, ZRANK ... WITHSCORE). A
method that parses a reply its own way, or a command the table lacks, fails
here. ``execute_command`` reads the same table, so a method and
``execute_command`` cannot disagree on a reply.
"""

from __future__ import annotations

import asyncio
import inspect
import warnings
from typing import Any

import pytest

import leanredis
from leanredis.commands.base import EmptyOnError
from leanredis.commands.table import COMMANDS, lookup

# Arguments for a required parameter, by its name; anything else gets "x".
VALUES: dict[str, Any] = {
    "keys": ["k1", "k2"], "mapping": {"a": "1"}, "fields": ["f"], "members": ["m"], "amount": 1, "count": 2,
    "start": 0, "end": -1, "num": 1, "time": 10, "timeout": 0, "numkeys": 0, "index": 0, "offset": 0, "score": 1.0,
    "seconds": 10, "milliseconds": 100, "when": 1_700_000_000, "streams": {"s": "0"}, "longitude": 1.0,
    "latitude": 1.0, "radius": 1, "unit": "m", "min": 0, "max": 10, "ttl": 0, "time_ms": 100, "bit": 1,
    "where": "BEFORE", "reply": "ON", "client_id": 1, "min_idle_time": 0, "ids": ["0-1"], "fields_values": {"a": 1},
}  # fmt: skip

WS: dict[str, Any] = {"withscores": True}
CAST: dict[str, Any] = {"withscores": True, "score_cast_func": int}

# Methods whose required arguments need more than VALUES gives, and extra calls for other reply forms.
CALLS: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "blmpop": [((0, 1, "k"), {"direction": "LEFT"})],
    "lmpop": [((1, "k"), {"direction": "LEFT"})],
    "bzmpop": [((0, 1, ["k"]), {"min": True})],
    "zmpop": [((1, ["k"]), {"min": True})],
    "client_kill_filter": [((), {"_id": 1})],
    "delete": [(("k",), {})], "exists": [(("k",), {})], "touch": [(("k",), {})], "unlink": [(("k",), {})],
    "geoadd": [(("k", (1.0, 2.0, "m")), {})],
    "geosearch": [(("k",), {"member": "m", "radius": 1})],
    "geosearchstore": [(("d", "k"), {"member": "m", "radius": 1})],
    "hdel": [(("h", "f"), {})], "hset": [(("h", "f", "v"), {})], "hsetex": [(("h", "f", "v"), {})],
    "hgetdel": [(("h", "f"), {})], "hgetex": [(("h", "f"), {})],
    "lpush": [(("l", 1), {})], "rpush": [(("l", 1), {})], "lpushx": [(("l", 1), {})], "rpushx": [(("l", 1), {})],
    "script_exists": [(("a" * 40,), {})],
    "xack": [(("s", "g", "0-1"), {})], "xdel": [(("s", "0-1"), {})],
    "xadd": [(("s", {"f": "v"}), {})],
    "xautoclaim": [(("s", "g", "c", 0), {}), (("s", "g", "c", 0), {"justid": True})],
    "xclaim": [(("s", "g", "c", 0, ["0-1"]), {}), (("s", "g", "c", 0, ["0-1"]), {"justid": True})],
    "xtrim": [(("s",), {"maxlen": 1})],
    "execute_command": [(("GET", "k"), {}), (("HGETALL", "h"), {}), (("CONFIG GET", "x"), {})],
    "client_unblock": [((1,), {})],
    # other reply forms
    "hrandfield": [(("h",), {}), (("h", 2), {}), (("h", 2, True), {})],
    "hscan": [(("h",), {}), (("h",), {"no_values": True})],
    "zrank": [(("z", "m"), {}), (("z", "m", True), {}), (("z", "m", True, int), {})],
    "zrevrank": [(("z", "m"), {}), (("z", "m", True), {}), (("z", "m", True, int), {})],
    "zrange": [(("z", 0, -1), {}), (("z", 0, -1), WS), (("z", 0, -1), CAST)],
    "zrevrange": [(("z", 0, -1), {}), (("z", 0, -1, True), {}), (("z", 0, -1, True, int), {})],
    "zrangebyscore": [(("z", 0, 1), {}), (("z", 0, 1), WS), (("z", 0, 1), CAST)],
    "zrevrangebyscore": [(("z", 1, 0), {}), (("z", 1, 0), WS), (("z", 1, 0), CAST)],
    "zscan": [(("z",), {}), (("z",), {"score_cast_func": int})],
    "zunion": [((["a", "b"],), {}), ((["a", "b"],), WS), ((["a", "b"],), CAST)],
    "zinter": [((["a", "b"],), {}), ((["a", "b"],), WS)],
    "zdiff": [((["a", "b"],), {}), ((["a", "b"], True), {})],
    "zrandmember": [(("z",), {}), (("z", 2), {}), (("z", 2, True), {})],
    "zpopmin": [(("z",), {}), (("z", 2), {})],
    "xpending_range": [(("s", "g", "-", "+", 10), {})],
    "set": [(("k", "v"), {}), (("k", "v"), {"get": True})],
}  # fmt: skip

# Public methods that send no command of their own through the client's sender, and why.
NOT_COMMANDS = {
    "aclose", "close", "initialize", "client", "pipeline", "pubsub", "monitor",
    "lock", "get_encoder", "set_response_callback", "with_timeout", "cache_stats", "cache_clear", "stats",
    "get_connection_kwargs",
    "register_script", "keyspace_notifications", "transaction",
    "ft",  # a namespace: its FT.* methods are driven in test_module_search.py
    "load_external_module", "get_retry", "set_retry", "scan_iter", "sscan_iter", "hscan_iter", "zscan_iter",
    # refused on a multiplexed connection, or not implemented as in redis-py
    "select", "reset", "quit", "sync", "psync", "script_debug", "command_docs", "hello", "failover",
    "latency_doctor", "latency_graph", "latency_histogram", "command_info", "debug_segfault", "memory_doctor",
    "memory_help",
    # redis-py's warning stubs: WATCH/UNWATCH belong to a pipeline, SENTINEL to the sentinel_* methods
    "watch", "unwatch", "sentinel",
    # module namespaces: their methods are driven in test_module_namespaces.py
    "json", "bf", "cf", "cms", "topk", "tdigest", "ts",
}  # fmt: skip


class _Sent:
    def __await__(self) -> Any:
        return None
        yield  # pragma: no cover

    def add_done_callback(self, callback: Any) -> None:
        pass


def _default_args(fn: Any) -> list[Any]:
    args = []
    for param in list(inspect.signature(fn).parameters.values())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.default is not param.empty:
            continue
        args.append(VALUES.get(param.name, "x"))
    return args


def _record_every_method() -> tuple[dict[str, list[tuple[tuple[Any, ...], Any]]], dict[str, str]]:
    client = leanredis.Redis(host="127.0.0.1", port=1)
    sent: dict[str, list[tuple[tuple[Any, ...], Any]]] = {}
    current = [""]

    def record(args: tuple[Any, ...], parse: Any, *_: Any) -> Any:
        sent.setdefault(current[0], []).append((args, parse))
        SENT_NAMES.add(current[0])
        return _Sent()

    client._send = record  # type: ignore[method-assign]
    client._send_blocking = record  # type: ignore[method-assign,assignment]
    failures: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in inspect.getmembers(leanredis.Redis, inspect.isfunction):
            if name.startswith("_") or name in NOT_COMMANDS:
                continue
            current[0] = name
            if name == "bitfield":  # a builder: its execute() sends BITFIELD
                client.bitfield("k").set("u8", 0, 1).incrby("u8", 0, 1).execute()
                continue
            for args, kwargs in CALLS.get(name, [(tuple(_default_args(fn)), {})]):
                try:
                    result = getattr(client, name)(*args, **kwargs)
                except Exception as exc:
                    failures[name] = f"{type(exc).__name__}: {exc}"
                    continue
                if inspect.iscoroutine(result):
                    try:
                        asyncio.run(result)
                    except Exception as exc:  # SHUTDOWN's coroutine complains of the recorder's reply
                        if name not in sent:
                            failures[name] = f"{type(exc).__name__}: {exc}"
        _record_search_methods(client, current, failures)
    # a pipeline records FT.SEARCH with the reader of its undecoded reply
    from leanredis.commands.search.query import Query

    pipe = client.pipeline()
    pipe.ft().search("q")
    pipe.ft().profile(Query("q"))
    from leanredis.commands.search.hybrid_query import HybridQuery, HybridSearchQuery, HybridVsimQuery

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental, as redis-py's
        pipe.ft().hybrid_search(HybridQuery(HybridSearchQuery("q"), HybridVsimQuery("@v", b"\x00")))
    sent["ft.pipeline"] = list(pipe.command_stack)
    return sent, failures


def _search_calls() -> dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]]:
    from leanredis.commands.search.aggregation import AggregateRequest, Cursor
    from leanredis.commands.search.field import TextField
    from leanredis.commands.search.hybrid_query import (
        HybridCursorQuery,
        HybridQuery,
        HybridSearchQuery,
        HybridVsimQuery,
    )
    from leanredis.commands.search.query import Query
    from leanredis.commands.search.suggestion import Suggestion

    hybrid = HybridQuery(HybridSearchQuery("q"), HybridVsimQuery("@v", b"\x00"))
    return {
        "hybrid_search": [((hybrid,), {}), ((hybrid,), {"cursor": HybridCursorQuery()})],
        "create_index": [(([TextField("t")],), {})], "alter_schema_add": [(([TextField("t")],), {})],
        "aggregate": [((AggregateRequest(),), {}), ((Cursor(1),), {})],
        "profile": [((Query("q"),), {}), ((AggregateRequest(),), {})],
        "sugadd": [(("k", Suggestion("s")), {})], "config_get": [(("o",), {})], "config_set": [(("o", "v"), {})],
    }  # fmt: skip


def _record_search_methods(client: Any, current: list[str], failures: dict[str, str]) -> None:
    """Every FT.* method of ``r.ft()``, recorded as ``ft.<name>``."""
    from leanredis.commands.search.commands import SearchCommands

    calls = _search_calls()
    for name, fn in inspect.getmembers(SearchCommands, inspect.isfunction):
        if name.startswith("_") or name in NOT_SEARCH_COMMANDS:
            continue
        current[0] = f"ft.{name}"
        for args, kwargs in calls.get(name, [(tuple(_default_args(fn)), {})]):
            try:
                result = getattr(client.ft(), name)(*args, **kwargs)
                if inspect.iscoroutine(result):
                    asyncio.run(result)
            except Exception as exc:  # the recorder's reply is no reply: only a method that sent nothing fails
                if current[0] not in SENT_NAMES:
                    failures[current[0]] = f"{type(exc).__name__}: {exc}"


#: Search methods that send nothing: explain_cli refuses, as redis-py's; get_params_args builds PARAMS
NOT_SEARCH_COMMANDS = {"explain_cli", "get_params_args"}
SENT_NAMES: set[str] = set()
SENT, FAILURES = _record_every_method()


def test_every_method_was_driven() -> None:
    public = {n for n, _ in inspect.getmembers(leanredis.Redis, inspect.isfunction) if not n.startswith("_")}
    assert not FAILURES, FAILURES
    assert not NOT_COMMANDS - public, "NOT_COMMANDS names a method that is gone"
    silent = sorted(public - NOT_COMMANDS - SENT.keys())
    from leanredis.commands.search.commands import SearchCommands

    search = {f"ft.{n}" for n, _ in inspect.getmembers(SearchCommands, inspect.isfunction) if not n.startswith("_")}
    unsent = {f"ft.{n}" for n in NOT_SEARCH_COMMANDS}
    assert not sorted(search - unsent - SENT.keys()), "search methods that sent nothing"
    assert not silent, f"methods that sent nothing: {silent}"
    assert len(SENT) > 300


def _accepted(parse: Any, spec: Any) -> bool:
    if parse is spec.parser or isinstance(parse, EmptyOnError):
        return True
    for variant in spec.variants:
        if parse is variant or (isinstance(variant, type) and isinstance(parse, variant)):
            return True
    return False


def test_every_method_sends_with_the_parser_of_the_command_table() -> None:
    wrong = []
    for method, calls in sorted(SENT.items()):
        for args, parse in calls:
            spec = lookup(args)
            if spec is None:
                wrong.append(f"{method}: {args[0]!r} is not in the command table")
            elif not _accepted(parse, spec):
                expected = [getattr(p, "__name__", p) for p in (spec.parser, *spec.variants)]
                wrong.append(f"{method}: {spec.name} sent with {getattr(parse, '__name__', parse)}, table: {expected}")
    assert not wrong, "\n".join(wrong)


def test_every_declared_variant_is_used_by_some_method() -> None:
    used = {id(parse) for calls in SENT.values() for _, parse in calls}
    used_types = {type(parse) for calls in SENT.values() for _, parse in calls}
    unused = [
        (name, getattr(v, "__name__", v))
        for name, spec in COMMANDS.items()
        if "." not in name  # a module's commands: test_module_namespaces.py drives them
        for v in spec.variants
        if id(v) not in used and v not in used_types
    ]
    assert not unused, unused


@pytest.mark.parametrize("name", ["GET", "HSET", "LPUSH", "INCR"])
def test_the_hot_commands_have_no_parser(name: str) -> None:
    # no parsing cost: the raw reply is the result (SET turns OK into True: one call)
    assert COMMANDS[name].parser is None
