"""MULTI/EXEC and pipelines inside ``max_buffered_bytes`` and ``max_queued``, against a stopped server.

The server is frozen with SIGSTOP (its socket stays open, nothing is read or
answered) and woken with SIGCONT: the client must hold its bounds while it
cannot send, keep each transaction whole, and finish everything once the
server runs again. Each test has a private server (it is stopped).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import stopped

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

BOUND = 1 << 20  # max_buffered_bytes of the clients below
VALUE = 128 << 10  # two SETs of this per transaction: a unit of a quarter of the bound
UNIT = 2 * VALUE + 200  # a transaction encoded: MULTI, two SETs, EXEC (their headers are < 200 bytes)
COUNT = 100  # transactions: 25 MiB encoded, far past the bound and the kernel's socket buffers


class Watch:
    """Reads ``read()`` (a client's stats) every loop iteration; ``settled`` is set once ``done(stats)`` holds."""

    def __init__(self, read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> None:
        self.read = read
        self.done = done
        self.max_buffered = 0
        self.samples = 0
        self.settled = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._running = True
        self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        stats = self.read()
        self.samples += 1
        self.max_buffered = max(self.max_buffered, stats["buffered_bytes"])
        if self.done(stats):
            self.settled.set()
        if self._running:
            self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._running = False


def transaction(client: leanredis.Redis, i: int, value: bytes, transaction: bool = True) -> Any:
    return client.pipeline(transaction=transaction).set(f"a{i}", value).set(f"b{i}", value).execute()


@pytest.mark.parametrize("kind", ["transaction", "pipeline"])
async def test_transactions_on_a_stopped_server_wait_within_max_buffered_bytes_then_all_run_whole(
    fresh_server: RedisServer, kind: str
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, max_buffered_bytes=BOUND)
    value = b"v" * VALUE
    try:
        await client.ping()
        with stopped(fresh_server):
            # each transaction followed by a plain INCR: one landing inside a MULTI would answer QUEUED
            # and make its EXEC reply one item too long
            tasks = []
            counters = []
            for i in range(COUNT):
                tasks.append(asyncio.ensure_future(transaction(client, i, value, kind == "transaction")))
                counters.append(asyncio.ensure_future(client.incr("plain")))
            # settled: some sent, and the rest waiting (or, were the bound not applied, all of it buffered)
            watch = Watch(
                client.stats,
                lambda stats: stats["inflight"] > 0 and (stats["queued"] > 0 or stats["buffered_bytes"] > BOUND + UNIT),
            )
            await asyncio.wait_for(watch.settled.wait(), 10)
            for _ in range(20):  # the flush and the transport's writes of this iteration: let them happen
                await asyncio.sleep(0)
            watch.stop()
            stats = client.stats()
            assert watch.max_buffered <= BOUND + UNIT, (watch.max_buffered, stats)
            assert stats["buffered_bytes"] <= BOUND + UNIT
            assert stats["queued"] > 0, "nothing waited: the test proves nothing"
            assert not any(task.done() for task in tasks)
        results = await asyncio.wait_for(asyncio.gather(*tasks), 60)
        assert results == [[True, True]] * COUNT
        assert await asyncio.wait_for(asyncio.gather(*counters), 60) == list(range(1, COUNT + 1))
        assert await client.get(f"a{COUNT - 1}") == value and await client.get(f"b{COUNT - 1}") == value
        assert await client.dbsize() == 2 * COUNT + 1
        stats = client.stats()
        assert (stats["inflight"], stats["queued"], stats["overloads"], stats["connects"]) == (0, 0, 0, 1)
        assert client.connection_pool.stats()["created"] == 0  # waited on the shared connection
    finally:
        await client.aclose()


async def test_fail_policy_refuses_transactions_past_max_buffered_bytes_at_once_and_sends_none_of_them(
    fresh_server: RedisServer,
) -> None:
    client = leanredis.Redis(
        host="127.0.0.1", port=fresh_server.port, max_buffered_bytes=BOUND, overload_policy="fail"
    )
    value = b"v" * VALUE
    try:
        await client.ping()
        with stopped(fresh_server):
            tasks = [asyncio.ensure_future(transaction(client, i, value)) for i in range(COUNT)]
            for _ in range(3):  # the refused ones end in their first step
                await asyncio.sleep(0)
            refused = [i for i, task in enumerate(tasks) if task.done()]
            assert refused, "nothing was refused: the test proves nothing"
            for i in refused:
                with pytest.raises(leanredis.OverloadError, match=r"\(MULTI..EXEC\) refused.*max_buffered_bytes=1048"):
                    tasks[i].result()
            stats = client.stats()
            assert stats["queued"] == 0  # fail never waits for room
            assert stats["buffered_bytes"] <= BOUND + UNIT
            # what was accepted fits the bound (plus the unit that crossed it)
            accepted = COUNT - len(refused)
            assert 1 <= accepted <= BOUND // UNIT + 1
        outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        ran = [i for i, outcome in enumerate(outcomes) if outcome == [True, True]]
        assert sorted(ran + refused) == list(range(COUNT))
        assert await client.dbsize() == 2 * len(ran)  # none of the refused ones was sent
        assert await client.exists(*(f"a{i}" for i in refused)) == 0
        assert client.stats()["overloads"] == len(refused)
    finally:
        await client.aclose()


async def test_a_cancelled_waiting_transaction_frees_its_place_and_its_arguments_and_never_runs(
    fresh_server: RedisServer,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, max_buffered_bytes=BOUND, max_queued=5)
    value = b"v" * VALUE
    try:
        await client.ping()
        with stopped(fresh_server):
            # one at a time until one waits: the kernel's socket buffers take some first
            running = []
            for i in range(1000):
                running.append(asyncio.ensure_future(transaction(client, i, value)))
                await asyncio.sleep(0)
                if client.stats()["queued"]:
                    break
            waiting = [running.pop()]
            first = len(running)
            for i in range(first + 1, first + 5):
                waiting.append(asyncio.ensure_future(transaction(client, i, value)))
            await asyncio.sleep(0)
            assert client.stats()["queued"] == 5
            refused = asyncio.ensure_future(transaction(client, 10_000, value))
            with pytest.raises(leanredis.OverloadError, match="limit 5"):
                await asyncio.wait_for(refused, 5)  # max_queued counts a transaction as one place
            # a waiting transaction whose caller gives up: never sent, and its place is free at once
            cancelled = waiting.pop(2)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            await asyncio.sleep(0)
            assert client.stats()["queued"] == 4
            # the place is taken again; given up in turn, its arguments go with it
            mine = bytes(bytearray(b"m" * VALUE))  # an object of its own: its references are countable
            references = sys.getrefcount(mine)
            taken = asyncio.ensure_future(client.pipeline().set("taken", mine).execute())
            await asyncio.sleep(0)
            assert not taken.done()
            assert client.stats()["queued"] == 5
            assert sys.getrefcount(mine) > references  # held while it waits (its arguments, not encoded)
            taken.cancel()
            with pytest.raises(asyncio.CancelledError):
                await taken
            await asyncio.sleep(0)
            assert client.stats()["queued"] == 4
            assert sys.getrefcount(mine) == references, "a cancelled transaction still holds its arguments"
        results = await asyncio.wait_for(asyncio.gather(*running, *waiting), 60)
        assert results == [[True, True]] * (len(running) + len(waiting))
        cancelled_index = first + 2
        assert await client.exists(f"a{cancelled_index}", f"b{cancelled_index}", "taken") == 0
        assert await client.dbsize() == 2 * (len(running) + len(waiting))
        assert client.stats()["queued"] == 0
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def private_cluster(server_binary: str) -> Iterator[Any]:
    """A cluster of this module's own (a node is stopped); a long node timeout: no failover meanwhile."""
    from .cluster import running_cluster

    with running_cluster(server_binary, node_timeout_ms=60_000) as local:
        yield local


async def test_cluster_transactions_on_a_stopped_node_wait_within_max_buffered_bytes_then_all_run_whole(
    private_cluster: Any,
) -> None:
    from leanredis.cluster import RedisCluster, key_slot

    client = RedisCluster(host="127.0.0.1", port=private_cluster.servers[0].port, max_buffered_bytes=BOUND)
    value = b"v" * VALUE
    try:
        await client.initialize()
        await client.set("{t}plain", 0)
        node = private_cluster.owner(key_slot("{t}"))
        with stopped(node):
            tasks = []
            counters = []
            for i in range(COUNT):
                pipe = client.pipeline(transaction=True).set(f"{{t}}a{i}", value).set(f"{{t}}b{i}", value)
                tasks.append(asyncio.ensure_future(pipe.execute()))
                counters.append(asyncio.ensure_future(client.incr("{t}plain")))

            def buffered() -> dict[str, Any]:
                conns = client.nodes_manager.connections()
                return {**client.stats(), "buffered_bytes": sum(conn.buffered_bytes for conn in conns)}

            watch = Watch(
                buffered,
                lambda stats: stats["inflight"] > 0 and (stats["queued"] > 0 or stats["buffered_bytes"] > BOUND + UNIT),
            )
            await asyncio.wait_for(watch.settled.wait(), 10)
            for _ in range(20):
                await asyncio.sleep(0)
            watch.stop()
            stats = buffered()
            assert watch.max_buffered <= BOUND + UNIT, (watch.max_buffered, stats)
            assert stats["queued"] > 0, "nothing waited: the test proves nothing"
        results = await asyncio.wait_for(asyncio.gather(*tasks), 60)
        assert results == [[True, True]] * COUNT
        assert await asyncio.wait_for(asyncio.gather(*counters), 60) == list(range(1, COUNT + 1))
        assert await client.get(f"{{t}}b{COUNT - 1}") == value
        stats = client.stats()
        assert (stats["inflight"], stats["queued"], stats["kept_bytes"], stats["dedicated_in_use"]) == (0, 0, 0, 0)
    finally:
        await client.aclose()
