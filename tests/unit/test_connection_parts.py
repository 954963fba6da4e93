"""The connection's parts that need no server: backoff, per-call deadlines (a fake clock), the room check."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leanredis.connection import Backoff
from leanredis.connection.deadlines import COMPACT_SLACK, PerCallDeadlines, expired_in_order
from leanredis.future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture

if TYPE_CHECKING:
    from leanredis.connection import Connection
    from leanredis.connection.protocol import RedisProtocol


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def future(loop: asyncio.AbstractEventLoop, deadline: float = CUSTOM_DEADLINE) -> CommandFuture[object]:
    fut: CommandFuture[object] = CommandFuture(loop=loop)
    fut.deadline = deadline
    fut.name = b"GET"
    return fut


def socketless(
    max_inflight: int, max_buffered_bytes: int, keeps: bool, inflight: int, buffered: int, paused: bool
) -> tuple[Connection, RedisProtocol]:
    """A Connection and its RedisProtocol with no socket, ``inflight`` commands pending and ``buffered``
    bytes held (half of them kept, on a connection that keeps its commands), its writes paused or not;
    nothing is ever written. In a running loop (the futures take it)."""
    from leanredis.connection import Connection
    from leanredis.connection.protocol import RedisProtocol
    from leanredis.options import ConnectionOptions

    options = ConnectionOptions(
        host="127.0.0.1", port=1, max_inflight=max_inflight, max_buffered_bytes=max_buffered_bytes
    )
    conn = Connection(options, keeps_commands=keeps)
    proto = RedisProtocol(conn)
    proto.pending = deque(CommandFuture() for _ in range(inflight))
    # a keeping connection counts kept bytes too: part of the buffered bytes are kept, not unwritten
    kept = buffered // 2 if keeps else 0
    proto.kept_bytes = kept  # written, kept until their replies
    proto.out = bytearray(buffered - kept)
    proto.out_unkept = len(proto.out)  # not kept (a pipeline): the kept bytes are the written ones only
    proto.write_paused = paused
    proto.flush_scheduled = True  # nothing is written: there is no socket
    conn._proto = proto
    return conn, proto


def run_callbacks(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_backoff_doubles_from_the_base_up_to_the_cap_with_jitter() -> None:
    backoff = Backoff(0.05, 2.0)
    assert backoff.delay() == 0.0  # connected, or never tried: the next attempt is immediate
    for failures, full in ((1, 0.05), (3, 0.2), (6, 1.6), (7, 2.0), (200, 2.0)):
        backoff.failures = failures
        delays = [backoff.delay() for _ in range(300)]
        assert all(full * 0.5 <= d <= full for d in delays), (failures, min(delays), max(delays))
        # jitter: clients that lost the same server do not come back in lockstep
        assert len(set(delays)) > 100 and max(delays) - min(delays) > full * 0.3
    backoff.reset()
    assert backoff.delay() == 0.0


def test_deadlines_expire_in_time_order_with_a_fake_clock(loop: asyncio.AbstractEventLoop) -> None:
    deadlines = PerCallDeadlines()
    late, soon, never = future(loop), future(loop), future(loop)
    deadlines.add(10.0, late)
    deadlines.add(5.0, soon)
    deadlines.add(20.0, never)
    assert deadlines.next_deadline() == 5.0 and len(deadlines) == 3
    assert deadlines.expired(4.9) == []
    assert deadlines.expired(10.0) == [soon, late]
    assert deadlines.next_deadline() == 20.0 and len(deadlines) == 1
    never.set_result(b"answered")
    run_callbacks(loop)
    assert len(deadlines) == 0 and deadlines.next_deadline() == NO_DEADLINE
    assert deadlines.expired(100.0) == []


def test_an_answered_command_is_released_by_its_deadline_at_once(loop: asyncio.AbstractEventLoop) -> None:
    deadlines = PerCallDeadlines()
    fut = future(loop)
    ref = weakref.ref(fut)
    deadlines.add(60.0, fut)
    fut.set_result(b"a reply that must not live for 60 s")
    run_callbacks(loop)
    del fut
    gc.collect()
    assert ref() is None and len(deadlines) == 0


def test_the_heap_is_bounded_by_what_is_still_pending(loop: asyncio.AbstractEventLoop) -> None:
    deadlines = PerCallDeadlines()
    pending = []
    for i in range(20_000):
        fut = future(loop)
        deadlines.add(1_000.0 + i, fut)
        if i % 100 == 0:
            pending.append(fut)
        else:
            fut.set_result(None)
        if i % 1_000 == 999:
            run_callbacks(loop)
    run_callbacks(loop)
    assert len(deadlines) == len(pending) == 200
    assert deadlines.held <= 2 * len(pending) + COMPACT_SLACK + 1_000
    assert deadlines.expired(1e9) == pending


def test_default_deadlines_are_read_from_the_head_of_each_fifo(loop: asyncio.AbstractEventLoop) -> None:
    first = deque([future(loop, 1.0), future(loop, CUSTOM_DEADLINE), future(loop, 2.0), future(loop, 3.0)])
    second = deque([future(loop, 2.5)])
    first[2].cancel()
    late, next_deadline = expired_in_order([first, second], 2.0)
    assert late == [first[0]]  # the cancelled one is done, the per-call one is the heap's
    assert next_deadline == 2.5


@pytest.mark.parametrize("keeps", [False, True], ids=["execute", "keeping"])
@pytest.mark.parametrize("paused", [False, True])
@pytest.mark.parametrize("inflight", [0, 3, 4])
@pytest.mark.parametrize("buffered", [0, 40, 63, 64])
def test_execute_admits_a_command_exactly_when_has_room_says_so(
    keeps: bool, paused: bool, inflight: int, buffered: int
) -> None:
    # Connection.execute and the keeping execute (cluster nodes) inline RedisProtocol.has_room()
    # (a call per command costs 2% of a GET): they must agree on every side of every bound, kept bytes too

    async def admitted() -> tuple[bool, bool]:
        conn, proto = socketless(4, 64, keeps, inflight, buffered, paused)
        kept = proto.kept_bytes
        expected = proto.has_room()
        fut = conn.execute((b"GET", b"k"))
        took = len(proto.pending) == inflight + 1 and len(proto.out) > buffered - kept
        queued = bool(conn._queue)
        assert took != queued
        conn._queue.clear()
        fut.cancel()
        for pending in proto.pending:
            pending.cancel()
        return took, expected

    took, expected = asyncio.run(admitted())
    assert took == expected


@pytest.mark.parametrize("keeps", [False, True], ids=["plain", "keeping"])
@pytest.mark.parametrize("paused", [False, True])
@pytest.mark.parametrize("inflight", [0, 5, 8])
@pytest.mark.parametrize("buffered", [0, 50, 100, 127])
def test_drain_sends_exactly_what_has_room_admits_one_command_at_a_time(
    keeps: bool, paused: bool, inflight: int, buffered: int
) -> None:
    # _drain inlines has_room() for a run of commands: it must stop where a has_room() check before
    # each command would (count, bytes, kept bytes, a paused transport), no sooner and no later
    from hiredis import pack_command

    from leanredis.connection.protocol import RedisProtocol

    args = (b"SET", b"key", b"v" * 10)
    size = len(pack_command(args))

    async def drained() -> tuple[int, int]:
        conn, proto = socketless(8, 128, keeps, inflight, buffered, paused)
        kept = proto.kept_bytes
        # what has_room() before each command admits, on a copy of the state
        model = RedisProtocol(conn)
        model.pending = deque(proto.pending)
        model.kept_bytes, model.out, model.write_paused = kept, bytearray(proto.out), paused
        model.out_unkept = proto.out_unkept
        expected = 0
        for _ in range(20):
            if not model.has_room():
                break
            model.pending.append(CommandFuture())
            model.out += b"x" * size  # kept, on a keeping connection: counted from the out-buffer (kept_now)
            expected += 1
        for _ in range(20):
            fut: CommandFuture[object] = CommandFuture()
            fut.parse, fut.name, fut.payload = None, b"SET", args
            conn._queue.append(fut)
        conn._drain()
        sent = len(proto.pending) - inflight
        for fut in [*proto.pending, *conn._queue]:
            fut.cancel()
        conn._queue.clear()
        return sent, expected

    sent, expected = asyncio.run(drained())
    assert sent == expected


class _DroppingTransport:
    """Takes every write at once (the kernel took it all) and keeps nothing."""

    def write(self, data: bytes | bytearray) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


_STEPS = st.lists(
    st.tuples(st.sampled_from(["kept", "unpackable", "batch", "reply", "write"]), st.integers(0, 120)), max_size=60
)


@given(_STEPS, st.integers(0, 3_000))
@settings(deadline=None, max_examples=300)
def test_a_keeping_connections_one_compare_never_admits_past_a_room_or_max_buffered_bytes(
    steps: list[tuple[str, int]], left: int
) -> None:
    # _execute_keeping (and the cluster router's copy of it) admits a kept command with one compare,
    # len(out) <= out_cap; set_kept_cap must keep the cap where every command admitted under it leaves
    # the out-buffer in its room, the kept bytes (each command adds as many to both) in theirs and
    # the two under max_buffered_bytes, whatever happened since: commands kept, commands encoded by
    # the slow path, a pipeline (out-buffer only), replies (rooms given back), writes
    async def run() -> None:
        conn, proto = socketless(50, 600, True, 0, 0, False)
        proto.transport = _DroppingTransport()  # type: ignore[assignment]
        budget = proto.budget
        budget.used = budget.limit - left  # what is left of max_memory_bytes bounds the rooms' steps
        for step, size in steps:
            if step == "kept":
                conn.execute((b"SET", b"k", b"v" * size))
            elif step == "unpackable":  # hiredis refuses a bytearray: encoded by the slow path, kept too
                conn.execute((b"SET", b"k", bytearray(b"v" * size)))
            elif step == "batch":  # a pipeline: in the out-buffer, never kept
                conn.execute_batch([((b"SET", b"k", b"v" * size), None)])
            elif step == "reply" and proto.pending:
                proto.data_received(b"+OK\r\n")
            elif step == "write":
                proto.flush()
            out, cap = len(proto.out), proto.out_cap
            if cap > out:
                more = cap - out  # what commands admitted from now on add to the out-buffer, and as much kept
                assert cap <= proto.out_room
                assert proto.kept_now() + more <= proto.kept_room
                assert cap + proto.kept_now() + more <= proto.max_buffered
        for fut in [*proto.pending, *conn._queue]:
            fut.cancel()
        conn._queue.clear()
        budget.waiting.clear()

    asyncio.run(run())
