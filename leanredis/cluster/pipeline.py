"""ClusterPipeline: redis-py's cluster pipeline and transaction over the cluster's node connections.

``pipe = rc.pipeline()`` records commands as ``Pipeline`` does (each call
returns the pipeline); ``await pipe.execute()`` sends them and answers in
the order they were recorded, errors in place or the first one raised
(``Command # 3 (LPUSH c 3) of pipeline caused error: ...``).

Without a transaction every command goes through ``RedisCluster``'s router
in one synchronous pass: each node gets its commands in one write (its
connection's automatic pipelining), the nodes in parallel, and a command
answered ``MOVED``/``ASK`` is re-sent on its own (a node connection keeps
what it sent until the reply). Commands over several slots:

- DEL, UNLINK, EXISTS, TOUCH are recorded as one command per slot, each with
  its own result, as redis-py's pipeline does; ``mset_nonatomic`` records
  one MSET per slot, as there;
- MGET and MSET (which redis-py's pipeline refuses) are split by slot and put
  back together into one result, as ``RedisCluster.mget``/``mset`` are;
- any other gets ``CrossSlotError`` in its place, as a server answers
  CROSSSLOT (redis-py refuses the whole pipeline). Keyless commands go
  where the router sends them (redis-py's pipeline refuses most of them).

A node's connection lost mid-pipeline fails only that node's commands, each
with its ``ConnectionError`` in its place: those written before the loss
keep it (``possibly_executed=True``: the server may have run them); those
never written go again, to the slot's owner once the refresh the loss
scheduled has ended (the promoted replica after a failover), at most
``retry_attempts`` times. ``raise_on_error`` raises the first error once
every command has its outcome, as for a server's error.

A blocking command keeps its place among its node's commands: that node's
commands run in order on one dedicated connection (the socket timeout
extended by the longest wait, as ``Pipeline`` does); those answered
``MOVED``/``ASK``/``TRYAGAIN`` there are sent again through the router after,
as redis-py re-sends redirected commands.

``transaction=True``: MULTI/EXEC on the node serving the transaction's one
slot, run by a ``Pipeline`` bound to that node (its shared connection, the
batch all or nothing). Keys of two slots raise ``CrossSlotTransactionError``
before anything is sent; no key at all, ``ClusterError`` (redis-py's rules).
``MOVED``, ``ASK`` or ``TRYAGAIN`` there mean the server discarded the whole
transaction (EXECABORT), so it runs again: on the new owner, or on the ASK
target after ``ASKING`` on a connection of its own (the target refuses with
TRYAGAIN where keys still on both sides would be mixed), at most
``max_redirects``/``retry_attempts`` times. ``watch()`` holds a dedicated
connection of the keys' node (commands run at once until ``multi()``, as in
``Pipeline``); a redirect after it means the watched keys moved:
``WatchError`` ("Slot rebalancing occurred while watching keys", redis-py's
words), which ``RedisCluster.transaction`` answers by starting over.

Memory: a transaction keeps its commands until EXEC answers (a redirect runs
it again); a pipeline keeps its recorded commands (the caller's arguments, not
copies) until every command has its outcome, to send again those a lost
connection never wrote; the node connections keep the encoded bytes until the
replies, as for any cluster command.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from ..commands import AllCommands
from ..commands.base import EmptyOnError
from ..commands.funnel import blocking_sender, own, sender
from ..commands.table import lookup
from ..exceptions import (
    AskError,
    ClusterError,
    ConnectionError,
    CrossSlotTransactionError,
    DataError,
    MovedError,
    RedisClusterException,
    RedisError,
    ResponseError,
    TimeoutError,
    TryAgainError,
    WatchError,
)
from ..executor import Executor
from ..pipeline import _WATCH, Pipeline, _abandon, _annotate, _preview, _upper
from ..typed import StrT
from .fanout import TO_ALL_PRIMARIES, part_args, split_by_slot
from .nodes import NodesManager
from .redirects import ASKING, REDIRECTED, Redirects, owner, repoint, retry_delay
from .slots import key_slot
from .topology import ClusterNode

if TYPE_CHECKING:
    from .chained import ClusterChainedCommands as PipelineCommands
    from .client import RedisCluster
else:
    # to type checkers each command method returns the pipeline (cluster/chained.pyi); at run time
    # the client's own methods, which record through _send
    PipelineCommands = AllCommands

Command = tuple[tuple[Any, ...], Any]

_SPLIT_PER_SLOT = frozenset({"DEL", "UNLINK", "EXISTS", "TOUCH"})
# Of the commands redis-py's cluster pipeline blocks, those with keys that may span slots and that are not
# split here: refused at the call as there when their keys do span slots (in one slot they run).
_BLOCKED_ACROSS_SLOTS = frozenset({
    "BITOP", "BRPOPLPUSH", "MSETNX", "MSETEX", "PFCOUNT", "PFMERGE", "RENAME", "RENAMENX", "RPOPLPUSH", "SDIFF",
    "SDIFFSTORE", "SINTER", "SINTERSTORE", "SMOVE", "SORT", "SUNION", "SUNIONSTORE",
})  # fmt: skip
_TRANSACTION_ONLY = frozenset({"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"})
_NOT_BLOCKING: Any = object()
_SLOT_MOVED = (AskError, TryAgainError)  # MOVED is an AskError


def slots_of(args: tuple[Any, ...]) -> set[int]:
    """The slots of the keys of ``args``, found by the command table (empty: no key)."""
    spec = lookup(args)
    if spec is None:
        return set()
    return {key_slot(key) for key in spec.keys_of(args)}


class ClusterPipeline(PipelineCommands[StrT]):
    """Commands recorded, sent per node by ``execute()``; MULTI/EXEC on one slot's node if ``transaction``."""

    def __init__(self: ClusterPipeline[Any], client: RedisCluster[Any], transaction: bool | None = None) -> None:
        self.cluster_client = client
        self.options = client.options
        self.is_transaction = bool(transaction)
        self.command_stack: list[Command] = []
        self.explicit_transaction = False
        self._blocking: dict[int, float | None] = {}  # position -> how long it may block (None: for ever)
        self._slots: set[int] = set()  # of the WATCHed keys, and of commands run at once after WATCH
        self._watcher: Pipeline | None = None  # from the first WATCH: a Pipeline on a connection of the keys' node
        self.scripts: set[Any] = set()  # Scripts called on this pipeline: loaded on every primary before execute

    def __repr__(self) -> str:
        kind = "transaction" if self.is_transaction else "pipeline"
        return f"<ClusterPipeline {kind} commands={len(self.command_stack)} watching={self.watching}>"

    def __len__(self) -> int:
        return len(self.command_stack)

    def __bool__(self) -> bool:
        return True  # an empty pipeline is still a pipeline (redis-py's rule)

    def __await__(self) -> Generator[Any, None, ClusterPipeline[StrT]]:
        """``await pipe`` (and ``await pipe.set(k, v)``): the cluster's topology read, the pipeline back."""
        return self.initialize().__await__()

    async def initialize(self) -> ClusterPipeline[StrT]:
        """Read the cluster's topology now, if the client has not yet; the pipeline."""
        await self.cluster_client.initialize()
        return self

    async def __aenter__(self) -> ClusterPipeline[StrT]:
        return await self.initialize()

    async def __aexit__(self, *exc: object) -> None:
        await self.reset()

    @property
    def nodes_manager(self) -> NodesManager:
        return self.cluster_client.nodes_manager

    @property
    def watching(self) -> bool:
        """True from a ``watch()`` until ``execute``, ``unwatch`` or ``reset``."""
        return self._watcher is not None and self._watcher.watching

    # -- recording ---------------------------------------------------------------
    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        name = _upper(args[0])
        if self.is_transaction:
            if not self.explicit_transaction and (name == "WATCH" or self.watching):
                return self._immediate(args, parse, _NOT_BLOCKING)
        elif name in _SPLIT_PER_SLOT and len(args) > 2:
            groups = split_by_slot(args, 1)
            if len(groups) > 1:
                self.command_stack.extend((part_args(args, 1, indexes), parse) for indexes in groups.values())
                return self
        elif name in _TRANSACTION_ONLY:
            raise RedisClusterException(
                f"{name} in a cluster pipeline without a transaction: use rc.pipeline(transaction=True)"
            )
        elif name in _BLOCKED_ACROSS_SLOTS and len(slots_of(args)) > 1:
            method = name.lower().replace(" ", "_")
            raise RedisClusterException(
                f"ERROR: Calling pipelined function {method} is blocked when running redis in cluster mode... "
                "(its keys span several slots: give them a common {hash tag})"
            )
        self.command_stack.append((args, parse))
        return self

    def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        if self.is_transaction:
            if not self.explicit_transaction and self.watching:
                return self._immediate(args, parse, block)
        else:
            self._blocking[len(self.command_stack)] = block
        self.command_stack.append((args, parse))  # inside MULTI nothing blocks
        return self

    @own
    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Record any command (run at once after ``watch()``); ``target_nodes=`` is refused, not ignored."""
        if options.get("target_nodes") is not None:
            raise DataError("execute_command(target_nodes=...) in a cluster pipeline is not supported")
        return super().execute_command(*args, **options)

    def mset_nonatomic(self, mapping: Mapping[Any, Any]) -> ClusterPipeline[StrT]:
        """One MSET per slot of ``mapping``'s keys, each with its result (redis-py's pipeline does the same)."""
        if self.is_transaction:
            raise NotImplementedError("Method is not supported in transactional context.")
        pairs = list(mapping.items())
        flat = (b"MSET", *(item for pair in pairs for item in pair))
        for indexes in split_by_slot(flat, 2).values():
            self.mset(dict(pairs[index] for index in indexes))
        return self

    # -- WATCH and immediate mode (transactions) ----------------------------------------
    async def watch(self, *names: Any) -> bool:
        """WATCH ``names`` (one slot) on a connection of their node; commands then run at once until ``multi()``."""
        self._transaction_only("watch")
        if self.explicit_transaction:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        # _WATCH: the object a Pipeline tells a WATCH by (its recorder does not decode every name)
        result: bool = await self._immediate((_WATCH, *names), None, _NOT_BLOCKING)
        return result

    async def unwatch(self) -> bool:
        """UNWATCH every key (True)."""
        self._transaction_only("unwatch")
        if self._watcher is not None:
            await self._watcher.unwatch()
        return True

    def multi(self) -> None:
        """Start buffering the transaction after ``watch()``; ``execute()`` ends it."""
        self._transaction_only("multi")
        if self.explicit_transaction:
            raise RedisError("Cannot issue nested calls to MULTI")
        if self.command_stack:
            raise RedisError("Commands without an initial WATCH have already been issued")
        self.explicit_transaction = True

    async def discard(self) -> None:
        """Forget the transaction and its WATCH (redis-py's cluster ``discard``: a ``reset``)."""
        self._transaction_only("discard")
        await self.reset()

    def _transaction_only(self, method: str) -> None:
        if not self.is_transaction:
            raise RedisClusterException(f"method {method}() is not supported outside of transactional context")

    async def _immediate(self, args: tuple[Any, ...], parse: Any, block: Any) -> Any:
        """WATCH, or a command after it: at once, on the WATCH connection (made on the keys' node)."""
        client = self.cluster_client
        await client.initialize()
        slots = self._slots | slots_of(args)
        if len(slots) > 1:
            raise CrossSlotTransactionError(
                f"Cannot watch or send commands on different slots (slots {sorted(slots)}): "
                "give the keys of a transaction a common {hash tag}"
            )
        slot = next(iter(slots), None)
        redirects = Redirects(client.nodes_manager, f"{_upper(args[0])} of a transaction")
        node: ClusterNode | None = None
        while True:
            watcher = self._watcher
            if watcher is None:
                if slot is None:
                    raise ClusterError("At least a command with a key is needed to identify a node")
                if node is None:
                    node = owner(client.nodes_manager, slot)
                watcher = self._watcher = Pipeline(self._executor(node), True)
            was_watching = watcher.watching
            try:
                if block is _NOT_BLOCKING:
                    result = await sender(watcher)(args, parse)
                else:
                    result = await blocking_sender(watcher)(args, parse, block)
            except REDIRECTED as exc:
                if was_watching:
                    if isinstance(exc, MovedError):
                        repoint(client.nodes_manager, exc)
                    await self.reset()
                    raise WatchError(
                        f"Slot rebalancing occurred while watching keys ({exc}); the transaction starts over"
                    ) from exc
                self._watcher = None
                await watcher.reset()
                node, _ = await redirects.follow(exc, slot, node, asking=False)
                continue
            self._slots = slots
            return result

    # -- executing ------------------------------------------------------------------------
    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        """Send every recorded command; their replies in order (see the module docstring for errors)."""
        try:
            if not allow_redirections:
                raise DataError("execute(allow_redirections=False) is not supported: redirects are always followed")
            stack = self.command_stack
            if self.scripts and stack:
                await self.load_scripts()
            if self.is_transaction:
                if not stack and not self.watching:
                    return []
                return await self._execute_transaction(stack, raise_on_error)
            if not stack:
                return []
            return await self._execute_pipeline(stack, raise_on_error)
        finally:
            await self.reset()

    async def _execute_pipeline(self, stack: list[Command], raise_on_error: bool) -> list[Any]:
        await self.initialize()
        blocking = self._blocking
        previews = [_preview(args) for args, _ in stack]
        empties = {index: parse for index, (_, parse) in enumerate(stack) if parse.__class__ is EmptyOnError}
        own = self._own_connections(stack, blocking)
        owned = {index for positions in own.values() for index in positions}
        routed: dict[int, asyncio.Future[Any]] = {}
        for index, (args, parse) in enumerate(stack):
            if index not in owned:
                routed[index] = self._send_one(args, parse, blocking.get(index, _NOT_BLOCKING))
        groups = []
        for node, positions in own.items():
            commands = [(*stack[index], blocking.get(index, _NOT_BLOCKING)) for index in positions]
            groups.append((positions, asyncio.ensure_future(self._on_own_connection(node, commands))))
        results: list[Any] = [None] * len(previews)
        pending: list[Any] = [*routed.values(), *(task for _, task in groups)]
        clean = False
        try:
            for index, fut in routed.items():
                results[index] = await _outcome(fut)
            for positions, task in groups:
                try:
                    values = await task
                except _LOST as exc:  # that node's connection: each of its commands gets the error in place
                    values = [exc] * len(positions)
                for index, value in zip(positions, values, strict=True):
                    results[index] = value
            pending = []
            await self._send_unwritten_again(stack, results, routed, pending)
            clean = True
        finally:
            if not clean:
                _abandon(pending)
        stack.clear()
        for index, empty in empties.items():
            if isinstance(results[index], ResponseError):
                results[index] = empty.factory()
        if raise_on_error:
            _raise_first_failure(results, previews)
        return results

    def _send_one(self, args: tuple[Any, ...], parse: Any, block: Any) -> asyncio.Future[Any]:
        if block is _NOT_BLOCKING:
            return self._route(args, parse)
        return asyncio.ensure_future(blocking_sender(self.cluster_client)(args, parse, block))

    async def _send_unwritten_again(
        self, stack: list[Command], results: list[Any], routed: dict[int, Any], pending: list[Any]
    ) -> None:
        """The commands lost with a node's connection before a byte of them was written, sent again.

        Each goes where the slot table says once the refresh that the lost connection scheduled has
        ended (the promoted replica after a failover, the same node after a reconnect), at most
        ``retry_attempts`` times; the commands written before the loss keep their ``ConnectionError``
        (``possibly_executed=True``): the server may have run them. Only commands routed to one node
        go again (a command split over several nodes may have run on the others).
        """
        manager = self.cluster_client.nodes_manager
        blocking = self._blocking
        lost = [index for index in routed if _never_written(results[index]) and _one_node(stack[index][0])]
        attempt = 0
        seen = manager.last_change
        while lost and attempt < manager.retry_attempts:
            attempt += 1
            await manager.refreshed(manager.topology_timeout)
            # a dead primary fails each attempt at once (known down): wait for its failover, not past the bound
            await manager.changed_or_reachable(seen, manager.topology_timeout)
            seen = manager.last_change
            await asyncio.sleep(retry_delay(attempt))
            again = {}
            for index in lost:
                args, parse = stack[index]
                again[index] = self._send_one(args, parse, blocking.get(index, _NOT_BLOCKING))
            pending[:] = again.values()
            for index, fut in again.items():
                results[index] = await _outcome(fut)
            pending.clear()
            lost = [index for index in lost if _never_written(results[index])]

    def _route(self, args: tuple[Any, ...], parse: Any) -> asyncio.Future[Any]:
        """The router's future for one command; refused before sending (CROSSSLOT...): its error in place."""
        try:
            return asyncio.ensure_future(sender(self.cluster_client)(args, parse))
        except Exception as exc:  # the command's own error, reported at its position like a server's
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            fut.set_exception(exc)
            return fut

    def _own_connections(self, stack: list[Command], blocking: dict[int, float | None]) -> dict[ClusterNode, list[int]]:
        """The positions of every command of each node that has a blocking command in this pipeline."""
        if not blocking:
            return {}
        table = self.cluster_client.nodes_manager.slots

        def node_of(args: tuple[Any, ...]) -> ClusterNode | None:
            slots = slots_of(args)
            return table[next(iter(slots))] if len(slots) == 1 else None

        owners = {node for index in blocking if (node := node_of(stack[index][0])) is not None}
        groups: dict[ClusterNode, list[int]] = {}
        if owners:
            for index, (args, _) in enumerate(stack):
                node = node_of(args)
                if node in owners:
                    groups.setdefault(node, []).append(index)
        return groups

    async def _on_own_connection(self, node: ClusterNode, commands: list[tuple[Any, Any, Any]]) -> list[Any]:
        """One node's commands (args, parse, block) in order on a dedicated connection; redirected ones
        sent again through the router after."""
        inner = Pipeline(self._executor(node), transaction=False)
        for args, parse, block in commands:
            if block is _NOT_BLOCKING:
                sender(inner)(args, parse)
            else:
                blocking_sender(inner)(args, parse, block)
        results = await inner.execute(raise_on_error=False)
        for index, value in enumerate(results):
            if isinstance(value, REDIRECTED):
                args, parse, block = commands[index]
                again: Awaitable[Any]
                if block is _NOT_BLOCKING:
                    again = self._route(args, parse)
                else:
                    again = blocking_sender(self.cluster_client)(args, parse, block)
                try:
                    results[index] = await again
                except ResponseError as exc:
                    results[index] = exc
        return results

    async def _execute_transaction(self, stack: list[Command], raise_on_error: bool) -> list[Any]:
        await self.initialize()
        slots = set(self._slots)
        for args, _ in stack:
            slots |= slots_of(args)
        if len(slots) > 1:
            raise CrossSlotTransactionError(
                f"All keys involved in a cluster transaction must map to the same slot (these are in slots "
                f"{sorted(slots)}); nothing was sent: give them a common {{hash tag}}"
            )
        watcher, self._watcher = self._watcher, None
        manager = self.cluster_client.nodes_manager
        if watcher is not None:
            if watcher.watching:
                return await _exec_watched(manager, watcher, stack, raise_on_error)
            await watcher.reset()  # UNWATCHed: nothing to keep the transaction on that connection
        if not slots:
            raise ClusterError("At least a command with a key is needed to identify a node")
        slot = slots.pop()
        node = owner(manager, slot)
        redirects = Redirects(manager, f"the transaction on slot {slot}")
        asking = False
        while True:
            try:
                if asking:
                    return await self._exec_asking(node, stack, raise_on_error)
                return await _exec(Pipeline(self._executor(node), True), stack, raise_on_error)
            except REDIRECTED as exc:
                node, asking = await redirects.follow(exc, slot, node)

    async def _exec_asking(self, node: ClusterNode, stack: list[Command], raise_on_error: bool) -> list[Any]:
        """The transaction on an ASK target: ASKING, then MULTI..EXEC, on a connection of its own.

        The server keeps the ASKING flag through MULTI until EXEC; the connection is closed after,
        so that a flag not consumed (the batch never sent) cannot reach the pool's next user.
        """
        pool = self.cluster_client.nodes_manager.pools.pool(node)
        conn = await pool.acquire()
        try:
            await conn.execute(ASKING, None)
            inner = Pipeline(Executor(conn.options, conn, conn.execute, lambda: pool), True)
            return await _exec(inner, stack, raise_on_error)
        finally:
            pool.discard(conn)

    def _executor(self, node: ClusterNode) -> Executor:
        """What a ``Pipeline`` bound to ``node`` sends through: its shared connection and its pool."""
        manager = self.cluster_client.nodes_manager
        conn = manager.connection(node)
        return Executor(conn.options, conn, conn.execute, functools.partial(manager.pools.pool, node))

    # -- state -------------------------------------------------------------------------------
    async def load_scripts(self) -> None:
        """SCRIPT LOAD each Script called on this pipeline on every primary (its keys may hash anywhere),
        so that the recorded EVALSHA cannot fail with NOSCRIPT; SCRIPT LOAD of a cached script is a no-op."""
        client = self.cluster_client
        for script in list(self.scripts):
            await client.execute_command("SCRIPT", "LOAD", script.script, target_nodes=client.PRIMARIES)

    async def reset(self) -> None:
        """Forget recorded commands, UNWATCH and give the WATCH connection back."""
        self.command_stack = []
        self.scripts = set()
        self._blocking = {}
        self._slots = set()
        self.explicit_transaction = False
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await watcher.reset()

    aclose = reset


_LOST = (ConnectionError, TimeoutError)


async def _outcome(fut: asyncio.Future[Any]) -> Any:
    """A command's reply, or the error that stays in its place: a server's, or its node's lost connection."""
    try:
        return await fut
    except (ResponseError, *_LOST) as exc:
        return exc


def _never_written(value: Any) -> bool:
    """A connection lost before the command was written (a plain ConnectionError: not AUTH's, not LOADING)."""
    return value.__class__ is ConnectionError and value.possibly_executed is False


def _one_node(args: tuple[Any, ...]) -> bool:
    """Routed to one node as a whole: not split by slot, not sent to every primary."""
    if len(slots_of(args)) > 1:
        return False
    spec = lookup(args)
    return spec is None or bool(spec.keys_of(args)) or spec.name not in TO_ALL_PRIMARIES


def _raise_first_failure(results: list[Any], previews: list[tuple[Any, ...]]) -> None:
    """redis-py's ``raise_on_error``: the first error, with its command's position and text."""
    for index, value in enumerate(results):
        if isinstance(value, (ResponseError, *_LOST)):
            _annotate(value, index, previews[index])  # type: ignore[arg-type]  # any error's args take the prefix
            raise value


async def _exec(inner: Pipeline, stack: list[Command], raise_on_error: bool) -> list[Any]:
    """MULTI/EXEC of ``stack`` by ``inner``; ``stack`` itself is kept, for a run again after a redirect."""
    inner.command_stack = list(stack)
    return await inner.execute(raise_on_error)


async def _exec_watched(
    manager: NodesManager, watcher: Pipeline, stack: list[Command], raise_on_error: bool
) -> list[Any]:
    """MULTI/EXEC on the WATCH connection; a redirect means the watched keys moved: WatchError."""
    if not watcher.explicit_transaction:
        watcher.multi()
    try:
        return await _exec(watcher, stack, raise_on_error)
    except _SLOT_MOVED as exc:
        if isinstance(exc, MovedError):
            repoint(manager, exc)  # the next try (transaction() starts over) goes to the new owner
        raise WatchError(f"Slot rebalancing occurred while watching keys ({exc})") from exc


__all__ = ["ClusterPipeline", "slots_of"]
