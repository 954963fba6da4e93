"""OpenTelemetry metrics for a client (``pip install 'leanredis[otel]'``), at no cost per command.

``leanredis.telemetry.instrument(client, meter_provider=None, samples_per_second=20)``
registers, following the semantic conventions for database clients:

- ``db.client.operation.duration`` (histogram, seconds), by ``db.operation.name``,
  with ``error.type`` when the command failed: *sampled*. A per-command record
  through the SDK costs about as much as the command itself here (1-2 us), so
  the client is not wrapped: a timer swaps in a measuring sender for the next
  command, ``samples_per_second`` times a second, and swaps it out again.
  Unsampled commands run the plain path;
- observable gauges read from ``client.stats()`` when the reader collects:
  ``db.client.connection.count`` (state=used|idle), ``leanredis.commands.inflight``,
  ``leanredis.commands.queued``, ``leanredis.buffered_bytes``, ``leanredis.cache.entries``,
  ``leanredis.cache.bytes``;
- observable counters: ``leanredis.errors`` by ``error.type`` (timeouts, overloads,
  connect failures, protocol errors, late-reply drops), ``leanredis.cache.hits`` /
  ``leanredis.cache.misses``, ``leanredis.network.io`` (direction=receive|transmit).

Without the extra installed, importing ``leanredis`` does not import OpenTelemetry.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterable
from typing import Any

from .commands.funnel import sender
from .exceptions import DataError

_ERROR_FIELDS = {
    "timeouts": "TimeoutError",
    "overloads": "OverloadError",
    "connect_failures": "ConnectionError",
    "protocol_errors": "ProtocolError",
    "late_reply_drops": "LateReplyDrop",
}


class Instrumentation:
    """The instruments of one client and its sampling timer; ``stop()`` undoes ``instrument``."""

    def __init__(self, client: Any, meter: Any, samples_per_second: float) -> None:
        from opentelemetry.metrics import CallbackOptions, Observation

        self._client_ref = weakref.ref(client)
        self._interval = 1.0 / samples_per_second
        self._timer: asyncio.TimerHandle | None = None
        self._plain: Any = None
        self.samples = 0
        options = client.options
        self._attributes = {
            "db.system.name": "redis",
            "server.address": options.unix_socket_path or options.host,
            "server.port": options.port,
            "db.namespace": str(options.db),
        }
        self.duration = meter.create_histogram(
            "db.client.operation.duration", unit="s", description="Duration of database client operations (sampled)"
        )

        def stats() -> dict[str, Any]:
            live = self._client_ref()
            return live.stats() if live is not None else {}

        def gauge(field: str, **extra: str) -> Any:
            def observe(_: CallbackOptions) -> Iterable[Observation]:
                values = stats()
                if field in values:
                    yield Observation(values[field], {**self._attributes, **extra})

            return observe

        def connections(_: CallbackOptions) -> Iterable[Observation]:
            values = stats()
            if values:
                used = 1 if values.get("inflight") or values.get("queued") else 0
                connected = 1 if values.get("connected") else 0
                yield Observation(used * connected, {**self._attributes, "db.client.connection.state": "used"})
                yield Observation((1 - used) * connected, {**self._attributes, "db.client.connection.state": "idle"})

        def errors(_: CallbackOptions) -> Iterable[Observation]:
            values = stats()
            for field, kind in _ERROR_FIELDS.items():
                if field in values:
                    yield Observation(values[field], {**self._attributes, "error.type": kind})

        def io(_: CallbackOptions) -> Iterable[Observation]:
            values = stats()
            if values:
                yield Observation(values.get("bytes_in", 0), {**self._attributes, "network.io.direction": "receive"})
                yield Observation(values.get("bytes_out", 0), {**self._attributes, "network.io.direction": "transmit"})

        def cache(field: str) -> Any:
            def observe(_: CallbackOptions) -> Iterable[Observation]:
                live = self._client_ref()
                if live is not None and live._cache is not None:
                    yield Observation(live.cache_stats()[field], self._attributes)

            return observe

        def memory(_: CallbackOptions) -> Iterable[Observation]:
            values = stats()
            for part, size in values.get("memory", {}).items():
                yield Observation(size, {**self._attributes, "leanredis.memory.part": part})

        meter.create_observable_gauge("leanredis.memory.usage", [memory], unit="By")
        meter.create_observable_gauge("leanredis.memory.limit", [gauge("max_memory_bytes")], unit="By")
        meter.create_observable_up_down_counter("db.client.connection.count", [connections], unit="{connection}")
        meter.create_observable_gauge("leanredis.commands.inflight", [gauge("inflight")], unit="{command}")
        meter.create_observable_gauge("leanredis.commands.queued", [gauge("queued")], unit="{command}")
        meter.create_observable_gauge("leanredis.buffered_bytes", [gauge("buffered_bytes")], unit="By")
        meter.create_observable_gauge("leanredis.cache.entries", [gauge("cache_entries")], unit="{entry}")
        meter.create_observable_gauge("leanredis.cache.bytes", [gauge("cache_bytes")], unit="By")
        meter.create_observable_counter("leanredis.errors", [errors], unit="{error}")
        meter.create_observable_counter("leanredis.cache.hits", [cache("hits")], unit="{hit}")
        meter.create_observable_counter("leanredis.cache.misses", [cache("misses")], unit="{miss}")
        meter.create_observable_counter("leanredis.network.io", [io], unit="By")

    # -- sampling: the measuring sender is in place for one command at a time --------------------
    def start(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._arm)

    def _arm(self) -> None:
        client = self._client_ref()
        if client is None:
            return
        if self._plain is None:
            self._plain = sender(client)  # the direct path: a funneled _send would loop back here
            client._send = self._measure
        self._timer = None  # re-armed once the sampled command completes

    def _measure(self, args: tuple[Any, ...], parse: Any) -> Any:
        client = self._client_ref()
        plain = self._plain
        self._plain = None
        if client is not None:
            client._send = plain
        started = time.perf_counter()
        fut = plain(args, parse)
        name = args[0]
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        attributes = {**self._attributes, "db.operation.name": name.upper()}

        def done(f: Any) -> None:
            attrs = attributes
            if f.cancelled():
                attrs = {**attributes, "error.type": "CancelledError"}
            elif f.exception() is not None:
                attrs = {**attributes, "error.type": type(f.exception()).__name__}
            self.duration.record(time.perf_counter() - started, attrs)
            self.samples += 1
            if self._client_ref() is not None and self._timer is None and self._stopped is False:
                self.start()

        if hasattr(fut, "add_done_callback"):
            fut.add_done_callback(done)
        else:  # a coroutine (called outside a loop): measure nothing, sample again later
            self.start()
        return fut

    _stopped = False

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        client = self._client_ref()
        if client is not None and self._plain is not None:
            client._send = self._plain
            self._plain = None


def instrument(client: Any, meter_provider: Any = None, samples_per_second: float = 20.0) -> Instrumentation:
    """Register the client's metrics with ``meter_provider`` (default: the global one); call from a running loop."""
    try:
        from opentelemetry import metrics
    except ImportError:
        raise DataError("leanredis.telemetry needs OpenTelemetry: pip install 'leanredis[otel]'") from None
    rate = samples_per_second
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
        raise DataError(f"samples_per_second must be a positive number, not {samples_per_second!r}")
    provider = meter_provider or metrics.get_meter_provider()
    from ._version import __version__

    meter = provider.get_meter("leanredis", __version__)
    instrumentation = Instrumentation(client, meter, samples_per_second)
    instrumentation.start()
    return instrumentation
