"""OpenTelemetry metrics read through the SDK's in-memory reader, against a real server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import leanredis
from leanredis import CacheConfig
from leanredis.server import RedisServer

pytest.importorskip("opentelemetry.sdk.metrics")

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402

from leanredis.telemetry import instrument  # noqa: E402


def collect(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    points: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points.setdefault(metric.name, []).extend(metric.data.data_points)
    return points


async def test_metrics_follow_the_database_client_conventions(redis_server: RedisServer) -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    client = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, protocol=3, cache_config=CacheConfig(), socket_timeout=5
    )
    plain = client._send  # the cache's sender (under protocol=3's reply shapes)
    instrumentation = instrument(client, provider, samples_per_second=200)
    try:
        await client.set("otel", "v")
        loop = asyncio.get_running_loop()
        end = loop.time() + 0.5
        while loop.time() < end:
            await asyncio.gather(*(client.get("otel") for _ in range(50)), client.incr("n"))
            await asyncio.sleep(0.005)
        # a failing command, until one is sampled: its duration carries error.type
        for _ in range(100):
            if any(
                p.attributes.get("error.type") for p in collect(reader).get("db.client.operation.duration", [])
            ):
                break
            try:
                await client.execute_command("HGET", "otel", "f")
            except leanredis.ResponseError:
                pass
            await asyncio.sleep(0.01)
        points = collect(reader)
        durations = points["db.client.operation.duration"]
        names = {p.attributes["db.operation.name"] for p in durations}
        assert names & {"GET", "INCR", "SET"}, names
        assert all(p.attributes["db.system.name"] == "redis" and p.attributes["server.port"] for p in durations)
        assert sum(p.count for p in durations) == instrumentation.samples > 5
        assert any(p.attributes.get("error.type") == "WrongTypeError" for p in durations)
        hits = points["leanredis.cache.hits"]
        assert hits and hits[0].value > 0
        io = {p.attributes["network.io.direction"]: p.value for p in points["leanredis.network.io"]}
        assert io["receive"] > 0 and io["transmit"] > 0
        states = {p.attributes["db.client.connection.state"]: p.value for p in points["db.client.connection.count"]}
        assert states == {"used": 0, "idle": 1}
        assert {"leanredis.commands.inflight", "leanredis.errors", "leanredis.cache.bytes"} <= points.keys()
    finally:
        instrumentation.stop()
        await client.aclose()
    # stopped: the plain sender is back, no timer keeps sampling
    assert client._send is plain
