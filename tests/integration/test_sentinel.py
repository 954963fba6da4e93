"""Sentinel against real servers: 1 primary, 1 replica, 3 sentinels on free loopback ports.

Discovery, master_for/replica_for, READONLY and failover following, clear
errors. Every await is bounded; the failover test runs last (it moves the
master) and the others ask the sentinels where the master is now.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

import leanredis
from leanredis import MasterNotFoundError, ReadOnlyError, Sentinel, SlaveNotFoundError
from leanredis.server import RedisServer, free_port

from .docs_examples import example
from .helpers import NO_SYNC_DELAY

pytestmark = pytest.mark.slow

NAME = "mymaster"
LOCAL = "127.0.0.1"


@dataclass
class Topology:
    primary: RedisServer
    replica: RedisServer
    sentinels: list[RedisServer]

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        return [(LOCAL, s.port) for s in self.sentinels]


def _ready(topology: Topology) -> bool:
    """Every sentinel sees the master up, the replica linked, and the two other sentinels."""
    for server in topology.sentinels:
        with redis.Redis(host=LOCAL, port=server.port, socket_timeout=1) as s:
            master = s.sentinel_master(NAME)
            replicas = s.sentinel_slaves(NAME)
        if not master["is_master"] or master["num-other-sentinels"] < 2:
            return False
        if not any(
            r["port"] == topology.replica.port and r["master-link-status"] == "ok" and not r["is_sdown"]
            for r in replicas
        ):
            return False
    return True


@pytest.fixture(scope="module")
def topology(server_binary: str) -> Iterator[Topology]:
    servers: list[RedisServer] = []
    try:
        primary = RedisServer(server_binary, extra_args=NO_SYNC_DELAY)
        servers.append(primary)
        primary.start()
        replica = RedisServer(server_binary, extra_args=["--replicaof", LOCAL, str(primary.port), *NO_SYNC_DELAY])
        servers.append(replica)
        replica.start()
        config = (
            "sentinel resolve-hostnames no\n"
            f"sentinel monitor {NAME} {LOCAL} {primary.port} 2\n"
            f"sentinel down-after-milliseconds {NAME} 1000\n"
            f"sentinel failover-timeout {NAME} 5000\n"
        )
        sentinels = []
        for _ in range(3):
            sentinel = RedisServer(server_binary, sentinel_config=config)
            servers.append(sentinel)
            sentinels.append(sentinel.start())
        result = Topology(primary, replica, sentinels)
        deadline = time.monotonic() + 20
        while not _ready(result):
            if time.monotonic() > deadline:
                pytest.fail("the sentinels did not see the replica and each other within 20 s")
            time.sleep(0.1)
        yield result
    finally:
        for server in servers:
            server.stop()


async def _bounded(aw, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    return await asyncio.wait_for(aw, timeout)


async def _names_the_replica_once(sentinel: Sentinel, topology: Topology) -> tuple[str, int]:
    """Make ``sentinel`` name the replica as the master once, as a sentinel that has not heard of a failover
    yet names the demoted server, and the real master after; the real master's address."""
    real = sentinel.discover_master
    stale = [(LOCAL, topology.replica.port)]

    async def stale_once(name: str) -> tuple[str, int]:
        return stale.pop() if stale else await real(name)

    sentinel.discover_master = stale_once  # type: ignore[method-assign]
    return await _bounded(real(NAME))


async def test_the_command_tables_sentinel_rows_match_a_sentinels_command_info(topology: Topology) -> None:
    from leanredis.commands.spec import DECLARED_FLAGS
    from leanredis.commands.table import COMMANDS

    host, port = topology.sentinel_addresses[0]
    client = leanredis.Redis(host=host, port=port, decode_responses=True)
    try:
        (entry,) = await _bounded(client.execute_command("COMMAND", "INFO", "SENTINEL"))
    finally:
        await client.aclose()
    server = {entry[0].upper(): entry}
    server.update({sub[0].upper().replace("|", " "): sub for sub in entry[9]})
    rows = {name: row for name, row in COMMANDS.items() if name.split()[0] == "SENTINEL"}
    assert len(rows) > 10
    problems = []
    for name, row in rows.items():
        found = server.get(name)
        if found is None:
            problems.append(f"{name}: the sentinel has no such command")
        elif (row.first, row.last, row.step) != tuple(found[3:6]) or set(row.flags) != set(found[2]) & DECLARED_FLAGS:
            declared = (row.first, row.last, row.step, sorted(row.flags))
            problems.append(f"{name}: declared {declared}, sentinel {found[2:6]}")
    assert not problems, problems


