"""One callback per loop iteration writes every connection of the loop: order, failures, closing, a new loop.

Connections here have a socket of their own that records what is written to
it (no server): the log shows which connection wrote what, in which order.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from leanredis.connection import Connection
from leanredis.connection.flusher import flusher_of
from leanredis.connection.protocol import RedisProtocol
from leanredis.exceptions import ConnectionError
from leanredis.options import ConnectionOptions

pytestmark = pytest.mark.timeout(30)

Log = list[tuple[str, bytes]]


class RecordingTransport:
    """A socket that records each write as (its connection's name, the bytes) in a log shared by several."""

    def __init__(self, name: str, log: Log) -> None:
        self.name = name
        self.log = log
        self.fail: Exception | None = None
        self.proto: RedisProtocol | None = None

    def write(self, data: Any) -> None:
        if self.fail is not None:
            raise self.fail
        self.log.append((self.name, bytes(data)))

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        assert self.proto is not None
        asyncio.get_running_loop().call_soon(self.proto.connection_lost, None)


def connected(name: str, log: Log, socket_timeout: float | None = None) -> Connection:
    """A Connection bound to the running loop whose socket records its writes into ``log``."""
    conn = Connection(ConnectionOptions(host="127.0.0.1", port=1, socket_timeout=socket_timeout))
    attach(conn, name, log)
    return conn


def attach(conn: Connection, name: str, log: Log) -> RecordingTransport:
    conn._adopt_loop(asyncio.get_running_loop())
    proto = RedisProtocol(conn)
    transport = RecordingTransport(name, log)
    transport.proto = proto
    proto.connection_made(transport)  # type: ignore[arg-type]
    proto.adopted = True
    conn._proto = proto
    return transport


def sent(name: str) -> bytes:
    """What ``echo(conn, name)`` writes."""
    return b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(name), name.encode())


def echo(conn: Connection, name: str) -> Any:
    return conn.execute((b"ECHO", name))


async def test_one_callback_writes_every_connection_in_the_order_they_asked() -> None:
    log: Log = []
    a, b, c = (connected(name, log) for name in "abc")
    marks: list[int] = []
    loop = asyncio.get_running_loop()
    echo(b, "b")
    # a callback scheduled between two connections' first commands: with a write scheduled per connection,
    # it would run between b's write and the others'; one callback for all writes every one before it
    loop.call_soon(lambda: marks.append(len(log)))
    echo(a, "a")
    echo(c, "c")
    echo(b, "b2")  # b asked first: its second command goes out in its one write
    await asyncio.sleep(0)
    assert marks == [3]
    assert log == [("b", sent("b") + sent("b2")), ("a", sent("a")), ("c", sent("c"))]
    assert not flusher_of(loop).scheduled and not flusher_of(loop).protos
    assert not any(conn._proto.flush_scheduled for conn in (a, b, c))  # type: ignore[union-attr]
    # the next iteration's commands schedule the next write
    echo(c, "c3")
    await asyncio.sleep(0)
    assert log[3:] == [("c", sent("c3"))]


async def test_each_connection_stamps_its_own_default_deadline_in_a_shared_write() -> None:
    log: Log = []
    short, long = connected("short", log, socket_timeout=5), connected("long", log, socket_timeout=50)
    before = asyncio.get_running_loop().time()
    first, second = echo(short, "s"), echo(long, "l")
    assert before + 5 <= first.deadline < before + 6
    assert before + 50 <= second.deadline < before + 51
    await asyncio.sleep(0)
    assert [name for name, _ in log] == ["short", "long"]


async def test_a_write_that_raises_neither_stops_nor_repeats_the_others() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        log: Log = []
        conns = [connected(name, log) for name in "abc"]
        broken = conns[1]._proto.transport  # type: ignore[union-attr]
        broken.fail = OSError("the socket refused the write")  # type: ignore[union-attr]
        for conn, name in zip(conns, "abc"):
            echo(conn, name)
        await asyncio.sleep(0)
        assert log == [("a", sent("a")), ("c", sent("c"))]  # each once, b's failure between them
        assert len(errors) == 1 and errors[0]["exception"] is broken.fail  # type: ignore[union-attr]
        assert errors[0]["protocol"] is conns[1]._proto
        # nothing is left scheduled: the next iteration writes all three, the one that failed too
        broken.fail = None  # type: ignore[union-attr]
        for conn, name in zip(conns, "xyz"):
            echo(conn, name)
        await asyncio.sleep(0)
        assert log[2:] == [("a", sent("x")), ("b", sent("y")), ("c", sent("z"))]
    finally:
        loop.set_exception_handler(handler)


