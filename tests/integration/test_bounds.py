"""Memory rules 1, 2 and 7 against a real server: bounded in flight, nothing left after a flood.

Each test floods one client with far more commands than its bounds and
watches the counters a user sees (``stats()``, ``repr``) while it runs and
after. Every load loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
import tracemalloc
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import command_futures

pytestmark = pytest.mark.slow

FLOOD = 200_000
SMALL_INFLIGHT = 1_000


@pytest.fixture
async def small(redis_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    """A client whose in-flight bound is far below the flood size; a flood waits as long as it takes."""
    client = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, max_inflight=SMALL_INFLIGHT, socket_timeout=None
    )
    await client.flushdb()
    yield client
    await client.aclose()


class Sampler:
    """Reads ``stats()`` on every loop iteration (call_soon chain) while a flood runs."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self.read = read
        self.samples = 0
        self.max_inflight = 0
        self.max_queued = 0
        self._loop = asyncio.get_running_loop()
        self._running = True
        self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        stats = self.read()
        self.samples += 1
        self.max_inflight = max(self.max_inflight, stats["inflight"])
        self.max_queued = max(self.max_queued, stats["queued"])
        if self._running:
            self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._running = False


async def test_flood_of_200k_waits_within_max_inflight_and_every_command_succeeds(
    small: leanredis.Redis, loop_errors: list[dict[str, Any]]
) -> None:
    sampler = Sampler(small.stats)
    started = time.monotonic()
    results = await asyncio.wait_for(
        asyncio.gather(*[small.set(f"k{i}", i) for i in range(FLOOD)]), timeout=60
    )
    sampler.stop()
    elapsed = time.monotonic() - started
    assert results == [True] * FLOOD
    assert sampler.samples > 10, "the sampler never ran while the flood was in flight"
    assert sampler.max_queued > 0, "the flood never exceeded the bound: the test proves nothing"
    assert sampler.max_inflight <= SMALL_INFLIGHT
    stats = small.stats()
    assert stats["inflight_high"] <= SMALL_INFLIGHT
    assert stats["queued_high"] >= FLOOD - SMALL_INFLIGHT - 1
    assert stats["overloads"] == 0
    assert stats["connects"] == 1
    assert (stats["inflight"], stats["queued"], stats["buffered_bytes"]) == (0, 0, 0)
    assert await small.get(f"k{FLOOD - 1}") == str(FLOOD - 1).encode()
    assert await small.execute_command("DBSIZE") == FLOOD
    assert elapsed < 60
    assert loop_errors == []


async def test_flood_under_fail_policy_refuses_the_excess_at_once_and_keeps_working(
    redis_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(  # no command timeout: 200,000 refusals in one iteration may take seconds under load
        host="127.0.0.1", port=redis_server.port, max_inflight=SMALL_INFLIGHT, overload_policy="fail",
        socket_timeout=None,
    )
    try:
        await client.flushdb()  # connected: the bound is the in-flight one, not the connect queue
        queued_high = client.stats()["queued_high"]  # the flushdb waited for the connection
        futures = [client.set(f"k{i}", i) for i in range(FLOOD)]
        refused_at_once = sum(1 for fut in futures if fut.done())
        sampler = Sampler(client.stats)
        results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout=60)
        sampler.stop()
        refused = [res for res in results if isinstance(res, leanredis.OverloadError)]
        accepted = [res for res in results if res is True]
        assert len(refused) + len(accepted) == FLOOD, {type(res) for res in results}
        # one loop iteration issued everything: exactly the bound went out, the rest failed synchronously
        assert len(accepted) == SMALL_INFLIGHT
        assert refused_at_once == FLOOD - SMALL_INFLIGHT
        assert "max_inflight=1000" in str(refused[0])
        assert sampler.max_inflight <= SMALL_INFLIGHT
        stats = client.stats()
        assert stats["overloads"] == FLOOD - SMALL_INFLIGHT
        assert stats["queued_high"] == queued_high, "under fail a command waited for capacity"
        assert (stats["inflight"], stats["queued"]) == (0, 0)
        # after the refusals the client works, and a paced producer is never refused
        assert await client.execute_command("DBSIZE") == SMALL_INFLIGHT
        for start in range(0, 20_000, SMALL_INFLIGHT):
            batch = await asyncio.gather(*[client.incr(f"n{i % 10}") for i in range(start, start + SMALL_INFLIGHT)])
            assert len(batch) == SMALL_INFLIGHT
        assert client.stats()["overloads"] == FLOOD - SMALL_INFLIGHT
        assert await client.get("n0") == b"2000"
    finally:
        await client.aclose()
    assert loop_errors == []


