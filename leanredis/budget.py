"""One memory budget per client: every byte it holds for its callers, charged to ``max_memory_bytes``.

``MemoryBudget.used`` is the one figure the bound is checked against. Each
holder adds what it takes and subtracts what it gives back, as plain integer
arithmetic where it already does its work (DESIGN.md rule 8): the out-buffer
per encoded command, kept bytes per kept command, a reply from its header on
(per read), a redirected command's bytes while it waits in a queue, a pub/sub
message per message, a cache entry per entry and a fixed overhead per open
socket.

What the client adds is charged, not what its callers made. A caller, in flight
or waiting, is bounded by count (``max_inflight``, ``max_queued``), not by
bytes: the client holds its future and references to its arguments, which are
the caller's own objects (4,000 callers passing one 256 KB value hold one value,
not 4,000). Its command is charged when encoded, and encoded only when it fits
in what is left; until then, under ``overload_policy="wait"``, it waits in the
queue in order (a waiting command is encoded once to learn its size; the bytes
are dropped at once when they do not fit), and under ``"fail"`` it is refused
with ``OverloadError``. A command larger than the whole budget can never fit and
is refused with ``DataError`` under both policies. The parts that are not on the hot path have a
counter of their own here; the out-buffer and the kept bytes are summed from
the live sockets (``protocols``) when ``parts()`` is asked, so that a part
charged and never given back shows as ``used`` differing from the parts' sum.

This module imports nothing of leanredis: the connection, pool, pub/sub and
cache layers all hold the same object (it rides on ``ConnectionOptions``).
"""

from __future__ import annotations

from typing import Any

# One open socket as the process holds it besides its buffers: the socket object, the asyncio
# transport and its bookkeeping, our protocol object, its deque, the reader (hiredis allocates its
# 16 KiB buffer up front) and the kernel's socket object is not counted. Measured with RSS, CPython
# 3.11 + hiredis 3, 400 connections opened and handshaken against a local server: about 20 KiB each
# (tests/integration/test_budget.py measures it again); charged above it.
CONNECTION_OVERHEAD = 32 * 1024

# the most an out-buffer takes of max_memory_bytes beyond what it holds, so that a loop iteration's commands
# compare lengths and need no call (``RedisProtocol.take_room``); given back at the write
ROOM_STEP = 1024 * 1024

# with less than this left of max_memory_bytes and a message queued, a pub/sub "pause" stops reading
# its socket before the next message is built (a message larger than this may pass the budget by its size)
PAUSE_MARGIN = 64 * 1024

DEFAULT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024

# the parts of stats()["memory"], in this order
PARTS = ("buffered", "kept", "queued", "replies", "pubsub", "cache", "connections")


def held_size(value: Any) -> int:
    """About what CPython holds for a decoded reply (a pub/sub message): its objects, recursively."""
    cls = value.__class__
    if cls is bytes or cls is str:
        return 40 + len(value) + (0 if cls is bytes else 17)
    if isinstance(value, (list, tuple)):  # a RESP3 Push is a list
        return 64 + 8 * len(value) + sum(held_size(item) for item in value)
    if cls is dict:
        return 232 + 40 * len(value) + sum(held_size(k) + held_size(v) for k, v in value.items())
    return 64


class MemoryBudget:
    """``max_memory_bytes`` and what is charged to it now; see the module docstring."""

    __slots__ = (
        "limit", "max_bytes", "used", "queued", "replies", "pubsub", "cache", "connections", "written", "protocols",
        "refusals", "high", "waiting",
    )

    def __init__(self, limit: int) -> None:
        # ``limit`` is what every check compares against: max_memory_bytes less what reads paused for memory
        # reserved (``Replies._wait_to_read``), so that nothing else takes what is given back before them;
        # ``max_bytes`` is max_memory_bytes itself, for reports
        self.limit = limit
        self.max_bytes = limit
        self.used = 0
        # the parts charged off the hot path, each also in ``used``
        self.queued = 0
        self.replies = 0
        self.pubsub = 0
        self.cache = 0
        self.connections = 0
        self.written = 0  # handed to a transport and not yet taken by the kernel (part of "buffered")
        # the open sockets, for the parts charged on the hot path (out-buffer, kept bytes): summed when asked
        self.protocols: set[Any] = set()
        self.refusals = 0  # commands, replies and messages refused or held back for want of budget
        self.high = 0  # the highest ``used`` seen by ``parts()`` callers and refusals
        # connections whose first waiting command did not fit: drained when memory is given back
        self.waiting: set[Any] = set()

    def __repr__(self) -> str:
        return f"<MemoryBudget used={self.used} limit={self.max_bytes}>"

    @property
    def left(self) -> int:
        """Bytes that may still be charged."""
        return self.limit - self.used

    def fits(self, size: int) -> bool:
        """Would ``size`` more bytes stay within the limit."""
        return self.used + size <= self.limit

    def charge_queued(self, size: int) -> None:
        self.used += size
        self.queued += size

    def unqueue(self, fut: Any) -> None:
        """``fut`` left the queue (encoded, failed, given up): the charge of its bytes is given back."""
        charge = getattr(fut, "charge", 0)
        if charge:
            fut.charge = 0
            self.used -= charge
            self.queued -= charge

    def unqueue_all(self, futures: Any) -> None:
        if self.queued:
            for fut in futures:
                self.unqueue(fut)

    def charge_pubsub(self, size: int) -> None:
        self.used += size
        self.pubsub += size
        if size < 0 and self.waiting:
            self.wake()

    def charge_cache(self, size: int) -> None:
        self.used += size
        self.cache += size
        if size < 0 and self.waiting:
            self.wake()

    def wake(self) -> None:
        """Memory was given back: every connection whose first waiting command did not fit tries again."""
        waiting = self.waiting
        self.waiting = set()
        for connection in waiting:
            connection._drain()  # puts itself back in ``waiting`` when its first command still does not fit

    def refused(self) -> None:
        self.refusals += 1
        if self.used > self.high:
            self.high = self.used

    def parts(self) -> dict[str, int]:
        """What is charged now, by part (bytes); their sum is ``used`` (``stats()["memory_bytes"]``)."""
        out = kept = 0
        for proto in self.protocols:
            out += proto.out_room
            kept += proto.kept_room  # the kept bytes and the room their connection took ahead of them
        if self.used > self.high:
            self.high = self.used
        return {
            "buffered": out + self.written,
            "kept": kept,
            "queued": self.queued,
            "replies": self.replies,
            "pubsub": self.pubsub,
            "cache": self.cache,
            "connections": self.connections,
        }

    def stats(self) -> dict[str, Any]:
        """``stats()``'s figures of the budget: ``memory`` (the parts), ``memory_bytes``, the limit."""
        return {
            "memory": self.parts(),
            "memory_bytes": self.used,
            "max_memory_bytes": self.max_bytes,
            "memory_high_bytes": self.high,
            "memory_refusals": self.refusals,
        }
