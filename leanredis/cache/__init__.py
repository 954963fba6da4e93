"""Client-side caching, server-assisted (RESP3 ``CLIENT TRACKING``), bounded in bytes.

``leanredis.Redis(protocol=3, cache_config=CacheConfig(...))``: reads of one
key (``GET``, ``HGET``, ``HGETALL``, ``LRANGE``, ``SMEMBERS``, ``ZRANGE``, ...,
and ``MGET`` key by key) are answered from the process when they can be. The
server tracks what this client read and sends an invalidation push when a key
changes; tracking runs on the client's own multiplexed connection (enabled by
its handshake, so every reconnect enables it again), so invalidations arrive
in order with the replies around them.

Correctness rules, each with a test:

- an entry lives no longer than its key on the server: each miss sends
  ``PTTL key`` right before the read, on the same connection in the same
  write, and the entry expires at (when the pair was sent) + that TTL. The
  server announces an expiry only when it deletes the key, which for a key
  nobody reads waits for its active expiry to sample it (minutes among many
  keys); ``EXPIRE``, ``PERSIST``, ``GETEX`` and every write are announced as
  they happen, so a TTL changed after the read drops the entry. Measured from
  the send, the entry ends no later than the key, whatever the two clocks say;
- a read in flight when its key's invalidation (or a flush) arrives is not
  cached: the invalidation may be for a write its reply did not see. The pair
  is in flight from ``PTTL`` on: ``PTTL`` itself makes the server track the
  key, so a change between the two commands is announced before the read's
  reply and the pair needs no ``MULTI``;
- a key missing at ``PTTL`` (-2) keeps only an empty reply (``None``, 0, an
  empty string or container: how a missing key reads, until the server
  announces its creation), never a value;
- losing the connection empties the cache (writes during the outage were never
  announced), and so does a reconnect and a ``FLUSHALL``/``FLUSHDB`` (an
  invalidation without keys);
- concurrent misses of one read share one request;
- the cache never holds more than ``max_bytes`` (estimated as CPython holds the
  objects, the future every hit of an entry shares included) nor ``max_entries``;
  least recently used entries go first, by second chance (an entry read since
  eviction last passed it is passed again); entries expire after ``ttl`` seconds
  when set;
- a hit is answered only while the loop the entry was read on runs: a client
  used again under a new loop (``asyncio.run`` twice) starts empty;
- a hit returns what the method would have returned, as a fresh copy when it is
  a list, dict or set (callers may change what they get).

No ``cache_config``: no cache, no tracking, no cost (the client's send path is
the connection's own).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..connection.core import thread_checkable
from ..exceptions import DataError
from ..future import CommandFuture
from .fill import Fill, consume
from .store import CacheStore

_get_running_loop = asyncio._get_running_loop  # the C call: None outside a loop, no exception to catch
_getsizeof = sys.getsizeof

# Reads of one key, the key at args[1]: what may be answered from the cache.
CACHEABLE = frozenset(
    name.encode()
    for name in (
        "GET STRLEN GETRANGE SUBSTR EXISTS TYPE HGET HMGET HGETALL HEXISTS HLEN HSTRLEN HKEYS HVALS "
        "LRANGE LLEN LINDEX LPOS SMEMBERS SISMEMBER SMISMEMBER SCARD ZRANGE ZRANGEBYSCORE ZREVRANGE "
        "ZREVRANGEBYSCORE ZRANGEBYLEX ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK GETBIT BITCOUNT "
        "BITPOS"
    ).split()
)
_MUTABLE = (list, dict, set)
_PLAIN_KEY = (bytes, str)  # a key a raw tuple may hold: equal only to what encodes the same
_PLAIN_ARG = frozenset((bytes, str, int))  # and past the key


@dataclasses.dataclass(frozen=True)
class CacheConfig:
    """How the client-side cache is bounded and what it tracks.

    ``max_bytes``: the cache's size as the process holds it (keys, values and
    bookkeeping); ``max_entries``: a bound on entries too (None: bytes only);
    ``ttl``: seconds an entry may be served (None: until invalidated); an
    entry never outlives its key's TTL on the server, whatever ``ttl`` says;
    ``mode``: ``"default"`` (the server remembers the keys this client read) or
    ``"bcast"`` (the server announces every change under ``prefixes``; only
    keys under them are cached).
    """

    max_bytes: int = 64 * 1024 * 1024
    max_entries: int | None = None
    ttl: float | None = None
    mode: str = "default"
    prefixes: Sequence[str | bytes] = ()

    def __post_init__(self) -> None:
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, int) or self.max_bytes < 1024:
            raise DataError(f"CacheConfig(max_bytes=) must be an int >= 1024, not {self.max_bytes!r}")
        if self.max_entries is not None and (
            isinstance(self.max_entries, bool) or not isinstance(self.max_entries, int) or self.max_entries < 1
        ):
            raise DataError(f"CacheConfig(max_entries=) must be a positive int or None, not {self.max_entries!r}")
        if self.ttl is not None and (
            isinstance(self.ttl, bool) or not isinstance(self.ttl, (int, float)) or not self.ttl > 0
        ):
            raise DataError(f"CacheConfig(ttl=) must be a positive number of seconds or None, not {self.ttl!r}")
        if self.mode not in ("default", "bcast"):
            raise DataError(f"CacheConfig(mode=) must be 'default' or 'bcast', not {self.mode!r}")
        if isinstance(self.prefixes, (str, bytes)):
            raise DataError("CacheConfig(prefixes=) takes a list of prefixes, not one string")
        if self.prefixes and self.mode != "bcast":
            raise DataError("CacheConfig(prefixes=) needs mode='bcast' (the server filters by prefix only then)")
        object.__setattr__(self, "prefixes", tuple(_to_bytes(p, "utf-8") for p in self.prefixes))

    def tracking_command(self) -> tuple[Any, ...]:
        """The CLIENT TRACKING command the handshake sends on every new socket."""
        args: tuple[Any, ...] = (b"CLIENT", b"TRACKING", b"ON")
        if self.mode == "bcast":
            args += (b"BCAST",)
            for prefix in self.prefixes:
                args += (b"PREFIX", prefix)
        return args


def _plain_tail(args: tuple[Any, ...]) -> bool:
    """True when every argument is exactly bytes, str or int: a tuple whose equal is a raw cache key only if
    it encodes the same (an int past the key would equal True or 1.0, which the server would refuse)."""
    for arg in args:
        if arg.__class__ not in _PLAIN_ARG:
            return False
    return True


def _plain_key(args: tuple[Any, ...], parse: Any) -> Any:
    """The caller's own tuple as the cache key (beside its parser), when a hit can find it as it comes:
    the name in bytes as the methods spell it, the key bytes or str, the rest bytes, str or int. None
    otherwise (``execute_command("get", k)``, a memoryview key): then the key is built normalized (its
    parts as bytes), and only the slow way finds it."""
    if args[0].__class__ is not bytes or args[1].__class__ not in _PLAIN_KEY or not _plain_tail(args):
        return None
    return args if parse is None else (parse, args)


def _to_bytes(value: Any, encoding: str) -> bytes:
    cls = value.__class__
    if cls is bytes:
        return value  # type: ignore[no-any-return]
    if cls is str:
        return value.encode(encoding)  # type: ignore[no-any-return]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value).encode()
    raise TypeError(f"cannot use {type(value).__name__} as a cache key part")


class ClientCache:
    """The cache of one client: its store, the reads in flight, and the client's sender wrapped."""

    def __init__(
        self,
        config: CacheConfig,
        send: Callable[[tuple[Any, ...], Any], CommandFuture[Any]],
        encoding: str,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.store = CacheStore(config.max_bytes, config.max_entries, config.ttl)
        self._send = send
        self._encoding = encoding
        self._clock = clock
        self._inflight: dict[Any, Fill] = {}  # cache key -> its read in flight, shared by later callers
        # key -> its reads in flight (a Fill, or a list of them when several), marked stale by its invalidations
        self._reading: dict[bytes, Any] = {}
        self._prefixes: tuple[bytes, ...] = tuple(config.prefixes)  # type: ignore[arg-type]  # bytes since __post_init__
        # told of every entry kept, with its key (a cluster records which node it was read through)
        self.on_kept: Callable[[bytes], None] | None = None
        self._epoch = 0  # bumped by every flush and disconnect: reads from before are not cached
        # the store's own dict: a hit reads it without a call (the store empties it, never replaces it)
        self._entries_get = self.store._entries.get
        # the loop the entries were read on: a hit on another loop goes the slow way (see _send_slow);
        # none yet: every call goes the slow way, which binds one
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_check = False
        self._is_running: Callable[[], bool] = bool
        self.hits = 0  # hits on the caller's own tuple; the store counts the others
        self.misses = 0  # misses on the caller's own tuple (the store not asked); the store counts the others
        self.shared_misses = 0
        self.uncached_replies = 0

    # -- what the connection tells us ---------------------------------------------------
    def on_push(self, message: Any) -> None:
        """A RESP3 push: ``invalidate`` with keys, or with none (a flush)."""
        if not message or len(message) < 2:
            return
        kind = message[0]
        if kind != b"invalidate" and kind != "invalidate":
            return
        keys = message[1]
        if keys is None:
            self.flush()
            return
        store = self.store
        reading = self._reading
        for key in keys:
            key = _to_bytes(key, self._encoding)
            store.invalidate(key)
            fills = reading.get(key)
            if fills is not None:  # reads of it in flight: their replies may be from before the change
                if fills.__class__ is list:
                    for fill in fills:
                        fill.stale = True
                else:
                    fills.stale = True

    def flush(self) -> None:
        """Everything may have changed (a flush, a lost or new connection): empty the cache."""
        self.store.clear()
        self._epoch += 1

    def _adopt_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new loop (``asyncio.run`` again with one client): the one the entries were read on is closed,
        and its socket with it. The invalidations since were never read, so nothing kept is known to be
        current; the reads it left in flight will never complete, so none is shared or counted."""
        self.flush()
        self._inflight.clear()
        self._reading.clear()
        self._bind_loop(loop)

    def _bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hits from now on are answered while ``loop`` runs: it reads the invalidations of what is kept.
        Not ``asyncio._get_running_loop() is loop``: that calls getpid() on Python 3.11, a system call
        that costs more than a hit. On asyncio's loops ``_thread_id`` is not None while they run."""
        self._loop = loop
        self._thread_check = thread_checkable(loop)
        self._is_running = loop.is_running

    # -- the client's sender, wrapped ---------------------------------------------------
    def send(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        # a hit, looked up on the caller's own tuple: nothing encoded, nothing built. Entries under a raw
        # tuple hold a name in bytes, a key in bytes or str, and bytes, str or ints past it (_plain_key):
        # a tuple equal to one reads the same bytes on the wire. Past the key an int could equal a bool
        # or a float that the server would refuse, hence _plain_tail
        if len(args) == 2:  # GET, HGETALL, SMEMBERS, ...: asked as they come (a name to check costs more)
            try:
                entry = self._entries_get(args if parse is None else (parse, args))
            except (TypeError, ValueError):  # unhashable (a bytearray): the slow way says what it is
                entry = None
        else:
            name = args[0]
            if name.__class__ is not bytes:
                return self._send_slow(args, parse)
            if name not in CACHEABLE:
                return self._send(args, parse)
            try:
                entry = (
                    self._entries_get(args if parse is None else (parse, args))
                    # HGET, SISMEMBER, ...: one argument past the key, checked without a call
                    if (args[2].__class__ in _PLAIN_ARG if len(args) == 3 else _plain_tail(args))
                    else None
                )
            except (TypeError, ValueError):
                entry = None
        # answered while the loop the entries were read on runs (see _bind_loop): once it is
        # closed, nothing reads the invalidations of what they hold
        if (
            entry is not None
            and (
                self._loop._thread_id is not None  # type: ignore[union-attr]
                if self._thread_check
                else self._is_running()
            )
            and (not entry.expires or entry.expires > self._clock())
        ):
            entry.used = True  # its second chance at eviction (see CacheStore.put)
            self.hits += 1
            done = entry.done
            # a value nobody can change: every hit shares one done future, made with the entry
            return done if done is not None else self._answered(entry.value)
        return self._send_slow(args, parse)

    def _send_slow(self, args: tuple[Any, ...], parse: Any) -> Any:
        """Anything but a plain hit: a miss, a read to share, a command named in str, another loop."""
        if not (
            self._loop._thread_id is not None  # type: ignore[union-attr]
            if self._thread_check
            else self._is_running()
        ):
            loop = _get_running_loop()
            if loop is None:  # outside any loop (``asyncio.run(r.get(k))``): decided once it runs
                return self._send_later(args, parse)
            if loop is not self._loop:
                if self._loop is not None and not self._loop.is_closed():
                    return self._send(args, parse)  # another running loop: the connection says it is not its
                self._adopt_loop(loop)
        name = args[0]
        if len(args) == 2 and name.__class__ is bytes and args[1].__class__ is bytes and not self._prefixes:
            # GET k, HGETALL k, ... as the methods send them: the caller's tuple is the cache key (_plain_key)
            # and nothing is kept under it (an expired entry goes the general way below, through the store)
            if name not in CACHEABLE:
                return self._send(args, parse)
            cache_key = args if parse is None else (parse, args)
            if self._entries_get(cache_key) is None:
                self.misses += 1
                fill = self._inflight.get(cache_key)
                if fill is not None:
                    self.shared_misses += 1
                    return self._follow(fill)
                return self._miss(args, parse, cache_key, args[1])
        if name.__class__ is not bytes:
            name = _to_bytes(name, self._encoding).upper()
        if name not in CACHEABLE or len(args) < 2 or (name == b"EXISTS" and len(args) != 2):
            return self._send(args, parse)
        try:
            key = _to_bytes(args[1], self._encoding)
            cache_key = _plain_key(args, parse)
            if cache_key is None:
                cache_key = (parse, name, key, *[_to_bytes(arg, self._encoding) for arg in args[2:]])
        except TypeError:
            return self._send(args, parse)  # an argument the server will refuse: not ours to judge
        if self._prefixes and not key.startswith(self._prefixes):
            return self._send(args, parse)
        hit, value = self.store.get(cache_key, self._clock())
        if hit:
            return self._answered(value)
        fill = self._inflight.get(cache_key)
        if fill is not None:
            self.shared_misses += 1
            return self._follow(fill)
        return self._miss(args, parse, cache_key, key)

    def _miss(self, args: tuple[Any, ...], parse: Any, cache_key: Any, key: bytes) -> CommandFuture[Any]:
        """Read from the server, the key's TTL right before: the same write, or the same wait queue in order.
        The fill parses the read's reply and keeps it as it is read (see fill.py)."""
        ttl = self._send((b"PTTL", key), None)
        # the server runs the PTTL after this (it is written at the end of this loop iteration, or later)
        fill = Fill(self, cache_key, key, parse, self._epoch, self._clock(), ttl)
        fut = self._send(args, fill.read)
        if fut.done():  # refused at once: no reply will come to parse
            consume(ttl)
            return fut
        fill.fut = fut
        self._inflight[cache_key] = fill
        reading = self._reading
        fills = reading.get(key)
        if fills is None:
            reading[key] = fill
        elif fills.__class__ is list:
            fills.append(fill)
        else:
            reading[key] = [fills, fill]
        fut.add_done_callback(fill)  # removed when the reply is parsed: it runs only if none is
        return fut

    async def _send_later(self, args: tuple[Any, ...], parse: Any) -> Any:
        return await self.send(args, parse)

    async def mget(self, keys: list[Any]) -> list[Any]:
        """MGET key by key: hits from the cache, one GET per miss (sent together in one write)."""
        return list(await asyncio.gather(*(self.send((b"GET", key), None) for key in keys)))

    def _answered(self, value: Any) -> CommandFuture[Any]:
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        fut.set_result(copy.copy(value) if isinstance(value, _MUTABLE) else value)
        return fut

    def _follow(self, fill: Fill) -> CommandFuture[Any]:
        """A second caller of a read in flight: its own future, settled with the read (its own copy of a
        list, dict or set; the read's error or cancel)."""
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        if fill.followers is None:
            fill.followers = [fut]
        else:
            fill.followers.append(fut)
        return fut

    def stats(self) -> dict[str, int]:
        store = self.store
        return {
            "hits": store.hits + self.hits,
            "misses": store.misses + self.misses,
            "entries": len(store),
            "bytes": store.bytes,
            "max_bytes": store.max_bytes,
            "invalidations": store.invalidations,
            "evictions": store.evictions,
            "expirations": store.expirations,
            "shared_misses": self.shared_misses,
            "uncached_replies": self.uncached_replies,
        }


__all__ = ["CacheConfig", "ClientCache"]
