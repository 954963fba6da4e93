"""Connecting, reconnecting and closing: the lifecycle half of ``Connection`` (a mixin on its state).

- a command that finds no socket starts one connect attempt (``_ensure_connecting``), shared by
  every caller; the attempt is the ``Dialer``'s, after the ``Backoff``'s delay;
- a failed attempt with commands waiting (never written) is retried ``connect_retries`` times
  (a series), then fails them all once with a ``ConnectionError`` naming the attempts made in a
  row, the seconds they took and the last attempt's error (its ``__cause__``); credentials are
  never retried, and an error that is not retried reaches the callers as it is;
- once a series has failed the client knows the server is down: until a connect succeeds, each
  attempt is a single one, started by the next command once its backoff delay (counted from the
  last failure) has passed, and the commands waiting for it fail with its outcome; a new caller
  waits for the next attempt, not for a new series;
- so a command waits for connects at most: while the server is believed up,
  ``(connect_retries + 1) x socket_connect_timeout`` plus the backoff delays before each retry
  (the n-th at most ``min(reconnect_backoff_cap, reconnect_backoff_base x 2^(n-1))``); once it
  is known down, ``reconnect_backoff_cap + socket_connect_timeout``; and never past its own
  ``socket_timeout``, which fails it with a ``TimeoutError`` of stage ``"queued"`` whose
  ``__cause__`` is the last connect error (none yet: the first attempt is still under way);
- a lost socket fails what was pending on it (the protocol does that) and reconnects at once if
  commands wait; the backoff resets only if the server had answered something on it, and grows
  by one failure if not; a socket lost while still being dialed is the dial's failure, counted
  once, there;
- ``aclose`` cancels an attempt in flight, fails every waiting command once, closes the socket
  and waits (bounded) for the close; the connection is usable again after.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..exceptions import ConnectionError, ConnectTimeoutError, RedisError, TimeoutError
from ..future import CommandFuture
from ..retry import connect_failure_retryable as retryable
from .dialer import Backoff, Dialer, close_and_wait, connect_reason
from .protocol import RedisProtocol

logger = logging.getLogger("leanredis")

if TYPE_CHECKING:
    from ..memory import IdleTrim
    from ..options import ConnectionOptions


class Lifecycle:
    """Connect, reconnect, drop and close; see the module docstring."""

    options: ConnectionOptions
    dialer: Dialer
    backoff: Backoff
    trim: IdleTrim | None
    watchdog: Any
    last_connect_error: RedisError | None
    stats_connects: int
    stats_reconnects: int
    stats_connect_failures: int
    stats_bytes_in: int
    _loop: asyncio.AbstractEventLoop
    _proto: RedisProtocol | None
    _queue: deque[CommandFuture[Any]]
    _connecting: asyncio.Task[None] | None
    _closed: bool
    keeps_commands: bool
    _retried: int
    _timer: asyncio.TimerHandle | None
    _per_call: Any
    _late_head: weakref.ref[CommandFuture[Any]] | None
    _late_watch: bool
    on_connect: Callable[[], None] | None
    on_disconnect: Callable[[], None] | None
    _abandon_closed_loop: Callable[[], None]  # LoopBinding's
    # connect attempts that failed in a row (since the last success, or aclose) and when the first
    # of them started; the streak's end, from which the next backoff delay counts; whether a whole
    # series failed (the server is known down: no more series, one attempt per caller's wait)
    _failed_attempts = 0
    _failing_since = 0.0
    _failed_at = 0.0
    _known_down = False
    # what the commands of a failed series (or a failed attempt while down) were told: connect() raises it
    _unreachable: RedisError | None = None

    def _ensure_connecting(self) -> None:
        if self._loop is None:
            self._bind_loop(asyncio.get_running_loop())  # type: ignore[attr-defined]
        if self._connecting is None or self._connecting.done():
            self._connecting = self._loop.create_task(self._connect())

    async def connect(self) -> None:
        """Connect now (commands also connect on demand); raises what the attempt raised."""
        if self._proto is not None:
            return
        self._ensure_connecting()
        assert self._connecting is not None
        await asyncio.shield(self._connecting)
        if self._proto is None:
            error = self._unreachable or self.last_connect_error
            if error is not None:
                raise error
            raise ConnectionError(f"could not connect to {self.options.address}")

    async def _connect(self) -> None:
        delay = self.backoff.delay()
        if delay:
            # time since the last failure counts: an idle client's next caller does not wait it out again
            delay -= self._loop.time() - self._failed_at
            if delay > 0:
                await asyncio.sleep(delay)
        started = self._loop.time()
        try:
            proto: RedisProtocol = await self.dialer.dial(self._loop, self._new_protocol)
        except BaseException as exc:
            self._failed(started)
            self.stats_connect_failures += 1
            error = exc if isinstance(exc, RedisError) else self.dialer.error(exc)
            self.last_connect_error = error
            if isinstance(exc, asyncio.CancelledError):
                self._retried = 0
                self._fail_queue(error)
                raise
            options = self.options
            may_retry = retryable(error, options.connect_retry_on)
            if (
                self._queue
                and may_retry
                and not self._known_down
                and self._retried < options.connect_retries
                and not self._closed
            ):
                # the waiting commands were never written: they wait for the next attempt (backed off)
                self._retried += 1
                logger.info(
                    "connect to %s failed (%s), attempt %d of %d for %d waiting command(s); next in <= %.2f s",
                    self.options.address, error, self._retried, self.options.connect_retries + 1,
                    len(self._queue), self.backoff.ceiling(),
                )
                self._connecting = self._loop.create_task(self._connect())
                return
            # the series (or the one attempt made while down) is over: later callers get one attempt each
            self._known_down = True
            if may_retry and isinstance(error, (ConnectionError, TimeoutError)):
                error = self._unreachable_error(error)  # a server's error reply (retry_on_error) stays itself
            self._unreachable = error
            if self._queue or self.stats_connect_failures == 1:
                logger.warning(
                    "%s; %d waiting command(s) fail", str(error).rstrip("."), len(self._queue),
                )
            self._retried = 0
            self._fail_queue(error)
            return
        self._retried = 0
        self._failed_attempts = 0
        self._known_down = False
        self._unreachable = None
        self.last_connect_error = None
        if self.stats_connects:
            self.stats_reconnects += 1
            logger.info("reconnected to %s (reconnect %d)", self.options.address, self.stats_reconnects)
        else:
            logger.info("connected to %s", self.options.address)
        self.stats_connects += 1
        proto.adopted = True
        if self.keeps_commands and not proto.keep:  # keep_from_now() while this socket was being dialed
            proto.keep_from_now()
        self._proto = proto
        if self.on_connect is not None:
            self.on_connect()
        self._drain()  # type: ignore[attr-defined]

    def _failed(self, started: float) -> None:
        """An attempt that started at ``started`` failed: one more in the streak, and the backoff grows."""
        self.backoff.failed()
        if not self._failed_attempts:
            self._failing_since = started
        self._failed_attempts += 1
        self._failed_at = self._loop.time()

    def _unreachable_error(self, last: RedisError) -> RedisError:
        """What waiting commands get when connecting failed: the attempts in a row, their time, the last error.

        A ``ConnectionError`` (the last error's own class when it is one: ``MasterNotFoundError``
        stays itself) whose ``__cause__`` is the last attempt's error; never a bare
        ``TimeoutError``, which would hide that the command was never sent.
        """
        attempts = self._failed_attempts
        seconds = self._failed_at - self._failing_since
        if isinstance(last, ConnectionError):
            error_type: type[RedisError] = type(last)
        elif isinstance(last, TimeoutError):  # redis-py raises TimeoutError here: a handler of either catches it
            error_type = ConnectTimeoutError
        else:
            error_type = ConnectionError
        tally = f"{attempts} attempt{'s' if attempts != 1 else ''} in {seconds:.1f} s"
        said = str(last)
        if said.startswith("Error ") and said.endswith("."):
            # redis-py's words for a refused or failed connect ("Error 111 connecting to host:port. ..."),
            # which logs and handlers search for, with the attempts added
            message = f"{said[:-1]} ({tally})."
        else:
            message = (
                f"could not connect to {self.options.address} after {tally}: "
                f"{connect_reason(last, self.options.socket_connect_timeout)}"
            )
        error = error_type(message)
        error.__cause__ = last
        return error

    def connect_progress(self) -> str:
        """Where connecting stands, for a command that timed out waiting for a socket."""
        if not self._failed_attempts:
            return "no socket to the server yet: the first connect attempt is under way"
        attempts = self._failed_attempts
        text = (
            f"no socket to the server yet: {attempts} connect attempt{'s' if attempts != 1 else ''} failed in a row "
            f"in {self._failed_at - self._failing_since:.1f} s, the last: "
        )
        last = self.last_connect_error
        return text + (connect_reason(last, self.options.socket_connect_timeout) if last is not None else "unknown")

    def _new_protocol(self) -> RedisProtocol:
        return RedisProtocol(self)  # type: ignore[arg-type]  # a mixin of Connection

    def _fail_queue(self, error: RedisError) -> None:
        queue = self._queue
        self._queue = deque()
        for fut in queue:
            fut.payload = None
            if not fut.done():
                err = type(error)(*error.args)
                err.__cause__ = error.__cause__
                if isinstance(err, ConnectionError):
                    err.possibly_executed = False  # it waited for a socket: never written
                fut.set_exception(err)

    def _on_lost(self, proto: RedisProtocol, exc: Exception | None) -> None:
        self.stats_bytes_in += proto.bytes_in
        if self._proto is proto:
            self._proto = None
            reason = proto.drop_reason or exc
            if not self._closed:
                logger.warning(
                    "connection to %s lost%s",
                    self.options.address, f": {reason}" if reason else " (closed by the server)",
                )
        if self.on_disconnect is not None:
            self.on_disconnect()
        # a socket lost while the dial was still on it is that dial's failure, counted there once
        if proto.adopted:
            if proto.received:
                self.backoff.reset()  # the server answered: the next connect is immediate
            else:
                # accepted and dropped before answering: back off as for a refusal (not an attempt that failed)
                self.backoff.failed()
                self._failed_at = self._loop.time()
        if self._queue and not self._closed:
            self._ensure_connecting()

    def drop(self) -> None:
        """Abort the current socket now; the next command connects again (a new address if resolved).

        For an owner that learnt the server is the wrong one (a READONLY reply
        after a failover): commands pending on the socket fail once with
        ConnectionError, as on any lost connection; waiting ones are kept.
        """
        proto = self._proto
        if proto is None:
            return
        self.abandon_socket(proto, proto.drop_reason)
        if proto.transport is not None:
            proto.transport.abort()  # connection_lost fails what was pending

    def abandon_socket(self, proto: RedisProtocol, reason: Exception | None) -> None:
        """The client gives up on ``proto`` (its caller aborts it): from now on commands wait for the next socket.

        Done at once, not when the close is reported, so that nothing more is
        written to a socket the client dropped. ``reason`` (None: the owner's
        choice, nothing to report) is logged and told to the callers pending on it.
        """
        proto.drop_reason = reason
        if self._proto is not proto:
            return
        self._proto = None
        self._late_head = None
        self._late_watch = False
        if reason is not None and not self._closed:
            logger.warning("connection to %s dropped by the client: %s", self.options.address, reason)

    # -- closing -----------------------------------------------------------
    async def aclose(self) -> None:
        """Close the socket; every pending and queued command fails once with ConnectionError."""
        self._closed = True
        loop = self._loop
        if loop is not None and loop.is_closed():  # last used under an asyncio.run that has ended: nothing
            self._abandon_closed_loop()  # of it can run again, and closing its transport would raise
        try:
            connecting = self._connecting
            if connecting is not None and not connecting.done():
                connecting.cancel()
                try:
                    await connecting
                except BaseException:  # noqa: S110 - the attempt's own error reached its callers already
                    pass
            self._connecting = None
            closed = ConnectionError(f"connection to {self.options.address} closed by the client")
            self._cancel_resends(closed)  # type: ignore[attr-defined]
            self._fail_queue(closed)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.trim is not None:
                self.trim.cancel()
            if self.watchdog is not None:
                self.watchdog.cancel()
            self._per_call.clear()
            self.backoff.reset()
            self._failed_attempts = 0
            self._known_down = False
            self._unreachable = None
            proto = self._proto
            self._proto = None
            if proto is not None:
                proto.flush()
                await close_and_wait(proto, proto.lost)
        finally:
            self._closed = False
