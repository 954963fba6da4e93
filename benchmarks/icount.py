"""Instructions per command, counted by valgrind (callgrind): a ruler that machine noise does not move.

    python benchmarks/icount.py [--clients limit,limit-sub,leanredis,redispy]
                                [--mode burst|batch|flood|pipe-set|pipe-get]
                                [--concurrency 100] [--small 10000] [--large 30000] [--cluster]

A client may carry perf.py options after colons: ``leanredis:decode``,
``leanredis:resp3``, ``limit:value-size=10000``, ``leanredis:transaction``.
In the pipeline modes (``pipe-set``: pipelines of 1,000 SETs in turn;
``pipe-get``: --concurrency tasks running pipelines of 100 GETs) ``limit`` is
the pipeline ruler, benchmarks/limit_pipeline.py, and a command is one
pipelined command.

``--cluster`` starts a private 3-primary cluster (``leanredis.server.LocalCluster``)
beside the server; a client spec with ``:cluster`` (perf.py's --cluster) runs
against it, the keys spread over its slots, and so does ``limit-cluster``,
the cluster ruler (benchmarks/limit_cluster.py: the limit proxy spread over
the primaries, resolving limit-sub's Future subclass). Its default clients
are ``limit-sub,limit-cluster,leanredis,leanredis:cluster``: the rulers and
``RedisCluster`` beside ``Redis`` on one server, the same burst; then each
one's cluster/standalone, and leanredis's cluster over the ruler's.

Each client runs benchmarks/perf.py twice under callgrind, with --small and
--large commands; the difference of the two totals over the difference of
the counts is the cost of one command (start-up and imports cancel out).
Wall-clock figures on this shared 2-core machine move by 20% from run to
run; these do not move by 1%. The servers run on the last core and the
counted client on the first (``--no-pin``: anywhere), so that a server never
waits for the client's core: that changed how many replies each read
brought, and the cluster's count moved 3-4% between runs. Instructions are not time (a memcpy or a
sprintf is cheap per instruction, the interpreter's dispatch is not), so
read them beside the timed benchmarks, not instead of them.

``limit-sub`` is the limit proxy resolving a trivial ``asyncio.Future``
subclass instead of the C Future: the price a client pays for returning an
object that is a future (gather takes it without a Task) and a coroutine
(``asyncio.create_task(r.get(k))`` works), because an asyncio Task takes its
fast path only for the exact C Future type.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leanredis.server import LocalCluster, RedisServer  # noqa: E402

PERF = Path(__file__).resolve().parent / "perf.py"
CLUSTER_CLIENTS = "limit-sub,limit-cluster,leanredis,leanredis:cluster"
SLOW = {"redispy": 10, "coredis": 10, "glide": 5}  # scale the counts down for clients 10-30x slower


def perf_flags(spec: str) -> tuple[str, list[str]]:
    """"leanredis:decode:value-size=10000" -> ("leanredis", ["--decode", "--value-size", "10000"])."""
    client, *options = spec.split(":")
    flags: list[str] = []
    for option in options:
        key, _, value = option.partition("=")
        flags += [f"--{key}"] + ([value] if value else [])
    return client, flags


def count(port: int, spec: str, mode: str, n: int, concurrency: int, core: int | None = None) -> int:
    client, flags = perf_flags(spec)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(PERF)]
    cmd += ["--client", client, "--mode", mode, "--n", str(n), "--concurrency", str(concurrency)]
    cmd += ["--port", str(port), *flags]
    pin = None if core is None else functools.partial(os.sched_setaffinity, 0, {core})
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, preexec_fn=pin)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"{client}: callgrind run failed: {out.stderr.strip()[-300:]}")
    return int(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", default=None, help="default: limit,limit-sub,leanredis,redispy "
                   "(with --cluster: limit-sub,limit-cluster,leanredis,leanredis:cluster)")
    p.add_argument("--mode", default="burst", choices=("burst", "batch", "flood", "pipe-set", "pipe-get"))
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--small", type=int, default=10_000)
    p.add_argument("--large", type=int, default=30_000)
    p.add_argument("--server", default=None)
    p.add_argument("--cluster", action="store_true", help="also a local cluster, for the specs with :cluster")
    p.add_argument("--no-pin", action="store_true", help="leave the client and the servers on any core")
    a = p.parse_args()
    if a.clients is None:
        a.clients = CLUSTER_CLIENTS if a.cluster else "limit,limit-sub,leanredis,redispy"
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    rows = []
    # The servers on the last core, the counted client on the first: a server waiting for the client's core
    # changes how many replies each read brings, and with it the count (the cluster's moved 3-4% between runs
    # on 2 cores; pinned, it held within 0.2%). The count is the client's instructions either way
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    client_core = cores[0] if len(cores) >= 2 and not a.no_pin else None
    if client_core is not None:
        os.sched_setaffinity(0, {cores[-1]})  # the servers started below inherit it
    with ExitStack() as stack:
        server = stack.enter_context(RedisServer(a.server))
        cluster_port = None
        if a.cluster:
            cluster = stack.enter_context(LocalCluster(a.server, primaries=3))
            cluster_port = cluster.nodes[0][1]
        print(f"server: {server.version}; mode {a.mode}, {a.concurrency} tasks"
              + (", and a cluster of 3 primaries" if a.cluster else ""), flush=True)
        for client in a.clients.split(","):
            port = server.port
            if on_cluster(client):
                if cluster_port is None:
                    raise SystemExit(f"{client}: a :cluster spec needs --cluster")
                port = cluster_port
            # pipelined, the slow clients are within 10x: counted at the same sizes
            scale = 1 if a.mode.startswith("pipe-") else SLOW.get(perf_flags(client)[0], 1)
            small, large = a.small // scale, a.large // scale
            try:
                per = (
                    count(port, client, a.mode, large, a.concurrency, client_core)
                    - count(port, client, a.mode, small, a.concurrency, client_core)
                ) / (large - small)
            except RuntimeError as exc:
                print(f"  {client:<10} failed: {exc}", flush=True)
                continue
            rows.append((client, per))
            base = rows[0][1]
            print(
                f"  {client:<10} {per:>10,.0f} instructions per command  ({per / base:.2f}x {rows[0][0]})", flush=True
            )
    for line in cluster_ratios(dict(rows)):
        print(line, flush=True)


def on_cluster(spec: str) -> bool:
    """Whether a client spec runs against the cluster: ``:cluster``, or the cluster ruler."""
    client, flags = perf_flags(spec)
    return client == "limit-cluster" or "--cluster" in flags


def cluster_ratios(per: dict[str, float]) -> list[str]:
    """Each cluster spec over its standalone counterpart (the same spec without ``:cluster``; limit-sub for
    the cluster ruler), and leanredis's cluster over the ruler's."""
    lines = []
    for spec, count in per.items():
        if not on_cluster(spec):
            continue
        alone = "limit-sub" if perf_flags(spec)[0] == "limit-cluster" else spec.replace(":cluster", "")
        if alone in per:
            lines.append(f"  {spec} / {alone}: {count / per[alone]:.3f} (cluster/standalone)")
    ruler = next((spec for spec in per if perf_flags(spec)[0] == "limit-cluster"), None)
    if ruler is not None:
        for spec, count in per.items():
            if perf_flags(spec)[0] == "leanredis" and on_cluster(spec):
                lines.append(f"  {spec} / {ruler}: {count / per[ruler]:.3f}")
    return lines


if __name__ == "__main__":
    main()
