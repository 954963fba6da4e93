"""The last redis.asyncio names leanredis lacked (see tests/unit/test_public_names.py): same values and
types as redis.asyncio on the same server, RESP2/RESP3, bytes/str.

HGETEX, HSETEX, HGETDEL (Redis 8.0+) and MSETEX (Redis 8.4+) are tested where
the server has them (Valkey 9.1) and skipped with the reason elsewhere.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from redis.commands.core import DataPersistOptions, HashDataPersistOptions

from leanredis import DataError, ResponseError
from leanredis.server import RedisServer

from .oracle import both, raises_both, write_both

pytestmark = pytest.mark.families

FAR = 4_000_000_000  # Unix seconds, in 2096


async def _skip_without(client: Any, command: str) -> None:
    info = await client.execute_command("COMMAND", "INFO", command)
    if not info or info[0] is None:
        pytest.skip(f"the server has no {command}")


async def with_hash(client: Any) -> None:
    await client.hset("h", mapping={"a": 1, "b": 2, "c": 3})


async def test_hgetex_reads_fields_and_sets_or_removes_their_expiry(pair: Any) -> None:
    await _skip_without(pair[0], "HGETEX")
    assert await write_both(pair, with_hash, "hgetex", "h", "a", "nope") in ([b"1", None], ["1", None])
    await write_both(pair, with_hash, "hgetex", "h", "a", "b", ex=100)
    await write_both(pair, with_hash, "hgetex", "h", "a", px=datetime.timedelta(seconds=5))
    await write_both(pair, with_hash, "hgetex", "h", "c", exat=FAR)
    await write_both(pair, with_hash, "hgetex", "h", "c", pxat=datetime.datetime(2090, 1, 1))
    await write_both(pair, with_hash, "hgetex", "h", "a", persist=True)
    ours, _ = pair
    await ours.hgetex("h", "a", ex=100)
    assert (await ours.httl("h", "a"))[0] > 90
    await ours.hgetex("h", "a", persist=True)
    assert await ours.httl("h", "a") == [-1]
    await raises_both(pair, "DataError", "hgetex", "h")
    await raises_both(pair, "DataError", "hgetex", "h", "a", ex=1, px=1000)


async def test_hsetex_sets_fields_with_expiry_and_conditions(pair: Any) -> None:
    await _skip_without(pair[0], "HSETEX")
    assert await write_both(pair, with_hash, "hsetex", "h", "d", 4, ex=100) == 1
    assert await write_both(pair, with_hash, "hsetex", "h", mapping={"x": 1, "y": 2}, px=100_000) == 1
    assert await write_both(pair, with_hash, "hsetex", "h", items=["x", 1], exat=FAR) == 1
    assert await write_both(pair, with_hash, "hsetex", "h", "a", 9, keepttl=True) == 1
    fnx = HashDataPersistOptions.FNX
    assert await write_both(pair, with_hash, "hsetex", "h", "a", 9, data_persist_option=fnx) == 0
    assert await write_both(pair, with_hash, "hsetex", "h", "z", 9, data_persist_option=fnx, keepttl=True) == 1
    fxx = HashDataPersistOptions.FXX
    assert await write_both(pair, with_hash, "hsetex", "h", mapping={"a": 0, "q": 0}, data_persist_option=fxx) == 0
    ours, _ = pair
    await ours.hsetex("h", "t", 1, ex=100)
    assert (await ours.httl("h", "t"))[0] > 90
    await raises_both(pair, "DataError", "hsetex", "h")
    await raises_both(pair, "DataError", "hsetex", "h", items=["x"])
    await raises_both(pair, "DataError", "hsetex", "h", "a", 1, ex=1, keepttl=True)


async def test_hgetdel_returns_and_deletes_fields(pair: Any) -> None:
    await _skip_without(pair[0], "HGETDEL")
    assert await write_both(pair, with_hash, "hgetdel", "h", "a", "nope") in ([b"1", None], ["1", None])
    ours, _ = pair
    await with_hash(ours)
    await ours.hgetdel("h", "a", "b")
    assert await ours.hkeys("h") in ([b"c"], ["c"])
    await raises_both(pair, "DataError", "hgetdel", "h")


async def test_msetex_sets_keys_with_one_expiry(pair: Any) -> None:
    await _skip_without(pair[0], "MSETEX")

    async def with_a(client: Any) -> None:
        await client.set("a", 1)

    assert await write_both(pair, with_a, "msetex", {"a": 2, "b": 3}, ex=100) == 1
    assert await write_both(pair, with_a, "msetex", {"a": 2, "b": 3}, data_persist_option=DataPersistOptions.NX) == 0
    assert await write_both(pair, with_a, "msetex", {"b": 3}, data_persist_option=DataPersistOptions.NX, px=5000) == 1
    assert await write_both(pair, with_a, "msetex", {"a": 2}, data_persist_option=DataPersistOptions.XX) == 1
    assert await write_both(pair, with_a, "msetex", {"a": 2}, keepttl=True) == 1
    ours, _ = pair
    await ours.msetex({"k": 1}, pxat=FAR * 1000)
    assert await ours.pexpiretime("k") == FAR * 1000
    await raises_both(pair, "DataError", "msetex", {"a": 1}, ex=1, keepttl=True)


@pytest.fixture(scope="module")
def other_server(server_binary: str) -> Iterator[RedisServer]:
    """The destination of MIGRATE."""
    server = RedisServer(server_binary)
    server.start()
    yield server
    server.stop()


async def test_migrate_moves_or_copies_keys_to_another_server(pair: Any, other_server: RedisServer) -> None:
    async def with_keys(client: Any) -> None:
        await client.mset({"a": 1, "b": 2})

    port = other_server.port
    assert await write_both(pair, with_keys, "migrate", "127.0.0.1", port, ["a", "b"], 0, 1000, replace=True) in (
        b"OK",
        "OK",
    )
    ours, _ = pair
    await ours.flushdb()
    await with_keys(ours)
    reply = await ours.migrate("127.0.0.1", port, "a", 1, 1000, copy=True, replace=True)
    assert reply in (b"OK", "OK")
    assert await ours.exists("a") == 1  # copy: still here
    await ours.migrate("127.0.0.1", port, ["a", "b"], 1, 1000, replace=True)
    assert await ours.exists("a", "b") == 0
    assert await write_both(pair, with_keys, "migrate", "127.0.0.1", port, "nope", 0, 1000) in (b"NOKEY", "NOKEY")
    await raises_both(pair, "DataError", "migrate", "127.0.0.1", port, [], 0, 1000)


async def test_lolwut_returns_the_servers_art_as_a_string(pair: Any) -> None:
    ours, theirs = pair
    for args in ((), (5,), (6, 20, 5)):
        mine, its = await ours.lolwut(*args), await theirs.lolwut(*args)
        assert type(mine) is type(its)
        assert mine.splitlines()[-1] == its.splitlines()[-1]  # "Redis ver. 7.0.15" (the art is random)


async def test_cluster_readonly_readwrite_answer_as_in_redis_py(pair: Any) -> None:
    # a standalone Redis 7 refuses all of them; Valkey 9 accepts READONLY/READWRITE there
    for method, args in (("readonly", ()), ("readwrite", ()), ("cluster", ("info",)), ("cluster", ("keyslot", "k"))):
        try:
            await getattr(pair[1], method)(*args)
        except Exception:  # redis-py raised: ours must raise the same class
            await raises_both(pair, "ResponseError", method, *args)
        else:
            await both(pair, method, *args)


async def test_client_watch_and_unwatch_only_warn_as_in_redis_py(pair: Any) -> None:
    for client in pair:
        with pytest.warns(DeprecationWarning, match="Call WATCH from a Pipeline"):
            assert await client.watch("k") is None
        with pytest.warns(DeprecationWarning, match="Call UNWATCH from a Pipeline"):
            assert await client.unwatch() is None


async def test_sync_and_psync_are_refused_on_the_shared_connection(pair: Any) -> None:
    ours, _ = pair
    with pytest.raises(DataError, match="replication stream|shared connection"):
        ours.sync()
    with pytest.raises(DataError, match="shared connection"):
        ours.psync("?", -1)
    assert await ours.ping()  # nothing was sent: the connection is untouched


async def test_load_external_module_attaches_a_namespace(pair: Any) -> None:
    for client in pair:
        client.load_external_module("foo", lambda: "namespace")
        assert client.foo() == "namespace"


async def test_execute_command_still_reports_unknown_commands(pair: Any) -> None:
    with pytest.raises(ResponseError):
        await pair[0].execute_command("NOSUCHCOMMAND")
