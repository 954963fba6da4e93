"""Pipelines against their ruler, side by side in one run: alternating rounds, medians.

    python benchmarks/pipelines.py [--rounds 5] [--n 200000] [--shapes set,get] [--tasks 50]
        [--clients limit,leanredis,leanredis:multi,redispy,redispy:multi] [--before DIR] [--loop asyncio|uvloop]

Shapes: ``set``, one task running pipelines of 1,000 SETs one after another;
``get``, --tasks tasks each running pipelines of 100 GETs. ``limit`` is the
pipeline ruler (benchmarks/limit_pipeline.py); ``:multi`` runs the client's
``pipeline(transaction=True)`` (MULTI/EXEC) instead of ``transaction=False``.
``--before DIR`` adds ``before`` and ``before:multi``: an older tree
(``git archive <commit> leanredis | tar -x -C DIR``, plus this benchmarks/
directory copied into DIR/benchmarks), for a hot-path change in one run.

Every measurement is a fresh process of perf.py (``pipe-set``/``pipe-get``)
on one private server; each round runs every client once, in turn, so a slow
period of this shared machine hits all of them. Printed: the median
commands per second of each, its ratio to the ruler, and for ``:multi`` its
ratio to the same client's plain pipeline; then the same per second of the
client process's own CPU time (``time.process_time``), which the other
processes on a shared machine move far less than the wall clock.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from leanredis.server import RedisServer  # noqa: E402

SHAPES = {
    "set": ("pipe-set", "1 task, pipelines of 1,000 SETs"),
    "get": ("pipe-get", "{tasks} tasks, pipelines of 100 GETs"),
}


def measure(perf: Path, client: str, mode: str, a: argparse.Namespace, port: int) -> tuple[float, float]:
    name, _, kind = client.partition(":")
    cmd = [sys.executable, str(perf), "--client", name, "--mode", mode, "--port", str(port), "--n", str(a.n)]
    cmd += ["--concurrency", str(a.tasks), "--loop", a.loop] + (["--transaction"] if kind == "multi" else [])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"{client} {mode}: {out.stderr.strip()[-400:]}")
    record = json.loads(out.stdout.strip().splitlines()[-1])
    if record.get("errors"):
        raise RuntimeError(f"{client} {mode}: {record['errors']} wrong results")
    return float(record["ops_per_s"]), float(record.get("cpu_ops_per_s", 0))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--shapes", default="set,get")
    p.add_argument("--tasks", type=int, default=50)
    p.add_argument("--clients", default="limit,leanredis,leanredis:multi,redispy,redispy:multi")
    p.add_argument("--before", default=None)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("--server", default=None)
    a = p.parse_args()
    clients = a.clients.split(",")
    perfs = dict.fromkeys(clients, HERE / "perf.py")
    if a.before:
        before = Path(a.before) / "benchmarks" / "perf.py"
        perfs.update({"before": before, "before:multi": before})
    with RedisServer(a.server) as server:
        print(f"server: {server.version}; loop {a.loop}; {a.rounds} rounds of {a.n:,} commands", flush=True)
        for shape in a.shapes.split(","):
            mode, title = SHAPES[shape]
            rates: dict[str, list[float]] = {c: [] for c in perfs}
            cpus: dict[str, list[float]] = {c: [] for c in perfs}
            for _ in range(a.rounds):
                for client, perf in perfs.items():
                    run_as = client.replace("before", "leanredis")
                    rate, cpu = measure(perf, run_as, mode, a, server.port)
                    rates[client].append(rate)
                    cpus[client].append(cpu)
            median = {c: statistics.median(r) for c, r in rates.items()}
            cpu_median = {c: statistics.median(r) for c, r in cpus.items()}
            ruler, cpu_ruler = median.get("limit"), cpu_median.get("limit")
            print(f"\n{shape}: {title.format(tasks=a.tasks)}")
            print("  (median commands/s wall, spread min-max; and per second of the client's own CPU time)")
            for client, rate in median.items():
                line = f"  {client:<16} {rate:>11,.0f}  ({min(rates[client]):,.0f}-{max(rates[client]):,.0f})"
                if ruler and client != "limit":
                    line += f"  {rate / ruler:.2f}x ruler"
                plain = median.get(client.removesuffix(":multi"))
                if client.endswith(":multi") and plain:
                    line += f"  {rate / plain:.2f}x its pipeline"
                cpu = cpu_median[client]
                line += f"  | cpu {cpu:>11,.0f}"
                if cpu_ruler and client != "limit":
                    line += f"  {cpu / cpu_ruler:.2f}x ruler"
                print(line, flush=True)


if __name__ == "__main__":
    main()
