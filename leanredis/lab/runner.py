"""The runner: a private server, the matrix of runs, one fresh subprocess per run.

Each (client, allocator, pymalloc, loop, workload) runs in a new Python
process, so that one client's memory never shows in another's figures; the
allocator is swapped with LD_PRELOAD and pymalloc with PYTHONMALLOC=malloc.
The server is stopped on every way out: normal end, error, Ctrl-C, SIGTERM.

With ``cluster`` the runner starts two targets: a local 3-primary cluster
for the cluster clients and one standalone server for leanredis's ``Redis``,
the reference the cluster figures are compared with; both are stopped the
same way.
"""

from __future__ import annotations

import json
import os
import platform
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from ..server import LocalCluster, RedisServer, find_server_binary, server_version
from ..url import parse_url
from . import vector
from .workloads import Params, server_command

# the ones that only talk to the client (no server faults)
CLUSTER_WORKLOADS = ("burst", "flood", "paced", "cached")
CLUSTER_PRIMARIES = 3

ALLOCATOR_LIBS = {
    "jemalloc": ("libjemalloc.so.2", "libjemalloc2"),
    "tcmalloc": ("libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"),
}
_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib")


def allocator_path(name: str) -> str | None:
    """The shared library to LD_PRELOAD for ``name`` (None for glibc or when missing)."""
    if name not in ALLOCATOR_LIBS:
        return None
    lib = ALLOCATOR_LIBS[name][0]
    for directory in _LIB_DIRS:
        path = os.path.join(directory, lib)
        if os.path.exists(path):
            return path
    return None


@dataclass
class Plan:
    """What to run: the matrix and the sizes."""

    clients: list[str]
    workloads: list[str]
    allocators: list[str] = field(default_factory=lambda: ["glibc"])
    pymalloc: list[bool] = field(default_factory=lambda: [True])
    loops: list[str] = field(default_factory=lambda: ["asyncio"])
    trims: list[bool | None] = field(default_factory=lambda: [None])
    params: Params = field(default_factory=Params)
    url: str | None = None
    server_binary: str | None = None
    run_timeout: float = 600.0
    cluster: bool = False  # cluster clients against a local cluster, plus leanredis standalone as the reference
    repeat: int = 1  # --cluster: rounds of every client in turn, per workload (ratios are taken within a round)


@dataclass
class Target:
    host: str
    port: int
    name: str
    server: RedisServer | None
    cluster: LocalCluster | None = None
    modules: RedisServer | None = None  # the vector workload's server (with RediSearch)
    no_modules: str | None = None  # why there is none


@contextmanager
def target(plan: Plan) -> Iterator[Target]:
    """The server to run against: ``--url``, or a private one stopped on every exit."""
    if plan.url:
        options = parse_url(plan.url)  # its errors never repeat a password
        host, port = options.get("host", "127.0.0.1"), options.get("port") or 6379
        info = server_command(host, port, "INFO", "server").decode(errors="replace")
        name = "Valkey" if "valkey_version" in info else "Redis"
        ver = next((ln.split(":")[1].strip() for ln in info.splitlines() if ln.startswith(("redis_version:",))), "?")
        yield Target(host, port, f"{name} {ver} at {host}:{port}", None)
        return
    binary = find_server_binary(plan.server_binary)
    server = RedisServer(binary)
    cluster = LocalCluster(binary, primaries=CLUSTER_PRIMARIES) if plan.cluster else None
    modules: RedisServer | None = None
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds through the finally below

    signal.signal(signal.SIGTERM, on_term)
    try:
        server.start()
        name = f"{server_version(binary)} (private, port {server.port})"
        if cluster is not None:
            cluster.start()
            ports = ",".join(str(port) for _, port in cluster.nodes)
            name += f"; cluster of {len(cluster.primaries)} primaries (private, ports {ports})"
        no_modules = None
        if "vector" in plan.workloads:
            modules, about = vector.start_modules_server()
            name += f"; vector: {about}" if modules else ""
            no_modules = None if modules else about
        yield Target("127.0.0.1", server.port, name, server, cluster, modules, no_modules)
    finally:
        if modules is not None:
            modules.stop()
        if cluster is not None:
            cluster.stop()
        server.stop()
        signal.signal(signal.SIGTERM, previous)


def runs(plan: Plan) -> list[dict[str, Any]]:
    """The matrix as a list of run specs (without the server address)."""
    if plan.cluster:
        return _cluster_runs(plan)
    out = []
    for client in plan.clients:
        for allocator in plan.allocators:
            for pymalloc in plan.pymalloc:
                for loop in plan.loops:
                    for trim in plan.trims if client == "leanredis" else [None]:
                        for workload in plan.workloads:
                            spec = {"client": client, "allocator": allocator, "pymalloc": pymalloc,
                                    "loop": loop, "trim": trim, "workload": workload}
                            if workload == "budget" and client == "leanredis":  # with a budget, then its default
                                out.append({**spec, "max_memory_bytes": plan.params.budget_bytes})
                            out.append(spec)
    return out


