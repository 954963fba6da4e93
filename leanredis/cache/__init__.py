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
from functools import partial as _partial
from typing import Any

from ..connection.core import thread_checkable
from ..exceptions import DataError
from ..future import CommandFuture
from .store import CacheStore, size_of

_get_running_loop = asyncio._get_running_loop  # the C call: None outside a loop, no exception to catch
_getsizeof = sys.getsizeof
_TRIPLE = _getsizeof((None, None, None))  # the key tuple ENTRY_OVERHEAD counts

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


def _consume(fut: CommandFuture[Any]) -> None:
    """A PTTL whose reply nobody will use: its error, if any, is retrieved (asyncio logs the others)."""
    if fut.done():
        if not fut.cancelled():
            fut.exception()
    else:
        fut.add_done_callback(_consume)


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


def _held_by(cache_key: Any, key: bytes) -> int:
    """Bytes the cache key holds besides the key bytes and the tuple that ENTRY_OVERHEAD counts (three items):
    a raw tuple may hold the key as str, and a field or range past it; a parser's wraps it in one more tuple."""
    if cache_key[0].__class__ is bytes:  # a raw tuple: (name, key, ...)
        args, held = cache_key, 0
    elif len(cache_key) == 2 and cache_key[1].__class__ is tuple:  # (parse, raw tuple)
        args, held = cache_key[1], _getsizeof(cache_key)
    else:  # normalized, as ENTRY_OVERHEAD was measured: (parse, name, key, rest as bytes)
        return max(0, _getsizeof(cache_key) - _TRIPLE) + sum(size_of(part) for part in cache_key[3:])
    held += max(0, _getsizeof(args) - _TRIPLE)
    for arg in args[1:]:
        if arg is not key:
            held += size_of(arg)
    return held


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
        self._inflight: dict[Any, CommandFuture[Any]] = {}
        self._reading: dict[bytes, int] = {}  # key -> reads in flight
        self._stale: set[bytes] = set()  # keys invalidated while a read of theirs was in flight
        self._epoch = 0  # bumped by every flush and disconnect: reads from before are not cached
        # the store's own dict: a hit reads it without a call (the store empties it, never replaces it)
        self._entries_get = self.store._entries.get
        # the loop the entries were read on: a hit on another loop goes the slow way (see _send_slow);
        # none yet: every call goes the slow way, which binds one
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_check = False
        self._is_running: Callable[[], bool] = bool
        self.hits = 0  # hits on the caller's own tuple; the store counts the others
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
            if key in reading:
                self._stale.add(key)

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
        self._stale.clear()
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
        if self.config.prefixes and not key.startswith(tuple(self.config.prefixes)):  # type: ignore[arg-type]
            return self._send(args, parse)
        hit, value = self.store.get(cache_key, self._clock())
        if hit:
            return self._answered(value)
        shared = self._inflight.get(cache_key)
        if shared is not None:
            self.shared_misses += 1
            return self._follow(shared)
        # the key's TTL, right before the read: the same write, or the same wait queue in order
        sent = self._clock()
        ttl = self._send((b"PTTL", key), None)
        fut = self._send(args, parse)
        if fut.done():
            _consume(ttl)
            return fut
        self._inflight[cache_key] = fut
        self._reading[key] = self._reading.get(key, 0) + 1
        # registered before the caller awaits: runs before the caller resumes, so its next read hits. A
        # partial, not a lambda: a closure made every local here a cell, built on every slow call
        fut.add_done_callback(_partial(self._completed, cache_key, key, self._epoch, sent, ttl))
        return fut

    async def _send_later(self, args: tuple[Any, ...], parse: Any) -> Any:
        return await self.send(args, parse)

    def _completed(
        self, cache_key: Any, key: bytes, epoch: int, sent: float, ttl: CommandFuture[Any], fut: CommandFuture[Any]
    ) -> None:
        """The read is answered (its PTTL before it): keep the reply, unless it may be stale."""
        if self._inflight.get(cache_key) is fut:
            del self._inflight[cache_key]
        left = self._reading.get(key, 1) - 1
        stale = key in self._stale
        if left:
            self._reading[key] = left
        else:
            self._reading.pop(key, None)
            self._stale.discard(key)
        try:
            value = fut.result()
        except BaseException:  # cancelled or failed: nothing to keep (the caller has the error)
            _consume(ttl)
            return
        if not ttl.done():
            _consume(ttl)
            return
        try:
            pttl = ttl.result()
        except BaseException:  # its PTTL cancelled or failed: no TTL to bound the entry by
            return
        if stale or epoch != self._epoch:
            self.uncached_replies += 1  # its key changed while it was in flight: the reply may be old
            return
        if pttl.__class__ is not int or pttl < -2 or (pttl == -2 and value):
            self.uncached_replies += 1  # no key, yet a value: not what a missing key reads as
            return
        # the server's TTL runs from when it ran PTTL, after this client sent it: timed from the
        # send, the entry ends no later than the key does
        expires = sent + pttl / 1000 if pttl >= 0 else 0.0
        held = _held_by(cache_key, key)
        done: CommandFuture[Any] | None = None
        if isinstance(value, _MUTABLE):  # the caller holds the object it was given: the cache keeps a copy
            kept = copy.copy(value)
        else:
            # what every hit will return, made once: hits then build nothing, and its bytes are counted
            kept = value
            done = CommandFuture(loop=fut.get_loop())
            done.set_result(value)
            held += _getsizeof(done)
        self.store.put(cache_key, key, kept, self._clock(), expires, held, done)

    async def mget(self, keys: list[Any]) -> list[Any]:
        """MGET key by key: hits from the cache, one GET per miss (sent together in one write)."""
        return list(await asyncio.gather(*(self.send((b"GET", key), None) for key in keys)))

    def _answered(self, value: Any) -> CommandFuture[Any]:
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        fut.set_result(copy.copy(value) if isinstance(value, _MUTABLE) else value)
        return fut

    def _follow(self, shared: CommandFuture[Any]) -> CommandFuture[Any]:
        """A second caller of a read in flight: its own future, its own copy of the result."""
        fut: CommandFuture[Any] = CommandFuture(loop=asyncio.get_running_loop())

        def settle(done: CommandFuture[Any]) -> None:
            if fut.done():
                return
            if done.cancelled():
                fut.cancel()
            elif done.exception() is not None:
                fut.set_exception(done.exception())  # type: ignore[arg-type]
            else:
                value = done.result()
                fut.set_result(copy.copy(value) if isinstance(value, _MUTABLE) else value)

        shared.add_done_callback(settle)
        return fut

    def stats(self) -> dict[str, int]:
        store = self.store
        return {
            "hits": store.hits + self.hits,
            "misses": store.misses,
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
