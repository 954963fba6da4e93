"""The lab's workloads. Each runs one client through one scenario and returns its figures.

Here: what every workload is handed (``Params``, ``Context``), what it
measures with (``Histogram``, raw server commands), and the closed-loop
workloads (burst, pipeline, flood, churn, cached). The open-loop ones are in
``paced.py`` (paced, overload, restart) and ``soak.py``, vector in
``vector.py``, budget in ``budget.py``; ``worker.RUNNERS`` names them all.

Every loop here is bounded in count and in time and stops by itself.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import socket
import time
from array import array
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .clients import Adapter, open_client
from .sampler import Counter, Sampler

WORKLOADS = ("burst", "pipeline", "paced", "flood", "churn", "overload", "restart", "cached")
# run by name only, never by ``all``: a soak (lab/soak.py) lasts minutes by design (the CI's lab test runs ``all``);
# vector (lab/vector.py) needs a server with the search module and loads 51 MB of vectors; budget (lab/budget.py)
# lasts --duration and a peer that reads its hostile reply holds 256 MiB of it
LONG_WORKLOADS = ("soak", "vector", "budget")


@dataclass
class Params:
    """Sizes of every workload (``--quick`` shrinks them to a second or two each)."""

    n: int = 300_000
    concurrency: int = 1000
    value_size: int = 100
    qps: int = 80_000
    duration: float = 10.0
    flood: int = 200_000
    churn: int = 5_000
    idle: float = 2.0
    timeout: float = 1.0  # per-command timeout in overload and restart
    pause_ms: int = 500  # overload: each CLIENT PAUSE window
    pause_every: float = 1.5  # overload: seconds between windows
    handler_tasks: bool = False  # paced: one handler task per arrival instead of firing the command
    fault_every: float = 60.0  # soak: seconds between faults
    soak_pause_ms: int = 2000  # soak: each CLIENT PAUSE (longer than the timeout: callers time out)
    soak_storm_s: float = 3.0  # soak: each black hole and reset storm (at most half of fault_every)
    # soak: the faults run in turn, in this order by default (--soak-faults restart: restarts only)
    soak_faults: tuple[str, ...] = ("restart", "pause", "client-kill", "blackhole", "reset-storm")
    vectors: int = 100_000  # vector: vectors loaded into the HNSW index
    vector_dim: int = 128
    vector_batch: int = 500  # vector: HSETs per pipeline
    vector_queries: int = 20_000  # vector: KNN queries at most (and --duration seconds at most)
    vector_tasks: int = 50  # vector: tasks querying at once
    budget_qps: int = 100_000  # budget: arrivals per second (mixed SETs and GETs)
    budget_bytes: int = 64 * 1024 * 1024  # budget: max_memory_bytes of the leanredis run that sets one
    budget_burst: int = 384  # budget: 256 KB SETs started at once in each burst (96 MiB)
    budget_burst_every: float = 4.0  # budget: seconds between bursts
    budget_outstanding: int = 50_000  # budget: open arrivals past which new ones are shed (and counted)


@dataclass
class Context:
    """What a workload gets: its client, where the server is, and how to report."""

    client_name: str
    host: str
    port: int
    params: Params
    counter: Counter
    sampler: Sampler
    client_options: dict[str, Any] = field(default_factory=dict)
    control: Callable[[str], Awaitable[None]] | None = None  # asks the runner to act on the server
    cluster: bool = False  # host/port is a cluster node: the workload's own clients are cluster clients


class Histogram:
    """Latency histogram on log buckets (1% wide, 1 µs to 100 s): fixed memory whatever the count."""

    __slots__ = ("buckets", "count")
    _BASE = math.log(1.01)
    _MIN = 1e-6

    def __init__(self) -> None:
        self.buckets = array("q", bytes(8 * 1900))
        self.count = 0

    def record(self, seconds: float) -> None:
        index = int(math.log(max(seconds, self._MIN) / self._MIN) / self._BASE)
        self.buckets[min(index, len(self.buckets) - 1)] += 1
        self.count += 1

    def percentile_ms(self, p: float) -> float | None:
        if not self.count:
            return None
        rank = p / 100 * self.count
        seen = 0
        for index, n in enumerate(self.buckets):
            seen += n
            if seen >= rank and n:
                return round(self._MIN * math.exp((index + 0.5) * self._BASE) * 1000, 3)
        return None

    def summary(self) -> dict[str, float | None]:
        return {"p50": self.percentile_ms(50), "p99": self.percentile_ms(99), "p999": self.percentile_ms(99.9)}


def error_counts(results: list[Any]) -> dict[str, int]:
    """How many of ``results`` are exceptions, by type name (what gather(return_exceptions=True) gave)."""
    return dict(Tally(type(x).__name__ for x in results if isinstance(x, BaseException)))


def least_squares_slope(x: list[float], y: list[float]) -> float | None:
    """Least-squares slope of y over x (None with fewer than 3 points)."""
    if len(x) < 3:
        return None
    mx, my = sum(x) / len(x), sum(y) / len(y)
    var = sum((a - mx) ** 2 for a in x)
    if not var:
        return None
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / var


def slope_between(t: Iterable[float], y: Iterable[float], first: float, last: float) -> float | None:
    """``least_squares_slope`` of the samples with ``first <= t <= last``, in running sums: no list or tuple per
    sample. A 30-minute run holds 90,000 samples; building two lists and a tuple each (about 9 MB) right before
    the run's end RSS is read left that memory in the allocator and in the figure (+7 MB over a soak's steps)."""
    n = 0
    st = sy = stt = sty = 0.0
    for a, b in zip(t, y):
        if first <= a <= last:
            n += 1
            st += a
            sy += b
            stt += a * a
            sty += a * b
    if n < 3:
        return None
    var = stt - st * st / n
    if var <= 0:
        return None
    return (sty - st * sy / n) / var


def server_command(host: str, port: int, *args: str, timeout: float = 5.0) -> bytes:
    """Send one command over a fresh raw socket (not through any client under test)."""
    payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while not data.endswith(b"\r\n") or data.startswith(b"$") and data.count(b"\r\n") < 2:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def connected_clients(host: str, port: int) -> int | None:
    """Clients connected to the server, not counting the one asking."""
    try:
        text = server_command(host, port, "INFO", "clients").decode(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("connected_clients:"):
            return int(line.split(":")[1]) - 1
    return None


async def burst(ctx: Context, client: Adapter) -> dict[str, Any]:
    """N SETs from C tasks, each awaiting its commands in turn."""
    p = ctx.params
    value = os.urandom(p.value_size)
    hist = Histogram()
    counter = ctx.counter
    clock = time.perf_counter
    errors: Tally[str] = Tally()

    async def worker(first: int) -> None:
        for i in range(first, p.n, p.concurrency):
            t0 = clock()
            try:
                await client.set(b"k:%d" % i, value)
            except Exception as exc:  # counted by type: the lab reports errors, it does not stop
                errors[type(exc).__name__] += 1
                counter.errors += 1
                continue
            hist.record(clock() - t0)
            counter.done += 1

    started = clock()
    await asyncio.gather(*(worker(j) for j in range(p.concurrency)))
    elapsed = clock() - started
    return {"ops": p.n, "seconds": round(elapsed, 3), "throughput_ops_per_s": round(p.n / elapsed),
            "latency_ms": hist.summary(), "errors": dict(errors)}


PIPELINE_SIZE = 100
PIPELINE_TASKS = 50


async def _pipelined(client: Adapter, keys: list[bytes], value: bytes) -> list[Any]:
    """One explicit pipeline of SETs (no MULTI/EXEC), in the client's own batch API."""
    native = client.client  # type: ignore[attr-defined]
    if client.name == "coredis":
        async with native.pipeline(transaction=False) as pipe:  # coredis 6.9: sent when the context exits
            for key in keys:
                pipe.set(key, value)
        return []
    if client.name == "glide":
        from glide import Batch

        batch = Batch(is_atomic=False)
        for key in keys:
            batch.set(key, value)
        return list(await native.exec(batch, raise_on_error=False) or ())
    pipe = native.pipeline(transaction=False)  # leanredis, redis-py
    for key in keys:
        pipe.set(key, value)
    return list(await pipe.execute(raise_on_error=False))


