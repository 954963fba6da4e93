"""One client, one process: the limit proxy's workloads (burst, batch, flood) on a given server.

    python benchmarks/run_client.py --client leanredis|redispy --port P
        [--n 300000] [--concurrency 1000] [--value-size 100] [--flood 200000] [--loop asyncio|uvloop]

Prints one JSON line with the same keys as shared/bench/limit_proto.py, so
that the side-by-side runner can put them in one table. Every loop is
bounded by --n / --flood and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from typing import Any


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_client(name: str, port: int, concurrency: int) -> tuple[Any, str]:
    if name == "leanredis":
        import leanredis

        return leanredis.Redis(host="127.0.0.1", port=port), "one multiplexed connection (defaults)"
    if name == "redispy":
        import redis.asyncio

        # its default pool raises MaxConnectionsError past 100 concurrent commands:
        # a blocking pool as large as the concurrency is how its users run it
        pool = redis.asyncio.BlockingConnectionPool(host="127.0.0.1", port=port, max_connections=concurrency)
        return redis.asyncio.Redis(connection_pool=pool), f"BlockingConnectionPool({concurrency}), hiredis"
    raise SystemExit(f"unknown client {name!r}")


async def main(a: argparse.Namespace) -> dict[str, Any]:
    client, how = make_client(a.client, a.port, a.concurrency)
    await client.ping()
    val = os.urandom(a.value_size)
    r0 = rss_mb()

    async def worker(j: int) -> None:
        for i in range(j, a.n, a.concurrency):
            await client.set(b"k:%d" % i, val)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j) for j in range(a.concurrency)))
    burst = a.n / (time.perf_counter() - t0)
    r1 = rss_mb()

    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        await asyncio.gather(*[client.set(b"k:%d" % i, val) for i in range(start, min(a.n, start + 10_000))])
    batch = a.n / (time.perf_counter() - t0)

    peak = rss_mb()
    stop = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_mb())
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    t0 = time.perf_counter()
    errors = 0
    futs = [client.set(b"k:%d" % i, val) for i in range(a.flood)]
    peak = max(peak, rss_mb())
    results = await asyncio.gather(*futs, return_exceptions=True)
    flood = a.flood / (time.perf_counter() - t0)
    peak = max(peak, rss_mb())
    errors = sum(isinstance(x, BaseException) for x in results)
    del futs, results
    stop.set()
    await sampler
    gc.collect()
    r_end = rss_mb()
    await asyncio.sleep(a.idle)
    r_idle = rss_mb()
    await client.aclose()
    return {
        "client": a.client, "how": how, "loop": a.loop, "n": a.n, "concurrency": a.concurrency,
        "value_size": a.value_size, "burst_ops_per_s": round(burst), "batch_ops_per_s": round(batch),
        "flood_n": a.flood, "flood_ops_per_s": round(flood), "flood_errors": errors,
        "flood_rss_peak_mb": round(peak, 1), "rss_start_mb": round(r0, 1),
        "rss_after_burst_mb": round(r1, 1), "rss_end_mb": round(r_end, 1), "rss_idle_mb": round(r_idle, 1),
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--concurrency", type=int, default=1000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--flood", type=int, default=200_000)
    p.add_argument("--idle", type=float, default=1.0, help="seconds idle before the last RSS reading")
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = p.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(main(args))))
