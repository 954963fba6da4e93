"""The pipeline ruler: the least a Python asyncio client can do for an explicit pipeline.

The single-command ruler (../shared/bench/limit_proto.py) in the shape of
``pipe = r.pipeline(); pipe.set(...); ...; await pipe.execute()``: each
recorded command is encoded at once into the pipeline's one buffer
(``hiredis.pack_command``), ``execute`` hands the buffer to the connection
(one ``transport.write`` per loop tick, as the burst ruler), and the
connection reads the replies with hiredis into one list and resolves one
future per pipeline. No per-command object, no parsing of replies, no
error handling, no MULTI/EXEC: it is not a client, it is a ruler.

  python limit_pipeline.py --port 6390 [--n 300000] [--shape set|get|both]
                           [--size 1000|100] [--tasks 50] [--value-size 100]
                           [--loop asyncio|uvloop]

Shapes (the two of redis.asyncio code seen most):

- ``set``: one task running pipelines of --size (1,000) SETs one after another;
- ``get``: --tasks (50) tasks, each running pipelines of --size (100) GETs.

Prints one JSON line per shape: commands per second. ``benchmarks/perf.py``
imports this module for its ``pipe-set``/``pipe-get`` modes (client
``limit``), so that the ruler and the clients run the same driver code.
Needs: hiredis (and uvloop for --loop uvloop).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import time
from typing import Any

import hiredis

pack = hiredis.pack_command


class Conn(asyncio.Protocol):
    """One socket: pipelines' bytes out once per tick, their replies in, one future per pipeline."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.out = bytearray()
        self.pending: collections.deque[tuple[asyncio.Future[list[Any]], int, list[Any]]] = collections.deque()
        self.reader = hiredis.Reader()
        self.flush_scheduled = False
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        reader.feed(data)
        pending = self.pending
        while (reply := reader.gets()) is not False:
            fut, count, replies = pending[0]
            replies.append(reply)
            if len(replies) == count:
                pending.popleft()
                if not fut.cancelled():
                    fut.set_result(replies)

    def _flush(self) -> None:
        self.flush_scheduled = False
        self.transport.write(self.out)
        self.out = bytearray()

    def send(self, buffer: bytearray, count: int) -> asyncio.Future[list[Any]]:
        """Queue ``count`` encoded commands; the future resolves to their ``count`` replies."""
        self.out += buffer
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop.call_soon(self._flush)
        fut = self.loop.create_future()
        self.pending.append((fut, count, []))
        return fut

    def pipeline(self) -> Pipe:
        return Pipe(self)


class Pipe:
    """Records commands as bytes; ``execute()`` sends them and returns their replies."""

    __slots__ = ("conn", "buffer", "count")

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.buffer = bytearray()
        self.count = 0

    def set(self, key: bytes, value: bytes) -> Pipe:
        self.buffer += pack((b"SET", key, value))
        self.count += 1
        return self

    def get(self, key: bytes) -> Pipe:
        self.buffer += pack((b"GET", key))
        self.count += 1
        return self

    def execute(self) -> asyncio.Future[list[Any]]:
        buffer, count = self.buffer, self.count
        self.buffer = bytearray()
        self.count = 0
        if not count:
            fut = self.conn.loop.create_future()
            fut.set_result([])
            return fut
        return self.conn.send(buffer, count)


async def open_conn(port: int) -> tuple[Any, Conn]:
    loop = asyncio.get_running_loop()
    return await loop.create_connection(lambda: Conn(loop), "127.0.0.1", port)


async def get_worker(conn: Conn, keys: list[bytes], first: int, n: int, size: int, step: int) -> None:
    for start in range(first, n, step):
        pipe = conn.pipeline()
        for i in range(start, min(n, start + size)):
            pipe.get(keys[i % 1000])
        await pipe.execute()


async def main(a: argparse.Namespace) -> None:
    transport, conn = await open_conn(a.port)
    value = os.urandom(a.value_size)
    keys = [b"k:%d" % i for i in range(1000)]
    await conn.pipeline().set(keys[0], value).execute()
    for shape in ("set", "get") if a.shape == "both" else (a.shape,):
        size = a.size or (1000 if shape == "set" else 100)
        t0 = time.perf_counter()
        if shape == "set":
            for start in range(0, a.n, size):
                pipe = conn.pipeline()
                for i in range(start, min(a.n, start + size)):
                    pipe.set(keys[i % 1000], value)
                await pipe.execute()
        else:
            step = size * a.tasks
            await asyncio.gather(*(get_worker(conn, keys, j * size, a.n, size, step) for j in range(a.tasks)))
        rate = a.n / (time.perf_counter() - t0)
        print(json.dumps({"client": "limit-pipeline", "shape": shape, "size": size, "loop": a.loop, "n": a.n,
                          "tasks": 1 if shape == "set" else a.tasks, "ops_per_s": round(rate)}), flush=True)
    transport.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--shape", choices=["set", "get", "both"], default="both")
    p.add_argument("--size", type=int, default=0, help="commands per pipeline (default: 1,000 SETs, 100 GETs)")
    p.add_argument("--tasks", type=int, default=50, help="get shape: tasks each running pipelines")
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = p.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    asyncio.run(main(args))
