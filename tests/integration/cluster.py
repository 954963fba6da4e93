"""A real local Redis Cluster for tests: 3 primaries + 3 replicas on free loopback ports.

Each node is a ``RedisServer`` with ``cluster-enabled yes`` in its own
directory; slots are assigned with ADDSLOTSRANGE, nodes joined with MEET,
replicas attached with REPLICATE, and the start waits (bounded) until every
node reports ``cluster_state:ok`` and sees every replica. Always stopped.
Admin commands go through redis-py's synchronous client (not the code under test).
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import redis

from leanredis.server import RedisServer

from .helpers import NO_SYNC_DELAY

RANGES = ((0, 5460), (5461, 10922), (10923, 16383))


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# Ports this process reserved (their lock files stay open while it runs): test processes running side by side
# (pytest-xdist workers, the CI's two server tiers) never pick the same node, nor one's node another's bus.
_RESERVED: dict[int, int] = {}
_LOCKS = Path(tempfile.gettempdir()) / f"leanredis-cluster-ports-{os.getuid()}"


def _reserve(port: int) -> bool:
    """Lock ``port`` for this process, across processes (an advisory lock file, freed when the process exits)."""
    _LOCKS.mkdir(exist_ok=True)
    fd = os.open(_LOCKS / str(port), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _RESERVED[port] = fd
    return True


def cluster_port() -> int:
    """A free loopback port whose bus port (port + 10000, the server's rule) is free too, reserved for this process.

    Node ports come from 20000-22767, so that bus ports (30000-32767) stay below Linux's ephemeral range
    (32768 up), where free_port() and every outgoing connection take theirs.
    """
    for _ in range(1000):
        port = random.randint(20000, 22767)
        if port in _RESERVED or not _reserve(port):
            continue
        if _bindable(port) and _bindable(port + 10000):
            return port
        _release(port)
    raise RuntimeError("no free port pair for a cluster node")


def _release(port: int) -> None:
    fd = _RESERVED.pop(port, None)
    if fd is not None:
        os.close(fd)


class LocalCluster:
    """Six servers; ``primaries[i]`` serves ``RANGES[i]``, ``replicas[i]`` replicates it."""

    def __init__(self, binary: str, node_timeout_ms: int = 2000) -> None:
        args = [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(node_timeout_ms),
            "--cluster-allow-replica-migration", "no",
            *NO_SYNC_DELAY,
        ]  # fmt: skip
        self.servers = [RedisServer(binary, port=cluster_port(), extra_args=args) for _ in range(6)]
        self.primaries = self.servers[:3]
        self.replicas = self.servers[3:]
        self.ids: dict[int, str] = {}

    def admin(self, server: RedisServer) -> redis.Redis:
        return redis.Redis(host=server.host, port=server.port, socket_timeout=10, decode_responses=True)

    def call(self, server: RedisServer, *args: object) -> object:
        client = self.admin(server)
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def start(self, timeout: float = 30.0) -> LocalCluster:
        try:
            for server in self.servers:
                server.start()
            for server in self.servers:
                self.ids[server.port] = str(self.call(server, "CLUSTER", "MYID"))
            for server, (start, end) in zip(self.primaries, RANGES):
                self.call(server, "CLUSTER", "ADDSLOTSRANGE", start, end)
            first = self.servers[0]
            for server in self.servers[1:]:
                self.call(first, "CLUSTER", "MEET", server.host, server.port)
            deadline = time.monotonic() + timeout
            self.wait(lambda: all(self._known_nodes(s) == 6 for s in self.servers), deadline, "every node meets 6")
            for replica, primary in zip(self.replicas, self.primaries):
                self.call(replica, "CLUSTER", "REPLICATE", self.ids[primary.port])
            self.wait(self.healthy, deadline, "cluster_state:ok with every replica attached")
        except BaseException:
            self.stop()
            raise
        return self

    def _known_nodes(self, server: RedisServer) -> int:
        return len(str(self.call(server, "CLUSTER", "NODES")).strip().splitlines())

    def healthy(self) -> bool:
        """Every node says cluster_state:ok and sees 3 primaries with a replica each."""
        for server in self.running():
            info = str(self.call(server, "CLUSTER", "INFO"))
            if "cluster_state:ok" not in info:
                return False
            nodes = str(self.call(server, "CLUSTER", "NODES")).splitlines()
            flags = [line.split()[2].split(",") for line in nodes if line.strip()]
            replicas = [f for f in flags if "slave" in f and "fail" not in f and "fail?" not in f]
            if len(replicas) != 3:
                return False
        for server in self.running():
            info = self.call(server, "INFO", "replication")
            if not isinstance(info, dict):
                return False
            if info.get("role") == "slave" and info.get("master_link_status") != "up":
                return False
        return True

    @staticmethod
    def wait(check: Callable[[], bool], deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except redis.RedisError:
                pass  # a node still starting or mid-change: look again
            time.sleep(0.05)
        raise TimeoutError(f"local cluster: {what} did not happen in time")

    def fail_back(self, server: RedisServer, timeout: float = 30.0) -> None:
        """Make ``server`` (a replica now) primary again: CLUSTER FAILOVER once it is in sync, FORCE if refused."""
        deadline = time.monotonic() + timeout

        def in_sync() -> bool:
            info = self.call(server, "INFO", "replication")
            return isinstance(info, dict) and info.get("master_link_status") == "up"

        self.wait(in_sync, deadline, f"{server.port} in sync with its primary")
        for attempt in range(4):
            self.call(server, "CLUSTER", "FAILOVER", *(["FORCE"] if attempt else []))
            try:
                self.wait(lambda: self.role(server) == "master", min(deadline, time.monotonic() + 6), "failover")
            except TimeoutError:
                continue
            self.wait(self.healthy, deadline, "cluster healthy after the failback")
            return
        raise TimeoutError(f"{server.port} did not become primary again")

    def role(self, server: RedisServer) -> str:
        info = self.call(server, "INFO", "replication")
        return str(info.get("role")) if isinstance(info, dict) else ""

    def server_by_port(self, port: int) -> RedisServer:
        return next(server for server in self.servers if server.port == port)

    def running(self) -> list[RedisServer]:
        """The servers whose process is alive (a killed one is left out) and still in the cluster."""
        return [server for server in self.servers if server.running and server.port in self.ids]

    def owner(self, slot: int) -> RedisServer:
        """The primary serving ``slot`` now, as the cluster itself says."""
        for entry in self.call(self.running()[0], "CLUSTER", "SLOTS"):  # type: ignore[union-attr]
            if entry[0] <= slot <= entry[1]:
                return self.server_by_port(int(entry[2][1]))
        raise LookupError(f"slot {slot} is not served")

    def current_primaries(self) -> list[RedisServer]:
        """The servers that are primaries now (failovers change who), as their own INFO says."""
        return [server for server in self.running() if self.role(server) == "master"]

    def replica_of(self, primary: RedisServer) -> RedisServer:
        """A running replica attached to ``primary`` now."""
        nodes = str(self.call(primary, "CLUSTER", "NODES")).splitlines()
        for line in nodes:
            fields = line.split()
            if len(fields) > 3 and fields[3] == self.ids[primary.port] and "fail" not in fields[2]:
                port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
                return self.server_by_port(port)
        raise LookupError(f"{primary.port} has no replica")

    def move_slots(self, slots: list[int], target: RedisServer, batch: int = 3) -> int:
        """Migrate ``slots`` to ``target`` one by one as ``redis-cli --cluster reshard`` does; keys moved.

        Per slot: SETSLOT IMPORTING on the target, MIGRATING on the source,
        ``MIGRATE ... KEYS`` ``batch`` keys at a time (between two batches the
        slot is split: ASK), then SETSLOT NODE on the target, the source and
        every other primary. One admin connection per server for the whole move.
        """
        clients = {server.port: self.admin(server) for server in self.running()}
        moved = 0
        try:
            target_id = self.ids[target.port]
            primaries = [s for s in self.running() if self.role(s) == "master"]
            for slot in slots:
                source = self.owner(slot)
                if source.port == target.port:
                    continue
                src, dst = clients[source.port], clients[target.port]
                dst.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", self.ids[source.port])
                src.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
                while True:
                    keys = src.execute_command("CLUSTER", "GETKEYSINSLOT", slot, batch)
                    if not keys:
                        break
                    src.execute_command("MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys)
                    moved += len(keys)
                dst.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
                src.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
                for server in primaries:
                    if server.port not in (source.port, target.port):
                        clients[server.port].execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
        finally:
            for client in clients.values():
                client.close()
        return moved

    def move_all_slots(self, source: RedisServer, target: RedisServer, busy: list[int]) -> None:
        """Every slot of ``source`` to ``target``: those in ``busy`` as ``move_slots`` does, the others with
        SETSLOT NODE alone, pipelined, on the target then every other primary at once.

        The others must hold no key and see no command (the caller flushed
        ``source`` and keeps its traffic on ``busy``): thousands of slots move
        in seconds (Valkey 8+ waits for the replicas at each SETSLOT: ~1 ms).
        """
        self.move_slots(busy, target)
        entries = self.call(source, "CLUSTER", "SLOTS")
        assert isinstance(entries, list)
        slots = [s for e in entries if int(e[2][1]) == source.port for s in range(int(e[0]), int(e[1]) + 1)]
        target_id = self.ids[target.port]

        def assign(server: RedisServer) -> None:
            client = self.admin(server)
            try:
                pipe = client.pipeline(transaction=False)
                for slot in slots:
                    pipe.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
                pipe.execute()
            finally:
                client.close()

        # the target first (as redis-cli does): no node ever sees a slot without an owner (CLUSTERDOWN);
        # then the source and the others at once
        assign(target)
        others = [s for s in self.running() if self.role(s) == "master" and s.port != target.port]
        with ThreadPoolExecutor(len(others)) as pool:
            list(pool.map(assign, others))

    def wait_role(self, server: RedisServer, role: str, timeout: float) -> float:
        """Poll (every 10 ms) until ``server`` says it is ``role`` ("master"); the monotonic time it did."""
        deadline = time.monotonic() + timeout
        client = self.admin(server)
        try:
            while time.monotonic() < deadline:
                try:
                    if client.info("replication").get("role") == role:
                        return time.monotonic()
                except redis.RedisError:
                    pass  # mid-change: ask again
                time.sleep(0.01)
        finally:
            client.close()
        raise TimeoutError(f"{server.port} did not become {role} within {timeout} s")

    def wait_healthy(self, timeout: float = 30.0) -> None:
        self.wait(self.healthy, time.monotonic() + timeout, "cluster healthy")

    def stop(self) -> None:
        for server in self.servers:  # every node asked first: they shut down side by side, not one by one
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in self.servers:
            server.stop()
            _release(server.port)


@contextmanager
def running_cluster(binary: str, node_timeout_ms: int = 2000) -> Iterator[LocalCluster]:
    """A started ``LocalCluster``, stopped on the way out (a module-scoped fixture's body)."""
    local = LocalCluster(binary, node_timeout_ms)
    local.start()
    try:
        yield local
    finally:
        local.stop()
