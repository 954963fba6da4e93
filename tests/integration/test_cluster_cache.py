"""Client-side caching on a cluster: tracking per node, one budget, drops per node, no stale read after
resharding and failover with readers and writers running.

A real local cluster (3 primaries + 3 replicas), module-scoped, always stopped
and left as it was found (slots moved back, primaries failed back); every test
bounded by ``asyncio.timeout``. Writes come from a second, uncached client.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis import CacheConfig
from leanredis.cluster import RedisCluster

from .cluster import LocalCluster, running_cluster
from .docs_examples import example


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        yield local


def cached_cluster(cluster: LocalCluster, **config: Any) -> RedisCluster:
    return RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, client_name="cached", cache_config=CacheConfig(**config)
    )


@pytest.fixture
async def writer(cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    await client.initialize()
    yield client
    await client.aclose()


@pytest.fixture
async def cached(cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = cached_cluster(cluster)
    await client.initialize()
    yield client
    await client.aclose()


def keys_on_every_shard(client: RedisCluster, per_shard: int, prefix: str) -> dict[str, list[str]]:
    """``per_shard`` keys for each primary (by the client's slot table): node name -> keys."""
    by_node: dict[str, list[str]] = {node.name: [] for node in client.get_primaries()}
    i = 0
    while any(len(keys) < per_shard for keys in by_node.values()):
        key = f"{prefix}:{i}"
        node = client.get_node_from_key(key)
        assert node is not None
        if len(by_node[node.name]) < per_shard:
            by_node[node.name].append(key)
        i += 1
    return by_node


def kill_sockets(cluster: LocalCluster, server: Any, name: str) -> None:
    """CLIENT KILL every socket named ``name`` on ``server``."""
    listing = str(cluster.call(server, "CLIENT", "LIST"))
    ids = [line.split()[0].split("=")[1] for line in listing.splitlines() if f" name={name} " in line]
    assert ids, listing
    for client_id in ids:
        cluster.call(server, "CLIENT", "KILL", "ID", client_id)


async def settled(client: RedisCluster) -> None:
    """A round trip on every primary's connection: invalidations sent before its reply have arrived."""
    await asyncio.gather(*(client.execute_command("PING", target_nodes=node) for node in client.get_primaries()))


async def test_reads_on_every_node_are_cached_and_invalidated_by_that_node(
    cached: RedisCluster, writer: RedisCluster
) -> None:
    async with asyncio.timeout(20):
        by_node = keys_on_every_shard(cached, 5, "inv")
        keys = [key for keys in by_node.values() for key in keys]
        await asyncio.gather(*(writer.set(key, "old") for key in keys))
        assert await asyncio.gather(*(cached.get(key) for key in keys)) == [b"old"] * len(keys)
        assert await asyncio.gather(*(cached.get(key) for key in keys)) == [b"old"] * len(keys)
        stats = cached.cache_stats()
        assert stats["hits"] == len(keys) and stats["entries"] == len(keys)
        assert {name: part["keys"] for name, part in stats["nodes"].items()} == {name: 5 for name in by_node}
        await asyncio.gather(*(writer.set(key, "new") for key in keys))
        await settled(cached)
        assert await asyncio.gather(*(cached.get(key) for key in keys)) == [b"new"] * len(keys)
        assert cached.cache_stats()["invalidations"] == len(keys)
        # mget key by key across slots: hits, and the misses to their nodes
        assert await cached.mget(keys[:3] + ["inv:missing"]) == [b"new"] * 3 + [None]


async def test_one_byte_budget_for_the_whole_cache_across_nodes(cluster: LocalCluster, writer: RedisCluster) -> None:
    client = cached_cluster(cluster, max_bytes=256 * 1024)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            keys = [f"budget:{i}" for i in range(1500)]
            value = b"v" * 1000
            await asyncio.gather(*(writer.set(key, value) for key in keys))
            for start in range(0, len(keys), 100):
                assert await asyncio.gather(*(client.get(key) for key in keys[start : start + 100])) == [value] * 100
            stats = client.cache_stats()
            assert stats["bytes"] <= 256 * 1024 and stats["evictions"] > 0
            assert len(stats["nodes"]) == 3 and all(part["keys"] > 0 for part in stats["nodes"].values())
            # the per-node records follow the store: pruned, never much larger than the entries kept
            recorded = client._cache._node_keys.values()  # type: ignore[union-attr]
            assert max(len(keys) for keys in recorded) <= 2 * stats["entries"] + 64 + 1
    finally:
        await client.aclose()


async def test_a_lost_socket_drops_that_nodes_keys_only(
    cluster: LocalCluster, cached: RedisCluster, writer: RedisCluster
) -> None:
    async with asyncio.timeout(20):
        by_node = keys_on_every_shard(cached, 4, "lost")
        keys = [key for keys in by_node.values() for key in keys]
        await asyncio.gather(*(writer.set(key, "v") for key in keys))
        await asyncio.gather(*(cached.get(key) for key in keys))
        victim = sorted(by_node)[0]
        node = cached.get_node(node_name=victim)
        assert node is not None
        server = cluster.server_by_port(node.port)
        drops = cached.cache_stats()["nodes"][victim]["drops"]
        kill_sockets(cluster, server, "cached")
        while cached.cache_stats()["nodes"][victim]["drops"] == drops:
            await asyncio.sleep(0.01)
        stats = cached.cache_stats()
        assert stats["nodes"][victim]["keys"] == 0
        assert all(stats["nodes"][name]["keys"] == 4 for name in by_node if name != victim)
        # the keys of the other nodes are still hits; the victim's are read again, through a new socket
        hits = stats["hits"]
        assert await asyncio.gather(*(cached.get(key) for key in keys)) == [b"v"] * len(keys)
        assert cached.cache_stats()["hits"] == hits + 8


async def test_a_moved_slot_drops_the_keys_read_through_its_old_node(
    cluster: LocalCluster, cached: RedisCluster, writer: RedisCluster
) -> None:
    key = "moving:{m1}"
    slot = cached.keyslot(key)
    source = cluster.owner(slot)
    target = next(s for s in cluster.current_primaries() if s.port != source.port)
    try:
        async with asyncio.timeout(30):
            await writer.set(key, "before")
            assert await cached.get(key) == b"before"
            assert await cached.get(key) == b"before"
            await asyncio.to_thread(cluster.move_slots, [slot], target)
            # the key moved with MIGRATE (its source announced the delete); the cache must not keep it, and
            # writes on the new owner, which never saw this client read, must be seen
            await settled(cached)
            await writer.set(key, "after")
            for _ in range(200):
                if await cached.get(key) == b"after":
                    break
                await asyncio.sleep(0.01)
            assert await cached.get(key) == b"after"
            await writer.set(key, "again")
            await settled(cached)
            assert await cached.get(key) == b"again"
    finally:
        await asyncio.to_thread(cluster.move_slots, [slot], source)


class Storm:
    """Writers bumping a version per key (uncached client), cached readers reading them, until stopped."""

    def __init__(self, writer: RedisCluster, reader: RedisCluster, keys: list[str]) -> None:
        self.writer, self.reader, self.keys = writer, reader, keys
        self.stopping = False
        self.writes = 0
        self.reads = 0
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, writers: int = 10, readers: int = 20) -> None:
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._write()) for _ in range(writers)]
        self.tasks += [loop.create_task(self._read()) for _ in range(readers)]

    async def _write(self) -> None:
        rng = random.Random()
        while not self.stopping:
            try:
                await asyncio.wait_for(self.writer.incr(rng.choice(self.keys)), 5)
                self.writes += 1
            except (leanredis.RedisError, asyncio.TimeoutError):
                await asyncio.sleep(0.01)  # a failover or a moving slot: try again

    async def _read(self) -> None:
        rng = random.Random()
        while not self.stopping:
            try:
                await asyncio.wait_for(self.reader.get(rng.choice(self.keys)), 5)
                self.reads += 1
            except (leanredis.RedisError, asyncio.TimeoutError):
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.stopping = True
        await asyncio.gather(*self.tasks)


