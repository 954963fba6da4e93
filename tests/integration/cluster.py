"""A real local Redis Cluster for tests: 3 primaries + 3 replicas on free loopback ports.

Each node is a ``RedisServer`` with ``cluster-enabled yes`` in its own
directory; slots are assigned with ADDSLOTSRANGE, nodes joined with MEET,
replicas attached with REPLICATE, and the start waits (bounded) until every
node reports ``cluster_state:ok`` and sees every replica. Always stopped.
Admin commands go through redis-py's synchronous client (not the code under test).
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable

import redis

from leanredis.server import RedisServer

RANGES = ((0, 5460), (5461, 10922), (10923, 16383))


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free loopback port whose bus port (port + 10000, the server's rule) is free too."""
    for _ in range(1000):
        port = random.randint(20000, 39999)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


class LocalCluster:
    """Six servers; ``primaries[i]`` serves ``RANGES[i]``, ``replicas[i]`` replicates it."""

    def __init__(self, binary: str, node_timeout_ms: int = 2000) -> None:
        args = [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(node_timeout_ms),
            "--cluster-allow-replica-migration", "no",
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
        for server in self.servers:
            info = str(self.call(server, "CLUSTER", "INFO"))
            if "cluster_state:ok" not in info:
                return False
            nodes = str(self.call(server, "CLUSTER", "NODES")).splitlines()
            flags = [line.split()[2].split(",") for line in nodes if line.strip()]
            replicas = [f for f in flags if "slave" in f and "fail" not in f and "fail?" not in f]
            if len(replicas) != 3:
                return False
        for replica in self.replicas:
            info = self.call(replica, "INFO", "replication")
            if not isinstance(info, dict) or info.get("master_link_status") != "up":
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

    def owner(self, slot: int) -> RedisServer:
        """The primary serving ``slot`` now, as the cluster itself says."""
        for entry in self.call(self.servers[0], "CLUSTER", "SLOTS"):  # type: ignore[union-attr]
            if entry[0] <= slot <= entry[1]:
                return self.server_by_port(int(entry[2][1]))
        raise LookupError(f"slot {slot} is not served")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
