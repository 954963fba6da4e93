"""Process memory as the OS sees it: RSS, the allocator in use, and giving memory back.

``rss_bytes()`` reads ``/proc/self/statm`` (Linux); ``allocator()`` reads the
process's own memory maps to name the malloc actually loaded (jemalloc or
tcmalloc when preloaded, else glibc), never assuming; ``trim()`` asks glibc
to return freed heap pages to the OS with ``malloc_trim(0)``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """Resident set size of this process in bytes, or None where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


@lru_cache(maxsize=1)
def allocator() -> str:
    """'jemalloc', 'tcmalloc', 'mimalloc' or 'glibc' (or 'unknown'), from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    for name in ("jemalloc", "tcmalloc", "mimalloc"):
        if f"lib{name}" in maps:
            return name
    return "glibc" if sys.platform.startswith("linux") else "unknown"


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        libc = ctypes.CDLL(path)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def trim() -> bool:
    """Return freed heap memory to the OS (glibc ``malloc_trim(0)``); False where it does not apply."""
    if allocator() != "glibc":
        return False
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))


def _weak(fn: Callable[..., Any]) -> Callable[[], Callable[..., Any] | None]:
    """A weak reference to a bound method (or a plain callable, kept as is)."""
    try:
        return weakref.WeakMethod(fn)  # type: ignore[arg-type]
    except TypeError:
        return lambda: fn


class IdleTrim:
    """When to give memory back (DESIGN rule 6): after a burst, once idle, if RSS grew enough.

    Fed by the connection through two callables: ``writes()``, a counter of
    writes made so far, and ``busy()``, whether anything is still waiting for
    the server. ``poke()`` after a write arms one timer; when it fires and no
    write happened for a whole ``delay`` and nothing is busy, RSS is compared
    with the baseline and ``malloc_trim(0)`` runs if it grew by ``min_growth``
    bytes or more. Nothing runs when the allocator is not glibc.
    """

    __slots__ = (
        "_loop", "_delay", "_min_growth", "_writes", "_busy", "timer", "_seen", "baseline", "trims", "trimmed_bytes",
    )

    def __init__(
        self,
        loop: Any,
        delay: float,
        min_growth: int,
        writes: Callable[[], int],
        busy: Callable[[], bool],
    ) -> None:
        self._loop = loop
        self._delay = delay
        self._min_growth = min_growth
        # weakly: the owner holds this policy, the policy must not hold its owner (no cycle)
        self._writes = _weak(writes)
        self._busy = _weak(busy)
        self.timer: Any = None  # armed while not None: a write reads it (``armed`` costs a call)
        self._seen = 0
        self.baseline = -1  # RSS at the first write, then after each trim
        self.trims = 0
        self.trimmed_bytes = 0

    @staticmethod
    def applies(enabled: bool) -> bool:
        """Whether a policy is worth having: asked for, and glibc is the allocator."""
        return enabled and allocator() == "glibc"

    @property
    def armed(self) -> bool:
        return self.timer is not None

    def poke(self) -> None:
        """A write happened: look again once the connection may have gone idle."""
        writes = self._writes()
        if writes is None:
            return  # the owner is gone
        self._seen = writes()
        if self.baseline < 0:
            self.baseline = rss_bytes() or 0
        self.timer = self._loop.call_later(self._delay, self._check)

    def _check(self) -> None:
        self.timer = None
        writes, busy = self._writes(), self._busy()
        if writes is None or busy is None:
            return  # the owner is gone
        if writes() != self._seen or busy():
            self.poke()  # still busy: look again one delay later
            return
        rss = rss_bytes()
        if rss is None:
            return
        if rss - self.baseline >= self._min_growth:
            trim()
            self.trims += 1
            after = rss_bytes() or rss
            self.trimmed_bytes += max(0, rss - after)
            rss = after
        self.baseline = min(self.baseline, rss) if self.trims else rss

    def rebind(self, loop: Any) -> None:
        """A new event loop: the old one's timer is gone with it."""
        self._loop = loop
        self.timer = None

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class MemoryWatchdog:
    """One warning when RSS crosses ``threshold`` bytes, and again only after it fell below and rose again.

    Fed by the connection's writes (``poke`` arms one timer ``interval`` s later
    while it is not armed): an idle client costs nothing. The warning is a
    ``leanredis`` log record at WARNING with the figures that explain it (the
    ``snapshot()`` of the client's stats: in flight, queued, buffered, cache)
    and a call of ``callback(info)`` when one was given.
    """

    __slots__ = ("threshold", "interval", "_snapshot", "_callback", "_timer", "above", "warnings", "budget", "share")

    def __init__(
        self,
        threshold: int | None,
        snapshot: Callable[[], dict[str, Any]],
        callback: Callable[[dict[str, Any]], Any] | None = None,
        interval: float = 1.0,
        budget: Any = None,
        share: float | None = None,
    ) -> None:
        # RSS past ``threshold`` bytes, or (``share``) the client's max_memory_bytes charged past that share
        self.threshold = threshold
        self.budget = budget
        self.share = share
        self.interval = interval
        self._snapshot = _weak(snapshot)
        self._callback = callback
        self._timer: Any = None
        self.above = False
        self.warnings = 0

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def poke(self) -> None:
        """Activity: look at RSS once, ``interval`` seconds from now."""
        import asyncio

        self._timer = asyncio.get_running_loop().call_later(self.interval, self.check)

    def check(self) -> None:
        self._timer = None
        rss = rss_bytes()
        budget = self.budget
        over_rss = rss is not None and self.threshold is not None and rss >= self.threshold
        over_budget = budget is not None and self.share is not None and budget.used >= self.share * budget.max_bytes
        if not over_rss and not over_budget:
            self.above = False
            return
        if self.above:
            return
        self.above = True
        self.warnings += 1
        snapshot = self._snapshot()
        info: dict[str, Any] = dict(snapshot() if snapshot is not None else {})
        info["rss_bytes"] = rss
        info["memory_warning_bytes"] = self.threshold
        info["memory_warning_share"] = self.share
        info["allocator"] = allocator()
        import logging

        if over_rss:
            what = f"RSS {rss} bytes passed memory_warning_bytes={self.threshold} (allocator {info['allocator']})"
        else:
            what = (
                f"{budget.used} bytes charged to max_memory_bytes={budget.max_bytes} passed memory_warning_share="
                f"{self.share} (by part: {budget.parts()})"
            )
        logging.getLogger("leanredis").warning(
            "%s: %d in flight, %d queued, %d bytes buffered, cache %s bytes",
            what, info.get("inflight", 0), info.get("queued", 0),
            info.get("buffered_bytes", 0), info.get("cache_bytes", 0),
        )
        if self._callback is not None:
            self._callback(info)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
