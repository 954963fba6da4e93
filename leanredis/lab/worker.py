"""One lab run inside its own process: one client, one workload, one JSON result.

    python -m leanredis.lab.worker '<json spec>'

Talks to the runner over stdout (JSON lines: ``progress``, ``control``,
``result``) and stdin (the runner's answer to a ``control`` request).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..memory import allocator, rss_bytes
from .budget import budget
from .clients import Adapter, open_client, version
from .paced import overload, paced, restart
from .sampler import Counter, Sampler, ServerOps
from .soak import soak
from .vector import vector
from .workloads import Context, Params, burst, cached, churn, connected_clients, flood, pipeline

# every workload by name: the closed-loop ones (workloads.py), the open-loop ones (paced.py, soak.py), vector
RUNNERS: dict[str, Callable[[Context, Adapter], Awaitable[dict[str, Any]]]] = {
    "burst": burst, "pipeline": pipeline, "paced": paced, "flood": flood, "churn": churn, "overload": overload,
    "restart": restart, "cached": cached, "soak": soak, "vector": vector, "budget": budget,
}

_out_lock = threading.Lock()


def emit(kind: str, payload: Any) -> None:
    """One JSON line to the runner."""
    line = json.dumps({kind: payload})
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _progress(counter: Counter, sampler: Sampler, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        rss = rss_bytes() or 0
        emit("progress", {"done": counter.done, "errors": counter.errors, "rss_mb": round(rss / 2**20, 1),
                          "t": round(time.perf_counter() - sampler.started, 1)})


async def _control(request: str) -> None:
    emit("control", request)
    answer = await asyncio.to_thread(sys.stdin.readline)
    if not answer.strip():
        raise RuntimeError(f"the runner did not answer the {request!r} request")


async def _bounded(awaitable: Any, seconds: float) -> Any:
    """Await with a time limit, in the current task (asyncio.timeout where there is one)."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:  # Python 3.10: wait_for runs it in a task of its own
        return await asyncio.wait_for(awaitable, seconds)
    async with timeout(seconds):
        return await awaitable


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    params = Params(**spec["params"])
    counter = Counter()
    # a cluster run's commands and connections are counted on every primary
    nodes = [(str(host), int(port)) for host, port in spec.get("nodes") or [(spec["host"], spec["port"])]]
    sampler = Sampler(counter, interval=spec.get("sample_interval", 0.02), server=ServerOps(*nodes))
    options = {"timeout": params.timeout if spec["workload"] in ("overload", "restart", "soak") else None}
    if spec.get("trim") is not None and spec["client"] == "leanredis":
        options["trim"] = spec["trim"]
    if spec.get("max_memory_bytes") and spec["client"] == "leanredis":
        options["max_memory_bytes"] = spec["max_memory_bytes"]
    sampler.start()
    rss_start = sampler.now_mb()
    cluster = bool(spec.get("cluster"))
    client = await open_client(spec["client"], spec["host"], spec["port"], params.concurrency, options, cluster)
    rss_open = sampler.now_mb()
    stop = threading.Event()
    progress = threading.Thread(target=_progress, args=(counter, sampler, stop), daemon=True)
    progress.start()
    ctx = Context(spec["client"], spec["host"], spec["port"], params, counter, sampler, options, _control, cluster)
    error = None
    try:
        figures = await RUNNERS[spec["workload"]](ctx, client)
    except Exception as exc:  # a client that breaks is a result too: reported, not hidden
        figures = {"ops": 0, "seconds": 0, "throughput_ops_per_s": 0, "errors": {type(exc).__name__: 1},
                   "latency_ms": {"p50": None, "p99": None, "p999": None}}
        error = f"{type(exc).__name__}: {exc}"
    rss_end = sampler.now_mb()
    await asyncio.sleep(params.idle)
    rss_idle = sampler.now_mb()
    server_clients = await asyncio.to_thread(_connected_clients, nodes, sampler)
    try:
        # a client that fell behind may still hold a huge backlog: closing it is bounded too,
        # in this task (coredis must leave its context in the task that entered it)
        await _bounded(client.close(), 15)
    except Exception as exc:  # closing a broken or swamped client: keep the figures, note the failure
        error = error or f"close failed: {type(exc).__name__}: {exc}"
    stop.set()
    sampler.stop()
    return {
        "client": spec["client"], "cluster": cluster, "client_version": version(spec["client"]), "how": client.how,
        "workload": spec["workload"], "loop": spec["loop"],
        "allocator_requested": spec.get("allocator", "glibc"), "allocator_loaded": allocator(),
        "pymalloc": os.environ.get("PYTHONMALLOC", "") != "malloc",
        "trim": spec.get("trim"), "round": spec.get("round"), "max_memory_bytes": spec.get("max_memory_bytes"),
        "params": spec["params"], **figures,
        "rss_mb": {"start": rss_start, "after_open": rss_open, "peak": sampler.peak_mb(),
                   "end": rss_end, "idle": rss_idle},
        "server_connected_clients": server_clients, "error": error, "series": sampler.series(),
    }


def _connected_clients(nodes: list[tuple[str, int]], sampler: Sampler) -> int | None:
    """Clients connected to the server(s) of this run, the sampler's own INFO sockets left out."""
    total = 0
    for host, port in nodes:
        count = connected_clients(host, port)
        if count is None:
            return None
        if sampler.server is not None and sampler.server.holds_socket_to((host, port)):
            count -= 1
        total += count
    return total


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec["loop"] == "uvloop":
        import uvloop

        uvloop.install()
    loop = asyncio.new_event_loop()
    result = loop.run_until_complete(run(spec))
    emit("result", result)
    # Exit at once: tasks a client left behind (a backlog of thousands) would
    # otherwise be cancelled and awaited one by one by the loop's shutdown.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
