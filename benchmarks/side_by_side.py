"""Side by side, in one run, on one private server: leanredis, the limit proxy
(plain and --coro) and redis-py, each in a fresh process.

    python benchmarks/side_by_side.py [--n 300000] [--concurrency 1000] [--flood 200000]
                                      [--loop asyncio|uvloop] [--clients leanredis,limit,limit-coro,redispy]

Prints a table with ratios against the limit proxy, and the JSON lines.

    python benchmarks/side_by_side.py --cluster [--rounds 5] [--modes burst] [--n 300000]
                                      [--concurrency 1000] [--loop asyncio|uvloop]

``--cluster``: leanredis's ``RedisCluster`` on a private 3-primary cluster
(``leanredis.server.LocalCluster``) against ``Redis`` on one private server,
the same perf.py workload (keys spread over the slots), the two alternating
in each round so that a slow period of this shared machine hits both.
Printed: each run, the medians and cluster/standalone.
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

from leanredis.server import LocalCluster, RedisServer  # noqa: E402

LIMIT = HERE.parent.parent / "shared" / "bench" / "limit_proto.py"


def run(cmd: list[str]) -> dict[str, object]:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
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


def cluster_rounds(a: argparse.Namespace) -> None:
    """RedisCluster against Redis: perf.py runs, alternating, ``a.rounds`` rounds per mode; the medians."""
    with RedisServer(a.server) as server, LocalCluster(a.server, primaries=3) as cluster:
        node = cluster.nodes[0][1]
        print(f"server: {server.version}; cluster of 3 primaries; loop {a.loop}", flush=True)
        for mode in a.modes.split(","):
            rates: dict[str, list[float]] = {"standalone": [], "cluster": []}
            for round_ in range(a.rounds):
                for name in rates:
                    cmd = [sys.executable, str(HERE / "perf.py"), "--client", "leanredis", "--mode", mode,
                           "--n", str(a.n), "--concurrency", str(a.concurrency), "--value-size", str(a.value_size),
                           "--loop", a.loop, "--port", str(node if name == "cluster" else server.port)]
                    if name == "cluster":
                        cmd.append("--cluster")
                    row = run(cmd)
                    if "error" in row:
                        raise SystemExit(f"{name} {mode}: {row['error']}")
                    rates[name].append(float(row["ops_per_s"]))  # type: ignore[arg-type]
                    print(f"  {mode} round {round_ + 1} {name:<10} {row['ops_per_s']:>10} ops/s", flush=True)
            median = {name: statistics.median(values) for name, values in rates.items()}
            print(f"{mode}: standalone median {median['standalone']:,.0f}, cluster median {median['cluster']:,.0f}"
                  f" ops/s: cluster/standalone {median['cluster'] / median['standalone']:.3f}", flush=True)


def server_flush(port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        sock.recv(16)


if __name__ == "__main__":
    main()