async def stale_reads(cached: RedisCluster, writer: RedisCluster, keys: list[str]) -> list[tuple[str, Any, Any]]:
    """Keys whose cached read differs from the server's value (read without a cache), after settling."""
    truth = await asyncio.gather(*(writer.get(key) for key in keys))
    await settled(cached)
    seen = await asyncio.gather(*(cached.get(key) for key in keys))
    return [(key, mine, theirs) for key, mine, theirs in zip(keys, seen, truth) if mine != theirs]


async def test_no_stale_read_after_a_storm_through_resharding_and_failover(
    cluster: LocalCluster, cached: RedisCluster, writer: RedisCluster
) -> None:
    keys = [f"storm:{{t{i % 40}}}:{i}" for i in range(400)]
    slots = sorted({cached.keyslot(key) for key in keys})
    moving = slots[:6]
    sources = {slot: cluster.owner(slot) for slot in moving}
    primary = cluster.owner(slots[-1])
    replica = cluster.replica_of(primary)
    storm = Storm(writer, cached, keys)
    try:
        async with asyncio.timeout(120):
            await asyncio.gather(*(writer.set(key, 0) for key in keys))
            storm.start()
            while storm.reads < 2000:
                await asyncio.sleep(0.01)
            # slots move to another primary, with their keys, under the storm
            for slot in moving:
                target = next(s for s in cluster.current_primaries() if s.port != sources[slot].port)
                await asyncio.to_thread(cluster.move_slots, [slot], target)
            # a failover of a shard under the storm (a plain FAILOVER: no acknowledged write is lost)
            await asyncio.to_thread(cluster.fail_back, replica)
            reads = storm.reads
            while storm.reads < reads + 2000:
                await asyncio.sleep(0.01)
            await storm.stop()
            stats = cached.cache_stats()
            print(f"\nstorm: {storm.writes} writes, {storm.reads} reads, {stats['hits']} hits, "
                  f"{stats['invalidations']} invalidations, {stats['uncached_replies']} uncached replies, "
                  f"moved={cached.stats()['moved']} refreshes={cached.stats()['refreshes']}")
            assert stats["hits"] > 0 and storm.writes > 0
            stale = await stale_reads(cached, writer, keys)
            assert not stale, stale[:5]
            # and it stays so: once more after the client's topology settled
            await asyncio.sleep(0.5)
            assert not await stale_reads(cached, writer, keys)
            drops = sum(part["drops"] for part in cached.cache_stats()["nodes"].values())
            assert drops > 0  # a moved slot and a changed role dropped what was read through them
    finally:
        storm.stopping = True
        await asyncio.gather(*storm.tasks, return_exceptions=True)
        for slot, source in sources.items():
            await asyncio.to_thread(cluster.move_slots, [slot], source)
        if cluster.role(primary) != "master":
            await asyncio.to_thread(cluster.fail_back, primary)
        await asyncio.to_thread(cluster.wait_healthy)


