"""Cache hits side by side: what a client-side cache hit costs against its ruler.

    python benchmarks/cache_hits.py [--rounds 5] [--n 200000] [--concurrency 100] [--keys 1000]
        [--loop asyncio|uvloop] [--clients ruler,ruler-fresh,cached,uncached,redispy,redispy-sync-cached]
    python benchmarks/cache_hits.py --icount [--clients ruler,cached] [--small 20000] [--large 60000]
    python benchmarks/cache_hits.py --misses [--icount] [--clients cached,uncached]

Every task reads a hot key set that was read once before the clock starts, so that
every timed read of a cached client is a hit. Each round runs every client in a
fresh process, in turn; the rounds alternate, and the table shows medians.

- ``ruler``: a dict lookup returning an already-done future, awaited by the same
  tasks: the floor for a hit that hands the caller something to await.
- ``ruler-fresh``: a dict lookup, a new ``asyncio.Future`` and its ``set_result``.
- ``cached``: leanredis with ``cache_config`` (RESP3 tracking).
- ``uncached``: leanredis without it (every GET a round trip, auto-pipelined).
- ``redispy``: redis.asyncio without a cache (a tenth of the reads: it is that much
  slower): redis-py's client-side cache is for its sync client only
  (``redis.Redis(protocol=3, cache_config=...)``; redis.asyncio has none).
- ``redispy-sync-cached``: that sync cache, read in one thread, one GET after another
  (no tasks, no loop): shown for scale, not a like-for-like row. It refuses any server
  but Redis 7.4 or later (Debian's Redis 7.0 and Valkey 9 here): then its row says so.

``--misses``: every read is of a key read by nobody before (--n keys, or --large with
--icount, set before the clock starts), so that every read of ``cached`` is a miss: what a
miss costs beside an uncached read.

``--icount`` runs each client twice under callgrind (--small and --large reads) and
prints the difference over the difference of the counts: instructions per read,
start-up and warm-up cancelled out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from leanredis.server import RedisServer  # noqa: E402

SLOW = {"redispy": 10}  # a tenth of the reads: the rate is per second, the run ten times shorter
CLIENTS = ("ruler", "ruler-fresh", "cached", "uncached", "redispy", "redispy-sync-cached")


def keys_for(count: int) -> list[bytes]:
    return [b"hot:%d" % i for i in range(count)]


async def prepare(port: int, keys: list[bytes]) -> None:
    import leanredis

    r = leanredis.Redis(port=port)
    await asyncio.gather(*(r.set(k, b"v" * 100) for k in keys))
    await r.aclose()


class Ruler:
    """A dict of values behind a ``get`` that answers as a cache hit must: with something to await."""

    def __init__(self, values: dict[bytes, Any], fresh: bool) -> None:
        loop = asyncio.get_running_loop()
        if fresh:
            self.values = values

            def get(key: bytes) -> asyncio.Future[Any]:
                fut = loop.create_future()
                fut.set_result(self.values[key])
                return fut

            self.get = get
        else:
            done: dict[bytes, asyncio.Future[Any]] = {}
            for key, value in values.items():
                fut = loop.create_future()
                fut.set_result(value)
                done[key] = fut
            self.get = done.__getitem__  # type: ignore[assignment]


async def open_client(name: str, port: int, keys: list[bytes], warm: bool = True) -> tuple[Any, Any]:
    """(client, closer); the keys read once, so that a cached client holds them all."""
    if name in ("ruler", "ruler-fresh"):
        return Ruler({k: b"v" * 100 for k in keys}, name == "ruler-fresh"), None
    if name == "redispy":
        import redis.asyncio

        rp = redis.asyncio.Redis(port=port, max_connections=200)
        return rp, rp.aclose
    import leanredis

    if name == "cached":
        r = leanredis.Redis(port=port, protocol=3, cache_config=leanredis.CacheConfig())
    else:
        r = leanredis.Redis(port=port)
    if warm:
        for k in keys:
            await r.get(k)
    else:
        await r.ping()  # connected (and tracking) before the clock starts
    return r, r.aclose


async def run_async(a: argparse.Namespace) -> dict[str, Any]:
    keys = keys_for(a.n if a.misses else a.keys)
    client, closer = await open_client(a.client, a.port, keys, warm=not a.misses)
    n, c = a.n, a.concurrency

    async def worker(j: int) -> None:
        get = client.get
        for i in range(j, n, c):
            await get(keys[i % len(keys)])  # with --misses: each key once, by one task

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j) for j in range(c)))
    elapsed = time.perf_counter() - t0
    out: dict[str, Any] = {"client": a.client, "gets_per_s": round(n / elapsed)}
    if a.client == "cached":
        stats = client.cache_stats()
        out["hit_ratio"] = round(stats["hits"] / max(1, stats["hits"] + stats["misses"]), 4)
    if closer is not None:
        await closer()
    return out


def run_sync_cached(a: argparse.Namespace) -> dict[str, Any]:
    import redis
    from redis.cache import CacheConfig

    keys = keys_for(a.keys)
    r = redis.Redis(port=a.port, protocol=3, cache_config=CacheConfig(max_size=a.keys * 2))
    for k in keys:
        r.get(k)
    t0 = time.perf_counter()
    for i in range(a.n):
        r.get(keys[i % len(keys)])
    elapsed = time.perf_counter() - t0
    r.close()
    return {"client": a.client, "gets_per_s": round(a.n / elapsed)}


def one(a: argparse.Namespace) -> None:
    if a.client == "redispy-sync-cached":
        print(json.dumps(run_sync_cached(a)))
        return
    if a.loop == "uvloop":
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(run_async(a))))


def child(a: argparse.Namespace, name: str, port: int, n: int, prefix: list[str] | None = None) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--client", name, "--port", str(port)]
    cmd += ["--n", str(n), "--concurrency", str(a.concurrency), "--keys", str(a.keys), "--loop", a.loop]
    cmd += ["--misses"] if a.misses else []
    return (prefix or []) + cmd


def timed(a: argparse.Namespace, server: RedisServer, names: list[str]) -> None:
    results: dict[str, list[int]] = {name: [] for name in names}
    failed: dict[str, str] = {}
    for round_ in range(a.rounds):
        order = names if round_ % 2 == 0 else names[::-1]  # alternate: no client always runs first
        for name in order:
            if name in failed:
                continue
            n = a.n // SLOW.get(name, 1)
            out = subprocess.run(child(a, name, server.port, n), capture_output=True, text=True, timeout=600)
            if out.returncode != 0:
                # redis-py's cache refuses servers other than Redis 7.4+: a row that says so, not a stop
                failed[name] = out.stderr.strip().splitlines()[-1][-200:] if out.stderr.strip() else "failed"
                print(json.dumps({"round": round_, "client": name, "error": failed[name]}), flush=True)
                continue
            row = json.loads(out.stdout.strip().splitlines()[-1])
            results[name].append(row["gets_per_s"])
            print(json.dumps({"round": round_, **row}), flush=True)
    medians = {name: statistics.median(v) for name, v in results.items() if v}
    print(f"\nmedians of {a.rounds} rounds, {a.n} GETs from {a.concurrency} tasks over {a.keys} keys, {a.loop}:")
    ruler = medians.get("ruler")
    uncached = medians.get("uncached")
    for name in names:
        if name in failed:
            print(f"  {name:<20} n/a: {failed[name]}")
            continue
        m = medians[name]
        ratios = []
        if ruler:
            ratios.append(f"{m / ruler:.2f}x ruler")
        if uncached:
            ratios.append(f"{m / uncached:.2f}x uncached")
        spread = f"{min(results[name]):,}-{max(results[name]):,}"
        print(f"  {name:<20} {m:>12,.0f} GET/s  ({', '.join(ratios)})  range {spread}")


def icount(a: argparse.Namespace, server: RedisServer, names: list[str]) -> None:
    def collected(name: str, n: int) -> int:
        cmd = child(a, name, server.port, n, ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"])
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or not found:
            raise SystemExit(f"{name}: callgrind run failed: {out.stderr.strip()[-300:]}")
        return int(found.group(1))

    what = "missed GET" if a.misses else "GET"
    print(f"instructions per {what} (callgrind, {a.small} vs {a.large} reads, {a.concurrency} tasks):")
    base = None
    for name in names:
        per = (collected(name, a.large) - collected(name, a.small)) / (a.large - a.small)
        base = base or per
        print(f"  {name:<20} {per:>10,.0f}  ({per / base:.2f}x {names[0]})", flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--client", default="cached")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--clients", default="ruler,cached,uncached,redispy,redispy-sync-cached")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--keys", type=int, default=1_000)
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--misses", action="store_true", help="every read of a key not read before: cached reads miss")
    p.add_argument("--small", type=int, default=20_000)
    p.add_argument("--large", type=int, default=60_000)
    p.add_argument("--server", default=None)
    a = p.parse_args()
    if a.one:
        one(a)
        return
    names = a.clients.split(",")
    unknown = set(names) - set(CLIENTS)
    if unknown:
        raise SystemExit(f"unknown clients {sorted(unknown)}; known: {', '.join(CLIENTS)}")
    with RedisServer(a.server) as server:
        print(f"server: {server.version}, port {server.port}", flush=True)
        asyncio.run(prepare(server.port, keys_for(max(a.n, a.large) if a.misses else a.keys)))
        (icount if a.icount else timed)(a, server, names)


if __name__ == "__main__":
    main()
