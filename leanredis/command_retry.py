"""Sending one command again, by what the reply says and what the command table says of the command.

A client made with ``retry=Retry(backoff, retries)`` (``ConnectionOptions.command_retries``)
gets a shared connection that keeps each command's encoded bytes until its reply
(counted in ``max_buffered_bytes``), and this policy on it:

- an error reply that says the command did not run (``LOADING``, ``BUSY``,
  ``TRYAGAIN``, ``MASTERDOWN``; or a ``ResponseError`` type the ``Retry``'s
  ``supported_errors`` names) is sent again after the backoff, for any command;
- a command whose reply was lost with the socket (``ConnectionError`` with
  ``possibly_executed=True``) is sent again only if the command table flags it
  ``readonly`` and ``ConnectionError`` is in ``supported_errors``: a write whose
  reply was lost may have run, and is reported, never re-sent;
- a command that was never written waits through the connect retries, as
  without this policy (``connection.lifecycle``), or, if it was encoded for a
  socket that died before the write, is sent again like a read;
- a timeout is never retried: it is the caller's bound on the whole call, and
  every attempt stays within the first one's deadline;
- at most ``retries`` attempts after the first; then the caller gets the last error.

Transactions and pipelines are never re-sent (their commands are not kept).
"""

from __future__ import annotations

import weakref
from typing import Any

from .commands.table import lookup
from .connection import Connection
from .connection.protocol import Packed
from .exceptions import (
    BusyError,
    BusyLoadingError,
    MasterDownError,
    RedisError,
    ResponseError,
    TryAgainError,
)
from .future import CommandFuture
from .options import ConnectionOptions
from .retry import EqualJitterBackoff

# error replies that mean the server refused the command before running it
NOT_EXECUTED = (BusyLoadingError, BusyError, TryAgainError, MasterDownError)


def shared_connection(options: ConnectionOptions) -> Connection:
    """The client's multiplexed connection: with this module's policy when ``command_retries`` asks for it."""
    if not options.command_retries:
        return Connection(options)
    connection = Connection(options, keeps_commands=True)
    attach(connection)
    return connection


def attach(connection: Connection) -> CommandRetry:
    """Give a keeping connection this module's policy (at construction, or after ``keep_from_now``)."""
    policy = CommandRetry(connection)
    connection.on_redirect = policy.on_error_reply
    connection.on_lost_command = policy.on_lost
    return policy


class CommandRetry:
    """The policy of one connection; see the module docstring."""

    def __init__(self, connection: Connection) -> None:
        self._connection = weakref.ref(connection)  # the connection holds this policy: no cycle
        options = connection.options
        self.retries = options.command_retries
        self.retry_on = options.connect_retry_on
        self.backoff = options.connect_backoff or EqualJitterBackoff().compute
        # attempts so far, per command being retried (forgotten once it completes)
        self._attempts: weakref.WeakKeyDictionary[CommandFuture[Any], int] = weakref.WeakKeyDictionary()
        self.retried = 0  # commands sent again, every reason
        self.refused = 0  # lost replies of writes, reported as possibly executed rather than re-sent

    def on_error_reply(self, fut: CommandFuture[Any], error: RedisError, packed: Packed) -> bool:
        """An error reply: True when the command was handed back to be sent again."""
        if isinstance(error, NOT_EXECUTED) or (
            isinstance(error, ResponseError) and isinstance(error, self.retry_on)
        ):
            return self._again(fut, packed)
        return False

    def on_lost(self, fut: CommandFuture[Any], error: RedisError, packed: Packed) -> bool:
        """A reply lost with the socket: a read-only command is sent again, a write never."""
        if not isinstance(error, self.retry_on):
            return False
        if getattr(error, "possibly_executed", None) is False:
            return self._again(fut, packed)  # encoded, never written: any command may go again
        spec = lookup(_first_words(packed))
        if spec is None or not spec.readonly:
            self.refused += 1
            return False
        return self._again(fut, packed)

    def _again(self, fut: CommandFuture[Any], packed: Packed) -> bool:
        connection = self._connection()
        attempts = self._attempts.get(fut, 0) + 1
        if connection is None or connection._closed or attempts > self.retries:
            return False  # closed by aclose (its sockets close after its waiting commands failed), or the last try
        self._attempts[fut] = attempts
        self.retried += 1
        connection.resend_later(fut, packed, self.backoff(attempts))
        return True


def _first_words(data: bytes) -> tuple[bytes, ...]:
    """The command name and the word after it (a subcommand, for the table), from encoded RESP."""
    words: list[bytes] = []
    position = data.find(b"\r\n") + 2  # past "*<count>"
    while len(words) < 2 and position < len(data) and data[position : position + 1] == b"$":
        end = data.find(b"\r\n", position)
        length = int(data[position + 1 : end])
        words.append(data[end + 2 : end + 2 + length])
        position = end + 4 + length
    return tuple(words)
