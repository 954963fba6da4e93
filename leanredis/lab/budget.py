"""The ``budget`` workload: mixed values at a paced rate, bursts past the budget, one hostile 1 GiB reply.

What the one memory budget (``max_memory_bytes``) is for, run the same way
for each client: arrivals at ``budget_qps`` (open loop, as ``paced``) of SETs
and GETs whose values follow a fixed seeded distribution of sizes, mostly
100 B and some up to 256 KB; every ``budget_burst_every`` seconds a burst of
``budget_burst`` SETs of one 256 KB value started at once (96 MiB by default,
past the budget of the leanredis run that has one); and, after the first
burst past half the window, one GET answered by a fake server on 127.0.0.1 with a ``$1073741824`` header followed
by bytes at full speed. leanredis refuses that reply at its header with
``ReplyTooLargeError``; the next command on the same client is answered.

The runner runs leanredis twice (with ``max_memory_bytes=budget_bytes`` and
with its default) beside every other client. For leanredis the workload
samples ``stats()["memory"]`` on the loop beside the sampler's RSS; the chart
(budget_report.py) stacks those parts under the RSS line, one panel per run.

Run by name only, never by ``all`` (it lasts ``--duration`` seconds, and a
client that reads the hostile reply holds up to ``HOSTILE_CAP`` bytes of it).
Every loop is bounded in count and in time: arrivals by ``budget_qps x
duration`` and the window, outstanding commands by ``budget_outstanding``
(arrivals past it are shed and counted), bursts by the window (one at a time),
the hostile stream by ``HOSTILE_CAP`` bytes and ``HOSTILE_HOLD`` seconds.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from array import array
from collections import Counter as Tally
from typing import Any

from ..budget import PARTS
from ..resp.parser import PythonParser
from .clients import Adapter, open_client
from .workloads import Context, Histogram

# the value sizes and their shares of the SETs (mean about 1.8 KB); GET_SHARE of the arrivals read a key just set
SIZES = (100, 1024, 16 * 1024, 64 * 1024, 256 * 1024)
WEIGHTS = (85.0, 10.0, 4.0, 0.9, 0.1)
GET_SHARE = 0.2
SEED = 20
SCHEDULE = 10_000  # arrivals before the seeded sequence of sizes repeats
KEYSPACE = 20_000  # keys the paced SETs cycle through: the server's memory stays bounded too

HOSTILE_KEY = b"lab:hostile"
ANNOUNCED = 1 << 30  # the hostile bulk string's header: $1073741824
HOSTILE_CAP = 256 * 1024 * 1024  # bytes the fake sends at most after the header (a client that reads them holds them)
HOSTILE_HOLD = 10.0  # seconds the fake keeps a hostile connection at most
HOSTILE_WAIT = 5.0  # seconds the workload waits for the hostile GET's outcome before giving up on it
MiB = 1 << 20


def schedule(seed: int = SEED, length: int = SCHEDULE) -> array[int]:
    """The arrivals' operations, the same on every run: -1 for a GET, else the index in SIZES of a SET's value."""
    rnd = random.Random(seed)
    codes = array("b")
    for _ in range(length):
        if rnd.random() < GET_SHARE:
            codes.append(-1)
        else:
            codes.append(rnd.choices(range(len(SIZES)), WEIGHTS)[0])
    return codes


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _hello(version: int) -> bytes:
    """A plausible HELLO answer: a RESP3 map for HELLO 3, a RESP2 array otherwise."""
    pairs = [(b"server", _bulk(b"redis")), (b"version", _bulk(b"7.0.0")), (b"proto", b":%d\r\n" % version),
             (b"id", b":1\r\n"), (b"mode", _bulk(b"standalone")), (b"role", _bulk(b"master")), (b"modules", b"*0\r\n")]
    head = b"%%%d\r\n" % len(pairs) if version == 3 else b"*%d\r\n" % (2 * len(pairs))
    return head + b"".join(_bulk(k) + v for k, v in pairs)


class HostileServer:
    """A fake server on 127.0.0.1: a plausible answer to every command (the handshakes of the lab's clients
    included), but to a GET of ``HOSTILE_KEY`` a ``$1073741824`` header and then bytes at full speed, up to
    ``HOSTILE_CAP`` and for ``HOSTILE_HOLD`` s at most, until the client drops the connection.

    ``sent`` counts the bytes written after the header (the kernel's buffers hold some that the client never
    read); ``dropped`` is set when the client closed the hostile connection before the hold ended.
    """

    def __init__(self) -> None:
        self.sent = 0
        self.dropped = False
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):  # Python 3.11's server does not close its clients' sockets
            writer.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        parser = PythonParser()
        try:
            while data := await reader.read(65536):
                parser.feed(data)
                for _ in range(10_000):  # the commands of one read at most
                    command = parser.gets()
                    if command is False:
                        break
                    name = command[0].upper() if command else b""
                    if name == b"GET" and command[1:] == [HOSTILE_KEY]:
                        await self._stream(reader, writer)
                        return
                    if name == b"HELLO":
                        writer.write(_hello(int(command[1]) if len(command) > 1 else 2))
                    elif name == b"PING":
                        writer.write(b"+PONG\r\n")
                    else:
                        writer.write(_bulk(b"v") if name == b"GET" else b"+OK\r\n")
                await writer.drain()
        except OSError:
            pass  # the client dropped the socket: nothing left to answer
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOSTILE_HOLD
        chunk = bytes(64 * 1024)
        writer.write(b"$%d\r\n" % ANNOUNCED)
        try:
            while self.sent < HOSTILE_CAP and loop.time() < deadline and not writer.transport.is_closing():
                writer.write(chunk)
                self.sent += len(chunk)
                await writer.drain()
            # then silence, the reply unfinished, until the client lets go of the socket (or the hold ends)
            while loop.time() < deadline:
                if not await asyncio.wait_for(reader.read(65536), deadline - loop.time()):
                    break
        except (OSError, asyncio.TimeoutError):
            pass  # OSError: the client dropped the socket; TimeoutError: the hold ended
        self.dropped = loop.time() < deadline


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def _hostile(ctx: Context, at: float) -> dict[str, Any]:
    """One GET answered by ``HostileServer`` on a second client of the same kind and options, then the next
    command on that client; what happened, how fast, and the RSS step."""
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    s = ctx.sampler
    fake = await HostileServer().start()
    try:
        client = await open_client(ctx.client_name, "127.0.0.1", fake.port, 1, ctx.client_options)
        try:
            rss_before = s.now_mb()
            first = len(s.rss_mb)
            t0 = time.perf_counter()
            # a task of its own: asyncio.wait takes tasks, and leanredis's command futures pass for coroutines too
            get = asyncio.get_running_loop().create_task(_awaited(client.get(HOSTILE_KEY)))
            done, _ = await asyncio.wait({get}, timeout=HOSTILE_WAIT)
            seconds = time.perf_counter() - t0
            if not done:
                get.cancel()
                outcome, message = "no outcome", f"no outcome within {HOSTILE_WAIT:g} s: given up (cancelled)"
            elif get.exception() is not None:
                exc = get.exception()
                outcome, message = type(exc).__name__, str(exc)
            else:
                outcome, message = "answered", f"a reply of {len(get.result() or b'')} bytes"
            rss_peak = max(s.rss_mb[first:], default=rss_before)  # a slice: the sampler thread appends
            refused_by = next((bound for bound in ("max_memory_bytes", "max_reply_bytes") if bound in message), None)
            try:
                after = await asyncio.wait_for(asyncio.ensure_future(client.get(b"lab:after")), 5)
                next_command = "ok" if after in (b"v", "v") else f"unexpected reply {after!r}"
            except Exception as exc:  # the result to report: the client did not serve the next command
                next_command = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            await asyncio.wait_for(client.close(), 15)
    finally:
        await fake.aclose()
    return {
        "at_s": round(t0 - s.started, 2), "announced": ANNOUNCED, "outcome": outcome, "message": message[:300],
        "refused_by": refused_by, "seconds": round(seconds, 3), "bytes_sent_mb": round(fake.sent / MiB, 1),
        "rss_step_mb": round(max(rss_peak, s.now_mb()) - rss_before, 1), "next_command": next_command,
    }


class _Done:
    """Done-callback of one paced command: latency from its scheduled start, failures by type."""

    __slots__ = ("scheduled", "state")

    def __init__(self, scheduled: float, state: _State) -> None:
        self.scheduled = scheduled
        self.state = state

    def __call__(self, fut: asyncio.Future[Any]) -> None:
        state = self.state
        exc = None if fut.cancelled() else fut.exception()
        if fut.cancelled() or exc is not None:
            state.errors["CancelledError" if exc is None else type(exc).__name__] += 1
            state.failed += 1
            state.ctx.counter.errors += 1
        else:
            state.hist.record(time.perf_counter() - self.scheduled)
            state.done += 1
            state.ctx.counter.done += 1


class _State:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.hist = Histogram()
        self.errors: Tally[str] = Tally()
        self.done = self.failed = 0


class _Parts:
    """``stats()["memory"]`` of a leanredis client every ``interval`` s, on the loop (in typed arrays)."""

    def __init__(self, client: Any, started: float, interval: float = 0.02) -> None:
        self.client, self.started, self.interval = client, started, interval
        self.t = array("d")
        self.parts = {name: array("q") for name in PARTS}
        self.total = array("q")
        self.limit = 0

    def sample(self) -> None:
        stats = self.client.stats()
        self.t.append(round(time.perf_counter() - self.started, 4))
        for name in PARTS:
            self.parts[name].append(stats["memory"][name])
        self.total.append(stats["memory_bytes"])
        self.limit = stats["max_memory_bytes"]

    async def run(self, until: float) -> None:
        while time.perf_counter() < until:
            self.sample()
            await asyncio.sleep(self.interval)

    def series(self, max_points: int = 600) -> dict[str, Any]:
        """The samples in MB, thinned to at most ``max_points`` (keeping the highest sum)."""
        n = len(self.t)
        keep: list[int] = list(range(n))
        if n > max_points:
            highest = max(range(n), key=self.total.__getitem__)
            keep = sorted({int(i * n / max_points) for i in range(max_points)} | {highest, n - 1})
        return {"t": [self.t[i] for i in keep],
                "parts_mb": {name: [round(values[i] / MiB, 3) for i in keep] for name, values in self.parts.items()}}


async def budget(ctx: Context, adapter: Adapter) -> dict[str, Any]:
    """Mixed SETs and GETs at ``budget_qps`` with bursts past the budget and one hostile reply; see the module."""
    p = ctx.params
    loop = asyncio.get_running_loop()
    clock = time.perf_counter
    codes = schedule()
    values = [os.urandom(size) for size in SIZES]
    large = values[-1]
    state = _State(ctx)
    lean = adapter.client if ctx.client_name == "leanredis" else None  # type: ignore[attr-defined]
    parts = _Parts(lean, ctx.sampler.started) if lean is not None else None
    bursts: list[dict[str, Any]] = []
    burst_errors: Tally[str] = Tally()

    async def one_burst() -> None:
        t0 = clock()
        futures = [asyncio.ensure_future(adapter.set(b"bud:burst:%d" % j, large)) for j in range(p.budget_burst)]
        if parts is not None:
            parts.sample()  # what the burst's calls took at once, before the loop writes any of it
        try:
            await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), max(30.0, p.duration))
        except asyncio.TimeoutError:
            pass  # the ones still unfinished were cancelled with the gather: counted below
        late = sum(1 for f in futures if f.cancelled())
        failed = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception() is not None]
        burst_errors.update(type(e).__name__ for e in failed)
        bursts.append({"at_s": round(t0 - ctx.sampler.started, 2), "sets": p.budget_burst,
                       "seconds": round(clock() - t0, 3), "failed": len(failed), "unfinished": late})

    async def burster(start: float) -> dict[str, Any]:
        """The bursts, one at a time (one not finished by the next one's time delays it), and the hostile reply
        between two of them, once half the window has passed: its RSS step is its own, not a burst's."""
        at = start + p.budget_burst_every
        hostile: dict[str, Any] | None = None
        while at < start + p.duration:
            await asyncio.sleep(max(0.0, at - clock()))
            await one_burst()
            if hostile is None and clock() >= start + p.duration / 2:
                hostile = await _hostile(ctx, clock())
            at = max(at + p.budget_burst_every, clock())
        return hostile if hostile is not None else await _hostile(ctx, start + p.duration / 2)

    start = clock()
    burst_task = loop.create_task(burster(start))
    parts_task = loop.create_task(parts.run(start + p.duration + 45)) if parts is not None else None
    qps, total = p.budget_qps, int(p.budget_qps * p.duration)
    arrivals = issued = shed = 0
    while arrivals < total and clock() - start < p.duration:
        due = min(total, int((clock() - start) * qps) + 1)
        while arrivals < due:
            if issued - state.done - state.failed >= p.budget_outstanding:
                shed += due - arrivals  # a service with this many requests open turns the rest away
                arrivals = due
                break
            code = codes[arrivals % SCHEDULE]
            try:
                if code < 0:
                    fut = asyncio.ensure_future(adapter.get(b"bud:%d" % ((arrivals - 1) % KEYSPACE)))
                else:
                    fut = asyncio.ensure_future(adapter.set(b"bud:%d" % (arrivals % KEYSPACE), values[code]))
            except Exception as exc:  # refused at the call (e.g. OverloadError under "fail")
                state.errors[type(exc).__name__] += 1
                state.failed += 1
            else:
                fut.add_done_callback(_Done(start + arrivals / qps, state))
            arrivals += 1
            issued += 1
        await asyncio.sleep(0.001)
    window = clock() - start
    done_in_window = state.done
    drain_deadline = clock() + 10
    while state.done + state.failed < issued and clock() < drain_deadline:
        await asyncio.sleep(0.01)
    try:
        hostile = await burst_task
    except Exception as exc:  # the lab's own part failed (the fake, or the second client's open): say so
        hostile = {"outcome": "not run", "message": f"{type(exc).__name__}: {exc}"[:300], "next_command": None}
    if parts_task is not None:
        parts_task.cancel()
    figures: dict[str, Any] = {
        "ops": issued, "seconds": round(window, 3), "target_qps": qps,
        "throughput_ops_per_s": round(done_in_window / window) if window else 0,
        "achieved_ratio": round(done_in_window / max(1, total), 4),
        "latency_ms": state.hist.summary(), "errors": dict(state.errors + burst_errors),
        "unfinished_after_drain": issued - state.done - state.failed,
    }
    sets = [SIZES[c] for c in codes if c >= 0]
    info: dict[str, Any] = {
        "max_memory_bytes": ctx.client_options.get("max_memory_bytes"), "limit_bytes": None,
        "sizes": list(SIZES), "weights": list(WEIGHTS), "get_share": GET_SHARE,
        "mean_set_bytes": round(sum(sets) / max(1, len(sets))), "shed": shed,
        "outstanding_cap": p.budget_outstanding, "bursts": bursts, "hostile": hostile,
        "peak_memory_bytes": None, "memory_high_bytes": None, "parts_peak_bytes": None,
    }
    if parts is not None and lean is not None:
        parts.sample()
        stats = lean.stats()
        info.update({
            "limit_bytes": parts.limit, "peak_memory_bytes": max(parts.total),
            "memory_high_bytes": stats["memory_high_bytes"], "memory_refusals": stats["memory_refusals"],
            "parts_peak_bytes": {name: max(values) for name, values in parts.parts.items()},
            "series": parts.series(),
        })
    figures["budget"] = info
    return figures
