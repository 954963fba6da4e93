"""What a timed-out command costs the client beside one that succeeds, in CPU seconds per command.

    python benchmarks/timeout_cost.py [N] [--prof]

N GETs from one gather that succeed, then N that time out (the private server held by CLIENT PAUSE, a 1 s
timeout). A failure must cost less than a success: a client behind its arrivals (a loop starved of CPU,
a stall) fails most of what it holds, and if failing is dearer it falls further behind. ``--prof`` prints
cProfile's top functions of the failing half.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import leanredis  # noqa: E402
from leanredis.server import RedisServer  # noqa: E402


async def main(port: int, n: int, profile: bool) -> None:
    ok_client = leanredis.Redis(port=port, socket_timeout=30)
    failing = leanredis.Redis(port=port, socket_timeout=1.0)
    control = leanredis.Redis(port=port)
    try:
        for client in (ok_client, failing, control):
            await client.ping()
        started = time.process_time()
        await asyncio.gather(*(ok_client.get("k") for _ in range(n)))
        ok_cpu = time.process_time() - started
        await control.execute_command("CLIENT", "PAUSE", "3000", "ALL")
        prof = cProfile.Profile() if profile else None
        started = time.process_time()
        if prof is not None:
            prof.enable()
        results = await asyncio.gather(*(failing.get("k") for _ in range(n)), return_exceptions=True)
        if prof is not None:
            prof.disable()
        failed_cpu = time.process_time() - started
        timed_out = sum(isinstance(r, leanredis.TimeoutError) for r in results)
        print(f"succeeded: {ok_cpu / n * 1e6:.1f} us/command; timed out ({timed_out} of {n}): "
              f"{failed_cpu / n * 1e6:.1f} us/command ({failed_cpu / ok_cpu:.2f}x)")
        if prof is not None:
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        await control.execute_command("CLIENT", "UNPAUSE")
    finally:
        for client in (ok_client, failing, control):
            await client.aclose()


if __name__ == "__main__":
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), 100_000))
    with RedisServer() as server:
        asyncio.run(main(server.port, count, "--prof" in sys.argv))