async def test_reads_before_the_first_topology_are_answered_then_cached(
    cluster: LocalCluster, writer: RedisCluster
) -> None:
    await writer.set("early", "e")
    client = cached_cluster(cluster)  # no initialize(): the first reads wait for the topology
    try:
        async with asyncio.timeout(10):
            assert await asyncio.gather(client.get("early"), client.get("early")) == [b"e", b"e"]
            assert await client.get("early") == b"e"
            assert await client.get("early") == b"e"
            assert client.cache_stats()["hits"] >= 1
    finally:
        await client.aclose()


async def test_once_the_slot_table_is_read_a_hit_skips_the_readiness_check(
    cluster: LocalCluster, writer: RedisCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    await writer.set("ready", "r")
    client = cached_cluster(cluster)  # no initialize(): the first read waits for the topology
    try:
        async with asyncio.timeout(10):
            assert await client.get("ready") == b"r"

            def checked() -> bool:
                raise AssertionError("a read of a ready client went through the readiness check")

            monkeypatch.setattr(client._cache, "_ready", checked)
            assert await client.get("ready") == b"r"  # a hit: the table, once read, is never gone
            await writer.set("ready", "s")
            await settled(client)
            assert await client.get("ready") == b"s"  # and a miss after an invalidation
            assert client.cache_stats()["hits"] == 1
    finally:
        await client.aclose()


async def test_reads_from_replicas_are_cached_and_invalidated_by_the_replicas(
    cluster: LocalCluster, writer: RedisCluster
) -> None:
    client = RedisCluster(
        host="127.0.0.1",
        port=cluster.servers[0].port,
        read_from_replicas=True,
        client_name="cached-replicas",
        cache_config=CacheConfig(),
    )
    try:
        async with asyncio.timeout(20):
            await client.initialize()
            while len(client.get_replicas()) < 3:  # the first topology read may predate the replicas' sync
                await asyncio.sleep(0.1)
                await client.nodes_manager.refresh()
            # every node's socket open first: a socket opened later drops its shard's keys (as it should)
            await asyncio.gather(*(client.execute_command("PING", target_nodes=n) for n in client.get_nodes()))
            keys = [f"replica:{i}" for i in range(30)]
            await asyncio.gather(*(writer.set(key, "one") for key in keys))
            # replication is asynchronous: WAIT on each primary, on the writer's sockets, for its replica
            primaries = writer.get_primaries()
            assert await asyncio.gather(
                *(writer.execute_command("WAIT", 1, 5000, target_nodes=node) for node in primaries)
            ) == [1] * len(primaries)
            # a pass whose reads are all hits (a refresh that still sees the cluster settle from an earlier
            # test's failover drops a shard's keys, as it should; then they are read again)
            for _ in range(50):
                hits = client.cache_stats()["hits"]
                assert await asyncio.gather(*(client.get(key) for key in keys)) == [b"one"] * len(keys)
                if client.cache_stats()["hits"] == hits + len(keys):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"never a pass of hits only: {client.cache_stats()}")
            # the reads went to the replicas (the servers' own counts), their keys recorded by shard
            reads_on_replicas = 0
            for node in client.get_replicas():
                stats = cluster.call(cluster.server_by_port(node.port), "INFO", "commandstats")
                reads_on_replicas += stats.get("cmdstat_get", {}).get("calls", 0)  # type: ignore[union-attr]
            assert reads_on_replicas > 0
            assert {name for name, part in client.cache_stats()["nodes"].items() if part["keys"]} == {
                node.name for node in client.get_primaries()
            }
            # a replica's socket lost: its shard's keys go (they may have been read through it)
            replica = client.get_replicas()[0]
            shard = next(p for p, members in client.nodes_manager.topology.shards.items() if replica in members)
            kill_sockets(cluster, cluster.server_by_port(replica.port), "cached-replicas")
            while client.cache_stats()["nodes"][shard]["keys"]:
                await asyncio.sleep(0.01)
            assert all(part["keys"] for name, part in client.cache_stats()["nodes"].items() if name != shard)
            held = client.cache_stats()["entries"]
            assert held >= 10  # two shards' keys
            await asyncio.gather(*(writer.set(key, "two") for key in keys))
            # no cache_clear now: only the replicas' announcements can make the new values appear
            for key in keys:
                while await client.get(key) != b"two":
                    await asyncio.sleep(0.01)
            assert client.cache_stats()["invalidations"] >= held
    finally:
        await client.aclose()


