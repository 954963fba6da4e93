"""A keeping connection (a cluster node's) counts its kept commands per write, and gives them back per read."""

from __future__ import annotations

import asyncio
from typing import Any

from hiredis import pack_command


class _DroppingTransport:
    """Takes every write at once (the kernel took it all) and keeps nothing."""

    def write(self, data: bytes | bytearray) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def abort(self) -> None:  # a dropped socket: connection_lost is not called, nothing more is read
        pass


def _keeping() -> tuple[Any, Any]:
    """A keeping Connection and its RedisProtocol on a transport that drops what is written (in a running loop)."""
    from leanredis.connection import Connection
    from leanredis.connection.protocol import RedisProtocol
    from leanredis.options import ConnectionOptions

    conn = Connection(ConnectionOptions(host="127.0.0.1", port=1, socket_timeout=None), keeps_commands=True)
    proto = RedisProtocol(conn)
    proto.connection_made(_DroppingTransport())
    conn._proto = proto
    return conn, proto


def _memory(proto: Any) -> tuple[int, int]:
    """The budget's kept part, and its parts' sum less what it charges in all (0 when they agree)."""
    parts = proto.budget.parts()
    return parts["kept"], sum(parts.values()) - proto.budget.used


def test_kept_bytes_leave_with_their_writes_last_reply_and_their_room_goes_back() -> None:
    # the fast path adds nothing per command: a command's bytes are kept from the out-buffer, a write's
    # leave the count at the read that answers its last command (not one by one), and the room they held
    # of max_memory_bytes goes back to the budget there; the budget's parts still sum to what it charges
    args = [(b"SET", b"key:%d" % i, b"v" * 50) for i in range(5)]
    size = len(pack_command(args[0]))

    async def run() -> list[tuple[Any, ...]]:
        conn, proto = _keeping()
        seen = []
        first = [conn.execute(a, None) for a in args[:3]]
        seen.append((proto.kept_now(), conn.kept_bytes))  # encoded, not written: kept already
        proto.flush()
        second = [conn.execute(a, None) for a in args[3:]]
        proto.flush()
        seen.append((proto.kept_now(), proto.kept_bytes, _memory(proto)[0] >= 5 * size, _memory(proto)[1]))
        proto.data_received(b"+OK\r\n" * 2)  # the first write answered in part: counted whole still
        seen.append((proto.kept_now(), [f.done() for f in first], first[0].payload, first[2].payload is args[2]))
        proto.data_received(b"+OK\r\n")  # its last reply: its bytes leave, their room goes back
        seen.append((proto.kept_now(), _memory(proto)))
        proto.data_received(b"+OK\r\n" * 2)
        seen.append((proto.kept_now(), _memory(proto), [f.result() for f in first + second]))
        return seen

    seen = asyncio.run(run())
    assert seen == [
        (3 * size, 3 * size),
        (5 * size, 5 * size, True, 0),
        (5 * size, [True, True, False], None, False),
        (2 * size, (2 * size, 0)),
        (0, (0, 0), [b"OK"] * 5),
    ]


def test_a_pipeline_on_a_keeping_connection_is_not_counted_as_kept() -> None:
    # a batch (a cluster pipeline's commands to one node) is never redirected nor kept: its bytes are in
    # the out-buffer only, and neither they nor its replies move the kept bytes of the commands around it
    kept_args = (b"SET", b"key", b"v" * 50)
    size = len(pack_command(kept_args))

    async def run() -> list[int]:
        conn, proto = _keeping()
        seen = []
        single = conn.execute(kept_args, None)
        unit = conn.execute_batch([((b"SET", b"p:%d" % i, b"w" * 200), None) for i in range(4)])
        seen.append(proto.kept_now())
        proto.flush()
        seen.append(proto.kept_now())
        proto.data_received(b"+OK\r\n")  # the single command: the write is not all answered yet
        seen.append(proto.kept_now())
        proto.data_received(b"+OK\r\n" * 4)  # the pipeline's replies: the write's last
        seen.append(proto.kept_now())
        assert single.result() == b"OK" and unit is not None and unit.result() == [b"OK"] * 4
        return seen

    assert asyncio.run(run()) == [size, size, size, 0]


def test_a_reply_arriving_behind_answered_writes_finds_their_kept_bytes_given_back() -> None:
    # one read answers a write's commands and brings most of a long reply: the long reply is charged to
    # max_memory_bytes after the answered write's kept bytes were given back, so it fits in what they held;
    # charged before, it would not, and every caller of the socket would fail (ReplyTooLargeError)
    from leanredis.connection import Connection
    from leanredis.connection.protocol import RedisProtocol
    from leanredis.options import ConnectionOptions

    async def run() -> tuple[list[Any], bool, int, int]:
        options = ConnectionOptions(host="127.0.0.1", port=1, socket_timeout=None, max_memory_bytes=1 << 20)
        conn = Connection(options, keeps_commands=True)
        proto = RedisProtocol(conn)
        proto.connection_made(_DroppingTransport())
        conn._proto = proto
        sets = [conn.execute((b"SET", b"key:%d" % i, b"v" * 100_000), None) for i in range(3)]
        proto.flush()
        get = conn.execute((b"GET", b"long"), None)
        proto.flush()
        budget = proto.budget
        kept = proto.kept_now()
        # the GET's reply: what is left once the SETs' kept bytes are back, less a margin
        size = budget.limit - (budget.used - proto.kept_room) - 1000
        assert size > 0 and budget.used + size > budget.limit  # it fits only in what the SETs held
        proto.data_received(b"+OK\r\n" * 3 + b"$%d\r\n" % size + b"x" * (size - 10))  # all of it but 10 bytes
        return [s.result() for s in sets], get.done(), kept, proto.kept_now() - len(pack_command((b"GET", b"long")))

    results, done, kept, left = asyncio.run(run())
    assert results == [b"OK"] * 3 and not done and kept > 300_000 and left == 0
