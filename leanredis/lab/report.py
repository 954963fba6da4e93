"""Results out: a terminal table with ratios against leanredis, a JSON file, PNG charts (the HTML page: page.py)."""

from __future__ import annotations

import importlib.metadata
import io
import json
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .._version import __version__
from . import budget_report
from .runner import ALLOCATOR_LIBS, allocator_path, label

SCHEMA_VERSION = 1


def fmt(value: Any, digits: int = 1) -> str:
    """A figure for a table: thousands separated, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _ratio(value: Any, base: Any) -> str:
    if isinstance(value, (int, float)) and isinstance(base, (int, float)) and base:
        return f" ({value / base:.2f}x)"
    return ""


def table(results: list[dict[str, Any]]) -> str:
    """One block per workload, one row per client x allocator x pymalloc x loop; ratios against leanredis."""
    lines: list[str] = []
    workloads = list(dict.fromkeys(r["workload"] for r in results))
    header = (f"{'run':<36}{'ops/s':>18}{'p50 ms':>10}{'p99 ms':>10}{'p999 ms':>10}"
              f"{'RSS start':>10}{'peak':>18}{'end':>8}{'idle':>8}  errors / notes")
    for workload in workloads:
        rows = [r for r in results if r["workload"] == workload]
        lines.append(f"\n== {workload}")
        lines.append(header)
        for r in rows:
            name = label(r)
            if "rss_mb" not in r:
                lines.append(f"{name:<36}  {r.get('skipped') or 'FAILED: ' + str(r.get('failed'))}")
                continue
            lat = r.get("latency_ms") or {}
            rss = r["rss_mb"]
            throughput = r.get("throughput_ops_per_s")
            base = base_run([x for x in rows if x.get("round") == r.get("round")])
            tp = fmt(throughput) + _ratio(throughput, base.get("throughput_ops_per_s") if base else None)
            peak = fmt(rss["peak"]) + _ratio(rss["peak"], base["rss_mb"]["peak"] if base else None)
            notes = ", ".join(f"{k} {v}" for k, v in (r.get("errors") or {}).items())
            extra = run_notes(r)
            if r.get("error"):
                extra.append(str(r["error"])[:60])
            if r.get("allocator_loaded") and r["allocator_loaded"] != r.get("allocator_requested"):
                extra.append(f"loaded {r['allocator_loaded']}!")
            lines.append(
                f"{name:<36}{tp:>18}{fmt(lat.get('p50'), 2):>10}{fmt(lat.get('p99'), 2):>10}"
                f"{fmt(lat.get('p999'), 2):>10}{fmt(rss['start']):>10}{peak:>18}{fmt(rss['end']):>8}"
                f"{fmt(rss['idle']):>8}  {'; '.join(x for x in [notes, *extra] if x) or '-'}"
            )
    return "\n".join(lines)


def base_run(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The row ratios are against (among one round's rows): leanredis's cluster client in a cluster run, else
    leanredis."""
    lean = [r for r in rows if r.get("client") == "leanredis" and "rss_mb" in r]
    return next((r for r in lean if r.get("cluster")), lean[0] if lean else None)


def ok_rate(r: dict[str, Any]) -> float | None:
    """Successful commands per second: a run whose commands fail fast must not look fast."""
    if "rss_mb" not in r or not r.get("seconds"):
        return None
    if r["workload"] == "paced":
        return float(r["throughput_ops_per_s"])  # already successes within the window
    failed = sum((r.get("errors") or {}).values())
    return max(0, r["ops"] - failed) / r["seconds"]


