"""The lab's sampler measures memory without holding memory of its own per sample."""

from __future__ import annotations

import gc
import json
import sys

from leanredis.lab.sampler import Counter, Sampler


def test_samples_hold_no_python_object_each() -> None:
    # a list of floats held two objects per sample for the whole run: in a soak those made during a
    # fault pinned the pymalloc arenas the client's backlog had just filled (an RSS step per fault)
    sampler = Sampler(Counter(), interval=3600)  # the thread is never started: samples are taken here
    counter = sampler.counter
    for _ in range(50):
        sampler._sample()  # the arrays' first growth
    gc.collect()
    before = sys.getallocatedblocks()
    for i in range(5000):
        counter.done = 10_000 + i  # a new int each time, as under load
        sampler._sample()
    gc.collect()
    assert sys.getallocatedblocks() - before < 100
    assert len(sampler.t) == len(sampler.rss_mb) == len(sampler.ops) == 5050


def test_series_is_json_and_keeps_the_peak() -> None:
    sampler = Sampler(Counter(), interval=3600)
    for _ in range(700):
        sampler._sample()
    sampler.rss_mb[123] = 9999.0
    series = sampler.series(max_points=100)
    assert 9999.0 in series["rss_mb"] and len(series["t"]) == len(series["rss_mb"]) == len(series["ops"])
    json.dumps(series)
    assert sampler.peak_mb() == 9999.0
    json.dumps(Sampler(Counter(), interval=3600).series())


def test_slope_between_streams_the_window_and_agrees_with_least_squares() -> None:
    """The soak's and paced's RSS slope over a window of the samples, without a list or tuple per sample."""
    from array import array

    from leanredis.lab.workloads import least_squares_slope, slope_between

    t = array("d", (i * 0.02 for i in range(20_000)))
    y = array("d", (30 + 0.5 * x + (7.0 if x < 10 else 0.0) + (i % 7) * 0.01 for i, x in enumerate(t)))
    inside = [(a, b) for a, b in zip(t, y) if 10 <= a <= 390]
    expected = least_squares_slope([a for a, _ in inside], [b for _, b in inside])
    assert expected is not None and abs(slope_between(t, y, 10, 390) - expected) < 1e-9  # type: ignore[operator]
    assert abs(slope_between(t, y, 10, 390) - 0.5) < 1e-3  # type: ignore[operator]  # the step before 10 s left out
    assert slope_between(t, y, 1000, 2000) is None  # fewer than 3 samples in the window
    assert slope_between([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], 0, 9) is None  # no spread in time


def test_server_ops_go_on_across_a_server_restart() -> None:
    """A restarted server counts its commands from 0 again: the lab's count goes on, never backwards (the soak's
    throughput chart showed each restart as minus the whole run's rate)."""
    from leanredis.lab.sampler import ServerOps

    a, b = ("127.0.0.1", 1), ("127.0.0.1", 2)
    ops = ServerOps(a, b)
    for address, raw in ((a, 100), (b, 50), (a, 160), (a, 5), (b, 70), (a, 25), (a, 3)):
        ops.update(address, raw)
    assert ops.counts[a] == 160 + 25 + 3 and ops.counts[b] == 70 and ops.last == 258
