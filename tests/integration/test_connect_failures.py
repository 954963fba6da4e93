"""A server that cannot be reached: what a command is told, and how long it waits to be told.

A command that could not be sent because no connect succeeded fails with a
``ConnectionError`` naming the attempts made in a row, their time and the last
attempt's error (its ``__cause__``), never with a bare ``TimeoutError``. Once
a series of attempts has failed, the client knows the server is down: a new
caller waits for one attempt, not for a new series. A caller whose own
timeout passes first gets a ``TimeoutError`` of stage ``"queued"`` carrying
the connect error.

Unreachable servers, all on loopback: a closed port (refused), a listener
whose accept queue is full (the kernel drops the SYNs: the connect never
completes), and the fault proxy's black hole (accepted, the handshake never
answered).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest

import leanredis
from leanredis.exceptions import ConnectionError, TimeoutError
from leanredis.server import RedisServer

from .faults import FaultProxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

# reconnect_backoff_base 0.05 s doubling: the delays before retries 1, 2, 3 are at most 0.05 + 0.1 + 0.2 s,
# the delay before the fifth attempt at most 0.4 s, before the sixth 0.8 s (jitter only shortens them)
SERIES_BACKOFF = 0.35
# for a loaded machine (2 cores shared with other work): generous, still far below a second series or a timeout
SLACK = 1.0


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound and not listening: every connect is refused at once."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.fixture
def dropped_syns() -> Iterator[int]:
    """A loopback port whose SYNs the kernel drops: a listener with a backlog of 0 and one connection never
    accepted, so its accept queue is full and every later connect waits for a SYN-ACK that never comes."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # fills the accept queue
            with socket.socket() as probe:
                probe.settimeout(0.3)
                with pytest.raises(OSError):  # a connect now hangs (socket.timeout is an OSError)
                    probe.connect(("127.0.0.1", port))
            yield port


@pytest.fixture(params=["dropped-syns", "handshake-unanswered"])
async def unanswered(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[int]:
    """A port whose connects get no answer: SYNs dropped, or (the fault proxy's black hole) accepted and
    the handshake never answered."""
    if request.param == "dropped-syns":
        yield request.getfixturevalue("dropped_syns")
        return
    proxy = await FaultProxy(redis_server.port, mode="blackhole").start()
    yield proxy.port
    await proxy.aclose()


async def _fails(call: object) -> tuple[BaseException, float]:
    """The error ``call`` (an awaitable) raises and how long it took; a test bound of its own."""
    started = time.monotonic()
    with pytest.raises((ConnectionError, TimeoutError)) as caught:
        await asyncio.wait_for(call, 30)  # type: ignore[arg-type]
    return caught.value, time.monotonic() - started


def _says_attempts(error: BaseException, attempts: int, port: int) -> None:
    # ConnectionError itself, or ConnectTimeoutError when the attempts timed out (a TimeoutError too)
    expected = leanredis.ConnectTimeoutError if isinstance(error.__cause__, TimeoutError) else ConnectionError
    assert type(error) is expected, f"{type(error).__name__}: {error}"
    tally = rf"{attempts} attempts in \d+\.\d s"
    assert re.match(
        rf"could not connect to 127\.0\.0\.1:{port} after {tally}: \S"
        rf"|Error \d+ connecting to 127\.0\.0\.1:{port}\. .+ \({tally}\)\.$",  # redis-py's words, for a refusal
        str(error),
    ), str(error)
    assert error.__cause__ is not None, "the last attempt's error is not the cause"
    assert error.possibly_executed is False  # type: ignore[attr-defined]


async def test_a_closed_port_fails_each_command_with_the_attempts_and_the_cause_the_second_one_quickly(
    closed_port: int,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=closed_port)  # the defaults: connect_retries=3
    try:
        first, took = await _fails(client.ping())
        _says_attempts(first, 4, closed_port)
        assert "Error 111 connecting to" in str(first) or "refused" in str(first), str(first)
        assert isinstance(first.__cause__, ConnectionError) and isinstance(first.__cause__.__cause__, OSError)
        assert took < SERIES_BACKOFF + SLACK, f"the first series took {took:.2f} s"
        assert client.stats()["connect_failures"] == 4

        # the server is known down: the next caller waits for one attempt (after at most 0.4 s of backoff)
        second, took = await _fails(client.ping())
        _says_attempts(second, 5, closed_port)
        assert took < 0.4 + SLACK, f"the second command waited {took:.2f} s"
        assert client.stats()["connect_failures"] == 5

        # callers arriving together while it is down share that one attempt
        started = time.monotonic()
        together = asyncio.gather(*(client.ping() for _ in range(10)), return_exceptions=True)
        results = await asyncio.wait_for(together, 30)
        took = time.monotonic() - started
        for result in results:
            _says_attempts(result, 6, closed_port)
        assert took < 0.8 + SLACK, f"ten callers waited {took:.2f} s"
        assert client.stats()["connect_failures"] == 6
    finally:
        await client.aclose()


async def test_an_unanswered_connect_fails_with_the_attempts_within_the_documented_bound(unanswered: int) -> None:
    port = unanswered
    connect_timeout = 0.5
    client = leanredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=connect_timeout, socket_timeout=20)
    try:
        first, took = await _fails(client.ping())
        _says_attempts(first, 4, port)
        assert f"the connect timed out after {connect_timeout} s" in str(first), str(first)
        assert isinstance(first.__cause__, TimeoutError), repr(first.__cause__)
        # a ConnectionError (never sent) that redis-py's handlers of a connect timeout catch too
        assert isinstance(first, leanredis.ConnectTimeoutError) and isinstance(first, leanredis.TimeoutError)
        # (connect_retries + 1) x socket_connect_timeout + the backoff before each retry
        assert 4 * connect_timeout <= took < 4 * connect_timeout + SERIES_BACKOFF + SLACK, f"{took:.2f} s"

        second, took = await _fails(client.ping())
        _says_attempts(second, 5, port)
        # known down: the rest of the backoff (at most 0.4 s) and one attempt
        assert connect_timeout <= took < 0.4 + connect_timeout + SLACK, f"{took:.2f} s"
        assert client.stats()["connect_failures"] == 5
    finally:
        await client.aclose()


