"""A TimeoutError says where its time went: queued (never written), written and unanswered, or answered late."""

from __future__ import annotations

import asyncio

import pytest

import leanredis
from leanredis.server import RedisServer

from .fakes import FakeServer, StallingAt, answer, split_commands
from .faults import FaultProxy


async def test_a_full_queue_and_a_silent_server_time_out_in_different_stages(proxy: FaultProxy) -> None:
    proxy.mode = "blackhole"  # what is written is read and never answered
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, socket_timeout=0.5, max_inflight=2,
        protocol=2, lib_name=None, lib_version=None,  # no handshake: the socket is used as soon as it opens
    )
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(client.get(f"k{i}") for i in range(6)), return_exceptions=True), 10
        )
        assert all(isinstance(o, leanredis.TimeoutError) for o in outcomes), outcomes
        written, queued = outcomes[:2], outcomes[2:]
        for error in written:
            assert error.stage == "unanswered" and error.possibly_executed is True, error
            assert "written and unanswered" in str(error) and "may have run" in str(error)
            assert error.queued_seconds is not None and error.queued_seconds < 0.1
            assert error.written_seconds is not None and 0.45 < error.written_seconds < 1.5
        assert "1 earlier replies still owed" in str(written[1])
        for error in queued:
            assert error.stage == "queued" and error.possibly_executed is False, error
            assert "never written" in str(error) and "max_inflight=2" in str(error)
            assert error.queued_seconds is not None and 0.45 < error.queued_seconds < 1.5
            assert error.written_seconds is None
    finally:
        await client.aclose()


async def test_a_command_queued_then_written_reports_the_time_of_each() -> None:
    script = StallingAt(b"stalls-here", held=b"held-back")
    server = await FakeServer(script).start()
    client = leanredis.Redis(host="127.0.0.1", port=server.port, socket_timeout=1.0, max_inflight=1)
    try:
        assert await client.ping() is True
        first = asyncio.ensure_future(client.get("held-back"))  # written, answered once released
        second = asyncio.ensure_future(client.get("stalls-here"))  # queued behind it (max_inflight=1)
        await asyncio.sleep(0.3)
        script.release.set()
        assert await asyncio.wait_for(first, 5) == b"v"
        with pytest.raises(leanredis.TimeoutError) as caught:
            await asyncio.wait_for(second, 5)
        error = caught.value
        assert error.stage == "unanswered" and error.possibly_executed is True
        assert error.queued_seconds is not None and 0.25 < error.queued_seconds < 0.8, str(error)
        assert error.written_seconds is not None and 0.3 < error.written_seconds < 0.8, str(error)
        assert f"queued {error.queued_seconds:.3f} s, then written {error.written_seconds:.3f} s" in str(error)
    finally:
        await client.aclose()
        await server.aclose()


async def serve_half_a_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer everything, except a command holding b'half': the start of its reply, then nothing."""
    buffered = b""
    while data := await reader.read(65536):
        commands, buffered = split_commands(buffered + data)
        for command in commands:
            writer.write(b"$10\r\nabc" if b"half" in command else answer(command))
        await writer.drain()


async def test_a_reply_still_arriving_at_the_deadline_is_answered_late() -> None:
    server = await FakeServer(lambda index: serve_half_a_reply).start()
    client = leanredis.Redis(host="127.0.0.1", port=server.port, socket_timeout=0.4)
    try:
        assert await client.ping() is True
        with pytest.raises(leanredis.TimeoutError) as caught:
            await asyncio.wait_for(client.get("half"), 5)
        error = caught.value
        assert error.stage == "answered late" and error.possibly_executed is True, str(error)
        assert "bytes of its reply read" in str(error)
    finally:
        await client.aclose()
        await server.aclose()


async def test_a_call_of_its_own_timeout_waiting_for_a_socket_was_never_written(proxy: FaultProxy) -> None:
    proxy.mode = "blackhole"  # accepts, never greets: the command waits for a socket
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_connect_timeout=5)
    try:
        with pytest.raises(leanredis.TimeoutError) as caught:
            await asyncio.wait_for(client.with_timeout(0.3).get("k"), 5)
        error = caught.value
        assert error.stage == "queued" and error.possibly_executed is False, str(error)
        assert "no socket to the server yet" in str(error) and "after 0.3 s" in str(error)
        assert error.queued_seconds is not None and 0.25 < error.queued_seconds < 1.5
    finally:
        await client.aclose()



def test_a_deadline_under_a_millisecond_away_works_on_uvloop(redis_server: RedisServer) -> None:
    # uvloop runs a call_at less than half a millisecond away as call_soon, whose Handle has no
    # when(): a command that waited for room in the same tick asked the timer for it and raised
    # AttributeError at the call
    uvloop = pytest.importorskip("uvloop")

    async def main() -> list[object]:
        client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=0.0003, max_inflight=1)
        outcomes: list[object] = []
        try:
            for _ in range(100):  # connected, whatever the first commands' outcomes
                if client.stats()["connected"]:
                    break
                await asyncio.gather(client.ping(), return_exceptions=True)
                await asyncio.sleep(0.01)
            for _ in range(5):
                await asyncio.sleep(0.01)  # a new tick: its first command arms the timer 0.3 ms ahead
                calls = [client.set(f"k{i}", "v") for i in range(3)]  # the 2nd and 3rd wait for room
                outcomes += await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
        finally:
            await client.aclose()
        return outcomes

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        outcomes = runner.run(main())
    assert len(outcomes) == 15
    # 0.3 ms is short: a timeout is a fine outcome, an AttributeError is not
    assert all(o is True or isinstance(o, leanredis.TimeoutError) for o in outcomes), outcomes


async def test_a_default_timeout_moves_a_later_timer_of_a_calls_own_timeout_earlier(proxy: FaultProxy) -> None:
    """A call of its own long timeout armed the connection's timer far away; a command of the default timeout
    after it still times out by the default, not when the long one would: the timer is moved earlier."""
    proxy.mode = "blackhole"  # what is written is read and never answered
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, socket_timeout=0.3,
        protocol=2, lib_name=None, lib_version=None,  # no handshake: the socket is used as soon as it opens
    )
    try:
        await client.connection.connect()
        patient = client.connection.execute_with_timeout((b"GET", b"patient"), None, 60)
        started = asyncio.get_running_loop().time()
        with pytest.raises(leanredis.TimeoutError):
            await asyncio.wait_for(client.get("hasty"), 10)
        assert asyncio.get_running_loop().time() - started < 5
        assert not patient.done()
        patient.cancel()
    finally:
        await client.aclose()
