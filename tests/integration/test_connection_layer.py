"""The connection layer's holes, each against a real server or a fault proxy in front of one.

Every test here failed on the single-file connection of 3a035bb (checked by
running it there) and passes on the connection/ package.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any

import pytest

import leanredis
from leanredis.connection import Connection, Packed
from leanredis.exceptions import ConnectionError, RedisError, TimeoutError
from leanredis.options import ConnectionOptions
from leanredis.retry import AbstractBackoff, Retry
from leanredis.server import RedisServer

from .faults import FaultProxy
from .helpers import until_ok

pytestmark = pytest.mark.slow


# -- the dialer --------------------------------------------------------------------------


# with a handshake (CLIENT SETINFO), a reset fails the handshake; with none (protocol 2, no
# lib_name, lib_version, name, password or db), only the dialer's look at the socket it opened sees it
HANDSHAKES = {"handshake": {}, "no-handshake": {"driver_info": None, "protocol": 2}}


@pytest.mark.parametrize("handshake", HANDSHAKES, ids=list(HANDSHAKES))
async def test_a_socket_reset_while_opening_is_never_adopted_and_the_client_recovers(
    proxy: FaultProxy, redis_server: RedisServer, handshake: str
) -> None:
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("k", "v")
    proxy.mode = "reset"
    # eight clients, each a caller retrying every 10 ms: the reset races each connect
    clients = [
        leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_timeout=0.5, **HANDSHAKES[handshake])
        for _ in range(8)
    ]
    loop = asyncio.get_running_loop()
    end = loop.time() + 1.5

    async def retry(client: leanredis.Redis) -> set[str]:
        outcomes: set[str] = set()
        while loop.time() < end:
            try:
                await client.get("k")
                outcomes.add("answered")
            except (ConnectionError, TimeoutError) as exc:
                outcomes.add(type(exc).__name__)
            await asyncio.sleep(0.01)
        return outcomes

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the proxy's thread resets each socket at once, not 5 ms later
    try:
        try:
            results = await asyncio.gather(*(retry(client) for client in clients))
        finally:
            sys.setswitchinterval(interval)
        for outcomes in results:
            assert "answered" not in outcomes
        for client in clients:
            assert not client.stats()["connected"], "a connection holds a socket the server reset"
        proxy.mode = "forward"
        # the backoff is capped at 2 s: the next attempts reach the server
        for client in clients:
            assert await until_ok(lambda c=client: c.get("k"), 6) == b"v"
    finally:
        for client in clients:
            await client.aclose()


class _SlowCredentials:
    """An async credential_provider (a token fetched over the network) that takes 50 ms."""

    async def get_credentials_async(self) -> tuple[str, str]:
        await asyncio.sleep(0.05)
        return ("default", "any")  # the server's default user has no password: any is accepted


async def test_a_socket_reset_while_credentials_are_fetched_is_never_adopted(
    proxy: FaultProxy, redis_server: RedisServer
) -> None:
    """The reset lands while the dialer awaits the credentials: nothing is written on the dead socket,
    so no handshake reply fails, and only the dialer's look at the socket keeps it from being adopted."""
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("k", "v")
    proxy.mode = "reset"
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, credential_provider=_SlowCredentials(), protocol=2,
        driver_info=None, socket_timeout=0.5, connect_retries=0,
    )
    try:
        seen: list[str] = []
        for _ in range(20):  # a reset that beats the connect itself is "Connect call failed": try again
            try:
                await asyncio.wait_for(client.get("k"), 5)
            except (ConnectionError, TimeoutError) as exc:
                seen.append(str(exc))
            except asyncio.TimeoutError:  # an adopted dead socket: the command waits for ever
                seen.append("no answer in 5 s")
                break
            if "while connecting" in seen[-1]:
                break
            await asyncio.sleep(0.01)
        assert "closed by the server while connecting" in seen[-1], seen
        assert not client.stats()["connected"], "the connection holds a socket the server reset"
        proxy.mode = "forward"
        assert await until_ok(lambda: asyncio.wait_for(client.get("k"), 5), 6) == b"v"
    finally:
        await client.aclose()


