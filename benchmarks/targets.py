"""The performance targets of issue 6, side by side in one run on one private server.

    python benchmarks/targets.py [--quick] [--paced-duration 60] [--only 1,2,5] [--out targets.json]

Each measurement is a fresh process (benchmarks/perf.py). Prints every row
with its figures, the ratio the target is about, and met / NOT MET.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leanredis.lab.clients import installed  # noqa: E402
from leanredis.server import RedisServer  # noqa: E402

PERF = Path(__file__).resolve().parent / "perf.py"


class Runner:
    def __init__(self, port: int) -> None:
        self.port = port
        self.records: list[dict[str, Any]] = []

    def __call__(self, client: str, mode: str, **kw: Any) -> dict[str, Any]:
        if client in ("redispy", "coredis", "glide") and not installed(client):
            return {"skipped": f"{client} not installed"}
        cmd = [sys.executable, str(PERF), "--client", client, "--mode", mode, "--port", str(self.port)]
        for key, value in kw.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                cmd.append(flag)
            elif value is not False and value is not None:
                cmd += [flag, str(value)]
        subprocess.run([sys.executable, "-c", f"import socket; s=socket.create_connection(('127.0.0.1',{self.port}));"
                        "s.sendall(b'FLUSHALL\\r\\n'); s.recv(9)"], check=False, timeout=30)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        if out.returncode != 0:
            result = {"failed": (out.stderr.strip().splitlines() or ["?"])[-1]}
        else:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        self.records.append({"client": client, "mode": mode, **kw, **result})
        label = f"{client} {mode} {' '.join(f'{k}={v}' for k, v in kw.items())}"
        print(f"  {label:<58} {_brief(result)}", flush=True)
        return result


def _brief(r: dict[str, Any]) -> str:
    keys = ("ops_per_s", "keys_per_s", "cycles_per_s", "latency_ms", "achieved_ratio", "rss_peak_mb",
            "rss_idle_mb", "rss_growth_mb_per_min", "rss_growth_mb_per_1000", "errors", "failed", "skipped")
    return ", ".join(f"{k}={r[k]}" for k in keys if k in r)


def ratio(a: dict[str, Any], b: dict[str, Any], key: str = "ops_per_s") -> float | None:
    if key in a and key in b and b[key]:
        return round(a[key] / b[key], 3)
    return None


def verdict(ok: bool | None) -> str:
    return "met" if ok else ("NOT MET" if ok is not None else "n/a")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes: a first look, not the targets' sizes")
    p.add_argument("--paced-duration", type=float, default=60.0)
    p.add_argument("--only", default="1,2,3,4,5,6,7,8")
    p.add_argument("--out", default="targets.json")
    p.add_argument("--server", default=None)
    a = p.parse_args()
    only = {int(x) for x in a.only.split(",")}
    n = 60_000 if a.quick else 300_000
    flood_n = 50_000 if a.quick else 200_000
    paced_s = 5.0 if a.quick else a.paced_duration
    lines: list[str] = []
    with RedisServer(a.server) as server:
        run = Runner(server.port)
        print(f"server: {server.version}; {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
        if 1 in only:
            for loop in ("asyncio", "uvloop"):
                lim = run("limit", "burst", n=n, loop=loop)
                lean = run("leanredis", "burst", n=n, loop=loop)
                others = {c: run(c, "burst", n=n, loop=loop) for c in ("redispy", "coredis", "glide")}
                r = ratio(lean, lim)
                extra = ", ".join(f"{c} {ratio(lean, o)}x" for c, o in others.items() if ratio(lean, o))
                lines.append(f"1. burst 1,000 tasks {loop}: leanredis {lean.get('ops_per_s')}/s = {r}x limit "
                             f"(>= 0.6: {verdict(r and r >= 0.6)}); leanredis vs {extra}")
        if 2 in only:
            for conc in (100, 10):
                lim = run("limit", "burst", n=n // 2, concurrency=conc)
                lean = run("leanredis", "burst", n=n // 2, concurrency=conc)
                r = ratio(lean, lim)
                ok = verdict(r and r >= 0.6)
                lines.append(f"2. burst {conc} tasks: {lean.get('ops_per_s')}/s = {r}x limit ({ok})")
        if 3 in only:
            lean = run("leanredis", "latency", n=20_000)
            rp = run("redispy", "latency", n=20_000)
            ll, rl = lean.get("latency_ms", {}), rp.get("latency_ms", {})
            ok = bool(ll and rl and ll["p50"] <= rl["p50"] and ll["p99"] <= rl["p99"])
            lines.append(f"3. one task, latency: leanredis p50 {ll.get('p50')} p99 {ll.get('p99')} ms; "
                         f"redis-py p50 {rl.get('p50')} p99 {rl.get('p99')} ms ({verdict(ok if rl else None)})")
        if 4 in only:
            lim = run("limit", "batch", n=n)
            limc = run("limit-coro", "batch", n=n)
            lean_b = run("leanredis", "batch", n=n)
            lean_p = run("leanredis", "pipeline", n=n)
            rp_p = run("redispy", "pipeline", n=n)
            mset = run("leanredis", "mset", n=n)
            mget = run("leanredis", "mget", n=n)
            rp_ = ratio(lean_p, lim)
            lines.append(f"4. pipeline of 10,000: {lean_p.get('ops_per_s')}/s = {rp_}x limit batch "
                         f"({verdict(rp_ and rp_ >= 0.6)}); redis-py pipeline {rp_p.get('ops_per_s')}/s")
            for name, r_ in (("mset", mset), ("mget", mget)):
                rr = ratio(r_, lim, "keys_per_s") if "keys_per_s" in r_ else None
                if rr is None and "keys_per_s" in r_ and lim.get("ops_per_s"):
                    rr = round(r_["keys_per_s"] / lim["ops_per_s"], 3)
                lines.append(f"4. {name} of 100 keys: {r_.get('keys_per_s')} keys/s = {rr}x limit batch "
                             f"({verdict(rr and rr >= 0.6)})")
            rb, rbc = ratio(lean_b, lim), ratio(lean_b, limc)
            lines.append(f"4. gather of 10,000: {lean_b.get('ops_per_s')}/s = {rb}x limit (future), "
                         f"{rbc}x limit --coro ({verdict(rb and rb >= 0.6)})")
        if 5 in only or 4 in only:
            lim = run("limit", "flood", n=flood_n)
            limc = run("limit-coro", "flood", n=flood_n)
            lean = run("leanredis", "flood", n=flood_n)
            rf, rfc = ratio(lean, lim), ratio(lean, limc)
            lines.append(f"4. flood: {lean.get('ops_per_s')}/s = {rf}x limit, {rfc}x limit --coro "
                         f"({verdict(rf and rf >= 0.6)})")
            peak_ok = lean.get("rss_peak_mb", 1e9) <= lim.get("rss_peak_mb", 0) + 64
            idle_ok = lean.get("rss_idle_mb", 1e9) <= lim.get("rss_idle_mb", 0) + 16
            lines.append(f"5. flood {flood_n:,}: errors {lean.get('errors')}, peak {lean.get('rss_peak_mb')} MB "
                         f"(limit {lim.get('rss_peak_mb')}, --coro {limc.get('rss_peak_mb')}; <= limit+64: "
                         f"{verdict(peak_ok)}), idle {lean.get('rss_idle_mb')} MB (limit {lim.get('rss_idle_mb')};"
                         f" <= limit+16: {verdict(idle_ok)})")
        if 6 in only:
            lim = run("limit", "paced", qps=100_000, duration=paced_s)
            lean = run("leanredis", "paced", qps=100_000, duration=paced_s)
            ok = (lean.get("achieved_ratio", 0) >= 0.99 and (lean.get("latency_ms", {}).get("p99") or 1e9) < 5
                  and abs(lean.get("rss_growth_mb_per_min") or 0) < 1)
            lines.append(f"6. paced 100k/s {paced_s:.0f} s: achieved {lean.get('achieved_ratio')}, p99 "
                         f"{lean.get('latency_ms', {}).get('p99')} ms, RSS {lean.get('rss_growth_mb_per_min')} MB/min"
                         f" (limit: {lim.get('achieved_ratio')}, p99 {lim.get('latency_ms', {}).get('p99')} ms) "
                         f"({verdict(ok)})")
            limh = run("limit", "handler", qps=80_000, duration=paced_s)
            leanh = run("leanredis", "handler", qps=80_000, duration=paced_s)
            lp99, hp99 = leanh.get("latency_ms", {}).get("p99"), limh.get("latency_ms", {}).get("p99")
            ok = leanh.get("achieved_ratio", 0) >= 0.99 and lp99 is not None and hp99 and lp99 <= 1.5 * hp99
            lines.append(f"6. handler task per arrival 80k/s: achieved {leanh.get('achieved_ratio')}, p99 {lp99} ms "
                         f"(limit p99 {hp99} ms; <= 1.5x: {verdict(ok)})")
        if 7 in only:
            lean = run("leanredis", "churn", n=2_000 if a.quick else 10_000)
            g = lean.get("rss_growth_mb_per_1000")
            lines.append(f"7. churn: {g} MB per 1,000 cycles ({verdict(g is not None and g < 0.1)})")
        if 8 in only:
            base = run("leanredis", "burst", n=n)
            dec = run("leanredis", "burst", n=n, decode=True)
            r3 = run("leanredis", "burst", n=n, resp3=True)
            big_l = run("limit", "burst", n=n // 3, value_size=10_000)
            big = run("leanredis", "burst", n=n // 3, value_size=10_000)
            lines.append(f"8. decode_responses: {ratio(dec, base)}x plain; RESP3: {ratio(r3, base)}x plain; "
                         f"10 KB values: {ratio(big, big_l)}x limit at 10 KB (plain 100 B: see row 1)")
        Path(a.out).write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "server": server.version,
                                           "records": run.records}, indent=1))
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
