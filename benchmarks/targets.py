"""The performance targets of issue 6, side by side in one run on one private server.

    python benchmarks/targets.py [--quick] [--only 1,2,5] [--clients limit,leanredis,redispy,coredis,glide]
        [--paced-duration 60] [--paced-reps 2] [--others-duration 10] [--rss-limit-mb 3000] [--out targets.json]

Each measurement is a fresh process (benchmarks/perf.py) on the same server.
Every row is measured for the limit proxy (../shared/bench/limit_proto.py),
leanredis, redis-py, coredis and valkey-glide (or the --clients subset).
Printed per row: one line per client with its figures and its ratio to the
row's ruler (the limit proxy, or leanredis where the target is not about
the proxy), then the met / NOT MET verdicts for leanredis. Row 6 runs
limit and leanredis --paced-reps times each, alternating, as is and with
--gc-freeze, and judges from the medians; the other clients fall behind
at those rates, so they run --others-duration seconds, stopped by perf.py
once their RSS passes --rss-limit-mb. --out keeps every record (written
after each measurement, so an interrupted run keeps what it measured).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leanredis.lab.clients import installed, version  # noqa: E402
from leanredis.server import RedisServer  # noqa: E402

PERF = Path(__file__).resolve().parent / "perf.py"
ALL = ("limit", "leanredis", "redispy", "coredis", "glide")
OTHERS = ("redispy", "coredis", "glide")
NAMES = {
    "limit": "limit",
    "limit-coro": "limit --coro",
    "leanredis": "leanredis",
    "redispy": "redis-py",
    "coredis": "coredis",
    "glide": "glide",
}
TIMEOUT_S = 1200  # per measurement; a paced run is --duration + a 10 s drain


class Runner:
    """Runs one perf.py process per measurement and keeps every record (also in the --out file)."""

    def __init__(self, port: int, clients: set[str], out: Path, meta: dict[str, Any]) -> None:
        self.port = port
        self.clients = clients
        self.out = out
        self.meta = meta
        self.records: list[dict[str, Any]] = []

    def wants(self, client: str) -> bool:
        return ("limit" if client.startswith("limit") else client) in self.clients

    def __call__(self, client: str, mode: str, **kw: Any) -> dict[str, Any]:
        if not self.wants(client):
            return {"skipped": "not in --clients"}
        if client in OTHERS and not installed(client):
            result: dict[str, Any] = {"skipped": f"{client} not installed"}
            self.records.append({"client": client, "mode": mode, **kw, **result})
            return result
        cmd = [sys.executable, str(PERF), "--client", client, "--mode", mode, "--port", str(self.port)]
        for key, value in kw.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                cmd.append(flag)
            elif value is not False and value is not None:
                cmd += [flag, str(value)]
        flush = (
            f"import socket; s=socket.create_connection(('127.0.0.1',{self.port}));"
            "s.sendall(b'FLUSHALL\\r\\n'); s.recv(9)"
        )
        subprocess.run([sys.executable, "-c", flush], check=False, timeout=30)
        t0 = time.perf_counter()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            result = {"failed": f"timed out after {TIMEOUT_S} s"}
        else:
            lines = [x for x in out.stdout.strip().splitlines() if x.startswith("{")]
            if out.returncode != 0 or not lines:
                result = {"failed": (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1][:200]}
            else:
                result = json.loads(lines[-1])
        result["wall_s"] = round(time.perf_counter() - t0, 1)
        self.records.append({"client": client, "mode": mode, **kw, **result})
        self.save()
        label = f"{client} {mode} {' '.join(f'{k}={v}' for k, v in kw.items())}"
        print(f"  {label:<58} {_brief(result)}", flush=True)
        return result

    def save(self) -> None:
        self.out.write_text(json.dumps({**self.meta, "records": self.records}, indent=1))


def _brief(r: dict[str, Any]) -> str:
    keys = (
        "ops_per_s",
        "keys_per_s",
        "cycles_per_s",
        "latency_ms",
        "achieved_ratio",
        "rss_peak_mb",
        "rss_idle_mb",
        "rss_growth_mb_per_min",
        "rss_growth_mb_per_1000",
        "errors",
        "gave_up_at_s",
        "failed",
        "skipped",
    )
    return ", ".join(f"{k}={r[k]}" for k in keys if r.get(k) is not None)


def _problem(r: dict[str, Any], what: str = "") -> str:
    """' (what FAILED: why)' for a measurement that failed or was skipped, else ''."""
    for key in ("failed", "skipped"):
        if key in r:
            return f" ({what + ' ' if what else ''}{key.upper()}: {r[key]})"
    return ""


def errs(r: dict[str, Any]) -> str:
    """'; errors N (kinds), M/s succeeded' when some commands failed (glide refuses past 1,000 in flight)."""
    if not r.get("errors"):
        return ""
    kinds = ", ".join(f"{k} {v:,}" for k, v in (r.get("error_kinds") or {}).items())
    ok = f", {r['ok_per_s']:,}/s succeeded" if r.get("ok_per_s") is not None else ""
    return f"; ERRORS {r['errors']:,}{' (' + kinds + ')' if kinds else ''}{ok}"


def ratio(a: dict[str, Any], b: dict[str, Any], key: str = "ops_per_s") -> float | None:
    if a.get(key) is not None and b.get(key):
        return round(a[key] / b[key], 3)
    return None


def p(r: dict[str, Any], q: str = "p99") -> float | None:
    return (r.get("latency_ms") or {}).get(q)


def verdict(ok: bool | None) -> str:
    return "met" if ok else ("NOT MET" if ok is not None else "n/a")


def rate(r: dict[str, Any], key: str = "ops_per_s", unit: str = "/s", width: int = 9) -> str:
    return f"{r[key]:>{width},}{unit}" if r.get(key) is not None else "?".rjust(width)


def times(x: float | None, what: str) -> str:
    return f"{x:.3f}x {what}" if x is not None else ""


def table(
    lines: list[str],
    title: str,
    entries: list[tuple[str, dict[str, Any]]],
    figures: Callable[[dict[str, Any]], str],
) -> None:
    """A title line, then one line per measured client (clients left out by --clients are left out here)."""
    lines.append(title)
    for name, r in entries:
        if r.get("skipped") == "not in --clients":
            continue
        if "failed" in r:
            text = f"FAILED: {r['failed']}"
        elif "skipped" in r:
            text = f"skipped: {r['skipped']}"
        else:
            text = figures(r)
        lines.append(f"     {NAMES.get(name, name):<14}{text}")


def median(values: list[Any]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes: a first look, not the targets' sizes")
    ap.add_argument("--only", default="1,2,3,4,5,6,7,8")
    ap.add_argument("--clients", default=",".join(ALL), help="a subset of " + ",".join(ALL))
    ap.add_argument("--paced-duration", type=float, default=None, help="row 6 for limit/leanredis (60 s; --quick 5)")
    ap.add_argument("--paced-reps", type=int, default=2, help="row 6: runs per client and mode (medians judged)")
    ap.add_argument("--others-duration", type=float, default=10.0, help="row 6 for redis-py/coredis/glide")
    ap.add_argument("--rss-limit-mb", type=float, default=3000, help="row 6: perf.py stops starting commands past it")
    ap.add_argument("--out", default="targets.json")
    ap.add_argument("--server", default=None)
    a = ap.parse_args()
    only = {int(x) for x in a.only.split(",")}
    clients = {c.strip() for c in a.clients.split(",") if c.strip()}
    if clients - set(ALL):
        ap.error(f"--clients: unknown {', '.join(sorted(clients - set(ALL)))}; known: {', '.join(ALL)}")
    order = [c for c in ALL if c in clients]
    others = [c for c in OTHERS if c in clients]
    lean_on = "leanredis" in clients
    with_coro = [c for c in ("limit", "limit-coro") if "limit" in clients] + [c for c in order if c != "limit"]
    n = 60_000 if a.quick else 300_000
    flood_n = 50_000 if a.quick else 200_000
    latency_n = 5_000 if a.quick else 20_000
    churn_n = 2_000 if a.quick else 10_000
    paced_s = a.paced_duration if a.paced_duration is not None else (5.0 if a.quick else 60.0)
    others_s = min(a.others_duration, paced_s) if a.quick else a.others_duration
    lines: list[str] = []
    with RedisServer(a.server) as server:
        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "server": server.version,
            "argv": sys.argv[1:],
            "versions": {c: version(c) for c in ("redispy", "coredis", "glide")},
        }
        run = Runner(server.port, clients, Path(a.out), meta)
        print(f"server: {server.version}; {meta['date']}; clients: {', '.join(order)}", flush=True)
        if 1 in only:
            for loop in ("asyncio", "uvloop"):
                res = burst_row(run, lines, order, f"1. burst, 1,000 tasks, {loop} ({n:,} SETs)", n=n, loop=loop)
                lim, lean = res.get("limit", {}), res.get("leanredis", {})
                if lean_on:
                    r = ratio(lean, lim)
                    vs = ", ".join(f"{ratio(lean, res[c])}x {NAMES[c]}" for c in others if ratio(lean, res[c]))
                    lines.append(f"   -> leanredis {r}x limit (>= 0.6: {verdict(r and r >= 0.6)}); leanredis = {vs}")
        if 2 in only:
            for conc in (100, 10):
                title = f"2. burst, {conc} tasks ({n // 2:,} SETs)"
                res = burst_row(run, lines, order, title, n=n // 2, concurrency=conc)
                if lean_on:
                    r = ratio(res.get("leanredis", {}), res.get("limit", {}))
                    lines.append(f"   -> leanredis {r}x limit (>= 0.6: {verdict(r and r >= 0.6)})")
        if 3 in only:
            res = {c: run(c, "latency", n=latency_n) for c in order}
            lean, rp = res.get("leanredis", {}), res.get("redispy", {})

            def lat(r: dict[str, Any], lean: dict[str, Any] = lean) -> str:
                rel = ""
                if p(lean, "p50") and p(lean) and p(r, "p50") and p(r):
                    rel = f"  p50 {p(r, 'p50') / p(lean, 'p50'):.2f}x, p99 {p(r) / p(lean):.2f}x leanredis"
                return f"p50 {p(r, 'p50')} ms, p99 {p(r)} ms, p999 {p(r, 'p999')} ms, {rate(r)}{rel}"

            table(lines, f"3. one task awaiting each SET in turn ({latency_n:,})", list(res.items()), lat)
            if lean_on:
                ok = None
                if p(lean) is not None and p(rp) is not None:
                    ok = p(lean, "p50") <= p(rp, "p50") and p(lean) <= p(rp)
                lines.append(
                    f"   -> leanredis p50 {p(lean, 'p50')} / p99 {p(lean)} ms vs redis-py {p(rp, 'p50')} / {p(rp)} ms "
                    f"(no slower: {verdict(ok)})"
                )
        if 4 in only:
            batch = {c: run(c, "batch", n=n) for c in with_coro}
            lim, limc = batch.get("limit", {}), batch.get("limit-coro", {})
            pipe = {c: run(c, "pipeline", n=n) for c in order if c != "limit"}
            table(
                lines,
                f"4. explicit pipeline, 10,000 SETs per batch ({n:,}); ruler: limit's gather of 10,000",
                ([("limit", batch["limit"])] if "limit" in batch else []) + list(pipe.items()),
                lambda r, lim=lim: f"{rate(r)}  {times(ratio(r, lim), 'limit batch')}{errs(r)}",
            )
            if lean_on:
                r = ratio(pipe.get("leanredis", {}), lim)
                lines.append(f"   -> leanredis pipeline {r}x limit batch (>= 0.6: {verdict(r and r >= 0.6)})")
            for cmd in ("mset", "mget"):
                res = {c: run(c, cmd, n=n) for c in order}
                lm = res.get("limit", {})
                table(
                    lines,
                    f"4. {cmd} of 100 keys ({n:,} keys); ruler: limit's raw {cmd.upper()}",
                    list(res.items()),
                    lambda r, lm=lm: (
                        f"{rate(r, 'keys_per_s', ' keys/s')}  {times(ratio(r, lm, 'keys_per_s'), 'limit')}"
                    ),
                )
                if lean_on:
                    lr = res.get("leanredis", {})
                    r = ratio(lr, lm, "keys_per_s")
                    rb = (
                        round(lr["keys_per_s"] / lim["ops_per_s"], 3)
                        if lr.get("keys_per_s") and lim.get("ops_per_s")
                        else None
                    )
                    lines.append(
                        f"   -> leanredis {cmd} {r}x limit {cmd} (>= 0.6: {verdict(r and r >= 0.6)}); "
                        f"keys/s = {rb}x limit's gather ops/s"
                    )
            table(
                lines,
                f"4. gather() of 10,000 single SETs ({n:,})",
                list(batch.items()),
                lambda r, lim=lim, limc=limc: (
                    f"{rate(r)}  {times(ratio(r, lim), 'limit')}, {times(ratio(r, limc), 'limit --coro')}{errs(r)}"
                ),
            )
            if lean_on:
                lb = batch.get("leanredis", {})
                rb, rbc = ratio(lb, lim), ratio(lb, limc)
                lines.append(
                    f"   -> leanredis gather {rb}x limit (future), {rbc}x limit --coro "
                    f"(>= 0.6x future: {verdict(rb and rb >= 0.6)}; >= 0.6x --coro: "
                    f"{verdict(rbc and rbc >= 0.6)})"
                )
        if 5 in only or 4 in only:
            res = {c: run(c, "flood", n=flood_n) for c in with_coro}
            lim, limc, lean = res.get("limit", {}), res.get("limit-coro", {}), res.get("leanredis", {})

            def fl(r: dict[str, Any], lim: dict[str, Any] = lim) -> str:
                return (
                    f"{rate(r)}  {times(ratio(r, lim), 'limit')}; RSS peak {r.get('rss_peak_mb')} MB, "
                    f"after 2 s idle {r.get('rss_idle_mb')} MB{errs(r) or '; errors 0'}"
                )

            table(lines, f"4/5. flood: {flood_n:,} SETs started at once, then gather()", list(res.items()), fl)
            if lean_on:
                rf, rfc = ratio(lean, lim), ratio(lean, limc)
                lines.append(
                    f"   -> 4. leanredis flood {rf}x limit, {rfc}x limit --coro "
                    f"(>= 0.6x future: {verdict(rf and rf >= 0.6)})"
                )
                errors_ok = lean.get("errors") == 0 if "errors" in lean else None
                # no verdict without the proxy's figure to hold it against (limit not in --clients, or failed)
                peak_ok = lean.get("rss_peak_mb", 1e9) <= lim["rss_peak_mb"] + 64 if "rss_peak_mb" in lim else None
                idle_ok = lean.get("rss_idle_mb", 1e9) <= lim["rss_idle_mb"] + 16 if "rss_idle_mb" in lim else None
                lines.append(
                    f"   -> 5. leanredis errors {lean.get('errors')} (none: {verdict(errors_ok)}); peak "
                    f"{lean.get('rss_peak_mb')} MB (<= limit {lim.get('rss_peak_mb')} + 64: {verdict(peak_ok)}; "
                    f"--coro {limc.get('rss_peak_mb')}); idle {lean.get('rss_idle_mb')} MB (<= limit "
                    f"{lim.get('rss_idle_mb')} + 16: {verdict(idle_ok)})"
                )
        if 6 in only:
            row6(run, lines, a, order, others, paced_s, others_s)
        if 7 in only:
            res = {c: run(c, "churn", n=churn_n) for c in order}
            lean = res.get("leanredis", {})
            table(
                lines,
                f"7. churn: {churn_n:,} create / SET / close cycles",
                list(res.items()),
                lambda r, lean=lean: (
                    f"{rate(r, 'cycles_per_s', ' cycles/s')}  "
                    f"{times(ratio(r, lean, 'cycles_per_s'), 'leanredis')}; RSS growth "
                    f"{r.get('rss_growth_mb_per_1000')} MB per 1,000, end {r.get('rss_mb')} MB"
                ),
            )
            if lean_on:
                g = lean.get("rss_growth_mb_per_1000")
                lines.append(f"   -> leanredis {g} MB per 1,000 cycles (< 0.1: {verdict(g is not None and g < 0.1)})")
        if 8 in only:
            big_n = n // 3
            lim_big = run("limit", "burst", n=big_n, value_size=10_000)
            res8: dict[str, dict[str, Any]] = {}
            for c in order:
                if c == "limit":
                    continue
                res8[c] = {"plain": run(c, "burst", n=n)}
                if c in ("leanredis", "redispy"):  # perf.py wires --decode/--resp3 for these two
                    res8[c]["decode"] = run(c, "burst", n=n, decode=True)
                    res8[c]["resp3"] = run(c, "burst", n=n, resp3=True)
                res8[c]["10kb"] = run(c, "burst", n=big_n, value_size=10_000)
            lines.append(f"8. burst of 1,000 tasks ({n:,} SETs of 100 B; {big_n:,} of 10 KB): what each option costs")
            if "limit" in clients:
                lines.append(
                    f"     {'limit':<14}10 KB {rate(lim_big, width=0)} (the ruler at 10 KB){_problem(lim_big)}"
                )
            for c, r8 in res8.items():
                pl = r8["plain"]
                options = "decode_responses / RESP3 not wired in perf.py"
                if "decode" in r8:
                    options = (
                        f"decode_responses {ratio(r8['decode'], pl)}x plain; RESP3 {ratio(r8['resp3'], pl)}x plain"
                    )
                lines.append(
                    f"     {NAMES[c]:<14}plain {rate(pl, width=0)}; {options}; 10 KB {rate(r8['10kb'], width=0)} = "
                    f"{ratio(r8['10kb'], lim_big)}x limit at 10 KB" + "".join(_problem(r, k) for k, r in r8.items())
                )
        run.save()
    print("\n" + "\n".join(lines))


def burst_row(run: Runner, lines: list[str], order: list[str], title: str, **kw: Any) -> dict[str, dict[str, Any]]:
    """One burst measurement per client, tabled with each client's ratio to the limit proxy."""
    res = {c: run(c, "burst", **kw) for c in order}
    lim = res.get("limit", {})
    table(lines, title, list(res.items()), lambda r: f"{rate(r)}  {times(ratio(r, lim), 'limit')}")
    return res