async def test_the_guides_cluster_caching_example_runs(cluster: LocalCluster) -> None:
    code = example("docs/guides/caching.md", "leanredis.RedisCluster(")
    here = f'host="127.0.0.1", port={cluster.servers[0].port}'
    code = code.replace('host="127.0.0.1", port=7000', here)
    assert here in code
    namespace: dict[str, Any] = {"leanredis": leanredis}
    exec(code, namespace)  # builds the client and reads its stats: nothing awaited yet
    rc = namespace["rc"]
    try:
        async with asyncio.timeout(10):
            await rc.set("example", "e")
            assert [await rc.get("example"), await rc.get("example")] == [b"e", b"e"]
            stats = rc.cache_stats()
            assert stats["hits"] == 1 and set(stats["nodes"]) <= {node.name for node in rc.get_primaries()}
    finally:
        await rc.aclose()


async def test_cache_config_on_a_cluster_is_checked(cluster: LocalCluster) -> None:
    port = cluster.servers[0].port
    with pytest.raises(leanredis.DataError, match="protocol=3"):
        RedisCluster(host="127.0.0.1", port=port, protocol=2, cache_config=CacheConfig())
    with pytest.raises(leanredis.DataError, match="CacheConfig"):
        RedisCluster(host="127.0.0.1", port=port, cache_config={"max_bytes": 1024})
    plain = RedisCluster(host="127.0.0.1", port=port)
    with pytest.raises(leanredis.DataError, match="no client-side cache"):
        plain.cache_stats()
    await plain.aclose()


async def test_a_subclass_overriding_execute_command_reads_through_the_cache(cluster: LocalCluster) -> None:
    """An application's subclass (cashews' RedisCluster: ``execute_command`` calling ``super()``) with
    client-side caching: each command passes through the override once, and a repeated read is a hit."""
    calls: list[Any] = []

    class Counting(RedisCluster):
        async def execute_command(self, *args: Any, **options: Any) -> Any:
            calls.append(args[0])
            return await super().execute_command(*args, **options)

    client = Counting(host="127.0.0.1", port=cluster.servers[0].port, cache_config=CacheConfig())
    try:
        async with asyncio.timeout(20):
            assert await client.set("funnel:cached", "v") is True
            assert await client.get("funnel:cached") == b"v"
            assert await client.get("funnel:cached") == b"v"
        assert calls == ["SET", "GET", "GET"]
        assert client.cache_stats()["hits"] == 1
    finally:
        await client.aclose()
