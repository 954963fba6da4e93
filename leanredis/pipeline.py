"""Pipelines and MULTI/EXEC transactions, with redis.asyncio's API and results.

``pipe = r.pipeline()`` has every command method of the client; each call
records ``(args, parse)`` and returns the pipeline (``pipe.set(a, 1).get(a)``),
``await pipe.execute()`` sends them and returns the replies in order.

Where the commands go:

- a pipeline without a transaction, and a transaction without WATCH, run on
  the client's shared multiplexed connection: ``execute`` hands every command
  to the connection in one synchronous call, so no other caller's command can
  land in between (the connection's FIFO keeps them together). A transaction
  is one unit for the connection's bounds (``Connection.execute_batch``):
  encoded all or nothing when there is room, as a single command is, else it
  waits whole in the connection's queue (its arguments only, one place of
  ``max_queued``) or, under ``overload_policy="fail"``, raises
  ``OverloadError``; it is never split;
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
characters cut down); the replies are the only thing ``execute`` returns.
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
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .commands import AllCommands
from .commands.base import EmptyOnError
from .commands.funnel import NOT_BLOCKING, own, take
from .commands.parsers import str_if_bytes
from .commands.scripting import script_exists_reply
from .commands.search._raw import RawThen
from .connection import Connection
from .exceptions import (
    ConnectionError,
    ExecAbortError,
    OverloadError,
    ProtocolError,
    RedisError,
    ResponseError,
    WatchError,
    error_from_reply,
)
from .future import CommandFuture, raw_reply

if TYPE_CHECKING:
    from .executor import Executor
    from .script import Script

_MULTI = (b"MULTI",)
_EXEC = (b"EXEC",)
_BLOCK_FOREVER = -1.0  # a recorded blocking command with no time limit


def _upper(name: Any) -> str:
    if isinstance(name, (bytes, bytearray, memoryview)):
        return bytes(name).decode("utf-8", "replace").upper()
    return str(name).upper()


def _watch_ok(reply: Any) -> bool:
    return reply == b"OK" or reply == "OK"


class Pipeline(AllCommands):
    """Buffered commands sent in one write; MULTI/EXEC around them when ``transaction``."""

    def __init__(self, executor: Executor, transaction: bool = True, shard_hint: str | None = None) -> None:
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

    async def _self(self) -> Pipeline:
        return self

    async def __aenter__(self) -> Pipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.reset()

    # -- recording -------------------------------------------------------------
    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        if (self.watching or _upper(args[0]) == "WATCH") and not self.explicit_transaction:
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
        if args and (self.watching or _upper(args[0]) == "WATCH") and not self.explicit_transaction:
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
        name = _upper(args[0])
        if name == "WATCH" and parse is None:
            parse = _watch_ok
        conn = self._conn
        if conn is None:
            conn = self._conn = await self._executor.pool().acquire()
        try:
            result = await conn.execute_with_timeout(args, parse, timeout)
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
        result: bool = await self._send((b"WATCH", *names), _watch_ok)  # immediate: WATCH is never recorded
        return result

    async def unwatch(self) -> bool:
        """UNWATCH every key (True)."""
        if self.watching:
            await self._immediate((b"UNWATCH",), _watch_ok, self._executor.options.socket_timeout)
        return True

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
        stack = self.command_stack
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
        previews = [_preview(args) for args, _ in stack]
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
                    results[index] = _read_raw(raw, results[index], previews[index])
        finally:
            if not clean:
                _abandon(futures)
                if conn is not None and not own:
                    self._drop_connection()
            if own:
                assert conn is not None
                self._executor.pool()._release(conn, dirty=not clean)
        if raise_on_error:
            _raise_first_error(results, previews)
        return results

    async def _execute_transaction(self, stack: list[tuple[tuple[Any, ...], Any]], raise_on_error: bool) -> list[Any]:
        previews = [_preview(args) for args, _ in stack]
        parses = [parse for _, parse in stack]
        # commands whose error reply means "empty" (MGET of no keys) are not sent, as in redis-py:
        # inside MULTI their error would abort the transaction
        empties = [(index, parse) for index, parse in enumerate(parses) if parse.__class__ is EmptyOnError]
        count = len(stack) - len(empties)
        sent_positions = [index for index, parse in enumerate(parses) if parse.__class__ is not EmptyOnError]

        def annotate(sent_index: int, exc: ResponseError) -> None:
            position = sent_positions[sent_index]
            _annotate(exc, position, previews[position])

        def batch() -> Iterator[tuple[tuple[Any, ...], Any]]:
            yield _MULTI, None
            for args, parse in stack:
                if parse.__class__ is not EmptyOnError:
                    yield args, None  # +QUEUED or an error; the real reply comes in EXEC's array
            yield _EXEC, None

        conn = self._conn
        if conn is not None:
            futures = None
            if conn.is_connected and conn.stats_connects == self._watch_connects:
                # never queued: a socket made again while it waited would run it without the WATCH
                futures = conn.execute_batch(batch(), wait=False)
            if futures is None:
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
            # sent now, or waiting as one unit in the connection's queue (bounded like any command)
            futures = shared.execute_batch(batch())
            if futures is None:
                await shared.connect()
                futures = shared.execute_batch(batch())
            if futures is None:
                raise ConnectionError(f"connection to {options.address} lost before the transaction was sent")
        stack.clear()
        clean = False
        try:
            results = await self._exec_results(futures, count, annotate)
            for index, empty in empties:
                results.insert(index, empty.factory())
            clean = True
        except (WatchError, ResponseError):
            clean = True  # EXEC was answered (null or aborted): the connection is in a known state
            raise
        finally:
            self.watching = False  # EXEC (or the loss of the socket) ended any WATCH
            if not clean:
                _abandon(futures)
                if self._conn is not None:
                    self._drop_connection()
        if raise_on_error:
            _raise_first_error(results, previews)
        for index, (value, parse) in enumerate(zip(results, parses, strict=True)):
            if parse is not None and not isinstance(value, Exception):
                try:
                    results[index] = parse(value)
                except Exception as exc:  # a reply of an unexpected shape: this command's error only
                    results[index] = ProtocolError(f"cannot parse reply to {_upper(previews[index][0])}: {exc!r}")
        return results

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

    @staticmethod
    async def _exec_results(
        futures: list[CommandFuture[Any]], count: int, annotate: Callable[[int, ResponseError], None]
    ) -> list[Any]:
        """EXEC's array with queue-time errors put back in place and error items as exceptions."""
        try:
            reply = await futures[-1]
        except ExecAbortError as abort:
            # the command the server rejected when it was queued says more than EXECABORT
            first = next(
                (
                    (index, f.exception())
                    for index, f in enumerate(futures[1:-1])
                    if f.done() and not f.cancelled() and f.exception()
                ),
                None,
            )
            _abandon(futures)
            if first is not None:
                index, error = first
                assert error is not None  # chosen for having one
                if isinstance(error, ResponseError):
                    annotate(index, error)  # redis-py annotates a queue-time error as it reads it
                raise error from abort
            raise
        errors: list[tuple[int, BaseException]] = []
        for index, fut in enumerate(futures[1:-1]):
            exc = fut.exception()
            if exc is not None:
                errors.append((index, exc))
        if reply is None:
            raise WatchError("Watched variable changed.")
        results = list(reply)
        for index, exc in errors:
            results.insert(index, exc)
        if len(results) != count:
            raise ResponseError(
                f"Wrong number of response items from pipeline execution: {len(results)} for {count} commands"
            )
        for index, value in enumerate(results):
            if value.__class__ is ResponseError:
                results[index] = error_from_reply(value.args[0] if value.args else "")
        return results

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


