"""Lock: a distributed lock on one key, with redis.asyncio's ``Lock`` behaviour.

``SET name token NX [PX timeout]`` takes the lock; Lua scripts release,
extend and reacquire it only while the key still holds this lock's token,
so a holder whose lock expired and was taken by someone else cannot undo
the new holder's lock. The key holds the token as a plain string, as
redis-py's does: a leanredis lock and a redis-py lock on the same name
exclude each other.

    lock = r.lock("jobs:nightly", timeout=30, blocking_timeout=5)
    async with lock:
        ...  # at most one holder at a time, across processes

The scripts are registered once per client (``register_script``) and run
by SHA1. An acquire cancelled while its SET is in flight sends a release of
its fresh token behind it, so the cancellation leaves no key that nobody
can release (without a timeout it would stay for good).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import weakref
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple

from .exceptions import DataError, LockError, LockNotOwnedError, RedisError
from .script import Script

logger = logging.getLogger(__name__)

Number = int | float

# KEYS[1]: the lock's name; ARGV[1]: the token. 1 if deleted, 0 if the key holds another token or none.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""

# ARGV[2]: milliseconds; ARGV[3]: "1" to replace the TTL, "0" to add to it.
# 0 if the token differs or the key has no TTL (it would become one, silently).
_EXTEND = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
local ms = tonumber(ARGV[2])
if ARGV[3] == '0' then ms = ms + ttl end
redis.call('PEXPIRE', KEYS[1], ms)
return 1
"""

# ARGV[2]: milliseconds, the lock's full timeout again.
_REACQUIRE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class _LockScripts(NamedTuple):
    release: Script
    extend: Script
    reacquire: Script


# One set of registered scripts per client, dropped with the client.
_scripts_by_client: weakref.WeakKeyDictionary[Any, _LockScripts] = weakref.WeakKeyDictionary()


def _scripts_for(client: Any) -> _LockScripts:
    scripts = _scripts_by_client.get(client)
    if scripts is None:
        scripts = _LockScripts(
            client.register_script(Lock.LUA_RELEASE_SCRIPT),
            client.register_script(Lock.LUA_EXTEND_SCRIPT),
            client.register_script(Lock.LUA_REACQUIRE_SCRIPT),
        )
        _scripts_by_client[client] = scripts
    return scripts


class _ThreadToken(threading.local):
    """Per-thread token slot; every thread starts with no token."""

    token: bytes | None = None


def _milliseconds(seconds: Number) -> int:
    return int(seconds * 1000)


def _report_abandon_failure(release: asyncio.Future[Any]) -> None:
    # nobody awaits this release: log its failure rather than leave it unretrieved
    if not release.cancelled() and release.exception() is not None:
        logger.warning("Could not undo the SET of a cancelled Lock.acquire: %r", release.exception())


