"""RedisCluster while the cluster changes under load: resharding, failover, node removal, memory.

One module-scoped local cluster (3 primaries + 3 replicas, cluster-node-timeout
1000 ms) for the module, in this order: reshard back and forth, 30 slot moves
for memory, forced failovers (TAKEOVER, then a plain FAILOVER back),
automatic failover (kill -9; the killed node restarted after), and last the
removal of a primary, which does not restore the layout. Every test is
bounded, every call of the load has its own timeout (a routing bug fails as a
hang counted, never hangs the suite), and the figures (ASK/MOVED counts,
error windows, memory) are printed.
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.cluster import RedisCluster, key_slot
from leanredis.server import RedisServer

from .cluster import LocalCluster, running_cluster

CALL_TIMEOUT = 10.0  # a call of the load that takes longer is a hang (the client's own timeout is 5 s)
MOVING = list(range(100, 160))  # 60 slots of primaries[0]'s range, moved back and forth


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary, node_timeout_ms=1000) as local:
        yield local


@pytest.fixture
async def rc(cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = RedisCluster(host="127.0.0.1", port=cluster.primaries[0].port, socket_timeout=5, client_name="changes")
    await client.initialize()
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
async def no_loop_errors(loop_errors: list[dict[str, Any]]) -> AsyncIterator[None]:
    """A future set twice, a callback that raised: what the loop's exception handler saw fails the test."""
    yield
    assert loop_errors == []


def tags_for(slots: list[int]) -> dict[int, str]:
    """A hash tag for each slot of ``slots`` (found by trying names)."""
    wanted, found = set(slots), {}
    n = 0
    while len(found) < len(wanted):
        tag = f"t{n}"
        slot = key_slot(tag)
        if slot in wanted and slot not in found:
            found[slot] = tag
        n += 1
    return found


class Load:
    """Writers (each its own keys, one SET at a time, unique values) and readers, until ``stop()``.

    ``acked[key]`` is the last value whose SET was acknowledged; ``errors``
    every exception a caller saw, with its time; ``hangs`` the calls that
    took longer than CALL_TIMEOUT; ``ok_times[slot]`` when writes to a
    watched slot succeeded.
    """

    def __init__(
        self, rc: RedisCluster, keys: list[list[str]], readers: int = 50, watch: set[int] | None = None
    ) -> None:
        self.rc = rc
        self.keys = keys
        self.readers = readers
        self.acked: dict[str, str] = {}
        self.errors: list[tuple[float, BaseException]] = []
        self.hangs = 0
        self.writes = 0
        self.reads = 0
        self.watch = watch or set()
        self.watch_ok: list[float] = []
        self._stop = False
        self._tasks: list[asyncio.Task[None]] = []

    async def _call(self, call: Any) -> Any:
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                return await call
        except TimeoutError:  # asyncio's: the client's own timeout did not end the call
            self.hangs += 1
            raise

    async def _writer(self, index: int) -> None:
        keys = self.keys[index]
        slots = [key_slot(key) for key in keys]
        for n in range(1_000_000):
            if self._stop:
                return
            key = keys[n % len(keys)]
            value = f"{index}:{n}"
            try:
                await self._call(self.rc.set(key, value))
            except Exception as exc:
                self.errors.append((time.monotonic(), exc))
                await asyncio.sleep(0.01)
                continue
            self.acked[key] = value
            self.writes += 1
            if slots[n % len(keys)] in self.watch:
                self.watch_ok.append(time.monotonic())

    async def _reader(self, index: int) -> None:
        rnd = random.Random(index)
        for _ in range(1_000_000):
            if self._stop:
                return
            owner = rnd.randrange(len(self.keys))
            key = rnd.choice(self.keys[owner])
            try:
                value = await self._call(self.rc.get(key))
            except Exception as exc:
                self.errors.append((time.monotonic(), exc))
                await asyncio.sleep(0.01)
                continue
            assert value is None or value.startswith(f"{owner}:".encode()), (key, value)
            self.reads += 1

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._writer(i)) for i in range(len(self.keys))]
        self._tasks += [loop.create_task(self._reader(i)) for i in range(self.readers)]

    async def until_writes(self, count: int, limit: float = 20.0) -> None:
        """Wait (polled, bounded) until ``count`` more writes were acknowledged."""
        target = self.writes + count
        async with asyncio.timeout(limit):
            while self.writes < target:
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._stop = True
        async with asyncio.timeout(CALL_TIMEOUT + 5):
            results = await asyncio.gather(*self._tasks, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, failures[:3]

    async def lost(self) -> list[tuple[str, str, Any]]:
        """The acknowledged writes whose value is not the one read back now."""
        keys = list(self.acked)
        values = []
        for start in range(0, len(keys), 500):
            values += await self.rc.mget(keys[start : start + 500])
        return [(k, self.acked[k], v) for k, v in zip(keys, values) if v != self.acked[k].encode()]

    async def check_every_ack_readable(self) -> None:
        lost = await self.lost()
        assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}"


