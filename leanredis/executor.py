"""What a pipeline needs of the client that made it, and nothing else.

A ``Pipeline`` records commands and sends them through an ``Executor``: the
client's sender (bound to its shared connection, a ``with_timeout`` view's
timeout, or Sentinel's failover watch), the shared connection itself (for
MULTI/EXEC in one batch) and the pool of dedicated connections (WATCH,
blocking commands). The client builds one per pipeline; the pipeline never
reaches into the client, and ``pipeline.py`` does not import ``client.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .commands.resp3_shapes import resp3_parser

if TYPE_CHECKING:
    from .connection import Connection
    from .future import CommandFuture
    from .options import ConnectionOptions
    from .pool import ConnectionPool


class Executor:
    """The client's sender, shared connection and pool, as a pipeline sees them."""

    __slots__ = ("options", "connection", "send", "_pool")

    def __init__(
        self,
        options: ConnectionOptions,
        connection: Connection,
        send: Callable[[tuple[Any, ...], Any], CommandFuture[Any]],
        pool: Callable[[], ConnectionPool],
    ) -> None:
        self.options = options
        self.connection = connection
        self.send = send
        self._pool = pool

    def pool(self) -> ConnectionPool:
        """The pool of dedicated connections (made at its first use)."""
        return self._pool()

    def shaped(self, stack: list[tuple[tuple[Any, ...], Any]]) -> list[tuple[tuple[Any, ...], Any]]:
        """A pipeline's recorded commands, their parsers swapped for redis-py's RESP3 shapes when the client was
        given ``protocol=3`` (``commands.resp3_shapes``); ``stack`` itself otherwise."""
        if not self.options.resp3_shapes:
            return stack
        return [(args, resp3_parser(args, parse)) for args, parse in stack]

    def shaped_parser(self, args: tuple[Any, ...], parse: Any) -> Any:
        """One command's parser, swapped likewise (a pipeline's immediate mode, after WATCH)."""
        return resp3_parser(args, parse) if self.options.resp3_shapes else parse


def executor_of_pool(pool: Any) -> Executor:
    """What a pipeline built redis-py's way, ``Pipeline(connection_pool, ...)``, sends through: the pool's
    own multiplexed connection (one per pool, made at the first such pipeline) and the pool itself."""
    from .command_retry import shared_connection
    from .exceptions import DataError
    from .pool import ConnectionPool

    if not isinstance(pool, ConnectionPool):
        raise DataError(
            f"Pipeline(connection_pool, ...) needs a leanredis ConnectionPool, not {type(pool).__name__}; "
            "or use client.pipeline()"
        )
    connection = pool.pool_connection(shared_connection)
    return Executor(pool.client_options, connection, pool.wrap_sender(connection.execute, connection), lambda: pool)
