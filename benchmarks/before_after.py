"""Two trees of leanredis and the limit proxy, alternating, on one private server: a hot-path change in one run.

    python benchmarks/before_after.py --before /tmp/before [--reps 3] [--modes burst,batch,flood]
        [--loops asyncio,uvloop] [--n 300000] [--flood 200000]

``--before`` is a directory holding an older ``leanredis`` package and its
``benchmarks/perf.py`` (``git archive <commit> leanredis benchmarks | tar -x -C DIR``).
Each measurement is a fresh process of that tree's perf.py; limit, before and
after alternate within each repetition so that a slow period of this shared
machine hits all three. Printed: the median of each, and after/limit,
before/limit, after/before; flood also peak RSS.
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


def measure(perf: Path, client: str, mode: str, loop: str, port: int, n: int) -> dict:
    cmd = [sys.executable, str(perf), "--client", client, "--mode", mode, "--loop", loop, "--port", str(port)]
    cmd += ["--n", str(n), "--concurrency", "1000"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{client} {mode}: {out.stderr.strip()[-400:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--modes", default="burst,batch,flood")
    p.add_argument("--loops", default="asyncio,uvloop")
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--flood", type=int, default=200_000)
    p.add_argument("--server", default=None)
    args = p.parse_args()
    trees = {"limit": HERE / "perf.py", "before": Path(args.before) / "benchmarks" / "perf.py", "after": HERE / "perf.py"}
    with RedisServer(args.server) as server:
        for loop in args.loops.split(","):
            for mode in args.modes.split(","):
                n = args.flood if mode == "flood" else args.n
                runs: dict[str, list[dict]] = {name: [] for name in trees}
                for _ in range(args.reps):
                    for name, perf in trees.items():
                        client = "limit" if name == "limit" else "leanredis"
                        runs[name].append(measure(perf, client, mode, loop, server.port, n))
                rate = {name: statistics.median(r["ops_per_s"] for r in rs) for name, rs in runs.items()}
                peak = {name: statistics.median(r.get("rss_peak_mb", 0) for r in rs) for name, rs in runs.items()}
                print(
                    f"{loop:8} {mode:6} ops/s limit {rate['limit']:>9,.0f}  before {rate['before']:>9,.0f}  "
                    f"after {rate['after']:>9,.0f}  | after/limit {rate['after'] / rate['limit']:.2f}x  "
                    f"before/limit {rate['before'] / rate['limit']:.2f}x  after/before {rate['after'] / rate['before']:.2f}x"
                    + (f"  | peak MB limit {peak['limit']:.1f} before {peak['before']:.1f} after {peak['after']:.1f}"
                       if mode == "flood" else ""),
                    flush=True,
                )


if __name__ == "__main__":
    main()
