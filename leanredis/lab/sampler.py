"""A background thread that samples RSS and progress every few milliseconds.

A thread, not a task: it keeps sampling while the event loop is busy (a
flood holds the loop for whole seconds), which is when the peak happens.
"""

from __future__ import annotations

import threading
import time

from ..memory import rss_bytes


class Counter:
    """Completed operations, bumped by the workload (a plain int: the GIL makes += safe enough here)."""

    __slots__ = ("done", "errors")

    def __init__(self) -> None:
        self.done = 0
        self.errors = 0


class Sampler:
    """Samples (seconds since start, RSS MB, ops done) every ``interval`` seconds."""

    def __init__(self, counter: Counter, interval: float = 0.02) -> None:
        self.counter = counter
        self.interval = interval
        self.t: list[float] = []
        self.rss_mb: list[float] = []
        self.ops: list[int] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the thread and now_mb() both append: keep the three lists in step
        self._thread = threading.Thread(target=self._run, name="lab-sampler", daemon=True)
        self.started = time.perf_counter()

    def _sample(self) -> None:
        rss = rss_bytes() or 0
        with self._lock:
            self.t.append(round(time.perf_counter() - self.started, 4))
            self.rss_mb.append(round(rss / 2**20, 2))
            self.ops.append(self.counter.done)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> Sampler:
        self.started = time.perf_counter()
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def now_mb(self) -> float:
        """Current RSS in MB (also recorded as a sample)."""
        self._sample()
        return self.rss_mb[-1]

    def peak_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else 0.0

    def series(self, max_points: int = 600) -> dict[str, list[float] | list[int]]:
        """The samples, thinned to at most ``max_points`` (keeping the peak)."""
        n = len(self.t)
        if n <= max_points:
            return {"t": self.t, "rss_mb": self.rss_mb, "ops": self.ops}
        step = n / max_points
        keep = sorted({int(i * step) for i in range(max_points)} | {self.rss_mb.index(self.peak_mb()), n - 1})
        return {
            "t": [self.t[i] for i in keep],
            "rss_mb": [self.rss_mb[i] for i in keep],
            "ops": [self.ops[i] for i in keep],
        }
