"""One client, one measurement, one process: the rows of the performance targets (issue 6).

    python benchmarks/perf.py --client leanredis|limit|limit-coro|limit-sub|limit-cluster|redispy|coredis|glide --port P
        --mode burst|latency|batch|pipeline|pipe-set|pipe-get|mset|mget|flood|paced|handler|churn
        [--n 300000] [--concurrency 1000] [--value-size 100] [--qps 100000] [--duration 60]
        [--loop asyncio|uvloop] [--decode] [--resp3] [--gc-freeze] [--rss-limit-mb 3000]
        [--pipe-size N] [--transaction] [--cluster] [--split N]

``pipe-set`` runs pipelines of --pipe-size (1,000) SETs one after another,
``pipe-get`` --concurrency tasks each running pipelines of --pipe-size (100)
GETs; ``--transaction`` makes them MULTI/EXEC. Their ruler (client ``limit``)
is benchmarks/limit_pipeline.py.

``--cluster``: the client's cluster client (leanredis's ``RedisCluster``) on
the cluster whose node listens on --port; the keys spread over its slots.
``limit-cluster`` is the cluster ruler (benchmarks/limit_cluster.py: the
limit proxy spread over the primaries, resolving limit-sub's Future
subclass); --port is any node of the cluster, or a standalone server, which
it takes as serving every slot (the routing without the split).
``--split N`` (burst): N clients, task j sending on client j mod N, so that
each socket carries a loop iteration's commands in batches as small as
RedisCluster's over N primaries: the part of the cluster's cost per command
that is the split, not the routing.

Prints one JSON line. The limit proxy (../shared/bench/limit_proto.py) is
imported as it is and driven through the same code as the clients. Every
loop is bounded by --n or --duration and stops by itself; the paced modes
also stop starting commands once RSS passes --rss-limit-mb (clients that
fall behind grow by GBs) and say when (gave_up_at_s).
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
# beside the main checkout; LIMIT_PROTO names it from elsewhere (a git worktree)
LIMIT = Path(os.environ.get("LIMIT_PROTO", HERE.parent.parent / "shared" / "bench" / "limit_proto.py"))
LIMIT_PIPELINE = HERE / "limit_pipeline.py"
LIMIT_CLUSTER = HERE / "limit_cluster.py"
sys.path.insert(0, str(HERE.parent))

from leanredis.lab.clients import open_client  # noqa: E402
from leanredis.lab.workloads import Histogram, error_counts  # noqa: E402
from leanredis.memory import allocator, rss_bytes  # noqa: E402


def rss_mb() -> float:
    return round((rss_bytes() or 0) / 2**20, 1)


_limit_module: Any = None


def load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path} not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def limit_module() -> Any:
    """limit_proto.py, imported once per process (churn opens the proxy thousands of times)."""
    global _limit_module
    if _limit_module is None:
        _limit_module = load("limit_proto", LIMIT)
    return _limit_module


class _SubFuture(asyncio.Future):  # type: ignore[type-arg]
    """A Future subclass with nothing added: what an object that is a future and a coroutine must be."""

    __slots__ = ("parse", "deadline", "name", "payload")


class Limit:
    """The limit proxy behind the lab's adapter interface (futures, or coroutines with coro=True).

    sub=True makes the proxy resolve a trivial Future subclass instead of the C Future: an asyncio
    Task takes its fast path only for the exact C type, so this isolates what leanredis's
    CommandFuture (a Future subclass, so that create_task accepts it) costs per awaited command.
    """

    def __init__(self, coro: bool, sub: bool = False, pipeline_only: bool = False, cluster: bool = False) -> None:
        self.pipeline_only = pipeline_only
        self.cluster = cluster
        self.coro = coro
        self.sub = sub
        self.how = "limit proxy" + (" called through coroutine methods" if coro else "")
        if sub:
            self.how += " resolving a Future subclass"
        if cluster:
            self.how = "cluster ruler (benchmarks/limit_cluster.py) resolving a Future subclass"

    async def open(self, port: int) -> None:
        self.port = port
        self.pipe_transport: Any = None
        if self.pipeline_only:
            self.how = "pipeline ruler (benchmarks/limit_pipeline.py)"
            return
        if self.cluster:
            self.transport = await load("limit_cluster", LIMIT_CLUSTER).open_cluster(port)  # closed as one
            self.send = self.transport.execute
            return
        module = limit_module()
        loop = asyncio.get_running_loop()
        self.transport, self.conn = await loop.create_connection(lambda: module.Conn(loop), "127.0.0.1", port)
        if self.sub:
            # the proxy calls self.loop.create_future() and self.loop.call_soon(): hand it a loop view
            # whose create_future makes the subclass
            view = type("SubLoop", (), {"create_future": lambda _: _SubFuture(loop=loop), "call_soon": loop.call_soon})
            self.conn.loop = view()
        send = self.conn.execute
        if self.coro:

            async def send_coro(*args: Any) -> Any:
                return await self.conn.execute(*args)

            send = send_coro
        self.send = send

    async def pipeline_conn(self) -> Any:
        """The pipeline ruler (limit_pipeline.py), on a socket of its own opened at its first use."""
        if self.pipe_transport is None:
            module = load("limit_pipeline", LIMIT_PIPELINE)
            self.pipe_transport, self.pipe_conn = await module.open_conn(self.port)
        return self.pipe_conn

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
        if not self.pipeline_only:
            self.transport.close()
        if self.pipe_transport is not None:
            self.pipe_transport.close()


async def make(a: argparse.Namespace) -> Any:
    if a.client == "limit-cluster":
        if a.mode in ("pipe-set", "pipe-get"):
            raise SystemExit("limit-cluster: the cluster ruler has no pipelines")
        client = Limit(False, True, cluster=True)
        await client.open(a.port)
        return client
    if a.client in ("limit", "limit-coro", "limit-sub"):
        client = Limit(a.client == "limit-coro", a.client == "limit-sub", a.mode in ("pipe-set", "pipe-get"))
        await client.open(a.port)
        return client
    options: dict[str, Any] = {}
    if a.decode or a.resp3:
        if a.client not in ("leanredis", "redispy"):
            raise SystemExit(f"--decode/--resp3: not wired for {a.client}")
        options = {"decode_responses": a.decode, "protocol": 3 if a.resp3 else 2}
    if a.cluster and a.client in ("limit", "limit-coro", "limit-sub"):
        raise SystemExit("--cluster: the limit proxy speaks to one server; the cluster ruler is limit-cluster")
    return await open_client(a.client, "127.0.0.1", a.port, a.concurrency, options, cluster=a.cluster)


async def burst(c: Any, a: argparse.Namespace, value: bytes, others: list[Any] | None = None) -> dict[str, Any]:
    async def worker(j: int) -> None:
        for i in range(j, a.n, a.concurrency):
            await c.set(b"k:%d" % i, value)

    if others:  # --split: task j sends on client j mod N, its sockets' batches as small as a cluster's
        clients = [c, *others]

        async def worker(j: int) -> None:
            client = clients[j % len(clients)]
            for i in range(j, a.n, a.concurrency):
                await client.set(b"k:%d" % i, value)

    switches0 = context_switches()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j) for j in range(a.concurrency)))
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    slept, preempted = (after - before for after, before in zip(context_switches(), switches0))
    # this process's CPU beside the wall clock: on a machine whose cores the servers share, what the client
    # itself spends per command, whoever it waited for; how often it slept (in epoll_wait: no reply had
    # come, it waited for a server) and how often another process took its core
    return {"ops_per_s": round(a.n / elapsed), "cpu_ops_per_s": round(a.n / max(1e-9, cpu)),
            "slept": slept, "preempted": preempted}


def context_switches() -> tuple[int, int]:
    """This process's voluntary and involuntary context switches so far (Linux; zeros elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if "ctxt_switches" in line)
    except OSError:
        return 0, 0
    return int(fields["voluntary_ctxt_switches"]), int(fields["nonvoluntary_ctxt_switches"])


