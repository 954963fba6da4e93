"""The oracle of the module tests: the same namespace call on leanredis and on redis.asyncio, compared.

redis.asyncio runs with its default options (RESP3 on the wire, the legacy
RESP2-era result shapes), as for the command families; leanredis runs with
RESP2 and with RESP3, bytes and ``decode_responses=True``, and must give
redis-py's results either way. Info objects (``BFInfo``, ``TSInfo``...) are
compared by class name and attributes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .families.oracle import raise_alike, same_shape


def same(ours: Any, theirs: Any) -> bool:
    """``same_shape``, with objects of redis-py's info classes compared by class name and attributes."""
    if hasattr(ours, "__dict__") and hasattr(theirs, "__dict__") and not isinstance(ours, type):
        return type(ours).__name__ == type(theirs).__name__ and same(vars(ours), vars(theirs))
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs))
    return same_shape(ours, theirs)


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def modules_pair(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, modules_server: RedisServer
) -> AsyncIterator[tuple[leanredis.Redis, Any]]:
    """(leanredis with the parameter's protocol, redis.asyncio with its defaults) on the flushed modules server."""
    import redis.asyncio

    protocol, decode = request.param
    ours = leanredis.Redis(host="127.0.0.1", port=modules_server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=modules_server.port, decode_responses=decode)
    await ours.flushdb()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


async def nothing(client: Any) -> None:
    return None


async def both(pair: tuple[Any, Any], space: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """``client.<space>().<method>(...)`` on leanredis then redis-py (a read: same state); same result."""
    results = []
    for client in pair:
        results.append(await getattr(getattr(client, space)(), method)(*args, **kwargs))
    ours, theirs = results
    assert same(ours, theirs), f"{space}().{method}{args}: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def write_both(
    pair: tuple[Any, Any],
    setup: Callable[[Any], Awaitable[Any]],
    space: str,
    method: str,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """For writes: flush, ``setup(leanredis)``, then the call, once per client; same result."""
    results = []
    for client in pair:
        await pair[0].flushdb()
        await setup(pair[0])
        results.append(await getattr(getattr(client, space)(), method)(*args, **kwargs))
    ours, theirs = results
    assert same(ours, theirs), f"{space}().{method}{args}: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def raises_both(pair: tuple[Any, Any], error: str, space: str, method: str, *args: Any, **kwargs: Any) -> None:
    """Both raise an exception of the class named ``error`` (or a subclass), at the same stage."""

    def call(client: Any) -> Any:
        return getattr(getattr(client, space)(), method)(*args, **kwargs)

    await raise_alike(pair, error, f"{space}().{method}", call, args)


async def table_differences(client: Any, prefixes: tuple[str, ...]) -> list[str]:
    """Rows of the command table whose name starts with one of ``prefixes`` that disagree with the
    server's ``COMMAND INFO``: a command the server lacks, other key positions, other read/write flags."""
    from leanredis.commands.spec import DECLARED_FLAGS
    from leanredis.commands.table import COMMANDS

    names = [name for name in COMMANDS if name.startswith(prefixes)]
    infos = await client.execute_command("COMMAND", "INFO", *names)
    problems = []
    for name, info in zip(names, infos):
        if info is None:
            problems.append(f"{name}: the server has no such command")
            continue
        row = COMMANDS[name]
        first, last, step = info[3:6]
        flags = {flag.decode() if isinstance(flag, bytes) else flag for flag in info[2]} & DECLARED_FLAGS
        if (row.first, row.last, row.step) != (first, last, step) and name not in KEYS_BEYOND_THE_SERVERS:
            problems.append(f"{name}: keys {(row.first, row.last, row.step)} declared, server {(first, last, step)}")
        declared = set(row.flags) - ({"movablekeys"} if name in KEYS_BEYOND_THE_SERVERS else set())
        if flags != declared:
            problems.append(f"{name}: flags {sorted(row.flags)} declared, server {sorted(flags)}")
    return problems


#: Rows that name more keys than the module's COMMAND INFO (which gives only the first).
KEYS_BEYOND_THE_SERVERS = {"JSON.MGET", "CMS.MERGE", "TDIGEST.MERGE", "TS.CREATERULE", "TS.DELETERULE"}
