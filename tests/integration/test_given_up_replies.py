"""A command given up on a stalled socket: the socket is dropped ``late_reply_timeout`` after the give-up.

A fake server (``fakes.StallingAt``) answers until it reads ``GET slow``, then
nothing more on that socket. The caller gives up (``asyncio.wait_for``,
``task.cancel()``); the client must then drop that socket
``late_reply_timeout`` later, whatever ``socket_timeout`` says (None: no
deadline timer at all), and answer on a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import leanredis

from .fakes import FakeServer, StallingAt

LATE = 0.5  # late_reply_timeout
MARGIN = 1.0  # a loaded 2-core machine may be late this much


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[FakeServer, StallingAt]]:
    script = StallingAt(b"slow")
    server = await FakeServer(script).start()
    yield server, script
    await server.aclose()


@pytest.mark.parametrize("socket_timeout", [None, 30.0], ids=["no-socket-timeout", "socket-timeout-30"])
@pytest.mark.parametrize("give_up", ["wait_for", "task.cancel"])
async def test_a_cancelled_command_on_a_stalled_socket_drops_it_late_reply_timeout_after_the_cancel(
    stalling: tuple[FakeServer, StallingAt], socket_timeout: float | None, give_up: str
) -> None:
    fake, script = stalling
    client = leanredis.Redis(
        host="127.0.0.1", port=fake.port, driver_info=None, protocol=2,
        socket_timeout=socket_timeout, late_reply_timeout=LATE,
    )
    loop = asyncio.get_running_loop()
    try:
        assert await asyncio.wait_for(client.ping(), 5) is True
        slow = client.get("slow")
        task = asyncio.create_task(slow) if give_up == "task.cancel" else None  # a Task driving the command
        await asyncio.wait_for(script.reached.wait(), 5)
        if task is None:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(slow, 0.05)
        else:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        gave_up = loop.time()
        answered = None
        for _ in range(3):  # the PING written behind the dead reply fails with that socket
            try:
                answered = await asyncio.wait_for(client.ping(), LATE + 5)
                break
            except leanredis.ConnectionError as exc:
                assert "late_reply_timeout" in str(exc)
        waited = loop.time() - gave_up
        assert answered is True
        assert LATE * 0.9 <= waited < LATE + MARGIN, f"PING answered {waited:.2f} s after the give-up"
        stats = client.stats()
        assert stats["late_reply_drops"] == 1 and fake.connections == 2
        assert slow.cancelled() and stats["inflight"] == 0
    finally:
        await client.aclose()


async def test_a_command_cancelled_behind_one_answered_later_drops_the_socket_once_it_is_the_oldest() -> None:
    """Cancelled while another reply is owed before it, with no socket_timeout: no deadline timer would look."""
    script = StallingAt(b"slow", held=b"later")
    fake = await FakeServer(script).start()
    client = leanredis.Redis(
        host="127.0.0.1", port=fake.port, driver_info=None, protocol=2, late_reply_timeout=LATE
    )
    loop = asyncio.get_running_loop()
    try:
        assert await asyncio.wait_for(client.ping(), 5) is True
        later = client.get("later")
        slow = client.get("slow")
        await asyncio.sleep(0)  # both written in one batch, "later" first
        slow.cancel()
        gave_up = loop.time()
        # time itself is the subject: "later" is held past the first check after the cancel, which must look again
        await asyncio.sleep(LATE * 1.5)
        assert not later.done()
        script.release.set()
        assert await asyncio.wait_for(later, 5) == b"v"
        await asyncio.wait_for(script.reached.wait(), 5)
        answered = None
        for _ in range(3):
            try:
                answered = await asyncio.wait_for(client.ping(), 3 * LATE + 5)
                break
            except leanredis.ConnectionError as exc:
                assert "late_reply_timeout" in str(exc)
        waited = loop.time() - gave_up
        assert answered is True
        # looked at every late_reply_timeout: the cancelled one is found oldest by 2 x, dropped by 3 x
        assert waited < 3 * LATE + MARGIN, f"PING answered {waited:.2f} s after the cancel"
        assert client.stats()["late_reply_drops"] == 1 and fake.connections == 2
    finally:
        await client.aclose()
        await fake.aclose()
