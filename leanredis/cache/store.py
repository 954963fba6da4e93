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
# expiry, its key tuple and the per-key index (a dict slot, and a set when the key has several entries).
# Measured with tracemalloc, CPython 3.11, 16-byte values, caches of 0.5 to 16 MiB churned by LRU
# evictions, when every key had its set: 526-667 bytes an entry (where the count falls against the
# tables' power-of-two sizes moves it); charged above the top, so that max_bytes bounds what the
# process holds (tests/unit/test_cache_store.py)
ENTRY_OVERHEAD = 672

_getsizeof = sys.getsizeof
_BYTES = _getsizeof(b"")  # what getsizeof says of any bytes object besides its length, without the call


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
        # key -> its entries' cache keys: the one cache key (most keys), or a set when there are several
        self._by_key: dict[bytes, Any] = {}
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
        # bytes (most replies) hold nothing besides themselves: no call to size_of, nor to getsizeof, for them
        size = (
            (_BYTES + len(value) if value.__class__ is bytes else size_of(value))
            + _BYTES
            + len(key)  # the key: bytes, as the server names it
            + ENTRY_OVERHEAD
            + held
        )
        if size > self.max_bytes:
            return False
        entries = self._entries
        old = entries.get(cache_key)
        if old is not None:
            self._remove(cache_key, old)
        limit = self.max_entries
        if self.bytes + size > self.max_bytes or (limit is not None and len(entries) >= limit):
            self._make_room(size)
        budget = self.budget
        if budget is not None:
            if budget.used + size > budget.limit and not self._budget_room(size):  # budget.fits(size), inline
                return False
            budget.used += size  # budget.charge_cache(size), inline: an integer add (a wake is for bytes given back)
            budget.cache += size
        entries[cache_key] = _Entry(value, size, expires, key, done)
        by_key = self._by_key
        others = by_key.get(key)
        if others is None:
            by_key[key] = cache_key  # the key's one entry (most keys): no set for it
        elif others.__class__ is set:
            others.add(cache_key)
        else:
            by_key[key] = {others, cache_key}
        self.bytes += size
        return True

    def _make_room(self, size: int) -> None:
        """Evict until ``size`` more bytes and one more entry fit, by second chance (see ``put``)."""
        entries = self._entries
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

    def _budget_room(self, size: int) -> bool:
        """The client's max_memory_bytes has no room for ``size`` more: the cache gives way to what else the
        client holds, oldest entries first; False (refused, counted) when even an empty cache would not do."""
        budget = self.budget
        entries = self._entries
        while not budget.fits(size) and entries:
            oldest_key, oldest = next(iter(entries.items()))
            self._remove(oldest_key, oldest)
            self.evictions += 1
        if not budget.fits(size):
            budget.refused()
            return False
        return True

    @staticmethod
    def _keys_of(held: Any) -> Any:
        """The cache keys of ``_by_key``'s value for a key: one cache key, or a set of them."""
        return held if held.__class__ is set else (held,)

    def invalidate(self, key: bytes) -> int:
        """Drop every entry of ``key`` (the server said it changed): O(entries of that key)."""
        held = self._by_key.pop(key, None)
        if held is None:
            return 0
        cache_keys = self._keys_of(held)
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
        held = self._by_key.pop(key, None)
        if held is not None:
            entries = self._entries
            for cache_key in self._keys_of(held):
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
        by_key = self._by_key
        held = by_key.get(entry.key)
        if held.__class__ is set:
            held.discard(cache_key)
            if not held:
                del by_key[entry.key]
        elif held is not None and held == cache_key:
            del by_key[entry.key]
