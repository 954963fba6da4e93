"""The cluster ruler: the least a Python asyncio client can do against a Redis Cluster.

The single-server ruler (../shared/bench/limit_proto.py) spread over the
primaries: the slot map is read once at the start (CLUSTER SLOTS), each
command's slot is computed from its key (``binascii.crc_hqx`` & 16383, or its
``{hash tag}``), the command is encoded into that node's out-buffer exactly
as limit_proto encodes it, one callback per loop iteration writes every
node's buffer that has bytes (one ``transport.write`` per node per tick),
and each node's replies are read with hiredis and resolve that node's futures
in order. No redirects, no retries, no timeouts, no bounds, no reconnect, no
error handling: it is not a client, it is a ruler. Run beside limit_proto on
one server, it shows what the split over several sockets and server
processes costs by itself on this machine; beside ``RedisCluster``, how close
the real thing is.

  python limit_cluster.py --port 7000 [--n 300000] [--concurrency 1000]
                          [--value-size 100] [--loop asyncio|uvloop]
                          [--flood 200000] [--coro] [--c-future]

--port is any node of the cluster. A server without cluster support is
taken as serving every slot (the routing without the split). Each command's
future is a trivial ``asyncio.Future`` subclass, as perf.py's ``limit-sub``
resolves (the price of an object that is a future and a coroutine);
--c-future resolves the exact C Future as limit_proto does.

Prints one JSON line, limit_proto's fields: burst ops/s (C tasks, each
awaiting SETs ``k:<i>`` in turn: the keys spread over every slot), batch
ops/s (10,000 gathered at a time), flood ops/s and peak RSS, RSS
before/after. ``benchmarks/perf.py`` imports this module for its client
``limit-cluster``, so that the ruler and the clients run the same driver.
Needs: hiredis (and uvloop for --loop uvloop).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import time
from binascii import crc_hqx
from typing import Any

import hiredis

SLOTS = 16384


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class SubFuture(asyncio.Future):  # type: ignore[type-arg]
    """A Future subclass with nothing added (perf.py's limit-sub resolves the same)."""

    __slots__ = ()


class Node(asyncio.Protocol):
    """One primary's socket: bytes out through the cluster's flush, replies in, futures resolved in order."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.pending: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.reader = hiredis.Reader()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            fut = self.pending.popleft()
            if not fut.cancelled():
                fut.set_result(reply)


def tagged_slot(key: bytes) -> int:
    """The slot of a key holding a ``{``: its hash tag's, if the tag is not empty, else the whole key's."""
    start = key.find(b"{")
    end = key.find(b"}", start + 1)
    if end > start + 1:
        key = key[start + 1 : end]
    return crc_hqx(key, 0) & (SLOTS - 1)


class Cluster:
    """The slot map and the nodes: ``execute(name, key, *rest)`` returns the command's future."""

    def __init__(self, loop: asyncio.AbstractEventLoop, future: Any = None) -> None:
        self.loop = loop
        self.new_future = future or loop.create_future
        self.slots: list[Any] = [None] * SLOTS
        self.nodes: dict[tuple[str, int], Node] = {}
        self.dirty: list[Node] = []  # nodes whose out-buffer has bytes this iteration

    async def node(self, host: str, port: int) -> Node:
        node = self.nodes.get((host, port))
        if node is None:
            _, node = await self.loop.create_connection(Node, host, port)
            self.nodes[(host, port)] = node
        return node

    async def connect(self, host: str, port: int) -> Cluster:
        """Read the slot map from the node at host:port (CLUSTER SLOTS) and open a socket to each primary."""
        seed = await self.node(host, port)
        fut = self.loop.create_future()
        seed.pending.append(fut)
        seed.transport.write(b"*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n")
        ranges = await fut
        if isinstance(ranges, hiredis.ReplyError):  # no cluster support: this one server serves every slot
            ranges = [[0, SLOTS - 1, [host.encode(), port]]]
        for first, last, primary, *_ in ranges:
            node = await self.node(primary[0].decode() or host, int(primary[1]))
            self.slots[first : last + 1] = [node] * (last + 1 - first)
        return self

    def _flush(self) -> None:
        dirty, self.dirty = self.dirty, []
        for node in dirty:
            node.transport.write(node.out)
            node.out = bytearray()

    def execute(self, *args: Any) -> asyncio.Future[Any]:
        key = args[1]
        # 123 is ord("{"): an int test is a C loop, ``b"{" in key`` tries the int form first and raises inside
        node = self.slots[crc_hqx(key, 0) & 16383 if 123 not in key else tagged_slot(key)]
        out = node.out
        if not out:  # the node's first command in this iteration
            if not self.dirty:
                self.loop.call_soon(self._flush)
            self.dirty.append(node)
        out += b"*%d\r\n" % len(args)
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out += b"$%d\r\n" % len(a)
            out += a
            out += b"\r\n"
        fut = self.new_future()
        node.pending.append(fut)
        return fut

    def close(self) -> None:
        for node in self.nodes.values():
            node.transport.close()


async def open_cluster(port: int, c_future: bool = False) -> Cluster:
    """The ruler connected to the cluster whose node listens on 127.0.0.1:``port``."""
    loop = asyncio.get_running_loop()
    future = None if c_future else (lambda: SubFuture(loop=loop))
    return await Cluster(loop, future).connect("127.0.0.1", port)


async def main(a: argparse.Namespace) -> None:
    cluster = await open_cluster(a.port, a.c_future)
    val = os.urandom(a.value_size)
    await cluster.execute(b"SET", b"warm", val)
    r0 = rss_mb()

    send = cluster.execute
    if a.coro:
        # a drop-in redis.asyncio API has coroutine methods: gather() then pays a Task each
        async def send(*args: Any) -> Any:  # type: ignore[misc]
            return await cluster.execute(*args)

    async def worker(j: int) -> None:
        for i in range(j, a.n, a.concurrency):
            await send(b"SET", b"k:%d" % i, val)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j) for j in range(a.concurrency)))
    burst = a.n / (time.perf_counter() - t0)
    r1 = rss_mb()

    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        await asyncio.gather(*[send(b"SET", b"k:%d" % i, val) for i in range(start, min(a.n, start + 10_000))])
    batch = a.n / (time.perf_counter() - t0)

    # flood: every command started at once
    t0 = time.perf_counter()
    peak = rss_mb()
    futs = [send(b"SET", b"k:%d" % i, val) for i in range(a.flood)]
    out = asyncio.gather(*futs)
    peak = max(peak, rss_mb())
    del futs
    await out
    flood = a.flood / (time.perf_counter() - t0)
    del out
    cluster.close()
    print(json.dumps({"client": "limit-cluster", "methods": "coroutine" if a.coro else "future",
                      "future": "C" if a.c_future else "subclass", "loop": a.loop, "nodes": len(cluster.nodes),
                      "n": a.n, "concurrency": a.concurrency, "value_size": a.value_size,
                      "burst_ops_per_s": round(burst), "batch_ops_per_s": round(batch),
                      "flood_n": a.flood, "flood_ops_per_s": round(flood), "flood_rss_peak_mb": round(peak, 1),
                      "rss_start_mb": round(r0, 1), "rss_after_burst_mb": round(r1, 1),
                      "rss_end_mb": round(rss_mb(), 1)}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True, help="any node of the cluster (on 127.0.0.1)")
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--concurrency", type=int, default=1000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("--flood", type=int, default=200_000, help="commands started at once")
    p.add_argument("--coro", action="store_true", help="call through coroutine methods, as redis.asyncio does")
    p.add_argument("--c-future", action="store_true", help="resolve the exact C Future (limit_proto), not a subclass")
    args = p.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    asyncio.run(main(args))
