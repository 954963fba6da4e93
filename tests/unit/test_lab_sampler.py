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