def row6(
    run: Runner,
    lines: list[str],
    a: argparse.Namespace,
    order: list[str],
    others: list[str],
    paced_s: float,
    others_s: float,
) -> None:
    """Paced 100k/s and handler-per-arrival 80k/s: limit and leanredis alternating, --paced-reps each,
    as is and with --gc-freeze (medians judged); the other clients once each, for --others-duration."""
    pair = [c for c in ("limit", "leanredis") if c in order]
    limit_p99: dict[str, float | None] = {}
    for workload, qps in (("paced", 100_000), ("handler", 80_000)):
        what = "paced (open loop)" if workload == "paced" else "one handler task per arrival"
        for freeze in (False, True):
            mode = "gc-freeze" if freeze else "as is"
            runs: list[tuple[str, dict[str, Any]]] = []
            for i in range(a.paced_reps):
                for c in pair:
                    r = run(c, workload, qps=qps, duration=paced_s, gc_freeze=freeze, rss_limit_mb=a.rss_limit_mb)
                    runs.append((f"{c} #{i + 1}", r))
            if not runs:
                continue
            table(lines, f"6. {what} at {qps // 1000}k/s for {paced_s:g} s, {mode}", runs, paced_figures)
            med = {
                c: {
                    "achieved": median([r.get("achieved_ratio") for name, r in runs if name.startswith(c + " ")]),
                    "p99": median([p(r) for name, r in runs if name.startswith(c + " ")]),
                    "growth": median([r.get("rss_growth_mb_per_min") for name, r in runs if name.startswith(c + " ")]),
                }
                for c in pair
            }
            lim_m, lean_m = med.get("limit", {}), med.get("leanredis", {})
            if not freeze:
                limit_p99[workload] = lim_m.get("p99")
            head = f"   -> medians {mode}: limit p99 {lim_m.get('p99')} ms"
            if "leanredis" in med:
                ach, p99, growth = lean_m["achieved"], lean_m["p99"], lean_m["growth"]
                ach_ok = ach is not None and ach >= 0.99
                if workload == "paced":
                    ok = ach_ok and p99 is not None and p99 < 5 and abs(growth or 0) < 1
                    rule = "achieved >= 0.99, p99 < 5 ms, RSS < 1 MB/min"
                else:
                    lp = lim_m.get("p99")
                    ok = ach_ok and p99 is not None and bool(lp) and p99 <= 1.5 * lp
                    rule = "achieved >= 0.99, p99 <= 1.5x limit"
                rss = "n/a (run too short)" if growth is None else f"{growth:+} MB/min"
                lines.append(f"{head}; leanredis achieved {ach}, p99 {p99} ms, RSS {rss} ({rule}: {verdict(ok)})")
            else:
                lines.append(head)
        if others:
            res = {c: run(c, workload, qps=qps, duration=others_s, rss_limit_mb=a.rss_limit_mb) for c in others}
            lp = limit_p99.get(workload)
            table(
                lines,
                f"6. {what} at {qps // 1000}k/s for {others_s:g} s (others; stop past {a.rss_limit_mb:g} MB RSS)",
                list(res.items()),
                lambda r, lp=lp: (
                    paced_figures(r)
                    + (
                        f"; p99 {p(r) / lp:.1f}x limit"
                        if p(r) and lp and r.get("completed_in_window", 0) >= 100
                        else ""
                    )
                ),
            )