def error_stats(cluster: LocalCluster) -> dict[int, dict[str, int]]:
    """The servers' own counts of ASK and MOVED replies, by port."""
    counts = {}
    for server in cluster.running():
        info = cluster.call(server, "INFO", "errorstats")
        assert isinstance(info, dict)
        counts[server.port] = {
            name: int(info.get(f"errorstat_{name}", {}).get("count", 0)) for name in ("ASK", "MOVED")
        }
    return counts


def total(counts: dict[int, dict[str, int]], name: str) -> int:
    return sum(by_name[name] for by_name in counts.values())


async def settle(rc: RedisCluster) -> dict[str, Any]:
    """The client's stats once idle: nothing in flight, queued, kept or tracked."""
    async with asyncio.timeout(5):
        while True:
            await asyncio.sleep(0.01)
            stats = rc.stats()
            if not (stats["inflight"] or stats["queued"] or stats["kept_bytes"] or stats["redirects_tracked"]):
                return stats


def writer_keys(
    writers: int, moving_tags: dict[int, str], per_writer: int = 5, on_moving: int = 100
) -> list[list[str]]:
    """Keys of each writer: the first ``on_moving`` writers' keys in the moving slots, the others anywhere."""
    tags = list(moving_tags.values())
    keys = []
    for i in range(writers):
        if i < on_moving:
            keys.append([f"{{{tags[(i * per_writer + j) % len(tags)]}}}:w{i}:{j}" for j in range(per_writer)])
        else:
            keys.append([f"plain:w{i}:{j}" for j in range(per_writer)])
    return keys


