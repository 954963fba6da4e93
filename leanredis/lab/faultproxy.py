"""A fault proxy: a real TCP listener on a free loopback port, in front of a real server (the fault tests and the soak).

Modes, switchable at any time (they apply to connections accepted after,
except ``refuse``, which acts on the listener at once):

- ``forward``: a plain proxy to the server;
- ``reset``: accept, then reset at once (SO_LINGER 0: the client reads ECONNRESET);
- ``blackhole``: accept and read everything, answer nothing, never close;
- ``latency``: forward, each chunk delayed by ``latency_ms`` both ways (order kept);
- ``cut``: forward until ``cut_after`` bytes went one way (client->server or
  server->client), deliver exactly those, then close both sides;
- ``trickle``: forward, server->client one byte per write, yielding between bytes;
- ``refuse``: the listener is closed (connects are refused); setting any other
  mode reopens it on the same port.

It counts accepts and the connections the client closed (EOF seen), so a test
can assert that a client backed off, or closed a socket it gave up on.

Connections are accepted by a thread of the proxy's own, so that a reset
reaches the client at once, while its loop may still be completing the
connect (the race a same-loop listener would never hit); forwarding and
black-holing then run on the test's loop. Every loop ends by itself: the
accept thread on ``aclose``/``refuse`` (0.1 s polls), each pump when its
socket closes, and each chunk's delay or trickle within the chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading

MODES = ("forward", "reset", "blackhole", "latency", "cut", "trickle", "refuse")


class _Budget:
    """Bytes a ``cut`` connection may still pass, per direction; shared by its two pumps."""

    __slots__ = ("left",)

    def __init__(self, limit: int) -> None:
        self.left = {"up": limit, "down": limit}


class FaultProxy:
    """See the module docstring; ``await start()`` then connect to ``port``."""

    def __init__(self, target_port: int, mode: str = "forward", host: str = "127.0.0.1",
                 latency_ms: float = 0.0, cut_after: int = 0) -> None:
        self.target_port = target_port
        self.host = host
        self._mode = mode
        self.latency_ms = latency_ms
        self.cut_after = cut_after
        self.port = 0
        self.accepts = 0
        self.closed_by_client = 0
        self.cuts = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread: threading.Thread | None = None
        # abort_connections() calls so far: a socket accepted before one and handed to the loop after it is
        # reset too (its client connected before the abort; served later, it would get the old mode)
        self._aborts = 0

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of {', '.join(MODES)}")
        previous, self._mode = self._mode, mode
        if mode == "refuse" and previous != "refuse":
            self._close_listener()
        elif previous == "refuse" and mode != "refuse":
            self._open_listener()

    async def start(self) -> FaultProxy:
        self._loop = asyncio.get_running_loop()
        if self._mode != "refuse":
            self._open_listener()
        return self

    def _open_listener(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))  # 0 the first time, then the same port again
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, args=(listener, self._stop),
                                        name="fault-proxy", daemon=True)
        self._thread.start()

    def _close_listener(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(5)  # at most one 0.1 s accept poll
        self._thread = None
        self._listener.close()

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            if self._mode == "reset":
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                continue
            sock.setblocking(False)
            mode, aborts = self._mode, self._aborts
            with contextlib.suppress(RuntimeError):  # the loop closed under us: the test is over
                self._loop.call_soon_threadsafe(self._adopt, sock, mode, aborts)

    def _adopt(self, sock: socket.socket, mode: str, aborts: int) -> None:
        task = self._loop.create_task(self._serve(sock, mode, aborts))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, sock: socket.socket, mode: str, aborts: int) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        if aborts != self._aborts:  # accepted before an abort_connections() that could not see it yet
            writer.transport.abort()
            return
        await self._accept(reader, writer, mode)

    def abort_connections(self) -> None:
        """Reset every connection open now, both sides (a fault on live sockets; the mode is for new ones),
        those accepted and not yet handed to the loop included."""
        self._aborts += 1
        for writer in list(self._writers):
            writer.transport.abort()

    async def aclose(self) -> None:
        self._close_listener()
        self.abort_connections()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: str) -> None:
        self._writers.add(writer)
        try:
            if mode == "blackhole":
                while await reader.read(65536):
                    pass
                self.closed_by_client += 1
                return
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
            self._writers.add(up_writer)
            budget = _Budget(self.cut_after) if mode == "cut" else None
            task = asyncio.ensure_future(self._pump(up_reader, writer, mode, "down", budget, up_writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await self._pump(reader, up_writer, mode, "up", budget, writer)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: str,
                    direction: str, budget: _Budget | None, other: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if mode == "latency":
                    await asyncio.sleep(self.latency_ms / 1000)
                if budget is not None:
                    left = budget.left[direction]
                    if len(data) >= left:
                        writer.write(data[:left])
                        budget.left[direction] = 0
                        self.cuts += 1
                        # the bytes before the cut are delivered (FIN after them), then both sides go
                        with contextlib.suppress(ConnectionError, OSError):
                            writer.close()
                            await asyncio.wait_for(writer.wait_closed(), 2)
                        other.transport.abort()
                        return
                    budget.left[direction] = left - len(data)
                if mode == "trickle" and direction == "down":
                    for index in range(len(data)):
                        writer.write(data[index:index + 1])
                        await writer.drain()
                        await asyncio.sleep(0)  # the client's loop reads this byte on its own
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
