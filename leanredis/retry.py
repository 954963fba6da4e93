"""``Retry`` and the backoff classes, in redis-py's shape, with leanredis's meaning.

``Retry(backoff, retries, supported_errors=(ConnectionError, TimeoutError))``
given to ``Redis(retry=...)`` (a redis-py ``redis.asyncio.retry.Retry`` is
accepted too) sets how a failed connect is retried:

- ``retries``: how many further connect attempts commands that were never
  written wait through before they fail (``ConnectionOptions.connect_retries``;
  negative: no limit, as in redis-py);
- ``backoff.compute(failures)``: the delay before attempt ``failures + 1``;
- ``supported_errors``: which connect failures are retried.

Where this differs from redis-py: redis-py re-sends *any* command that failed
with a ``ConnectionError`` or ``TimeoutError``, so a command that reached the
server may run twice (an INCR counted twice, an RPUSH doubled; four times with
``Retry(..., 3)``, measured in ``tests/integration/test_command_retry.py``).
leanredis never sends a write whose reply was lost: it may have executed.
Commands still waiting for a socket are retried through failed connects; with a
``retry`` given to ``Redis``, a written command is also sent again (up to
``retries`` times, after ``backoff``) when the server answered that it did not
run it (LOADING, BUSY, TRYAGAIN, MASTERDOWN) or, if the command table flags it
read-only, when its reply was lost (``leanredis.command_retry``). A timeout is
never retried: it bounds the whole call.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import random
import socket
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from .exceptions import ConnectionError, DataError, TimeoutError

# redis-py's backoff defaults (seconds)
DEFAULT_CAP = 0.512
DEFAULT_BASE = 0.008


class AbstractBackoff(ABC):
    """Seconds to wait after ``failures`` failed attempts in a row."""

    def reset(self) -> None:  # noqa: B027 - most backoffs keep no state: doing nothing is the default
        """Forget state kept between calls (only DecorrelatedJitterBackoff keeps any)."""

    @abstractmethod
    def compute(self, failures: int) -> float:
        """The delay in seconds before the next attempt, after ``failures`` (>= 1) failures."""


class ConstantBackoff(AbstractBackoff):
    """The same delay after every failure."""

    def __init__(self, backoff: float) -> None:
        self._backoff = backoff

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConstantBackoff):
            return NotImplemented
        return self._backoff == other._backoff

    def __hash__(self) -> int:
        return hash((type(self), self._backoff))

    def compute(self, failures: int) -> float:
        return self._backoff


class NoBackoff(ConstantBackoff):
    """No delay: the next attempt at once."""

    def __init__(self) -> None:
        super().__init__(0)


class _CappedBackoff(AbstractBackoff):
    def __init__(self, cap: float = DEFAULT_CAP, base: float = DEFAULT_BASE) -> None:
        self._cap = cap
        self._base = base

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _CappedBackoff)
        return self._base == other._base and self._cap == other._cap

    def __hash__(self) -> int:
        return hash((type(self), self._base, self._cap))

    def _ceiling(self, failures: int) -> float:
        return float(min(self._cap, self._base * 2 ** min(failures, 62)))


class ExponentialBackoff(_CappedBackoff):
    """base x 2^failures, capped; no jitter."""

    def compute(self, failures: int) -> float:
        return self._ceiling(failures)


class FullJitterBackoff(_CappedBackoff):
    """Uniform in [0, base x 2^failures], capped."""

    def compute(self, failures: int) -> float:
        return random.uniform(0, self._ceiling(failures))


class EqualJitterBackoff(_CappedBackoff):
    """Half of base x 2^failures (capped), plus up to as much again at random."""

    def compute(self, failures: int) -> float:
        half = self._ceiling(failures) / 2
        return half + random.uniform(0, half)


class ExponentialWithJitterBackoff(_CappedBackoff):
    """min(cap, random() x base x 2^failures): redis-py's default for ``Redis(retry=...)``."""

    def compute(self, failures: int) -> float:
        return float(min(self._cap, random.random() * self._base * 2 ** min(failures, 62)))


class DecorrelatedJitterBackoff(_CappedBackoff):
    """Uniform between base and 3x the previous delay, capped (state reset by ``reset``)."""

    def __init__(self, cap: float = DEFAULT_CAP, base: float = DEFAULT_BASE) -> None:
        super().__init__(cap, base)
        self._previous_backoff = 0.0

    def reset(self) -> None:
        self._previous_backoff = 0.0

    def compute(self, failures: int) -> float:
        upper = max(self._base, self._previous_backoff * 3)
        self._previous_backoff = min(self._cap, random.uniform(self._base, upper))
        return self._previous_backoff


def default_backoff() -> AbstractBackoff:
    """redis-py's default backoff: ``EqualJitterBackoff()``."""
    return EqualJitterBackoff()