@pytest.mark.parametrize("stage", ["after-failed-attempts", "during-the-first-attempt"])
async def test_a_caller_timeout_while_connecting_is_a_queued_timeout_carrying_the_connect_error(
    dropped_syns: int, stage: str
) -> None:
    if stage == "after-failed-attempts":
        connect_timeout, timeout = 0.3, 1.2  # two or three attempts fail before the caller's deadline
    else:
        connect_timeout, timeout = 5.0, 0.5  # the caller's deadline passes during the first attempt
    client = leanredis.Redis(
        host="127.0.0.1", port=dropped_syns, socket_connect_timeout=connect_timeout, socket_timeout=timeout
    )
    try:
        error, took = await _fails(client.get("k"))
        assert type(error) is TimeoutError, f"{type(error).__name__}: {error}"
        assert error.stage == "queued" and error.possibly_executed is False  # type: ignore[attr-defined]
        # uvloop's timers run on libuv's millisecond clock: a deadline may fire up to 1 ms before time.monotonic()
        assert timeout - 0.002 <= took < timeout + SLACK
        if stage == "after-failed-attempts":
            assert isinstance(error.__cause__, TimeoutError), repr(error.__cause__)
            assert f"timed out after {connect_timeout} s" in str(error.__cause__)
            # two or three on a quiet machine; one to four where the loop is late (CI runs its passes side by side)
            assert re.search(r"[1-4] connect attempts? failed in a row in \d+\.\d s, the last: the connect timed out",
                             str(error)), str(error)
        else:
            assert error.__cause__ is None
            assert "the first connect attempt is under way" in str(error), str(error)
    finally:
        await client.aclose()


async def test_a_server_that_answered_again_gets_a_full_series_at_its_next_loss(redis_server: RedisServer) -> None:
    proxy = await FaultProxy(redis_server.port).start()
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port)
    try:
        proxy.mode = "refuse"  # the listener closes; its port stays the client's address
        error, _ = await _fails(client.ping())
        _says_attempts(error, 4, proxy.port)
        proxy.mode = "forward"
        assert await asyncio.wait_for(client.ping(), 10) is True  # one attempt after the backoff: the server is back
        proxy.mode = "refuse"
        proxy.abort_connections()
        # the server was up: a new series of 1 + connect_retries attempts, counted from 1 again
        error, took = await _fails(client.ping())
        if "after" not in str(error):  # the PING was written before the abort reached the client
            error, took = await _fails(client.ping())
        _says_attempts(error, 4, proxy.port)
        assert took < SERIES_BACKOFF + SLACK
    finally:
        await client.aclose()
        await proxy.aclose()