def _cells(results: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    cells: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in results:
        allocator = r.get("allocator_requested", r.get("allocator", "glibc"))
        key = (allocator, r.get("pymalloc", True), r.get("loop", "asyncio"))
        cells.setdefault(key, []).append(r)
    return cells


def cluster_targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cluster run's ratios, with the targets we hold it to where there is one.

    Per matrix cell (allocator, pymalloc, loop): for each workload, leanredis
    cluster / leanredis standalone and leanredis cluster / each peer's cluster
    client (successful commands per second), and the peak RSS of the cluster
    client over the standalone one. Targets: burst >= 0.8x standalone and
    >= 10x redis-py; flood peak RSS within standalone's + 32 MB. With
    ``--repeat`` each ratio is taken within a round (runs minutes apart on a
    shared machine are not compared) and the median over the rounds is judged.
    """
    out: list[dict[str, Any]] = []
    cells = _cells(results)
    for cell, rows in cells.items():
        where = {"client": "", "allocator": cell[0], "pymalloc": cell[1], "loop": cell[2]}
        suffix = "" if len(cells) == 1 else f" [{label(where)[1:]}]"
        for workload in dict.fromkeys(r["workload"] for r in rows):
            here = [r for r in rows if r["workload"] == workload and "rss_mb" in r]
            rounds = list(dict.fromkeys(r.get("round") for r in here))
            per_round = [_round_rows([r for r in here if r.get("round") == n], workload, suffix) for n in rounds]
            out += per_round[0] if len(per_round) == 1 else _medians(per_round)
    return out


def _round_rows(here: list[dict[str, Any]], workload: str, suffix: str) -> list[dict[str, Any]]:
    """The ratios of one workload within one round."""
    out: list[dict[str, Any]] = []
    lean = next((r for r in here if r["client"] == "leanredis" and r.get("cluster")), None)
    alone = next((r for r in here if r["client"] == "leanredis" and not r.get("cluster")), None)
    if lean is None:
        return out
    if alone is not None:
        target = 0.8 if workload == "burst" else None
        out.append(_ratio_row(f"{workload}: leanredis cluster / leanredis standalone{suffix}",
                              ok_rate(lean), ok_rate(alone), target))
    for peer in (r for r in here if r.get("cluster") and r["client"] != "leanredis"):
        target = 10.0 if workload == "burst" and peer["client"] == "redispy" else None
        row = _ratio_row(f"{workload}: leanredis cluster / {peer['client']} cluster{suffix}",
                         ok_rate(lean), ok_rate(peer), target)
        if peer.get("errors") or peer.get("error"):
            failures = ", ".join(f"{k} {v:,}" for k, v in (peer.get("errors") or {}).items())
            row["detail"] += f"; {peer['client']} failed: {failures or peer.get('error')}"
        out.append(row)
    if alone is not None:
        delta = lean["rss_mb"]["peak"] - alone["rss_mb"]["peak"]
        out.append({
            "what": f"{workload}: peak RSS, leanredis cluster - standalone{suffix}", "value": round(delta, 1),
            "unit": "MB", "target": "<= +32 MB" if workload == "flood" else None,
            "limit": 32.0 if workload == "flood" else None, "met": delta <= 32 if workload == "flood" else None,
            "detail": f"{lean['rss_mb']['peak']:.1f} MB vs {alone['rss_mb']['peak']:.1f} MB "
                      f"(idle {lean['rss_mb']['idle']:.1f} vs {alone['rss_mb']['idle']:.1f}; "
                      f"allocator {lean.get('allocator_loaded')})",
        })
    return out


def _medians(per_round: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per ratio: the median over the rounds, judged against the target; each round's value in detail."""
    out: list[dict[str, Any]] = []
    for what in dict.fromkeys(row["what"] for rows in per_round for row in rows):
        rows = [row for rounds in per_round for row in rounds if row["what"] == what]
        values = sorted(row["value"] for row in rows if row["value"] is not None)
        median = None
        if values:
            middle = len(values) // 2
            median = values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 2)
        first = rows[0]
        limit = first["limit"]
        met = None
        if limit is not None:
            met = median is not None and (median <= limit if first["unit"] == "MB" else median >= limit)
        each = ", ".join(_value(row) for row in rows)
        out.append({**first, "value": median, "met": met,
                    "detail": f"median of {len(rows)} rounds ({each}); round 1: {first['detail']}"})
    return out


def _ratio_row(what: str, value: float | None, base: float | None, target: float | None) -> dict[str, Any]:
    ratio = round(value / base, 2) if value is not None and base else None
    return {"what": what, "value": ratio, "unit": "x", "target": f">= {target}x" if target else None, "limit": target,
            "met": (ratio is not None and ratio >= target) if target else None,
            "detail": f"{fmt(round(value or 0))} vs {fmt(round(base or 0))} ok ops/s"}


def _value(row: dict[str, Any]) -> str:
    if row["value"] is None:
        return "-"
    return f"{row['value']:.2f}x" if row["unit"] == "x" else f"{row['value']:+.1f} MB"


def _verdict(row: dict[str, Any]) -> str:
    if row["met"] is None:
        return ""
    return f"target {row['target']}: {'met' if row['met'] else 'MISSED'}"