async def test_after_a_flood_the_client_holds_no_leftover_objects(small: leanredis.Redis) -> None:
    await asyncio.gather(*[small.set(f"warm{i}", i) for i in range(20_000)])  # warm caches, allocator, parser
    gc.collect()
    futures_before = await command_futures()
    tracemalloc.start()
    try:
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        keep = weakref.ref(small.set("probe", 1))
        results = await asyncio.wait_for(
            asyncio.gather(*[small.set(f"k{i}", "x" * 100) for i in range(FLOOD)]), timeout=60
        )
        assert len(results) == FLOOD
        del results
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert keep() is None, "a finished command's future is still referenced"
    # the flood itself held ~200k futures and argument tuples (tens of MB at peak); what stays is noise
    assert peak - before > 10_000_000, "the flood did not allocate: the measurement proves nothing"
    assert after - before < 256 * 1024, f"{after - before} bytes still held after the flood"
    assert await command_futures() - futures_before <= 2
    stats = small.stats()
    assert (stats["inflight"], stats["queued"], stats["buffered_bytes"]) == (0, 0, 0)
    assert (stats["timed_calls"], stats["kept_bytes"]) == (0, 0)
    assert "inflight=0 queued=0 buffered=0" in repr(small)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_5000_create_use_close_cycles_leak_no_memory_fds_or_cycles(redis_server: RedisServer) -> None:
    port = redis_server.port

    async def cycle(i: int) -> list[weakref.ref[Any]]:
        client = leanredis.Redis(host="127.0.0.1", port=port)
        assert await client.set("cycle", i) is True
        assert await client.get("cycle") == str(i).encode()
        conn = client.connection
        refs = [weakref.ref(client), weakref.ref(conn), weakref.ref(conn._proto)]  # type: ignore[arg-type]
        await client.aclose()
        return refs

    deadline = time.monotonic() + 30  # the cycles without the collector get 30 s more below

    def too_slow(what: str) -> None:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not finish in 30 s: a close waits for something")

    for i in range(50):  # warm up: first sockets, caches, interned strings
        await cycle(i)
        too_slow("warm-up")
    tracemalloc.start()
    try:
        for i in range(500):
            await cycle(i)
            too_slow("the first 500 cycles")
        gc.collect()
        baseline, _ = tracemalloc.get_traced_memory()
        fds_baseline = open_fds()
        done = 500
        for i in range(4_500):
            await cycle(i)
            done += 1
            if time.monotonic() > deadline:
                break
        gc.collect()
        final, _ = tracemalloc.get_traced_memory()
        fds_end = open_fds()
    finally:
        tracemalloc.stop()
    assert done >= 1_000, f"only {done} cycles in 30 s: the machine is too slow to say anything"
    assert fds_end <= fds_baseline, f"{fds_end - fds_baseline} file descriptors leaked"
    assert final - baseline < 64 * 1024, f"{final - baseline} bytes grew over {done - 500} cycles"

    # Without the collector, our objects die by reference counting alone. What the collector
    # still finds is asyncio's own: a closed _SelectorSocketTransport keeps a bound method of
    # itself (_read_ready_cb), a cycle of the standard library, not of leanredis.
    gc.collect()
    deadline = time.monotonic() + 30
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        survivors = []
        for i in range(200):
            survivors += [ref for ref in await cycle(i) if ref() is not None]
            too_slow("the cycles without the collector")
        gc.collect()
        garbage = list(gc.garbage)
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
        gc.enable()
    assert survivors == [], f"kept alive by a reference cycle: {[ref() for ref in survivors][:3]}"
    ours = [obj for obj in garbage if type(obj).__module__.startswith("leanredis") or isinstance(obj, asyncio.Future)]
    assert ours == [], f"leanredis objects in reference cycles: {ours[:5]}"
    assert len(garbage) <= 8 * 200, f"{len(garbage)} objects in cycles after 200 clients"
