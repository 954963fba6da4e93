"""Small fake servers for hostile replies: a real TCP listener on a free loopback port, scripted per connection.

``FakeServer(script)``: ``script(index)`` returns, for the index-th connection
(0, 1, ...), an async function ``serve(reader, writer)`` that reads the
client's commands and writes whatever bytes the test wants. ``answer_all``
gives a well-behaved answer to every command (enough for a handshake-less
client), for the connections a test wants to recover on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def count_commands(data: bytes) -> int:
    """Commands in a chunk of RESP arrays as clients send them (one '*' header per command)."""
    return sum(1 for line in data.split(b"\r\n") if line.startswith(b"*"))


async def answer_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer every command with the bulk string 'v'."""
    while data := await reader.read(65536):
        writer.write(b"$1\r\nv\r\n" * count_commands(data))
        await writer.drain()


class FakeServer:
    """See the module docstring; ``await start()`` then connect to ``port``."""

    def __init__(self, script: Callable[[int], Serve]) -> None:
        self.script = script
        self.connections = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> FakeServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self.connections
        self.connections += 1
        self._writers.add(writer)
        try:
            await self.script(index)(reader, writer)
        except (ConnectionError, OSError):
            pass  # the client dropped us: that is what several tests want
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
