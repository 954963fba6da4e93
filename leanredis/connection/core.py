"""``Connection``: one multiplexed connection to one server, with bounds, timeouts and reconnect.

``execute(args, parse)`` returns a ``CommandFuture`` at once. The connection
owns at most one live ``RedisProtocol`` (one socket); the first command of a
loop iteration schedules one ``transport.write`` for every command encoded in
it (automatic pipelining). Past the protocol's room check a command waits in
the queue (``queue.py``); timeouts are ``deadlines.py``, the sweep and a
call's own timeout ``timed.py``; sockets come from the ``Dialer``,
connecting and closing is ``lifecycle.py``; the loop it belongs to
``loops.py``; giving memory back is ``memory.IdleTrim``.

Its owner may also ask for:

- pushes: ``on_push(message)`` is called for every RESP3 push, in order with
  the replies around it (client-side caching invalidations);
- redirects: a connection built with ``keeps_commands=True`` keeps each
  command's encoded bytes until its reply (counted in ``max_buffered_bytes``)
  and calls ``on_redirect(future, error, packed)`` for an error reply;
  returning True means the owner took the caller's own future over, usually
  with ``other_connection.resend(future, packed)``.

This module knows nothing of command names beyond what it is handed.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from ..exceptions import OverloadError, RedisError
from ..future import NO_DEADLINE, CommandFuture, raw_reply
from ..memory import IdleTrim, MemoryWatchdog
from ..options import ConnectionOptions
from ..resp.packer import pack
from .deadlines import PerCallDeadlines
from .dialer import Backoff, Dialer, Resolver
from .late import LateReplies
from .lifecycle import Lifecycle
from .loops import LoopBinding, _running_loop, thread_checkable  # noqa: F401 - thread_checkable: importable from here too
from .packing import Packing
from .protocol import Batch, Collect, Packed, RedisProtocol, Release, _pack
from .queue import WaitQueue
from .timed import TimedCalls, check_timeout  # noqa: F401 - check_timeout: importable from here too
from .timeouts import StagesOf

_get_running_loop = asyncio._get_running_loop  # the C fast path: None outside a loop, never raises
_get_ident = threading.get_ident

ParseT = Callable[[Any], Any] | None
Redirect = Callable[[CommandFuture[Any], RedisError, Packed], bool]


class Connection(WaitQueue, LateReplies, Lifecycle, StagesOf, Packing, TimedCalls, LoopBinding):
    """A multiplexed connection with reconnect: the unit a client, pool or cluster node owns."""

    def __init__(
        self,
        options: ConnectionOptions,
        loop: asyncio.AbstractEventLoop | None = None,
        keeps_commands: bool = False,
    ) -> None:
        self.dialer = Dialer(options)
        self.budget = options.memory_budget  # max_memory_bytes: one object for every connection of the client
        self.backoff = Backoff(options.reconnect_backoff_base, options.reconnect_backoff_cap, options.connect_backoff)
        self.keeps_commands = keeps_commands
        self.keeps_at_write = False  # keeping since keep_from_now(): see there
        # may be built outside a loop (redis-py allows it): bound at the first command
        self._loop: asyncio.AbstractEventLoop
        self._thread_check = False
        self._bound_thread = 0
        self._is_running: Callable[[], bool] = bool
        self.trim: IdleTrim | None = None
        self._bind_loop(loop or _running_loop())
        self._proto: RedisProtocol | None = None
        self._queue: deque[CommandFuture[Any]] = deque()
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0  # the timer's when() while it is not None (_arm): a write compares, not calls
        self._per_call = PerCallDeadlines()
        # commands waiting out a retry's backoff (resend_later): failed by aclose, never sent after it
        self._resends: dict[CommandFuture[Any], asyncio.TimerHandle] = {}
        self._tick_deadline = NO_DEADLINE
        self._default_timeout = options.socket_timeout
        self._fail_fast = options.overload_policy == "fail"
        # how many may wait for room or a socket (read per queued command: not through the options property)
        self._queue_limit = options.max_inflight if self._fail_fast else options.max_queued
        # the first waiting command when it did not fit in max_memory_bytes, and the bytes it needs
        self._budget_head = None
        self._budget_need = 0
        self._retried = 0  # connect attempts the waiting commands have been through
        if keeps_commands:
            self.execute = self._execute_keeping  # type: ignore[method-assign]
        self.on_push: Callable[[Any], None] | None = None
        self.on_redirect: Redirect | None = None
        # a keeping connection's commands pending on a lost socket: True when the owner took one over
        self.on_lost_command: Redirect | None = None
        # told when a socket is adopted and when it is lost (client-side caching empties itself)
        self.on_connect: Callable[[], None] | None = None
        self.on_disconnect: Callable[[], None] | None = None
        self.last_connect_error: RedisError | None = None
        # plain-int counters: stats() reads them
        self.stats_connects = 0
        self.stats_reconnects = 0
        self.stats_connect_failures = 0
        self.stats_timeouts = 0
        self.stats_overloads = 0
        self.stats_writes = 0
        self.stats_pushes = 0
        self.stats_push_decode_errors = 0
        self.stats_protocol_errors = 0
        self.stats_inflight_high = 0
        self.stats_queued_high = 0
        self.stats_late_drops = 0
        self.stats_bytes_in = 0  # of sockets already closed; bytes_in adds the live one's
        self.watchdog: MemoryWatchdog | None = None  # memory_warning_bytes (set by the client)
        self.stats_bytes_out = 0
        self._overload_logged = False
        # a given-up command whose reply is still owed, weakly: once its reply came, nothing may keep
        # it (its exception's traceback holds its caller's frames) until the next timer check
        self._late_head: weakref.ref[CommandFuture[Any]] | None = None
        self._late_since = 0.0
        self._late_watch = False

    def __repr__(self) -> str:
        state = "connected" if self._proto is not None else ("connecting" if self._connecting else "idle")
        return (
            f"<Connection {self.options.address} {state} inflight={self.inflight} "
            f"queued={len(self._queue)} buffered={self.buffered_bytes}>"
        )

    @property
    def options(self) -> ConnectionOptions:
        """How this connection reaches and bounds its server (the dialer's: a resolver may move it)."""
        return self.dialer.options

    @options.setter
    def options(self, options: ConnectionOptions) -> None:
        self.dialer.options = options
        self.budget = options.memory_budget
        self._queue_limit = options.max_inflight if options.overload_policy == "fail" else options.max_queued

    @property
    def resolver(self) -> Resolver | None:
        """Where to connect, asked at every (re)connect (Sentinel); None: the options' host and port."""
        return self.dialer.resolver

    @resolver.setter
    def resolver(self, resolver: Resolver | None) -> None:
        self.dialer.resolver = resolver

    # -- observable state ------------------------------------------------
    @property
    def inflight(self) -> int:
        """Commands sent (or encoded to send) whose reply has not been read yet."""
        proto = self._proto
        return proto.inflight if proto is not None else 0

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
    def kept_bytes(self) -> int:
        """Encoded commands kept for a possible redirect (``keeps_commands``), until their replies."""
        proto = self._proto
        return proto.kept_now() if proto is not None else 0

    @property
    def raw_replies_pending(self) -> int:
        """Replies owed that must skip ``decode_responses`` (DUMP): 0 once they arrived."""
        proto = self._proto
        return proto.raw_pending if proto is not None else 0

    @property
    def bytes_in(self) -> int:
        """Bytes read from the server, every socket of this connection's life."""
        proto = self._proto
        return self.stats_bytes_in + (proto.bytes_in if proto is not None else 0)

    @property
    def timed_calls(self) -> int:
        """Commands with a timeout of their own still waiting for their reply."""
        return len(self._per_call)

    @property
    def timed_calls_held(self) -> int:
        """Entries the per-call deadline heap holds (bounded by 2 x ``timed_calls`` + a constant)."""
        return self._per_call.held

    @property
    def is_connected(self) -> bool:
        """True while a handshaken socket is open."""
        return self._proto is not None

    @property
    def stats_trims(self) -> int:
        return self.trim.trims if self.trim is not None else 0

    @property
    def stats_trimmed_bytes(self) -> int:
        return self.trim.trimmed_bytes if self.trim is not None else 0

    # -- the hot path ----------------------------------------------------
    def execute(self, args: tuple[Any, ...], parse: ParseT = None) -> CommandFuture[Any]:
        """Send one command (a tuple of arguments); the future resolves to its parsed reply."""
        loop = self._loop
        if loop is None or (
            loop._thread_id != _get_ident()  # type: ignore[attr-defined]
            if self._thread_check
            else self._bound_thread != _get_ident() or not self._is_running()
        ):  # first command, outside any loop, a new loop
            return self._unbound(args, parse, None, False)  # type: ignore[no-any-return]
        fut: CommandFuture[Any] = CommandFuture(loop=loop)
        fut.parse = parse
        fut.name = args[0]
        proto = self._proto
        # RedisProtocol.has_room() inlined (a call costs ~25 bytecodes, 2% of a GET): this connection keeps
        # no bytes (a keeping one runs _execute_keeping), so kept_bytes is 0 here;
        # tests/unit/test_connection_parts.py checks this admission against has_room(). The bytes bounds
        # are checked after encoding, in one length compare: out_cap is the least of max_buffered_bytes
        # and the room of max_memory_bytes the out-buffer holds; past it, _make_room() admits the command
        # (the buffer was under max_buffered_bytes before it, and the budget gives more room) or it comes
        # out again and waits or fails. Nothing more per command than before the budget
        if (
            proto is not None
            and not self._queue
            and len(proto.pending) < proto.max_inflight
            and not proto.write_paused
        ):
            if not proto.flush_scheduled:
                self._schedule_flush(proto)
            fut.deadline = self._tick_deadline
            out = proto.out  # a local: the in-place add and the length need no attribute store or load
            try:
                out += pack(args)
            except TypeError:
                if len(out) >= proto.max_buffered:
                    self._wait_for_room(args, fut)
                else:
                    self._encode_or_wait(proto, args, fut)
                return fut
            if len(out) > proto.out_cap and not self._make_room(proto, args, fut):
                return fut
            proto.pending.append(fut)
            if parse is raw_reply:
                proto.raw_pending += 1
            return fut
        # no room or no socket: waits, timed from now (inline: a flood passes here for every command)
        timeout = self._default_timeout
        fut.deadline = NO_DEADLINE if timeout is None else loop.time() + timeout
        self._enqueue(args, fut)
        return fut

    def _wait_for_room(self, args: Any, fut: CommandFuture[Any]) -> None:
        """No room (or no socket) now: the command waits, timed by the default timeout from now."""
        fut.deadline = NO_DEADLINE if self._default_timeout is None else self._loop.time() + self._default_timeout
        self._enqueue(args, fut)

    def _make_room(self, proto: RedisProtocol, args: Any, fut: CommandFuture[Any]) -> bool:
        """The command just encoded (last in the out-buffer) took it past ``out_cap`` (slow path: once per
        loop iteration while the budget gives room). True when it stays: the buffer was under
        max_buffered_bytes before it, and it is within the room held or ``take_room`` gives more. Else it
        comes out again and waits for room under max_buffered_bytes, or for memory (``_no_memory``)."""
        out = proto.out
        size = 0
        if len(out) > proto.max_buffered:
            size = len(_pack(args))  # type: ignore[misc]
            if len(out) - size >= proto.max_buffered:
                del out[len(out) - size :]
                self._wait_for_room(args, fut)
                return False
        if len(out) <= proto.out_room or proto.take_room():
            return True
        size = size or len(_pack(args))  # type: ignore[misc]
        del out[len(out) - size :]
        self._no_memory(args, fut, size)
        return False

    def _no_memory(self, args: Any, fut: CommandFuture[Any], size: int, timed: bool = False) -> None:
        """``fut``'s command takes ``size`` bytes encoded, more than is left of max_memory_bytes (slow path):
        refused (``_over_budget``), or it waits first in the queue until memory is given back. ``timed``:
        its deadline is its own (``execute_with_timeout``), else the default timeout from now."""
        if self._over_budget(args, fut, size):
            return
        if timed:
            self._enqueue(args, fut)
        else:
            self._wait_for_room(args, fut)
        queue = self._queue
        if queue and queue[0] is fut:
            self._wait_for_memory(fut, size)

    def _encode_or_wait(self, proto: RedisProtocol, args: Any, fut: CommandFuture[Any], timed: bool = False) -> None:
        """Encode ``fut``'s command now if it fits in max_memory_bytes, else ``_no_memory`` (slow path)."""
        size = proto.encode(args, fut)
        if size:
            self._no_memory(args, fut, size, timed)

    def _execute_keeping(self, args: tuple[Any, ...], parse: ParseT = None) -> CommandFuture[Any]:
        """``execute`` of a connection that keeps each command's bytes until its reply, for a redirect:
        a cluster node's hot path. As ``execute``, ``has_room()`` is checked after encoding: the out-buffer
        within its room of max_memory_bytes, the kept bytes within theirs (``kept_room``) and both under
        max_buffered_bytes, in one length compare against ``out_cap`` (``set_kept_cap``); past it,
        ``_keep_room`` decides as ``has_room()`` would (a unit test holds the two equal) and takes more room."""
        loop = self._loop
        if loop is None or (
            loop._thread_id != _get_ident()  # type: ignore[attr-defined]
            if self._thread_check
            else self._bound_thread != _get_ident() or not self._is_running()
        ):
            return self._unbound(args, parse, None, False)  # type: ignore[no-any-return]
        fut: CommandFuture[Any] = CommandFuture(loop=loop)
        fut.parse = parse
        fut.name = args[0]
        proto = self._proto
        if proto is not None and not self._queue and len(proto.pending) < proto.max_inflight and not proto.write_paused:
            try:
                data = pack(args)
            except TypeError:  # arguments hiredis cannot pack: encoded in Python, or this caller's DataError
                if len(proto.out) + proto.kept_now() >= proto.max_buffered:
                    self._wait_for_room(args, fut)
                    return fut
                if not proto.flush_scheduled:
                    self._schedule_flush(proto)
                fut.deadline = self._tick_deadline
                self._encode_or_wait(proto, args, fut)
                return fut
            out = proto.out  # a local: the in-place add and the length need no attribute store or load
            out += data  # kept bytes: counted from the out-buffer, then per write (RedisProtocol.kept_now)
            if len(out) > proto.out_cap and not self._keep_room(proto, data, args, fut):
                return fut
            if not proto.flush_scheduled:
                self._schedule_flush(proto)  # sets this iteration's deadline
            fut.deadline = self._tick_deadline
            fut.payload = data  # the bytes object itself, kept by reference (Packed is bytes)
            proto.pending.append(fut)
            if parse is raw_reply:
                proto.raw_pending += 1
            return fut
        self._wait_for_room(args, fut)
        return fut

    def _keep_room(self, proto: RedisProtocol, data: bytes, args: Any, fut: CommandFuture[Any]) -> bool:
        """The kept command just encoded (``data``, last in the out-buffer, its copy counted in the kept bytes)
        took the out-buffer past ``out_cap`` (slow path: about once per loop iteration). True when it
        stays: within both rooms and under max_buffered_bytes (the cap is the least of what the three allow
        for commands to come), or both copies were under max_buffered_bytes before it and the room of
        max_memory_bytes they lack is taken. Else it comes out again and waits for room, or for memory."""
        out = proto.out
        buffered = len(out)
        size = len(data)
        kept = proto.kept_bytes + buffered - proto.out_unkept  # proto.kept_now() inlined: this connection keeps
        if buffered <= proto.out_room and kept <= proto.kept_room and buffered + kept <= proto.max_buffered:
            proto.set_kept_cap(kept)
            return True
        if buffered + kept - size - size >= proto.max_buffered:
            del out[len(out) - size :]
            self._wait_for_room(args, fut)
            return False
        if proto.take_kept_room(kept):
            return True
        del out[len(out) - size :]
        self._no_memory(args, fut, size + size)
        return False

    def keep_from_now(self) -> None:
        """Keep each command sent from now on until its reply, as ``keeps_commands=True`` does from the start.

        ``set_retry`` asks it of a client made without ``retry=``. Commands in flight keep their
        mode. Callers that took ``execute`` before (a client's ``_send``, its wrappers) still run the
        plain fast path: their commands are kept when written (``RedisProtocol.keep_from_now``), and
        the plain path's admission does not count kept bytes, so ``max_inflight`` bounds those.
        """
        if self.keeps_commands:
            return
        self.keeps_commands = True
        self.keeps_at_write = True
        self.execute = self._execute_keeping  # type: ignore[method-assign]
        if self._proto is not None:
            self._proto.keep_from_now()

    def _submit(self, args: Any, fut: CommandFuture[Any]) -> None:
        proto = self._proto
        if proto is not None and not self._queue and proto.has_room():
            self._send(proto, args, fut)
        else:
            self._enqueue(args, fut)

    def execute_batch(
        self,
        commands: list[tuple[tuple[Any, ...], Any]],
        around: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None,
        wait: bool = True,
        release: Release | None = None,
    ) -> CommandFuture[list[Any]] | None:
        """Send ``commands`` (``(args, parse)`` pairs; the parsers are the caller's) together, in order,
        nothing in between, between the two of ``around`` if given (MULTI, EXEC): one unit for the bounds.

        One future stands for them all (a ``Collect``): it resolves to the list of their replies,
        ``around``'s included, an error reply a ``ResponseError`` value in its place and a reply
        that cannot be decoded a ``UnicodeDecodeError``. The batch is admitted as a single command
        is (``has_room()``: under ``max_inflight`` and ``max_buffered_bytes`` before it, writable,
        nobody waiting ahead), so it may pass the bounds by its own size only; its replies count
        in flight one each. Without room it waits in the queue as one unit, its arguments kept, not
        encoded (one place of ``max_queued``; ``wait=False``: None instead), or under
        ``overload_policy="fail"`` raises ``OverloadError`` at once. A timeout, a connect failure or
        a refusal while it waits fails its future, and nothing of it is sent. All or nothing: an
        argument that cannot be encoded raises ``DataError`` (when it waited: the future's error)
        before a byte of the batch is written. None, with nothing sent, when not connected (the
        caller connects) or outside any running loop. ``release``: see ``protocol.Batch``.
        """
        loop = self._loop
        if loop is not _get_running_loop():
            running = _running_loop()
            if running is None:
                return None
            self._adopt_loop(running)
            loop = running
        proto = self._proto
        if proto is None:
            return None
        batch = Batch(commands, around, release)
        fut: CommandFuture[list[Any]] = CommandFuture(loop=loop)
        count = len(commands) + (2 if around is not None else 0)
        fut.parse = Collect(count)
        fut.name = f"batch of {count} commands" + (" (MULTI..EXEC)" if around is not None else "")
        fut.payload = None
        size = 0
        if not self._queue and proto.has_room():
            if not proto.flush_scheduled:
                self._schedule_flush(proto)
            fut.deadline = self._tick_deadline
            size = proto.encode_batch(batch, fut, check=True)
            if not size:
                return fut
            # not within max_memory_bytes: refused, or first in the queue until memory is given back
            if self._over_budget(batch, fut, size):
                return fut
        if not wait:
            return None
        if self._fail_fast and not proto.has_room():
            self._overloaded()
            raise OverloadError(
                f"{fut.name} refused: {proto.inflight} commands in flight "
                f"(max_inflight={self.options.max_inflight}) or {len(proto.out) + proto.kept_now()} bytes buffered "
                f"(max_buffered_bytes={proto.max_buffered}); retry later or use overload_policy='wait'"
            )
        timeout = self._default_timeout
        fut.deadline = NO_DEADLINE if timeout is None else loop.time() + timeout
        self._enqueue(batch, fut)
        if fut.payload is batch:  # waiting (not refused): a caller that gives up frees its place at once
            fut.add_done_callback(self._batch_given_up)
            if size and self._queue[0] is fut:
                self._wait_for_memory(fut, size)
        return fut

    def _batch_given_up(self, unit: CommandFuture[Any]) -> None:
        """A waiting batch's unit completed while still queued (its caller gave up): out of the queue now.

        Its arguments and its place in ``max_queued`` are freed now, not when the server
        comes back. Once encoded, or failed by the queue itself, its payload is None already.
        """
        if unit.payload.__class__ is Batch:
            unit.payload = None
            self._queue.remove(unit)
            self.budget.unqueue(unit)

    def _schedule_flush(self, proto: RedisProtocol) -> None:
        """First command of a loop iteration: one write later (one callback writes every connection of the loop
        that asked, ``flusher.py``), one deadline for all."""
        proto.flush_scheduled = True
        flusher = self._flusher
        if not flusher.scheduled:
            self._loop.call_soon(self._flush_all)
            flusher.scheduled = True
        flusher.protos.append(proto)
        if self._default_timeout is not None:
            deadline = self._tick_deadline = self._loop.time() + self._default_timeout
            if self._timer is None or self._timer_when > deadline:
                self._arm(deadline)

    def _send(self, proto: RedisProtocol, args: Any, fut: CommandFuture[Any]) -> None:
        """Encode one command into the out-buffer (slow path: queued, timed or redirected commands)."""
        if not proto.flush_scheduled:
            self._schedule_flush(proto)
        self._encode_or_wait(proto, args, fut, timed=True)
