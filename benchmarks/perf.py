"""One client, one measurement, one process: the rows of the performance targets (issue 6).

    python benchmarks/perf.py --client leanredis|limit|limit-coro|redispy|coredis|glide --port P
        --mode burst|latency|batch|pipeline|mset|mget|flood|paced|handler|churn
        [--n 300000] [--concurrency 1000] [--value-size 100] [--qps 100000] [--duration 60]
        [--loop asyncio|uvloop] [--decode] [--resp3] [--gc-freeze]

Prints one JSON line. The limit proxy (../shared/bench/limit_proto.py) is
imported as it is and driven through the same code as the clients. Every
loop is bounded by --n, --duration or --churn and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LIMIT = HERE.parent.parent / "shared" / "bench" / "limit_proto.py"
sys.path.insert(0, str(HERE.parent))

from leanredis.lab.clients import open_client  # noqa: E402
from leanredis.lab.workloads import Histogram  # noqa: E402
from leanredis.memory import allocator, rss_bytes  # noqa: E402


def rss_mb() -> float:
    return round((rss_bytes() or 0) / 2**20, 1)


class Limit:
    """The limit proxy behind the lab's adapter interface (futures, or coroutines with coro=True)."""

    def __init__(self, coro: bool) -> None:
        self.coro = coro
        self.how = "limit proxy" + (" called through coroutine methods" if coro else "")

    async def open(self, port: int) -> None:
        spec = importlib.util.spec_from_file_location("limit_proto", LIMIT)
        if spec is None or spec.loader is None:
            raise SystemExit(f"{LIMIT} not found")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loop = asyncio.get_running_loop()
        self.transport, self.conn = await loop.create_connection(lambda: module.Conn(loop), "127.0.0.1", port)
        send = self.conn.execute
        if self.coro:

            async def send_coro(*args: Any) -> Any:
                return await self.conn.execute(*args)

            send = send_coro
        self.send = send

    def set(self, key: bytes, value: bytes) -> Any:
        return self.send(b"SET", key, value)

    def get(self, key: bytes) -> Any:
        return self.send(b"GET", key)

    def mset(self, mapping: dict[bytes, bytes]) -> Any:
        args = [b"MSET"]
        for pair in mapping.items():
            args.extend(pair)
        return self.send(*args)

    def mget(self, keys: list[bytes]) -> Any:
        return self.send(b"MGET", *keys)

    async def close(self) -> None:
        self.transport.close()


async def make(a: argparse.Namespace) -> Any:
    if a.client in ("limit", "limit-coro"):
        client = Limit(a.client == "limit-coro")
        await client.open(a.port)
        return client
    options: dict[str, Any] = {}
    adapter = await open_client(a.client, "127.0.0.1", a.port, a.concurrency, options)
    if a.client == "leanredis" and (a.decode or a.resp3):
        import leanredis

        await adapter.close()
        adapter.client = leanredis.Redis(host="127.0.0.1", port=a.port, decode_responses=a.decode,
                                          protocol=3 if a.resp3 else 2)
        adapter.set, adapter.get = adapter.client.set, adapter.client.get  # type: ignore[method-assign]
        adapter.how += f" decode_responses={a.decode} protocol={3 if a.resp3 else 2}"
        await adapter.client.ping()
    return adapter


async def burst(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    async def worker(j: int) -> None:
        for i in range(j, a.n, a.concurrency):
            await c.set(b"k:%d" % i, value)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j) for j in range(a.concurrency)))
    return {"ops_per_s": round(a.n / (time.perf_counter() - t0))}


