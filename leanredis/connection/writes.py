"""The writing side of a socket: commands encoded into the out-buffer, written once per loop iteration.

``Writes`` is a part of ``RedisProtocol`` (a mixin: it shares the protocol's
state). ``encode`` puts one command (or kept ``Packed`` bytes) behind its
future, ``encode_batch`` a pipeline or a transaction as one unit, and
``flush`` hands the out-buffer to the transport and drops it (release on
send). A connection that may re-send (cluster redirects, retries) keeps each
command's bytes until its reply: ``keep_from_now`` switches that on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ..exceptions import DataError, RedisError
from ..future import NO_DEADLINE, CommandFuture, raw_reply
from ..resp import HIREDIS_AVAILABLE, encode_command
from ..resp.packer import pack

if HIREDIS_AVAILABLE:
    from hiredis import pack_command as _pack
else:  # pragma: no cover - hiredis is a runtime dependency
    _pack = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import asyncio

    from ..budget import MemoryBudget
    from .core import Connection


def command_name(name: Any) -> str:
    """A command's name for messages, at most 32 characters."""
    if isinstance(name, (bytes, bytearray)):
        return bytes(name[:32]).decode("utf-8", "replace")
    return str(name)[:32]


def _command_end(buffer: bytes | bytearray, start: int) -> int:
    """Where the command at ``start`` of an out-buffer ends: ``*N`` then N bulk strings, as we encode them."""
    end = buffer.index(b"\r\n", start)
    count = int(buffer[start + 1 : end])
    position = end + 2
    for _ in range(count):
        end = buffer.index(b"\r\n", position)
        position = end + 2 + int(buffer[position + 1 : end]) + 2
    return position


#: A command already encoded, kept for a redirect or a retry: the very ``bytes`` object that was
#: written, held by reference (no wrapper, no copy); re-sent as these bytes, never encoded again.
#: Nothing else a future carries as its ``payload`` is ``bytes`` (arguments waiting are a tuple, a
#: pipeline a ``Batch``, a send time a float), so ``payload.__class__ is Packed`` tells kept bytes apart.
Packed = bytes


class Batch:
    """Commands encoded together or not at all, nothing between them (a pipeline, MULTI..EXEC): one unit.

    The payload of its future while it waits for room in the connection's queue: the
    commands' ``(args, parse)`` as the pipeline recorded them (not copied) and what goes
    around them (MULTI and EXEC), never encoded bytes.
    """

    __slots__ = ("commands", "around", "release")

    def __init__(
        self, commands: list[tuple[Any, Any]], around: tuple[Any, Any] | None, release: Release | None = None
    ) -> None:
        self.commands = commands
        self.around = around
        # (size, hook): once encoded, hook(positions of the commands encoded longer than size bytes), so
        # that a caller keeping its short commands for messages lets go of the long ones' values
        self.release = release


Release = tuple[int, Callable[[list[int]], None]]

_first = itemgetter(0)
_join = b"".join
# commands packed at a time by _encode_fast: what it holds beyond the out-buffer while it encodes
_CHUNK = 32


def _encode_fast(
    out: bytearray, commands: list[tuple[Any, Any]], size: int, around: tuple[Any, Any] | None
) -> list[int]:
    """A batch's commands appended to ``out`` with no bytecode per command: ``pack`` packs them (``map``), 32 at a
    time, each run of short ones joined into one append. The positions of the commands encoded longer than
    ``size``. Raises what ``_pack`` raises (the caller encodes again, one by one, and says which argument).

    A run that holds a long command is appended piece by piece, so that no more than 32 encoded commands are
    held beside the out-buffer, and a value's bytes are never copied twice into a join.
    """
    if around is not None:
        out += _pack(around[0])  # type: ignore[misc]
    long: list[int] = []
    encoded = map(pack, map(_first, commands))  # two- and three-argument commands by a join, others by hiredis
    base = 0
    while packed := list(islice(encoded, _CHUNK)):
        if max(map(len, packed)) <= size:
            out += _join(packed)
        else:
            for index, data in enumerate(packed, base):
                out += data
                if len(data) > size:
                    long.append(index)
        base += _CHUNK
    if around is not None:
        out += _pack(around[1])  # type: ignore[misc]
    return long


