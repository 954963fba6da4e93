"""The cache's store without a server: LRU order, the byte and entry bounds, TTL on a fake clock, invalidation."""

from __future__ import annotations

from leanredis.cache.store import ENTRY_OVERHEAD, CacheStore, size_of


def test_least_recently_used_entries_go_first_when_bytes_run_out() -> None:
    value = b"v" * 1000
    entry = size_of(value) + size_of(b"k0") + ENTRY_OVERHEAD
    store = CacheStore(max_bytes=3 * entry, max_entries=None, ttl=None)
    for i in range(3):
        assert store.put(("GET", i), f"k{i}".encode(), value, now=0.0)
    assert store.get(("GET", 0), now=0.0) == (True, value)  # k0 becomes the most recent
    store.put(("GET", 3), b"k3", value, now=0.0)
    assert store.get(("GET", 1), now=0.0) == (False, None)  # k1 was the least recently used
    assert store.get(("GET", 0), now=0.0)[0] and store.get(("GET", 3), now=0.0)[0]
    assert store.bytes <= store.max_bytes and store.evictions == 1


def test_max_entries_bounds_the_count_and_oversized_values_are_not_kept() -> None:
    store = CacheStore(max_bytes=10_000, max_entries=2, ttl=None)
    for i in range(5):
        store.put(i, b"k", i, now=0.0)
    assert len(store) == 2
    assert not store.put("huge", b"h", b"x" * 20_000, now=0.0)
    assert len(store) == 2 and store.bytes <= 10_000


def test_entries_expire_on_the_clock_given() -> None:
    store = CacheStore(max_bytes=10_000, max_entries=None, ttl=5.0)
    store.put("a", b"a", b"1", now=100.0)
    assert store.get("a", now=104.9) == (True, b"1")
    assert store.get("a", now=105.0) == (False, None)
    assert store.expirations == 1 and len(store) == 0 and store.bytes == 0


def test_invalidating_a_key_drops_every_entry_of_it_and_only_those() -> None:
    store = CacheStore(max_bytes=10**8, max_entries=None, ttl=None)
    for i in range(10_000):
        store.put(("GET", i), f"k{i}".encode(), b"v", now=0.0)
    store.put(("HGET", "f"), b"k7", b"w", now=0.0)
    before = store.bytes
    assert store.invalidate(b"k7") == 2
    assert store.get(("GET", 7), 0.0)[0] is False and store.get(("HGET", "f"), 0.0)[0] is False
    assert store.get(("GET", 8), 0.0)[0] is True
    assert len(store) == 9_999 and store.bytes < before
    assert store.invalidate(b"never-cached") == 0
    store.clear()
    assert len(store) == 0 and store.bytes == 0


def test_the_per_key_index_follows_evictions_replacements_and_drops() -> None:
    # a key's one entry is indexed alone, several in a set: both must leave the index with their entries
    store = CacheStore(max_bytes=10**6, max_entries=4, ttl=None)
    store.put(("GET", "a"), b"a", b"1", now=0.0)
    for field in ("f", "g", "h"):
        store.put(("HGET", "k", field), b"k", b"2", now=0.0)
    store.put(("GET", "j"), b"j", b"3", now=0.0)  # past max_entries: a, the oldest, goes
    assert not store.holds(b"a") and store.invalidate(b"a") == 0
    store.put(("HGET", "k", "f"), b"k", b"4", now=0.0)  # replaced, not added
    assert store.invalidate(b"k") == 3 and not store.holds(b"k")
    store.put(("STRLEN", "j"), b"j", 1, now=0.0)
    store.drop(b"j")
    assert not store.holds(b"j") and len(store) == 0 and store.bytes == 0
    store.put(("GET", "e"), b"e", b"5", now=0.0)
    store.put(("GET", "e"), b"e", b"6", now=0.0)
    assert store.get(("GET", "e"), 0.0) == (True, b"6") and store.invalidate(b"e") == 1
    assert len(store) == 0 and store.bytes == 0 and not store._by_key


def test_sizes_count_what_containers_hold() -> None:
    assert size_of([b"x" * 100]) > size_of(b"x" * 100) > 100
    assert size_of({b"a": b"x" * 100}) > size_of(b"x" * 100)


def test_an_entry_ends_at_its_own_expiry_or_at_ttl_whichever_comes_first() -> None:
    store = CacheStore(max_bytes=10_000, max_entries=None, ttl=5.0)
    store.put("short", b"s", b"1", now=100.0, expires=101.0)  # the key's TTL on the server: 1 s
    store.put("long", b"l", b"1", now=100.0, expires=200.0)  # ttl=5 ends it first
    assert store.get("short", now=100.9) == (True, b"1") and store.get("short", now=101.0) == (False, None)
    assert store.get("long", now=104.9) == (True, b"1") and store.get("long", now=105.0) == (False, None)
    assert not store.put("gone", b"g", b"1", now=100.0, expires=100.0)  # already over: not kept
    assert len(store) == 0 and store.bytes == 0


def test_max_bytes_bounds_what_the_store_holds_as_traced_by_tracemalloc() -> None:
    import gc
    import tracemalloc

    store = CacheStore(max_bytes=2 * 1024 * 1024, max_entries=None, ttl=None)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(40_000):  # small values: the entries' own cost is most of what is held
            key = b"key:%d" % i
            store.put((None, b"GET", key), key, b"v" * 16, now=1.0, expires=2.0 + i)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert store.evictions > 30_000 and store.bytes <= store.max_bytes
    assert held <= store.max_bytes, f"the store holds {held} bytes for max_bytes={store.max_bytes}"


def test_an_entry_read_since_eviction_last_passed_it_outlives_one_that_was_not() -> None:
    store = CacheStore(max_bytes=10**6, max_entries=3, ttl=None)
    for name in ("a", "b", "c"):
        store.put(name, name.encode(), name, now=0.0)
    assert store.get("a", now=0.0) == (True, "a") and store.get("b", now=0.0) == (True, "b")
    store.put("d", b"d", "d", now=0.0)  # a and b were read: c, never read, goes
    assert [store.get(name, 0.0)[0] for name in ("a", "b", "c", "d")] == [True, True, False, True]
    # every older entry read since it was last passed: the new one is still not the one to go
    store.put("e", b"e", "e", now=0.0)
    assert store.get("e", 0.0)[0] is True and len(store) == 3 and store.evictions == 2
