"""Every connection of a loop is written by one callback per iteration, against a real server.

Several clients (or one client's pool) on one loop share it; a client closed
before the write, or used again on a new loop after its loop closed with a
write pending, leaves the others written and answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import leanredis
from leanredis.exceptions import ConnectionError
from leanredis.server import RedisServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def clients(redis_server: RedisServer) -> AsyncIterator[list[leanredis.Redis]]:
    made = [leanredis.Redis(host="127.0.0.1", port=redis_server.port) for _ in range(3)]
    async with asyncio.timeout(10):
        await asyncio.gather(*(client.ping() for client in made))  # connected: the next commands go out at once
    yield made
    for client in made:
        await client.aclose()


async def test_several_clients_commands_of_one_iteration_are_written_by_one_callback(
    clients: list[leanredis.Redis],
) -> None:
    first, *others = clients
    before = [client.stats()["writes"] for client in clients]
    seen: list[list[int]] = []
    async with asyncio.timeout(10):
        replies = [first.set("shared:0", "0")]
        # scheduled between the first client's command and the others': with a write scheduled per client it
        # would run before theirs; with one callback for all, every client was written before it
        asyncio.get_running_loop().call_soon(lambda: seen.append([c.stats()["writes"] for c in clients]))
        replies += [client.set(f"shared:{i}", str(i)) for i, client in enumerate(others, 1)]
        replies += [client.get(f"shared:{i}") for i, client in enumerate(clients)]
        assert await asyncio.gather(*replies) == [True, True, True, b"0", b"1", b"2"]
    assert seen == [[count + 1 for count in before]]


async def test_a_client_closed_before_the_shared_write_leaves_the_others_answered(
    clients: list[leanredis.Redis],
) -> None:
    closing, *others = clients
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        async with asyncio.timeout(10):
            closed = asyncio.ensure_future(closing.aclose())  # runs before the write its client's command asks for
            lost = closing.set("closing", "x")
            replies = [client.incr("counted") for client in others]
            assert sorted(await asyncio.gather(*replies)) == [1, 2]
            await closed
            outcome = await asyncio.gather(lost, return_exceptions=True)
    finally:
        loop.set_exception_handler(handler)
    # aclose wrote the command itself before closing: answered, or failed by the close, never left waiting
    assert outcome == [True] or isinstance(outcome[0], ConnectionError)
    assert errors == []  # the shared write found the closed client's socket gone and nothing to write
    assert await others[0].get("counted") == b"2"


def test_clients_used_on_a_new_loop_after_theirs_closed_with_a_write_pending(
    redis_server: RedisServer, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    clients = [leanredis.Redis(host="127.0.0.1", port=redis_server.port) for _ in range(2)]

    async def connect() -> None:
        async with asyncio.timeout(10):
            await asyncio.gather(*(client.set("pending", "0") for client in clients))

    first = loop_factory()
    try:
        first.run_until_complete(connect())

        def leave_a_write_pending() -> None:
            for client in clients:
                client.set("pending", "never sent")

        # the commands come in the loop's last iteration: their write waits for an iteration that never comes.
        # asyncio's stop() ends the iteration it is called in; uvloop's is a callback of its own
        if isinstance(first, asyncio.BaseEventLoop):
            first.call_soon(lambda: (leave_a_write_pending(), first.stop()))
        else:
            first.call_soon(lambda: (first.stop(), first.call_soon(leave_a_write_pending)))
        first.run_forever()
    finally:
        first.close()

    async def use_again() -> list[object]:
        async with asyncio.timeout(10):
            replies = [client.incr("again") for client in clients]
            return [*sorted(await asyncio.gather(*replies)), await clients[0].get("pending")]  # two sockets: any order

    second = loop_factory()
    try:
        assert second.run_until_complete(use_again()) == [1, 2, b"0"]

        async def close() -> None:
            for client in clients:
                await client.aclose()

        second.run_until_complete(close())
    finally:
        second.close()
