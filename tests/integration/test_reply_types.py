"""The declared reply types are the replies' types: tests/typing/cases_common.py and cases_families.py run
against a server.

The cases file is checked statically by tests/unit/test_typing.py (``assert_type`` there means "the
checker infers exactly this type"). Here its client functions run on a seeded database with
``assert_type`` replaced by a check that the value is of that type, over both protocols: a parser
whose result drifts from its method's annotation (a list where a tuple is said, an int for a float,
bytes under decode_responses) fails here.
"""

from __future__ import annotations

import importlib.util
import types
import typing
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest

import leanredis
import leanredis.typed
from leanredis.exceptions import ResponseError
from leanredis.server import RedisServer

CASES = Path(__file__).resolve().parents[1] / "typing" / "cases_common.py"
FAMILIES = Path(__file__).resolve().parents[1] / "typing" / "cases_families.py"


def conforms(value: object, expected: Any, strings: Any = Union[bytes, str]) -> bool:
    """``value`` is of the type ``expected`` (the subset of types the cases use), strictly: an int is not a float,
    a bool is not an int, a list is not a tuple. ``strings``: what StrT stands for in a recursive alias's inner
    references (``list["RespValue[StrT]"]`` at run time), the string types of the union that holds them."""
    if expected is Any:
        return True
    if isinstance(expected, (str, typing.ForwardRef)):  # a recursive alias's inner reference: "RespValue[StrT]"
        text = expected if isinstance(expected, str) else expected.__forward_arg__
        namespace = {**vars(leanredis.typed), "StrT": strings}
        return conforms(value, eval(text, namespace), strings)  # noqa: S307 (our own annotation's text)
    if expected is None or expected is type(None):
        return value is None
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        own = [arg for arg in args if arg in (bytes, str)]
        strings = Union[tuple(own)] if own else strings
        return any(conforms(value, arg, strings) for arg in args)
    if origin is None:
        if expected is int:
            return type(value) is int
        return isinstance(value, expected)
    if origin is list:
        return type(value) is list and all(conforms(item, args[0], strings) for item in value)
    if origin is set:
        return type(value) is set and all(conforms(item, args[0]) for item in value)
    if origin is dict and len(args) == 1:  # a generic TypedDict (PendingSummary[bytes]): a dict at run time
        return type(value) is dict
    if origin is dict:
        return type(value) is dict and all(
            conforms(k, args[0], strings) and conforms(v, args[1], strings) for k, v in value.items()
        )
    if origin is tuple:
        if type(value) is not tuple:
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(item, args[0]) for item in value)
        return len(value) == len(args) and all(conforms(item, arg) for item, arg in zip(value, args))
    return isinstance(value, origin)  # a Task, a CommandFuture: its parameter is checked where it is awaited


def load_cases(checked: list[str], path: Path = CASES) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"typing_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def assert_type(value: object, expected: Any) -> object:
        assert conforms(value, expected), f"declared {expected}, the reply is {value!r}"
        checked.append(str(expected))
        return value

    module.assert_type = assert_type
    return module


async def seed(r: leanredis.Redis[Any]) -> None:
    """Every key the cases read holds a value, so that a check sees a reply, not only None."""
    await r.flushdb()
    await r.mset({"k": "v", "a": "1", "b": "2", "n": 5})
    await r.hset("h", mapping={"f": "v", "g": "w", "x": "y"})
    await r.rpush("l", "p", "q", "r", "s", "t", "u")
    await r.sadd("s", "a", "b", "c", "d", "e")
    await r.sadd("t", "a")
    await r.zadd("z", {"a": 1, "b": 2, "c": 3})
    await r.zadd("z2", {"c": 1.5, "d": 4})


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def client(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[leanredis.Redis[Any]]:
    protocol, decode = request.param
    # RESP3 by default (protocol not given): the declared types are those of redis-py's default shapes
    r = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, protocol=None if protocol == 3 else protocol, decode_responses=decode
    )
    yield r
    try:
        await r.function_delete("typing_cases")  # the library the cases load: the shared server outlives them
    except ResponseError:
        pass  # not loaded (the cases stopped before)
    try:
        await r.function_delete("typing_families")
    except ResponseError:
        pass  # not loaded (the cases stopped before)
    await r.aclose()


@pytest.mark.timeout(60)
async def test_the_cases_replies_are_of_their_declared_types(client: leanredis.Redis[Any]) -> None:
    checked: list[str] = []
    cases = load_cases(checked)
    await seed(client)
    if client.options.decode_responses:
        await cases.str_client(client)
        await seed(client)
        await cases.more_families_str(client)
        await cases.pubsub_str(client)
    else:
        await cases.bytes_client(client)
        await seed(client)
        await cases.more_families(client)
        await cases.pubsub_bytes(client)
        await seed(client)
        try:
            await cases.hscan_no_values(client)
        except ResponseError as exc:  # HSCAN NOVALUES is Redis 7.4+ and Valkey 8+
            assert "syntax" in str(exc).lower() or "argument" in str(exc).lower(), exc
    assert len(checked) >= 15, checked  # the cases ran, not an early return


@pytest.mark.timeout(60)
async def test_the_other_families_replies_are_of_their_declared_types(client: leanredis.Redis[Any]) -> None:
    """Streams (XREAD's list from either protocol), geo, scripts (any RESP value), INFO and the server's
    introspection, LCS/SORT/OBJECT and the *MPOP replies."""
    checked: list[str] = []
    cases = load_cases(checked, FAMILIES)
    decode = client.options.decode_responses
    for family in ("streams", "geo", "scripts", "server", "keys_and_pops"):
        function = getattr(cases, f"{family}_str" if decode else f"{family}_bytes", None)
        if function is None:  # checked statically for one client only
            continue
        await seed(client)
        await function(client)
    assert len(checked) >= (20 if decode else 55), checked  # the cases ran, not an early return


def test_the_check_tells_types_apart() -> None:
    """The run-time check is strict where a type checker is: it would not pass a wrong reply."""
    assert conforms([(b"a", 1.0)], list[tuple[bytes, float]])
    assert not conforms([[b"a", 1.0]], list[tuple[bytes, float]])
    assert not conforms([(b"a", 1)], list[tuple[bytes, float]])
    assert not conforms(b"v", str | None)
    assert not conforms(True, int)
    assert conforms(None, bytes | None)
    assert not conforms({b"f": "v"}, dict[bytes, bytes])
    assert conforms((0, [b"k"]), tuple[int, list[bytes]])
    assert conforms([1, b"a", [2, b"fine", None]], leanredis.typed.RespValue[bytes])
    assert not conforms([1, b"a", [2, "fine"]], leanredis.typed.RespValue[bytes])  # a str deep inside
    assert not conforms((1, b"a"), leanredis.typed.RespValue[bytes])  # a tuple is no RESP value
    assert conforms({"a": {"b": [1, 2.5, "c"]}}, dict[str, leanredis.typed.InfoValue])
