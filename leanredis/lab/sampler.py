"""A background thread that samples RSS and progress every few milliseconds.

A thread, not a task: it keeps sampling while the event loop is busy (a
flood holds the loop for whole seconds), which is when the peak happens.

The samples go into typed arrays, not lists: a list holds one float object
per sample, 150 objects a second at the default interval, and those made
during a fault (while the client's backlog fills fresh pymalloc arenas) live
to the end of the run and keep those arenas mapped. The soak's RSS steps and
its growing count of live blocks were partly the sampler's own.
"""

from __future__ import annotations

import socket
import threading
import time
from array import array

from ..memory import rss_bytes


class ServerOps:
    """Commands the server has processed (INFO stats), read over a raw socket of its own.

    The throughput series comes from the server, so that measuring it adds
    nothing to the client's memory (a done-callback per command would).
    With more addresses (a cluster's primaries) it is the sum over them.
    """

    def __init__(self, *addresses: tuple[str, int]) -> None:
        self.addresses = list(addresses)
        self.socks: dict[tuple[str, int], socket.socket] = {}
        self.counts = dict.fromkeys(self.addresses, 0)
        self._raw = dict.fromkeys(self.addresses, 0)  # each server's own figure, as last read
        self._carried = dict.fromkeys(self.addresses, 0)  # its figures before its restarts

    @property
    def last(self) -> int:
        return sum(self.counts.values())

    def holds_socket_to(self, address: tuple[str, int]) -> bool:
        """True while an INFO socket to ``address`` is open (it counts as a client on that server)."""
        return address in self.socks

    def read(self) -> int:
        for address in self.addresses:
            self._read_one(address)
        return self.last

    def _read_one(self, address: tuple[str, int]) -> None:
        sock = self.socks.get(address)
        try:
            if sock is None:
                sock = self.socks[address] = socket.create_connection(address, timeout=0.5)
            sock.sendall(b"INFO stats\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    raise OSError("closed")
                data += chunk
                head, _, rest = data.partition(b"\r\n")
                if head.startswith(b"$") and len(rest) >= int(head[1:]) + 2:
                    break
            marker = b"total_commands_processed:"
            start = data.index(marker) + len(marker)
            self.update(address, int(data[start : data.index(b"\r\n", start)]))
        except (OSError, ValueError):
            dropped = self.socks.pop(address, None)
            if dropped is not None:
                dropped.close()  # the server is restarting: keep the last value, retry next time

    def update(self, address: tuple[str, int], raw: int) -> None:
        """A server's ``total_commands_processed``; one lower than the last read means it restarted and began
        again from 0: the count goes on from where it was (else a restart charts as minus the whole run's rate)."""
        if raw < self._raw[address]:
            self._carried[address] += self._raw[address]
        self._raw[address] = raw
        self.counts[address] = self._carried[address] + raw

    def close(self) -> None:
        for sock in self.socks.values():
            sock.close()
        self.socks.clear()


class Counter:
    """Completed operations, bumped by the workload (a plain int: the GIL makes += safe enough here)."""

    __slots__ = ("done", "errors")

    def __init__(self) -> None:
        self.done = 0
        self.errors = 0


class Sampler:
    """Samples (seconds since start, RSS MB, commands done) every ``interval`` seconds.

    Commands done are the server's count when ``server`` is given (see
    ``ServerOps``), else the workload's own counter.
    """

    def __init__(self, counter: Counter, interval: float = 0.02, server: ServerOps | None = None) -> None:
        self.counter = counter
        self.server = server
        self._ops_base = server.read() if server is not None else 0
        self.interval = interval
        self.t = array("d")
        self.rss_mb = array("d")
        self.ops = array("q")
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the thread and now_mb() both append: keep the three lists in step
        self._thread = threading.Thread(target=self._run, name="lab-sampler", daemon=True)
        self.started = time.perf_counter()

    def _sample(self) -> None:
        rss = rss_bytes() or 0
        with self._lock:
            ops = self.server.read() - self._ops_base if self.server is not None else self.counter.done
            self.t.append(round(time.perf_counter() - self.started, 4))
            self.rss_mb.append(round(rss / 2**20, 2))
            self.ops.append(ops)

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
        if self.server is not None:
            self.server.close()

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
            return {"t": self.t.tolist(), "rss_mb": self.rss_mb.tolist(), "ops": self.ops.tolist()}
        step = n / max_points
        keep = sorted({int(i * step) for i in range(max_points)} | {self.rss_mb.index(self.peak_mb()), n - 1})
        return {
            "t": [self.t[i] for i in keep],
            "rss_mb": [self.rss_mb[i] for i in keep],
            "ops": [self.ops[i] for i in keep],
        }