def cluster_text(rows: list[dict[str, Any]]) -> str:
    """The cluster ratios as lines for the terminal."""
    lines = ["\n== cluster ratios (successful commands per second; RSS in MB)"]
    for row in rows:
        lines.append(f"{row['what']:<62}{_value(row):>10}  {_verdict(row):<26}{row['detail']}")
    return "\n".join(lines)


def run_notes(r: dict[str, Any]) -> list[str]:
    """What a run adds beside its figures: paced targets, backlog, RSS growth, recovery, the cache's hit ratio and
    speed-up, server connections."""
    notes = []
    if "achieved_ratio" in r:
        notes.append(f"achieved {r['achieved_ratio'] * 100:.1f}% of {r.get('target_qps'):,}/s")
    if r.get("pending_at_end"):
        notes.append(f"{r['pending_at_end']:,} pending at end")
    if r.get("rss_growth_mb_per_min") is not None:
        notes.append(f"RSS {r['rss_growth_mb_per_min']:+.2f} MB/min")
    if r.get("rss_growth_mb_per_1000") is not None:
        notes.append(f"RSS {r['rss_growth_mb_per_1000']:+.3f} MB/1000 cycles")
    if r.get("recovery_s") is not None:
        notes.append(f"recovered in {r['recovery_s']} s")
    if r.get("cache_hit_ratio") is not None:
        notes.append(f"cache hit ratio {r['cache_hit_ratio']:.3f}")
    if r.get("cache_speedup") is not None:
        notes.append(f"{r['cache_speedup']:.2f}x uncached ({r['uncached_throughput_ops_per_s']:,} ops/s)")
    if r.get("warm_cache_speedup") is not None:
        notes.append(f"warm: {r['warm_cache_speedup']:.2f}x, hit ratio {r['warm_cache_hit_ratio']:.3f}")
    if r.get("stale_after_writes") is not None:
        notes.append(f"{r['stale_after_writes']} stale")
    if r.get("server_connected_clients"):
        notes.append(f"{r['server_connected_clients']} conns on server")
    if r.get("budget"):
        b = r["budget"]
        if b.get("peak_memory_bytes") is not None:
            notes.append(f"peak memory_bytes {b['peak_memory_bytes'] / 2**20:.1f} of {b['limit_bytes'] / 2**20:g} MiB")
        notes.append(f"hostile reply: {budget_report.hostile_text(b['hostile'])}, next command "
                     f"{b['hostile'].get('next_command')}")
    return notes