def _cluster_runs(plan: Plan) -> list[dict[str, Any]]:
    """leanredis standalone (the reference) then every cluster client, per workload and matrix cell."""
    from .clients import CLUSTER_ADAPTERS

    out = []
    clients = [(c, True) for c in plan.clients if c in CLUSTER_ADAPTERS]
    if "leanredis" in plan.clients:
        clients.insert(0, ("leanredis", False))
    rounds = [None] if plan.repeat <= 1 else list(range(1, plan.repeat + 1))
    for workload in plan.workloads:
        for round_ in rounds:
            for client, cluster in clients:
                for allocator in plan.allocators:
                    for pymalloc in plan.pymalloc:
                        for loop in plan.loops:
                            for trim in plan.trims if client == "leanredis" else [None]:
                                out.append({"client": client, "cluster": cluster, "allocator": allocator,
                                            "pymalloc": pymalloc, "loop": loop, "trim": trim, "workload": workload,
                                            "round": round_})
    return out


def label(spec: dict[str, Any]) -> str:
    """client[-cluster]/allocator[/malloc][/loop][/trim] for tables and charts."""
    client = spec["client"] + ("-cluster" if spec.get("cluster") else "")
    parts = [client, spec.get("allocator_requested", spec.get("allocator", "glibc"))]
    if not spec.get("pymalloc", True):
        parts.append("no-pymalloc")
    if spec.get("loop") == "uvloop":
        parts.append("uvloop")
    if spec.get("trim") is True:
        parts.append("trim")
    elif spec.get("trim") is False:
        parts.append("no-trim")
    if spec.get("max_memory_bytes"):
        parts.append(f"budget-{spec['max_memory_bytes'] / 2**20:g}MiB")
    if spec.get("round"):
        parts.append(f"#{spec['round']}")
    return "/".join(parts)


def run_one(spec: dict[str, Any], plan: Plan, where: Target,
            on_progress: Callable[[dict[str, Any], dict[str, Any]], None]) -> dict[str, Any]:
    """Run one spec in a fresh subprocess; return its result (or an error record)."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    lib = allocator_path(spec["allocator"])
    if spec["allocator"] != "glibc":
        if lib is None:
            package = ALLOCATOR_LIBS.get(spec["allocator"], ("", "?"))[1]
            return {**spec, "skipped": f"{spec['allocator']} not installed (apt-get install {package})"}
        env["LD_PRELOAD"] = lib
    if not spec["pymalloc"]:
        env["PYTHONMALLOC"] = "malloc"
    else:
        env.pop("PYTHONMALLOC", None)
    nodes = [(where.host, where.port)]
    if spec["workload"] == "vector":
        why_not = vector.unavailable(spec, where.modules, where.no_modules, where.server is None)
        if why_not:
            return {**spec, "skipped": why_not}
        nodes = [("127.0.0.1", where.modules.port)] if where.modules else nodes
    if spec.get("cluster"):
        if where.cluster is None:
            return {**spec, "failed": "no cluster was started for this run"}
        nodes = where.cluster.nodes
    host, port = nodes[0]  # a cluster client finds the other primaries from any one
    worker_spec = {**spec, "host": host, "port": port, "nodes": nodes, "params": asdict(plan.params)}
    for node_host, node_port in nodes:
        try:
            server_command(node_host, node_port, "FLUSHALL")
        except OSError:
            pass  # the run will report the server being down
    # stderr to a file, not a pipe: a chatty client (warnings) must not block on a full pipe
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "leanredis.lab.worker", json.dumps(worker_spec)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True, env=env,
    )
    result: dict[str, Any] | None = None
    # a run of --duration seconds (paced, soak...) gets its duration on top of the drain and start-up
    run_timeout = max(plan.run_timeout, plan.params.duration + 300)
    deadline = time.monotonic() + run_timeout
    lines: queue.Queue[str | None] = queue.Queue()
    assert proc.stdout is not None and proc.stdin is not None
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    timed_out = False
    try:
        while True:
            # a worker that goes silent (a swamped loop) still ends at the deadline
            try:
                line = lines.get(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() > deadline:
                    timed_out = True
                    proc.kill()
                    break
                continue
            if line is None:
                break
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "progress" in message:
                on_progress(spec, message["progress"])
            elif "control" in message:
                _control(message["control"], where)
                proc.stdin.write("done\n")
                proc.stdin.flush()
            elif "result" in message:
                result = message["result"]
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if result is None:
        if timed_out:
            return {**spec, "failed": f"no result within {run_timeout:.0f} s: killed"}
        errors.seek(0)
        stderr = errors.read()
        errors.close()
        tail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {proc.returncode}"
        return {**spec, "failed": tail}
    errors.close()
    return result


def _pump(stream: Any, lines: queue.Queue[str | None]) -> None:
    """Move a worker's stdout lines to a queue (None at the end)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _control(request: str, where: Target) -> None:
    if request == "restart":
        if where.server is None:
            return  # --url: not ours to restart; the workload reports restarted=false
        where.server.kill()
        time.sleep(0.5)
        where.server.restart()


def environment(where: Target) -> dict[str, Any]:
    """Facts about this run: date, machine, Python, server."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "server": where.name,
    }