@pytest.mark.parametrize("handshake", HANDSHAKES, ids=list(HANDSHAKES))
async def test_backoff_grows_against_a_server_that_accepts_and_drops(proxy: FaultProxy, handshake: str) -> None:
    proxy.mode = "reset"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_timeout=0.5, **HANDSHAKES[handshake])
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.5
        while loop.time() < end:
            try:
                await client.get("k")
            except (ConnectionError, TimeoutError):
                pass
            await asyncio.sleep(0.01)
        # 50 ms doubling (with jitter in [0.5, 1]) fits at most 8 attempts in 1.5 s; without growth
        # a connect that succeeds would reset the count and the client would retry ~20 times a second
        assert 2 <= proxy.accepts <= 9, f"{proxy.accepts} connects in 1.5 s"
    finally:
        await client.aclose()


class _CountingBackoff(AbstractBackoff):
    """A Retry backoff that records the failure count each delay is asked for (10 ms each)."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> _CountingBackoff:
        return self  # the client copies a Retry's backoff: this one is watched from the test

    def compute(self, failures: int) -> float:
        self.asked.append(failures)
        return 0.01


@pytest.mark.parametrize("fault", ["dropped-after-connect", "reset-while-connecting"])
async def test_each_connect_that_gets_no_answer_counts_once_in_the_backoff(proxy: FaultProxy, fault: str) -> None:
    """Before attempt n+1 the backoff is asked for n failures: a socket dropped before any reply (the
    client adopted it, wrote a GET, the server hung up) counts once, and so does a socket reset while
    the dialer was still on it (it is lost, and the dial fails: one attempt, not two failures)."""
    if fault == "dropped-after-connect":
        proxy.mode, proxy.cut_after = "cut", 1  # the GET's first byte reaches the server, then both sides close
        extra: dict[str, Any] = {}
    else:
        proxy.mode = "reset"
        extra = {"credential_provider": _SlowCredentials()}  # the reset lands before any handshake write
    backoff = _CountingBackoff()
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, protocol=2, driver_info=None,
        retry=Retry(backoff, 0), socket_timeout=2, **extra,
    )
    try:
        for _ in range(8):
            with pytest.raises(ConnectionError):
                await asyncio.wait_for(client.get("k"), 5)
        attempts = client.stats()["connects"] + client.stats()["connect_failures"]
        assert attempts >= 8 and proxy.accepts >= 8, (attempts, proxy.accepts)
        # every attempt after the first was preceded by one delay, asked for 1, 2, 3, ... failures
        assert backoff.asked == list(range(1, len(backoff.asked) + 1)), backoff.asked
        assert len(backoff.asked) == attempts - 1, (backoff.asked, attempts)
    finally:
        await client.aclose()


async def test_max_clients_reached_is_a_connection_error(fresh_server: RedisServer) -> None:
    holder = socket.create_connection((fresh_server.host, fresh_server.port), timeout=5)
    try:
        holder.sendall(b"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$10\r\nmaxclients\r\n$1\r\n1\r\n")
        assert holder.recv(64) == b"+OK\r\n"
        for protocol in (2, 3):
            client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, protocol=protocol)
            try:
                with pytest.raises(ConnectionError, match="max number of clients") as caught:
                    await asyncio.wait_for(client.get("k"), 5)
                assert not isinstance(caught.value, leanredis.AuthenticationError)
            finally:
                await client.aclose()
    finally:
        holder.close()


async def test_pubsub_connect_timeout_is_a_timeout_error_and_a_commands_names_it_as_its_cause(
    proxy: FaultProxy,
) -> None:
    proxy.mode = "blackhole"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, password="secret", socket_connect_timeout=0.3)
    pubsub = client.pubsub()
    try:
        with pytest.raises(TimeoutError) as from_pubsub:
            await pubsub.subscribe("channel")
        # a command waits through the connect retries, then is told how many attempts failed and why
        with pytest.raises(ConnectionError, match="after 4 attempts") as from_command:
            await client.get("k")
        assert isinstance(from_command.value.__cause__, TimeoutError)
        for error in (from_pubsub.value, from_command.value):
            assert "timed out after 0.3 s" in str(error) and "secret" not in str(error)
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_pubsub_aclose_during_its_handshake_closes_the_socket(proxy: FaultProxy) -> None:
    proxy.mode = "blackhole"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, password="secret")
    pubsub = client.pubsub()
    task = asyncio.ensure_future(pubsub.subscribe("channel"))
    try:
        for _ in range(200):
            if proxy.accepts:
                break
            await asyncio.sleep(0.01)
        assert proxy.accepts == 1
        await asyncio.sleep(0.05)  # the handshake is written and waits for a reply that never comes
        await pubsub.aclose()
        for _ in range(200):
            if proxy.closed_by_client:
                break
            await asyncio.sleep(0.01)
        assert proxy.closed_by_client == 1, "the socket of a cancelled pub/sub connect was left open"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()


# -- replies and pushes --------------------------------------------------------------------


async def test_a_push_that_cannot_be_decoded_is_not_charged_to_a_caller(debug_server: RedisServer) -> None:
    port = debug_server.port
    tracked = leanredis.Redis(host="127.0.0.1", port=port, protocol=3, decode_responses=True)
    writer = leanredis.Redis(host="127.0.0.1", port=port)
    pushes: list[Any] = []
    try:
        await tracked.execute_command("CLIENT", "TRACKING", "ON")
        tracked.connection.on_push = pushes.append
        bad_key = b"bad:\xff\xfe"
        assert await tracked.get(bad_key) is None  # now tracked
        await writer.set(bad_key, "x")  # the invalidation names a key that is not UTF-8
        echoes = await asyncio.gather(*(tracked.echo(f"m{i}") for i in range(200)))
        assert echoes == [f"m{i}" for i in range(200)]
        assert await tracked.get("missing") is None
        stats = tracked.stats()
        assert stats["push_decode_errors"] == 1 and stats["pushes"] >= 1
        assert pushes and pushes[0][0] == "invalidate"
    finally:
        await tracked.aclose()
        await writer.aclose()


async def test_a_reply_that_cannot_be_decoded_fails_its_own_caller_only(r: leanredis.Redis) -> None:
    await r.set("bad", b"\xff\xfe")
    await r.set("good", "yes")
    client = leanredis.Redis(host="127.0.0.1", port=r.options.port, decode_responses=True)
    try:
        results = await asyncio.gather(
            client.get("good"), client.get("bad"), client.get("good"), return_exceptions=True
        )
        assert results[0] == "yes" and results[2] == "yes"
        assert isinstance(results[1], UnicodeDecodeError)
        assert client.stats()["reconnects"] == 0
    finally:
        await client.aclose()


async def test_pushes_reach_the_owner_in_order_with_the_replies(debug_server: RedisServer) -> None:
    port = debug_server.port
    tracked = leanredis.Redis(host="127.0.0.1", port=port, protocol=3)
    writer = leanredis.Redis(host="127.0.0.1", port=port)
    events: list[Any] = []
    try:
        await tracked.execute_command("CLIENT", "TRACKING", "ON")
        tracked.connection.on_push = lambda message: events.append(("push", message))
        await tracked.get("watched")
        await writer.set("watched", "1")
        events.append(("ping", await tracked.ping()))
        assert events == [("push", [b"invalidate", [b"watched"]]), ("ping", True)]
    finally:
        await tracked.aclose()
        await writer.aclose()


@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "decode"])
async def test_resp3_attributes_do_not_shift_replies(debug_server: RedisServer, decode: bool) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=debug_server.port, protocol=3, decode_responses=decode)
    try:
        expected = "Some real reply following the attribute"
        calls = []
        for i in range(300):
            calls.append(client.echo(f"before{i}"))
            if i % 30 == 0:
                calls.append(client.execute_command("DEBUG", "PROTOCOL", "attrib"))
            calls.append(client.echo(f"after{i}"))
        results = await asyncio.gather(*calls)
        want: list[Any] = []
        for i in range(300):
            want.append(f"before{i}")
            if i % 30 == 0:
                want.append(expected)
            want.append(f"after{i}")
        if not decode:
            want = [w.encode() for w in want]
        assert results == want
        # a payload with "|" after a line break is data, not an attribute
        text = "line\r\n|1\r\n+not an attribute\r\n" * 50
        await client.set("pipes", text)
        assert await client.get("pipes") == (text if decode else text.encode())
        assert client.stats()["reconnects"] == 0 and client.stats()["protocol_errors"] == 0
    finally:
        await client.aclose()


# -- redirects ---------------------------------------------------------------------------------

_REDIRECTING_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('GET', KEYS[1]) end
return redis.error_reply('MOVED 42 127.0.0.1:' .. ARGV[1])
"""


