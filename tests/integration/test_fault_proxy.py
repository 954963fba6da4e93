"""The lab's FaultProxy, as the fault tests use it: what it promises about the connections it holds."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from leanredis.lab.faultproxy import FaultProxy
from leanredis.server import RedisServer


async def test_abort_connections_resets_a_socket_accepted_but_not_yet_served(redis_server: RedisServer) -> None:
    """The client's connect completes in the kernel before the proxy's thread hands the socket to the loop; an
    abort in that window must reset it too, or it is served later in the old mode (a black hole: the client's
    commands then hang; test_faults saw it under load)."""
    proxy = await FaultProxy(redis_server.port, mode="blackhole").start()
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    try:
        deadline = time.monotonic() + 5
        while proxy.accepts == 0 and time.monotonic() < deadline:
            time.sleep(0.001)  # not yielding to the loop: the accepted socket's hand-over has not run yet
        assert proxy.accepts == 1
        proxy.mode = "refuse"
        proxy.abort_connections()
        client.settimeout(0.01)
        loop = asyncio.get_running_loop()
        end = loop.time() + 5
        outcome = None
        while outcome is None and loop.time() < end:
            await asyncio.sleep(0.01)  # the loop runs the hand-over now
            try:
                outcome = client.recv(1)  # b"": closed
            except TimeoutError:
                continue
            except ConnectionResetError:
                outcome = b"reset"
        assert outcome in (b"", b"reset"), "the socket accepted before the abort is still open, black-holed"
    finally:
        client.close()
        await proxy.aclose()


@pytest.mark.parametrize("mode", ["forward", "blackhole"])
async def test_a_socket_served_after_the_abort_in_its_new_mode_is_not_reset(
    redis_server: RedisServer, mode: str
) -> None:
    """Connections made after an abort are the mode's new ones: left alone."""
    proxy = await FaultProxy(redis_server.port, mode=mode).start()
    try:
        proxy.abort_connections()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"*1\r\n$4\r\nPING\r\n")
        await writer.drain()
        if mode == "forward":
            assert await asyncio.wait_for(reader.readline(), 5) == b"+PONG\r\n"
        else:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(1), 0.3)  # black-holed, not reset
        writer.close()
    finally:
        await proxy.aclose()
