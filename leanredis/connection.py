"""One multiplexed connection to one server: pipelining, bounds, timeouts, teardown.

``Connection`` is what callers use: ``execute(args, parse)`` returns a
``CommandFuture`` at once. It owns at most one live ``RedisProtocol`` (one
socket) at a time and reconnects, with backoff and jitter, when a command
needs it and the socket is gone.

The data path (DESIGN.md):

- a command is encoded straight into the protocol's out-buffer and its
  future appended to the FIFO of pending replies; the first command of a
  loop iteration schedules one ``transport.write`` for all of them, after
  which the buffer is handed over and a fresh one started (release on send);
- ``data_received`` feeds the parser and resolves futures in order; a
  future that is already done (cancelled, timed out) has its reply dropped;
- past ``max_inflight`` pending replies or ``max_buffered_bytes`` of
  unwritten bytes a command waits in ``_queue`` with its arguments, not
  encoded, until replies free room (policy ``wait``), or fails at once with
  ``OverloadError`` (policy ``fail``);
- timeouts cost nothing per command when unused; with a default timeout,
  one deadline is computed per loop iteration and one timer per connection
  sweeps the head of the FIFO;
- on disconnect every pending and queued future fails exactly once, the
  parser and buffers are dropped, and no reference cycle is left.

This module knows nothing of command names beyond what it is handed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import random
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from . import memory
from .exceptions import (
    ConnectionError,
    DataError,
    OverloadError,
    ProtocolError,
    RedisError,
    ResponseError,
    TimeoutError,
    error_from_reply,
)
from .future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture, raw_reply
from .handshake import handshake_error, handshake_steps, open_socket
from .options import ConnectionOptions
from .resp import HIREDIS_AVAILABLE, Push, PythonParser, encode_command

_get_running_loop = asyncio._get_running_loop  # the C fast path: None outside a loop, never raises
_get_ident = threading.get_ident


def _thread_checkable(loop: asyncio.AbstractEventLoop | None) -> bool:
    """True for asyncio's own loops, whose ``_thread_id`` is the running thread's id while they run.

    ``asyncio._get_running_loop()`` calls getpid() each time (a system call: ~165 ns here, as much
    as creating the future), so on those loops ``loop._thread_id == get_ident()`` answers "is this
    loop the one running now" instead: one loop runs per thread. Other loops (uvloop) keep the call.
    """
    return isinstance(loop, asyncio.BaseEventLoop) and hasattr(loop, "_thread_id")

if HIREDIS_AVAILABLE:
    from hiredis import pack_command as _pack

    from .resp import make_reader
else:  # pragma: no cover - hiredis is a runtime dependency
    _pack = None  # type: ignore[assignment]

ParseT = Callable[[Any], Any] | None

_MALFORMED = (ProtocolError, TypeError, IndexError)

# Below this many per-call deadlines the heap is never compacted (answered entries leave it at
# their deadline); above it, compaction keeps it within twice the commands still pending.
_CUSTOM_COMPACT_MIN = 1024


def _command_name(name: Any) -> str:
    if isinstance(name, (bytes, bytearray)):
        return bytes(name[:32]).decode("utf-8", "replace")
    return str(name)[:32]


# What the parsers return for "need more bytes": not False, which is a RESP3 #f reply.
_MORE = object()


def _unparsable(fut: CommandFuture[Any], exc: Exception) -> ProtocolError:
    return ProtocolError(f"cannot parse reply to {_command_name(fut.name)}: {exc!r}")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def check_timeout(timeout: object) -> None:
    """Raise DataError unless ``timeout`` is None or a positive number of seconds."""
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise DataError(f"timeout must be a positive number of seconds or None, not {timeout!r}")


class RedisProtocol(asyncio.Protocol):
    """One socket: the out-buffer, the FIFO of pending futures and the parser.

    A thin shell: it knows the order of replies and nothing else. Its owner
    (``Connection``) decides what may be sent and reconnects when it dies.
    """

    def __init__(self, owner: Connection) -> None:
        self._owner: Connection | None = owner
        self._loop = owner._loop
        self.transport: asyncio.Transport | None = None
        self.pending: deque[CommandFuture[Any]] = deque()
        self.out = bytearray()
        self.flush_scheduled = False
        self.write_paused = False
        self.closed = False
        # replies that must skip decode_responses (DUMP): rare, so counted
        self.raw_pending = 0
        options = owner.options
        encoding = options.encoding if options.decode_responses else None
        if options.parser == "python" or not HIREDIS_AVAILABLE:
            self._reader: Any = PythonParser(encoding, options.encoding_errors, not_enough_data=_MORE)
        else:
            self._reader = make_reader(encoding, options.encoding_errors, not_enough_data=_MORE)
        self._encoding = encoding
        self._errors = options.encoding_errors
        self._lost_waiter: asyncio.Future[None] = self._loop.create_future()

    # -- asyncio.Protocol ------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        owner = self._owner
        if owner is not None:
            transport.set_write_buffer_limits(high=owner.options.max_buffered_bytes)  # type: ignore[attr-defined]

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        owner = self._owner
        if owner is not None and owner._queue:
            owner._drain()

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        pending = self.pending
        try:
            if self.raw_pending:
                self._receive_slow()
            else:
                while (reply := reader.gets()) is not _MORE:
                    cls = reply.__class__
                    if cls is Push:
                        self._push(reply)
                        continue
                    fut = pending.popleft()  # IndexError: a reply nobody asked for
                    if fut.done():
                        continue  # cancelled or timed out: the late reply is dropped
                    if cls is ResponseError:
                        fut.set_exception(error_from_reply(reply.args[0] if reply.args else ""))
                        continue
                    parse = fut.parse
                    if parse is None:
                        fut.set_result(reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(_unparsable(fut, exc))
                        continue
                    fut.set_result(value)
        except _MALFORMED as exc:
            self._broken(exc)
            return
        except UnicodeDecodeError as exc:
            # hiredis consumed the reply it could not decode: it belongs to the head caller
            fut = pending.popleft()
            if not fut.done():
                fut.set_exception(exc)
            self.data_received(b"")
            return
        owner = self._owner
        if owner is not None and owner._queue:
            owner._drain()

    def _receive_slow(self) -> None:
        """Reply loop when some pending replies must not be decoded (rare)."""
        reader = self._reader
        pending = self.pending
        while True:
            raw = bool(pending) and pending[0].parse is raw_reply
            if raw:
                reader.set_encoding(encoding=None, errors=self._errors)
            try:
                reply = reader.gets()
            finally:
                if raw:
                    reader.set_encoding(encoding=self._encoding, errors=self._errors)
            if reply is _MORE:
                return
            cls = reply.__class__
            if cls is Push:
                self._push(reply)
                continue
            fut = pending.popleft()
            if raw:
                self.raw_pending -= 1
            if fut.done():
                continue
            if cls is ResponseError:
                fut.set_exception(error_from_reply(reply.args[0] if reply.args else ""))
            elif fut.parse is None:
                fut.set_result(reply)
            else:
                self._parse_into(fut, fut.parse, reply)

    def _push(self, message: Any) -> None:
        """A RESP3 push (invalidation, pub/sub) on this socket: not a reply to anyone."""
        owner = self._owner
        if owner is not None:
            owner.stats_pushes += 1
            if owner.on_push is not None:
                owner.on_push(message)

    @staticmethod
    def _parse_into(fut: CommandFuture[Any], parse: Callable[[Any], Any], reply: Any) -> None:
        try:
            value = parse(reply)
        except Exception as exc:  # a reply of an unexpected shape: this caller's error only
            fut.set_exception(_unparsable(fut, exc))
            return
        fut.set_result(value)

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        owner = self._owner
        self._owner = None
        address = owner.options.address if owner is not None else "server"
        pending = self.pending
        self.pending = deque()
        count = len(pending)
        for fut in pending:
            if not fut.done():
                err = ConnectionError(
                    f"connection to {address} lost with {count} command(s) pending"
                    + (f": {exc}" if exc else "")
                )
                err.__cause__ = exc
                fut.set_exception(err)
        pending.clear()
        self.out = bytearray()
        self._reader = None
        self.transport = None
        if not self._lost_waiter.done():
            self._lost_waiter.set_result(None)
        if owner is not None:
            owner._on_lost(self, exc)

    # -- used by Connection -----------------------------------------------
    def _broken(self, exc: BaseException) -> None:
        """The byte stream cannot be trusted: fail everything, close the socket."""
        owner = self._owner
        if owner is not None:
            owner.stats_protocol_errors += 1
        err = ProtocolError(f"malformed reply from the server, connection closed: {exc}")
        pending = self.pending
        self.pending = deque()
        for fut in pending:
            if not fut.done():
                fut.set_exception(ProtocolError(str(err)))
        transport = self.transport
        if transport is not None:
            transport.abort()  # connection_lost will follow and clean up the rest

    def flush(self) -> None:
        """Write everything encoded this loop iteration in one call, then drop it."""
        self.flush_scheduled = False
        out = self.out
        if not out or self.transport is None:
            return
        self.out = bytearray()
        self.transport.write(out)
        owner = self._owner
        if owner is not None:
            owner.stats_writes += 1
            if len(self.pending) > owner.stats_inflight_high:
                owner.stats_inflight_high = len(self.pending)
            if owner._trim_timer is None and owner._trim_enabled:
                owner._arm_trim()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Connection:
    """A multiplexed connection with reconnect: the unit a client, pool or cluster node owns."""

    def __init__(self, options: ConnectionOptions, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.options = options
        # may be built outside a loop (redis-py allows it): bound at the first command
        self._loop: asyncio.AbstractEventLoop
        self._thread_check: bool
        self._bind_loop(loop or _running_loop())
        self._proto: RedisProtocol | None = None
        self._queue: deque[CommandFuture[Any]] = deque()
        self._connecting: asyncio.Task[None] | None = None
        self._failures = 0
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None
        self._custom: list[tuple[float, int, CommandFuture[Any]]] = []  # per-call deadlines
        self._custom_seq = 0
        self._custom_compact_at = _CUSTOM_COMPACT_MIN
        self._tick_deadline = NO_DEADLINE
        self._default_timeout = options.socket_timeout
        self._max_inflight = options.max_inflight
        self._max_buffered = options.max_buffered_bytes
        self._fail_fast = options.overload_policy == "fail"
        self.on_push: Callable[[Any], None] | None = None
        # Where to connect, asked at every (re)connect (Sentinel); None: options.host/port.
        # Runs inside socket_connect_timeout; a RedisError it raises fails the waiting commands.
        self.resolver: Callable[[], Awaitable[tuple[str, int]]] | None = None
        self.last_connect_error: RedisError | None = None
        # plain-int counters: stats() reads them
        self.stats_connects = 0
        self.stats_reconnects = 0
        self.stats_connect_failures = 0
        self.stats_timeouts = 0
        self.stats_overloads = 0
        self.stats_writes = 0
        self.stats_pushes = 0
        self.stats_protocol_errors = 0
        self.stats_inflight_high = 0
        self.stats_queued_high = 0
        self.stats_trims = 0
        self.stats_trimmed_bytes = 0
        # release to the OS (DESIGN rule 6): glibc keeps freed memory at the peak after a burst
        self._trim_enabled = options.trim_idle and memory.allocator() == "glibc"
        self._trim_timer: asyncio.TimerHandle | None = None
        self._trim_seen = 0
        self._rss_baseline = -1  # RSS at the first write, then after each trim

    def __repr__(self) -> str:
        state = "connected" if self._proto is not None else ("connecting" if self._connecting else "idle")
        return (
            f"<Connection {self.options.address} {state} inflight={self.inflight} "
            f"queued={len(self._queue)} buffered={self.buffered_bytes}>"
        )

    # -- observable state ------------------------------------------------
    @property
    def inflight(self) -> int:
        """Commands sent (or encoded to send) whose reply has not been read yet."""
        proto = self._proto
        return len(proto.pending) if proto is not None else 0

    @property
    def queued(self) -> int:
        """Commands waiting for capacity or for the connection, not yet encoded."""
        return len(self._queue)

    @property
    def buffered_bytes(self) -> int:
        """Encoded bytes not yet accepted by the kernel: our buffer plus the transport's."""
        proto = self._proto
        if proto is None:
            return 0
        size = len(proto.out)
        if proto.transport is not None:
            size += proto.transport.get_write_buffer_size()
        return size

    @property
    def is_connected(self) -> bool:
        """True while a handshaken socket is open."""
        return self._proto is not None

    # -- the hot path ----------------------------------------------------
    def execute(self, args: tuple[Any, ...], parse: ParseT = None) -> CommandFuture[Any]:
        """Send one command (a tuple of arguments); the future resolves to its parsed reply."""
        loop = self._loop
        if loop is None or (
            loop._thread_id != _get_ident()  # type: ignore[attr-defined]
            if self._thread_check
            else loop is not _get_running_loop()
        ):  # first command, outside any loop, a new loop
            return self._unbound(args, parse, None, False)
        fut: CommandFuture[Any] = CommandFuture(loop=loop)
        fut.parse = parse
        fut.name = args[0]
        proto = self._proto
        if (
            proto is not None
            and not self._queue
            and len(proto.pending) < self._max_inflight
            and len(proto.out) < self._max_buffered
            and not proto.write_paused
        ):
            if not proto.flush_scheduled:
                self._schedule_flush(proto)
            fut.deadline = self._tick_deadline
            try:
                proto.out += _pack(args)  # type: ignore[misc]
            except TypeError:
                self._encode_slow(proto, args, fut)
                return fut
            proto.pending.append(fut)
            if parse is raw_reply:
                proto.raw_pending += 1
            return fut
        fut.deadline = NO_DEADLINE
        if self._default_timeout is not None:
            fut.deadline = self._loop.time() + self._default_timeout
        self._enqueue(args, fut)
        return fut

    def execute_with_timeout(
        self, args: tuple[Any, ...], parse: ParseT, timeout: float | None
    ) -> CommandFuture[Any]:
        """Like ``execute`` with this call's own timeout (None: wait for ever)."""
        check_timeout(timeout)
        if self._loop is not _get_running_loop() or self._loop is None:
            return self._unbound(args, parse, timeout, True)
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        fut.parse = parse
        fut.name = args[0]
        if timeout is None:
            fut.deadline = NO_DEADLINE
        else:
            deadline = self._loop.time() + timeout
            fut.deadline = CUSTOM_DEADLINE
            self._custom_seq += 1
            custom = self._custom
            if len(custom) >= self._custom_compact_at:
                self._compact_custom()
            heapq.heappush(custom, (deadline, self._custom_seq, fut))
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)
        proto = self._proto
        if proto is not None and not self._queue and self._has_room(proto):
            self._send(proto, args, fut)
        else:
            self._enqueue(args, fut)
        return fut

    def execute_batch(self, commands: Iterable[tuple[tuple[Any, ...], ParseT]]) -> list[CommandFuture[Any]] | None:
        """Encode every command into the out-buffer now, in order, nothing in between (MULTI..EXEC).

        All or nothing: an argument that cannot be encoded rolls the whole
        batch back and raises ``DataError`` before a byte is written. None,
        with nothing sent, when that cannot be done now (not connected,
        commands waiting for capacity, writes paused): the caller connects
        and retries, or takes a dedicated connection. ``max_inflight`` is not
        applied inside a batch: it is already in the caller's memory, and
        splitting it over the wait queue could lose its atomicity on a
        reconnect or a queued timeout.
        """
        proto = self._proto
        if proto is None or self._queue or proto.write_paused or self._loop is not _get_running_loop():
            return None
        if not proto.flush_scheduled:
            self._schedule_flush(proto)
        deadline = self._tick_deadline
        out = proto.out
        pending = proto.pending
        start = len(out)
        futures: list[CommandFuture[Any]] = []
        raw = 0
        try:
            for args, parse in commands:
                fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
                fut.parse = parse
                fut.name = args[0]
                fut.deadline = deadline
                try:
                    out += _pack(args)  # type: ignore[misc]
                except TypeError:
                    encode_command(args, out)
                futures.append(fut)
                if parse is raw_reply:
                    raw += 1
        except Exception as exc:
            del out[start:]
            for fut in futures:
                fut.cancel()
            if isinstance(exc, RedisError):
                raise
            raise DataError(f"cannot encode a command of the batch: {exc}") from exc
        pending.extend(futures)
        proto.raw_pending += raw
        return futures

    def _unbound(self, args: tuple[Any, ...], parse: ParseT, timeout: float | None, timed: bool) -> Any:
        """A command called outside the loop the connection is bound to.

        Inside a running loop: bind to it and send; a connection left on a
        loop that has since closed (``asyncio.run`` twice with one client) is
        dropped first. Outside any loop (as in ``asyncio.run(r.ping())``,
        which redis.asyncio allows because its methods are coroutines):
        return a coroutine that sends when run.
        """
        loop = _running_loop()
        if loop is None:
            return self._send_later(args, parse, timeout, timed)
        if self._loop is not None:
            if not self._loop.is_closed():
                raise RuntimeError(
                    f"this client's connection to {self.options.address} belongs to another running event loop; "
                    "create one client per loop"
                )
            self._abandon_closed_loop()
        self._bind_loop(loop)
        if timed:
            return self.execute_with_timeout(args, parse, timeout)
        return self.execute(args, parse)

    def _abandon_closed_loop(self) -> None:
        """Forget every object of a loop that was closed under us: none of it can run again."""
        self._proto = None  # its transport and socket go with the old loop's objects
        self._queue = deque()
        self._connecting = None
        self._timer = None
        self._custom = []
        self._failures = 0

    async def _send_later(self, args: tuple[Any, ...], parse: ParseT, timeout: float | None, timed: bool) -> Any:
        if timed:
            return await self.execute_with_timeout(args, parse, timeout)
        return await self.execute(args, parse)

    def _compact_custom(self) -> None:
        """Drop answered commands from the deadline heap (amortised: the heap at most doubles).

        An answered command's entry would otherwise stay, with its reply, until its deadline:
        a 30 s timeout at 100k commands per second would hold 3 million of them.
        """
        custom = self._custom
        custom[:] = [entry for entry in custom if not entry[2].done()]
        heapq.heapify(custom)
        self._custom_compact_at = max(_CUSTOM_COMPACT_MIN, 2 * len(custom))

    def _has_room(self, proto: RedisProtocol) -> bool:
        return (
            len(proto.pending) < self._max_inflight
            and len(proto.out) < self._max_buffered
            and not proto.write_paused
        )

    def _schedule_flush(self, proto: RedisProtocol) -> None:
        """First command of a loop iteration: one write later, one deadline for all."""
        proto.flush_scheduled = True
        self._loop.call_soon(proto.flush)
        if self._default_timeout is not None:
            deadline = self._tick_deadline = self._loop.time() + self._default_timeout
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)

    def _send(self, proto: RedisProtocol, args: tuple[Any, ...], fut: CommandFuture[Any]) -> None:
        """Encode one command into the out-buffer (slow path: queued or timed commands)."""
        if not proto.flush_scheduled:
            self._schedule_flush(proto)
        try:
            proto.out += _pack(args)  # type: ignore[misc]
        except TypeError:
            self._encode_slow(proto, args, fut)
            return
        proto.pending.append(fut)
        if fut.parse is raw_reply:
            proto.raw_pending += 1

    def _encode_slow(self, proto: RedisProtocol, args: tuple[Any, ...], fut: CommandFuture[Any]) -> None:
        """Arguments hiredis cannot pack: encode in Python, or fail this caller with DataError."""
        try:
            encode_command(args, proto.out)
        except RedisError as exc:
            fut.set_exception(exc)
            return
        except Exception as exc:  # e.g. a non-contiguous memoryview
            fut.set_exception(RedisError(f"cannot encode {_command_name(args[0])}: {exc}"))
            return
        proto.pending.append(fut)
        if fut.parse is raw_reply:
            proto.raw_pending += 1

    # -- waiting for capacity or for the connection ------------------------
    def _enqueue(self, args: tuple[Any, ...], fut: CommandFuture[Any]) -> None:
        proto = self._proto
        queue = self._queue
        if self._fail_fast and proto is not None and not self._has_room(proto):
            self.stats_overloads += 1
            fut.set_exception(
                OverloadError(
                    f"{_command_name(args[0])} refused: {len(proto.pending)} commands in flight "
                    f"(max_inflight={self._max_inflight}) or {len(proto.out)} bytes buffered "
                    f"(max_buffered_bytes={self._max_buffered}); retry later or use overload_policy='wait'"
                )
            )
            return
        limit = self._max_inflight if self._fail_fast else self.options.max_queued
        if len(queue) >= limit:
            self.stats_overloads += 1
            fut.set_exception(
                OverloadError(
                    f"{_command_name(args[0])} refused: {len(queue)} commands already waiting "
                    f"for the connection (limit {limit}); the server is not keeping up or is down"
                )
            )
            return
        fut.payload = args
        queue.append(fut)
        if len(queue) > self.stats_queued_high:
            self.stats_queued_high = len(queue)
        deadline = fut.deadline
        if deadline != NO_DEADLINE and deadline != CUSTOM_DEADLINE:
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)
        if proto is None:
            self._ensure_connecting()

    def _drain(self) -> None:
        """Move waiting commands into the out-buffer while there is room.

        Runs after every read while commands wait, so under a backlog it is
        the hot path: the room checks and the encoding are inlined here.
        """
        proto = self._proto
        queue = self._queue
        if proto is None or not queue or proto.write_paused:
            return
        pending = proto.pending
        room = self._max_inflight - len(pending)
        out = proto.out  # a bytearray: += below extends the protocol's own buffer
        max_buffered = self._max_buffered
        if room <= 0 or len(out) >= max_buffered:
            return
        if not proto.flush_scheduled:
            self._schedule_flush(proto)
        pop = queue.popleft
        append = pending.append
        while queue and room > 0 and len(out) < max_buffered:
            fut = pop()
            args = fut.payload
            fut.payload = None
            if fut.done():
                continue  # cancelled or timed out while waiting: never sent
            try:
                out += _pack(args)  # type: ignore[misc]
            except TypeError:
                self._encode_slow(proto, args, fut)
                room = self._max_inflight - len(pending)
                continue
            append(fut)
            if fut.parse is raw_reply:
                proto.raw_pending += 1
            room -= 1

    # -- timeouts ----------------------------------------------------------
    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._sweep)

    def _sweep(self) -> None:
        """Fail every command past its deadline; re-arm for the next one."""
        self._timer = None
        now = self._loop.time()
        next_deadline = NO_DEADLINE
        custom = self._custom
        while custom and (custom[0][0] <= now or custom[0][2].done()):
            _, _, fut = heapq.heappop(custom)
            if not fut.done():
                self._time_out(fut, None)
        # A command still waiting for capacity was never sent: once it timed out (or its
        # caller gave up) it leaves the queue now, not when replies make room, so a long
        # stall holds at most the commands that can still succeed.
        queue = self._queue
        while queue:
            fut = queue[0]
            if not fut.done():
                deadline = fut.deadline
                if deadline == CUSTOM_DEADLINE or deadline > now:
                    break
                self._time_out(fut, self._default_timeout)
            queue.popleft()
            fut.payload = None
        proto = self._proto
        sources: list[deque[CommandFuture[Any]]] = [queue]
        if proto is not None:
            sources.append(proto.pending)
        for source in sources:
            for fut in source:
                deadline = fut.deadline
                if deadline == CUSTOM_DEADLINE:
                    continue
                if deadline > now:
                    next_deadline = min(next_deadline, deadline)
                    break
                if not fut.done():
                    self._time_out(fut, self._default_timeout)
        if custom:
            next_deadline = min(next_deadline, custom[0][0])
        if next_deadline != NO_DEADLINE:
            self._arm(next_deadline)

    def _time_out(self, fut: CommandFuture[Any], timeout: float | None) -> None:
        self.stats_timeouts += 1
        fut.payload = None
        what = f"after {timeout} s" if timeout is not None else "after its own timeout"
        fut.set_exception(
            TimeoutError(
                f"{_command_name(fut.name)} to {self.options.address} timed out {what}; "
                "its reply, if it comes, will be read and dropped"
            )
        )

    # -- giving memory back -------------------------------------------------
    def _arm_trim(self) -> None:
        """After a write: check again once the connection may have gone idle."""
        self._trim_seen = self.stats_writes
        if self._rss_baseline < 0:
            self._rss_baseline = memory.rss_bytes() or 0
        self._trim_timer = self._loop.call_later(self.options.trim_idle_delay, self._trim_check)

    def _trim_check(self) -> None:
        """Idle for a whole delay after a burst that grew RSS past the threshold: malloc_trim(0)."""
        self._trim_timer = None
        proto = self._proto
        if self.stats_writes != self._trim_seen or self._queue or (proto is not None and proto.pending):
            self._arm_trim()  # still busy: look again one delay later
            return
        rss = memory.rss_bytes()
        if rss is None:
            return
        if rss - self._rss_baseline >= self.options.trim_min_growth:
            memory.trim()
            self.stats_trims += 1
            after = memory.rss_bytes() or rss
            self.stats_trimmed_bytes += max(0, rss - after)
            rss = after
        self._rss_baseline = min(self._rss_baseline, rss) if self.stats_trims else rss

    # -- connecting --------------------------------------------------------
    def _bind_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Every command from now on belongs to ``loop`` (None: bound at the first command)."""
        self._loop = loop  # type: ignore[assignment]
        self._thread_check = _thread_checkable(loop)

    def _ensure_connecting(self) -> None:
        if self._loop is None:
            self._bind_loop(asyncio.get_running_loop())
        if self._connecting is None or self._connecting.done():
            self._connecting = self._loop.create_task(self._connect())

    async def connect(self) -> None:
        """Connect now (commands also connect on demand); raises what the attempt raised."""
        if self._proto is not None:
            return
        self._ensure_connecting()
        assert self._connecting is not None
        task = self._connecting
        await asyncio.shield(task)
        if self._proto is None:
            if self.last_connect_error is not None:
                raise self.last_connect_error
            raise ConnectionError(f"could not connect to {self.options.address}")

    def _backoff(self) -> float:
        options = self.options
        delay = min(options.reconnect_backoff_cap, options.reconnect_backoff_base * 2 ** (self._failures - 1))
        return delay * random.uniform(0.5, 1.0)

    async def _connect(self) -> None:
        options = self.options
        if self._failures:
            await asyncio.sleep(self._backoff())
        opened: list[RedisProtocol] = []
        try:
            await asyncio.wait_for(self._open_and_greet(opened), options.socket_connect_timeout)
        except BaseException as exc:
            self._failures += 1
            self.stats_connect_failures += 1
            for proto in opened:
                proto._owner = None
                proto.close()
            error = self._connect_error(exc)
            self.last_connect_error = error
            self._fail_queue(error)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        proto = opened[0]
        self._failures = 0
        self.last_connect_error = None
        if self.stats_connects:
            self.stats_reconnects += 1
        self.stats_connects += 1
        self._proto = proto
        self._drain()

    def _connect_error(self, exc: BaseException) -> RedisError:
        address = self.options.address
        if isinstance(exc, RedisError):
            return exc
        if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            error: RedisError = TimeoutError(
                f"connecting to {address} timed out after {self.options.socket_connect_timeout} s"
            )
        elif isinstance(exc, asyncio.CancelledError):
            error = ConnectionError(f"connecting to {address} was cancelled (client closed)")
        else:
            error = ConnectionError(f"cannot connect to {address}: {exc}")
        error.__cause__ = exc
        return error

    async def _open_and_greet(self, opened: list[RedisProtocol]) -> None:
        proto = await self._open()
        opened.append(proto)
        await self._handshake(proto)

    async def _open(self) -> RedisProtocol:
        options = self.options
        loop = self._loop
        if self.resolver is not None and options.unix_socket_path is None:
            host, port = await self.resolver()
            if host != options.host or port != options.port:
                # messages, TLS server name and repr follow the address actually used
                options = self.options = dataclasses.replace(options, host=host, port=port)

        def factory() -> RedisProtocol:
            return RedisProtocol(self)

        proto: RedisProtocol = await open_socket(loop, factory, options)
        return proto

    async def _handshake(self, proto: RedisProtocol) -> None:
        """HELLO/AUTH, CLIENT SETNAME and SELECT, pipelined in one write."""
        steps = handshake_steps(self.options)
        if not steps:
            return
        futures = []
        for args, _ in steps:
            fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
            fut.parse = None
            fut.name = args[0]
            fut.deadline = NO_DEADLINE
            self._send(proto, args, fut)
            futures.append(fut)
        results = await asyncio.gather(*futures, return_exceptions=True)
        for (_, label), result in zip(steps, results, strict=True):
            if isinstance(result, BaseException):
                raise handshake_error(self.options, label, result) from None

    def _fail_queue(self, error: RedisError) -> None:
        queue = self._queue
        self._queue = deque()
        for fut in queue:
            fut.payload = None
            if not fut.done():
                err = type(error)(*error.args)
                err.__cause__ = error.__cause__
                fut.set_exception(err)

    def _on_lost(self, proto: RedisProtocol, exc: Exception | None) -> None:
        if self._proto is proto:
            self._proto = None
        if self._queue and not self._closed:
            self._ensure_connecting()

    def drop(self) -> None:
        """Abort the current socket now; the next command connects again (a new address if resolved).

        For an owner that learnt the server is the wrong one (a READONLY reply
        after a failover): commands pending on the socket fail once with
        ConnectionError, as on any lost connection; waiting ones are kept.
        """
        proto = self._proto
        if proto is None:
            return
        self._proto = None  # from here on commands wait for the next connection
        if proto.transport is not None:
            proto.transport.abort()  # connection_lost fails what was pending, then _on_lost reconnects if needed

    # -- closing -----------------------------------------------------------
    async def aclose(self) -> None:
        """Close the socket; every pending and queued command fails once with ConnectionError."""
        self._closed = True
        try:
            if self._connecting is not None and not self._connecting.done():
                self._connecting.cancel()
                try:
                    await self._connecting
                except BaseException:  # the attempt's own error reached its callers already
                    pass
            self._connecting = None
            self._fail_queue(ConnectionError(f"connection to {self.options.address} closed by the client"))
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._trim_timer is not None:
                self._trim_timer.cancel()
                self._trim_timer = None
            self._custom.clear()
            proto = self._proto
            self._proto = None
            if proto is not None:
                proto.flush()
                waiter = proto._lost_waiter
                proto.close()
                try:
                    await asyncio.wait_for(asyncio.shield(waiter), 1.0)
                except asyncio.TimeoutError:
                    if proto.transport is not None:
                        proto.transport.abort()
        finally:
            self._closed = False
