"""What a ``Redis`` client offers beyond sending commands: client-side cache, stats, pub/sub, locks,
monitor, response callbacks, the encoder. A mixin of ``Redis`` (``client.py``), which holds the state.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic

from .cache import CacheConfig, ClientCache
from .callbacks import ResponseCallbacks
from .client_retry import apply_retry, current_retry
from .commands.base import KeyT, list_or_args
from .commands.funnel import INTERNAL, direct, own, sender
from .commands.redis_py_callbacks import redis_py_callbacks
from .commands.resp3_shapes import resp3_send, resp3_send_blocking
from .encoding import Encoder
from .exceptions import DataError
from .future import CommandFuture
from .keyspace_notifications import KeyspaceNotifications
from .lock import Lock
from .memory import rss_bytes
from .monitor import Monitor
from .pubsub import PubSub
from .typed import StrT

if TYPE_CHECKING:
    from .connection import Connection
    from .options import ConnectionOptions


UNSET_RETRY: Any = object()  # get_retry: set_retry was never called


class ClientFeatures(Generic[StrT]):
    """Cache, stats, pub/sub, locks, monitor, response callbacks, encoder (see the module docstring)."""

    connection: Connection
    options: ConnectionOptions
    _cache: ClientCache | None
    _send: Any
    _plain_send: Any
    _send_blocking: Any
    _response_callbacks: ResponseCallbacks

    def _shape_resp3(self) -> None:
        """``protocol=3`` given: the methods' parsers swapped for their RESP3-shape twins (``resp3_shapes``)."""
        self._send = resp3_send(self._send)
        if "_send_blocking" not in self.__dict__:
            self._send_blocking = resp3_send_blocking(direct(self, "_send_blocking"))

    def _enable_cache(self, config: CacheConfig) -> None:
        connection = self.connection
        cache = ClientCache(config, connection.execute, self.options.encoding, time.monotonic)
        cache.store.budget = connection.budget
        connection.on_push = cache.on_push
        connection.on_connect = cache.store.clear  # writes while we were away were never announced
        connection.on_disconnect = cache.flush  # and reads in flight on the lost socket are not kept
        self._cache = cache
        self._send = resp3_send(cache.send) if self.options.resp3_shapes else cache.send

        def mget(keys: Any, *args: Any) -> Any:
            if isinstance(keys, (list, tuple)) and not keys and not args:
                return type(self).mget(self, keys)  # type: ignore[attr-defined]  # mget([]) as the uncached client answers it
            return cache.mget(list_or_args(keys, args, "mget"))

        # key by key: only the misses go to the server (setattr: to type checkers mget stays the command's)
        setattr(self, "mget", mget)  # noqa: B010

    async def auth(self, password: str, username: str | None = None, **kwargs: Any) -> bool:
        """AUTH on the shared connection; on success the credentials are kept for every reconnect.

        The client's options, the shared connection's and the dedicated pool's take the new
        username and password, so a reconnect (and a new pool connection) authenticates as
        this call did. Refused when a ``credential_provider`` gives the credentials.
        """
        import dataclasses

        if self.options.credential_provider is not None:
            raise DataError("auth(): this client's credentials come from its credential_provider; update it instead")
        if not isinstance(password, str) or (username is not None and not isinstance(username, str)):
            raise DataError("auth() takes a password (str) and optionally a username (str)")
        args: tuple[Any, ...] = (b"AUTH", password) if username is None else (b"AUTH", username, password)
        await self._send(args, None)
        self.options = dataclasses.replace(self.options, password=password, username=username)
        connection = self.connection
        connection.options = dataclasses.replace(connection.options, password=password, username=username)
        pool = self._pool_box.pool  # type: ignore[attr-defined]
        if pool is not None:
            pool.options = dataclasses.replace(pool.options, password=password, username=username)
        return True

    def cache_stats(self) -> dict[str, int]:
        """The client-side cache's hits, misses, entries, bytes, invalidations and evictions."""
        if self._cache is None:
            raise DataError("this client has no client-side cache: pass cache_config=CacheConfig(...)")
        return self._cache.stats()

    def cache_clear(self) -> None:
        """Empty the client-side cache now."""
        if self._cache is None:
            raise DataError("this client has no client-side cache: pass cache_config=CacheConfig(...)")
        self._cache.flush()

    # -- redis-py's client-level helpers -------------------------------------------------

    def load_external_module(self, funcname: str, func: Any) -> None:
        """Attach ``func`` as ``self.<funcname>``: how redis-py users plug in a module's namespace."""
        setattr(self, funcname, func)

    def get_connection_kwargs(self) -> dict[str, Any]:
        """redis-py's ``connection_pool.connection_kwargs``: the options of this client's connections, by
        redis-py's names (``client.options`` has all of leanredis's)."""
        return self.connection_pool.connection_kwargs  # type: ignore[attr-defined,no-any-return]

    def get_encoder(self) -> Encoder:
        """redis-py's ``Encoder`` with this client's encoding, encoding_errors and decode_responses."""
        o = self.options
        return Encoder(o.encoding, o.encoding_errors, o.decode_responses)

    def keyspace_notifications(
        self, key_prefix: str | bytes | None = None, ignore_subscribe_messages: bool = True
    ) -> KeyspaceNotifications:
        """Keyspace and keyevent notifications, parsed (``KeyNotification``), on a pub/sub connection of their own.

        The server must have ``notify-keyspace-events`` enabled; ``key_prefix``
        keeps only keys starting with it and strips it. See
        ``leanredis.keyspace_notifications``.
        """
        return KeyspaceNotifications(self, key_prefix=key_prefix, ignore_subscribe_messages=ignore_subscribe_messages)

    def monitor(self) -> Monitor:
        """MONITOR on a dedicated connection: ``async with r.monitor() as m: await m.next_command()``."""
        return Monitor(self.options)

    @property
    def response_callbacks(self) -> ResponseCallbacks:
        """Reply callbacks by command name (any case), called ``callback(reply, **options)`` as in redis-py.

        It holds the built-in ones (the command table's parsers: what redis-py's own ``Pipeline`` built
        with ``client.response_callbacks`` needs to return what redis.asyncio returns). A callback you
        set replaces the parsing of that command's reply, for ``execute_command`` and the command
        methods alike; the methods otherwise keep their own parsing. leanredis's pipelines do not
        consult it.
        """
        callbacks = self.__dict__.get("_response_callbacks")
        if callbacks is None:
            callbacks = ResponseCallbacks(self._install_callbacks, redis_py_callbacks())
            self._response_callbacks = callbacks
        return callbacks

    def set_response_callback(self, command: str, callback: Callable[..., Any]) -> None:
        """Parse ``command``'s replies with ``callback(reply, **options)`` from now on (redis-py's API)."""
        self.response_callbacks[command] = callback

    def _install_callbacks(self) -> None:
        """Route sends through the callbacks table (only once one is set: the plain path stays as fast)."""
        plain = self.__dict__.get("_plain_send") or sender(self)
        self._plain_send = plain
        callbacks = self.response_callbacks

        def send(args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
            callback = callbacks.lookup(args[0])
            return plain(args, parse if callback is None else callback)

        self._send = send

    @own
    def execute_command(self, *args: Any, **options: Any) -> CommandFuture[Any]:
        """Send any command; a callback set for it gets the reply and ``options``, as in redis-py.

        The command methods reach it too when a subclass overrides it or a wrapper replaces it
        on the class (see ``leanredis.commands.funnel``).
        """
        callbacks = self.__dict__.get("_response_callbacks")
        if callbacks is not None and callbacks.user_set and args:
            given = {name: value for name, value in options.items() if name not in INTERNAL}
            if given:
                callback = callbacks.lookup(args[0])
                if callback is not None:
                    return self._plain_send(args, functools.partial(callback, **given))  # type: ignore[no-any-return]
        return super().execute_command(*args, **options)  # type: ignore[misc,no-any-return]

    def get_retry(self) -> Any:
        """The ``Retry`` this client runs with (None: nothing retried); see ``leanredis.client_retry``."""
        given = self.__dict__.get("_retry_set", UNSET_RETRY)
        return current_retry(self.options) if given is UNSET_RETRY else given  # type: ignore[attr-defined]

    def set_retry(self, retry: Any) -> None:
        """Retry with ``retry`` from now on: connects, and re-sends by ``leanredis.command_retry``'s rules.

        On a client made without ``retry=``, commands sent from now on are kept until their reply
        so that they can be re-sent; see ``leanredis.client_retry``.
        """
        apply_retry(self, retry)
        self._retry_set = retry

    def pubsub(
        self,
        ignore_subscribe_messages: bool = False,
        max_pending_messages: int = 10_000,
        overflow: str = "pause",
        **kwargs: Any,
    ) -> PubSub[StrT]:
        """A PubSub on a dedicated connection with these options; see ``leanredis.pubsub``.

        ``max_pending_messages`` bounds its queue; when full, ``overflow="pause"`` stops
        reading the socket, ``"drop_oldest"`` drops (and counts) the oldest message.
        ``push_handler_func`` (RESP3) and ``auto_reconnect`` as ``PubSub`` takes them;
        redis-py's ``shard_hint`` is accepted (it has no effect there either).
        """
        push_handler_func = kwargs.pop("push_handler_func", None)
        auto_reconnect = kwargs.pop("auto_reconnect", None)
        if auto_reconnect is None and "_retry_set" not in self.__dict__:
            # on a user's pool built redis-py's way without any retry option, redis.asyncio's pub/sub raises
            # ConnectionError when its socket dies (its connections retry nothing): so does this one
            pool = self._pool_box.pool  # type: ignore[attr-defined]
            if pool is not None and getattr(pool, "retries_given", True) is False:
                auto_reconnect = False
        kwargs.pop("shard_hint", None)
        for name in ("encoder", "event_dispatcher"):
            if kwargs.get(name) is not None:
                raise DataError(f"pubsub({name}=...) is not supported: the client's options decide it")
            kwargs.pop(name, None)
        if kwargs:
            raise DataError(f"pubsub() got unknown option(s): {', '.join(sorted(kwargs))}")
        pubsub: PubSub[StrT] = PubSub(
            self.options,  # type: ignore[attr-defined]
            ignore_subscribe_messages,
            max_pending_messages,
            overflow,  # type: ignore[arg-type]
            push_handler_func=push_handler_func,
            auto_reconnect=auto_reconnect,
        )
        # where the client's connection connects (a sentinel pool names the master at every connect)
        pubsub.resolver = self.connection.resolver  # type: ignore[attr-defined]
        if self._unread_pool is None:  # type: ignore[attr-defined]
            pool = self._get_pool()  # type: ignore[attr-defined]
            pool.share_pubsub(pubsub)  # pool.disconnect() drops its socket
            pubsub.connection_pool = pool  # its socket holds a place under max_connections, as redis-py's
        return pubsub

    def lock(
        self,
        name: KeyT,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        lock_class: type[Lock] | None = None,
        thread_local: bool = True,
        raise_on_release_error: bool = True,
    ) -> Lock:
        """A ``Lock`` on the key ``name`` (redis.asyncio's arguments); see ``leanredis.lock``."""
        if lock_class is None:
            lock_class = Lock
        return lock_class(
            self,
            name,
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
            raise_on_release_error=raise_on_release_error,
        )

    def stats(self) -> dict[str, Any]:
        """Counters and gauges of the connection (in flight, queued, high-water marks, ...)."""
        c = self.connection
        return {
            "address": c.options.address,
            "connected": c.is_connected,
            "inflight": c.inflight,
            "queued": c.queued,
            "buffered_bytes": c.buffered_bytes,
            "inflight_high": c.stats_inflight_high,
            "queued_high": c.stats_queued_high,
            "connects": c.stats_connects,
            "reconnects": c.stats_reconnects,
            "connect_failures": c.stats_connect_failures,
            "timeouts": c.stats_timeouts,
            "overloads": c.stats_overloads,
            "writes": c.stats_writes,
            "pushes": c.stats_pushes,
            "push_decode_errors": c.stats_push_decode_errors,
            "bytes_in": c.bytes_in,
            "bytes_out": c.stats_bytes_out,
            "timed_calls": c.timed_calls,
            "timed_calls_held": c.timed_calls_held,
            "kept_bytes": c.kept_bytes,
            "raw_replies_pending": c.raw_replies_pending,
            "protocol_errors": c.stats_protocol_errors,
            "late_reply_drops": c.stats_late_drops,
            "max_inflight": c.options.max_inflight,
            "max_buffered_bytes": c.options.max_buffered_bytes,
            "rss_bytes": rss_bytes(),
            "trims": c.stats_trims,
            "trimmed_bytes": c.stats_trimmed_bytes,
            "cache_bytes": self._cache.store.bytes if self._cache is not None else 0,
            "cache_entries": len(self._cache.store) if self._cache is not None else 0,
            "memory_warnings": c.watchdog.warnings if c.watchdog is not None else 0,
            **c.budget.stats(),
        }
