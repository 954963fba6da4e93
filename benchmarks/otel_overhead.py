"""OpenTelemetry's cost: a burst of 100,000 SETs from 1,000 tasks, plain and instrumented, alternating.

    python benchmarks/otel_overhead.py [--reps 7]   (needs opentelemetry-sdk; starts its own server)

Prints the median throughput of each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import leanredis  # noqa: E402
from leanredis.server import RedisServer  # noqa: E402


async def burst(client: leanredis.Redis, n: int = 100_000, tasks: int = 1_000) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            await client.set("k", "v")

    started = time.perf_counter()
    await asyncio.gather(*(worker(n // tasks) for _ in range(tasks)))
    return n / (time.perf_counter() - started)


async def main(port: int, reps: int) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from leanredis.telemetry import instrument

    plain = leanredis.Redis(port=port)
    measured = leanredis.Redis(port=port)
    instrumentation = instrument(measured, MeterProvider(metric_readers=[InMemoryMetricReader()]))
    await plain.ping()
    await measured.ping()
    plain_rates: list[float] = []
    measured_rates: list[float] = []
    for _ in range(reps):
        plain_rates.append(await burst(plain))
        measured_rates.append(await burst(measured))
    a, b = statistics.median(plain_rates), statistics.median(measured_rates)
    print(f"plain {a:,.0f}/s  instrumented {b:,.0f}/s  ratio {b / a:.3f}  samples {instrumentation.samples}")
    instrumentation.stop()
    await plain.aclose()
    await measured.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    with RedisServer() as server:
        asyncio.run(main(server.port, args.reps))