async def test_resharding_under_load_loses_no_ack_and_shows_no_redirect_to_callers(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(90):
        source, target = cluster.owner(MOVING[0]), cluster.owner(10000)
        assert source.port != target.port
        load = Load(rc, writer_keys(200, tags_for(MOVING)))
        server_before = error_stats(cluster)
        started = time.monotonic()
        load.start()
        try:
            await load.until_writes(2000)
            for destination in (target, source):
                before = error_stats(cluster)
                moved = await asyncio.to_thread(cluster.move_slots, MOVING, destination)
                assert moved > 0
                assert cluster.owner(MOVING[0]).port == destination.port
                # the importing node never answered MOVED: every command sent there after an ASK came with
                # ASKING, and the client sent it none on a stale table
                assert error_stats(cluster)[destination.port]["MOVED"] == before[destination.port]["MOVED"]
                await load.until_writes(2000)  # traffic on the new layout before the next move
        finally:
            await load.stop()
        elapsed = time.monotonic() - started
        server_after = error_stats(cluster)
        stats = await settle(rc)
        print(
            f"\nresharding: {load.writes} writes, {load.reads} reads in {elapsed:.1f} s; client moved={stats['moved']} "
            f"ask={stats['ask']} refreshes={stats['refreshes']}; server ASK="
            f"{total(server_after, 'ASK') - total(server_before, 'ASK')} "
            f"MOVED={total(server_after, 'MOVED') - total(server_before, 'MOVED')}"
        )
        assert load.hangs == 0
        assert not load.errors, [repr(e) for _, e in load.errors[:5]]
        assert stats["ask"] > 0 and stats["moved"] > 0, stats
        assert total(server_after, "ASK") > total(server_before, "ASK")
        assert total(server_after, "MOVED") > total(server_before, "MOVED")
        await load.check_every_ack_readable()
        assert rc.nodes_manager.slots[MOVING[0]].port == source.port  # type: ignore[union-attr]


def rss_kb() -> int:
    """This process's resident set now (from /proc), in KB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


async def test_thirty_slot_moves_with_traffic_keep_memory_and_connections_flat(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(90):
        slot = MOVING[0]
        tag = tags_for([slot])[slot]
        keys = [f"{{{tag}}}:m{i}" for i in range(50)] + [f"mem:{i}" for i in range(450)]
        home, away = cluster.owner(slot), cluster.owner(10000)
        rc.nodes_manager.settle_window = 2.0  # (10 s by default) the end of the test checks that refreshes stop

        async def traffic(round_: int) -> None:
            assert await asyncio.gather(*(rc.set(key, round_) for key in keys)) == [True] * len(keys)
            assert await asyncio.gather(*(rc.get(key) for key in keys)) == [str(round_).encode()] * len(keys)

        figures = []
        base: tracemalloc.Snapshot | None = None
        tracemalloc_base = rss_base = connections = 0
        for move in range(30):
            # traffic while the slot moves (MIGRATE in batches of 10: ASK when they meet), and after it
            target = away if move % 2 == 0 else home
            mover = asyncio.ensure_future(asyncio.to_thread(cluster.move_slots, [slot], target, 10))
            until = time.monotonic() + 1.0
            for _ in range(500):  # small rounds on the moving slot's keys: the mover's thread gets the GIL too
                assert await asyncio.gather(*(rc.set(key, move) for key in keys[:50])) == [True] * 50
                if mover.done() or time.monotonic() > until:
                    break
            await mover
            await traffic(move)
            stats = await settle(rc)
            assert stats["kept_bytes"] == 0 and stats["redirects_tracked"] == 0, stats
            gc.collect()
            if move == 1:
                tracemalloc.start()  # traced from here: what a refresh replaces (the slot table) is traced too
            elif move == 5:  # warmed up: every path ran, every connection exists
                base = tracemalloc.take_snapshot()
                tracemalloc_base = tracemalloc.get_traced_memory()[0]
                rss_base = rss_kb()
                connections = stats["connections"]
            elif move > 5:
                figures.append((tracemalloc.get_traced_memory()[0] - tracemalloc_base, rss_kb() - rss_base))
        assert base is not None
        ours = tracemalloc.Filter(True, "*/leanredis/*")
        end = tracemalloc.take_snapshot().filter_traces([ours])
        tracemalloc.stop()
        client_growth = sum(stat.size_diff for stat in end.compare_to(base.filter_traces([ours]), "filename"))
        stats = rc.stats()
        print(
            f"\n30 slot moves: moved={stats['moved']} ask={stats['ask']} refreshes={stats['refreshes']}; "
            f"tracemalloc growth after warm-up (B, the test's admin clients included) {[f[0] for f in figures[::5]]} "
            f"last {figures[-1][0]}, of it allocated in leanredis {client_growth}; RSS growth (KB) "
            f"{[f[1] for f in figures[::5]]} last {figures[-1][1]}; connections {stats['connections']}"
        )
        assert stats["moved"] >= 30
        # ~1 KB on asyncio; ~17 KB on uvloop, whose Cython freelist of callback handles fills from our frames
        # (a plateau). A future kept per redirect (1,500 here) or a slot table per move would be 300 KB-1.6 MB
        assert client_growth < 64 * 1024, client_growth
        assert figures[-1][0] < 256 * 1024, figures  # the test's redis-py admin clients and pytest's own, mostly
        assert figures[-1][1] < 8 * 1024, figures  # RSS: allocator noise, no trend
        assert stats["connections"] == connections <= stats["nodes"], stats
        assert stats["redirects_tracked"] == 0 and stats["kept_bytes"] == 0
        # once the moves stop, so do the refreshes (follow-ups last settle_window after the last change seen)
        await asyncio.sleep(rc.nodes_manager.settle_window + 1.5)
        quiet = rc.stats()["refreshes"]
        await asyncio.sleep(2 * rc.nodes_manager.settle_delay)
        assert rc.stats()["refreshes"] == quiet


async def failover_under_load(
    cluster: LocalCluster, rc: RedisCluster, primary: RedisServer, promote: Any, what: str
) -> tuple[Load, float, RedisServer]:
    """Run the load, ``promote()`` (in a thread) the primary's replica; the window until a write is served again."""
    replica = cluster.replica_of(primary)
    shard = shard_slots(cluster, primary)
    keys = [[f"fo:{i}:{j}" for j in range(5)] for i in range(200)]
    load = Load(rc, keys, readers=20, watch=shard)
    load.start()
    try:
        await load.until_writes(1000)
        started = time.monotonic()
        promoted_at = await asyncio.to_thread(promote, primary, replica)
        async with asyncio.timeout(10):
            while not load.watch_ok or load.watch_ok[-1] < promoted_at:
                await asyncio.sleep(0.01)
        served_at = next(t for t in load.watch_ok if t >= promoted_at)
        await load.until_writes(1000)
    finally:
        await load.stop()
    window = served_at - promoted_at
    errors = [(t, e) for t, e in load.errors]
    kinds = sorted({type(e).__name__ for _, e in errors})
    span = f"{errors[-1][0] - errors[0][0]:.2f} s" if errors else "none"
    print(
        f"\n{what}: promoted {promoted_at - started:.2f} s after the order; first write served "
        f"{window:.3f} s after the promotion; {len(errors)} errors ({kinds}) over {span}; "
        f"{load.writes} writes; moved={rc.stats()['moved']} refreshes={rc.stats()['refreshes']}"
    )
    assert load.hangs == 0
    # during a failover: a lost or refused socket, a timeout, or the cluster saying it is down for a moment
    expected = (leanredis.ConnectionError, leanredis.TimeoutError, leanredis.ClusterDownError)
    unexpected = [e for _, e in errors if not isinstance(e, expected)]
    assert not unexpected, [repr(e) for e in unexpected[:5]]
    # the issue asks 2 s; refreshes every refresh_interval (0.5 s) while a primary is unreachable give < 0.7 s
    # (1.3-2.0 s measured with any one of the three fixes of the kill -9 case undone)
    assert window < 1.2
    return load, window, replica


def shard_slots(cluster: LocalCluster, primary: RedisServer) -> set[int]:
    entries = cluster.call(primary, "CLUSTER", "SLOTS")
    assert isinstance(entries, list)
    return {s for e in entries if int(e[2][1]) == primary.port for s in range(int(e[0]), int(e[1]) + 1)}


async def follows(rc: RedisCluster, server: RedisServer, slot: int, limit: float = 5.0) -> None:
    """The client's table names ``server`` for ``slot``, and its topology calls it a primary (polled, bounded)."""
    async with asyncio.timeout(limit):
        while True:
            node = rc.nodes_manager.slots[slot]
            if node is not None and node.port == server.port and node.server_type == "primary":
                return
            await asyncio.sleep(0.05)


async def test_forced_failovers_under_load_are_followed_within_two_seconds(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    def takeover(primary: RedisServer, replica: RedisServer) -> float:
        cluster.call(replica, "CLUSTER", "FAILOVER", "TAKEOVER")
        return cluster.wait_role(replica, "master", 10)

    def failover(primary: RedisServer, replica: RedisServer) -> float:
        deadline = time.monotonic() + 20
        link_up = lambda: cluster.call(replica, "INFO", "replication")["master_link_status"] == "up"  # type: ignore[index]  # noqa: E731
        cluster.wait(link_up, deadline, "the replica in sync")
        cluster.call(replica, "CLUSTER", "FAILOVER")
        return cluster.wait_role(replica, "master", 10)

    async with asyncio.timeout(80):
        primary = cluster.owner(10000)
        load, _, replica = await failover_under_load(cluster, rc, primary, takeover, "TAKEOVER")
        await follows(rc, replica, 10000)
        # TAKEOVER does not wait for the replica, and the old primary acknowledges writes until it learns:
        # the server may lose a few acknowledged writes there (counted, not asserted)
        print(f"TAKEOVER: {len(await load.lost())} of {len(load.acked)} acknowledged keys not read back")
        load, _, back = await failover_under_load(cluster, rc, replica, failover, "FAILOVER")
        assert back.port == primary.port
        await follows(rc, primary, 10000)
        await load.check_every_ack_readable()  # a plain FAILOVER waits for the replica: nothing lost
        await asyncio.to_thread(cluster.wait_healthy)
        await settle(rc)


async def test_automatic_failover_after_kill_9_is_followed_within_two_seconds(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    def kill(primary: RedisServer, replica: RedisServer) -> float:
        primary.kill()
        return cluster.wait_role(replica, "master", 20)

    primary = cluster.owner(16000)
    try:
        async with asyncio.timeout(80):
            _, _, replica = await failover_under_load(cluster, rc, primary, kill, "kill -9")
            await follows(rc, replica, 16000)
            assert rc.get_node(primary.host, primary.port) is None  # the dead node left the client's topology
            await settle(rc)
    finally:
        primary.start()  # back as a replica of the promoted node
        await asyncio.to_thread(cluster.wait_healthy)


def our_sockets(cluster: LocalCluster, server: RedisServer) -> int:
    """How many connections named ``changes`` (the test client's) the server has now."""
    return str(cluster.call(server, "CLIENT", "LIST")).count("name=changes ")


async def test_a_removed_primary_keeps_no_socket_of_the_client_within_5_s(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    """Last in the module: the removed node does not come back."""
    async with asyncio.timeout(80):
        primary = cluster.owner(6000)
        keep = cluster.owner(100)
        replica = cluster.replica_of(primary)
        busy = sorted(shard_slots(cluster, primary))[:40]  # the load's slots there, moved key by key under load
        elsewhere = [s for s in range(16384) if s % 500 == 0 and cluster.owner(s).port != primary.port]
        cluster.call(primary, "FLUSHALL")  # the other slots move without MIGRATE: no key of earlier tests there
        load = Load(rc, writer_keys(150, tags_for(busy + elsewhere), on_moving=150), readers=20)
        load.start()
        try:
            await load.until_writes(2000)
            assert our_sockets(cluster, primary) >= 1
            await asyncio.to_thread(cluster.move_all_slots, primary, keep, busy)
            emptied = time.monotonic()
            await load.until_writes(2000)
            primary_id = cluster.ids.pop(primary.port)  # out of cluster.running() from here on
            cluster.call(replica, "CLUSTER", "REPLICATE", cluster.ids[keep.port])
            for server in cluster.running():
                cluster.call(server, "CLUSTER", "FORGET", primary_id)
            forgotten = time.monotonic()
            async with asyncio.timeout(5):
                while our_sockets(cluster, primary) or any(
                    conn.options.port == primary.port for conn in rc.nodes_manager.connections()
                ):
                    await asyncio.sleep(0.05)
            gone, after_move = time.monotonic() - forgotten, time.monotonic() - emptied
            await load.until_writes(2000)
        finally:
            await load.stop()
        stats = await settle(rc)
        print(
            f"\nnode removal: no socket to the removed node {gone:.2f} s after the FORGETs ({after_move:.2f} s after "
            f"its last slot moved); {load.writes} writes, "
            f"{len(load.errors)} errors; moved={stats['moved']} ask={stats['ask']} connections={stats['connections']}"
        )
        assert load.hangs == 0
        # Valkey may report the cluster down for a moment while the forgotten node's replica changes primary
        # (the server's own state, retried by the client up to its limit): no other error
        unexpected = [e for _, e in load.errors if not isinstance(e, leanredis.ClusterDownError)]
        assert not unexpected, [repr(e) for e in unexpected[:5]]
        assert rc.get_node(primary.host, primary.port) is None
        assert stats["connections"] <= stats["nodes"] <= 5  # the detached replica shows once in sync again
        await load.check_every_ack_readable()
