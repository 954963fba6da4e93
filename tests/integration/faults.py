"""A fault proxy: a real TCP listener on a free loopback port, in front of a real server.

Modes, switchable at any time (they apply to connections accepted after):

- ``forward``: a plain proxy to the server;
- ``reset``: accept, then reset at once (SO_LINGER 0: the client reads ECONNRESET);
- ``blackhole``: accept and read everything, answer nothing, never close.

It counts accepts and the connections the client closed (EOF seen), so a test
can assert that a client backed off, or closed a socket it gave up on.

Connections are accepted by a thread of the proxy's own, so that a reset
reaches the client at once, while its loop may still be completing the
connect (the race a same-loop listener would never hit); forwarding and
black-holing then run on the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading


class FaultProxy:
    """See the module docstring; ``await start()`` then connect to ``port``."""

    def __init__(self, target_port: int, mode: str = "forward", host: str = "127.0.0.1") -> None:
        self.target_port = target_port
        self.host = host
        self.mode = mode
        self.port = 0
        self.accepts = 0
        self.closed_by_client = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> FaultProxy:
        self._loop = asyncio.get_running_loop()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            if self.mode == "reset":
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                continue
            sock.setblocking(False)
            mode = self.mode
            with contextlib.suppress(RuntimeError):  # the loop closed under us: the test is over
                self._loop.call_soon_threadsafe(self._adopt, sock, mode)

    def _adopt(self, sock: socket.socket, mode: str) -> None:
        task = self._loop.create_task(self._serve(sock, mode))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, sock: socket.socket, mode: str) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        await self._accept(reader, writer, mode)

    async def aclose(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        for writer in list(self._writers):
            writer.transport.abort()
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
            task = asyncio.ensure_future(self._pump(up_reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await self._pump(reader, up_writer)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
