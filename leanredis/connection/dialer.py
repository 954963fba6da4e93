"""The dialer: the one way a socket to the server is opened, greeted and given up on.

Used by the multiplexed ``Connection`` (and so by the pool and Sentinel) and
by ``PubSub``. It hides:

- where to connect (``options``, or a resolver asked at every attempt:
  Sentinel), TCP/TLS/Unix and the socket options (``handshake.open_socket``);
- the handshake (HELLO/AUTH, CLIENT SETNAME, CLIENT SETINFO, SELECT), pipelined in one write
  through the protocol's ``request``/``flush``;
- the bound on all of it (``socket_connect_timeout``) and the mapping of every
  failure to one error a caller can act on: a ``TimeoutError`` for the
  timeout, a ``ConnectionError`` otherwise, an ``AuthenticationError`` for
  credentials, never a secret in the text;
- cleanup: whatever was opened is aborted when the attempt fails or is
  cancelled (``BaseException``: a cancelled connect leaks no socket);
- never handing over a dead socket: a socket the server reset while it was
  being opened or greeted is a failed attempt, not a connection;
- ``Backoff``: exponential delay with jitter between attempts, which grows
  until the server has actually answered something.

A protocol the dialer can greet has ``request(args) -> Future``, ``flush()``,
``closed`` and ``abandon()``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..exceptions import ConnectionError, RedisError, TimeoutError
from ..handshake import credentials, handshake_error, handshake_steps, lacks_hello, open_socket
from ..options import ConnectionOptions
from ..resp import pack_command

Resolver = Callable[[], Awaitable[tuple[str, int]]]


class Greetable(Protocol):
    """What the dialer needs of a protocol: send handshake commands, know it is dead, drop it."""

    closed: bool

    def request(self, args: tuple[Any, ...]) -> asyncio.Future[Any]: ...

    def flush(self) -> None: ...

    def abandon(self) -> None: ...


class HandshakeWriter:
    """``request``/``flush`` for a protocol whose handshake replies go to futures queued in ``replies``
    (pub/sub, MONITOR: sockets that stop being request/reply once greeted). An error reply resolves
    its future as a value; the dialer raises it."""

    _loop: asyncio.AbstractEventLoop
    replies: deque[asyncio.Future[Any]]
    _out: bytearray
    transport: asyncio.Transport | None

    def request(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Encode one handshake command; its future resolves to the raw reply."""
        fut: asyncio.Future[Any] = self._loop.create_future()
        self.replies.append(fut)
        self._out += pack_command(*args)
        return fut

    def flush(self) -> None:
        """Write what ``request`` encoded, in one write."""
        out, self._out = self._out, bytearray()
        if out and self.transport is not None:
            self.transport.write(bytes(out))


class Backoff:
    """Delay before the next connect attempt: base x 2^(failures-1), capped, times a jitter in [0.5, 1],
    or ``compute(failures)`` when given (a ``Retry``'s backoff: ``ConnectionOptions.connect_backoff``).

    ``failed()`` after an attempt that did not lead to an answer from the
    server (refused, timed out, or accepted and dropped before replying);
    ``reset()`` once the server answered. A server that accepts and at once
    closes therefore backs the client off like one that refuses.
    """

    __slots__ = ("base", "cap", "failures", "compute")

    def __init__(self, base: float, cap: float, compute: Callable[[int], float] | None = None) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self.compute = compute

    def delay(self) -> float:
        """Seconds to wait before the next attempt (0 after a success)."""
        if not self.failures:
            return 0.0
        if self.compute is not None:
            return max(0.0, float(self.compute(self.failures)))
        delay = min(self.cap, self.base * 2 ** min(self.failures - 1, 62))
        return delay * random.uniform(0.5, 1.0)

    def ceiling(self) -> float:
        """The longest the next delay can be (for messages)."""
        return 0.0 if not self.failures else min(self.cap, self.base * 2 ** min(self.failures - 1, 62))

    def failed(self) -> None:
        self.failures += 1

    def reset(self) -> None:
        self.failures = 0


