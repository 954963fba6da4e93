"""Faults in a row under load: what the client holds after the last is what it held after the first.

The lab's soak showed an RSS step at each fault. The steps are the allocators'
(pymalloc arenas a fault's backlog filled and a few long-lived objects pin;
``benchmarks/fault_steps.py`` shows them); this proves none of it is ours: after
each of several kill-and-restart and SIGSTOP faults under paced load, with the
load halted and every caller answered, the memory allocated in leanredis's own
code and still alive is back within a few KiB of what it was after the first
fault, and no command future, protocol or timeout error of ours is left.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
import tracemalloc
from collections import Counter
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import flatten_captured_log_records, stopped, until_ok

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PACKAGE = os.path.dirname(leanredis.__file__)
RATE = 2_000  # arrivals per second: enough for a backlog at each fault, light enough under tracemalloc
FAULTS = ("restart", "pause") * 3
PAUSE_S = 1.0  # longer than the timeout: callers time out and their replies come late
# what may differ between two quiet points: a new connection's objects replace the old one's,
# a timer or two in flight (measured: within 7 KiB); a protocol, its buffers or a traceback per fault is more
RETAINED_LIMIT = 16 * 1024
OURS = ("CommandFuture", "RedisProtocol", "Connection", "TimeoutError", "ConnectionError")


def ours_traced() -> int:
    """Bytes allocated in leanredis's own code and still alive."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, os.path.join(PACKAGE, "*"))])
    return sum(stat.size for stat in snapshot.statistics("filename"))


def ours_alive() -> Counter[str]:
    gc.collect()
    return Counter(name for o in gc.get_objects() if (name := type(o).__name__) in OURS
                   and type(o).__module__.startswith("leanredis"))


class Load:
    """SETs fired on schedule at ``RATE``/s (not awaited one by one), counted by outcome; ``halt`` waits
    until every one started has its outcome."""

    def __init__(self, client: leanredis.Redis) -> None:
        self.client = client
        self.started = self.finished = 0
        self.running = asyncio.Event()
        self.stop = False
        self.task = asyncio.get_running_loop().create_task(self._run())

    def _done(self, fut: asyncio.Future[Any]) -> None:
        if not fut.cancelled():
            fut.exception()  # an error is an outcome here: retrieved, counted
        self.finished += 1

    async def _run(self) -> None:
        for _ in range(20_000):  # bounded: 20,000 ticks of at least 1 ms
            await self.running.wait()
            if self.stop:
                return
            start, sent = time.perf_counter(), 0
            while self.running.is_set() and not self.stop:
                due = int((time.perf_counter() - start) * RATE) + 1
                while sent < due:
                    # not bound to a name: this frame would keep the last one alive
                    key = b"k:%d" % (self.started % 1000)
                    asyncio.ensure_future(self.client.set(key, b"v" * 100)).add_done_callback(self._done)
                    self.started += 1
                    sent += 1
                await asyncio.sleep(0.001)

    async def halt(self, limit: float) -> None:
        self.running.clear()
        deadline = time.monotonic() + limit
        while self.finished < self.started:
            assert time.monotonic() < deadline, f"{self.started - self.finished} callers without an outcome"
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        self.stop = True
        self.running.set()
        await self.task


def fault(server: RedisServer, kind: str) -> None:
    if kind == "restart":
        server.kill()
        time.sleep(0.3)
        server.restart()
    else:
        with stopped(server):
            time.sleep(PAUSE_S)


async def test_faults_in_a_row_under_load_leave_nothing_of_ours_behind(
    fresh_server: RedisServer, traced: None
) -> None:
    flatten_captured_log_records()
    before = ours_alive()  # what earlier tests of this process left alive is not this test's
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, socket_timeout=0.5)
    load = Load(client)
    try:
        await client.ping()
        load.running.set()
        await asyncio.sleep(0.5)
        await load.halt(10)
        retained: list[int] = []
        for kind in FAULTS:
            load.running.set()
            await asyncio.sleep(0.2)  # under load when the fault comes
            await asyncio.to_thread(fault, fresh_server, kind)
            await until_ok(client.ping, 15)
            await asyncio.sleep(0.3)  # a little load after the recovery too
            await load.halt(15)
            await until_ok(client.ping, 15)
            flatten_captured_log_records()  # pytest's kept records would hold the errors and their frames
            alive = ours_alive() - before
            assert alive["CommandFuture"] == 0 and alive["TimeoutError"] == 0 and alive["ConnectionError"] == 0, alive
            assert alive["RedisProtocol"] <= 1, alive
            retained.append(ours_traced())
        stats = client.stats()
        assert stats["reconnects"] >= 3 and stats["timeouts"] > 0, stats  # the faults did hit the client
        grown = retained[-1] - retained[0]
        assert grown < RETAINED_LIMIT, f"{grown} bytes more of ours after {len(FAULTS)} faults: {retained}"
    finally:
        await load.close()
        await client.aclose()
