"""One miss in flight: its ``PTTL`` and its read, and the callers sharing it.

A miss sends ``PTTL key`` and then the read, on one connection, so their
replies come in this order, with the key's invalidations in order around
them. ``Fill.read`` is the read's parser: the connection calls it as the reply
is read, after the PTTL's reply and before the caller's future resolves or any
later reply or push is looked at. The reply is kept (or not) right there, in
stream order: an invalidation after it finds the entry, one before it marked
the fill stale. Nothing goes through the loop for it.

The read may end without its reply being parsed (an error reply, a timeout, a
cancel, a lost socket): then the fill itself, registered as the future's done
callback and removed by ``read`` when the reply comes, tidies up.
"""

from __future__ import annotations

import copy
import sys
from typing import TYPE_CHECKING, Any

from .store import size_of

if TYPE_CHECKING:
    from ..future import CommandFuture
    from . import ClientCache

_MUTABLE = (list, dict, set)
_getsizeof = sys.getsizeof
_TRIPLE = _getsizeof((None, None, None))  # the key tuple ENTRY_OVERHEAD counts


def consume(fut: CommandFuture[Any]) -> None:
    """A PTTL whose reply nobody will use: its error, if any, is retrieved (asyncio logs the others)."""
    if fut.done():
        if not fut.cancelled():
            fut.exception()
    else:
        fut.add_done_callback(consume)


def held_by(cache_key: Any, key: bytes) -> int:
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


class Fill:
    """A miss in flight: the parser of its read (``read``) and, when the read ends otherwise, its done callback.

    ``ttl``: the PTTL's future (answered before the read's reply); ``fut``: the read's, until its end;
    ``stale``: its key was invalidated while it was in flight; ``followers``: futures of the callers
    sharing this read (None: nobody).
    """

    __slots__ = ("cache", "cache_key", "key", "parse", "epoch", "sent", "ttl", "fut", "stale", "followers")

    def __init__(
        self,
        cache: ClientCache,
        cache_key: Any,
        key: bytes,
        parse: Any,
        epoch: int,
        sent: float,
        ttl: CommandFuture[Any],
    ) -> None:
        self.cache = cache
        self.cache_key = cache_key
        self.key = key
        self.parse = parse
        self.epoch = epoch
        self.sent = sent
        self.ttl: CommandFuture[Any] | None = ttl
        self.fut: CommandFuture[Any] | None = None
        self.stale = False
        self.followers: list[CommandFuture[Any]] | None = None

    def read(self, reply: Any) -> Any:
        """The read's reply, as the connection reads it: parsed as its method asked, then kept unless it may
        be stale. Its caller, resumed after this, finds it kept."""
        parse = self.parse
        value = reply if parse is None else parse(reply)  # raising: the caller's error; __call__ tidies up
        cache = self.cache
        fut = self.fut
        if fut is not None:
            self.fut = None
            fut.remove_done_callback(self)
            fut.parse = None  # it may answer the entry's hits (below): it holds nothing of this fill
        # no longer in flight: not shared with later callers, not marked by invalidations (ended(), inline)
        cache_key = self.cache_key
        key = self.key
        inflight = cache._inflight
        if inflight.get(cache_key) is self:
            del inflight[cache_key]
        reading = cache._reading
        if reading.get(key) is self:
            del reading[key]
        else:
            self.ended()
        if self.followers is not None:
            self.settle_followers(value)
        ttl = self.ttl
        if ttl is None:  # never: set as the pair is sent
            return value
        self.ttl = None
        try:
            pttl = ttl.result()
        except BaseException:  # it failed (its error is read here, nothing kept), or is not answered yet
            if not ttl.done():  # not before the read, so not the TTL the read saw: its end is read when it comes
                consume(ttl)
            return value
        if self.stale or self.epoch != cache._epoch:
            cache.uncached_replies += 1  # its key changed while it was in flight: the reply may be old
            return value
        if pttl.__class__ is not int or pttl < -2 or (pttl == -2 and value):
            cache.uncached_replies += 1  # no key, yet a value: not what a missing key reads as
            return value
        # the server's TTL runs from when it ran PTTL, after this client sent it: timed from the
        # send, the entry ends no later than the key does
        expires = self.sent + pttl / 1000 if pttl >= 0 else 0.0
        # (name, key) with the key in bytes holds nothing beyond what ENTRY_OVERHEAD counts
        held = 0 if cache_key[1] is key and len(cache_key) == 2 else held_by(cache_key, key)
        done = None
        if isinstance(value, _MUTABLE):  # the caller holds the object it was given: the cache keeps a copy
            kept = copy.copy(value)
        else:
            # what every hit will return: this read's own future, resolved to ``value`` as this returns. Hits
            # then build nothing; it is done, so a hit's caller cannot cancel it, and its bytes are counted
            kept = value
            if fut is not None:
                done = fut
                held += _getsizeof(fut)
        if cache.store.put(cache_key, key, kept, cache._clock(), expires, held, done) and cache.on_kept is not None:
            cache.on_kept(key)
        return value

    def __call__(self, fut: CommandFuture[Any]) -> None:
        """The read ended without its reply parsed (done callback; ``read`` removes it when the reply comes)."""
        self.fut = None
        self.ended()
        if self.followers is not None:
            self.fail_followers(fut)
        ttl = self.ttl
        if ttl is not None:
            self.ttl = None
            consume(ttl)

    def ended(self) -> None:
        """No longer in flight: not shared with later callers, not marked by invalidations."""
        cache = self.cache
        inflight = cache._inflight
        if inflight.get(self.cache_key) is self:
            del inflight[self.cache_key]
        reading = cache._reading
        key = self.key
        fills = reading.get(key)
        if fills is self:
            del reading[key]
        elif fills.__class__ is list:  # other reads of the key in flight too (another command, a flush ago)
            if self in fills:
                fills.remove(self)
            if not fills:
                del reading[key]

    def settle_followers(self, value: Any) -> None:
        """Callers sharing this read: the value, each their own copy of a list, dict or set."""
        followers = self.followers
        self.followers = None
        mutable = isinstance(value, _MUTABLE)
        for follower in followers or ():
            if not follower.done():  # a follower cancelled by its caller: nothing to tell
                follower.set_result(copy.copy(value) if mutable else value)

    def fail_followers(self, fut: CommandFuture[Any]) -> None:
        """Callers sharing this read: its error, or its cancel."""
        followers = self.followers
        self.followers = None
        for follower in followers or ():
            if follower.done():
                continue
            if fut.cancelled():
                follower.cancel()
            else:
                follower.set_exception(fut.exception())  # type: ignore[arg-type]
