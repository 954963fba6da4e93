"""The lab's HTML report and --compare, on made-up results that conform to schema.json (no server)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from lab_html import Page, fetched

from leanredis import cli
from leanredis.lab import compare, page, report

SCHEMA = Path(__file__).resolve().parents[2] / "leanredis" / "lab" / "schema.json"
PNG = b"\x89PNG\r\n\x1a\n"


def _run(client: str, workload: str, tp: int, p50: float | None, p99: float | None, peak: float, idle: float,
         errors: dict[str, int] | None = None, **extra: Any) -> dict[str, Any]:
    t = [0.1 * i for i in range(30)]
    return {"client": client, "client_version": "1.0", "how": f"{client} as its users run it", "workload": workload,
            "loop": "asyncio", "allocator_requested": "glibc", "allocator_loaded": "glibc", "pymalloc": True,
            "trim": None, "cluster": False, "round": None, "ops": tp * 2, "seconds": 2.0, "throughput_ops_per_s": tp,
            "latency_ms": {"p50": p50, "p99": p99, "p999": None if p99 is None else p99 * 1.5},
            "errors": errors or {}, "rss_mb": {"start": 27.0, "peak": peak, "end": peak, "idle": idle},
            "server_connected_clients": 1, "error": None,
            "series": {"t": t, "rss_mb": [27.0 + (peak - 27.0) * min(1.0, i / 10) for i in range(30)],
                       "ops": [i * tp // 10 for i in range(30)]}, **extra}


def _doc(runs: list[dict[str, Any]], **environment: Any) -> dict[str, Any]:
    env = {"date": "2026-12-01 10:00:00 UTC", "cpu_count": 2, "machine": "x86_64", "python": "3.11.7",
           "platform": "Linux-6.1-x86_64-with-glibc2.36", "server": "Redis 7.0.15 (private, port 40000)", **environment}
    doc = {"schema_version": 1, "environment": env,
           "plan": {"clients": sorted({r["client"] for r in runs}), "workloads": sorted({r["workload"] for r in runs}),
                    "allocators": ["glibc"], "loops": ["asyncio"], "params": {"n": 300_000, "concurrency": 1000}},
           "missing_clients": {"glide": "pip install valkey-glide"}, "runs": runs}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))  # the synthetic results are real results' shape
    return doc


def _results() -> dict[str, Any]:
    return _doc([
        _run("leanredis", "burst", 200_000, 4.5, 8.0, 30.0, 29.5),
        _run("redispy", "burst", 12_000, 80.0, 120.0, 52.0, 52.0),
        {"client": "coredis", "workload": "burst", "skipped": "coredis not installed"},
        _run("leanredis", "flood", 210_000, None, None, 110.0, 37.0),
        _run("redispy", "flood", 3_500, None, None, 2500.0, 2000.0, {"MaxConnectionsError": 197_000}),
        _run("leanredis", "paced", 80_000, 2.2, 4.0, 27.5, 27.5, target_qps=80_000, achieved_ratio=1.0),
    ], command="leanredis bench --workload burst,flood,paced", leanredis="0.1.0", libc="glibc 2.36",
        allocators={"glibc": "glibc 2.36 malloc"}, uvloop="0.23.0", python_implementation="CPython 3.11.7 (GCC)")


def test_report_page_has_every_workload_table_with_ratios_and_how_it_was_made() -> None:
    doc = _results()
    parsed = Page(page.report_page(doc, {}))
    assert parsed.problems == []
    for workload in ("burst", "flood", "paced"):
        assert f"w-{workload}" in parsed.tables, workload
    assert parsed.column("w-burst", "run") == ["leanredis/glibc", "redispy/glibc", "coredis/glibc"]
    assert parsed.column("w-burst", "ops/s")[:2] == ["200,000", "12,000"]
    assert parsed.column("w-burst", "vs base")[:2] == ["1.00x", "0.06x"]  # throughput against leanredis
    assert parsed.column("w-flood", "p50 ms") == ["-", "-"]
    assert parsed.column("w-flood", "errors, notes")[1].startswith("MaxConnectionsError 197,000")
    assert "coredis not installed" in parsed.tables["w-burst"][3][1]  # a skipped run is a row saying why
    assert "achieved 100.0% of 80,000/s" in parsed.column("w-paced", "errors, notes")[0]
    facts = {row[0]: row[1] for row in parsed.tables["environment"]}
    assert facts["command"] == "leanredis bench --workload burst,flood,paced"
    assert facts["server"] == "Redis 7.0.15 (private, port 40000)"
    assert "glibc 2.36 malloc" in facts["allocator"] and facts["C library"] == "glibc 2.36"
    assert facts["Python"] == "CPython 3.11.7 (GCC)" and facts["event loop"] == "asyncio"
    assert "redispy 1.0" in facts["clients"] and facts["not installed"] == "glide: pip install valkey-glide"


def test_report_page_inlines_one_chart_per_workload_and_fetches_nothing() -> None:
    pytest.importorskip("matplotlib")
    doc = _results()
    images = report.chart_images(doc["runs"])
    assert set(images) == {"burst", "flood", "paced"}
    text = page.report_page(doc, images)
    parsed = Page(text)
    assert parsed.problems == []
    assert len(parsed.images) == 3 and all(png.startswith(PNG) for png in parsed.images)
    assert parsed.images[0] == images["burst"]
    assert fetched(parsed) == []
    assert not {"script", "link", "iframe", "object", "embed"} & set(parsed.tags)
    outside_images = text.split("data:image/png;base64,")[0]  # base64 may hold any "//"
    assert "http:" not in outside_images and "https:" not in outside_images and "@import" not in text
    assert "url(" not in text


def test_every_text_from_the_results_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    broken = _run("redispy", "burst", 10, 1.0, 2.0, 30.0, 30.0, {"<img src=x onerror=y>": 1})
    broken["error"] = f"ConnectionError: {evil}"
    doc = _doc([_run("leanredis", "burst", 100, 1.0, 2.0, 30.0, 30.0), broken,
                {"client": "glide", "workload": "burst", "failed": f"ImportError: {evil}"}],
               server='Redis <7> & "quoted"', command=f"leanredis bench --out '{evil}'")
    text = page.report_page(doc, {})
    parsed = Page(text)
    assert parsed.problems == [] and "script" not in parsed.tags and parsed.tags.count("img") == 0
    assert evil not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert 'Redis &lt;7&gt; &amp; &quot;quoted&quot;' in text
    assert any(evil in cell for cell in parsed.column("w-burst", "errors, notes"))  # shown, as text
    assert evil in "".join(parsed.text)


def test_an_older_results_file_renders_with_the_facts_it_lacks_marked(tmp_path: Path) -> None:
    doc = _doc([_run("leanredis", "burst", 100, 1.0, 2.0, 30.0, 30.0)])
    parsed = Page(page.report_page(doc, {}))
    facts = {row[0]: row[1] for row in parsed.tables["environment"]}
    assert facts["command"] == "not recorded" and facts["leanredis"] == "not recorded"
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    assert cli.main(["bench", "--report", str(path)]) == 0  # re-rendered beside it
    assert Page((tmp_path / "report.html").read_text()).problems == []


def _pair() -> tuple[dict[str, Any], dict[str, Any]]:
    """Old and new with known differences (new/old): see each comment."""
    old = _doc([
        _run("leanredis", "burst", 200_000, 4.0, 8.0, 30.0, 30.0),
        _run("redispy", "burst", 10_000, 0.02, 100.0, 2.0, 2.0),
        _run("coredis", "burst", 7_000, 120.0, 200.0, 50.0, 50.0),
        _run("leanredis", "flood", 200_000, None, None, 110.0, 40.0),
    ])
    new = _doc([
        _run("leanredis", "burst", 250_000, 4.2, 8.0, 45.0, 30.5),  # 1.25x better; p50 1.05x; peak 1.5x worse
        _run("redispy", "burst", 10_500, 0.04, 100.0, 2.5, 2.0, {"MaxConnectionsError": 5}),
        # redispy: 1.05x; p50 2x but 0.02 ms (under the floor); peak 1.25x but 0.5 MB; errors 0 -> 5: worse
        _run("glide", "burst", 50_000, 15.0, 30.0, 60.0, 60.0),  # only in new; coredis only in old
        _run("leanredis", "flood", 100_000, None, None, 90.0, 40.0),  # 0.5x worse; peak 0.82x better
    ], command="leanredis bench")
    return old, new


def _figures(diff: dict[str, Any], workload: str, run: str) -> dict[str, dict[str, Any]]:
    row = next(r for r in diff["rows"] if r["workload"] == workload and r["run"] == run)
    return {f["metric"]: f for f in row["figures"]}


def test_compare_gives_each_figures_ratio_and_flags_only_what_moved_beyond_noise() -> None:
    old, new = _pair()
    diff = compare.compare(old, new)
    lean = _figures(diff, "burst", "leanredis/glibc")
    assert (lean["throughput"]["ratio"], lean["throughput"]["flag"]) == (1.25, "better")
    assert (round(lean["p50"]["ratio"], 2), lean["p50"]["flag"]) == (1.05, "")
    assert (lean["rss_peak"]["ratio"], lean["rss_peak"]["flag"]) == (1.5, "worse")
    assert lean["rss_idle"]["flag"] == "" and lean["errors"]["ratio"] is None and lean["errors"]["flag"] == ""
    peer = _figures(diff, "burst", "redispy/glibc")
    assert (peer["throughput"]["ratio"], peer["throughput"]["flag"]) == (1.05, "")
    assert (peer["p50"]["ratio"], peer["p50"]["flag"]) == (2.0, "")  # 0.02 ms more: under the floor
    assert (peer["rss_peak"]["ratio"], peer["rss_peak"]["flag"]) == (1.25, "")  # 0.5 MB more: under the floor
    assert (peer["errors"]["old"], peer["errors"]["new"], peer["errors"]["flag"]) == (0, 5, "worse")
    flood = _figures(diff, "flood", "leanredis/glibc")
    assert (flood["throughput"]["ratio"], flood["throughput"]["flag"]) == (0.5, "worse")
    assert (round(flood["rss_peak"]["ratio"], 2), flood["rss_peak"]["flag"]) == (0.82, "better")
    assert flood["p99"]["ratio"] is None and flood["p99"]["flag"] == ""
    assert diff["only_old"] == ["burst: coredis/glibc"] and diff["only_new"] == ["burst: glide/glibc"]
    assert compare.summary(diff) == "5 figure(s) beyond +-10%: 2 better, 3 worse"
    quieter = compare.compare(old, new, noise=0.6)  # 1.5x and 0.5x are within it; errors from 0 are not
    assert compare.summary(quieter) == "1 figure(s) beyond +-60%: 0 better, 1 worse"


def test_compare_text_and_page_show_the_flags() -> None:
    old, new = _pair()
    diff = compare.compare(old, new)
    text = compare.text(diff, old, new, ("a/results.json", "b/results.json"))
    lines = text.splitlines()
    assert any(line.split() == ["ops/s", "200,000", "250,000", "1.25x", "better"] for line in lines), text
    assert any(line.split() == ["RSS", "peak", "MB", "30.0", "45.0", "1.50x", "WORSE"] for line in lines), text
    assert any(line.split() == ["errors", "0", "5", "-", "WORSE"] for line in lines), text
    flood = lines[next(i for i, line in enumerate(lines) if line.startswith("== flood")):]
    flood = flood[:flood.index("")]
    assert len(flood) == 6 and not any("ms" in line for line in flood), flood  # no latencies in a flood
    assert "only in old: burst: coredis/glibc" in text and "only in new: burst: glide/glibc" in text
    assert "     leanredis bench" in text  # the new run's command line
    assert "note: the sizes differ" not in text
    new["plan"]["params"]["n"] = 20_000
    assert "note: the sizes differ: n 300000 -> 20000\n" in compare.text(diff, old, new, ("a", "b"))
    parsed = Page(page.compare_page(diff, old, new, ("a/<old>.json", "b/results.json"), None))
    assert parsed.problems == [] and fetched(parsed) == []
    rows = parsed.tables["w-burst"]
    assert ["", "RSS peak MB", "30.0", "45.0", "1.50x", "WORSE"] in rows
    assert ["leanredis/glibc", "ops/s", "200,000", "250,000", "1.25x", "better"] in rows
    assert "a/<old>.json" in "".join(parsed.text)


def test_compare_folds_rounds_into_medians_and_pairs_a_lone_run_on_each_side() -> None:
    old = _doc([{**_run("leanredis", "burst", tp, 4.0, 8.0, 30.0, 30.0), "round": i}
                for i, tp in enumerate([100_000, 300_000, 200_000], 1)]
               + [_run("redispy", "flood", 3_000, None, None, 2500.0, 2000.0)])
    new = _doc([{**_run("leanredis", "burst", tp, 4.0, 8.0, 30.0, 30.0), "round": i}
                for i, tp in enumerate([210_000, 190_000, 250_000], 1)]
               + [_run("leanredis", "flood", 210_000, None, None, 110.0, 37.0)])
    diff = compare.compare(old, new)
    burst = _figures(diff, "burst", "leanredis/glibc")
    assert (burst["throughput"]["old"], burst["throughput"]["new"], burst["throughput"]["ratio"]) == (
        200_000, 210_000, 1.05)
    assert next(r for r in diff["rows"] if r["workload"] == "burst")["rounds"] == (3, 3)
    versus = _figures(diff, "flood", "redispy/glibc -> leanredis/glibc")  # a peer run elsewhere
    assert versus["throughput"]["ratio"] == 70.0 and versus["throughput"]["flag"] == "better"
    assert diff["only_old"] == [] and diff["only_new"] == []


def test_compare_draws_the_ratios_and_the_command_writes_compare_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    old, new = _pair()
    image = compare.chart_image(compare.compare(old, new))
    assert image is not None and image.startswith(PNG)
    paths = []
    for name, doc in (("old.json", old), ("new.json", new)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(doc))
    out = tmp_path / "out"
    assert cli.main(["bench", "--compare", *map(str, paths), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "5 figure(s) beyond +-10%: 2 better, 3 worse" in printed and f"HTML: {out / 'compare.html'}" in printed
    parsed = Page((out / "compare.html").read_text())
    assert parsed.problems == [] and fetched(parsed) == [] and len(parsed.images) == 1
    assert cli.main(["bench", "--compare", *map(str, paths), "--noise", "0.6", "--out", str(out)]) == 0
    assert "1 figure(s) beyond +-60%" in capsys.readouterr().out


def test_compare_refuses_what_is_not_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_doc([_run("leanredis", "burst", 100, 1.0, 2.0, 30.0, 30.0)])))
    future = copy.deepcopy(json.loads(good.read_text()))
    future["schema_version"] = 2
    (tmp_path / "future.json").write_text(json.dumps(future))
    (tmp_path / "other.json").write_text(json.dumps({"records": []}))
    (tmp_path / "broken.json").write_text("{")
    for name, message in (("future.json", "schema_version 2, this leanredis reads 1"),
                          ("other.json", "not a leanredis bench results.json"),
                          ("broken.json", "not a readable JSON file"), ("absent.json", "not a readable JSON file")):
        assert cli.main(["bench", "--compare", str(good), str(tmp_path / name)]) == 2
        assert message in capsys.readouterr().err, name
    assert cli.main(["bench", "--compare", str(good), str(good), "--noise", "1.5"]) == 2
    assert cli.main(["bench", "--noise", "0.2"]) == 2
    assert "--noise goes with --compare" in capsys.readouterr().err