def paced_figures(r: dict[str, Any]) -> str:
    growth = r.get("rss_growth_mb_per_min")
    text = f"achieved {r.get('achieved_ratio')}"
    if r.get("achieved_ratio", 1) < 0.99 and r.get("started"):
        text += f" ({r.get('completed_in_window', 0):,} of {r['started']:,} started)"
    text += (
        f", p99 {p(r)} ms, RSS {'n/a' if growth is None else f'{growth:+} MB/min'} (peak {r.get('rss_peak_mb')} MB), "
        f"stalled {r.get('loop_stalled_ms')} ms in {r.get('loop_stalls')}, "
        f"full GC {r.get('gc_full_ms')} ms in {r.get('gc_full_count')} (longest {r.get('gc_full_max_ms')})"
    )
    if r.get("window_s") and r.get("duration_s") and r["window_s"] > 1.5 * r["duration_s"]:
        text += f"; window {r['window_s']} s for {r['duration_s']:g} s planned"
    if r.get("gave_up_at_s") is not None:
        text += f"; GAVE UP at {r['gave_up_at_s']} s, RSS {r.get('rss_at_give_up_mb')} MB"
    if r.get("unfinished_after_drain"):
        text += f"; {r['unfinished_after_drain']:,} unfinished after the 10 s drain"
    if r.get("paced_errors"):
        text += f"; {r['paced_errors']:,} errors"
    return text


if __name__ == "__main__":
    main()
