"""The lab's results as one HTML page that opens offline.

Every chart is a PNG inlined as a ``data:`` URI and the style sheet is inline:
the page fetches nothing (no script, no font, no CDN), so it can be mailed,
attached to an issue or opened from a CI artifact. Every text that comes from
the results (a client's error message, the server's name, the command line)
goes through ``html.escape``.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from .compare import figure_text, ratio_text, run_name, summary
from .report import base_run, fmt, run_notes
from .runner import label

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 1.5rem auto;
       max-width: 1240px; padding: 0 1rem; color: #212529; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #dee2e6; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #dee2e6; padding: .25rem .5rem; vertical-align: top; }
th { background: #f1f3f5; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #f8f9fa; }
table.facts th { width: 11rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; background: #f1f3f5;
       padding: .1rem .3rem; word-break: break-all; }
img { max-width: 100%; height: auto; border: 1px solid #dee2e6; }
.better { color: #1b7a43; font-weight: 600; }
.worse, .missed { color: #b02a37; font-weight: 600; }
.met { color: #1b7a43; }
.muted { color: #6c757d; }
nav a { margin-right: .8rem; }
tr.differs th, tr.differs td { background: #fff3bf; }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _cell(value: Any, numeric: bool = False, css: str = "") -> str:
    classes = " ".join(c for c in ("n" if numeric else "", css) if c)
    return f"<td class=\"{classes}\">{_e(value)}</td>" if classes else f"<td>{_e(value)}</td>"


def _table(headings: list[str], rows: list[str], css: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    attr = f" class=\"{css}\"" if css else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<p><img src=\"data:image/png;base64,{data}\" alt=\"{_e(alt)}\"></p>"


def _facts(pairs: list[tuple[str, str]]) -> str:
    rows = [f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs]
    return f"<table class=\"facts\"><tbody>{''.join(rows)}</tbody></table>"


def document(title: str, body: str) -> str:
    """A whole page: doctype, charset, the inline style sheet, ``body``."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _code(text: Any) -> str:
    return f"<code>{_e(text)}</code>" if text else "<span class=\"muted\">not recorded</span>"


def _environment(doc: dict[str, Any]) -> str:
    return _facts(_environment_pairs(doc))