async def test_a_redirected_command_is_resent_as_the_callers_own_future(
    redis_server: RedisServer, debug_server: RedisServer
) -> None:
    # no CLIENT SETINFO in the handshake: its error reply on Redis < 7.2 would reach on_redirect too
    source = Connection(ConnectionOptions(port=redis_server.port, lib_name=None, lib_version=None), keeps_commands=True)
    target = Connection(ConnectionOptions(port=debug_server.port))
    seen: list[tuple[str, Any]] = []

    def redirect(fut: Any, error: RedisError, packed: Packed) -> bool:
        seen.append((type(error).__name__, fut))
        if isinstance(error, leanredis.exceptions.MovedError):
            target.resend(fut, packed)
            return True
        return False

    source.on_redirect = redirect
    try:
        await target.execute((b"SET", b"redirected:key", b"from the target"))
        await source.execute((b"DEL", b"redirected:key"))
        futures = [
            source.execute((b"EVAL", _REDIRECTING_SCRIPT, 1, b"redirected:key", debug_server.port))
            for _ in range(50)
        ]
        assert source.kept_bytes > 0  # kept until their replies, counted in the bounds
        results = await asyncio.gather(*futures)
        assert results == [b"from the target"] * 50
        assert [fut for _, fut in seen] == futures  # the same futures the callers hold, no wrapper
        assert source.kept_bytes == 0 and source.inflight == 0 and target.inflight == 0
        # an error the owner does not take is the caller's, as on any connection
        await source.execute((b"SET", b"string:key", b"v"))
        with pytest.raises(leanredis.ResponseError, match="WRONGTYPE"):
            await source.execute((b"LPUSH", b"string:key", b"x"))
        assert seen[-1][0] == "WrongTypeError" and source.kept_bytes == 0
    finally:
        await source.aclose()
        await target.aclose()


