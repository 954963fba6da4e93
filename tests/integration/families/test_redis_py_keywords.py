"""Keywords redis.asyncio 8.1 has that leanredis lacked: set(ifeq/ifne/ifdeq/ifdne), xadd(ref_policy,
idmpauto, idmp), xtrim(ref_policy), xread/xreadgroup(max_count, max_size), and ``**kwargs`` on the
server commands. Same command on the wire (read from each library's pipeline stack), same argument
errors, and the same server answer where the server has the feature.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from .oracle import raises_both, write_both

pytestmark = pytest.mark.families


def _token(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return repr(value).encode()


def wire(client: Any, method: str, *args: Any, **kwargs: Any) -> list[bytes]:
    """The command ``method`` records on a pipeline of ``client``, as the bytes each argument is sent as."""
    pipe = client.pipeline(transaction=False)
    getattr(pipe, method)(*args, **kwargs)
    command = pipe.command_stack[-1][0]
    return [_token(part) for part in command]


def same_wire(pair: Any, method: str, *args: Any, ordered: bool = True, **kwargs: Any) -> list[bytes]:
    ours, theirs = (wire(client, method, *args, **kwargs) for client in pair)
    if ordered:
        assert ours == theirs, (method, kwargs)
    else:  # options the server takes in any order (SET's)
        assert ours[:3] == theirs[:3] and Counter(ours) == Counter(theirs), (method, kwargs, ours, theirs)
    return ours


async def is_valkey(client: Any) -> bool:
    return "valkey_version" in await client.info("server")


async def with_value(client: Any) -> None:
    await client.set("s", "hello")


@pytest.mark.filterwarnings("ignore:Call to .set. method with experimental")  # redis-py marks them experimental
async def test_set_with_a_compare_condition(pair) -> None:  # type: ignore[no-untyped-def]
    for keyword in ("ifeq", "ifne", "ifdeq", "ifdne"):
        assert same_wire(pair, "set", "s", "v", ordered=False, **{keyword: "hello"})[3] == keyword.upper().encode()
    same_wire(pair, "set", "s", "v", ordered=False, ifeq="hello", ex=10, get=True)
    await raises_both(pair, "DataError", "set", "s", "v", nx=True, ifeq="hello")
    await raises_both(pair, "DataError", "set", "s", "v", ifeq="hello", ifdne="abc")
    if await is_valkey(pair[0]):  # SET IFEQ: Valkey 8.1+ (IFNE, IFDEQ, IFDNE: Redis 8.4+ only)
        assert await write_both(pair, with_value, "set", "s", "new", ifeq="hello") is True
        assert await write_both(pair, with_value, "set", "s", "new", ifeq="other") is None
        assert await write_both(pair, with_value, "set", "s", "new", ifeq="hello", get=True) in (b"hello", "hello")
    else:  # Redis 7.0: the server refuses the option, the same error for both
        await raises_both(pair, "ResponseError", "set", "s", "new", ifeq="hello")
    await raises_both(pair, "ResponseError", "set", "s", "new", ifdne="0123456789abcdef")


async def test_stream_keywords_send_what_redis_py_sends(pair) -> None:  # type: ignore[no-untyped-def]
    for kwargs in ({"max_count": 10}, {"max_size": 4096}, {"count": 2, "max_count": 5, "max_size": 100}):
        same_wire(pair, "xread", {"s": 0, "t": "0-0"}, **kwargs)
        same_wire(pair, "xreadgroup", "g", "c", {"s": ">"}, noack=True, **kwargs)
    same_wire(pair, "xread", {"s": 0}, block=100, count=2, max_count=3)
    same_wire(pair, "xreadgroup", "g", "c", {"s": ">"}, block=100, count=2, max_size=7, claim_min_idle_time=5)
    for kwargs in (
        {"ref_policy": "DELREF"},
        {"idmpauto": "producer-1"},
        {"idmp": ("producer-1", b"msg-7")},
        {"ref_policy": "ACKED", "idmpauto": "p", "maxlen": 10, "limit": 5, "nomkstream": True},
    ):
        same_wire(pair, "xadd", "s", {"f": "v"}, **kwargs)
    same_wire(pair, "xtrim", "s", maxlen=5, ref_policy="KEEPREF")
    same_wire(pair, "xtrim", "s", minid="0-1", approximate=False, limit=3, ref_policy="ACKED")


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("xread", ({"s": 0},), {"max_count": 0}),
        ("xread", ({"s": 0},), {"count": 5, "max_count": 2}),
        ("xread", ({"s": 0},), {"max_size": -1}),
        ("xreadgroup", ("g", "c", {"s": ">"}), {"max_count": "many"}),
        ("xadd", ("s", {"f": "v"}), {"ref_policy": "SOMETIMES"}),
        ("xadd", ("s", {"f": "v"}), {"idmpauto": "p", "idmp": ("p", "1")}),
        ("xadd", ("s", {"f": "v"}), {"idmp": ("p", "1"), "id": "1-1"}),
        ("xadd", ("s", {"f": "v"}), {"idmp": "p"}),
        ("xtrim", ("s",), {"maxlen": 1, "ref_policy": "keepref"}),
    ],
)
async def test_bad_stream_keywords_fail_before_sending_as_in_redis_py(pair, method, args, kwargs) -> None:  # type: ignore[no-untyped-def]
    await raises_both(pair, "DataError", method, *args, **kwargs)


async def test_stream_keywords_the_server_lacks_give_the_servers_error(pair) -> None:  # type: ignore[no-untyped-def]
    # MAXCOUNT/MAXSIZE (Redis 8.10), KEEPREF & co (8.2), IDMP (8.6): neither Redis 7.0 nor Valkey 9 has them
    await pair[0].xadd("s", {"f": "v"})
    await raises_both(pair, "ResponseError", "xread", {"s": 0}, max_count=5)
    await raises_both(pair, "ResponseError", "xadd", "s", {"f": "v"}, ref_policy="DELREF")
    await raises_both(pair, "ResponseError", "xtrim", "s", maxlen=5, ref_policy="ACKED")


@pytest.mark.parametrize(
    ("method", "args"),
    [("ping", ()), ("info", ()), ("info", ("server",)), ("dbsize", ()), ("echo", ("x",)), ("time", ())],
)
async def test_server_commands_take_redis_pys_keyword_options(pair, method, args) -> None:  # type: ignore[no-untyped-def]
    """redis-py's server commands take ``**kwargs`` (target_nodes=... for a cluster; on a standalone
    client some reach its reply callbacks and fail there); leanredis takes and ignores them."""
    ours, theirs = pair
    assert type(await getattr(ours, method)(*args, target_nodes="all")) is type(await getattr(theirs, method)(*args))
