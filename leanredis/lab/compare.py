"""Two results.json files side by side: per workload and run, each figure's new/old ratio, flagged beyond noise.

Runs are paired by their label (client, allocator, pymalloc, loop, trim); the
rounds of ``--repeat`` are folded into their median first. Where nothing in
a workload pairs by label and each side has one run (leanredis here against a
peer run elsewhere), those two are paired and the row names both.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from statistics import median
from typing import Any

from .report import SCHEMA_VERSION, fmt
from .runner import label

NOISE = 0.10  # this machine moves 20-40% between runs; 10% is the smallest change worth a look

# (key, heading, how to read it from a run, higher is better, smallest difference worth flagging)
METRICS: tuple[tuple[str, str, tuple[str, ...], bool, float], ...] = (
    ("throughput", "ops/s", ("throughput_ops_per_s",), True, 0.0),
    ("p50", "p50 ms", ("latency_ms", "p50"), False, 0.05),
    ("p99", "p99 ms", ("latency_ms", "p99"), False, 0.05),
    ("p999", "p99.9 ms", ("latency_ms", "p999"), False, 0.05),
    ("rss_peak", "RSS peak MB", ("rss_mb", "peak"), False, 1.0),
    ("rss_idle", "RSS idle MB", ("rss_mb", "idle"), False, 1.0),
    ("errors", "errors", ("errors",), False, 0.0),
)


def load(path: Path) -> dict[str, Any]:
    """A results.json document, or ValueError saying why it is not one."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ValueError(f"{path}: not a leanredis bench results.json (no 'runs' list)")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {doc.get('schema_version')!r}, this leanredis reads {SCHEMA_VERSION}")
    return doc


