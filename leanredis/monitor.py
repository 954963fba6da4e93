"""``Monitor``: redis-py's MONITOR reader, on a socket of its own (never the shared connection).

``async with r.monitor() as m: info = await m.next_command()`` or ``async for
info in m.listen()``. Each command the server runs arrives as one line,
parsed into redis-py's dict: time, db, client_address, client_port,
client_type, command. Lines wait in a bounded queue: past
``max_pending`` the socket stops being read until the caller catches up.
A lost connection fails the waiting caller with ConnectionError; MONITOR is
not resumed on another socket (lines in between would be lost silently).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from .connection.dialer import DedicatedSocketProtocol, Dialer, close_and_wait
from .exceptions import ConnectionError, RedisError, ResponseError
from .options import ConnectionOptions

_MORE = object()
_LINE = re.compile(r"\[(\d+) (.*?)\] (.*)")
_ARGUMENT = re.compile(r'"(.*?)(?<!\\)"')


def parse_monitor_line(line: str) -> dict[str, Any]:
    """One MONITOR line as redis-py's Monitor parses it."""
    command_time, command_data = line.split(" ", 1)
    match = _LINE.match(command_data)
    if match is None:
        raise ResponseError(f"unexpected MONITOR line: {line[:80]!r}")
    db_id, client_info, command = match.groups()
    command = " ".join(_ARGUMENT.findall(command)).replace('\\"', '"')
    if client_info == "lua":
        address, port, kind = "lua", "", "lua"
    elif client_info.startswith("unix"):
        address, port, kind = "unix", client_info[5:], "unix"
    else:
        address, port = client_info.rsplit(":", 1)  # rsplit: IPv6 addresses hold colons
        kind = "tcp"
    return {
        "time": float(command_time),
        "db": int(db_id),
        "client_address": address,
        "client_port": port,
        "client_type": kind,
        "command": command,
    }


class _MonitorProtocol(DedicatedSocketProtocol):
    """Replies to request futures first (handshake, MONITOR's OK), then every line to the owner's queue."""

    def __init__(self, owner: Monitor) -> None:
        super().__init__(owner._loop, owner.options.parser, _MORE)
        self.owner = owner

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while True:
            try:
                reply = self._reader.gets()
            except Exception as exc:  # a malformed stream cannot be trusted: close it, tell the reader
                self.owner._put(ConnectionError(f"malformed reply from the server during MONITOR: {exc}"))
                self.abandon()
                return
            if reply is _MORE:
                break
            if self.replies:
                fut = self.replies.popleft()
                if not fut.done():
                    if isinstance(reply, ResponseError):
                        fut.set_exception(reply)
                    else:
                        fut.set_result(reply)
            else:
                self.owner._put(reply)
        if len(self.owner._lines) >= self.owner.max_pending and self.transport is not None and not self.paused:
            self.transport.pause_reading()
            self.paused = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        error = ConnectionError(f"MONITOR connection to {self.owner.options.address} lost")
        error.__cause__ = exc
        self.fail_requests(error)
        self.owner._put(error)
        if not self.lost.done():
            self.lost.set_result(None)


class Monitor:
    """MONITOR on a dedicated connection (see the module docstring); use it with ``async with``."""

    def __init__(self, options: ConnectionOptions, max_pending: int = 10_000) -> None:
        self.options = options
        self.max_pending = max_pending
        self._lines: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._proto: _MonitorProtocol | None = None
        self._loop = asyncio.get_running_loop()
        self._encoding = options.encoding
        self._errors = options.encoding_errors

    def __repr__(self) -> str:
        state = "monitoring" if self._proto is not None and not self._proto.closed else "closed"
        return f"<Monitor {self.options.address} {state} pending={len(self._lines)}>"

    async def connect(self) -> None:
        """Open and greet the socket, then send MONITOR and check its OK."""
        if self._proto is not None:
            return
        proto = await Dialer(self.options).dial(self._loop, lambda: _MonitorProtocol(self))
        self._proto = proto
        reply = proto.request((b"MONITOR",))
        proto.flush()
        answer = await reply
        if answer not in (b"OK", "OK"):
            await self.aclose()
            raise RedisError(f"MONITOR failed: {answer!r}")

    async def __aenter__(self) -> Monitor:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the socket; a caller waiting in ``next_command`` gets ConnectionError."""
        proto, self._proto = self._proto, None
        if proto is not None:
            await close_and_wait(proto, proto.lost)

    def _put(self, item: Any) -> None:
        self._lines.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next_command(self) -> dict[str, Any]:
        """The next command the server ran, as redis-py's dict."""
        if self._proto is None and not self._lines:
            raise RedisError("the monitor is not connected: use `async with r.monitor() as m`")
        while not self._lines:
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._lines.popleft()
        proto = self._proto
        if proto is not None and proto.paused and len(self._lines) < self.max_pending // 2:
            proto.paused = False
            if proto.transport is not None:
                proto.transport.resume_reading()
        if isinstance(item, BaseException):
            raise item
        line = item.decode(self._encoding, self._errors) if isinstance(item, bytes) else str(item)
        return parse_monitor_line(line)

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        """Every command the server runs, until the connection closes."""
        while True:
            yield await self.next_command()