# -- the bounds, through public stats ----------------------------------------------------------


async def test_raw_replies_leave_the_count_when_they_arrive(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        await client.hset("raw:h", mapping={"f": "\u00e9t\u00e9"})
        futures = [client.dump("raw:h") for _ in range(20)] + [client.hget("raw:h", "f") for _ in range(20)]
        assert client.stats()["raw_replies_pending"] == 20
        results = await asyncio.gather(*futures)
        assert all(isinstance(value, bytes) for value in results[:20])
        assert results[20:] == ["\u00e9t\u00e9"] * 20
        assert client.stats()["raw_replies_pending"] == 0
    finally:
        await client.aclose()


async def test_a_large_write_waits_for_buffer_room_not_only_for_inflight_room(redis_server: RedisServer) -> None:
    # max_inflight is far away; max_buffered_bytes alone must hold the second command back in the queue
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_buffered_bytes=64 * 1024)
    try:
        await client.ping()
        big = b"x" * (128 * 1024)
        first, second = client.set("big:1", big), client.set("big:2", big)
        assert client.stats()["queued"] == 1 and client.stats()["inflight"] == 1
        assert await asyncio.gather(first, second) == [True, True]
        assert client.stats()["queued_high"] == 1
    finally:
        await client.aclose()


async def test_max_queued_is_the_exact_number_of_callers_that_may_wait(proxy: FaultProxy) -> None:
    proxy.mode = "blackhole"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, password="secret", max_queued=5,
                             socket_connect_timeout=0.5)
    try:
        futures = [client.get(f"k{i}") for i in range(5)]  # waiting for the connection
        with pytest.raises(leanredis.OverloadError, match="limit 5"):
            await client.get("one too many")
        assert client.stats()["queued"] == 5
        results = await asyncio.gather(*futures, return_exceptions=True)
        # every connect attempt timed out: the waiting commands are told so, once the retries are spent
        assert all(isinstance(res, ConnectionError) and "timed out after 0.5 s" in str(res) for res in results), results
    finally:
        await client.aclose()


