"""Per-call deadlines: which commands have timed out, and when to look next. No I/O, no clock.

A connection has two kinds of timeouts (DESIGN.md, rule 3):

- the default ``socket_timeout``: one deadline per loop iteration, shared by
  every command encoded in it, kept on the future itself. Commands are sent
  in order, so their deadlines are in order too: ``expired_in_order`` walks
  the head of a FIFO and stops at the first one still in time;
- a call's own timeout (``with_timeout``): deadlines in any order, kept in a
  heap here (``PerCallDeadlines``).

An answered command must not stay referenced by the heap until its deadline
(a 30 s timeout at 100k commands/s would pin 3 million futures and their
replies). Each entry lets go of its future when the future completes (a
done callback, on this slow path only), and the heap is compacted once it
holds more than twice the live entries, so it is bounded by what is still
pending.

The caller passes ``now``: tests drive it with a fake clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from ..future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture

# Compaction is amortised: the heap may hold this many released entries at least before it runs.
COMPACT_SLACK = 64


class _Entry:
    """One per-call deadline; ``fut`` is None once the command was answered or given up."""

    __slots__ = ("when", "seq", "fut", "_owner", "timeout")

    def __init__(
        self, when: float, seq: int, fut: CommandFuture[Any], owner: PerCallDeadlines, timeout: float | None
    ) -> None:
        self.when = when
        self.seq = seq
        self.timeout = timeout  # for the TimeoutError's message and stages (None: not known)
        self.fut: CommandFuture[Any] | None = fut
        self._owner: PerCallDeadlines | None = owner

    def __lt__(self, other: _Entry) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)

    def release(self, _fut: Any = None) -> None:
        """The future completed (a done callback): forget it now, not at its deadline."""
        if self.fut is not None:
            self.fut = None
            owner = self._owner
            if owner is not None:
                owner._live -= 1
        self._owner = None


class PerCallDeadlines:
    """A heap of (deadline, future) for calls with their own timeout, bounded by what is pending."""

    __slots__ = ("_heap", "_seq", "_live")

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._seq = 0
        self._live = 0

    def __len__(self) -> int:
        """Commands with a deadline here that are still waiting for their reply."""
        return self._live

    @property
    def held(self) -> int:
        """Entries in the heap, released ones included (at most 2 x live + COMPACT_SLACK)."""
        return len(self._heap)

    def add(self, when: float, fut: CommandFuture[Any], timeout: float | None = None) -> None:
        """Time ``fut`` out at ``when`` unless it completes first (``timeout``: how long it was given)."""
        heap = self._heap
        if len(heap) >= 2 * self._live + COMPACT_SLACK:
            self._compact()
        self._seq += 1
        entry = _Entry(when, self._seq, fut, self, timeout)
        self._live += 1
        heapq.heappush(heap, entry)
        fut.add_done_callback(entry.release)

    def take(self, fut: CommandFuture[Any]) -> tuple[float, float | None] | None:
        """``fut``'s deadline and timeout, forgotten here (its command moves to another connection); None if absent.

        A search of the heap: only redirected commands with a timeout of their own come here.
        """
        for entry in self._heap:
            if entry.fut is fut:
                found = (entry.when, entry.timeout)
                entry.release()
                return found
        return None

    def next_deadline(self) -> float:
        """The earliest deadline of a command still pending (NO_DEADLINE: none)."""
        heap = self._heap
        while heap and heap[0].fut is None:
            heapq.heappop(heap)
        return heap[0].when if heap else NO_DEADLINE

    def expired(self, now: float) -> list[CommandFuture[Any]]:
        """Pop and return the pending futures whose deadline is ``now`` or earlier."""
        return [fut for fut, _, _ in self.expired_timed(now)]

    def expired_timed(self, now: float) -> list[tuple[CommandFuture[Any], float, float | None]]:
        """``expired``, each future with its deadline and the timeout it was given."""
        heap = self._heap
        late: list[tuple[CommandFuture[Any], float, float | None]] = []
        while heap and (heap[0].fut is None or heap[0].when <= now):
            entry = heapq.heappop(heap)
            fut = entry.fut
            if fut is not None and not fut.done():
                late.append((fut, entry.when, entry.timeout))
            entry.release()
        return late

    def clear(self) -> None:
        """Forget every deadline (the connection closed: its futures were failed already)."""
        for entry in self._heap:
            entry.release()
        self._heap = []
        self._live = 0

    def _compact(self) -> None:
        heap = self._heap
        heap[:] = [entry for entry in heap if entry.fut is not None]
        heapq.heapify(heap)


def expired_in_order(
    sources: Iterable[Iterable[CommandFuture[Any]]], now: float
) -> tuple[list[CommandFuture[Any]], float]:
    """Futures past their shared deadline at the head of each FIFO, and the next deadline to look at.

    Futures with their own timeout (CUSTOM_DEADLINE) or none (NO_DEADLINE)
    are skipped: the heap or nothing times them out.
    """
    late: list[CommandFuture[Any]] = []
    next_deadline = NO_DEADLINE
    for source in sources:
        found, deadline = expired_at_head(source, now)
        late += [fut for _, fut in found]
        next_deadline = min(next_deadline, deadline)
    return late, next_deadline


def expired_at_head(
    source: Iterable[CommandFuture[Any]], now: float
) -> tuple[list[tuple[int, CommandFuture[Any]]], float]:
    """``expired_in_order`` for one FIFO, each future with its position in it (replies owed before it)."""
    late: list[tuple[int, CommandFuture[Any]]] = []
    for index, fut in enumerate(source):
        deadline = fut.deadline
        if deadline == CUSTOM_DEADLINE:
            continue
        if deadline > now:
            return late, deadline
        if not fut.done():
            late.append((index, fut))
    return late, NO_DEADLINE