class Lock:
    """A lock on the key ``name`` shared by every client of the server; made by ``Redis.lock()``.

    ``timeout``: seconds before the key expires on its own (None: held until released).
    ``sleep``: seconds between tries while blocked. ``blocking``: whether ``acquire``
    waits, and ``blocking_timeout`` how long at most (None: forever). With
    ``thread_local`` the token is kept per thread, so a lock object shared by
    threads cannot release another thread's hold; tasks of one loop share it.
    ``raise_on_release_error=False`` makes ``async with`` log, not raise, when the
    lock was lost before the block ended.
    """

    LUA_RELEASE_SCRIPT = _RELEASE
    LUA_EXTEND_SCRIPT = _EXTEND
    LUA_REACQUIRE_SCRIPT = _REACQUIRE

    lua_release: Script
    lua_extend: Script
    lua_reacquire: Script

    def __init__(
        self,
        redis: Any,
        name: str | bytes | memoryview,
        timeout: Number | None = None,
        sleep: Number = 0.1,
        blocking: bool = True,
        blocking_timeout: Number | None = None,
        thread_local: bool = True,
        raise_on_release_error: bool = True,
    ) -> None:
        self.redis = redis
        self.name = name
        self.timeout = timeout
        self.sleep = sleep
        self.blocking = blocking
        self.blocking_timeout = blocking_timeout
        self.thread_local = bool(thread_local)
        self.local: Any = _ThreadToken() if self.thread_local else SimpleNamespace(token=None)
        self.raise_on_release_error = raise_on_release_error
        self.register_scripts()

    def register_scripts(self) -> None:
        """Bind the release/extend/reacquire scripts of this lock's client (registered once per client)."""
        scripts = _scripts_for(self.redis)
        self.lua_release = scripts.release
        self.lua_extend = scripts.extend
        self.lua_reacquire = scripts.reacquire

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} timeout={self.timeout!r}>"

    async def __aenter__(self) -> Lock:
        if await self.acquire():
            return self
        raise LockError("Unable to acquire lock within the time specified")

    async def __aexit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        try:
            await self.release()
        except LockError:
            if self.raise_on_release_error:
                raise
            # the caller asked for this: the lock expired or was released inside the block
            logger.warning("Lock was unlocked or no longer owned when exiting context manager.")

    def _encode_token(self, token: object) -> bytes:
        """The token as the server will store it: str in the client's encoding, numbers as their repr."""
        if isinstance(token, (bytes, bytearray, memoryview)):
            return bytes(token)
        if isinstance(token, str):
            options = getattr(self.redis, "options", None)
            return token.encode(getattr(options, "encoding", "utf-8"), getattr(options, "encoding_errors", "strict"))
        if isinstance(token, (int, float)) and not isinstance(token, bool):
            return repr(token).encode()
        raise DataError(
            f"Lock token of type {type(token).__name__!r} cannot be stored; convert it to bytes, str, int or float"
        )

    async def acquire(
        self,
        blocking: bool | None = None,
        blocking_timeout: Number | None = None,
        token: str | bytes | None = None,
    ) -> bool:
        """Take the lock: True once held; False if not blocking, or not free within ``blocking_timeout``.

        ``token`` is the value stored in the key (default: a fresh UUID); arguments
        left as None take the lock's own settings.
        """
        encoded = uuid.uuid1().hex.encode() if token is None else self._encode_token(token)
        if blocking is None:
            blocking = self.blocking
        if blocking_timeout is None:
            blocking_timeout = self.blocking_timeout
        loop = asyncio.get_running_loop()
        give_up_at = None if blocking_timeout is None else loop.time() + blocking_timeout
        while True:
            try:
                acquired = await self.do_acquire(encoded)
            except asyncio.CancelledError:
                if token is None:
                    self._abandon(encoded)
                raise
            if acquired:
                self.local.token = encoded
                return True
            if not blocking:
                return False
            pause = self.sleep
            if give_up_at is not None:
                remaining = give_up_at - loop.time()
                if remaining <= 0:
                    return False
                # the last try happens at the deadline, not one ``sleep`` before it; at least 1 ms: uvloop runs a
                # sleep under half a millisecond at once, its clock (in milliseconds) unmoved, and tries would spin
                pause = max(min(pause, remaining), 0.001)
            await asyncio.sleep(pause)

    def _abandon(self, token: bytes) -> None:
        """Undo a SET that may have gone out for a cancelled acquire: nobody would know its token.

        The release is sent on the same connection after the SET, so the server
        runs it after; it deletes the key only if it holds this fresh token. A
        token the caller chose is left alone: another holder may share it.
        """
        try:
            release = self.redis.eval(self.LUA_RELEASE_SCRIPT, 1, self.name, token)
        except RedisError as exc:
            # raising here would hide the cancellation the caller is owed
            logger.warning("Could not undo the SET of a cancelled Lock.acquire: %r", exc)
            return
        release.add_done_callback(_report_abandon_failure)

    async def do_acquire(self, token: bytes) -> bool:
        """One try: SET the key to ``token`` if it does not exist, expiring after ``timeout``."""
        px = _milliseconds(self.timeout) if self.timeout else None
        return bool(await self.redis.set(self.name, token, nx=True, px=px))

    async def locked(self) -> bool:
        """True if the key is held, by this lock or any other."""
        return await self.redis.get(self.name) is not None

    async def owned(self) -> bool:
        """True if the key holds this lock's token (in this thread)."""
        token = self.local.token
        if token is None:
            return False
        stored = await self.redis.get(self.name)
        if isinstance(stored, str):  # decode_responses=True
            stored = self._encode_token(stored)
        return bool(stored == token)

    async def release(self) -> None:
        """Release the lock; LockNotOwnedError if it expired or another holder has it now.

        The token is forgotten only once the server answered, so a release that
        was cancelled or lost its connection can be tried again.
        """
        token = self.local.token
        if token is None:
            raise LockError("Cannot release a lock that's not owned or is already unlocked.", lock_name=self.name)
        try:
            await self.do_release(token)
        except LockNotOwnedError:
            self.local.token = None  # nothing of ours is left on the server
            raise
        self.local.token = None

    async def do_release(self, expected_token: bytes) -> None:
        """Delete the key if it still holds ``expected_token``, else LockNotOwnedError."""
        if not await self.lua_release(keys=[self.name], args=[expected_token], client=self.redis):
            raise LockNotOwnedError("Cannot release a lock that's no longer owned")

    def extend(self, additional_time: Number, replace_ttl: bool = False) -> Awaitable[Literal[True]]:
        """Add ``additional_time`` seconds to the lock's TTL (or make it the TTL, ``replace_ttl``): True.

        LockError at once if the lock is not held or has no timeout;
        LockNotOwnedError when awaited if it is no longer ours.
        """
        if self.local.token is None:
            raise LockError("Cannot extend an unlocked lock")
        if self.timeout is None:
            raise LockError("Cannot extend a lock with no timeout")
        return self.do_extend(additional_time, replace_ttl)

    async def do_extend(self, additional_time: Number, replace_ttl: bool) -> Literal[True]:
        """Run the extend script; LockNotOwnedError if the key holds another token or has no TTL."""
        args = [self.local.token, _milliseconds(additional_time), "1" if replace_ttl else "0"]
        if not await self.lua_extend(keys=[self.name], args=args, client=self.redis):
            raise LockNotOwnedError("Cannot extend a lock that's no longer owned")
        return True

    def reacquire(self) -> Awaitable[Literal[True]]:
        """Reset the lock's TTL to its full ``timeout``: True.

        LockError at once if the lock is not held or has no timeout;
        LockNotOwnedError when awaited if it is no longer ours.
        """
        if self.local.token is None:
            raise LockError("Cannot reacquire an unlocked lock")
        if self.timeout is None:
            raise LockError("Cannot reacquire a lock with no timeout")
        return self.do_reacquire()

    async def do_reacquire(self) -> Literal[True]:
        """Run the reacquire script; LockNotOwnedError if the key holds another token."""
        assert self.timeout is not None  # checked by reacquire()
        args = [self.local.token, _milliseconds(self.timeout)]
        if not await self.lua_reacquire(keys=[self.name], args=args, client=self.redis):
            raise LockNotOwnedError("Cannot reacquire a lock that's no longer owned")
        return True
