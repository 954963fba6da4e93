"""The ``budget`` workload's results: a table (terminal, Markdown) and its chart, RSS over the budget's parts.

The chart has one panel per run, on one time axis and one MB scale: for
leanredis the parts of ``stats()["memory"]`` stacked, the RSS line above
them and the budget as a dashed line (when it is within the panel's scale);
for the other clients the RSS line. Bursts are shaded from their start to
their last reply; the hostile reply is a dotted line labelled with its outcome.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

from .runner import label

MiB = 1 << 20
COLUMNS = ["rate reached /s", "of target", "peak RSS MB", "RSS idle MB", "peak memory_bytes MB", "errors by type",
           "shed", "hostile 1 GiB reply", "next command"]


def _rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r.get("workload") == "budget"]


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MiB:.1f}"


def hostile_text(h: dict[str, Any]) -> str:
    """The hostile reply's outcome in a few words: what the caller got, how fast, what the client read of it."""
    if h.get("outcome") == "not run":
        return f"not run: {h.get('message')}"
    by = f" ({h['refused_by']})" if h.get("refused_by") else ""
    return (f"{h['outcome']}{by} in {h['seconds']:.3f} s; {h['bytes_sent_mb']:.1f} MB sent, "
            f"RSS {h['rss_step_mb']:+.1f} MB")


def figures(r: dict[str, Any]) -> list[str]:
    """The row of COLUMNS for one run."""
    b = r["budget"]
    peak = _mb(b.get("peak_memory_bytes"))
    if b.get("limit_bytes"):
        peak += f" of {b['limit_bytes'] / MiB:g}"
    errors = ", ".join(f"{k} {v:,}" for k, v in (r.get("errors") or {}).items()) or "none"
    return [f"{r['throughput_ops_per_s']:,}", f"{r['achieved_ratio'] * 100:.1f}% of {r['target_qps']:,}",
            f"{r['rss_mb']['peak']:.1f}", f"{r['rss_mb']['idle']:.1f}", peak, errors, f"{b['shed']:,}",
            hostile_text(b["hostile"]), str(b["hostile"].get("next_command"))]


def heading(rows: list[dict[str, Any]]) -> str:
    b = next(r["budget"] for r in rows if r.get("budget"))
    r = next(r for r in rows if r.get("budget"))
    sizes = ", ".join(f"{s / 1024:g} KB {w:g}%" if s >= 1024 else f"{s} B {w:g}%"
                      for s, w in zip(b["sizes"], b["weights"]))
    burst = b["bursts"][0]["sets"] if b["bursts"] else r["params"]["budget_burst"]
    return (f"budget: {r['target_qps']:,}/s for {r['params']['duration']:g} s, {b['get_share'] * 100:g}% GETs, SET "
            f"values {sizes} (mean {b['mean_set_bytes']:,} B); every {r['params']['budget_burst_every']:g} s "
            f"{burst} SETs of 256 KB at once; one GET answered with a $1073741824 header")


def text(results: list[dict[str, Any]]) -> str:
    """The budget runs as a terminal table ('' without any)."""
    rows = _rows(results)
    if not rows:
        return ""
    lines = [f"\n== {heading(rows)}" if any(r.get("budget") for r in rows) else "\n== budget"]
    for r in rows:
        if not r.get("budget"):
            lines.append(f"{label(r):<36}{r.get('skipped') or r.get('failed') or r.get('error')}")
            continue
        lines.append(f"{label(r):<36}" + "; ".join(f"{c}: {v}" for c, v in zip(COLUMNS, figures(r))))
    return "\n".join(lines)


def markdown(results: list[dict[str, Any]]) -> str:
    """The budget runs as a Markdown table ('' without any)."""
    rows = [r for r in _rows(results) if r.get("budget")]
    if not rows:
        return ""
    out = [f"**{heading(rows)}**", "", "| run | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * 5 + "---|" * 4]
    for r in rows:
        out.append(f"| {label(r)} | " + " | ".join(figures(r)) + " |")
    return "\n".join(out) + "\n"


def write(out_dir: Path, results: list[dict[str, Any]]) -> list[Path]:
    """budget.md when there are budget runs (the chart, budget.png, comes with the other charts)."""
    table = markdown(results)
    if not table:
        return []
    path = out_dir / "budget.md"
    path.write_text(table)
    return [path]


def chart_image(rows: list[dict[str, Any]]) -> bytes | None:
    """The PNG: a panel per run, RSS over the budget's parts (stacked) against time; None without matplotlib."""
    rows = [r for r in rows if r.get("budget") and r.get("series")]
    if not rows:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, axes = plt.subplots(len(rows), 1, figsize=(11, 2.2 + 2.6 * len(rows)), sharex=True, sharey=True,
                             squeeze=False)
    top = max(r["rss_mb"]["peak"] for r in rows)
    for ax, r in zip(axes[:, 0], rows):
        b, s = r["budget"], r["series"]
        series = b.get("series")
        if series:
            names = [name for name, values in series["parts_mb"].items() if max(values, default=0) > 0]
            ax.stackplot(series["t"], *[series["parts_mb"][n] for n in names], labels=names, alpha=0.75,
                         colors=[f"C{i + 1}" for i in range(len(names))])
        ax.plot(s["t"], s["rss_mb"], color="black", linewidth=1.2, label="RSS")
        limit = b.get("limit_bytes")
        if limit and limit / MiB <= top * 1.2:
            ax.axhline(limit / MiB, color="C3", linestyle="--", linewidth=1,
                       label=f"max_memory_bytes {limit / MiB:g} MiB")
        for i, burst in enumerate(b["bursts"]):
            ax.axvspan(burst["at_s"], burst["at_s"] + burst["seconds"], color="grey", alpha=0.15,
                       label="burst (start to last reply)" if i == 0 else None)
        h = b["hostile"]
        if h.get("at_s") is not None:
            ax.axvline(h["at_s"], color="C3", linestyle=":", linewidth=1.5, label=f"hostile reply: {h['outcome']}")
        memory = ""
        if b.get("peak_memory_bytes") is not None:
            memory = f"; peak memory_bytes {_mb(b['peak_memory_bytes'])} MB of {limit / MiB:g} MiB"
        ax.set_title(f"{label(r)}: {r['throughput_ops_per_s']:,}/s; RSS peak {r['rss_mb']['peak']:.0f} MB, "
                     f"idle {r['rss_mb']['idle']:.0f} MB{memory}", fontsize=9)
        ax.set_ylabel("MB")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", ncol=3)
    axes[-1, 0].set_xlabel("seconds since the worker started")
    fig.suptitle("\n".join(textwrap.wrap(f"leanredis bench: {heading(rows)}", 160)), fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