class Writes:
    """The writing half of ``RedisProtocol`` (a mixin: it shares the protocol's state)."""

    _owner: Connection | None
    _loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport | None
    pending: deque[CommandFuture[Any]]
    out: bytearray
    flush_scheduled: bool
    raw_pending: int
    batched: int
    budget: MemoryBudget
    out_room: int
    out_cap: int
    written: int
    writes: deque[tuple[int, int]]
    writes_size: int
    handed: int
    whole_writes: bool
    keep: bool
    kept_bytes: int
    kept_room: int
    out_unkept: int
    kept_writes: deque[tuple[int, int]]
    answered: int
    keep_at_write: bool
    _plain: bool
    _kept_plain: bool
    _encoding: str | None

    def keep_from_now(self) -> None:
        """Keep each command's bytes until its reply from now on (``set_retry`` on a plain connection).

        What is in flight stays as it was sent: unkept (a command kept here has a ``Packed``
        payload, one sent before has None). What the plain fast path encodes from now on has no
        payload at all; ``flush`` keeps its bytes, cut from the out-buffer, as it writes them.
        """
        for fut in self.pending:
            if getattr(fut, "payload", None).__class__ is not Packed:
                fut.payload = None
        self.keep = True
        self.keep_at_write = True
        # what the out-buffer holds was encoded unkept; what is in flight is not counted as kept either
        self.out_unkept = len(self.out)
        self.set_kept_cap(self.kept_now())
        self._plain = False
        self._kept_plain = self._encoding is None

    def _keep_written(self, out: bytearray) -> None:
        """``flush`` of a connection switched to keeping: each command of ``out`` that the plain fast path
        encoded (its future has no payload) is kept, as the keeping fast path would have kept it.

        ``out`` holds the commands of the last ``len(ends)`` pending futures, in order (as
        ``connection_lost`` counts them too). ``flush`` counted their bytes as kept already; their room
        is taken here.
        """
        ends = []
        position = 0
        try:
            while position < len(out):
                position = _command_end(out, position)
                ends.append(position)
        except ValueError:  # not our encoding (cannot happen): nothing kept, each fails as it would have
            return
        pending = self.pending
        first = len(pending) - len(ends)
        if first < 0:
            return
        position = 0
        for index, end in enumerate(ends, first):
            fut = pending[index]
            try:
                fut.payload  # noqa: B018 - set (None, Packed) by every path but the plain fast path
            except AttributeError:
                data = bytes(out[position:end])
                fut.payload = data
                self.kept_room += len(data)
                self.budget.used += len(data)
            position = end

    # -- asyncio.Protocol ----------------------------------------------------------
    def encode(self, args: Any, fut: CommandFuture[Any], check: bool = True) -> int:
        """Encode one command (or re-send ``Packed`` bytes) behind ``fut`` (slow path).

        0 when done: encoded, or ``fut`` failed because an argument cannot be encoded. With
        ``check``, the bytes it would add when they do not fit in what is left of max_memory_bytes
        (nothing encoded, ``fut`` untouched: the caller queues or refuses it).
        """
        if args.__class__ is Packed:
            data = args
        else:
            try:
                data = pack(args)
            except TypeError:
                if args.__class__ is Batch:  # a transaction that waited for room: all of it or none
                    try:
                        return self.encode_batch(args, fut, check)
                    except RedisError as exc:
                        fut.payload = None
                        fut.set_exception(exc)
                        return 0
                scratch = bytearray()
                try:
                    encode_command(args, scratch)
                except Exception as exc:  # DataError for a bad argument; e.g. a non-contiguous memoryview
                    fut.payload = None
                    if not isinstance(exc, RedisError):
                        exc = RedisError(f"cannot encode {command_name(args[0])}: {exc}")
                    fut.set_exception(exc)
                    return 0
                data = bytes(scratch)
        size = len(data)
        keep = self.keep
        budget = self.budget
        # a redirected command waiting in a queue was charged its bytes there: they move, never refused
        charge = getattr(fut, "charge", 0) if budget.queued else 0
        lacks = len(self.out) + size - self.out_room  # the out-buffer's room it would take
        kept_lacks = self.kept_now() + size - self.kept_room if keep else 0  # and the room of its kept copy
        if check and not charge and budget.used + max(lacks, 0) + max(kept_lacks, 0) > budget.limit:
            return size * 2 if keep else size
        self.out += data
        if charge:
            budget.unqueue(fut)
        if lacks > 0:
            self.take_room(force=True)
        if keep:
            if kept_lacks > 0:
                self.kept_room += kept_lacks
                budget.used += kept_lacks
            fut.payload = data  # kept as they are (a re-sent Packed is its own data), counted from the out-buffer
            self.set_kept_cap(self.kept_now())
        else:
            fut.payload = None
        self.pending.append(fut)
        if fut.parse is raw_reply:
            self.raw_pending += 1
        return 0

    def encode_batch(self, batch: Batch, unit: CommandFuture[Any], check: bool = False) -> int:
        """Encode every command of ``batch`` (between its ``around``), in order, nothing between; ``unit``
        (its parse a ``Collect``) stands for them all.

        All or nothing: an argument that cannot be encoded removes what this batch added and
        raises ``DataError`` (``unit`` is the caller's to fail). A batch is never redirected
        nor sent again: nothing of it is kept. With ``check``, a batch that does not fit in what
        is left of max_memory_bytes is removed too and its size returned (0 when encoded).
        """
        out = self.out
        start = len(out)
        around = batch.around
        release = batch.release
        size = release[0] if release is not None else 1 << 62
        long: list[int] | None
        try:
            long = _encode_fast(out, batch.commands, size, around)
        except Exception:  # an argument hiredis does not take (bytearray, a bool): again, one by one
            del out[start:]
            long = None
        if long is None:
            long = []
            index = 0
            try:
                if around is not None:
                    out += _pack(around[0])  # type: ignore[misc]
                for args, _ in batch.commands:
                    try:
                        data = _pack(args)  # type: ignore[misc]
                    except TypeError:
                        scratch = bytearray()
                        encode_command(args, scratch)
                        data = scratch
                    out += data
                    if len(data) > size:
                        long.append(index)
                    index += 1
                if around is not None:
                    out += _pack(around[1])  # type: ignore[misc]
            except Exception as exc:
                del out[start:]
                if isinstance(exc, RedisError):
                    raise
                raise DataError(f"cannot encode a command of the batch: {exc}") from exc
        if len(out) > self.out_room and not self.take_room(force=not check):
            size = len(out) - start
            del out[start:]
            return size
        unit.payload = None
        if self.keep:
            self.out_unkept += len(out) - start  # a batch is never kept: its bytes are not kept bytes
        if release is not None:
            release[1](long)
        self.collect(unit, len(batch.commands) + (2 if around is not None else 0))
        return 0

    def request(self, args: tuple[Any, ...]) -> CommandFuture[Any]:
        """Encode one handshake command; the future resolves to its raw reply (errors raised)."""
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        fut.parse = None
        fut.name = args[0]
        fut.deadline = NO_DEADLINE
        fut.payload = None
        size = len(self.out)
        self.encode(args, fut, check=False)  # the handshake: never refused (a few hundred bytes)
        if self.keep:
            # a handshake step is never redirected nor sent again: its error is the connect's
            self.out_unkept += len(self.out) - size
            self._release_kept(fut)
            self._answered(0)  # nothing answered: the room beyond what is kept goes back
        return fut

    def flush(self) -> None:
        """Write everything encoded this loop iteration in one call, then drop it."""
        self.flush_scheduled = False
        out = self.out
        if not out or self.transport is None:
            return
        self.out = bytearray()
        transport = self.transport
        transport.write(out)
        # the out-buffer's room is given back, and what the transport kept of the write is charged (see
        # ``writes``): once per write, not per command
        self.budget.used -= self.out_room
        self.out_room = self.out_cap = 0
        size = len(out)
        if self.keep:  # the kept commands of this write, counted until its last one is answered (see _answered)
            kept = size - self.out_unkept
            self.out_unkept = 0
            if kept:
                self.kept_bytes += kept
                self.kept_writes.append((self.answered + len(self.pending), kept))
        self.handed += size
        if self.written or transport.get_write_buffer_size():
            if self.whole_writes:
                self.writes.append((self.handed, size))
                self.writes_size += size
            self._sync_written()
        if self.keep_at_write:
            self._keep_written(out)
        owner = self._owner
        if owner is not None:
            owner.stats_writes += 1
            owner.stats_bytes_out += size
            if owner._overload_logged and not owner._queue:
                owner._overload_logged = False  # the episode is over: the next refusal is logged again
            watchdog = owner.watchdog
            if watchdog is not None and not watchdog.armed:
                watchdog.poke()
            inflight = len(self.pending) + self.batched
            if inflight > owner.stats_inflight_high:
                owner.stats_inflight_high = inflight
            trim = owner.trim
            if trim is not None and trim.timer is None:  # not ``armed``: a property is a call per write
                trim.poke()

    if TYPE_CHECKING:  # provided by RedisProtocol and Replies

        def take_room(self, force: bool = False) -> bool: ...
        def set_kept_cap(self, kept: int) -> None: ...
        def _answered(self, count: int) -> None: ...
        def kept_now(self) -> int: ...
        def _sync_written(self) -> None: ...
        def collect(self, fut: CommandFuture[Any], commands: int) -> None: ...
        def _release_kept(self, fut: CommandFuture[Any]) -> Packed | None: ...