def software(allocators: list[str]) -> dict[str, Any]:
    """What the figures depend on beyond the machine: leanredis, Python, the C library, each allocator asked
    for (its Debian package version and library), uvloop; for results.json's ``environment``."""
    libc, libc_version = platform.libc_ver()
    libraries: dict[str, str] = {}
    for name in dict.fromkeys(allocators):
        if name == "glibc":
            libraries[name] = f"{libc or 'libc'} {libc_version or '?'} malloc"
            continue
        path = allocator_path(name)
        package = ALLOCATOR_LIBS.get(name, ("", ""))[1]
        libraries[name] = f"{package} {_package_version(package) or '?'} ({path})" if path else "not installed"
    return {
        "leanredis": __version__,
        "python_implementation": f"{platform.python_implementation()} {platform.python_version()} "
                                 f"({platform.python_compiler()})",
        "libc": f"{libc} {libc_version}".strip() or "?",
        "allocators": libraries,
        "uvloop": importlib.metadata.version("uvloop") if _installed("uvloop") else None,
    }


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _package_version(package: str) -> str | None:
    """The Debian package's version (None off Debian or when dpkg does not know it)."""
    if not package or shutil.which("dpkg-query") is None:
        return None
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def write_json(path: Path, environment: dict[str, Any], plan: dict[str, Any], results: list[dict[str, Any]],
               missing: dict[str, str], cluster: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every figure of the run, in the schema of ``lab/schema.json`` (``cluster_targets`` with --cluster; the lab's
    guide in docs/ describes it); returns the document written."""
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "environment": environment, "plan": plan,
                           "missing_clients": missing, "runs": results}
    if cluster is not None:
        doc["cluster_targets"] = cluster
    path.write_text(json.dumps(doc, indent=1))
    return doc


def chart_images(results: list[dict[str, Any]]) -> dict[str, bytes]:
    """One PNG per workload (workload -> bytes): RSS and throughput over time, one line per run; none without
    matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    images: dict[str, bytes] = {}
    for workload in dict.fromkeys(r["workload"] for r in results):
        rows = [r for r in results if r["workload"] == workload and r.get("series")]
        if not rows:
            continue
        if workload == "budget":  # RSS over the budget's parts, a panel per run
            png = budget_report.chart_image(rows)
            if png is not None:
                images[workload] = png
            continue
        fig, (ax_rss, ax_tp) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
        for r in rows:
            s = r["series"]
            t, rss, ops = s["t"], s["rss_mb"], s["ops"]
            name = label(r)
            (line,) = ax_rss.plot(t, rss, label=f"{name}: peak {r['rss_mb']['peak']:.0f} MB, "
                                               f"idle {r['rss_mb']['idle']:.0f} MB")
            peak_i = rss.index(max(rss))
            ax_rss.annotate(f"{rss[peak_i]:.0f}", (t[peak_i], rss[peak_i]), color=line.get_color(), fontsize=8)
            rate_t, rate = [], []
            for i in range(1, len(t)):
                dt = t[i] - t[i - 1]
                if dt > 0:
                    rate_t.append(t[i])
                    rate.append((ops[i] - ops[i - 1]) / dt / 1000)
            ax_tp.plot(rate_t, _smooth(rate), label=name, color=line.get_color())
        ax_rss.set_ylabel("RSS (MB)")
        ax_rss.set_title(f"leanredis bench: {workload}")
        ax_rss.legend(fontsize=8)
        ax_rss.grid(alpha=0.3)
        ax_tp.set_ylabel("throughput (k ops/s)")
        ax_tp.set_xlabel("seconds since the worker started")
        ax_tp.grid(alpha=0.3)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        images[workload] = buffer.getvalue()
    return images


def charts(out_dir: Path, images: dict[str, bytes]) -> list[Path]:
    """Write ``chart_images``'s PNGs as ``WORKLOAD.png`` in ``out_dir``."""
    written = []
    for workload, png in images.items():
        path = out_dir / f"{workload}.png"
        path.write_bytes(png)
        written.append(path)
    return written


def _smooth(values: list[float], width: int = 5) -> list[float]:
    out = []
    for i in range(len(values)):
        window = values[max(0, i - width + 1) : i + 1]
        out.append(sum(window) / len(window))
    return out


def markdown(results: list[dict[str, Any]], environment: dict[str, Any],
             cluster: list[dict[str, Any]] | None = None) -> str:
    """The table as Markdown, one section per workload (for a README or an issue); then the cluster ratios."""
    out = [f"{environment.get('date')}, {environment.get('cpu_count')} CPUs, Python {environment.get('python')}, "
           f"server {environment.get('server')}", ""]
    for workload in dict.fromkeys(r["workload"] for r in results):
        rows = [r for r in results if r["workload"] == workload]
        out += [f"**{workload}**", "",
                "| client / allocator | ops/s | p50 ms | p99 ms | RSS start | RSS peak | RSS idle | errors, notes |",
                "|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in rows:
            if "rss_mb" not in r:
                out.append(f"| {label(r)} | {r.get('skipped') or 'failed: ' + str(r.get('failed'))} ||||||||")
                continue
            lat = r.get("latency_ms") or {}
            rss = r["rss_mb"]
            tp = r.get("throughput_ops_per_s")
            base = base_run([x for x in rows if x.get("round") == r.get("round")])
            ratio = _ratio(tp, base.get("throughput_ops_per_s") if base else None)
            notes = [f"{k} {v:,}" for k, v in (r.get("errors") or {}).items()] + run_notes(r)
            out.append(f"| {label(r)} | {fmt(tp)}{ratio} | {fmt(lat.get('p50'), 2)} | {fmt(lat.get('p99'), 2)} | "
                       f"{fmt(rss['start'])} | {fmt(rss['peak'])} | {fmt(rss['idle'])} | "
                       f"{'; '.join(notes) or '-'} |")
        out.append("")
    if cluster:
        out += ["**cluster ratios** (successful commands per second; RSS in MB)", "",
                "| ratio | value | target | figures |", "|---|---:|---|---|"]
        for row in cluster:
            out.append(f"| {row['what']} | {_value(row)} | {_verdict(row) or '-'} | {row['detail']} |")
        out.append("")
    return "\n".join(out)
