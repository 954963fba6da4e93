"""The pool side of ``Redis``: its pool of dedicated connections, and a client made on a pool.

``ClientPools`` is a part of ``Redis`` (a mixin: it shares the client's
state). The pool (blocking commands, WATCH) is made at its first use and
shared by a client and its ``with_timeout`` views (``_PoolBox``);
``Redis(connection_pool=...)`` takes a leanredis pool as it is and reads a
redis-py pool as options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .command_retry import shared_connection
from .commands.funnel import sender
from .config import is_redis_py_pool, is_redis_py_sentinel_pool, redis_py_pool_options
from .exceptions import DataError
from .executor import Executor
from .options import ConnectionOptions
from .pool import ConnectionPool
from .registry import FROM_ABOVE

if TYPE_CHECKING:
    from .connection import Connection


class ClientPools:
    """The pool side of ``Redis`` (a mixin: it shares the client's state)."""

    connection: Connection
    options: ConnectionOptions
    _pool_box: _PoolBox
    _send: Any
    single_connection_client: bool
    auto_close_connection_pool: bool

    def _init_from_pool(self, pool: Any, single_connection_client: bool) -> None:
        """``Redis(connection_pool=pool)``: a leanredis pool is shared; a redis-py pool is read as options."""
        if isinstance(pool, ConnectionPool):
            options = pool.client_options
            self._init(shared_connection(options), options)
            self._pool_box.pool = pool
            self._pool_box.owned = False  # as in redis-py: a pool handed in is the caller's to close
            pool.share(self.connection)  # pool.disconnect() closes it too; it reconnects when next used
            # the direct path: on a class whose execute_command is overridden, self._send is the funnel to it,
            # and an instance attribute holding that would send every command back into the override
            self._send = pool.wrap_sender(sender(self), self.connection)
        elif is_redis_py_sentinel_pool(pool):
            pool_from_redis_py = FROM_ABOVE["pool_from_redis_py_sentinel"]  # the sentinel module's, above
            self._init_from_pool(pool_from_redis_py(pool), single_connection_client)
            # made here from the caller's: closed by aclose() (its sentinel connections too), as the client's own
            self._pool_box.owned = True
            self.auto_close_connection_pool = True
            return
        elif is_redis_py_pool(pool):
            try:
                kwargs = redis_py_pool_options(pool)
            except DataError:
                raise  # a redis-py pool whose connection class means something else: say so now
            except Exception as exc:  # noqa: BLE001 - not readable as a pool (a test's stand-in): kept as given
                self._init_unread_pool(pool, exc)
                return
            type(self).__init__(self, **kwargs)  # type: ignore[arg-type]  # the pool's own decode flag
            self._pool_box.owned = False
        else:
            raise DataError(
                "connection_pool must be a leanredis.pool.ConnectionPool or a redis.asyncio ConnectionPool, "
                f"not {type(pool).__name__}"
            )
        self.single_connection_client = bool(single_connection_client)
        self.auto_close_connection_pool = False

    def _init_unread_pool(self, pool: Any, exc: Exception) -> None:
        """A pool that looks like redis-py's but cannot be read: stored, as redis.asyncio stores any pool until
        its first command; that command (and any later one) raises DataError saying why."""
        error = DataError(
            f"connection_pool {type(pool).__name__} does not say where to connect ({type(exc).__name__}: {exc}); "
            "pass a leanredis or redis.asyncio ConnectionPool"
        )

        async def refuse() -> tuple[str, int]:
            raise error

        options = ConnectionOptions(host="<connection_pool unread>", port=0)
        self._init(shared_connection(options), options)
        self.connection.resolver = refuse  # asked at every connect, before any socket is opened
        self._pool_box.pool = pool
        self._pool_box.owned = False
        self._unread_pool = error
        self.single_connection_client = False
        self.auto_close_connection_pool = False

    def _get_pool(self) -> ConnectionPool:
        """The pool of dedicated connections, created at its first use."""
        if self._unread_pool is not None:
            raise self._unread_pool
        box = self._pool_box
        if box.pool is None:
            box.pool = ConnectionPool(self.options, *box.config)
            box.pool.counts_pubsub = box.counts_pubsub
            box.pool.share(self.connection)
        return box.pool

    def _executor(self) -> Executor:
        """What a pipeline of this client sends through (see ``leanredis.executor``)."""
        return Executor(self.options, self.connection, sender(self), self._get_pool)

    _unread_pool: DataError | None = None  # see _init_unread_pool

    def _pool_box_view(self) -> _PoolBox:
        """The same pool of dedicated connections, made now, not owned."""
        box = _PoolBox()
        box.pool = self._get_pool()
        box.config = self._pool_box.config
        box.counts_pubsub = self._pool_box.counts_pubsub
        box.owned = False
        return box

    if TYPE_CHECKING:  # provided by Redis

        def _init(self, connection: Connection, options: ConnectionOptions) -> None: ...


class _PoolBox:
    """The lazily made pool, shared by a client and its ``with_timeout`` views; ``owned``: closed by ``aclose``."""

    __slots__ = ("pool", "config", "owned", "counts_pubsub")

    def __init__(self) -> None:
        self.pool: ConnectionPool | None = None
        self.config: tuple[Any, ...] = ()
        self.owned = True
        # PubSub sockets count toward max_connections when it was given (see leanredis.pool_places)
        self.counts_pubsub = True