async def test_discover_master_and_replicas(topology: Topology) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        assert await _bounded(sentinel.discover_master(NAME)) == (LOCAL, topology.primary.port)
        assert await _bounded(sentinel.discover_slaves(NAME)) == [(LOCAL, topology.replica.port)]


async def test_sentinels_are_tried_in_turn_and_the_one_that_answered_moves_to_front(topology: Topology) -> None:
    dead = (LOCAL, free_port())
    async with Sentinel([dead, *topology.sentinel_addresses]) as sentinel:
        assert await _bounded(sentinel.discover_master(NAME)) == (LOCAL, topology.primary.port)
        ports = [s.connection.options.port for s in sentinel.sentinels]
        first, *others = (s.port for s in topology.sentinels)
        assert ports == [first, dead[1], *others]


async def test_master_for_writes_and_replica_for_reads_what_was_written(topology: Topology) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        master_address = await _bounded(sentinel.discover_master(NAME))
        master = sentinel.master_for(NAME, decode_responses=True)
        replica = sentinel.replica_for(NAME, decode_responses=True)
        try:
            assert await _bounded(master.set("sentinel:k", "v"))
            assert (master.connection.options.host, master.connection.options.port) == master_address
            value = None
            for _ in range(100):  # replication is asynchronous: up to 5 s
                value = await _bounded(replica.get("sentinel:k"))
                if value == "v":
                    break
                await asyncio.sleep(0.05)
            assert value == "v"
            assert (replica.connection.options.host, replica.connection.options.port) != master_address
            connects = replica.connection.stats_connects
            with pytest.raises(ReadOnlyError):  # a replica client keeps its replica: READONLY is expected there
                await _bounded(replica.set("sentinel:k", "w"))
            assert await _bounded(replica.get("sentinel:k")) == "v"
            assert replica.connection.stats_connects == connects
            assert sentinel.slave_for == sentinel.replica_for
        finally:
            await master.aclose()
            await replica.aclose()


async def test_master_and_replica_given_protocol_3_reply_in_redis_pys_resp3_shapes(topology: Topology) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        master = sentinel.master_for(NAME, protocol=3)
        replica = sentinel.replica_for(NAME, protocol=3)
        try:
            await _bounded(master.delete("sentinel:z"))
            await _bounded(master.zadd("sentinel:z", {"a": 1, "b": 2}))
            # redis.asyncio.Redis(protocol=3)'s shapes: [member, score], not [(member, score)]
            assert await _bounded(master.zpopmin("sentinel:z")) == [b"a", 1.0]
            assert await _bounded(replica.acl_whoami()) == b"default"
        finally:
            await master.aclose()
            await replica.aclose()


async def test_readonly_reply_drops_the_connection_and_the_next_command_reaches_the_master(
    topology: Topology,
) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        master_address = await _names_the_replica_once(sentinel, topology)
        master = sentinel.master_for(NAME)
        try:
            with pytest.raises(ReadOnlyError):
                await _bounded(master.set("sentinel:ro", 1))
            assert master.follower.stats_readonly_drops == 1
            assert await _bounded(master.set("sentinel:ro", 2))
            assert (master.connection.options.host, master.connection.options.port) == master_address
            assert master.connection.stats_connects == 2
        finally:
            await master.aclose()


async def test_readonly_is_noticed_in_batches_that_start_with_a_read(topology: Topology) -> None:
    """Only a sample of replies is checked: batches of GET, SET, GET, SET, ... still find the READONLY."""
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        master_address = await _names_the_replica_once(sentinel, topology)
        master = sentinel.master_for(NAME)
        try:
            await _bounded(master.get("sentinel:batch"))  # connected to the replica; a read is fine there
            for _ in range(20):
                batch = [
                    master.get("sentinel:batch") if i % 2 == 0 else master.set("sentinel:batch", i) for i in range(500)
                ]
                await _bounded(asyncio.gather(*batch, return_exceptions=True))
                if master.follower.stats_readonly_drops:
                    break
            assert master.follower.stats_readonly_drops == 1
            assert await _bounded(master.set("sentinel:batch", "done"))
            assert (master.connection.options.host, master.connection.options.port) == master_address
        finally:
            await master.aclose()