class Dialer:
    """Opens and greets one socket per ``dial``; see the module docstring."""

    def __init__(self, options: ConnectionOptions) -> None:
        self.options = options
        # Where to connect, asked at every attempt (Sentinel); None: options.host/port.
        # Runs inside socket_connect_timeout; a RedisError it raises is the attempt's error.
        self.resolver: Resolver | None = None

    async def dial(self, loop: asyncio.AbstractEventLoop, factory: Callable[[], Any]) -> Any:
        """A connected, greeted protocol made by ``factory``, or the error of this attempt."""
        opened: list[Any] = []
        try:
            await asyncio.wait_for(self._open_and_greet(loop, factory, opened), self.options.socket_connect_timeout)
        except BaseException as exc:
            for proto in opened:
                proto.abandon()
            if isinstance(exc, asyncio.CancelledError):
                raise
            error = self.error(exc)
            if error is exc:
                raise
            raise error from exc  # the OS's own reason stays reachable (connect_reason, tracebacks)
        proto = opened[0]
        if proto.closed:
            # The server reset the socket after it opened: connection_lost ran before anyone
            # owned the protocol. Adopting it would leave commands written to a dead socket.
            reason = getattr(proto, "drop_reason", None)
            raise ConnectionError(
                f"connection to {self.options.address} was closed by the server while connecting"
                + (f": {reason}" if reason else "")
            )
        return proto

    async def _open_and_greet(
        self, loop: asyncio.AbstractEventLoop, factory: Callable[[], Any], opened: list[Any]
    ) -> None:
        options = self.options
        if self.resolver is not None and options.unix_socket_path is None:
            host, port = await self.resolver()
            if host != options.host or port != options.port:
                # messages, TLS server name and repr follow the address actually used
                options = self.options = dataclasses.replace(options, host=host, port=port)
        proto = await open_socket(loop, factory, options)
        opened.append(proto)
        await self._handshake(proto)

    async def _handshake(self, proto: Greetable) -> None:
        """HELLO/AUTH, CLIENT SETNAME and SELECT, pipelined in one write."""
        username, password = await credentials(self.options)
        steps = handshake_steps(self.options, username, password)
        if not steps or proto.closed:
            return
        futures = [proto.request(args) for args, _ in steps]
        proto.flush()
        results = await asyncio.gather(*futures, return_exceptions=True)
        if self.options.resp2_fallback and lacks_hello(steps, results):
            # a server without HELLO (Redis before 6): greeted again in RESP2 on the same socket, and in
            # RESP2 from the start at every later connect (the steps after HELLO ran without its AUTH)
            self.options = dataclasses.replace(self.options, protocol=2)
            if hasattr(proto, "resp2"):
                proto.resp2()
            await self._handshake(proto)
            return
        for (_, label), result in zip(steps, results, strict=True):
            if isinstance(result, BaseException):
                error = handshake_error(self.options, label, result)
                if error is not None:
                    raise error from None

    def error(self, exc: BaseException) -> RedisError:
        """The error callers see for a failed attempt: RedisErrors as they are, the rest mapped."""
        address = self.options.address
        if isinstance(exc, RedisError):
            return exc
        if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            error: RedisError = TimeoutError(
                f"connecting to {address} timed out after {self.options.socket_connect_timeout} s"
            )
        else:
            error = ConnectionError(f"cannot connect to {address}: {exc}")
        error.__cause__ = exc
        return error


def connect_reason(error: BaseException, connect_timeout: float | None) -> str:
    """Why one connect attempt failed, without the address (a message that names it says it once)."""
    cause = error.__cause__
    if isinstance(error, TimeoutError) and isinstance(cause, (asyncio.TimeoutError, TimeoutError)):
        return f"the connect timed out after {connect_timeout} s (socket_connect_timeout)"
    if isinstance(cause, OSError) and not isinstance(cause, (asyncio.TimeoutError, TimeoutError)):
        return str(cause) or type(cause).__name__
    return str(error)


async def close_and_wait(proto: Any, lost: asyncio.Future[None], grace: float = 1.0) -> None:
    """Close a protocol's transport and wait (at most ``grace`` s) for connection_lost; abort after."""
    transport = proto.transport
    if transport is None:
        return
    transport.close()
    try:
        await asyncio.wait_for(asyncio.shield(lost), grace)
    except asyncio.TimeoutError:
        if proto.transport is not None:
            proto.transport.abort()
