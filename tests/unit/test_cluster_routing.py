"""The cluster router's fast path against the node connection's own execute: the same outcome in every state."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import pytest

from leanredis.future import CommandFuture, raw_reply


class _Node:
    """A slot table entry: every slot is this node, whose connection is the one under test."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection


def _keeping(
    max_buffered: int, max_memory: int, inflight: int, rooms: tuple[int, int], paused: bool, queued: bool
) -> Any:
    """A keeping connection (a cluster node's) with no socket, in the state the parameters say; nothing is written."""
    from leanredis.connection import Connection
    from leanredis.connection.protocol import RedisProtocol
    from leanredis.options import ConnectionOptions

    options = ConnectionOptions(
        host="127.0.0.1", port=1, max_inflight=5, max_buffered_bytes=max_buffered,
        max_memory_bytes=max_memory, socket_timeout=None,
    )  # fmt: skip
    conn = Connection(options, keeps_commands=True)
    proto = RedisProtocol(conn)
    proto.pending = deque(CommandFuture() for _ in range(inflight))
    proto.kept_bytes = 10 * inflight  # written, kept until their replies
    proto.out = bytearray(b"x" * 20)
    proto.out_unkept = 20  # a pipeline not written yet: in the out-buffer, not kept
    proto.write_paused = paused
    # no write scheduled yet in this loop iteration (this command schedules it) when nothing is in flight; there
    # is no socket: the write finds no transport and writes nothing
    proto.flush_scheduled = inflight > 0
    # rooms held of max_memory_bytes (0: the command takes them, or waits for memory)
    proto.out_room, proto.kept_room = rooms
    proto.set_kept_cap(proto.kept_now())
    proto.budget.used = sum(rooms)
    if queued:  # a command waits ahead (for room, or for memory): the next one waits behind it
        ahead: CommandFuture[Any] = CommandFuture()
        ahead.parse, ahead.name, ahead.payload, ahead.deadline = None, b"GET", (b"GET", b"ahead"), 1234.5
        conn._queue.append(ahead)
    conn._tick_deadline = 1234.5  # this loop iteration's deadline, as _schedule_flush set it
    conn._proto = proto
    return conn


def _state(conn: Any, fut: CommandFuture[Any]) -> tuple[Any, ...]:
    proto = conn._proto
    return (
        len(proto.pending), bytes(proto.out), proto.kept_now(), proto.kept_bytes, proto.out_unkept, proto.kept_room,
        proto.out_room, proto.budget.used,
        proto.raw_pending, proto.flush_scheduled, len(conn._queue), proto.pending[-1] is fut if proto.pending else None,
        conn._queue[-1] is fut if conn._queue else None, fut.done() and type(fut.exception()),
        getattr(fut, "payload", "unset"), getattr(fut, "deadline", "unset"), fut.name, fut.parse,
    )  # fmt: skip


@pytest.mark.parametrize("paused", [False, True])
@pytest.mark.parametrize("queued", [False, True])
@pytest.mark.parametrize("inflight", [0, 4, 5])  # 5: at max_inflight
# the rooms of the out-buffer and of the kept bytes: none (taken now), too little for one or the other, plenty
@pytest.mark.parametrize("rooms", [(0, 0), (60, 10), (10, 10_000), (10_000, 10_000)])
# 40: under it before the command with nothing in flight, past it with 4 (out 20 bytes, kept 10 each); 100: the
# two copies of the command pass it
@pytest.mark.parametrize("max_buffered", [40, 100, 10_000])
@pytest.mark.parametrize("max_memory", [64 * 1024, 1 << 30])  # 64 KiB: less left than the rooms to take
@pytest.mark.parametrize(
    "args, parse",
    [((b"SET", b"k", b"v" * 20), None), ((b"GET", b"k"), raw_reply), ((b"SET", b"k", bytearray(b"v")), None)],
    ids=["set", "raw", "not-packable"],
)
def test_the_routers_fast_path_leaves_a_node_connection_as_its_execute_does(
    paused: bool, queued: bool, inflight: int, rooms: tuple[int, int], max_buffered: int, max_memory: int,
    args: tuple[Any, ...], parse: Any,
) -> None:
    # RedisCluster._send inlines the node connection's execute (Connection._execute_keeping) to save a
    # frame per command: from the same state, the two must leave the connection, its budget and the
    # caller's future the same (encoded and kept, waiting, or refused), on every side of every bound
    import leanredis

    async def both() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        direct = _keeping(max_buffered, max_memory, inflight, rooms, paused, queued)
        routed = _keeping(max_buffered, max_memory, inflight, rooms, paused, queued)
        if max_memory < 1 << 30:  # what is left of max_memory_bytes is less than the command's two copies
            direct._proto.budget.used = routed._proto.budget.used = max_memory - 30 + sum(rooms)
        client = leanredis.RedisCluster(host="127.0.0.1", port=1)  # never connects
        client.nodes_manager.point_slots([_Node(routed)] * 16384)  # type: ignore[arg-type]
        expected = direct.execute(args, parse)
        got = client._send(args, parse)
        states = _state(direct, expected), _state(routed, got)
        for conn in (direct, routed):
            for fut in [*conn._proto.pending, *conn._queue]:
                fut.cancel()
            conn._queue.clear()
            conn._proto.budget.waiting.clear()
        return states

    expected, got = asyncio.run(both())
    assert got == expected


@pytest.mark.parametrize("thread_check", [True, False], ids=["asyncio", "is_running"])
def test_the_routers_fast_path_leaves_a_connection_of_a_closed_loop_to_execute(thread_check: bool) -> None:
    # asyncio.run twice with one client: the node connection's socket belongs to the first loop, gone; the
    # command must not go into it, but by execute's own way (the connection adopts the running loop). A loop
    # with no _thread_id (uvloop) is checked by the thread the connection was bound in and is_running()
    import leanredis

    async def first() -> Any:
        return _keeping(10_000, 1 << 30, 0, (10_000, 10_000), False, False)

    conn = asyncio.run(first())
    conn._thread_check = thread_check
    old = conn._proto

    async def second() -> tuple[bool, int]:
        client = leanredis.RedisCluster(host="127.0.0.1", port=1)  # never connects: port 1 refuses
        client.nodes_manager.point_slots([_Node(conn)] * 16384)  # type: ignore[arg-type]
        fut = client._send((b"GET", b"k"), None)
        adopted = conn._loop is asyncio.get_running_loop() and conn._proto is None
        fut.cancel()
        await conn.aclose()
        return adopted, len(old.pending)

    assert asyncio.run(second()) == (True, 0)
