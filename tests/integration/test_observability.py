"""What operators see: the leanredis logger (no per-command records, no secrets), the memory watchdog, byte counts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import leanredis
from leanredis.server import RedisServer

PASSWORD = "s3cret-pw-do-not-log"
WRONG = "wrong-secret-xyz"


@pytest.fixture(scope="module")
def locked_server(server_binary: str) -> Iterator[RedisServer]:
    server = RedisServer(server_binary, extra_args=["--requirepass", PASSWORD])
    server.start()
    yield server
    server.stop()


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self, level: int = logging.DEBUG) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("leanredis")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


async def test_connects_losses_and_reconnects_are_logged_and_commands_are_not(
    redis_server: RedisServer, records: Records
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    killer = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await asyncio.gather(*(client.set(f"log:{i}", i) for i in range(1_000)))
        assert any("connected to" in text for text in records.texts(logging.INFO))
        ident = await client.client_id()
        await killer.execute_command("CLIENT", "KILL", "ID", ident)
        for _ in range(50):
            try:
                await client.ping()
                break
            except leanredis.ConnectionError:
                await asyncio.sleep(0.01)
        texts = records.texts(logging.INFO)
        assert any("lost" in text for text in records.texts(logging.WARNING)), texts
        assert any("reconnected to" in text for text in texts), texts
        assert len(texts) <= 6, f"per-command records at INFO: {texts[:10]}"
    finally:
        await client.aclose()
        await killer.aclose()


async def test_no_secret_in_logs_reprs_or_errors(locked_server: RedisServer, records: Records) -> None:
    url = f"redis://default:{WRONG}@127.0.0.1:{locked_server.port}/0"
    wrong = leanredis.Redis.from_url(url, connect_retries=0)
    right = leanredis.Redis(host="127.0.0.1", port=locked_server.port, password=PASSWORD, protocol=3)
    seen: list[str] = []
    try:
        with pytest.raises(leanredis.AuthenticationError) as caught:
            await wrong.ping()
        seen += [str(caught.value), repr(caught.value), repr(wrong), repr(wrong.options), str(wrong.stats())]
        assert await right.ping() is True
        pubsub = right.pubsub()
        await pubsub.subscribe("c")
        seen += [repr(right), repr(right.options), repr(right.connection), repr(pubsub), str(right.stats())]
        await pubsub.aclose()
    finally:
        await wrong.aclose()
        await right.aclose()
    # credentials from a credential_provider (redis-py's get_credentials shape), wrong then right
    class Provider:
        def __init__(self, password: str) -> None:
            self.password = password

        def get_credentials(self) -> tuple[str, str]:
            return ("default", self.password)

    provided_wrong = leanredis.Redis(
        host="127.0.0.1", port=locked_server.port, credential_provider=Provider(WRONG), connect_retries=0
    )
    provided = leanredis.Redis(host="127.0.0.1", port=locked_server.port, credential_provider=Provider(PASSWORD))
    try:
        with pytest.raises(leanredis.AuthenticationError) as caught:
            await provided_wrong.ping()
        seen += [str(caught.value), repr(caught.value), repr(provided_wrong), repr(provided_wrong.options)]
        assert await provided.ping() is True
        seen += [repr(provided), repr(provided.options), str(provided.stats())]
    finally:
        await provided_wrong.aclose()
        await provided.aclose()
    seen += records.texts()
    seen += [str(r.exc_info) for r in records.records if r.exc_info]
    for text in seen:
        assert PASSWORD not in text and WRONG not in text, text


async def test_overload_is_logged_once_per_episode(redis_server: RedisServer, records: Records) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_inflight=10, overload_policy="fail")
    try:
        await client.ping()
        results = await asyncio.gather(*(client.incr("ov") for _ in range(500)), return_exceptions=True)
        refused = sum(isinstance(r, leanredis.OverloadError) for r in results)
        assert refused > 100
        warnings = [t for t in records.texts(logging.WARNING) if "overloaded" in t]
        assert len(warnings) == 1, warnings
        assert client.stats()["overloads"] == refused
    finally:
        await client.aclose()


async def test_the_memory_watchdog_warns_once_per_crossing(redis_server: RedisServer, records: Records) -> None:
    calls: list[dict[str, Any]] = []
    client = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, memory_warning_bytes=1, memory_warning_callback=calls.append
    )
    watchdog = client.connection.watchdog
    assert watchdog is not None
    watchdog.interval = 0.02
    try:

        async def activity() -> None:
            await client.set("w", "1")
            await asyncio.sleep(0.05)

        await activity()
        assert len(calls) == 1
        info = calls[0]
        assert info["rss_bytes"] > 1 and {"inflight", "queued", "buffered_bytes", "allocator"} <= info.keys()
        await activity()
        await activity()
        assert len(calls) == 1, "warned again without falling below the threshold"
        watchdog.threshold = 2**62
        await activity()
        watchdog.threshold = 1
        await activity()
        assert len(calls) == 2 and client.stats()["memory_warnings"] == 2
        assert len([t for t in records.texts(logging.WARNING) if "memory_warning_bytes" in t]) == 2
    finally:
        await client.aclose()
    with pytest.raises(leanredis.DataError, match="memory_warning_bytes"):
        leanredis.Redis(memory_warning_callback=print)


async def test_bytes_in_and_out_are_counted(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await client.set("bytes", b"x" * 10_000)
        assert await client.get("bytes") == b"x" * 10_000
        stats = client.stats()
        assert stats["bytes_out"] >= 10_000 and stats["bytes_in"] >= 10_000
    finally:
        await client.aclose()


async def _what_a_wrong_url_password_shows(port: int, secret: str) -> list[str]:
    """Errors, reprs, stats and log records of clients whose URL carries ``secret`` (a wrong password)."""
    handler = Records()
    logger = logging.getLogger("leanredis")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    seen: list[str] = []
    try:
        for url in (
            f"redis://default:{quote(secret, safe='')}@127.0.0.1:{port}/0",
            f"redis://default:{secret}@127.0.0.1:{port}/0?socket_timeout=5",
        ):
            try:
                client = leanredis.Redis.from_url(url, connect_retries=0)
            except leanredis.DataError as exc:  # an unencoded '/', '?' or '#': refused, without it
                seen += [str(exc), repr(exc)]
                continue
            try:
                # the multiplexed connection, a pool connection, a pub/sub connection
                attempts = (client.ping(), client.blpop("k", 0.01), client.pubsub().subscribe("c"))
                for attempt in attempts:
                    with pytest.raises(leanredis.AuthenticationError) as caught:
                        await attempt
                    seen += [str(caught.value), repr(caught.value), repr(caught.value.__cause__)]
                seen += [repr(client), repr(client.options), repr(client.connection), repr(client.connection_pool)]
                seen += [str(client.stats())]
            finally:
                await client.aclose()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    seen += handler.texts()
    seen += [logging.Formatter().formatException(r.exc_info) for r in handler.records if r.exc_info]
    return seen


_BASELINE: list[str] = []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=8, max_size=30))
async def test_no_random_url_password_shows_in_errors_reprs_stats_or_logs(
    locked_server: RedisServer, password: str
) -> None:
    if not _BASELINE:  # what these texts say whatever the password ("127.0.0.1", "connect_retries", ...)
        _BASELINE.append("\n".join(await _what_a_wrong_url_password_shows(locked_server.port, "pw")))
    encoded = quote(password, safe="")
    assume(password not in _BASELINE[0] and encoded not in _BASELINE[0] and password != PASSWORD)
    for text in await _what_a_wrong_url_password_shows(locked_server.port, password):
        assert password not in text and encoded not in text, text