async def test_the_sentinel_guide_example_prints_what_its_comments_say(topology: Topology) -> None:
    code = example("docs/guides/sentinel.md", "leanredis.Sentinel(")
    code = code.replace('[("localhost", 26379)]', repr(topology.sentinel_addresses))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await _bounded(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    expected = [line.split("#")[-1].strip() for line in code.splitlines() if "print(" in line]
    assert out.decode().split("\n")[:-1] == expected


async def test_blocking_commands_and_pubsub_find_the_master_through_the_sentinels(topology: Topology) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        master = sentinel.master_for(NAME)
        try:
            await _bounded(master.delete("sentinel:list"))
            await _bounded(master.rpush("sentinel:list", "x"))
            assert await _bounded(master.blpop(["sentinel:list"], timeout=1)) == (b"sentinel:list", b"x")
            async with master.pubsub() as pubsub:
                await _bounded(pubsub.subscribe("sentinel:channel"))
                confirmed = await _bounded(pubsub.get_message(timeout=2))
                assert confirmed is not None and confirmed["type"] == "subscribe"
                assert pubsub.options.port == master.connection.options.port
                assert await _bounded(master.publish("sentinel:channel", "hi")) == 1
                message = await _bounded(pubsub.get_message(ignore_subscribe_messages=True, timeout=2))
                assert message is not None and message["data"] == b"hi"
        finally:
            await master.aclose()


@pytest.mark.parametrize("kind", ["leanredis", "redis.asyncio", "redis.asyncio-pool-on-leanredis"])
async def test_a_sentinel_connection_pool_handed_to_redis_follows_the_master(topology: Topology, kind: str) -> None:
    """channels-redis: ``Redis(connection_pool=SentinelConnectionPool(name, Sentinel(...)))``, pub/sub included."""
    import redis.asyncio
    import redis.asyncio.sentinel

    from leanredis.sentinel import SentinelConnectionPool

    if kind == "leanredis":
        pool = SentinelConnectionPool(NAME, Sentinel(topology.sentinel_addresses))
        client = leanredis.Redis(connection_pool=pool)
    else:
        manager = redis.asyncio.sentinel.Sentinel(topology.sentinel_addresses)
        pool = redis.asyncio.sentinel.SentinelConnectionPool(NAME, manager)
        client = (redis.asyncio.Redis if kind == "redis.asyncio" else leanredis.Redis)(connection_pool=pool)
    try:
        await _bounded(client.delete("sentinel:pool-list"))
        await _bounded(client.rpush("sentinel:pool-list", "x"))
        assert tuple(await _bounded(client.blpop(["sentinel:pool-list"], timeout=1))) == (b"sentinel:pool-list", b"x")
        info = await _bounded(client.info("server"))
        assert info["tcp_port"] == topology.primary.port  # the master, named by the sentinels
        pubsub = client.pubsub()
        try:
            await _bounded(pubsub.subscribe("sentinel:pool-channel"))
            confirmed = await _bounded(pubsub.get_message(timeout=2))
            assert confirmed is not None and confirmed["type"] == "subscribe"
            assert await _bounded(client.publish("sentinel:pool-channel", "hi")) == 1
            message = await _bounded(pubsub.get_message(ignore_subscribe_messages=True, timeout=2))
            assert message is not None and message["data"] == b"hi"
        finally:
            await pubsub.aclose()
    finally:
        await client.aclose(close_connection_pool=True)


async def test_unknown_service_name_raises_master_and_slave_not_found(topology: Topology) -> None:
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        with pytest.raises(MasterNotFoundError, match="nosuchmaster"):
            await _bounded(sentinel.discover_master("nosuchmaster"))
        assert await _bounded(sentinel.discover_slaves("nosuchmaster")) == []
        master = sentinel.master_for("nosuchmaster")
        replica = sentinel.replica_for("nosuchmaster")
        try:
            with pytest.raises(MasterNotFoundError, match="nosuchmaster"):
                await _bounded(master.ping())
            with pytest.raises(SlaveNotFoundError, match="nosuchmaster"):
                await _bounded(replica.ping())
        finally:
            await master.aclose()
            await replica.aclose()


async def test_all_sentinels_down_raises_connection_error_quickly() -> None:
    async with Sentinel([(LOCAL, free_port()), (LOCAL, free_port())]) as sentinel:
        started = time.monotonic()
        with pytest.raises(leanredis.ConnectionError, match="unreachable"):
            await _bounded(sentinel.discover_master(NAME))
        master = sentinel.master_for(NAME)
        try:
            with pytest.raises(leanredis.ConnectionError, match="No master found"):
                await _bounded(master.ping())
        finally:
            await master.aclose()
        assert time.monotonic() - started < 5


def _same_kind(ours: object, theirs: object) -> bool:
    """Same keys and types, recursively; values compared where they do not move between two calls
    (a sentinel's timings do: last-ping-sent, info-refresh, ...)."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        assert isinstance(theirs, dict)
        stable = {"name", "ip", "port", "flags", "quorum", "num-slaves", "num-other-sentinels"}
        fixed = {k for k in ours if k in stable or str(k).startswith("is_")}
        return (
            ours.keys() == theirs.keys()
            and all(_same_kind(ours[k], theirs[k]) for k in ours)
            and all(ours[k] == theirs[k] for k in fixed)
        )
    if isinstance(ours, (list, tuple)):
        assert isinstance(theirs, (list, tuple))
        return len(ours) == len(theirs) and all(_same_kind(a, b) for a, b in zip(ours, theirs))
    return True


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
async def test_sentinel_commands_return_what_redis_py_returns(
    topology: Topology, server_binary: str, protocol: int, decode: bool
) -> None:
    import redis.asyncio

    port = topology.sentinels[0].port
    ours = leanredis.Redis(host=LOCAL, port=port, protocol=protocol, decode_responses=decode, socket_timeout=5)
    theirs = redis.asyncio.Redis(host=LOCAL, port=port, decode_responses=decode, socket_timeout=5)
    spare = RedisServer(server_binary)  # a master of its own to MONITOR, SET, FAILOVER and REMOVE
    spare.start()
    try:
        for method, args in (
            ("sentinel_get_master_addr_by_name", (NAME,)),
            ("sentinel_get_master_addr_by_name", ("nope",)),
            ("sentinel_master", (NAME,)),
            ("sentinel_masters", ()),
            ("sentinel_slaves", (NAME,)),
            ("sentinel_sentinels", (NAME,)),
            ("sentinel_ckquorum", (NAME,)),
            ("sentinel_flushconfig", ()),
            ("sentinel_reset", ("no-such-master-*",)),
        ):
            mine = await _bounded(getattr(ours, method)(*args))
            its = await _bounded(getattr(theirs, method)(*args))
            assert _same_kind(mine, its), f"{method}{args}: leanredis {mine!r} vs redis-py {its!r}"
        assert (await _bounded(ours.sentinel_master(NAME)))["port"] in (topology.primary.port, topology.replica.port)
        for client in (ours, theirs):
            assert await _bounded(client.sentinel_monitor("spare", LOCAL, spare.port, 1)) is True
            assert await _bounded(client.sentinel_set("spare", "down-after-milliseconds", 2000)) is True
            assert (await _bounded(client.sentinel_master("spare")))["down-after-milliseconds"] == 2000
            for failing in (client.sentinel_failover("spare"), client.sentinel_master("nope")):
                with pytest.raises(Exception) as raised:  # NOGOODSLAVE / no such master: the server's error
                    await _bounded(failing)
                assert type(raised.value).__name__ == "ResponseError"
            assert await _bounded(client.sentinel_remove("spare")) is True
        with pytest.warns(DeprecationWarning, match="sentinel_"):
            assert await ours.sentinel("MASTERS") is None
    finally:
        spare.stop()
        await ours.aclose()
        await theirs.aclose()


async def test_the_sentinel_managers_own_commands_answer_as_redis_pys(topology: Topology, server_binary: str) -> None:
    """Sentinel.sentinel_* and execute_command ask every sentinel (or one) and answer as redis.asyncio's Sentinel:
    True, or the replies with return_responses."""
    import redis.asyncio.sentinel

    ours = Sentinel(topology.sentinel_addresses, socket_timeout=5)
    theirs = redis.asyncio.sentinel.Sentinel(topology.sentinel_addresses, socket_timeout=5)
    spare = RedisServer(server_binary)
    spare.start()
    try:
        answers = []
        for manager in (ours, theirs):
            replies: dict[object, object] = {}
            for method, args, kwargs in (
                ("sentinel_get_master_addr_by_name", (NAME,), {}),
                ("sentinel_get_master_addr_by_name", (NAME,), {"return_responses": True}),
                ("sentinel_master", (NAME,), {}),
                ("sentinel_master", (NAME,), {"return_responses": True}),
                ("sentinel_masters", (), {}),
                ("sentinel_slaves", (NAME,), {}),
                ("sentinel_sentinels", (NAME,), {"return_responses": True}),
                ("sentinel_ckquorum", (NAME,), {}),  # "+OK 3 usable Sentinels...": not "OK", so False in both
                ("sentinel_flushconfig", (), {}),
                ("sentinel_reset", ("no-such-master-*",), {}),  # 0 masters reset: False in both
                ("sentinel_monitor", ("spare", LOCAL, spare.port, 1), {}),
                ("sentinel_set", ("spare", "down-after-milliseconds", 2000), {}),
                ("sentinel_remove", ("spare",), {}),
            ):
                replies[method, bool(kwargs)] = await _bounded(getattr(manager, method)(*args, **kwargs))
            replies["execute"] = await _bounded(manager.execute_command("SENTINEL MASTERS", return_responses=True))
            replies["execute once"] = await _bounded(manager.execute_command("PING", once=True))
            with pytest.raises(Exception) as raised:
                await _bounded(manager.sentinel_master("nope"))
            assert type(raised.value).__name__ == "ResponseError"
            assert manager.filter_replicas([{"ip": LOCAL, "port": 1, "is_odown": False, "is_sdown": True}]) == []
            answers.append(replies)
        mine, its = answers
        assert mine.keys() == its.keys()
        for key, reply in its.items():
            if isinstance(reply, list):  # the sentinels' own replies: as many, of the same kinds
                assert isinstance(mine[key], list) and len(mine[key]) == len(reply), (key, mine[key], reply)
                assert _same_kind(mine[key], reply), (key, mine[key], reply)
            else:
                assert mine[key] is reply, (key, mine[key], reply)
        assert len(its["sentinel_master", True]) == len(its["execute"]) == 3
        assert int(mine["sentinel_get_master_addr_by_name", True][0][1]) in (  # type: ignore[index]
            topology.primary.port, topology.replica.port)  # fmt: skip
        decoding = {"decode_responses": True, "socket_timeout": 5}
        async with Sentinel(topology.sentinel_addresses, sentinel_kwargs=decoding) as text:
            host = (await _bounded(text.sentinel_get_master_addr_by_name(NAME, return_responses=True)))[0][0]
        their_text = redis.asyncio.sentinel.Sentinel(topology.sentinel_addresses, sentinel_kwargs=decoding)
        their_host = (await _bounded(their_text.sentinel_get_master_addr_by_name(NAME, return_responses=True)))[0][0]
        await their_text.aclose()
        assert host == their_host == LOCAL
    finally:
        spare.stop()
        await ours.aclose()
        await theirs.aclose()


async def test_client_follows_a_sentinel_failover_while_a_workload_runs(topology: Topology) -> None:
    """SENTINEL FAILOVER under writes: the same client ends on the new primary, writes succeed there."""
    loop = asyncio.get_running_loop()
    async with Sentinel(topology.sentinel_addresses) as sentinel:
        old = await _bounded(sentinel.discover_master(NAME))
        master = sentinel.master_for(NAME, socket_timeout=1.0, socket_connect_timeout=2.0)
        stop = asyncio.Event()
        counts = {"ok": 0, "errors": 0}

        async def writer(index: int) -> None:
            deadline = loop.time() + 30  # bounded even if the test body fails to set stop
            while not stop.is_set() and loop.time() < deadline:
                try:
                    await _bounded(master.incr(f"sentinel:workload:{index}"), 3)
                    counts["ok"] += 1
                except (leanredis.ConnectionError, leanredis.TimeoutError, ReadOnlyError, asyncio.TimeoutError):
                    counts["errors"] += 1
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.002)

        writers = [asyncio.ensure_future(writer(i)) for i in range(4)]
        try:
            await asyncio.sleep(0.3)
            assert counts["ok"] > 0
            assert (master.connection.options.host, master.connection.options.port) == old
            assert await _bounded(sentinel.execute_command("SENTINEL", "FAILOVER", NAME, once=True))
            started = loop.time()
            ok_at_switch = None
            while loop.time() - started < 25:
                address = (master.connection.options.host, master.connection.options.port)
                if address != old and master.connection.is_connected:
                    if ok_at_switch is None:
                        ok_at_switch = counts["ok"]
                    elif counts["ok"] > ok_at_switch + 10:
                        break
                await asyncio.sleep(0.05)
            followed_after = loop.time() - started
            assert address != old, f"still on {old} {followed_after:.1f} s after SENTINEL FAILOVER ({counts})"
            assert counts["ok"] > (ok_at_switch or 0) + 10, f"no writes on the new primary ({counts})"
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*writers), 10)
        new = await _bounded(sentinel.discover_master(NAME))
        assert new == address
        assert await _bounded(master.set("sentinel:after", "x"))
        direct = leanredis.Redis(host=new[0], port=new[1])
        try:
            assert await _bounded(direct.get("sentinel:after")) == b"x"
            assert (await _bounded(direct.info("replication")))["role"] == "master"
        finally:
            await direct.aclose()
            await master.aclose()
        print(f"followed the failover in {followed_after:.1f} s; {counts}")
