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
import functools
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


def answer(command: bytes) -> bytes:
    """A plausible reply to one encoded command: PONG to PING, the bulk string 'v' to anything else."""
    return b"+PONG\r\n" if command.split(b"\r\n")[2].upper() == b"PING" else b"$1\r\nv\r\n"


def split_commands(data: bytes) -> tuple[list[bytes], bytes]:
    """The whole commands at the start of ``data`` (RESP arrays of bulk strings), and the bytes after them."""
    commands = []
    pos = 0
    while True:
        try:
            end = data.index(b"\r\n", pos)
            cursor = end + 2
            for _ in range(int(data[pos + 1 : end])):
                line_end = data.index(b"\r\n", cursor)
                cursor = line_end + 2 + int(data[cursor + 1 : line_end]) + 2
        except ValueError:  # a command cut by the read: the rest comes with the next one
            return commands, data[pos:]
        if cursor > len(data):
            return commands, data[pos:]
        commands.append(data[pos:cursor])
        pos = cursor


class StallingAt:
    """A script: the first connection answers every command before the first one holding ``marker``, then
    nothing more, ever (a server stalled mid-stream); later connections answer everything.

    ``reached`` is set once the stalled command has been read. A command holding ``held`` (if given) is
    answered only once ``release`` is set, and the ones after it wait for it.
    """

    def __init__(self, marker: bytes, held: bytes | None = None) -> None:
        self.marker = marker
        self.held = held
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    def __call__(self, index: int) -> Serve:
        return functools.partial(self._serve, stalls=index == 0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stalls: bool) -> None:
        buffered = b""
        while data := await reader.read(65536):
            commands, buffered = split_commands(buffered + data)
            for command in commands:
                if stalls and self.held is not None and self.held in command:
                    await self.release.wait()
                if stalls and self.marker in command:
                    await writer.drain()
                    self.reached.set()
                    while await reader.read(65536):
                        pass  # read on, answer nothing: the client must give up on this socket
                    return
                writer.write(answer(command))
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
