"""The cache's storage: entries bounded in bytes and count, LRU by second chance, TTL, O(1) invalidation per key.

Sans-IO and clock-free (``now`` is passed in): unit-tested without a server.

An entry is one read of one key (``GET k``, ``HGET k f``, ``LRANGE k 0 -1``,
...), keyed by the command's arguments (as the caller gave them, or normalized)
and the parser its method used; several entries may hang off one key, and the per-key index finds them
all when the server says the key changed, whatever the cache's size. Sizes
are estimated as CPython holds the objects (``sys.getsizeof``, recursively for
containers) plus the entry's own overhead, so that ``max_bytes`` bounds what
the process actually holds, not only the payload.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any

# what one entry costs besides its value and key: the OrderedDict slot, the entry object and its
# expiry, its key tuple and the per-key index (a dict slot and a set). Measured with tracemalloc,
# CPython 3.11, 16-byte values, caches of 0.5 to 16 MiB churned by LRU evictions: 526-667 bytes
# an entry (where the count falls against the tables' power-of-two sizes moves it); charged above
# the top, so that max_bytes bounds what the process holds (tests/unit/test_cache_store.py)
ENTRY_OVERHEAD = 672

_getsizeof = sys.getsizeof


def size_of(value: Any) -> int:
    """Bytes CPython holds for ``value``: the object and, for containers, what they hold."""
    cls = value.__class__
    if cls is bytes or cls is str or cls is int or cls is float or value is None or cls is bool:
        return _getsizeof(value)
    if cls is list or cls is tuple or cls is set or cls is frozenset:
        return _getsizeof(value) + sum(size_of(item) for item in value)
    if cls is dict:
        return _getsizeof(value) + sum(size_of(k) + size_of(v) for k, v in value.items())
    return _getsizeof(value)


class _Entry:
    """One kept read. ``used``: read since eviction last passed it (its second chance);
    ``done``: what a hit returns, if the caller's side made one (opaque here)."""

    __slots__ = ("value", "size", "expires", "key", "used", "done")

    def __init__(self, value: Any, size: int, expires: float, key: bytes, done: Any) -> None:
        self.value = value
        self.size = size
        self.expires = expires
        self.key = key
        self.used = False
        self.done = done


class CacheStore:
    """LRU entries bounded by ``max_bytes`` and ``max_entries``; see the module docstring."""

    def __init__(self, max_bytes: int, max_entries: int | None, ttl: float | None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.ttl = ttl
        self._entries: OrderedDict[Any, _Entry] = OrderedDict()
        self._by_key: dict[bytes, set[Any]] = {}
        self.bytes = 0
        # the client's max_memory_bytes (leanredis.budget), charged with every entry's size: an entry that
        # does not fit in what is left evicts older ones, or is not kept
        self.budget: Any = None
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.invalidations = 0
        self.expirations = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, cache_key: Any, now: float) -> tuple[bool, Any]:
        """(True, value) on a hit (the entry is marked used: see ``put``); (False, None) on a miss."""
        entry = self._entries.get(cache_key)
        if entry is None:
            self.misses += 1
            return False, None
        if entry.expires and entry.expires <= now:
            self._remove(cache_key, entry)
            self.expirations += 1
            self.misses += 1
            return False, None
        entry.used = True
        self.hits += 1
        return True, entry.value

    def put(
        self,
        cache_key: Any,
        key: bytes,
        value: Any,
        now: float,
        expires: float = 0.0,
        held: int = 0,
        done: Any = None,
    ) -> bool:
        """Keep ``value`` until ``expires`` (0: no end of its own; ``ttl`` may end it sooner).

        ``held``: bytes the entry holds besides ``key`` and ``value`` beyond what ENTRY_OVERHEAD counts
        (what ``cache_key`` holds, ``done``); ``done``: kept beside the value, handed out by the caller.

        False when it alone is larger than the bound, or already expired. Makes room first, least
        recently used first, by second chance (CLOCK): the oldest entry goes unless it was read since
        eviction last passed it; then it is cleared and moved behind the others. A hit costs a flag,
        not a move in the order; an entry read once since it was passed is never the one to go.
        """
        if self.ttl and (not expires or now + self.ttl < expires):
            expires = now + self.ttl
        if expires and expires <= now:
            return False
        size = size_of(value) + _getsizeof(key) + ENTRY_OVERHEAD + held  # key: bytes, as the server names it
        if size > self.max_bytes:
            return False
        entries = self._entries
        old = entries.get(cache_key)
        if old is not None:
            self._remove(cache_key, old)
        limit = self.max_entries
        room = self.max_bytes - size
        while entries and (self.bytes > room or (limit is not None and len(entries) >= limit)):
            oldest_key, oldest = next(iter(entries.items()))
            if oldest.used:
                oldest.used = False
                entries.move_to_end(oldest_key)
                continue
            self._remove(oldest_key, oldest)
            self.evictions += 1
        budget = self.budget
        if budget is not None:
            while not budget.fits(size) and entries:  # the cache gives way to what else the client holds
                oldest_key, oldest = next(iter(entries.items()))
                self._remove(oldest_key, oldest)
                self.evictions += 1
            if not budget.fits(size):
                budget.refused()
                return False
            budget.charge_cache(size)
        entries[cache_key] = _Entry(value, size, expires, key, done)
        self._by_key.setdefault(key, set()).add(cache_key)
        self.bytes += size
        return True

    def invalidate(self, key: bytes) -> int:
        """Drop every entry of ``key`` (the server said it changed): O(entries of that key)."""
        cache_keys = self._by_key.pop(key, None)
        if not cache_keys:
            return 0
        entries = self._entries
        for cache_key in cache_keys:
            entry = entries.pop(cache_key, None)
            if entry is not None:
                self.bytes -= entry.size
                if self.budget is not None:
                    self.budget.charge_cache(-entry.size)
        self.invalidations += len(cache_keys)
        return len(cache_keys)

    def holds(self, key: bytes) -> bool:
        """Whether an entry of ``key`` is kept."""
        return key in self._by_key

    def drop(self, key: bytes) -> None:
        """Drop every entry of ``key`` (not an invalidation: the cache gave them up itself)."""
        cache_keys = self._by_key.pop(key, None)
        if cache_keys:
            entries = self._entries
            for cache_key in cache_keys:
                entry = entries.pop(cache_key, None)
                if entry is not None:
                    self.bytes -= entry.size
                    if self.budget is not None:
                        self.budget.charge_cache(-entry.size)

    def clear(self) -> None:
        self._entries.clear()
        self._by_key.clear()
        if self.budget is not None:
            self.budget.charge_cache(-self.bytes)
        self.bytes = 0

    def _remove(self, cache_key: Any, entry: _Entry) -> None:
        del self._entries[cache_key]
        self.bytes -= entry.size
        if self.budget is not None:
            self.budget.charge_cache(-entry.size)
        siblings = self._by_key.get(entry.key)
        if siblings is not None:
            siblings.discard(cache_key)
            if not siblings:
                del self._by_key[entry.key]