async def pipeline(ctx: Context, client: Adapter) -> dict[str, Any]:
    """N SETs in explicit pipelines of 100, from 50 tasks each running one pipeline after another."""
    p = ctx.params
    value = os.urandom(p.value_size)
    hist = Histogram()  # per pipeline
    counter = ctx.counter
    clock = time.perf_counter
    errors: Tally[str] = Tally()
    tasks = min(PIPELINE_TASKS, p.concurrency)
    step = PIPELINE_SIZE * tasks

    async def worker(first: int) -> None:
        for start in range(first, p.n, step):
            keys = [b"k:%d" % i for i in range(start, min(p.n, start + PIPELINE_SIZE))]
            t0 = clock()
            try:
                results = await _pipelined(client, keys, value)
            except Exception as exc:  # counted by type: the lab reports errors, it does not stop
                errors[type(exc).__name__] += len(keys)
                counter.errors += len(keys)
                continue
            hist.record(clock() - t0)
            failed = sum(isinstance(result, BaseException) for result in results)
            for result in results:
                if isinstance(result, BaseException):
                    errors[type(result).__name__] += 1
            counter.errors += failed
            counter.done += len(keys) - failed

    started = clock()
    await asyncio.gather(*(worker(j * PIPELINE_SIZE) for j in range(tasks)))
    elapsed = clock() - started
    return {"ops": p.n, "seconds": round(elapsed, 3), "throughput_ops_per_s": round(p.n / elapsed),
            "pipeline_size": PIPELINE_SIZE, "tasks": tasks, "latency_ms": hist.summary(), "errors": dict(errors)}