def _read_raw(raw: RawThen, reply: Any, preview: tuple[Any, ...]) -> Any:
    try:
        return raw(reply)
    except Exception as exc:  # a reply of an unexpected shape: this command's error only
        return ProtocolError(f"cannot parse reply to {_upper(preview[0])}: {exc!r}")


def _abandon(futures: list[CommandFuture[Any]]) -> None:
    """Nobody will read these replies: stop waiting, and mark errors as seen (no 'never retrieved')."""
    for fut in futures:
        if fut.done():
            if not fut.cancelled():
                fut.exception()
        else:
            fut.cancel()


_TEXT = (bytes, str, bytearray, memoryview)
_MESSAGE_WIDTH = 100  # redis-py's truncate_text: the command in an error message is cut to this
_KEPT = 128  # of a longer argument, the first characters (more if whitespace, which collapses, fills them)


def _preview(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The command as an error message shows it: ``args`` itself, or with long values cut down.

    Kept until the replies are read, so a large value is not (the pipeline
    releases its arguments once they are written).
    """
    for arg in args:
        if isinstance(arg, _TEXT) and len(arg) > _KEPT:
            return tuple(_cut(value) for value in args)
    return args


def _cut(value: Any) -> Any:
    if not isinstance(value, _TEXT) or len(value) <= _KEPT:
        return value
    kept = _KEPT
    while True:
        head = value[:kept]
        if isinstance(head, memoryview):
            head = head.tobytes()
        if kept >= len(value) or len(" ".join(_text(head).split())) > _MESSAGE_WIDTH + 2:
            return head
        kept *= 4


def _text(value: Any) -> str:
    """redis-py's safe_str: bytes decoded (invalid bytes replaced), anything else str()."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _annotate(error: ResponseError, index: int, preview: tuple[Any, ...]) -> None:
    """redis-py's Pipeline.annotate_exception: position, the command cut to 100 characters, the error's args."""
    command = textwrap.shorten(
        " ".join(map(_text, preview)), width=_MESSAGE_WIDTH, placeholder="...", break_long_words=True
    )
    error.args = (f"Command # {index + 1} ({command}) of pipeline caused error: {error.args}", *error.args[1:])


def _raise_first_error(results: list[Any], previews: list[tuple[Any, ...]]) -> None:
    for index, value in enumerate(results):
        if isinstance(value, ResponseError):
            _annotate(value, index, previews[index])
            raise value


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
