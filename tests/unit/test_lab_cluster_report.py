"""The lab's --cluster plan and ratios, on made-up results (no server)."""

from __future__ import annotations

from typing import Any

from leanredis.lab.report import cluster_targets, cluster_text, markdown, ok_rate, run_notes
from leanredis.lab.runner import Plan, label, runs


def _run(client: str, cluster: bool, workload: str, ops: int, seconds: float, peak: float,
         errors: dict[str, int] | None = None) -> dict[str, Any]:
    return {"client": client, "cluster": cluster, "workload": workload, "ops": ops, "seconds": seconds,
            "throughput_ops_per_s": round(ops / seconds), "errors": errors or {}, "allocator_requested": "glibc",
            "allocator_loaded": "glibc", "pymalloc": True, "loop": "asyncio", "latency_ms": {},
            "rss_mb": {"start": 29.0, "peak": peak, "end": peak, "idle": 30.0}}


def _by_what(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["what"]: row for row in rows}


def test_cluster_plan_runs_leanredis_standalone_first_then_each_cluster_client_and_no_coredis() -> None:
    plan = Plan(clients=["leanredis", "redispy", "coredis"], workloads=["burst", "flood"], cluster=True)
    specs = runs(plan)
    assert [(s["client"], s["cluster"], s["workload"]) for s in specs] == [
        ("leanredis", False, "burst"), ("leanredis", True, "burst"), ("redispy", True, "burst"),
        ("leanredis", False, "flood"), ("leanredis", True, "flood"), ("redispy", True, "flood"),
    ]
    assert [label(s) for s in specs[:3]] == ["leanredis/glibc", "leanredis-cluster/glibc", "redispy-cluster/glibc"]


def test_cluster_targets_are_met_or_missed_by_the_issues_thresholds() -> None:
    results = [
        _run("leanredis", False, "burst", 300_000, 1.0, 30.0),
        _run("leanredis", True, "burst", 300_000, 1.25, 31.0),  # 0.8x standalone: met, just
        _run("redispy", True, "burst", 300_000, 12.5, 60.0),  # 24,000/s: leanredis 10x: met, just
        _run("leanredis", False, "flood", 200_000, 1.0, 110.0),
        _run("leanredis", True, "flood", 200_000, 2.0, 143.0),  # +33 MB: missed
    ]
    rows = _by_what(cluster_targets(results))
    burst = rows["burst: leanredis cluster / leanredis standalone"]
    assert (burst["value"], burst["target"], burst["met"]) == (0.8, ">= 0.8x", True)
    versus = rows["burst: leanredis cluster / redispy cluster"]
    assert (versus["value"], versus["target"], versus["met"]) == (10.0, ">= 10.0x", True)
    flood = rows["flood: leanredis cluster / leanredis standalone"]
    assert (flood["value"], flood["target"], flood["met"]) == (0.5, None, None)  # no target for flood's rate
    rss = rows["flood: peak RSS, leanredis cluster - standalone"]
    assert (rss["value"], rss["unit"], rss["met"]) == (33.0, "MB", False)
    text = cluster_text(list(rows.values()))
    assert "target <= +32 MB: MISSED" in text and "target >= 10.0x: met" in text


def test_a_peer_whose_commands_fail_fast_is_rated_on_its_successes_and_named_with_its_errors() -> None:
    failing = _run("redispy", True, "flood", 200_000, 2.0, 2500.0, {"MaxConnectionsError": 197_000})
    assert ok_rate(failing) == 1_500.0  # not 100,000/s: 197,000 of the 200,000 failed
    results = [_run("leanredis", False, "flood", 200_000, 1.0, 110.0),
               _run("leanredis", True, "flood", 200_000, 1.0, 112.0), failing]
    rows = _by_what(cluster_targets(results))
    row = rows["flood: leanredis cluster / redispy cluster"]
    assert row["value"] == round(200_000 / 1_500, 2)
    assert "redispy failed: MaxConnectionsError 197,000" in row["detail"]
    assert "| flood: leanredis cluster / redispy cluster |" in markdown(results, {}, list(rows.values()))


def test_a_peer_that_could_not_run_has_no_ratio_and_breaks_nothing() -> None:
    results = [_run("leanredis", False, "burst", 1000, 1.0, 30.0), _run("leanredis", True, "burst", 1000, 1.0, 30.0),
               {"client": "glide", "cluster": True, "workload": "burst", "failed": "ImportError: no glide"}]
    rows = _by_what(cluster_targets(results))
    assert set(rows) == {"burst: leanredis cluster / leanredis standalone",
                         "burst: peak RSS, leanredis cluster - standalone"}


def test_repeat_interleaves_rounds_per_workload_and_labels_them() -> None:
    specs = runs(Plan(clients=["leanredis", "redispy"], workloads=["burst"], cluster=True, repeat=2))
    assert [label(s) for s in specs] == [
        "leanredis/glibc/#1", "leanredis-cluster/glibc/#1", "redispy-cluster/glibc/#1",
        "leanredis/glibc/#2", "leanredis-cluster/glibc/#2", "redispy-cluster/glibc/#2",
    ]


def test_repeated_rounds_are_judged_on_the_median_of_ratios_taken_within_each_round() -> None:
    results = []
    # the machine slows down between rounds: each ratio is taken within its round
    for round_, (alone_s, lean_s, peak) in enumerate([(1.0, 1.1, 140.0), (3.0, 4.5, 120.0), (2.0, 2.2, 150.0)], 1):
        for r in (_run("leanredis", False, "burst", 300_000, alone_s, 30.0),
                  _run("leanredis", True, "burst", 300_000, lean_s, 30.0),
                  _run("leanredis", False, "flood", 200_000, alone_s, 110.0),
                  _run("leanredis", True, "flood", 200_000, lean_s, peak)):
            results.append({**r, "round": round_})
    rows = _by_what(cluster_targets(results))
    burst = rows["burst: leanredis cluster / leanredis standalone"]
    assert burst["value"] == 0.91 and burst["met"] is True  # rounds: 0.91, 0.67, 0.91
    assert burst["detail"].startswith("median of 3 rounds (0.91x, 0.67x, 0.91x)")
    rss = rows["flood: peak RSS, leanredis cluster - standalone"]
    assert rss["value"] == 30.0 and rss["met"] is True  # rounds: +30, +10, +40


def test_a_cached_run_says_its_hit_ratio_its_speed_up_and_its_stale_reads_in_its_notes() -> None:
    # the notes are what the text table, results.md and the report page show beside the figures
    run = _run("leanredis", False, "cached", 200_000, 0.4, 40.0)
    run.update(cache_hit_ratio=0.9412, cache_speedup=2.5, uncached_throughput_ops_per_s=123_456, stale_after_writes=0,
               warm_cache_speedup=9.03, warm_cache_hit_ratio=0.9955)
    assert run_notes(run) == [
        "cache hit ratio 0.941", "2.50x uncached (123,456 ops/s)", "warm: 9.03x, hit ratio 0.996", "0 stale"
    ]
    peer = _run("redispy", False, "cached", 200_000, 4.0, 40.0)  # no cache: nothing to say
    assert run_notes(peer) == []