def _figure(run: dict[str, Any], path: tuple[str, ...]) -> float | None:
    if path == ("errors",):
        return float(sum((run.get("errors") or {}).values()))
    value: Any = run
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def _folded(doc: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """workload -> run label without its round -> {figure: median over the rounds}, for the runs that ran."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in doc["runs"]:
        if "rss_mb" in run:
            groups.setdefault((run["workload"], label({**run, "round": None})), []).append(run)
    for (workload, name), runs in groups.items():
        figures: dict[str, Any] = {"rounds": len(runs)}
        for key, _, path, _, _ in METRICS:
            values = [v for v in (_figure(r, path) for r in runs) if v is not None]
            figures[key] = median(values) if values else None
        out.setdefault(workload, {})[name] = figures
    return out


def _flag(key: str, old: float | None, new: float | None, noise: float) -> tuple[float | None, str]:
    """(new/old, "better" | "worse" | "") for one figure."""
    higher_better, floor = next((m[3], m[4]) for m in METRICS if m[0] == key)
    if old is None or new is None:
        return None, ""
    ratio = new / old if old else None
    if ratio is None:  # from nothing: only errors (or a 0 ops/s run) get here
        if new == old:
            return None, ""
        return None, "better" if (new > old) == higher_better else "worse"
    if abs(ratio - 1) <= noise or abs(new - old) < floor:
        return ratio, ""
    return ratio, "better" if (ratio > 1) == higher_better else "worse"


def compare(old: dict[str, Any], new: dict[str, Any], noise: float = NOISE) -> dict[str, Any]:
    """The differences: ``rows`` (one per paired run), ``only_old`` and ``only_new`` (labels), ``noise``."""
    before, after = _folded(old), _folded(new)
    rows: list[dict[str, Any]] = []
    only_old: list[str] = []
    only_new: list[str] = []
    for workload in dict.fromkeys([*before, *after]):
        olds, news = before.get(workload, {}), after.get(workload, {})
        pairs = [(name, name) for name in olds if name in news]
        left = [name for name in olds if name not in news]
        right = [name for name in news if name not in olds]
        if not pairs and len(left) == 1 and len(right) == 1:  # one run on each side: compare them, saying so
            pairs.append((left[0], right[0]))
            left, right = [], []
        only_old += [f"{workload}: {name}" for name in left]
        only_new += [f"{workload}: {name}" for name in right]
        for old_name, new_name in pairs:
            a, b = olds[old_name], news[new_name]
            figures = []
            for key, heading, _, _, _ in METRICS:
                ratio, flag = _flag(key, a[key], b[key], noise)
                figures.append({"metric": key, "heading": heading, "old": a[key], "new": b[key], "ratio": ratio,
                                "flag": flag})
            name = old_name if old_name == new_name else f"{old_name} -> {new_name}"
            rows.append({"workload": workload, "run": name, "rounds": (a["rounds"], b["rounds"]),
                         "figures": figures})
    return {"rows": rows, "only_old": only_old, "only_new": only_new, "noise": noise}


def ratio_text(ratio: float | None) -> str:
    """A ratio as ``1.23x`` (``-`` for none)."""
    return "-" if ratio is None else f"{ratio:.2f}x"


def figure_text(key: str, value: float | None) -> str:
    """A compared figure as the tables show it: latencies with two decimals, counts without."""
    if value is None:
        return "-"
    if key in ("throughput", "errors"):
        return fmt(round(value))
    return fmt(value, 2 if key.startswith("p") else 1)


def run_name(row: dict[str, Any]) -> str:
    """A compared row's run, with its rounds when they were folded into medians."""
    rounds = row["rounds"]
    return row["run"] if rounds == (1, 1) else f"{row['run']} (medians of {rounds[0]} and {rounds[1]} rounds)"


def summary(diff: dict[str, Any]) -> str:
    """One line: how many figures moved beyond noise, each way."""
    flags = [f["flag"] for row in diff["rows"] for f in row["figures"] if f["flag"]]
    return (f"{len(flags)} figure(s) beyond +-{diff['noise'] * 100:.0f}%: "
            f"{flags.count('better')} better, {flags.count('worse')} worse")


def text(diff: dict[str, Any], old: dict[str, Any], new: dict[str, Any], names: tuple[str, str]) -> str:
    """The differences for the terminal: both environments, then a block per workload, a line per figure."""
    lines = []
    for tag, doc, name in (("old", old, names[0]), ("new", new, names[1])):
        env = doc.get("environment") or {}
        lines.append(f"{tag}: {name}: {env.get('date', '?')}, server {env.get('server', '?')}, "
                     f"Python {env.get('python', '?')}, {env.get('cpu_count', '?')} CPUs")
        if env.get("command"):
            lines.append(f"     {env['command']}")
    sizes = [(k, v, ((new.get("plan") or {}).get("params") or {}).get(k))
             for k, v in ((old.get("plan") or {}).get("params") or {}).items()]
    changed = [f"{k} {a} -> {b}" for k, a, b in sizes if b is not None and a != b]
    if changed:  # a ratio between runs of different sizes measures the sizes too
        lines.append(f"note: the sizes differ: {', '.join(changed)}")
    lines.append(f"ratios are new/old; flagged beyond +-{diff['noise'] * 100:.0f}% (and 0.05 ms, 1 MB)")
    workload = None
    for row in diff["rows"]:
        if row["workload"] != workload:
            workload = row["workload"]
            lines.append(f"\n== {workload:<22}{'old':>16}{'new':>16}{'new/old':>10}")
        lines.append(run_name(row))
        for f in row["figures"]:
            if f["old"] is None and f["new"] is None:
                continue  # a figure this workload does not measure (flood has no latencies)
            flag = {"better": "  better", "worse": "  WORSE"}.get(f["flag"], "")
            lines.append(f"   {f['heading']:<22}{figure_text(f['metric'], f['old']):>16}"
                         f"{figure_text(f['metric'], f['new']):>16}{ratio_text(f['ratio']):>10}{flag}")
    for tag, items in (("only in old", diff["only_old"]), ("only in new", diff["only_new"])):
        if items:
            lines.append(f"\n{tag}: {', '.join(items)}")
    lines.append("\n" + summary(diff))
    return "\n".join(lines)


_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def chart_image(diff: dict[str, Any]) -> bytes | None:
    """A PNG of every ratio: a panel per figure, a bar per run, the noise band shaded; None without matplotlib."""
    rows = diff["rows"]
    if not rows:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    except ImportError:
        return None
    keys = [m[0] for m in METRICS if m[0] != "errors"]
    names = [f"{row['workload']}: {row['run']}" for row in rows]
    height = max(3.0, 0.32 * len(rows) + 1.2)
    fig, axes = plt.subplots(1, len(keys), figsize=(13, height), sharey=True)
    colours = {"better": "#2a9d55", "worse": "#d1495b", "": "#8d99ae"}
    noise = diff["noise"]
    for ax, key in zip(axes, keys):
        figures = [next(f for f in row["figures"] if f["metric"] == key) for row in rows]
        # drawn on a log scale, clamped to 100x either way (a peer at 0 ops/s must not flatten the others)
        ratios = [min(100.0, max(0.01, f["ratio"])) if f["ratio"] is not None else 1.0 for f in figures]
        ax.set_xscale("log")
        reach = max([1.5, *(max(r, 1 / r) * 1.6 for r in ratios)])
        ax.set_xlim(1 / reach, reach)
        ax.axvspan(1 - noise, 1 + noise, color="#e9ecef")
        ax.barh(range(len(rows)), [r - 1 for r in ratios], left=1,
                color=[colours[f["flag"]] if f["ratio"] is not None else "#ffffff" for f in figures])
        ax.axvline(1, color="#343a40", linewidth=0.8)
        ax.xaxis.set_major_locator(FixedLocator([t for t in _TICKS if 1 / reach <= t <= reach]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_title(figures[0]["heading"], fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_xlabel("new/old", fontsize=8)
        for i, f in enumerate(figures):
            ax.annotate(ratio_text(f["ratio"]), (ratios[i], i), fontsize=7, va="center",
                        xytext=(2 if ratios[i] >= 1 else -2, 0), textcoords="offset points",
                        ha="left" if ratios[i] >= 1 else "right")
    axes[0].set_yticks(range(len(rows)), names, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(f"new/old per figure (grey band: +-{noise * 100:.0f}%; green better, red worse)", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