async def latency(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    hist = Histogram()
    clock = time.perf_counter
    t0 = clock()
    for i in range(a.n):
        s = clock()
        await c.set(b"k:%d" % i, value)
        hist.record(clock() - s)
    return {"ops_per_s": round(a.n / (clock() - t0)), "latency_ms": hist.summary()}


def error_fields(kinds: dict[str, int], example: str | None, n: int, elapsed: float) -> dict[str, Any]:
    errors = sum(kinds.values())
    # ops_per_s counts every command, refused ones too; ok_per_s only those that succeeded
    return {"ok_per_s": round((n - errors) / elapsed), "errors": errors, "error_kinds": kinds, "error_example": example}


async def batch(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    example = None
    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        results = await asyncio.gather(
            *[c.set(b"k:%d" % i, value) for i in range(start, min(a.n, start + 10_000))], return_exceptions=True
        )
        for name, count in error_counts(results).items():
            kinds[name] = kinds.get(name, 0) + count
        if kinds and example is None:
            example = next(str(x)[:120] for x in results if isinstance(x, BaseException))
    elapsed = time.perf_counter() - t0
    return {"ops_per_s": round(a.n / elapsed), **error_fields(kinds, example, a.n, elapsed)}


async def pipeline(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    """Explicit non-transactional batches of 10,000 SETs, in each client's own batch API."""
    if isinstance(c, Limit):
        return {"skipped": "the limit proxy has no pipeline API: its ruler is the gather of 10,000 (batch)"}
    client = c.client
    errors = 0
    t0 = time.perf_counter()
    for start in range(0, a.n, 10_000):
        keys = range(start, min(a.n, start + 10_000))
        if a.client == "coredis":
            # coredis 6.9: the commands are queued inside the context and sent when it exits
            async with client.pipeline(transaction=False) as pipe:
                for i in keys:
                    pipe.set(b"k:%d" % i, value)
        elif a.client == "glide":
            from glide import Batch

            batch = Batch(is_atomic=False)  # non-atomic: a pipeline, not MULTI/EXEC
            for i in keys:
                batch.set(b"k:%d" % i, value)
            results = await client.exec(batch, raise_on_error=False)
            errors += sum(isinstance(x, BaseException) for x in results or ())
        else:  # leanredis, redis-py
            pipe = client.pipeline(transaction=False)
            for i in keys:
                pipe.set(b"k:%d" % i, value)
            results = await pipe.execute()
            errors += sum(isinstance(x, BaseException) for x in results or ())
    elapsed = time.perf_counter() - t0
    return {"ops_per_s": round(a.n / elapsed), "errors": errors}


async def pipeline_factory(c: Any, a: argparse.Namespace) -> Any:
    """A callable making a new pipeline: the ruler's (limit_pipeline.py) or the client's own."""
    if isinstance(c, Limit):
        if a.transaction:
            raise SystemExit("the pipeline ruler has no MULTI/EXEC: compare transactions with its plain pipelines")
        return (await c.pipeline_conn()).pipeline
    client = c.client
    transaction = a.transaction
    return lambda: client.pipeline(transaction=transaction)


async def pipe_set(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    """One task running pipelines of --pipe-size (1,000) SETs one after another."""
    new = await pipeline_factory(c, a)
    size = a.pipe_size or 1000
    keys = [b"k:%d" % i for i in range(1000)]
    errors = 0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for start in range(0, a.n, size):
        pipe = new()
        for i in range(start, min(a.n, start + size)):
            pipe.set(keys[i % 1000], value)
        results = await pipe.execute()
        if len(results) != min(a.n, start + size) - start:
            errors += 1
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {"ops_per_s": round(a.n / elapsed), "cpu_ops_per_s": round(a.n / cpu), "pipe_size": size,
            "transaction": a.transaction, "errors": errors}


async def pipe_get(c: Any, a: argparse.Namespace, value: bytes) -> dict[str, Any]:
    """--concurrency tasks, each running pipelines of --pipe-size (100) GETs on 1,000 keys set first."""
    new = await pipeline_factory(c, a)
    size = a.pipe_size or 100
    keys = [b"k:%d" % i for i in range(1000)]
    pipe = new()
    for key in keys:
        pipe.set(key, value)
    await pipe.execute()
    step = size * a.concurrency
    wrong = [0]

    async def worker(first: int) -> None:
        for start in range(first, a.n, step):
            pipe = new()
            for i in range(start, min(a.n, start + size)):
                pipe.get(keys[i % 1000])
            results = await pipe.execute()
            if results[-1] != value:
                wrong[0] += 1

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(j * size) for j in range(a.concurrency)))
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {"ops_per_s": round(a.n / elapsed), "cpu_ops_per_s": round(a.n / cpu), "pipe_size": size,
            "transaction": a.transaction, "errors": wrong[0]}


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
    kinds = error_counts(results)
    example = next((str(x)[:120] for x in results if isinstance(x, BaseException)), None)
    del futures, results
    gc.collect()
    end = rss_mb()
    await asyncio.sleep(2.0)  # leanredis's trim policy acts after 1 s idle
    return {
        "ops_per_s": round(a.n / elapsed),
        **error_fields(kinds, example, a.n, elapsed),
        "rss_peak_mb": peak,
        "rss_end_mb": end,
        "rss_idle_mb": rss_mb(),
    }


class FullCollections:
    """Full (generation 2) collections while installed in gc.callbacks: count, total and longest pause."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.longest = 0.0
        self.started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
        else:
            pause = time.perf_counter() - self.started
            self.count += 1
            self.total += pause
            self.longest = max(self.longest, pause)

    def summary(self) -> dict[str, Any]:
        return {
            "gc_full_count": self.count,
            "gc_full_ms": round(self.total * 1000, 2),
            "gc_full_max_ms": round(self.longest * 1000, 2),
        }


async def paced(c: Any, a: argparse.Namespace, value: bytes, handler_tasks: bool) -> dict[str, Any]:
    hist = Histogram()
    clock = time.perf_counter
    loop = asyncio.get_running_loop()
    total = int(a.qps * a.duration)
    done = [0]
    failed = [0]
    rss_points: list[tuple[float, float]] = []

    def timed(scheduled: float) -> Any:
        def on_done(fut: Any) -> None:
            if not fut.cancelled() and fut.exception() is None:
                hist.record(clock() - scheduled)
                done[0] += 1
            else:
                failed[0] += 1

        return on_done

    async def handler(key: bytes, scheduled: float) -> None:
        try:
            await c.set(key, value)
        except Exception:
            failed[0] += 1
            return
        hist.record(clock() - scheduled)
        done[0] += 1

    full = FullCollections()
    gc.callbacks.append(full)
    stall_limit = 0.004  # the loop sleeps 1 ms: a gap past 4 ms means the process was not running the loop
    stalls = 0
    stalled = 0.0
    gave_up_at = rss_at_give_up = None
    rss_peak = rss_mb()

    def over_limit(now: float) -> bool:
        """RSS check (every 0.1 s and every 4,096 commands started): past --rss-limit-mb, give up."""
        nonlocal rss_peak, gave_up_at, rss_at_give_up
        rss = rss_mb()
        rss_peak = max(rss_peak, rss)
        if rss <= a.rss_limit_mb:
            return False
        gave_up_at, rss_at_give_up = round(now - t0, 2), rss
        return True

    started = 0
    cpu0 = time.process_time()
    t0 = clock()
    next_rss = next_guard = previous = t0
    try:
        while started < total:
            now = clock()
            gap = now - previous
            previous = now
            if gap > stall_limit:
                stalls += 1
                stalled += gap - 0.001
            if now >= next_rss:
                rss_points.append((now - t0, rss_mb()))
                next_rss = now + 1.0
            if now >= next_guard:
                next_guard = now + 0.1
                if over_limit(now):
                    break
            due = min(total, int((now - t0) * a.qps) + 1)
            while started < due:
                scheduled = t0 + started / a.qps
                key = b"k:%d" % (started % 1_000_000)
                if handler_tasks:
                    loop.create_task(handler(key, scheduled))
                else:
                    asyncio.ensure_future(c.set(key, value)).add_done_callback(timed(scheduled))
                started += 1
                if not started & 4095 and over_limit(clock()):
                    break
            if gave_up_at is not None:
                break
            await asyncio.sleep(0.001)
        end = clock()
        if end - previous > stall_limit:  # the last iteration's own gap
            stalls += 1
            stalled += end - previous - 0.001
        window = end - t0
        cpu = time.process_time() - cpu0
        in_window = done[0]
    finally:
        gc.callbacks.remove(full)
    deadline = clock() + 10
    while done[0] + failed[0] < started and clock() < deadline:
        await asyncio.sleep(0.01)
    half = [p for p in rss_points if p[0] >= window / 2]
    growth = None
    if len(half) >= 2:
        growth = round((half[-1][1] - half[0][1]) / max(1e-9, half[-1][0] - half[0][0]) * 60, 2)
    return {
        "target_qps": a.qps,
        "duration_s": a.duration,
        "window_s": round(window, 2),
        "started": started,
        "completed_in_window": in_window,
        "achieved_ratio": round(in_window / max(1, started), 4),
        "unfinished_after_drain": started - done[0] - failed[0],
        "paced_errors": failed[0],
        "cpu_share": round(cpu / window, 3),
        "cpu_us_per_command": round(cpu / max(1, started) * 1e6, 2),
        "ops_per_s": round(in_window / window),
        "latency_ms": hist.summary(),
        "rss_mb": rss_mb(),
        "rss_peak_mb": rss_peak,
        "rss_growth_mb_per_min": growth,
        "gave_up_at_s": gave_up_at,
        "rss_at_give_up_mb": rss_at_give_up,
        "loop_stalls": stalls,
        "loop_stalled_ms": round(stalled * 1000, 1),
        **full.summary(),
    }


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
    return {
        "cycles_per_s": round(a.n / (time.perf_counter() - t0)),
        "rss_growth_mb_per_1000": round(growth, 4) if growth is not None else None,
        "rss_mb": rss_mb(),
    }


MODES = (
    "burst", "latency", "batch", "pipeline", "pipe-set", "pipe-get",
    "mset", "mget", "flood", "paced", "handler", "churn",
)


async def main(a: argparse.Namespace) -> dict[str, Any]:
    value = os.urandom(a.value_size)
    out: dict[str, Any] = {
        "client": a.client,
        "mode": a.mode,
        "cluster": a.cluster,
        "loop": a.loop,
        "n": a.n,
        "concurrency": a.concurrency,
        "value_size": a.value_size,
        "decode": a.decode,
        "resp3": a.resp3,
        "allocator": allocator(),
        "rss_start_mb": rss_mb(),
    }
    if a.mode == "churn":
        out.update(await churn(a, value))
        return out
    c = await make(a)
    out["how"] = c.how
    others = [await make(a) for _ in range(a.split - 1)]
    for other in others:
        await other.set(b"warm", value)
    if others:
        out["split"] = a.split
    if a.mode in ("pipe-set", "pipe-get"):
        await (await pipeline_factory(c, a))().set(b"warm", value).execute()
    else:
        await c.set(b"warm", value)
    if a.gc_freeze:
        # what a service does after start-up (gc.freeze): the objects alive now leave the collector's
        # generations, so a full collection walks only what the workload itself keeps alive
        gc.collect()
        gc.freeze()
    out["gc_frozen"] = gc.get_freeze_count()
    gc_start = [s["collections"] for s in gc.get_stats()]
    if a.mode == "burst":
        out.update(await burst(c, a, value, others))
    elif a.mode == "latency":
        out.update(await latency(c, a, value))
    elif a.mode == "batch":
        out.update(await batch(c, a, value))
    elif a.mode == "pipeline":
        out.update(await pipeline(c, a, value))
    elif a.mode == "pipe-set":
        out.update(await pipe_set(c, a, value))
    elif a.mode == "pipe-get":
        out.update(await pipe_get(c, a, value))
    elif a.mode in ("mset", "mget"):
        out.update(await multi_key(c, a, value, a.mode == "mset"))
    elif a.mode == "flood":
        out.update(await flood(c, a, value))
    elif a.mode in ("paced", "handler"):
        out.update(await paced(c, a, value, a.mode == "handler"))
    out["gc_collections"] = [s["collections"] - g for s, g in zip(gc.get_stats(), gc_start)]
    if out.get("unfinished_after_drain") or out.get("gave_up_at_s") is not None:
        # commands still in flight after the bounded drain: closing would wait on them; run() exits instead
        out["close"] = "skipped: commands still in flight"
    else:
        await c.close()  # in this task: coredis must leave its context in the task that entered it
        for other in others:
            await other.close()
    return out


def run(a: argparse.Namespace) -> None:
    """Print the JSON line; after a paced run that left commands behind, exit without asyncio.run's teardown
    (cancelling hundreds of thousands of stranded tasks can take longer than the measurement)."""

    async def measure_and_print() -> None:
        out = await main(a)
        print(json.dumps(out), flush=True)
        if out.get("unfinished_after_drain") or out.get("gave_up_at_s") is not None:
            sys.stderr.flush()
            os._exit(0)

    asyncio.run(measure_and_print())


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    p.add_argument("--mode", required=True, choices=MODES)
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
    p.add_argument("--rss-limit-mb", type=float, default=3000, help="paced modes: stop starting commands past this RSS")
    p.add_argument("--pipe-size", type=int, default=0, help="pipe-set/pipe-get: commands per pipeline")
    p.add_argument("--transaction", action="store_true", help="pipe-set/pipe-get: MULTI/EXEC pipelines")
    p.add_argument("--cluster", action="store_true", help="the cluster client, --port being any node of a cluster")
    p.add_argument("--split", type=int, default=1, help="burst: N clients (N sockets), task j on client j mod N: a "
                   "standalone client's batches as small per socket as RedisCluster's over N primaries")
    args = p.parse_args()
    if args.split > 1 and args.mode != "burst":
        raise SystemExit("--split: burst mode only")
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    run(args)
