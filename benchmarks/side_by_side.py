"""Side by side, in one run, on one private server: leanredis, the limit proxy
(plain and --coro) and redis-py, each in a fresh process.

    python benchmarks/side_by_side.py [--n 300000] [--concurrency 1000] [--flood 200000]
                                      [--loop asyncio|uvloop] [--clients leanredis,limit,limit-coro,redispy]

Prints a table with ratios against the limit proxy, and the JSON lines.

    python benchmarks/side_by_side.py --cluster [--rounds 5] [--modes burst] [--n 300000]
                                      [--concurrency 1000] [--loop asyncio|uvloop]

``--cluster``: leanredis's ``RedisCluster`` on a private 3-primary cluster
(``leanredis.server.LocalCluster``) against ``Redis`` on one private server,
and the rulers beside them: the limit proxy resolving a Future subclass
(perf.py's ``limit-sub``) on the server, the cluster ruler
(``benchmarks/limit_cluster.py``, perf.py's ``limit-cluster``) on the
cluster. The same perf.py workload for all four (keys spread over the
slots), alternating in each round (limit standalone, limit cluster,
leanredis standalone, leanredis cluster) so that a slow period of this
shared machine hits all. Printed: each run (with the client's CPU and the
servers' CPU and run-queue wait per command, read from /proc: on 2 cores,
the client and 3 server processes compete for them; how often the client
slept waiting for replies and was preempted), the medians, each client's
cluster/standalone (the ruler's is what the split over three server
processes costs on this machine by itself) and leanredis's cluster over
the ruler's cluster. ``--no-ruler``: leanredis only. ``--pin``: the servers
on the last core and each client on the first, as a client meets servers on
other machines: on 2 cores unpinned, the three cluster servers take the
client's core for about 1 us per command, and the cluster ruler itself then
runs at 0.81-0.89x its standalone figure; pinned, what is left between the
two is the cost of the split to the client (and to the servers' one core).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from leanredis.server import LocalCluster, RedisServer  # noqa: E402

# beside the main checkout; LIMIT_PROTO names it from elsewhere (a git worktree), as perf.py reads it
LIMIT = Path(os.environ.get("LIMIT_PROTO", HERE.parent.parent / "shared" / "bench" / "limit_proto.py"))


def run(cmd: list[str], core: int | None = None) -> dict[str, object]:
    pin = None if core is None else functools.partial(os.sched_setaffinity, 0, {core})
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, preexec_fn=pin)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--concurrency", type=int, default=1000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--flood", type=int, default=200_000)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("--clients", default="limit,limit-coro,leanredis,redispy")
    p.add_argument("--server", default=None, help="server binary (default: leanredis.server finds one)")
    p.add_argument("--cluster", action="store_true", help="RedisCluster against Redis, alternating rounds")
    p.add_argument("--rounds", type=int, default=5, help="--cluster: rounds (medians are printed)")
    p.add_argument("--modes", default="burst", help="--cluster: perf.py modes, comma-separated")
    p.add_argument("--no-ruler", action="store_true", help="--cluster: leanredis only, without the two rulers")
    p.add_argument("--pin", action="store_true",
                   help="--cluster: the servers on the last core, each client on the first")
    a = p.parse_args()
    if a.cluster:
        cluster_rounds(a)
        return
    common = ["--n", str(a.n), "--concurrency", str(a.concurrency), "--value-size", str(a.value_size),
              "--flood", str(a.flood), "--loop", a.loop]
    rows: dict[str, dict[str, object]] = {}
    with RedisServer(a.server) as server:
        print(f"server: {server.version}, port {server.port}; loop {a.loop}", flush=True)
        for name in a.clients.split(","):
            port = ["--port", str(server.port)]
            if name in ("limit", "limit-coro"):
                if not LIMIT.exists():
                    rows[name] = {"error": f"{LIMIT} not found"}
                    continue
                cmd = [sys.executable, str(LIMIT), *port, *common] + (["--coro"] if name == "limit-coro" else [])
            else:
                cmd = [sys.executable, str(HERE / "run_client.py"), "--client", name, *port, *common]
            server_flush(server.port)
            rows[name] = run(cmd)
            print(json.dumps({"name": name, **rows[name]}), flush=True)
    base = rows.get("limit", {})
    keys = ["burst_ops_per_s", "batch_ops_per_s", "flood_ops_per_s", "flood_rss_peak_mb", "rss_end_mb"]
    print()
    print(f"{'client':<12}" + "".join(f"{k:>22}" for k in keys))
    for name, row in rows.items():
        cells = []
        for k in keys:
            v = row.get(k)
            ratio = ""
            if isinstance(v, (int, float)) and isinstance(base.get(k), (int, float)) and base[k]:
                ratio = f" ({v / base[k]:.2f}x)"  # type: ignore[operator]
            cells.append(f"{(str(v) + ratio) if v is not None else row.get('error', '-')!s:>22}")
        print(f"{name:<12}" + "".join(cells))


# --cluster's runs, in each round's order: name -> (perf.py client, on the cluster)
CLUSTER_RUNS = {
    "limit standalone": ("limit-sub", False),
    "limit cluster": ("limit-cluster", True),
    "leanredis standalone": ("leanredis", False),
    "leanredis cluster": ("leanredis", True),
}


def cluster_rounds(a: argparse.Namespace) -> None:
    """The rulers and leanredis on one server and on a cluster: perf.py runs, alternating, ``a.rounds`` rounds
    per mode; the medians and the ratios."""
    runs = dict(CLUSTER_RUNS)
    if a.no_ruler:
        del runs["limit standalone"], runs["limit cluster"]
    elif not LIMIT.exists():
        raise SystemExit(f"{LIMIT} not found (set LIMIT_PROTO), or run with --no-ruler")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    client_core = cores[0] if a.pin and len(cores) >= 2 else None
    if a.pin and client_core is None:
        raise SystemExit("--pin needs two cores or more")
    if client_core is not None:
        os.sched_setaffinity(0, {cores[-1]})  # the servers started below inherit it
    with RedisServer(a.server) as server, LocalCluster(a.server, primaries=3) as cluster:
        node = cluster.nodes[0][1]
        pids = {False: [server.process.pid], True: [s.process.pid for s in cluster.primaries]}  # type: ignore[union-attr]
        print(f"server: {server.version}; cluster of 3 primaries; loop {a.loop}"
              + (f"; servers on core {cores[-1]}, clients on core {client_core}" if client_core is not None else ""),
              flush=True)
        for mode in a.modes.split(","):
            rates: dict[str, list[float]] = {name: [] for name in runs}
            client_us: dict[str, list[float]] = {name: [] for name in runs}
            server_us: dict[str, list[float]] = {name: [] for name in runs}
            wait_us: dict[str, list[float]] = {name: [] for name in runs}
            slept: dict[str, list[float]] = {name: [] for name in runs}
            preempted: dict[str, list[float]] = {name: [] for name in runs}
            for round_ in range(a.rounds):
                for name, (client, on_cluster) in runs.items():
                    cmd = [sys.executable, str(HERE / "perf.py"), "--client", client, "--mode", mode,
                           "--n", str(a.n), "--concurrency", str(a.concurrency), "--value-size", str(a.value_size),
                           "--loop", a.loop, "--port", str(node if on_cluster else server.port)]
                    if on_cluster:
                        cmd.append("--cluster")
                    ran, waited = sched_seconds(pids[on_cluster])
                    row = run(cmd, client_core)
                    # the servers' time over the whole run (connecting and warming up cost them next to nothing)
                    ran_after, waited_after = sched_seconds(pids[on_cluster])
                    servers, waits = (ran_after - ran) / a.n * 1e6, (waited_after - waited) / a.n * 1e6
                    if "error" in row:
                        raise SystemExit(f"{name} {mode}: {row['error']}")
                    rates[name].append(float(row["ops_per_s"]))  # type: ignore[arg-type]
                    server_us[name].append(servers)
                    wait_us[name].append(waits)
                    cpu_rate = row.get("cpu_ops_per_s")
                    mine = 1e6 / float(cpu_rate) if cpu_rate else float("nan")  # type: ignore[arg-type]
                    client_us[name].append(mine)
                    slept[name].append(float(row.get("slept", 0)) * 1000 / a.n)  # type: ignore[arg-type]
                    preempted[name].append(float(row.get("preempted", 0)) * 1000 / a.n)  # type: ignore[arg-type]
                    print(f"  {mode} round {round_ + 1} {name:<20} {row['ops_per_s']:>10} ops/s"
                          f"  per command: client CPU {mine:.2f} us, servers CPU {servers:.2f} us,"
                          f" servers waiting for a core {waits:.2f} us; per 1,000 commands the client slept"
                          f" {slept[name][-1]:.1f} times, was preempted {preempted[name][-1]:.1f} times", flush=True)
            for name in runs:
                print(f"{mode}: {name:<20} medians per command: client CPU {statistics.median(client_us[name]):.2f} us,"
                      f" servers CPU {statistics.median(server_us[name]):.2f} us,"
                      f" servers waiting for a core {statistics.median(wait_us[name]):.2f} us; per 1,000 commands"
                      f" the client slept {statistics.median(slept[name]):.1f} times,"
                      f" was preempted {statistics.median(preempted[name]):.1f} times", flush=True)
            median = {name: statistics.median(values) for name, values in rates.items()}
            print(f"{mode}: medians of {a.rounds} rounds, ops/s: "
                  + ", ".join(f"{name} {value:,.0f}" for name, value in median.items()), flush=True)
            for who in ("limit", "leanredis"):
                if f"{who} cluster" in median:
                    ratio = median[f"{who} cluster"] / median[f"{who} standalone"]
                    # each round's two runs are next to each other: the ratio within a round moves less
                    pairs = zip(rates[f"{who} cluster"], rates[f"{who} standalone"])
                    paired = statistics.median(c / s for c, s in pairs)
                    print(f"{mode}: {who} cluster/standalone {ratio:.3f}"
                          f" (median of the rounds' own ratios {paired:.3f})", flush=True)
            if "limit cluster" in median:
                ratio = median["leanredis cluster"] / median["limit cluster"]
                paired = statistics.median(c / r for c, r in zip(rates["leanredis cluster"], rates["limit cluster"]))
                print(f"{mode}: leanredis cluster / limit cluster {ratio:.3f} (median of the rounds' own ratios"
                      f" {paired:.3f})", flush=True)
            # the fastest of each: what a quiet moment allows, when the medians move with other people's load
            best = {name: max(values) for name, values in rates.items()}
            print(f"{mode}: best of {a.rounds} rounds, ops/s: "
                  + ", ".join(f"{name} {value:,.0f}" for name, value in best.items())
                  + "".join(f"; {who} cluster/standalone {best[f'{who} cluster'] / best[f'{who} standalone']:.3f}"
                            for who in ("limit", "leanredis") if f"{who} cluster" in best), flush=True)


def sched_seconds(pids: list[int]) -> tuple[float, float]:
    """CPU time the processes ``pids`` have had so far, and time they waited runnable for a core
    (/proc/PID/schedstat, nanoseconds: finer than /proc/PID/stat's 10 ms ticks), in seconds."""
    ran = waited = 0
    for pid in pids:
        with open(f"/proc/{pid}/schedstat") as f:
            fields = f.read().split()
        ran += int(fields[0])
        waited += int(fields[1])
    return ran / 1e9, waited / 1e9


def server_flush(port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        sock.recv(16)


if __name__ == "__main__":
    main()
