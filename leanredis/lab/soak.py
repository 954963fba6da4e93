"""The ``soak`` workload: arrivals at --qps for minutes through the lab's fault proxy, a fault in turn
every ``fault_every`` s; the RSS slope after warm-up and each fault's recovery.

Run by name only, never by ``all`` (it lasts minutes by design).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from .clients import Adapter, open_client
from .faultproxy import FaultProxy
from .paced import PacedState, run_paced
from .workloads import Context, server_command, slope_between


async def soak(ctx: Context, client: Adapter) -> dict[str, Any]:
    """Arrivals at --qps for --duration with a fault every ``fault_every`` s, in turn (``--soak-faults``
    chooses which, default all five): kill -9 and
    restart (the runner's ``control``), CLIENT PAUSE past the timeout, CLIENT KILL of every client,
    a black hole (the socket stops answering; new ones are accepted and never answered) and a reset
    storm (every socket reset, every new one reset at once), each ``soak_storm_s`` long.

    The load runs on a second client of the same kind connected through the lab's fault proxy
    (``faultproxy.py``, on this loop: it forwards whole reads, a few callbacks per loop iteration).

    Reports the RSS slope after warm-up (the first fifth, at most 30 s), the callers left without an
    outcome after the drain (must be 0) and, per fault, the recovery: from the fault until the backlog
    is within 10 ms of arrivals and no command failed for 100 ms (that quiet window included).
    """
    p = ctx.params
    faults: list[dict[str, Any]] = []
    s = ctx.sampler
    window_start = time.perf_counter() - s.started

    async def recovered(state: PacedState, t0: float, fault_end: float) -> float | None:
        give_up = fault_end + 30
        while time.perf_counter() < give_up:
            now = time.perf_counter()
            drained = ctx.counter.done + ctx.counter.errors >= state.started - p.qps * 0.01
            quiet = state.last_error is None or now - state.last_error >= 0.1
            if now >= fault_end and drained and quiet:
                return round(now - t0, 3)
            await asyncio.sleep(0.005)
        return None

    async def inject(state: PacedState) -> None:
        start = time.perf_counter()
        at = start + p.fault_every
        index = 0
        while at < start + p.duration:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            at += p.fault_every
            kind = p.soak_faults[index % len(p.soak_faults)]
            index += 1
            t0 = time.perf_counter()
            errors_before = ctx.counter.errors
            rss_before, blocks_before = s.now_mb(), sys.getallocatedblocks()
            if kind == "restart":
                if ctx.control is None:
                    continue
                await ctx.control("restart")
                fault_end = time.perf_counter()
            elif kind in ("blackhole", "reset-storm"):
                proxy.mode = "blackhole" if kind == "blackhole" else "reset"
                proxy.abort_connections()  # the live socket dies; the client reconnects into the fault
                await asyncio.sleep(min(p.soak_storm_s, p.fault_every / 2))
                proxy.mode = "forward"
                proxy.abort_connections()  # a black-holed socket (or handshake) is let go of now
                fault_end = time.perf_counter()
            elif kind == "pause":
                await asyncio.to_thread(server_command, ctx.host, ctx.port,
                                        "CLIENT", "PAUSE", str(p.soak_pause_ms), "ALL")
                fault_end = t0 + p.soak_pause_ms / 1000
            else:
                await asyncio.to_thread(server_command, ctx.host, ctx.port, "CLIENT", "KILL", "TYPE", "normal")
                fault_end = time.perf_counter()
            recovery = await recovered(state, t0, fault_end)
            # an RSS step with the live objects back where they were is memory the allocators kept
            # (pymalloc arenas a few survivors pin, glibc's free heap), not objects the client holds
            faults.append({"kind": kind, "at_s": round(t0 - start, 1), "recovery_s": recovery,
                           "failed_commands": ctx.counter.errors - errors_before,
                           "rss_step_mb": round(s.now_mb() - rss_before, 1),
                           "live_blocks_step": sys.getallocatedblocks() - blocks_before})

    proxy = await FaultProxy(ctx.port, host=ctx.host).start()
    try:
        proxied = await open_client(ctx.client_name, ctx.host, proxy.port, p.concurrency, ctx.client_options)
        try:
            figures, _ = await run_paced(ctx, proxied, p.qps, p.duration, inject)
        finally:
            await asyncio.wait_for(proxied.close(), 15)
    finally:
        await proxy.aclose()
    warm_up = min(30.0, p.duration / 5)
    slope = slope_between(s.t, s.rss_mb, window_start + warm_up, window_start + figures["seconds"])
    recoveries = [f["recovery_s"] for f in faults if f["recovery_s"] is not None]
    figures.update({
        "rss_growth_mb_per_min": round(slope * 60, 3) if slope is not None else None,
        "callers_without_outcome": figures["unfinished_after_drain"],
        "faults": faults,
        "unrecovered_faults": sum(1 for f in faults if f["recovery_s"] is None),
        "recovery_s": max(recoveries) if recoveries else None,  # the worst one, for the table
    })
    return figures