class Retry:
    """How failed connects are retried (see the module docstring: written commands never are)."""

    def __init__(
        self,
        backoff: AbstractBackoff,
        retries: int,
        supported_errors: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, socket.timeout),
    ) -> None:
        self._backoff = backoff
        self._retries = retries
        self._supported_errors = tuple(supported_errors)

    def __repr__(self) -> str:
        names = ", ".join(e.__name__ for e in self._supported_errors)
        return f"Retry({type(self._backoff).__name__}, retries={self._retries}, supported_errors=({names}))"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Retry):
            return NotImplemented
        return (
            self._backoff == other._backoff
            and self._retries == other._retries
            and set(self._supported_errors) == set(other._supported_errors)
        )

    def __hash__(self) -> int:
        return hash((self._backoff, self._retries, frozenset(self._supported_errors)))

    def update_supported_errors(self, specified_errors: Any) -> None:
        """Retry these error types too."""
        self._supported_errors = tuple(set(self._supported_errors + tuple(specified_errors)))

    def get_retries(self) -> int:
        """How many attempts follow the first."""
        return self._retries

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[Any]],
        fail: Callable[..., Any],
        is_retryable: Callable[[BaseException], bool] | None = None,
        with_failure_count: bool = False,
    ) -> Any:
        """redis-py's asyncio ``call_with_retry``, for code written against its connections: ``await do()``;
        on a supported error, ``fail(error)`` (awaited if it returns an awaitable), then again after the
        backoff, at most ``retries`` more times. leanredis's own commands never go through this: the
        connections it hands out carry a ``Retry`` with 0 retries (a written command is not re-sent)."""
        self._backoff.reset()
        failures = 0
        while True:
            try:
                return await do()
            except self._supported_errors as error:
                if is_retryable is not None and not is_retryable(error):
                    raise
                failures += 1
                outcome = fail(error, failures) if with_failure_count else fail(error)
                if inspect.isawaitable(outcome):
                    await outcome
                if 0 <= self._retries < failures:
                    raise
                delay = self._backoff.compute(failures)
                if delay > 0:
                    await asyncio.sleep(delay)

    def update_retries(self, value: int) -> None:
        """Set how many attempts follow the first."""
        self._retries = value


# negative retries means "no limit" in redis-py; connect_retries is bounded by this
UNLIMITED_RETRIES = 2**31


def retry_settings(
    retry: Any, retry_on_timeout: bool, retry_on_error: Any
) -> tuple[int, Any, tuple[type[BaseException], ...]]:
    """(connect_retries, backoff callable or None, error types) from redis-py's three retry options.

    ``retry`` may be ours, redis-py's (sync or asyncio ``Retry``) or None. As in redis-py's
    connection: ``retry_on_timeout`` adds TimeoutError, ``retry_on_error`` adds its types, and
    with ``retry=None`` either of them means one attempt more, without delay.
    """
    extra: list[type[BaseException]] = []
    if retry_on_error:
        try:
            extra.extend(retry_on_error)
        except TypeError:
            raise DataError(f"retry_on_error must be a list of exception types, not {retry_on_error!r}") from None
    if retry_on_timeout:
        extra.extend((TimeoutError, socket.timeout))
    for error_type in extra:
        if not (isinstance(error_type, type) and issubclass(error_type, BaseException)):
            raise DataError(f"retry_on_error must hold exception types, not {error_type!r}")
    if retry is None:
        if not extra:
            return 0, None, (ConnectionError, TimeoutError)
        return 1, NoBackoff().compute, _ours((ConnectionError, TimeoutError, *extra))
    backoff: Any = getattr(retry, "_backoff", None)
    retries = getattr(retry, "_retries", None)
    supported = getattr(retry, "_supported_errors", None)
    if not callable(getattr(backoff, "compute", None)) or not isinstance(retries, int) or supported is None:
        raise DataError(
            f"retry must be a leanredis.retry.Retry or a redis-py Retry (or None), not {type(retry).__name__}"
        )
    backoff = copy.deepcopy(backoff)  # its state (DecorrelatedJitterBackoff) is this client's own
    connect_retries = UNLIMITED_RETRIES if retries < 0 else min(retries, UNLIMITED_RETRIES)
    return connect_retries, backoff.compute, _ours((*tuple(supported), *extra))


def _ours(types: tuple[type[BaseException], ...]) -> tuple[type[BaseException], ...]:
    """redis-py's exception types replaced by leanredis's of the same name (what connects raise here)."""
    from . import exceptions

    mapped: list[type[BaseException]] = []
    for error_type in types:
        if error_type.__module__.split(".")[0] == "redis":
            error_type = getattr(exceptions, error_type.__name__, error_type)
        if error_type not in mapped:
            mapped.append(error_type)
    return tuple(mapped)


def connect_failure_retryable(error: BaseException, retry_on: tuple[type[BaseException], ...]) -> bool:
    """True when a failed connect is one of ``retry_on`` (or caused by one: OSError, socket.timeout).

    An AuthenticationError is retried only when asked for by name: wrong credentials stay wrong.
    """
    from .exceptions import AuthenticationError

    if isinstance(error, AuthenticationError) and not any(
        issubclass(error_type, AuthenticationError) for error_type in retry_on
    ):
        return False
    return isinstance(error, retry_on) or isinstance(error.__cause__, retry_on)
