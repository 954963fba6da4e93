"""Faults under load: every pending caller gets exactly one outcome, none waits past its timeout,
the same client works afterwards, and its counters and traced memory return to the baseline.

The faults come from the fault proxy (``faults.py``: cut, trickle, latency,
reset, refuse), from the server itself (kill -9 and restart, CLIENT KILL,
CLIENT PAUSE, maxmemory, DEBUG SLEEP, a replica) or from both. Each test is
bounded by ``asyncio.wait_for`` and stops within seconds.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.exceptions import ConnectionError, TimeoutError
from leanredis.server import RedisServer

from .faults import FaultProxy
from .helpers import command_futures

pytestmark = pytest.mark.slow

# what a client may hold after a fault and a recovery, beyond what it held before: a new
# protocol object and parser, a few log records; a burst's futures and replies are far more
RETAINED_LIMIT = 256 * 1024


@pytest.fixture
async def proxy(redis_server: RedisServer) -> AsyncIterator[FaultProxy]:
    fault = await FaultProxy(redis_server.port).start()
    yield fault
    await fault.aclose()


def flatten_captured_log_records() -> None:
    """Turn the log records pytest keeps into plain text: their arguments (errors, whose tracebacks hold
    frames and the commands in them) would otherwise keep failed commands alive past the test's count."""
    for name in (None, "leanredis"):
        for handler in logging.getLogger(name).handlers:
            for record in getattr(handler, "records", ()):
                record.msg, record.args = record.getMessage(), ()


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def traced_now() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


async def one_outcome_each(futures: list[Any], limit: float) -> list[Any]:
    """Every future's single outcome, within ``limit`` s (a hang fails the test), none left pending."""
    results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), limit)
    assert len(results) == len(futures)
    assert all(fut.done() for fut in futures), "a caller is still pending"
    return results


def kinds(results: list[Any]) -> Counter[str]:
    """Outcomes by kind: 'ok' for a value, else the exception's class name."""
    return Counter("ok" if not isinstance(res, BaseException) else type(res).__name__ for res in results)


async def until_ok(call: Any, limit: float) -> Any:
    """Retry ``call()`` on connection errors and timeouts until it answers, for at most ``limit`` s."""

    async def loop() -> Any:
        while True:
            try:
                return await call()
            except (ConnectionError, TimeoutError):
                await asyncio.sleep(0.05)

    return await asyncio.wait_for(loop(), limit)


async def assert_back_to_baseline(client: leanredis.Redis, baseline: int | None = None) -> None:
    """Nothing in flight, queued, buffered or kept; no command future alive; traced memory back."""
    deadline = time.monotonic() + 5
    while client.stats()["inflight"] and time.monotonic() < deadline:
        await asyncio.sleep(0.02)  # late replies of timed-out commands are still on their way
    stats = client.stats()
    assert (stats["inflight"], stats["queued"], stats["buffered_bytes"], stats["kept_bytes"]) == (0, 0, 0, 0), stats
    flatten_captured_log_records()
    assert await command_futures() == 0, "a command future outlived its caller"
    if baseline is not None:
        grown = traced_now() - baseline
        assert grown < RETAINED_LIMIT, f"{grown} bytes still held after the fault"


# -- faults from the proxy ------------------------------------------------------------------------


async def test_latency_spikes_past_socket_timeout_time_out_each_caller_once_then_the_client_recovers(
    proxy: FaultProxy, redis_server: RedisServer, traced: None, loop_errors: list[dict[str, Any]]
) -> None:
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("k", "v")
    proxy.mode = "latency"
    proxy.latency_ms = 30
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_timeout=0.25)
    try:
        futures = [client.get("k") for _ in range(300)]  # under the timeout: all answered
        assert await one_outcome_each(futures, 5) == [b"v"] * 300
        baseline = traced_now()
        proxy.latency_ms = 600  # a spike: the same connection, each chunk now late past the timeout
        started = time.monotonic()
        futures = [client.get("k") for _ in range(300)]
        results = await one_outcome_each(futures, 5)
        elapsed = time.monotonic() - started
        assert kinds(results) == {"TimeoutError": 300}
        assert elapsed < 0.6, f"the callers waited {elapsed:.2f} s, not their 0.25 s timeout"
        del futures, results
        proxy.latency_ms = 30
        assert await until_ok(lambda: client.get("k"), 5) == b"v"
        await assert_back_to_baseline(client, baseline)
        assert loop_errors == []
    finally:
        await client.aclose()
