"""Redis.lock(): redis.asyncio's Lock, on a real server, and side by side with redis-py's.

Every wait is bounded (``bounded``), so a broken lock fails a test instead of
hanging it; timing assertions have generous bounds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
import redis.asyncio
import redis.asyncio.lock
import redis.exceptions

import leanredis
from leanredis import DataError, Lock, LockError, LockNotOwnedError, RedisError
from leanredis.server import RedisServer

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], seconds: float = 5.0) -> T:
    """Await with a ceiling: a lock that never comes fails the test rather than hanging it."""
    return await asyncio.wait_for(awaitable, seconds)


async def wait_until_gone(client: leanredis.Redis, key: str) -> None:
    """Poll until ``key`` expired (no fixed sleep: how long expiry takes is the server's business)."""

    async def poll() -> None:
        while await client.exists(key):
            await asyncio.sleep(0.01)

    await bounded(poll())


class CountingLock(Lock):
    """A Lock that counts its tries, to see how often a blocked acquire asks the server."""

    tries = 0

    async def do_acquire(self, token: bytes) -> bool:
        self.tries += 1
        return await super().do_acquire(token)


# -- the exceptions -------------------------------------------------------------------


def test_lock_errors_have_redis_pys_hierarchy() -> None:
    assert issubclass(LockError, RedisError) and issubclass(LockError, ValueError)
    assert issubclass(LockNotOwnedError, LockError)
    error = LockError("no", lock_name="k")
    assert (error.message, error.lock_name, str(error)) == ("no", "k", "no")
    theirs = redis.exceptions.LockError("no", lock_name="k")
    assert (theirs.message, theirs.lock_name, str(theirs)) == ("no", "k", "no")


# -- acquire and release --------------------------------------------------------------


async def test_acquire_stores_a_bytes_token_and_release_deletes_the_key(r: leanredis.Redis) -> None:
    lock = r.lock("L")
    assert await lock.acquire() is True
    token = lock.local.token
    assert isinstance(token, bytes) and len(token) == 32
    assert await r.get("L") == token
    assert await r.ttl("L") == -1  # no timeout: held until released
    assert await lock.locked() is True and await lock.owned() is True
    assert await lock.release() is None
    assert await r.get("L") is None
    assert lock.local.token is None
    assert await lock.locked() is False and await lock.owned() is False


async def test_timeout_sets_the_keys_expiry_in_milliseconds(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=2.5)
    assert await lock.acquire()
    assert 2000 < await r.pttl("L") <= 2500


async def test_non_blocking_acquire_fails_at_once_while_another_holds(r: leanredis.Redis) -> None:
    holder = r.lock("L")
    assert await holder.acquire()
    waiter = r.lock("L", blocking_timeout=10)
    started = asyncio.get_running_loop().time()
    assert await bounded(waiter.acquire(blocking=False)) is False
    assert await bounded(r.lock("L", blocking=False).acquire()) is False
    assert asyncio.get_running_loop().time() - started < 1.0
    assert waiter.local.token is None
    assert await r.get("L") == holder.local.token


async def test_blocking_timeout_is_honoured_without_busy_waiting(r: leanredis.Redis) -> None:
    assert await r.lock("L").acquire()
    waiter = r.lock("L", sleep=0.05, blocking_timeout=0.4, lock_class=CountingLock)
    assert isinstance(waiter, CountingLock)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bounded(waiter.acquire()) is False
    elapsed = loop.time() - started
    assert 0.35 <= elapsed < 2.0
    # one try per ``sleep``: about 9; a loop that does not sleep makes hundreds
    assert 3 <= waiter.tries <= 0.4 / 0.05 + 3
    # the argument of acquire() wins over the lock's own
    started = loop.time()
    assert await bounded(waiter.acquire(blocking_timeout=0.1)) is False
    assert 0.05 <= loop.time() - started < 1.5


async def test_blocked_acquire_tries_once_more_at_its_deadline(r: leanredis.Redis) -> None:
    """A ``sleep`` longer than what is left is cut short: the last try is at the deadline.

    (redis-py gives up one ``sleep`` early instead: here, right after its first try.)
    """
    holder = r.lock("L")
    assert await holder.acquire()
    waiter = r.lock("L", sleep=5, blocking_timeout=0.4, lock_class=CountingLock)

    async def release_later() -> None:
        await asyncio.sleep(0.1)
        await holder.release()

    loop = asyncio.get_running_loop()
    release = asyncio.ensure_future(release_later())
    started = loop.time()
    assert await bounded(waiter.acquire()) is True
    await release
    assert 0.3 <= loop.time() - started < 2.0
    assert isinstance(waiter, CountingLock) and waiter.tries == 2


async def test_blocked_acquire_gets_the_lock_once_the_holder_releases(r: leanredis.Redis) -> None:
    holder = r.lock("L")
    assert await holder.acquire()
    waiter = r.lock("L", sleep=0.02)

    async def release_later() -> None:
        await asyncio.sleep(0.2)
        await holder.release()

    release = asyncio.ensure_future(release_later())
    assert await bounded(waiter.acquire()) is True
    await release
    assert await r.get("L") == waiter.local.token
    assert await waiter.owned() and not await holder.owned()


async def test_expiry_of_the_timeout_lets_another_holder_in(r: leanredis.Redis) -> None:
    first = r.lock("L", timeout=0.2)
    assert await first.acquire()
    second = r.lock("L", sleep=0.02, blocking_timeout=3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bounded(second.acquire()) is True
    assert loop.time() - started >= 0.1  # it had to wait for the expiry
    assert await second.owned() and not await first.owned()


async def test_release_after_expiry_and_takeover_raises_lock_not_owned(r: leanredis.Redis) -> None:
    first = r.lock("L", timeout=0.1)
    assert await first.acquire()
    await wait_until_gone(r, "L")
    second = r.lock("L")
    assert await second.acquire()
    with pytest.raises(LockNotOwnedError, match="Cannot release a lock that's no longer owned"):
        await first.release()
    assert first.local.token is None  # nothing left to release: the error is final
    assert await r.get("L") == second.local.token  # the new holder keeps its lock


async def test_release_of_an_expired_lock_raises_lock_not_owned(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=0.1)
    assert await lock.acquire()
    await wait_until_gone(r, "L")
    with pytest.raises(LockNotOwnedError):
        await lock.release()


async def test_release_of_a_lock_never_acquired_raises_lock_error(r: leanredis.Redis) -> None:
    lock = r.lock("L")
    with pytest.raises(LockError, match="not owned or is already unlocked") as caught:
        await lock.release()
    assert type(caught.value) is LockError and caught.value.lock_name == "L"
    assert await lock.acquire()
    await lock.release()
    with pytest.raises(LockError, match="already unlocked"):
        await lock.release()


# -- extend and reacquire -------------------------------------------------------------


async def test_extend_adds_to_the_ttl_or_replaces_it(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=10)
    assert await lock.acquire()
    assert await lock.extend(10) is True
    assert 19_000 < await r.pttl("L") <= 20_000
    assert await lock.extend(3, replace_ttl=True) is True
    assert 2_000 < await r.pttl("L") <= 3_000
    assert await lock.extend(0.5, replace_ttl=True) is True  # fractions of a second, as milliseconds
    assert 0 < await r.pttl("L") <= 500


async def test_extend_and_reacquire_refuse_at_call_time_without_a_hold_or_a_timeout(r: leanredis.Redis) -> None:
    unheld = r.lock("L", timeout=10)
    with pytest.raises(LockError, match="Cannot extend an unlocked lock"):
        unheld.extend(1)  # raised by the call, before any await
    with pytest.raises(LockError, match="Cannot reacquire an unlocked lock"):
        unheld.reacquire()
    forever = r.lock("L")
    assert await forever.acquire()
    with pytest.raises(LockError, match="Cannot extend a lock with no timeout") as caught:
        forever.extend(1)
    assert type(caught.value) is LockError
    with pytest.raises(LockError, match="Cannot reacquire a lock with no timeout"):
        forever.reacquire()
    assert await r.ttl("L") == -1


async def test_extend_of_a_lock_taken_over_raises_lock_not_owned(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=10)
    assert await lock.acquire()
    await r.set("L", "someone-else", px=10_000)
    with pytest.raises(LockNotOwnedError, match="Cannot extend a lock that's no longer owned"):
        await lock.extend(5)
    assert await r.get("L") == b"someone-else"
    # our token, but the key lost its TTL: extending would not make it expire again
    await r.set("L", lock.local.token)
    with pytest.raises(LockNotOwnedError):
        await lock.extend(5)
    assert await r.ttl("L") == -1


async def test_reacquire_resets_the_ttl_to_the_full_timeout(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=10)
    assert await lock.acquire()
    await r.pexpire("L", 500)
    assert await lock.reacquire() is True
    assert 9_000 < await r.pttl("L") <= 10_000
    await r.set("L", "someone-else")
    with pytest.raises(LockNotOwnedError, match="Cannot reacquire a lock that's no longer owned"):
        await lock.reacquire()


# -- owned, locked, tokens ------------------------------------------------------------


async def test_owned_is_true_only_for_the_holder_and_locked_for_everyone(r: leanredis.Redis) -> None:
    holder, other = r.lock("L"), r.lock("L")
    assert not await holder.locked() and not await holder.owned()
    assert await holder.acquire()
    assert await holder.locked() and await other.locked()
    assert await holder.owned() and not await other.owned()


async def test_explicit_token_is_stored_as_bytes(r: leanredis.Redis) -> None:
    lock = r.lock("L")
    assert await lock.acquire(token="abc")
    assert lock.local.token == b"abc" and await r.get("L") == b"abc"
    assert await lock.owned()
    await lock.release()
    assert await lock.acquire(token=b"\x00\xff")
    assert await r.get("L") == b"\x00\xff"
    await lock.release()
    assert await lock.acquire(token=42)  # type: ignore[arg-type]
    assert lock.local.token == b"42"
    await lock.release()
    with pytest.raises(DataError):
        await lock.acquire(token=True)  # type: ignore[arg-type]
    assert await r.get("L") is None


async def test_owned_compares_tokens_with_decode_responses(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        lock = client.lock("decoded")
        assert await lock.acquire(token="été")
        assert lock.local.token == "été".encode()
        assert await client.get("decoded") == "été"
        assert await lock.owned() is True
        await lock.release()
        assert await client.get("decoded") is None
    finally:
        await client.aclose()


async def test_token_is_per_thread_unless_thread_local_is_off(r: leanredis.Redis) -> None:
    per_thread, shared = r.lock("A"), r.lock("B", thread_local=False)
    assert await per_thread.acquire() and await shared.acquire()
    seen: dict[str, Any] = {}

    def look() -> None:
        seen["per_thread"] = per_thread.local.token
        seen["shared"] = shared.local.token

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(5)
    assert seen == {"per_thread": None, "shared": shared.local.token}
    assert shared.local.token is not None


# -- async with -----------------------------------------------------------------------


async def test_async_with_holds_the_lock_inside_the_block_only(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=5)
    async with lock as entered:
        assert entered is lock
        assert await r.get("L") == lock.local.token
    assert await r.get("L") is None


async def test_async_with_raises_lock_error_when_it_cannot_acquire(r: leanredis.Redis) -> None:
    assert await r.lock("L").acquire()
    ran = False
    with pytest.raises(LockError, match="Unable to acquire lock within the time specified") as caught:
        async with r.lock("L", blocking_timeout=0.1, sleep=0.02):
            ran = True
    assert type(caught.value) is LockError and not ran
    with pytest.raises(LockError, match="Unable to acquire lock"):
        await bounded(r.lock("L", blocking=False).__aenter__())


async def test_async_with_raises_when_the_lock_was_lost_inside_the_block(r: leanredis.Redis) -> None:
    with pytest.raises(LockNotOwnedError):
        async with r.lock("L", timeout=5):
            await r.delete("L")


async def test_async_with_only_logs_a_lost_lock_when_asked_not_to_raise(
    r: leanredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="leanredis.lock"):
        async with r.lock("L", timeout=5, raise_on_release_error=False) as lock:
            await r.set("L", "someone-else")
    assert "no longer owned" in caplog.text
    assert lock.local.token is None
    assert await r.get("L") == b"someone-else"


# -- scripts --------------------------------------------------------------------------


async def test_scripts_are_registered_once_per_client(r: leanredis.Redis, redis_server: RedisServer) -> None:
    a, b = r.lock("A"), r.lock("B")
    assert a.lua_release is b.lua_release and a.lua_extend is b.lua_extend and a.lua_reacquire is b.lua_reacquire
    other = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        assert other.lock("A").lua_release.registered_client is other
        assert a.lua_release.registered_client is r
    finally:
        await other.aclose()


async def test_release_loads_its_script_again_after_script_flush(r: leanredis.Redis) -> None:
    lock = r.lock("L", timeout=10)
    assert await lock.acquire()
    await r.script_flush()
    assert await lock.extend(1) is True
    await r.script_flush()
    await lock.release()
    assert await r.get("L") is None


# -- interop with redis-py ------------------------------------------------------------


async def test_locks_of_leanredis_and_redis_py_on_one_name_exclude_each_other(redis_server: RedisServer) -> None:
    ours_client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    theirs_client = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await ours_client.flushdb()
        ours, theirs = ours_client.lock("shared", timeout=10), theirs_client.lock("shared", timeout=10)
        assert await ours.acquire()
        assert await theirs.acquire(blocking=False) is False
        assert await theirs.locked() and not await theirs.owned()
        await ours.release()
        assert await theirs.acquire(blocking=False) is True
        assert await ours.acquire(blocking=False) is False
        assert await ours.locked() and not await ours.owned()
        await theirs.release()
        assert await ours_client.get("shared") is None
    finally:
        await ours_client.aclose()
        await theirs_client.aclose()


async def test_a_token_taken_by_one_library_is_released_and_extended_by_the_other(redis_server: RedisServer) -> None:
    ours_client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    theirs_client = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await ours_client.flushdb()
        ours = ours_client.lock("shared", timeout=10, thread_local=False)
        theirs = theirs_client.lock("shared", timeout=10, thread_local=False)
        # leanredis takes it; redis-py, given the token, owns, extends and releases it
        assert await ours.acquire()
        theirs.local.token = ours.local.token
        assert await theirs.owned()
        assert await theirs.extend(10) is True
        assert 19_000 < await ours_client.pttl("shared") <= 20_000
        await theirs.release()
        assert await ours_client.get("shared") is None
        # and the other way round
        assert await theirs.acquire(token="from-redis-py")
        ours.local.token = theirs.local.token
        assert ours.local.token == b"from-redis-py"
        assert await ours.owned()
        assert await ours.reacquire() is True
        await ours.release()
        assert await theirs_client.get("shared") is None
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            await theirs.release()
    finally:
        await ours_client.aclose()
        await theirs_client.aclose()


async def lock_story(client: Any, lock_class: Any) -> list[Any]:
    """One sequence of lock calls; what each returned or raised (class and message), in order."""
    outcomes: list[Any] = []

    async def record(call: Any) -> None:
        try:
            result = call()
            if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
                result = await bounded(result)
            if isinstance(result, (Lock, redis.asyncio.lock.Lock)):
                result = "the lock itself" if result is held or result is other or result is no_ttl else result
            outcomes.append(("ok", type(result).__name__, result))
        except Exception as exc:  # the class and message are what is compared
            outcomes.append(("raised", type(exc).__name__, str(exc)))

    held = client.lock("story", timeout=10, lock_class=lock_class)
    other = client.lock("story", blocking=False, lock_class=lock_class)
    no_ttl = client.lock("story-2", blocking_timeout=0.05, sleep=0.01, lock_class=lock_class)
    await record(held.release)
    await record(lambda: held.extend(1))
    await record(held.reacquire)
    await record(held.owned)
    await record(held.locked)
    await record(lambda: held.acquire(token="tok"))
    await record(lambda: client.get("story"))
    await record(held.owned)
    await record(other.owned)
    await record(other.locked)
    await record(other.acquire)
    await record(lambda: other.acquire(blocking=True, blocking_timeout=0.05))
    await record(lambda: held.extend(2))
    await record(lambda: held.extend(1, replace_ttl=True))
    await record(held.reacquire)
    await record(lambda: client.set("story", "stolen"))
    await record(lambda: held.extend(1))
    await record(held.reacquire)
    await record(held.release)
    await record(held.release)
    await record(no_ttl.acquire)
    await record(lambda: no_ttl.extend(1))
    await record(no_ttl.reacquire)
    await record(no_ttl.__aenter__)  # held already: it cannot acquire again
    await record(lambda: no_ttl.__aexit__(None, None, None))
    await record(lambda: no_ttl.__aexit__(None, None, None))
    await record(no_ttl.__aenter__)
    await record(lambda: client.delete("story", "story-2"))
    return outcomes


async def test_the_same_story_gives_the_same_outcomes_as_redis_py(pair: tuple[Any, Any]) -> None:
    ours_client, theirs_client = pair
    ours = await lock_story(ours_client, None)
    theirs = await lock_story(theirs_client, None)
    assert ours == theirs


# -- contention -----------------------------------------------------------------------


async def test_mutual_exclusion_holds_under_contention(redis_server: RedisServer) -> None:
    """Read-modify-write with a yield in between: without the lock, increments get lost."""
    clients: list[Any] = [leanredis.Redis(host="127.0.0.1", port=redis_server.port) for _ in range(3)]
    clients.append(redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port))  # redis-py contends too
    workers, rounds = 16, 5
    inside = 0
    most_inside = 0
    try:
        await clients[0].delete("counter", "mutex")

        async def work(client: Any) -> None:
            nonlocal inside, most_inside
            for _ in range(rounds):
                async with client.lock("mutex", timeout=5, sleep=0.005, blocking_timeout=8):
                    inside += 1
                    most_inside = max(most_inside, inside)
                    value = int(await client.get("counter") or 0)
                    await asyncio.sleep(0.001)
                    await client.set("counter", value + 1)
                    inside -= 1

        await bounded(asyncio.gather(*(work(clients[i % len(clients)]) for i in range(workers))), 10)
        assert int(await clients[0].get("counter")) == workers * rounds
        assert most_inside == 1
        assert await clients[0].exists("mutex") == 0
    finally:
        for client in clients:
            await client.aclose()


# -- cancellation ---------------------------------------------------------------------


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
async def test_acquire_cancelled_at_any_step_leaves_no_lock_behind(r: leanredis.Redis, steps: int) -> None:
    """Cancelled after its SET went out, acquire would leave a key nobody can release (no timeout: forever).

    Cancelled after ``steps`` loop iterations: before the SET is written, after, and
    after its reply came back; with no timeout, a leaked key would stay for good.
    """
    lock = r.lock("L")
    task = asyncio.ensure_future(lock.acquire())
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert lock.local.token is None
    await r.ping()  # anything the cancelled acquire sent has run by now
    assert await r.get("L") is None
    assert await bounded(r.lock("L").acquire(blocking=False)) is True


async def test_acquire_cancelled_while_blocked_leaves_the_holder_alone(r: leanredis.Redis) -> None:
    holder = r.lock("L")
    assert await holder.acquire()
    waiter = asyncio.ensure_future(r.lock("L", sleep=0.01).acquire())
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await r.ping()
    assert await r.get("L") == holder.local.token


@pytest.mark.parametrize("steps", [1, 2, 3])
async def test_acquire_cancelled_with_a_chosen_token_never_deletes_a_holder_sharing_it(
    r: leanredis.Redis, steps: int
) -> None:
    holder = r.lock("L")
    assert await holder.acquire(token="shared")
    task = asyncio.ensure_future(r.lock("L", sleep=0.01).acquire(token="shared"))
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await r.ping()
    assert await r.get("L") == b"shared"
