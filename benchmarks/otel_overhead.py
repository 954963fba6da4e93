"""OpenTelemetry overhead: burst of 100,000 SETs from 1,000 tasks, plain vs instrumented, alternating (median of 7).

    python benchmarks/otel_overhead.py   (needs opentelemetry-sdk; starts its own server)
"""
import asyncio
import statistics
import time

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import leanredis
from leanredis.server import RedisServer
from leanredis.telemetry import instrument


async def burst(r, n=100_000, c=1000):
    async def worker(k):
        for i in range(k): await r.set("k", "v")
    t=time.perf_counter(); await asyncio.gather(*(worker(n//c) for _ in range(c))); return n/(time.perf_counter()-t)
async def main(port):
    plain = leanredis.Redis(port=port); inst = leanredis.Redis(port=port)
    ins = instrument(inst, MeterProvider(metric_readers=[InMemoryMetricReader()]))
    await plain.ping(); await inst.ping()
    a=[];b=[]
    for _ in range(7):
        a.append(await burst(plain)); b.append(await burst(inst))
    print(f"plain {statistics.median(a):,.0f}/s  instrumented {statistics.median(b):,.0f}/s  ratio {statistics.median(b)/statistics.median(a):.3f}  samples {ins.samples}")
with RedisServer() as s:
    asyncio.run(main(s.port))