# -- connect retries --------------------------------------------------------------------------


async def test_commands_never_written_wait_through_connect_retries(
    proxy: FaultProxy, redis_server: RedisServer
) -> None:
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("retried", "yes")
    proxy.mode = "blackhole"  # accepts, never greets: each attempt times out
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, client_name="retry-test", socket_connect_timeout=0.3)
    try:
        pending = asyncio.ensure_future(client.get("retried"))
        # the first attempt times out (0.3 s after it began, which a loaded machine delays: a fixed 0.35 s
        # sleep left 50 ms for that); the command waits for the next one
        deadline = asyncio.get_running_loop().time() + 10
        while not client.stats()["connect_failures"] and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        assert not pending.done() and client.stats()["connect_failures"] >= 1
        proxy.mode = "forward"
        assert await asyncio.wait_for(pending, 5) == b"yes"
    finally:
        await client.aclose()


@pytest.mark.parametrize("retries", [0, 2])
async def test_connect_retries_are_bounded_then_the_waiting_commands_fail(retries: int) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: connections are refused
        client = leanredis.Redis(host="127.0.0.1", port=port, connect_retries=retries)
        try:
            refused = rf"Error 111 connecting to .*\({1 + retries} attempts? in "
            with pytest.raises(ConnectionError, match=refused):
                await asyncio.wait_for(client.get("k"), 10)
            assert client.stats()["connect_failures"] == 1 + retries
        finally:
            await client.aclose()


# -- what an error tells the caller --------------------------------------------------------------


async def test_busy_is_its_own_error_and_written_commands_are_reported_possibly_executed(
    fresh_server: RedisServer,
) -> None:
    admin = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    runner = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await admin.config_set("busy-reply-threshold", 100)  # BUSY after 100 ms of a running script
        script = asyncio.ensure_future(runner.eval("while true do end", 0))
        await asyncio.sleep(0.3)
        with pytest.raises(leanredis.BusyError, match="BUSY"):
            await asyncio.wait_for(admin.ping(), 5)
        assert isinstance(leanredis.BusyError("x"), leanredis.ResponseError)  # code catching ResponseError still does
        await admin.script_kill()
        with pytest.raises(leanredis.ResponseError):
            await asyncio.wait_for(script, 5)
        # a command lost with its socket may have run: it says so; one that never left the queue says it did not
        pending = runner.incr("counted")
        fresh_server.kill()
        with pytest.raises(ConnectionError) as lost:
            await asyncio.wait_for(pending, 5)
        assert lost.value.possibly_executed is True
    finally:
        await admin.aclose()
        await runner.aclose()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        never = leanredis.Redis(host="127.0.0.1", port=unused.getsockname()[1], connect_retries=0)
        with pytest.raises(ConnectionError) as refused:
            await asyncio.wait_for(never.incr("counted"), 5)
        assert refused.value.possibly_executed is False
        await never.aclose()
