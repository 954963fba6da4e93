"""What an RSS step at a fault is made of: paced load on leanredis, faults, memory before and after each.

    python benchmarks/fault_steps.py [--qps 12000] [--faults restart,pause] [--each 4]
        [--probe-trim] [--survivors FRAMES] [--tracemalloc FRAMES] [--uvloop] [--option key=value]

A private server on a free loopback port (``leanredis.server.RedisServer``);
the load fires SETs on schedule like the lab's ``paced`` workload. Faults, in
turn: ``restart`` (kill -9, 0.5 s down, start on the same port, as the lab's
runner does) and ``pause`` (SIGSTOP for 2 s, then SIGCONT). After each fault,
once the backlog is gone: RSS, RSS by kind of mapping (main heap, other
anonymous memory, stacks, files), pymalloc arenas in use and their high-water
mark, live blocks (``sys.getallocatedblocks``), gc objects by type;
``--probe-trim`` calls ``malloc_trim(0)`` and says what glibc gave back;
``--survivors`` traces from the fault on and lists what is still alive after
the drain (what pins arenas); ``--tracemalloc`` traces the whole run (slow:
use a low --qps). Every loop is bounded in count and time.

What it showed (12,000/s, 30 faults): the step is pymalloc arenas. A fault's
backlog (callers in flight, queued, then timed out with their errors) fills
fresh arenas; after the drain the live blocks are back where they were, but
a few long-lived objects made meanwhile keep some arenas in use. The arenas in
use stay under the high-water mark of the largest backlog, so the steps stop:
RSS moves within a few MB of its level after the first pause from then on.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import signal
import sys
import time
import tracemalloc
from collections import Counter

import leanredis
from leanredis import memory
from leanredis.server import RedisServer


def by_type() -> Counter[str]:
    return Counter(type(o).__name__ for o in gc.get_objects())


def pymalloc_arenas() -> tuple[int, int]:
    """(arenas in use now, high-water mark) from ``sys._debugmallocstats`` (it writes to fd 2)."""
    import tempfile

    with tempfile.TemporaryFile() as f:
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(f.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        f.seek(0)
        text = f.read().decode(errors="replace")
    figures = dict(re.findall(r"# arenas (allocated current|highwater mark)\s*=\s*([\d,]+)", text))
    return (int(figures.get("allocated current", "0").replace(",", "")),
            int(figures.get("highwater mark", "0").replace(",", "")))


def rss_by_mapping() -> Counter[str]:
    """Resident KiB by kind of mapping (/proc/self/smaps): the main heap, other anonymous memory
    (pymalloc arenas, mmap'd blocks, glibc's per-thread arenas), thread stacks, files."""
    kinds: Counter[str] = Counter()
    kind = "?"
    with open("/proc/self/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                name = fields[5] if len(fields) > 5 else ""
                if name == "[heap]":
                    kind = "heap"
                elif name.startswith("/"):
                    kind = "files"
                elif name:
                    kind = name
                elif hi - lo >= 60 * 2**20:
                    kind = "anon>=60M (thread arenas)"
                elif hi - lo >= 8 * 2**20 - 2**16 and hi - lo <= 8 * 2**20 + 2**16:
                    kind = "anon 8M (thread stacks)"
                else:
                    kind = "anon"
            elif fields[0] == "Rss:":
                kinds[kind] += int(fields[1])
    return kinds


def mb(n: int | None) -> float:
    return round((n or 0) / 2**20, 1)


def show_trace_diff(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, top: int = 8) -> None:
    filters = [tracemalloc.Filter(True, "*leanredis*")]
    stats = after.filter_traces(filters).compare_to(before.filter_traces(filters), "traceback")
    for stat in stats[:top]:
        if not stat.size_diff:
            continue
        frame = stat.traceback[-1] if stat.traceback else None
        print(f"      {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {frame}")


def show_survivors(snapshot: tracemalloc.Snapshot, top: int = 10) -> None:
    """Blocks allocated since the fault began and still alive after the drain: what pins arenas."""
    stats = snapshot.statistics("traceback")
    total = sum(stat.size for stat in stats)
    print(f"    survivors of the fault: {sum(stat.count for stat in stats)} blocks, {total / 1024:.0f} KiB")
    for stat in stats[:top]:
        where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in list(stat.traceback)[::-1][:4])
        print(f"      {stat.size / 1024:8.1f} KiB {stat.count:6d} blocks  {where}")


async def main(args: argparse.Namespace) -> None:
    server = RedisServer(args.server).start()
    try:
        await run(server, args)
    finally:
        server.stop()


async def run(server: RedisServer, args: argparse.Namespace) -> None:
    r = leanredis.Redis(host="127.0.0.1", port=server.port, socket_timeout=1.0, **dict(args.option))
    await r.ping()
    value = os.urandom(100)
    loop = asyncio.get_running_loop()
    done = errors = started = 0
    stop = False
    errors_at_call = [0]  # refused at the call (a full queue)

    def outcome(fut: asyncio.Future) -> None:
        nonlocal done, errors
        if fut.cancelled() or fut.exception() is not None:
            errors += 1
        else:
            done += 1

    async def load() -> None:
        nonlocal started
        start = time.perf_counter()
        while not stop and time.perf_counter() - start < args.limit:
            due = int((time.perf_counter() - start) * args.qps) + 1
            while started < due:
                try:
                    fut = asyncio.ensure_future(r.set(b"k:%d" % (started % 100_000), value))
                except Exception:
                    errors_at_call[0] += 1
                else:
                    fut.add_done_callback(outcome)
                started += 1
            await asyncio.sleep(0.001)

    async def settle() -> None:
        """Wait until the backlog is gone and no command failed for a while (bounded)."""
        deadline = time.perf_counter() + 20
        last = -1
        quiet_since = time.perf_counter()
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
            if errors != last:
                last, quiet_since = errors, time.perf_counter()
            backlog = started - done - errors - errors_at_call[0]
            if backlog < args.qps * 0.02 and time.perf_counter() - quiet_since > 0.5:
                break
        await asyncio.sleep(args.between)

    def measure() -> dict:
        gc.collect()
        rss_kept = memory.rss_bytes()
        if args.probe_trim:
            memory.trim()  # what glibc was keeping free: RSS before minus RSS after
        return {"rss": memory.rss_bytes(), "rss_kept": rss_kept, "maps": rss_by_mapping(),
                "arenas": pymalloc_arenas(), "blocks": sys.getallocatedblocks(), "types": by_type(),
                "trace": tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None,
                "stats": r.stats()}

    def report(label: str, a: dict, b: dict) -> None:
        print(f"  {label}: rss {mb(a['rss'])} -> {mb(b['rss'])} MB ({mb(b['rss'] - a['rss']):+} MB), "
              f"live blocks {b['blocks'] - a['blocks']:+d}, done {done}, errors {errors + errors_at_call[0]}, "
              f"trims {b['stats'].get('trims')}, pymalloc arenas {a['arenas'][0]} -> {b['arenas'][0]} "
              f"(high {b['arenas'][1]})" + (f", trim probe gave {mb(b['rss_kept'] - b['rss'])} MB"
                                              if args.probe_trim else ""))
        maps = {k: round((b["maps"][k] - a["maps"][k]) / 1024, 1) for k in set(a["maps"]) | set(b["maps"])}
        print(f"      rss by mapping (MB): {dict(sorted((k, v) for k, v in maps.items() if abs(v) >= 0.1))}")
        diff = {k: v for k, v in (b["types"] - a["types"]).items() if v >= 20}
        gone = {k: -v for k, v in (a["types"] - b["types"]).items() if v >= 20}
        if diff or gone:
            print(f"      gc types: +{dict(sorted(diff.items(), key=lambda kv: -kv[1])[:8])} "
                  f"-{dict(sorted(gone.items(), key=lambda kv: kv[1])[:5])}")
        if a["trace"] is not None:
            show_trace_diff(a["trace"], b["trace"])

    def sigstop_pause() -> None:
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGSTOP)
        time.sleep(args.pause)
        os.kill(server.process.pid, signal.SIGCONT)

    def restart() -> None:
        server.kill()
        time.sleep(0.5)
        server.restart()

    task = loop.create_task(load())
    await asyncio.sleep(args.warmup)
    await settle()
    first = measure()
    print(f"warm: rss {mb(first['rss'])} MB, allocator {memory.allocator()}, stats {first['stats']}")
    kinds = args.faults.split(",")
    previous = first
    for index in range(args.each * len(kinds)):
        kind = kinds[index % len(kinds)]
        t0 = time.perf_counter()
        if args.survivors:
            tracemalloc.start(args.survivors)  # only what is allocated from the fault on is traced
        await asyncio.to_thread(restart if kind == "restart" else sigstop_pause)
        await settle()
        if args.survivors:
            gc.collect()
            survivors = tracemalloc.take_snapshot()
            tracemalloc.stop()
            show_survivors(survivors)
        now = measure()
        report(f"{kind} #{index // len(kinds) + 1} ({time.perf_counter() - t0:.1f} s)", previous, now)
        previous = now
    print(f"total over {args.each * len(kinds)} faults: rss {mb(previous['rss'] - first['rss']):+} MB, "
          f"live blocks {previous['blocks'] - first['blocks']:+d}")
    if first["trace"] is not None:
        print("  tracemalloc in leanredis frames, last vs first:")
        show_trace_diff(first["trace"], previous["trace"], 12)
    print(f"  stats: {previous['stats']}")
    stop = True
    await task
    await r.aclose()


def option(text: str) -> tuple[str, object]:
    key, _, raw = text.partition("=")
    try:
        return key, eval(raw, {})  # a lab script's own flags: literals like 1000, True, "fail"
    except Exception:
        return key, raw


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qps", type=int, default=30_000)
    parser.add_argument("--faults", default="restart,pause")
    parser.add_argument("--each", type=int, default=4)
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--between", type=float, default=1.0)
    parser.add_argument("--limit", type=float, default=300.0, help="the load stops after this many seconds anyway")
    parser.add_argument("--server", default=None)
    parser.add_argument("--tracemalloc", type=int, default=0, help="frames to keep (0: off)")
    parser.add_argument("--survivors", type=int, default=0,
                        help="trace from each fault on (this many frames): what survives the drain")
    parser.add_argument("--probe-trim", action="store_true", help="malloc_trim(0) at each measure")
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--option", action="append", type=option, default=[], help="client option key=value")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start(args.tracemalloc)
    if args.uvloop:
        import uvloop

        uvloop.install()
    asyncio.run(main(args))