async def latency(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    hist = Histogram()
    clock = time.perf_counter
    t0 = clock()
    for i in range(a.n):
        s = clock()
        await c.set(b"k:%d" % i, value)
        hist.record(clock() - s)
    return {"ops_per_s": round(a.n / (clock() - t0)), "latency_ms": hist.summary()}


async def batch(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        await asyncio.gather(*[c.set(b"k:%d" % i, value) for i in range(start, min(a.n, start + 10_000))])
    return {"ops_per_s": round(a.n / (time.perf_counter() - t0))}


async def pipeline(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    client = getattr(c, "client", None)
    if client is None or not hasattr(client, "pipeline"):
        return {"skipped": "no pipeline API"}
    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(a.n, start + 10_000)):
            pipe.set(b"k:%d" % i, value)
        await pipe.execute()
    return {"ops_per_s": round(a.n / (time.perf_counter() - t0))}


async def multi_key(c: Any, a: argparse.Namespace, value: bytes, write: bool) -> dict[str, Any]:
    client = c if isinstance(c, Limit) else c.client
    calls = max(1, a.n // 100)
    keys = [[b"k:%d" % (j * 100 + i) for i in range(100)] for j in range(min(calls, 100))]
    t0 = time.perf_counter()
    for j in range(calls):
        group = keys[j % len(keys)]
        if write:
            await client.mset(dict.fromkeys(group, value))
        else:
            await client.mget(group)
    return {"keys_per_s": round(calls * 100 / (time.perf_counter() - t0))}


async def flood(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    peak = rss_mb()
    t0 = time.perf_counter()
    futures = [c.set(b"k:%d" % i, value) for i in range(a.n)]
    peak = max(peak, rss_mb())
    results = await asyncio.gather(*futures, return_exceptions=True)
    elapsed = time.perf_counter() - t0
    peak = max(peak, rss_mb())
    errors = sum(isinstance(x, BaseException) for x in results)
    del futures, results
    gc.collect()
    end = rss_mb()
    await asyncio.sleep(2.0)  # leanredis's trim policy acts after 1 s idle
    return {"ops_per_s": round(a.n / elapsed), "errors": errors, "rss_peak_mb": peak, "rss_end_mb": end,
            "rss_idle_mb": rss_mb()}


async def paced(c: Any, a: argparse.Namespace, value: bytes, handler_tasks: bool) -> dict[str, Any]:
    hist = Histogram()
    clock = time.perf_counter
    loop = asyncio.get_running_loop()
    total = int(a.qps * a.duration)
    done = [0]
    rss_points: list[tuple[float, float]] = []

    def timed(scheduled: float) -> Any:
        def on_done(fut: Any) -> None:
            if not fut.cancelled() and fut.exception() is None:
                hist.record(clock() - scheduled)
                done[0] += 1
        return on_done

    async def handler(key: bytes, scheduled: float) -> None:
        await c.set(key, value)
        hist.record(clock() - scheduled)
        done[0] += 1

    started = 0
    cpu0 = time.process_time()
    t0 = clock()
    next_rss = t0
    while started < total:
        now = clock()
        if now >= next_rss:
            rss_points.append((now - t0, rss_mb()))
            next_rss = now + 1.0
        due = min(total, int((now - t0) * a.qps) + 1)
        while started < due:
            scheduled = t0 + started / a.qps
            key = b"k:%d" % (started % 1_000_000)
            if handler_tasks:
                loop.create_task(handler(key, scheduled))
            else:
                asyncio.ensure_future(c.set(key, value)).add_done_callback(timed(scheduled))
            started += 1
        await asyncio.sleep(0.001)
    window = clock() - t0
    in_window = done[0]
    deadline = clock() + 10
    while done[0] < started and clock() < deadline:
        await asyncio.sleep(0.01)
    half = [p for p in rss_points if p[0] >= window / 2]
    growth = None
    if len(half) >= 2:
        growth = round((half[-1][1] - half[0][1]) / max(1e-9, half[-1][0] - half[0][0]) * 60, 2)
    cpu = time.process_time() - cpu0
    return {"target_qps": a.qps, "achieved_ratio": round(in_window / max(1, started), 4),
            "cpu_share": round(cpu / window, 3), "cpu_us_per_command": round(cpu / max(1, started) * 1e6, 2),
            "ops_per_s": round(in_window / window), "latency_ms": hist.summary(),
            "rss_mb": rss_mb(), "rss_growth_mb_per_min": growth}


async def churn(a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    points = []
    t0 = time.perf_counter()
    for i in range(a.n):
        c = await make(a)
        await c.set(b"churn", value)
        await c.close()
        if i % max(1, a.n // 20) == 0:
            gc.collect()
            points.append((i, rss_mb()))
    tail = points[len(points) // 5 :]
    growth = (tail[-1][1] - tail[0][1]) / max(1, tail[-1][0] - tail[0][0]) * 1000 if len(tail) > 1 else None
    return {"cycles_per_s": round(a.n / (time.perf_counter() - t0)),
            "rss_growth_mb_per_1000": round(growth, 4) if growth is not None else None, "rss_mb": rss_mb()}


async def main(a: argparse.Namespace) -> dict[str, Any]:
    value = os.urandom(a.value_size)
    out: dict[str, Any] = {"client": a.client, "mode": a.mode, "loop": a.loop, "n": a.n, "concurrency": a.concurrency,
                           "value_size": a.value_size, "decode": a.decode, "resp3": a.resp3,
                           "allocator": allocator(), "rss_start_mb": rss_mb()}
    if a.mode == "churn":
        out.update(await churn(a, value))
        return out
    c = await make(a)
    out["how"] = c.how
    await c.set(b"warm", value)
    if a.gc_freeze:
        # what a service does after start-up (gc.freeze): the objects alive now leave the collector's
        # generations, so a full collection walks only what the workload itself keeps alive
        gc.collect()
        gc.freeze()
    out["gc_frozen"] = gc.get_freeze_count()
    gc_start = [s["collections"] for s in gc.get_stats()]
    if a.mode == "burst":
        out.update(await burst(c, a, value))
    elif a.mode == "latency":
        out.update(await latency(c, a, value))
    elif a.mode == "batch":
        out.update(await batch(c, a, value))
    elif a.mode == "pipeline":
        out.update(await pipeline(c, a, value))
    elif a.mode in ("mset", "mget"):
        out.update(await multi_key(c, a, value, a.mode == "mset"))
    elif a.mode == "flood":
        out.update(await flood(c, a, value))
    elif a.mode in ("paced", "handler"):
        out.update(await paced(c, a, value, a.mode == "handler"))
    out["gc_collections"] = [s["collections"] - g for s, g in zip(gc.get_stats(), gc_start)]
    await c.close()
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    p.add_argument("--mode", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--concurrency", type=int, default=1000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--qps", type=int, default=100_000)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("--decode", action="store_true")
    p.add_argument("--resp3", action="store_true")
    p.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after connecting, for every client alike")
    args = p.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(main(args))))
