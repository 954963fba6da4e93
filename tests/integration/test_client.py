"""Client surface: futures that gather and create_task accept, per-call timeouts, stats, reprs."""

from __future__ import annotations

import asyncio

import pytest

import leanredis
from leanredis import DataError
from leanredis.server import RedisServer


async def test_runs_on_the_loop_chosen_by_the_loop_option(pytestconfig: pytest.Config) -> None:
    loop = asyncio.get_running_loop()
    if pytestconfig.getoption("--loop") == "uvloop":
        assert type(loop).__module__.startswith("uvloop")
    else:
        assert type(loop).__module__.startswith("asyncio")


async def test_command_results_work_with_await_gather_create_task_and_wait_for(r: leanredis.Redis) -> None:
    await r.set("k", "v")
    assert await r.get("k") == b"v"
    assert await asyncio.gather(r.get("k"), r.get("nope")) == [b"v", None]
    task = asyncio.create_task(r.get("k"))
    assert await task == b"v"
    assert await asyncio.wait_for(r.get("k"), 5) == b"v"
    assert await asyncio.ensure_future(r.get("k")) == b"v"
    done, _ = await asyncio.wait([asyncio.create_task(r.get("k"))])
    assert [t.result() for t in done] == [b"v"]
    assert [await x for x in asyncio.as_completed([r.get("k"), r.get("k")])] == [b"v", b"v"]


async def test_asyncio_wait_refuses_a_bare_result_as_it_refuses_any_coroutine(r: leanredis.Redis) -> None:
    # documented difference: ensure_future() hands our future back as is, and wait() rejects coroutines
    fut = r.get("k")
    with pytest.raises(TypeError, match="coroutines is forbidden"):
        await asyncio.wait([asyncio.ensure_future(fut)])
    assert await fut is None  # the command itself went through


async def test_commands_from_many_tasks_share_one_connection_and_one_write_per_tick(r: leanredis.Redis) -> None:
    await r.ping()
    writes_before = r.stats()["writes"]
    results = await asyncio.gather(*(r.incr("counter") for _ in range(500)))
    assert sorted(results) == list(range(1, 501))
    assert r.stats()["writes"] - writes_before == 1
    assert r.stats()["connects"] == 1


async def test_execute_command_applies_redis_py_reply_parsing(r: leanredis.Redis) -> None:
    assert await r.execute_command("SET", "k", "v") is True
    assert await r.execute_command("GET", "k") == b"v"
    assert await r.execute_command("PING") is True
    assert await r.execute_command(b"INCRBYFLOAT", "f", 1.5) == 1.5
    with pytest.raises(DataError):
        r.execute_command()


@pytest.mark.parametrize("decode", [False, True])
async def test_set_answers_true_alone_in_a_pipeline_and_in_a_transaction_and_none_when_nx_prevents_it(
    redis_server: RedisServer, decode: bool
) -> None:
    # a SET with no option and one with options are parsed apart: both give redis-py's values
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=decode) as r:
        assert await r.set("set:answer", "v") is True
        assert await r.set("set:answer", b"w", nx=True) is None
        assert await r.set("set:answer", 7, xx=True) is True
        for transaction in (False, True):
            async with r.pipeline(transaction=transaction) as pipe:
                pipe.set("set:answer", "p").set("set:answer", "q", nx=True).set("set:other", 1)
                results = await pipe.execute()
            assert results == [True, None, True] and results[0] is True and results[2] is True


async def test_decode_responses_returns_str(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True) as r:
        await r.set("k", "héllo")
        assert await r.get("k") == "héllo"
        await r.set("bin", b"\xff\xfe")
        with pytest.raises(UnicodeDecodeError):
            await r.get("bin")
        assert await r.get("k") == "héllo"  # the stream is still in step after the decode error


async def test_with_timeout_is_a_view_on_the_same_connection(r: leanredis.Redis) -> None:
    await r.ping()
    fast = r.with_timeout(5)
    assert fast.connection is r.connection
    assert await fast.set("k", "v") is True
    assert await fast.get("k") == b"v"
    assert r.stats()["connects"] == 1
    with pytest.raises(DataError, match="timeout"):
        r.with_timeout(-1)
    with pytest.raises(DataError, match="timeout"):
        r.with_timeout("1")  # type: ignore[arg-type]


async def test_repr_and_stats_show_state_and_no_secret(redis_server: RedisServer) -> None:
    # RESP2: AUTH <password> to a server with no password fails (HELLO 3 AUTH default <any> passes: nopass)
    r = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, password="pw-not-shown", socket_connect_timeout=2, protocol=2
    )
    with pytest.raises(leanredis.AuthenticationError):
        await r.ping()  # the server has no password: AUTH fails, and says so
    text = repr(r) + repr(r.options) + str(r.stats())
    assert "pw-not-shown" not in text
    assert "inflight=0" in repr(r) and "queued=0" in repr(r)
    await r.aclose()


