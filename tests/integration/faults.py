"""Proxies the tests put in front of a real server.

``FaultProxy`` (the fault tests; it lives in ``leanredis.lab.faultproxy``
because the soak workload uses it too) breaks connections. ``CommandProxy``
reads what a client sends command by command: it records the bytes of the
commands it watches, and answers them itself when a test gives it the reply
to send (a command the server lacks, such as FT.HYBRID on RediSearch 2.10,
can then be tested on the wire), forwarding everything else.
"""

from __future__ import annotations

import asyncio
import contextlib

from leanredis.lab.faultproxy import MODES, FaultProxy

__all__ = ["MODES", "CommandProxy", "FaultProxy"]


async def _read_command(reader: asyncio.StreamReader) -> tuple[bytes, list[bytes]]:
    """One command as a client sends it (an array of bulk strings): its bytes and its arguments."""
    header = await reader.readuntil(b"\r\n")
    if not header.startswith(b"*"):
        raise ValueError(f"not a RESP command: {header!r}")
    raw, args = [header], []
    for _ in range(int(header[1:-2])):
        size_line = await reader.readuntil(b"\r\n")
        body = await reader.readexactly(int(size_line[1:-2]) + 2)
        raw += [size_line, body]
        args.append(body[:-2])
    return b"".join(raw), args


async def _read_reply(reader: asyncio.StreamReader) -> bytes:
    """One whole reply, RESP2 or RESP3, as the server sent it."""
    line = await reader.readuntil(b"\r\n")
    kind, rest = line[:1], line[1:-2]
    if kind in b"$=!":  # blob string, verbatim string, blob error
        size = int(rest)
        return line if size < 0 else line + await reader.readexactly(size + 2)
    if kind in b"*~>%|":  # array, set, push, map, attribute
        count = int(rest) * (2 if kind in b"%|" else 1)
        parts = [line] + [await _read_reply(reader) for _ in range(max(count, 0))]
        if kind == b"|":  # an attribute precedes the reply it annotates
            parts.append(await _read_reply(reader))
        return b"".join(parts)
    return line  # + - : , # _ (


class CommandProxy:
    """A loopback listener in front of the server at ``target_port``; ``await start()``, connect to ``port``.

    Each command named ``watch`` is recorded whole in ``captured``; while ``replies`` is set
    (protocol -> the bytes of the reply), it is answered with the reply for its connection's protocol
    (2 until a HELLO 3 went through) instead of reaching the server. Commands are passed one at a
    time, each reply read whole before the next command, so answered and forwarded replies keep
    their order.
    """

    def __init__(self, target_port: int, watch: bytes = b"FT.HYBRID", host: str = "127.0.0.1") -> None:
        self.target_port = target_port
        self.host = host
        self.watch = watch.upper()
        self.captured: list[bytes] = []
        self.replies: dict[int, bytes] | None = None
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> CommandProxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.target_port)
        protocol = 2
        try:
            while True:
                raw, args = await _read_command(reader)
                name = args[0].upper()
                if name == b"HELLO" and len(args) > 1:
                    protocol = int(args[1])  # refused HELLOs are not sent by these tests' clients
                if name == self.watch:
                    self.captured.append(raw)
                    if self.replies is not None:
                        writer.write(self.replies[protocol])
                        await writer.drain()
                        continue
                upstream_writer.write(raw)
                writer.write(await _read_reply(upstream_reader))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # either side closed: this connection is over
        finally:
            self._tasks.discard(task)
            upstream_writer.close()
            writer.close()
