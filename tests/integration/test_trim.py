"""Release to the OS (DESIGN rule 6): after a burst, an idle connection calls malloc_trim(0) on glibc."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from leanredis import memory
from leanredis.server import RedisServer

pytestmark = pytest.mark.slow

SCRIPT = """
import asyncio, json, sys
import leanredis
from leanredis import memory

async def main(port, trim):
    r = leanredis.Redis(host="127.0.0.1", port=port, trim_idle=trim, trim_idle_delay=0.3)
    await r.ping()
    value = b"x" * 100
    await asyncio.gather(*[r.set(b"k:%d" % i, value) for i in range(150_000)])
    peak = memory.rss_bytes()
    # idle: the trim comes one trim_idle_delay after the last write; on a busy machine that can
    # take longer than 1.2 s, so wait for it (up to 6 s) rather than for a fixed time
    for _ in range(60 if trim else 12):
        await asyncio.sleep(0.1)
        if r.stats()["trims"]:
            break
    stats = r.stats()
    busy_trims = stats["trims"]
    await r.aclose()
    print(json.dumps({"peak": peak, "idle": memory.rss_bytes(), "trims": busy_trims,
                      "trimmed": stats["trimmed_bytes"]}))

asyncio.run(main(int(sys.argv[1]), sys.argv[2] == "on"))
"""


def _run(port: int, trim: str) -> dict[str, int]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(port), trim], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_idle_connection_trims_once_after_a_burst_and_rss_drops(redis_server: RedisServer) -> None:
    if memory.allocator() != "glibc":
        pytest.skip("malloc_trim applies to glibc")
    on = _run(redis_server.port, "on")
    off = _run(redis_server.port, "off")
    assert on["trims"] == 1 and off["trims"] == 0
    assert on["trimmed"] > 1024 * 1024  # trim itself gave at least 1 MB back
    assert off["trimmed"] == 0


async def test_no_trim_while_commands_keep_coming(redis_server: RedisServer) -> None:
    import asyncio

    import leanredis

    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, trim_idle_delay=0.2,
                               trim_min_growth=0) as r:
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.0
        while loop.time() < end:  # busy for five delays: never idle for a whole one
            await r.set("k", "v")
            await asyncio.sleep(0.01)
        assert r.stats()["trims"] == 0
        await asyncio.sleep(0.5)  # now idle for more than a delay
        expected = 1 if memory.allocator() == "glibc" else 0
        assert r.stats()["trims"] == expected