async def test_client_is_usable_again_after_aclose(redis_server: RedisServer) -> None:
    r = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    await r.set("k", "1")
    await r.aclose()
    assert await r.get("k") == b"1"
    assert r.stats()["connects"] == 2
    await r.aclose()


async def test_client_built_outside_a_loop_binds_at_first_command(redis_server: RedisServer) -> None:
    r = await asyncio.to_thread(lambda: leanredis.Redis(host="127.0.0.1", port=redis_server.port))
    assert await r.ping() is True
    await r.aclose()


async def test_resp3_false_reply_is_a_reply_not_the_end_of_the_buffer(redis_server: RedisServer) -> None:
    # Lua false is RESP3 #f: a parser returning False for "need more bytes" would hand
    # the next reply to this caller; the connection reads with its own sentinel instead
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, protocol=3) as r:
        batch = asyncio.gather(
            r.execute_command("EVAL", "redis.setresp(3); return false", 0),
            r.echo("after"),
            r.execute_command("EVAL", "redis.setresp(3); return true", 0),
        )
        results = await asyncio.wait_for(batch, 10)
        assert results == [False, b"after", True]


def test_one_client_survives_two_asyncio_run_calls(redis_server: RedisServer) -> None:
    r = leanredis.Redis(host="127.0.0.1", port=redis_server.port)

    async def use() -> object:
        r.set("fire-and-forget", "x")  # a flush left scheduled when the loop ends
        return await r.get("k")

    asyncio.run(r.set("k", "v"))
    assert asyncio.run(use()) == b"v"
    assert asyncio.run(use()) == b"v"
    assert asyncio.run(r.get("fire-and-forget")) == b"x"


def test_a_client_used_from_many_asyncio_run_calls_holds_one_socket_of_its_memory_budget(
    redis_server: RedisServer,
) -> None:
    """Each asyncio.run closes the loop under the client's socket; the next call connects again. What the old
    socket held of max_memory_bytes goes back with it: a process that runs a loop per job does not use up
    its budget after some thousands of jobs."""
    import gc

    r = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    budget = r.connection.budget

    async def use(i: int) -> object:
        await r.set("k", i)
        return await r.get("k")

    assert asyncio.run(use(0)) == b"0"
    after_first = budget.used
    for i in range(1, 21):
        assert asyncio.run(use(i)) == str(i).encode()
    gc.collect()
    assert len(budget.protocols) == 1  # the socket of the last loop only
    assert budget.used <= after_first  # not 20 sockets' worth more
    asyncio.run(r.aclose())


async def test_a_client_used_from_a_loop_running_in_another_thread_says_so(r: leanredis.Redis) -> None:
    import threading

    assert await r.ping() is True  # bound to this test's loop, which keeps running
    seen: list[BaseException] = []

    def other_thread() -> None:
        async def use() -> None:
            await r.ping()

        try:
            asyncio.run(use())
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            seen.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    await asyncio.to_thread(thread.join, 10)
    assert len(seen) == 1 and isinstance(seen[0], RuntimeError)
    assert "belongs to another running event loop" in str(seen[0])
    assert await r.ping() is True  # and it still works on its own loop


async def test_execute_command_splits_a_name_with_spaces_like_redis_py(r: leanredis.Redis) -> None:
    assert await r.execute_command("CONFIG GET", "maxmemory") == {"maxmemory": "0"}
    assert await r.execute_command("CONFIG", "GET", "maxmemory") == {"maxmemory": "0"}


@pytest.mark.parametrize("raw_in_flight", [False, True], ids=["fast-loop", "raw-reply-loop"])
async def test_a_reply_its_parser_rejects_fails_that_caller_only_and_keeps_the_connection(
    r: leanredis.Redis, raw_in_flight: bool
) -> None:
    from leanredis import ProtocolError

    def reject(reply: object) -> object:
        raise ValueError(f"unexpected {reply!r}")

    await r.set("pk", "v")
    connects = r.stats()["connects"]
    conn = r.connection
    # a DUMP in flight sends the replies through the slower loop that skips decoding for it
    dump = r.dump("pk") if raw_in_flight else None
    before = r.get("pk")
    bad = conn.execute((b"PING",), reject)
    after = r.get("pk")
    with pytest.raises(ProtocolError, match="cannot parse reply to PING.*unexpected b'PONG'"):
        await asyncio.wait_for(bad, 5)
    assert await asyncio.wait_for(before, 5) == b"v" and await asyncio.wait_for(after, 5) == b"v"
    if dump is not None:
        assert isinstance(await dump, bytes)
    assert await r.ping() is True
    assert r.stats()["connects"] == connects  # a parser's error is not a broken stream
