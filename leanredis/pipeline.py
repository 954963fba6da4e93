"""Pipelines and MULTI/EXEC transactions, with redis.asyncio's API and results.

``pipe = r.pipeline()`` has every command method of the client; each call
records ``(args, parse)`` and returns the pipeline (``pipe.set(a, 1).get(a)``),
``await pipe.execute()`` sends them and returns the replies in order.

Where the commands go:

- a pipeline without a transaction, and a transaction without WATCH, run on
  the client's shared multiplexed connection as one batch
  (``Connection.execute_batch``): encoded all or nothing when there is room,
  as a single command is, else waiting whole in the connection's queue (its
  arguments only, one place of ``max_queued``) or, under
  ``overload_policy="fail"``, raising ``OverloadError``; never split, so no
  other caller's command lands in between. One future stands for the batch
  and resolves to its replies in one list; the parsers run over it in one
  pass (``pipeline_results``), and every reply owed counts in
  ``max_inflight``. A pipeline whose commands a sender may change
  one by one (response callbacks, the client-side cache, a cluster node's
  redirects) or with replies to read undecoded (DUMP, FT.SEARCH under
  ``decode_responses``) is sent command by command instead;
- after ``watch()`` the pipeline holds a pool connection of its own (WATCH
  belongs to one socket): commands run at once ("immediate mode", as in
  redis-py) until ``multi()``, then are buffered until ``execute()``. If that
  socket was lost in between, ``execute`` raises ``WatchError`` rather than
  run the transaction unguarded;
- a pipeline without a transaction that contains a blocking command runs on
  a pool connection, with the socket timeout extended by the blocking time;
- a ``Script`` called on the pipeline is recorded as EVALSHA and loaded
  before ``execute`` sends anything (SCRIPT EXISTS, SCRIPT LOAD of the
  missing), as redis-py does: a NOSCRIPT inside the batch could not be retried.

Memory: the recorded commands are dropped as they are encoded (for error
messages the pipeline keeps each command with values longer than 128
characters cut down: the connection names the commands encoded longer than
that could hold, so the short ones cost nothing); the replies are the only
thing ``execute`` returns.
Errors follow redis-py: a ``ResponseError`` reply is raised (the first one,
annotated as redis-py does: ``Command # 3 (LPUSH c 3) of pipeline caused
error: ('WRONGTYPE ...',)``) or, with
``raise_on_error=False``, returned in its place; EXEC aborted by a rejected
command raises ``ExecAbortError`` (or that command's error), a null EXEC
``WatchError``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .commands import AllCommands
from .commands.base import EmptyOnError
from .commands.funnel import NOT_BLOCKING, own, take
from .commands.parsers import str_if_bytes
from .commands.scripting import script_exists_reply
from .commands.search._raw import RawThen
from .connection import Connection
from .exceptions import ConnectionError, OverloadError, RedisError, ResponseError, WatchError
from .executor import Executor, executor_of_pool
from .future import raw_reply
from .pipeline_results import (
    LONG_ENCODING,
    abandon,
    exec_results,
    parse_results,
    plain_results,
    preview_args,
    raise_first_error,
    read_raw,
    upper_name,
)
from .typed import StrT

if TYPE_CHECKING:
    from .commands.chained import ChainedCommands as PipelineCommands
    from .pool import ConnectionPool
    from .script import Script
else:
    # to type checkers each command method returns the pipeline (commands/chained.pyi); at run time
    # the client's own methods, which record through _send
    PipelineCommands = AllCommands

_PipelineT = TypeVar("_PipelineT", bound="Pipeline[Any]")
_MULTI = (b"MULTI",)
_EXEC = (b"EXEC",)
_AROUND = (_MULTI, _EXEC)
_WATCH = b"WATCH"  # watch() sends this object: _send tells it by identity, not by decoding every name
_BLOCK_FOREVER = -1.0  # a recorded blocking command with no time limit


def _watch_ok(reply: Any) -> bool:
    return reply == b"OK" or reply == "OK"


def _redis_py_call(
    first: Any, second: Any, third: Any, rest: tuple[Any, ...], keywords: dict[str, Any]
) -> tuple[Executor, bool, Any]:
    """(executor, transaction, shard_hint) of redis-py's ``Pipeline(connection_pool, response_callbacks,
    transaction, shard_hint)``, all four by position or all by name. The callbacks are not consulted
    (``Redis.response_callbacks`` says why)."""
    if first is None and "connection_pool" in keywords:
        names = {"connection_pool", "response_callbacks"}
        if set(keywords) != names:
            unexpected = ", ".join(sorted(set(keywords) - names))
            raise TypeError(f"Pipeline() got unexpected keyword argument(s): {unexpected}")
        return executor_of_pool(keywords["connection_pool"]), bool(second), third
    if keywords or len(rest) != 1:
        raise TypeError(
            "Pipeline() takes an executor (client.pipeline() makes one), or redis-py's four arguments: "
            "connection_pool, response_callbacks, transaction, shard_hint"
        )
    return executor_of_pool(first), bool(third), rest[0]


class Pipeline(PipelineCommands[StrT]):
    """Buffered commands sent in one write; MULTI/EXEC around them when ``transaction``."""

    _records_scripts = True  # a Script called on it is added to ``scripts``, loaded before execute

    def __init__(
        self: Pipeline[Any],
        executor: Executor | ConnectionPool | None = None,
        transaction: Any = True,
        shard_hint: Any = None,
        *redis_py_rest: Any,
        **redis_py_keywords: Any,
    ) -> None:
        """``client.pipeline()`` makes one; ``Pipeline(connection_pool, response_callbacks, transaction,
        shard_hint)``, redis-py's call, makes one on the pool's own connection (``executor_of_pool``)."""
        if not isinstance(executor, Executor) or redis_py_rest or redis_py_keywords:
            executor, transaction, shard_hint = _redis_py_call(executor, transaction, shard_hint, redis_py_rest,
                                                               redis_py_keywords)
        self._executor = executor
        self.options = executor.options
        self.is_transaction = transaction
        self.shard_hint = shard_hint
        self.command_stack: list[tuple[tuple[Any, ...], Any]] = []
        self.watching = False
        self.explicit_transaction = False
        self._conn: Connection | None = None  # a pool connection, from WATCH until reset
        self._watch_connects = 0
        self._block: float | None = None  # longest wait of the recorded blocking commands
        self.scripts: set[Script] = set()  # Scripts called on this pipeline: loaded before execute

    def __repr__(self) -> str:
        kind = "transaction" if self.is_transaction else "pipeline"
        return f"<Pipeline {kind} commands={len(self.command_stack)} watching={self.watching}>"

    def __len__(self) -> int:
        return len(self.command_stack)

    def __bool__(self) -> bool:
        return True  # an empty pipeline is still a pipeline (redis-py's rule)

    def __await__(self) -> Iterator[Any]:
        """``await pipe.set(k, v)`` in buffered mode gives the pipeline back, as in redis-py."""
        return self._self().__await__()

    async def _self(self) -> Pipeline[StrT]:
        return self

    async def __aenter__(self: _PipelineT) -> _PipelineT:
        # the receiver's own class (a JSONPipeline stays one): typing.Self needs Python 3.11
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.reset()

    # -- recording -------------------------------------------------------------
    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        # the recorder's hot path: a WATCH reaches it only from watch() (execute_command reads names itself)
        if (self.watching or args[0] is _WATCH) and not self.explicit_transaction:
            return self._immediate(args, parse, self._executor.options.socket_timeout)
        self.command_stack.append((args, parse))
        return self

    def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        if self.watching and not self.explicit_transaction:
            return self._immediate(args, parse, self._extended(block))
        return self._record_blocking(args, parse, block)

    def _record_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        self.command_stack.append((args, parse))
        wait = _BLOCK_FOREVER if block is None else block
        if self._block is None or wait == _BLOCK_FOREVER or (self._block != _BLOCK_FOREVER and wait > self._block):
            self._block = wait
        return self

    # -- redis-py's names: where the commands go when ``execute_command`` was replaced (``funnel``) --
    @own
    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Record a command, or run it at once after ``watch()`` and before ``multi()``, as redis-py's."""
        if args and (self.watching or upper_name(args[0]) == "WATCH") and not self.explicit_transaction:
            return self.immediate_execute_command(*args, **options)
        return self.pipeline_execute_command(*args, **options)

    @own
    def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
        """Run a command now on the pipeline's WATCH connection (an awaitable of its reply)."""
        args, parse, block = take(args, options)
        timeout = self._executor.options.socket_timeout if block is NOT_BLOCKING else self._extended(block)
        return self._immediate(args, parse, timeout)

    def pipeline_execute_command(self, *args: Any, **options: Any) -> Any:
        """Record a command for ``execute()``; the pipeline back."""
        args, parse, block = take(args, options)
        if block is NOT_BLOCKING:
            self.command_stack.append((args, parse))
            return self
        return self._record_blocking(args, parse, block)

    def _extended(self, block: float | None) -> float | None:
        """The socket timeout extended by a blocking command's own wait (None: no limit)."""
        base = self._executor.options.socket_timeout
        if base is None or block is None or block == _BLOCK_FOREVER:
            return None
        return base + block

    # -- immediate mode (after WATCH) ---------------------------------------------
    async def _immediate(self, args: tuple[Any, ...], parse: Any, timeout: float | None) -> Any:
        name = upper_name(args[0])
        if name == "WATCH" and parse is None:
            parse = _watch_ok
        conn = self._conn
        if conn is None:
            conn = self._conn = await self._executor.pool().acquire()
        try:
            result = await conn.execute_with_timeout(args, self._executor.shaped_parser(args, parse), timeout)
        except ResponseError:
            raise  # the server answered: the connection is in a known state
        except BaseException as exc:
            # a reply still owed, or a dead socket: the watch is gone with it
            self._drop_connection()
            was_watching = self.watching
            self.watching = False
            if was_watching and isinstance(exc, RedisError):
                raise WatchError(f"{type(exc).__name__} while watching: {exc}") from exc
            raise
        if name == "WATCH":
            self.watching = True
            self._watch_connects = conn.stats_connects
        elif name in ("UNWATCH", "DISCARD", "EXEC"):
            self.watching = False
        return result

    async def watch(self, *names: Any) -> bool:
        """WATCH ``names`` on a connection of this pipeline's own; commands then run at once until ``multi()``."""
        if self.explicit_transaction:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        result: bool = await self._send((_WATCH, *names), _watch_ok)  # immediate: WATCH is never recorded
        return result

    async def unwatch(self) -> bool:
        """UNWATCH every key (True)."""
        if self.watching:
            await self._immediate((b"UNWATCH",), _watch_ok, self._executor.options.socket_timeout)
        return True

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline[StrT]:
        """A new, empty pipeline on the same client, as ``Redis.pipeline`` makes (redis.asyncio's ``Pipeline``
        has it from ``Redis``); this one's commands, watches and state are not shared with it."""
        return Pipeline(self._executor, transaction, shard_hint)

    def multi(self) -> None:
        """Start buffering the transaction after ``watch()``; ``execute()`` ends it."""
        if self.explicit_transaction:
            raise RedisError("Cannot issue nested calls to MULTI")
        if self.command_stack:
            raise RedisError("Commands without an initial WATCH have already been issued")
        self.explicit_transaction = True

    # -- executing -------------------------------------------------------------------
    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send every recorded command; their replies in order (see the module docstring for errors)."""
        stack = self._executor.shaped(self.command_stack)  # protocol=3 given: redis-py's RESP3 shapes
        if not stack and not self.watching:
            return []
        if self.scripts:
            await self.load_scripts()
        self.command_stack = []
        try:
            if self.is_transaction or self.explicit_transaction:
                return await self._execute_transaction(stack, raise_on_error)
            return await self._execute_pipeline(stack, raise_on_error)
        finally:
            stack.clear()
            await self.reset()

    async def _execute_pipeline(self, stack: list[tuple[tuple[Any, ...], Any]], raise_on_error: bool) -> list[Any]:
        executor = self._executor
        shared = executor.connection
        if (
            self._conn is None
            and self._block is None
            and not shared.keeps_commands  # a cluster node's: each command may be redirected on its own
            and executor.send == shared.execute  # no response callbacks, no client-side cache in between
            and (not self.options.decode_responses or not _any_raw(stack))
        ):
            replies = await _send_batch(shared, stack, None)
            return plain_results(stack, replies, raise_on_error)
        return await self._execute_each(stack, raise_on_error)

    async def _execute_each(self, stack: list[tuple[tuple[Any, ...], Any]], raise_on_error: bool) -> list[Any]:
        """A pipeline sent command by command: on a pool connection, or through a sender that may
        change each command (response callbacks, the client-side cache, a cluster node's redirects)."""
        previews = [preview_args(args) for args, _ in stack]
        empties = {index: parse for index, (_, parse) in enumerate(stack) if parse.__class__ is EmptyOnError}
        # replies read undecoded (FT.SEARCH): sent with raw_reply, read once they are all in
        raws = {index: parse for index, (_, parse) in enumerate(stack) if parse.__class__ is RawThen}
        for index in raws:
            stack[index] = (stack[index][0], raw_reply)
        conn = self._conn
        own = False
        if conn is None and self._block is not None:
            conn = await self._executor.pool().acquire()
            own = True
        if conn is not None:
            timeout = self._extended(self._block) if self._block is not None else conn.options.socket_timeout
            futures = [conn.execute_with_timeout(args, parse, timeout) for args, parse in stack]
        else:
            send = self._executor.send
            futures = [send(args, parse) for args, parse in stack]
        stack.clear()  # encoded (or waiting in the connection's bounded queue): release ours
        results: list[Any] = []
        clean = False
        try:
            for fut in futures:
                try:
                    results.append(await fut)
                except ResponseError as exc:
                    results.append(exc)
            clean = True
            for index, empty in empties.items():
                if isinstance(results[index], ResponseError):
                    results[index] = empty.factory()
            for index, raw in raws.items():
                if not isinstance(results[index], ResponseError):
                    results[index] = read_raw(raw, results[index], previews[index])
        finally:
            if not clean:
                abandon(futures)
                if conn is not None and not own:
                    self._drop_connection()
            if own:
                assert conn is not None
                self._executor.pool()._release(conn, dirty=not clean)
        if raise_on_error:
            raise_first_error(results, previews)
        return results

    async def _execute_transaction(self, stack: list[tuple[tuple[Any, ...], Any]], raise_on_error: bool) -> list[Any]:
        # commands whose error reply means "empty" (MGET of no keys) are not sent, as in redis-py:
        # inside MULTI their error would abort the transaction
        empties = [(index, parse) for index, (_, parse) in enumerate(stack) if parse.__class__ is EmptyOnError]
        sent = [command for command in stack if command[1].__class__ is not EmptyOnError] if empties else stack
        count = len(sent)
        conn = self._conn
        if conn is not None:
            fut = None
            if conn.is_connected and conn.stats_connects == self._watch_connects:
                # never queued: a socket made again while it waited would run it without the WATCH
                fut = conn.execute_batch(sent, _AROUND, wait=False, release=_releaser(sent))
            if fut is None:
                self.watching = False
                self._drop_connection()
                raise WatchError("the connection holding the WATCH was lost: watched keys may have changed")
        else:
            shared = self._executor.connection
            options = shared.options
            if options.overload_policy == "fail" and shared.inflight + count + 2 > options.max_inflight:
                raise OverloadError(
                    f"transaction of {count} commands refused: {shared.inflight} in flight "
                    f"(max_inflight={options.max_inflight}); retry later, split it, or use overload_policy='wait'"
                )
            fut = _batch_or_none(shared, sent, _AROUND)
            if fut is None:
                await shared.connect()
                fut = _batch_or_none(shared, sent, _AROUND)
            if fut is None:
                raise ConnectionError(f"connection to {options.address} lost before the transaction was sent")
        clean = False
        try:
            replies = await fut
            positions = [i for i, (_, p) in enumerate(stack) if p.__class__ is not EmptyOnError] if empties else None
            results = exec_results(replies, sent, count, positions)
            clean = True
        except (WatchError, ResponseError):
            clean = True  # EXEC was answered (null or aborted): the connection is in a known state
            raise
        finally:
            self.watching = False  # EXEC (or the loss of the socket) ended any WATCH
            if not clean:
                fut.cancel()  # nobody reads its replies now
                if self._conn is not None:
                    self._drop_connection()
        for index, empty in empties:
            results.insert(index, empty.factory())
        return parse_results(stack, results, raise_on_error)

    async def load_scripts(self) -> None:
        """Make sure the server knows every Script called on this pipeline (SCRIPT EXISTS, then
        SCRIPT LOAD of the missing), so that their recorded EVALSHA cannot fail with NOSCRIPT."""
        scripts = list(self.scripts)
        exists = await self._now((b"SCRIPT", b"EXISTS", *[script.sha for script in scripts]), script_exists_reply)
        for script, known in zip(scripts, exists, strict=True):
            if not known:
                script.sha = await self._now((b"SCRIPT", b"LOAD", script.script), str_if_bytes)

    async def _now(self, args: tuple[Any, ...], parse: Any) -> Any:
        """Run a command at once, outside the recorded ones: on the WATCH connection if there is one."""
        if self._conn is not None:
            return await self._immediate(args, parse, self._executor.options.socket_timeout)
        return await self._executor.send(args, parse)

    # -- state -------------------------------------------------------------------------
    def _drop_connection(self) -> None:
        conn = self._conn
        self._conn = None
        if conn is not None:
            self._executor.pool().discard(conn)

    async def reset(self) -> None:
        """Forget recorded commands, UNWATCH, give the connection back (closed if its state is unknown)."""
        self.command_stack = []
        self._block = None
        self.scripts = set()
        conn = self._conn
        self._conn = None
        watching = self.watching
        self.watching = False
        self.explicit_transaction = False
        if conn is None:
            return
        pool = self._executor.pool()
        if watching:
            try:
                await conn.execute((b"UNWATCH",), None)
            except BaseException:
                pool.discard(conn)  # an UNWATCH reply still owed: never reused
                raise
        pool._release(conn)

    aclose = reset

    async def discard(self) -> None:
        """DISCARD, as redis-py's: recorded like any command (run at once after ``watch()`` without
        ``multi()``, where the server refuses it); so ``execute()`` then raises the server's
        "EXEC without MULTI" and runs nothing of the transaction. ``reset()`` just forgets."""
        sent = self._send((b"DISCARD",), None)
        if sent is not self:
            await sent


def _any_raw(stack: list[tuple[tuple[Any, ...], Any]]) -> bool:
    """A reply to read undecoded (DUMP, FT.SEARCH): sent command by command, with ``raw_reply``."""
    for _, parse in stack:
        if parse is raw_reply or parse.__class__ is RawThen:
            return True
    return False


def _releaser(stack: list[tuple[tuple[Any, ...], Any]]) -> tuple[int, Callable[[list[int]], None]]:
    """What the connection calls once ``stack`` is encoded: the long commands are cut down to their
    previews (short ones are kept whole, for error messages), so their values are released."""

    def release(long: list[int]) -> None:
        for index in long:
            args, parse = stack[index]
            stack[index] = (preview_args(args), parse)

    return LONG_ENCODING, release


def _batch_or_none(conn: Connection, stack: list[tuple[tuple[Any, ...], Any]], around: Any) -> Any:
    return conn.execute_batch(stack, around, release=_releaser(stack))


async def _send_batch(conn: Connection, stack: list[tuple[tuple[Any, ...], Any]], around: Any) -> list[Any]:
    """Every command of ``stack`` in one batch on the shared connection (connecting first if need be):
    their replies, one list."""
    fut = _batch_or_none(conn, stack, around)
    if fut is None:
        await conn.connect()
        fut = _batch_or_none(conn, stack, around)
    if fut is None:
        raise ConnectionError(f"connection to {conn.options.address} lost before the pipeline was sent")
    try:
        replies: list[Any] = await fut
    except BaseException:
        fut.cancel()  # the caller gave up (or it failed): its replies are read and dropped, watched as late
        raise
    return replies


async def run_transaction(
    pipe: Any,
    func: Callable[[Any], Any | Awaitable[Any]],
    *watches: Any,
    value_from_callable: bool = False,
    watch_delay: float | None = None,
) -> Any:
    """``Redis.transaction`` (and ``RedisCluster``'s, with its pipeline): WATCH, call ``func(pipe)``,
    EXEC; again on WatchError."""
    async with pipe:
        while True:
            try:
                if watches:
                    await pipe.watch(*watches)
                func_value = func(pipe)
                if inspect.isawaitable(func_value):
                    func_value = await func_value
                exec_value = await pipe.execute()
                return func_value if value_from_callable else exec_value
            except WatchError:
                if watch_delay is not None and watch_delay > 0:
                    await asyncio.sleep(watch_delay)
                continue
