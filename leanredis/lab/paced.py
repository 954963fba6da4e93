"""The open-loop workloads: arrivals at --qps as a real service's traffic comes (``paced``), through
CLIENT PAUSE windows (``overload``), across a server restart (``restart``); the soak (lab/soak.py)
runs its faults beside the same arrivals.

Commands start on schedule at ``qps`` whether or not the earlier ones have
finished; their latency counts from the scheduled start, so a client that
falls behind shows it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter as Tally
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from .clients import Adapter
from .sampler import Counter
from .workloads import Context, Histogram, server_command, slope_between


class _Timing:
    """Done-callback of one paced command: latency from its scheduled start."""

    __slots__ = ("scheduled", "state")

    def __init__(self, scheduled: float, state: PacedState) -> None:
        self.scheduled = scheduled
        self.state = state

    def __call__(self, fut: asyncio.Future[Any]) -> None:
        state = self.state
        if fut.cancelled():
            state.errors["CancelledError"] += 1
            state.counter.errors += 1
        elif fut.exception() is not None:
            state.errors[type(fut.exception()).__name__] += 1
            state.counter.errors += 1
            state.last_error = time.perf_counter()
        else:
            state.hist.record(time.perf_counter() - self.scheduled)
            state.counter.done += 1


@dataclass
class PacedState:
    """What the paced arrivals count as they finish; the soak's fault injector reads it (lab/soak.py)."""

    counter: Counter
    hist: Histogram = field(default_factory=Histogram)
    errors: Tally[str] = field(default_factory=Tally)
    last_error: float | None = None
    started: int = 0


Beside = Callable[["PacedState"], Coroutine[Any, Any, None]]


async def run_paced(ctx: Context, client: Adapter, qps: int, duration: float,
                 during: Beside | None = None) -> tuple[dict[str, Any], PacedState]:
    """Open-loop arrivals at ``qps`` for ``duration`` s: started on schedule, finished or not."""
    p = ctx.params
    value = os.urandom(p.value_size)
    state = PacedState(ctx.counter)
    loop = asyncio.get_running_loop()
    clock = time.perf_counter
    started_count = 0
    total = int(qps * duration)

    async def handler(key: bytes, scheduled: float) -> None:
        try:
            await client.set(key, value)
        except Exception as exc:  # counted, like a service would count a failed request
            state.errors[type(exc).__name__] += 1
            ctx.counter.errors += 1
            state.last_error = clock()
            return
        state.hist.record(clock() - scheduled)
        ctx.counter.done += 1

    side: asyncio.Task[None] | None = loop.create_task(during(state)) if during is not None else None
    start = clock()
    while started_count < total:
        now = clock()
        if now - start >= duration:
            break  # a client that starves the loop falls behind: the window still ends on time
        due = min(total, int((now - start) * qps) + 1)
        while started_count < due:
            scheduled = start + started_count / qps
            key = b"k:%d" % (started_count % 1_000_000)
            if p.handler_tasks:
                loop.create_task(handler(key, scheduled))
            else:
                try:
                    fut = asyncio.ensure_future(client.set(key, value))
                except Exception as exc:  # refused at the call (e.g. a full queue)
                    state.errors[type(exc).__name__] += 1
                    ctx.counter.errors += 1
                else:
                    fut.add_done_callback(_Timing(scheduled, state))
            started_count += 1
        state.started = started_count
        await asyncio.sleep(0.001)
    window = clock() - start
    done_in_window = ctx.counter.done
    pending_at_end = started_count - ctx.counter.done - ctx.counter.errors
    drain_deadline = clock() + max(5.0, p.timeout * 3)
    while ctx.counter.done + ctx.counter.errors < started_count and clock() < drain_deadline:
        await asyncio.sleep(0.01)
    if side is not None:
        await side
    figures = {
        "ops": started_count, "seconds": round(window, 3), "target_qps": qps,
        "throughput_ops_per_s": round(done_in_window / window),
        "achieved_ratio": round(done_in_window / max(1, total), 4),  # of the target, not of what was started
        "started": started_count,
        "pending_at_end": pending_at_end,
        "unfinished_after_drain": started_count - ctx.counter.done - ctx.counter.errors,
        "latency_ms": state.hist.summary(), "errors": dict(state.errors),
        "mode": "handler task per arrival" if p.handler_tasks else "command fired on schedule",
    }
    return figures, state


async def paced(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Open-loop arrivals at --qps for --duration: a real service's traffic."""
    s = ctx.sampler
    window_start = time.perf_counter() - s.started
    figures, _ = await run_paced(ctx, client, ctx.params.qps, ctx.params.duration)
    # growth over the second half of the arrival window (warm-up and drain left out)
    first = window_start + ctx.params.duration / 2
    last = window_start + figures["seconds"]
    slope = slope_between(s.t, s.rss_mb, first, last)
    figures["rss_growth_mb_per_min"] = round(slope * 60, 3) if slope is not None else None
    return figures


async def overload(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Arrivals at --qps while the server stalls in CLIENT PAUSE windows."""
    p = ctx.params
    recovery: list[float] = []

    async def pauses(state: PacedState) -> None:
        start = time.perf_counter()
        at = start + p.pause_every / 2
        last_end = None
        while at + p.pause_ms / 1000 < start + p.duration:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            await asyncio.to_thread(server_command, ctx.host, ctx.port, "CLIENT", "PAUSE", str(p.pause_ms), "ALL")
            last_end = time.perf_counter() + p.pause_ms / 1000
            at += p.pause_every
        if last_end is None:
            return
        # recovery: from the end of the last pause until the backlog is gone (10 ms of arrivals left)
        await asyncio.sleep(max(0.0, last_end - time.perf_counter()))
        give_up = last_end + p.duration + 10
        while time.perf_counter() < give_up:
            if ctx.counter.done + ctx.counter.errors >= state.started - p.qps * 0.01:
                recovery.append(time.perf_counter() - last_end)
                return
            await asyncio.sleep(0.005)

    figures, _ = await run_paced(ctx, client, p.qps, p.duration, pauses)
    figures["pause_windows"] = {"ms": p.pause_ms, "every_s": p.pause_every}
    figures["recovery_s"] = round(recovery[0], 3) if recovery else None
    return figures


async def restart(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Arrivals at a quarter of --qps; the server is killed and restarted a third of the way in."""
    p = ctx.params
    kill_at: list[float] = []

    async def kill(state: PacedState) -> None:
        await asyncio.sleep(p.duration / 3)
        if ctx.control is None:
            return
        kill_at.append(time.perf_counter())
        await ctx.control("restart")

    qps = max(1000, p.qps // 4)
    rss_before = ctx.sampler.now_mb()
    figures, state = await run_paced(ctx, client, qps, p.duration, kill)
    figures["restarted"] = bool(kill_at)
    # recovery: from the kill to the last failed command (after it, every command succeeded);
    # None when nothing failed: a client whose commands hang instead has not shown a recovery
    figures["recovery_s"] = None
    if kill_at and state.last_error is not None and state.last_error >= kill_at[0]:
        figures["recovery_s"] = round(state.last_error - kill_at[0], 3)
    figures["rss_before_restart_mb"] = rss_before
    return figures
