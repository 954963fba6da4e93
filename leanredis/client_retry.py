"""``Redis.get_retry()`` / ``set_retry()``: redis-py 8.1's names, with what a ``Retry`` means here.

A client's retry covers two things (``leanredis.retry``): connects that commands
never written wait through (``connect_retries``, the backoff, the error types),
and, for a client made with ``retry=Retry(...)``, re-sending a command the
server refused to run or a read-only one whose reply was lost
(``leanredis.command_retry``). ``set_retry`` changes both from the next
attempt on: the client's options (new pool connections and pub/subs take them),
its shared connection's connect retries and backoff, and its command-retry
policy. On a client made without ``retry=``, a ``Retry`` with retries switches
the shared connection to keeping what it sends (``Connection.keep_from_now``)
and gives it the command-retry policy: commands sent from then on are kept
until their reply (counted in ``max_buffered_bytes``) and re-sent by its rules;
commands already in flight were not kept and are not re-sent. ``set_retry(None)``
or ``retries=0`` later stops the re-sending (the bytes are still kept).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from .command_retry import CommandRetry, attach
from .commands.resp3_shapes import resp3_send
from .exceptions import ConnectionError, TimeoutError
from .options import ConnectionOptions
from .retry import AbstractBackoff, EqualJitterBackoff, Retry, retry_settings


class ReconnectBackoff(AbstractBackoff):
    """leanredis's own connect backoff: base x 2^(failures-1), capped, times a jitter in [0.5, 1]."""

    def __init__(self, cap: float, base: float) -> None:
        self._cap = cap
        self._base = base

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReconnectBackoff):
            return NotImplemented
        return (self._cap, self._base) == (other._cap, other._base)

    def __hash__(self) -> int:
        return hash((type(self), self._cap, self._base))

    def compute(self, failures: int) -> float:
        return min(self._cap, self._base * 2 ** min(max(failures, 1) - 1, 62)) * random.uniform(0.5, 1.0)


def current_retry(options: ConnectionOptions) -> Retry | None:
    """The ``Retry`` these options run with; None when nothing is retried (redis-py's ``retry=None``)."""
    if not options.connect_retries and not options.command_retries:
        return None
    compute = options.connect_backoff
    backoff: Any = getattr(compute, "__self__", None)  # the bound compute of the Retry's own backoff
    if not callable(getattr(backoff, "compute", None)):  # ours or redis-py's backoff: either has compute()
        backoff = ReconnectBackoff(options.reconnect_backoff_cap, options.reconnect_backoff_base)
    return Retry(backoff, options.connect_retries, options.connect_retry_on)


def command_policy(connection: Any) -> CommandRetry | None:
    """The shared connection's command-retry policy, if it was made with one."""
    hook = getattr(connection, "on_lost_command", None)
    policy = getattr(hook, "__self__", None)
    return policy if isinstance(policy, CommandRetry) else None


def _start_keeping(client: Any, connection: Any) -> CommandRetry:
    """The shared connection keeps what it sends from now on, with the command-retry policy."""
    plain = connection.execute
    connection.keep_from_now()
    policy = attach(connection)
    send = client.__dict__.get("_send")
    if send == plain:  # the client's direct path: the keeping one, with its admission
        client._send = connection.execute
    elif getattr(send, "unshaped", None) == plain:  # the same, under protocol=3's reply shapes
        client._send = resp3_send(connection.execute)
    return policy


def apply_retry(client: Any, retry: Any) -> None:
    """``set_retry``: see the module docstring."""
    retries: int
    backoff: Any
    retry_on: tuple[type[BaseException], ...]
    if retry is None:
        retries, backoff, retry_on = 0, None, (ConnectionError, TimeoutError)
    else:
        retries, backoff, retry_on = retry_settings(retry, False, None)
    connection = client.connection
    policy = command_policy(connection)
    if policy is None and retry is not None and retries > 0:
        policy = _start_keeping(client, connection)
    changes = {
        "connect_retries": retries,
        "connect_backoff": backoff,
        "connect_retry_on": retry_on,
        "command_retries": retries if policy is not None else 0,
    }
    client.options = dataclasses.replace(client.options, **changes)
    connection.options = dataclasses.replace(connection.options, **changes)
    connection.backoff.compute = backoff
    if policy is not None:
        policy.retries = retries
        policy.retry_on = retry_on
        policy.backoff = backoff or EqualJitterBackoff().compute
    pool = client._pool_box.pool
    if pool is not None:  # its new connections; one handed out keeps the options it was made with
        pool.options = dataclasses.replace(pool.options, **changes)
        pool.client_options = dataclasses.replace(pool.client_options, **changes)