async def flood(ctx: Context, client: Adapter) -> dict[str, Any]:
    """N commands started at once, then awaited together."""
    p = ctx.params
    value = os.urandom(p.value_size)
    started = time.perf_counter()
    futures = [client.set(b"k:%d" % i, value) for i in range(p.flood)]
    results = await asyncio.gather(*futures, return_exceptions=True)
    elapsed = time.perf_counter() - started
    errors = error_counts(results)
    ctx.counter.done += p.flood - sum(errors.values())
    ctx.counter.errors += sum(errors.values())
    del futures, results
    return {"ops": p.flood, "seconds": round(elapsed, 3), "throughput_ops_per_s": round(p.flood / elapsed),
            "latency_ms": {"p50": None, "p99": None, "p999": None}, "errors": errors}


async def churn(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Create, use and close a client K times; RSS growth per 1,000 cycles."""
    p = ctx.params
    points_t: list[float] = []
    points_rss: list[float] = []
    value = os.urandom(p.value_size)
    started = time.perf_counter()
    errors: Tally[str] = Tally()
    for i in range(p.churn):
        try:
            c = await open_client(ctx.client_name, ctx.host, ctx.port, 1, ctx.client_options)
            await c.set(b"churn", value)
            await c.get(b"churn")
            await c.close()
            ctx.counter.done += 1
        except Exception as exc:  # counted per type; the loop is bounded by --churn
            errors[type(exc).__name__] += 1
            ctx.counter.errors += 1
        if i % max(1, p.churn // 50) == 0:
            gc.collect()
            points_t.append(i)
            points_rss.append(ctx.sampler.now_mb())
    elapsed = time.perf_counter() - started
    tail = len(points_t) // 5  # skip the warm-up fifth
    slope = least_squares_slope(points_t[tail:], points_rss[tail:])
    return {"ops": p.churn, "seconds": round(elapsed, 3), "throughput_ops_per_s": round(p.churn / elapsed),
            "latency_ms": {"p50": None, "p99": None, "p999": None}, "errors": dict(errors),
            "rss_growth_mb_per_1000": round(slope * 1000, 4) if slope is not None else None}


async def cached(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Read-heavy: N GETs from C tasks over 10,000 keys, 90% of them on a hot 10% (each task's keys
    drawn before the clock starts; one read in 8 timed for the latencies), while a writer changes one
    key every millisecond. leanredis runs it with its client-side cache (RESP3 tracking, 16 MiB,
    empty when the clock starts: the first read of each key is a miss), then the same reads again
    with the cache warm (``warm_*``: the steady state); the others read from the server. Every read
    is checked against what the server holds once the writer stops (stale reads are counted)."""
    import random

    import leanredis

    p = ctx.params
    keys = [b"c:%d" % i for i in range(10_000)]
    hot = keys[:1_000]
    value = os.urandom(p.value_size)
    for start in range(0, len(keys), p.concurrency):  # as many at once as the run has tasks: pools that
        # refuse past their size (redis-py's cluster client) load the keys too
        await asyncio.gather(*(client.set(k, value) for k in keys[start : start + p.concurrency]))
    reader: Any = client
    own: Any = None
    kind: Any = leanredis.RedisCluster if ctx.cluster else leanredis.Redis
    if ctx.client_name == "leanredis":
        own = kind(host=ctx.host, port=ctx.port, protocol=3,
                   cache_config=leanredis.CacheConfig(max_bytes=16 * 1024 * 1024))
        reader = own
    writer = kind(host=ctx.host, port=ctx.port)
    if own is not None:
        await own.ping()  # connected before the clock starts, as the adapter's client is by its open()
    rng = random.Random(7)
    stop = False
    clock = time.perf_counter
    hist = Histogram()
    errors: Tally[str] = Tally()

    async def write() -> None:
        count = 0
        while not stop and count < 120_000:  # bounded: 2 minutes at 1 per ms
            await writer.set(rng.choice(keys), os.urandom(p.value_size))
            count += 1
            await asyncio.sleep(0.001)

    def picks(seed: int) -> list[list[bytes]]:
        """A worker's keys, drawn before the clock starts (a hit costs less than drawing its key), in
        groups of 8: the first read of each is timed."""
        local = random.Random(seed)
        drawn = [local.choice(hot) if local.random() < 0.9 else local.choice(keys) for _ in range(p.n // p.concurrency)]
        return [drawn[i : i + 8] for i in range(0, len(drawn), 8)]

    samples = array("d")  # the timed reads' seconds, put in the histogram once the clock stops

    async def worker(groups: list[list[bytes]], reader: Any = reader) -> None:
        # The harness's cost per read is its loop and its await: a hit costs about a microsecond, and
        # a clock read, a histogram bucket and the progress counter on every read cost a third as much
        # again, on both sides, which hid the cache's speed. So the first read of each group of 8 is
        # timed (its seconds appended, binned after the clock stops), and the counter moves per group
        get = reader.get
        note = samples.append
        counter = ctx.counter
        for group in groups:
            t0 = clock()
            timing = True
            done = 0
            for key in group:
                try:
                    await get(key)
                except Exception as exc:  # counted by type: the lab reports errors, it does not stop
                    errors[type(exc).__name__] += 1
                    counter.errors += 1
                    timing = False
                    continue
                if timing:
                    note(clock() - t0)
                    timing = False
                done += 1
            counter.done += done

    chosen = [picks(j) for j in range(p.concurrency)]

    writing = asyncio.ensure_future(write())
    uncached_rate = None
    if own is not None:  # the same reads without the cache first, in this process: the cache's ratio
        started = clock()
        await asyncio.gather(*(worker(keys_of, client) for keys_of in chosen))
        uncached_rate = round(p.n / (clock() - started))
        del samples[:]
    started = clock()
    warm: dict[str, Any] = {}
    try:
        await asyncio.gather(*(worker(keys_of) for keys_of in chosen))
        elapsed = clock() - started
        if own is not None:
            # The same reads again, the writer still running: a long-running reader's steady state. The pass
            # above starts with an empty cache, and its first reads of 10,000 keys (6% of them) are misses
            stats = own.cache_stats()
            timed = len(samples)  # the latencies are the first pass's
            started = clock()
            await asyncio.gather(*(worker(keys_of) for keys_of in chosen))
            warm = {"rate": p.n / (clock() - started), "before": stats, "after": own.cache_stats()}
            del samples[timed:]
    finally:
        stop = True
        await writing
    for seconds in samples:
        hist.record(seconds)
    extra: dict[str, Any] = {}
    if own is not None:
        await own.ping()  # every invalidation sent before this reply has arrived
        truth = await writer.mget(hot)
        served = await own.mget(hot)
        stats, after, end = warm["before"], warm["after"], own.cache_stats()
        hits, misses = after["hits"] - stats["hits"], after["misses"] - stats["misses"]
        extra = {"uncached_throughput_ops_per_s": uncached_rate,
                 "cache_speedup": round(p.n / elapsed / uncached_rate, 2) if uncached_rate else None,
                 "cache_hit_ratio": round(stats["hits"] / max(1, stats["hits"] + stats["misses"]), 3),
                 "warm_throughput_ops_per_s": round(warm["rate"]),
                 "warm_cache_speedup": round(warm["rate"] / uncached_rate, 2) if uncached_rate else None,
                 "warm_cache_hit_ratio": round(hits / max(1, hits + misses), 3),
                 "cache_bytes": end["bytes"], "cache_invalidations": end["invalidations"],
                 "stale_after_writes": sum(1 for a, b in zip(truth, served) if a != b)}
        await own.aclose()
    await writer.aclose()
    return {"ops": p.n, "seconds": round(elapsed, 3), "throughput_ops_per_s": round(p.n / elapsed),
            "latency_ms": hist.summary(), "errors": dict(errors), **extra}