def _environment_pairs(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(fact, its HTML) for a results document: what made it, where, with which versions."""
    env = doc.get("environment") or {}
    runs = doc.get("runs") or []
    plan = doc.get("plan") or {}
    allocators = env.get("allocators") or {}
    loaded = sorted({str(r.get("allocator_loaded")) for r in runs if r.get("allocator_loaded")})
    allocator_text = "; ".join(f"{k}: {v}" for k, v in allocators.items()) or ", ".join(plan.get("allocators") or [])
    if loaded:
        allocator_text += f" (loaded in the runs: {', '.join(loaded)})"
    loops = ", ".join(plan.get("loops") or sorted({str(r.get("loop")) for r in runs if r.get("loop")}))
    if "uvloop" in loops and env.get("uvloop"):
        loops += f" (uvloop {env['uvloop']})"
    clients: dict[str, str] = {}
    for r in runs:
        if r.get("client_version"):
            clients.setdefault(r["client"], f"{r['client']} {r['client_version']}: {r.get('how', '')}")
    missing = doc.get("missing_clients") or {}
    params = plan.get("params") or {}
    pairs: list[tuple[str, str]] = [
        ("command", _code(env.get("command"))),
        ("date", _e(env.get("date", "?"))),
        ("server", _e(env.get("server", "?"))),
        ("machine", _e(f"{env.get('platform', '?')}, {env.get('machine', '?')}, {env.get('cpu_count', '?')} CPUs")),
        ("Python", _e(env.get("python_implementation") or env.get("python", "?"))),
        ("event loop", _e(loops or "?")),
        ("allocator", _e(allocator_text or "?")),
        ("C library", _e(env.get("libc", "not recorded"))),
        ("leanredis", _e(env.get("leanredis", "not recorded"))),
        ("clients", "<br>".join(_e(v) for v in clients.values()) or "-"),
    ]
    if missing:
        pairs.append(("not installed", "<br>".join(_e(f"{k}: {v}") for k, v in missing.items())))
    if params:
        pairs.append(("sizes", _e(", ".join(f"{k} {v}" for k, v in params.items()))))
    return pairs


def _ratio(value: Any, base: Any) -> str:
    if isinstance(value, (int, float)) and isinstance(base, (int, float)) and base:
        return f"{value / base:.2f}x"
    return "-"


def _workload_table(rows: list[dict[str, Any]]) -> str:
    headings = ["run", "ops/s", "vs base", "p50 ms", "p99 ms", "p99.9 ms", "RSS start MB", "RSS peak MB",
                "vs base", "RSS end MB", "RSS idle MB", "allocator loaded", "errors, notes"]
    out = []
    for r in rows:
        if "rss_mb" not in r:
            why = r.get("skipped") or f"failed: {r.get('failed')}"
            out.append(f"<tr>{_cell(label(r))}<td colspan=\"{len(headings) - 1}\" class=\"muted\">{_e(why)}</td></tr>")
            continue
        base = base_run([x for x in rows if x.get("round") == r.get("round")]) or {}
        lat = r.get("latency_ms") or {}
        rss = r["rss_mb"]
        extra = [f"{k} {v:,}" for k, v in (r.get("errors") or {}).items()] + run_notes(r)
        if r.get("error"):
            extra.append(str(r["error"]))
        loaded = r.get("allocator_loaded", "?")
        tp = r.get("throughput_ops_per_s")
        out.append("<tr>" + "".join([
            _cell(label(r)), _cell(fmt(tp), True),
            _cell(_ratio(tp, base.get("throughput_ops_per_s")), True),
            _cell(fmt(lat.get("p50"), 2), True), _cell(fmt(lat.get("p99"), 2), True),
            _cell(fmt(lat.get("p999"), 2), True), _cell(fmt(rss.get("start")), True),
            _cell(fmt(rss.get("peak")), True),
            _cell(_ratio(rss.get("peak"), (base.get("rss_mb") or {}).get("peak")), True),
            _cell(fmt(rss.get("end")), True), _cell(fmt(rss.get("idle")), True),
            _cell(loaded, css="worse" if loaded != r.get("allocator_requested", loaded) else ""),
            _cell("; ".join(extra) or "-"),
        ]) + "</tr>")
    return _table(headings, out)


def _cluster_table(targets: list[dict[str, Any]]) -> str:
    rows = []
    for row in targets:
        value = "-" if row.get("value") is None else (
            f"{row['value']:.2f}x" if row.get("unit") == "x" else f"{row['value']:+.1f} MB")
        met = row.get("met")
        verdict, css = ("-", "") if met is None else (("met", "met") if met else ("MISSED", "missed"))
        rows.append("<tr>" + _cell(row.get("what", "")) + _cell(value, True) + _cell(row.get("target") or "-")
                    + _cell(verdict, css=css) + _cell(row.get("detail", "")) + "</tr>")
    return _table(["ratio", "value", "target", "verdict", "figures"], rows)


def report_page(doc: dict[str, Any], images: dict[str, bytes]) -> str:
    """The whole run: how it was made, then per workload its table (ratios against the base run) and chart."""
    runs = doc.get("runs") or []
    env = doc.get("environment") or {}
    workloads = list(dict.fromkeys(r["workload"] for r in runs))
    body = [f"<h1>leanredis bench, {_e(env.get('date', ''))}</h1>",
            "<nav>" + "".join(f"<a href=\"#w-{_e(w)}\">{_e(w)}</a>" for w in workloads)
            + ("<a href=\"#cluster\">cluster ratios</a>" if doc.get("cluster_targets") else "") + "</nav>",
            "<h2 id=\"environment\">How these figures were made</h2>", _environment(doc)]
    for workload in workloads:
        rows = [r for r in runs if r["workload"] == workload]
        base = base_run(rows)
        body.append(f"<h2 id=\"w-{_e(workload)}\">{_e(workload)}</h2>")
        if base is not None:
            body.append(f"<p class=\"muted\">Ratios are against {_e(label(base))}, within each round.</p>")
        body.append(_workload_table(rows))
        if workload in images:
            body.append(_image(images[workload], f"{workload}: RSS and throughput over time"))
        else:
            body.append("<p class=\"muted\">No chart (no sampled series, or matplotlib is not installed).</p>")
    if doc.get("cluster_targets"):
        body += ["<h2 id=\"cluster\">cluster ratios</h2>",
                 "<p class=\"muted\">Successful commands per second; RSS in MB.</p>",
                 _cluster_table(doc["cluster_targets"])]
    return document(f"leanredis bench {env.get('date', '')}", "\n".join(body))


def compare_page(diff: dict[str, Any], old: dict[str, Any], new: dict[str, Any], names: tuple[str, str],
                 image: bytes | None) -> str:
    """Two runs side by side: both environments, the ratio chart, a table per workload with flags."""
    body = ["<h1>leanredis bench: new against old</h1>",
            f"<p>{_e(summary(diff))}. Ratios are new/old; a figure is flagged when it moved more than "
            f"{diff['noise'] * 100:.0f}% (and at least 0.05 ms for latencies, 1 MB for RSS).</p>"]
    before, after = dict(_environment_pairs(old)), dict(_environment_pairs(new))
    facts = []
    for key in dict.fromkeys([*before, *after]):
        a, b = before.get(key, "-"), after.get(key, "-")
        css = " class=\"differs\"" if a != b and key not in ("date", "command") else ""
        facts.append(f"<tr{css}><th>{_e(key)}</th><td>{a}</td><td>{b}</td></tr>")
    body += ["<h2>the two runs</h2>",
             f"<table class=\"facts\"><thead><tr><th></th><th>old: {_e(names[0])}</th><th>new: {_e(names[1])}</th>"
             f"</tr></thead><tbody>{''.join(facts)}</tbody></table>",
             "<p class=\"muted\">Rows in yellow differ between the two runs (beyond date and command).</p>"]
    if image is not None:
        body += ["<h2>ratios</h2>", _image(image, "new/old ratio of every figure, per run")]
    for workload in dict.fromkeys(row["workload"] for row in diff["rows"]):
        rows = []
        for row in (x for x in diff["rows"] if x["workload"] == workload):
            figures = [f for f in row["figures"] if f["old"] is not None or f["new"] is not None]
            for i, f in enumerate(figures):
                verdict = {"better": "better", "worse": "WORSE"}.get(f["flag"], "")
                rows.append("<tr>" + _cell(run_name(row) if i == 0 else "") + _cell(f["heading"])
                            + _cell(figure_text(f["metric"], f["old"]), True)
                            + _cell(figure_text(f["metric"], f["new"]), True)
                            + _cell(ratio_text(f["ratio"]), True, f["flag"]) + _cell(verdict, css=f["flag"]) + "</tr>")
        body += [f"<h2 id=\"w-{_e(workload)}\">{_e(workload)}</h2>",
                 _table(["run", "figure", "old", "new", "new/old", ""], rows)]
    for tag, items in (("only in old", diff["only_old"]), ("only in new", diff["only_new"])):
        if items:
            body.append(f"<p><strong>{tag}:</strong> {_e(', '.join(items))}</p>")
    return document("leanredis bench: new against old", "\n".join(body))