async def test_connections_closed_lost_or_dropped_before_the_write_leave_the_others_written_once() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        log: Log = []
        closing, lost, dropped, kept = (connected(name, log) for name in ("closing", "lost", "dropped", "kept"))
        # aclose's first step runs before the shared write (its task was scheduled first): it writes what its
        # connection holds itself, then the shared write finds nothing more to write there
        closed = asyncio.ensure_future(closing.aclose())
        futures = [echo(conn, "before") for conn in (closing, lost, dropped, kept)]
        futures.append(echo(lost, "lost"))
        assert lost._proto is not None
        lost._proto.connection_lost(None)  # the socket dies within this iteration: its commands never left
        futures.append(echo(dropped, "dropped"))
        del dropped  # nobody holds this connection but its pending write: its commands still go out
        gc.collect()
        await asyncio.sleep(0)
        await asyncio.wait_for(closed, 10)
        assert log == [
            ("closing", sent("before")), ("dropped", sent("before") + sent("dropped")), ("kept", sent("before"))
        ]  # fmt: skip
        for fut in futures[0], futures[1], futures[4]:  # closed, and lost twice: each fails once
            with pytest.raises(ConnectionError) as failed:
                await fut
        assert failed.value.possibly_executed is False  # lost before its write: never sent
        assert errors == []
        echo(kept, "after")
        await asyncio.sleep(0)
        assert log[-1] == ("kept", sent("after"))
    finally:
        loop.set_exception_handler(handler)


def run_last_iteration(loop: asyncio.AbstractEventLoop, callback: Callable[[], object]) -> None:
    """Run ``loop`` for one last iteration that calls ``callback``: what it schedules is left, never run.

    asyncio's ``stop()`` ends the iteration it is called in; uvloop's is a callback of its own, which ends its
    iteration.
    """
    if isinstance(loop, asyncio.BaseEventLoop):
        loop.call_soon(lambda: (callback(), loop.stop()))
    else:
        loop.call_soon(lambda: (loop.stop(), loop.call_soon(callback)))
    loop.run_forever()


def test_a_loop_closed_with_a_write_pending_is_let_go_and_the_next_loop_writes(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    log: Log = []
    conns: list[Connection] = []
    never: list[weakref.ref[Any]] = []

    def leave_a_write_pending() -> None:
        conns.extend(connected(name, log) for name in "ab")
        never.extend(weakref.ref(echo(conn, "never")) for conn in conns)

    first = loop_factory()
    run_last_iteration(first, leave_a_write_pending)
    assert flusher_of(first).scheduled and log == []
    first.close()
    first_flusher = weakref.ref(flusher_of(first))
    first_loop = weakref.ref(first)
    del first

    async def use_again() -> None:
        for conn, name in zip(conns, "ab"):
            attach(conn, name, log)  # _adopt_loop let go of the closed loop's socket
        for conn in conns:
            echo(conn, "again")
        await asyncio.sleep(0)
        assert log == [("a", sent("again")), ("b", sent("again"))]
        assert flusher_of(asyncio.get_running_loop()) is not first_flusher()

    second = loop_factory()
    try:
        second.run_until_complete(use_again())
    finally:
        second.close()
    # the connections moved on, and once they are dropped nothing holds the closed loop, its flusher, its
    # sockets or their callers' futures: no table of flushers keeps them for the rest of the process
    conns.clear()
    gc.collect()
    assert (first_loop(), first_flusher(), never[0](), never[1]()) == (None, None, None, None)


def test_an_interrupt_in_one_write_stops_the_loop_and_the_next_run_writes_the_rest(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    log: Log = []

    def send() -> None:
        conns = [connected(name, log) for name in "abc"]
        conns[0]._proto.transport.fail = KeyboardInterrupt()  # type: ignore[union-attr]
        for conn, name in zip(conns, "abc"):
            echo(conn, name)

    loop = loop_factory()
    try:
        loop.call_soon(send)
        with pytest.raises(KeyboardInterrupt):
            loop.run_forever()  # as asyncio lets a callback's KeyboardInterrupt out of the loop
        # asyncio stops at once, uvloop once the callbacks that are ready have run: the rest waits for either
        loop.run_until_complete(asyncio.sleep(0))
        assert log == [("b", sent("b")), ("c", sent("c"))]
        assert not flusher_of(loop).scheduled
    finally:
        loop.close()
