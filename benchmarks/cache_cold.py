"""The lab's ``cached`` workload in one process, each pass measured alone: uncached, cold and warm reads.

    python benchmarks/cache_cold.py [--n 200000] [--concurrency 1000]
    PYTHONHASHSEED=0 python benchmarks/cache_cold.py --icount [--passes cold,uncached]

The shape is ``leanredis bench --workload cached``'s: 10,000 keys of 100 bytes, 90% of
the reads on the first 1,000, each task's keys drawn before the clock starts, a writer
changing one key every millisecond. The uncached reads go through a plain client, the
cold pass through a caching client that starts empty (its first read of each key is a
miss), the warm pass through the same client again.

Timed (default): wall and CPU seconds of each pass, and the cache's ratios to the
uncached reads in both. The machine's load moves the wall figures by tens of percent;
CPU seconds less so.

``--icount``: instructions per read of each pass named, by callgrind: the process is run
once with the pass and once without, so start-up and loading the keys cancel out. The
ruler for a change to the cache's miss path (a cold pass is 6% misses), load or not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import leanredis  # noqa: E402
from leanredis.server import RedisServer  # noqa: E402

PASSES = ("uncached", "cold", "warm")


async def run(port: int, n: int, concurrency: int, passes: list[str]) -> dict[str, Any]:
    keys = [b"c:%d" % i for i in range(10_000)]
    hot = keys[:1_000]
    value = os.urandom(100)
    # no timeout: under callgrind a command takes 50 times as long
    plain = leanredis.Redis(port=port, socket_timeout=None)
    for start in range(0, len(keys), concurrency):
        await asyncio.gather(*(plain.set(k, value) for k in keys[start : start + concurrency]))
    cache = leanredis.CacheConfig(max_bytes=16 * 1024 * 1024)
    cached = leanredis.Redis(port=port, socket_timeout=None, protocol=3, cache_config=cache)
    writer = leanredis.Redis(port=port, socket_timeout=None)
    await cached.ping()
    rng = random.Random(7)
    stop = asyncio.Event()

    async def write() -> None:
        while not stop.is_set():
            await writer.set(rng.choice(keys), os.urandom(100))
            await asyncio.sleep(0.001)

    def picks(seed: int) -> list[bytes]:
        local = random.Random(seed)
        return [local.choice(hot) if local.random() < 0.9 else local.choice(keys) for _ in range(n // concurrency)]

    async def worker(drawn: list[bytes], reader: Any) -> None:
        get = reader.get
        for key in drawn:
            await get(key)

    chosen = [picks(j) for j in range(concurrency)]
    writing = asyncio.ensure_future(write())
    out: dict[str, Any] = {}
    try:
        wanted = set(passes) | ({"cold"} if "warm" in passes else set())  # warm: after a cold pass
        for name in PASSES:
            if name not in wanted:
                continue
            before = cached.cache_stats()
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker(drawn, plain if name == "uncached" else cached) for drawn in chosen))
            out[name] = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}
            if name != "uncached":
                after = cached.cache_stats()
                out[name].update({k: after[k] - before[k] for k in ("hits", "misses", "shared_misses")})
    finally:
        stop.set()
        await writing
        for client in (plain, cached, writer):
            await client.aclose()
    return out


def one(a: argparse.Namespace) -> None:
    passes = [p for p in a.passes.split(",") if p]
    print(json.dumps(asyncio.run(run(a.port, a.n, a.concurrency, passes))))


def child(a: argparse.Namespace, port: int, passes: str) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--port", str(port), "--passes", passes]
    return cmd + ["--n", str(a.n), "--concurrency", str(a.concurrency)]


def icount(a: argparse.Namespace, port: int) -> None:
    def collected(passes: str) -> int:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *child(a, port, passes)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or not found:
            raise SystemExit(f"callgrind run failed: {out.stderr.strip()[-300:]}")
        return int(found.group(1))

    print(f"instructions per read (callgrind, {a.n} reads from {a.concurrency} tasks):", flush=True)
    base = collected("")
    cold = None
    for name in a.passes.split(","):
        if name == "warm":
            cold = cold if cold is not None else collected("cold")
            total = collected("cold,warm") - cold
        else:
            total = collected(name) - base
            if name == "cold":
                cold = total + base
        print(f"  {name:<9} {total / a.n:>10,.0f}", flush=True)


def timed(a: argparse.Namespace, port: int) -> None:
    out = subprocess.run(child(a, port, ",".join(PASSES)), capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(out.stderr.strip()[-500:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    uncached = result["uncached"]
    for name in ("cold", "warm"):
        row = result[name]
        print(
            f"{name}: {uncached['wall'] / row['wall']:.2f}x the uncached reads by the wall clock, "
            f"{uncached['cpu'] / row['cpu']:.2f}x by CPU time ({row['wall']:.3f} s, CPU {row['cpu']:.3f} s; "
            f"{row['hits']} hits, {row['misses']} misses of which {row['shared_misses']} shared)"
        )
    print(f"uncached: {uncached['wall']:.3f} s, CPU {uncached['cpu']:.3f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--passes", default="cold,uncached", help="with --icount: of uncached,cold,warm")
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--concurrency", type=int, default=1_000)
    p.add_argument("--icount", action="store_true")
    p.add_argument("--server", default=None)
    a = p.parse_args()
    if a.one:
        one(a)
        return
    unknown = set(a.passes.split(",")) - set(PASSES)
    if unknown:
        raise SystemExit(f"unknown passes {sorted(unknown)}; known: {', '.join(PASSES)}")
    with RedisServer(a.server) as server:
        print(f"server: {server.version}, port {server.port}", flush=True)
        (icount if a.icount else timed)(a, server.port)


if __name__ == "__main__":
    main()
