"""ClusterPipeline: redis-py's cluster pipeline and transaction over the cluster's node connections.

``pipe = rc.pipeline()`` records commands as ``Pipeline`` does (each call
returns the pipeline); ``await pipe.execute()`` sends them and answers in
the order they were recorded, errors in place or the first one raised
(``Command # 3 (LPUSH c 3) of pipeline caused error: ...``).

Without a transaction, a pipeline of single-key commands (GET, SET, HSET,
...) goes as one batch per node, as a standalone pipeline goes
(``pipeline_batches``: encoded in one pass, replies parsed at once); any
other goes through ``RedisCluster``'s router in one synchronous pass. Either
way each node gets its commands in one write, the nodes in parallel, and a
command answered ``MOVED``/``ASK`` is re-sent on its own. Commands over
several slots:

- DEL, UNLINK, EXISTS, TOUCH are recorded as one command per slot, each with
  its own result, as redis-py's pipeline does; ``mset_nonatomic`` records
  one MSET per slot, as there;
- MGET, MSET and the other commands redis-py's pipeline blocks raise
  ``RedisClusterException`` at the call when their keys span slots, as
  redis-py's do (in one slot they run; ``mset_nonatomic`` splits);
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
slot (``cluster/transaction.py``).

Memory: a transaction keeps its commands until EXEC answers (a redirect runs
it again); a pipeline keeps its recorded commands (the caller's arguments, not
copies) until every command has its outcome, to send again those a lost
connection never wrote; the node connections keep the encoded bytes of the
commands routed one by one until their replies, as for any cluster command
(of a batch, nothing: the pipeline re-sends a redirected command itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..commands import AllCommands
from ..commands.base import EmptyOnError
from ..commands.funnel import blocking_sender, own, sender
from ..commands.search._raw import RawThen
from ..commands.search.commands import SearchCommands
from ..commands.table import lookup
from ..exceptions import (
    ConnectionError,
    DataError,
    RedisClusterException,
    ResponseError,
)
from ..future import raw_reply
from ..pipeline import Pipeline
from ..pipeline_results import abandon, preview_args, read_raw, upper_name
from ..registry import FROM_ABOVE
from ..typed import StrT
from .fanout import TO_ALL_PRIMARIES, part_args, split_by_slot
from .nodes import NodesManager
from .pipeline_batches import LOST, NodeBatches, outcome, raise_first_failure, reads_raw, split_by_node
from .redirects import REDIRECTED, retry_delay
from .routing import ClusterRouting
from .slots import SINGLE_KEY
from .topology import ClusterNode
from .transaction import NOT_BLOCKING, ClusterTransaction, Command, slots_of

if TYPE_CHECKING:
    from .chained import ClusterChainedCommands as PipelineCommands
    from .client import RedisCluster
else:
    # to type checkers each command method returns the pipeline (cluster/chained.pyi); at run time
    # the client's own methods, which record through _send
    PipelineCommands = AllCommands

_ClusterPipelineT = TypeVar("_ClusterPipelineT", bound="ClusterPipeline[Any]")
_SPLIT_PER_SLOT = frozenset({"DEL", "UNLINK", "EXISTS", "TOUCH"})
# Of the commands redis-py's cluster pipeline blocks, those with keys that may span slots and that are not
# split here: refused at the call as there when their keys do span slots (in one slot they run).
_BLOCKED_ACROSS_SLOTS = frozenset({
    "BITOP", "BRPOPLPUSH", "MGET", "MSET", "MSETNX", "MSETEX", "PFCOUNT", "PFMERGE", "RENAME", "RENAMENX",
    "RPOPLPUSH", "SDIFF", "SDIFFSTORE", "SINTER", "SINTERSTORE", "SMOVE", "SORT", "SUNION", "SUNIONSTORE",
})  # fmt: skip
_TRANSACTION_ONLY = frozenset({"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"})
_RECORDED_AS_IS = SINGLE_KEY - {name.encode() for name in _SPLIT_PER_SLOT | _BLOCKED_ACROSS_SLOTS | _TRANSACTION_ONLY}


class ClusterPipeline(NodeBatches, ClusterTransaction, PipelineCommands[StrT]):
    """Commands recorded, sent per node by ``execute()``; MULTI/EXEC on one slot's node if ``transaction``."""

    _records_scripts = True  # a Script called on it is added to ``scripts``, loaded before execute

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

    async def __aenter__(self: _ClusterPipelineT) -> _ClusterPipelineT:
        # the receiver's own class (a JSONClusterPipeline stays one): typing.Self needs Python 3.11
        await self.cluster_client.initialize()
        return self

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
        # the recorder's hot path: a single-key command (as methods name it) that no rule below concerns
        if args[0] in _RECORDED_AS_IS and not self.is_transaction:
            self.command_stack.append((args, parse))
            return self
        name = upper_name(args[0])
        if self.is_transaction:
            if not self.explicit_transaction and (name == "WATCH" or self.watching):
                return self._immediate(args, parse, NOT_BLOCKING)
        elif name in _SPLIT_PER_SLOT and len(args) > 2 and self._recorded_per_slot(args, parse):
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

    def _recorded_per_slot(self, args: tuple[Any, ...], parse: Any) -> bool:
        """DEL, UNLINK, EXISTS, TOUCH over several slots recorded as one command per slot (True); a method
        of its own: a comprehension in ``_send`` would make its arguments cells, paid by every command."""
        groups = split_by_slot(args, 1)
        if len(groups) == 1:
            return False
        self.command_stack.extend((part_args(args, 1, indexes), parse) for indexes in groups.values())
        return True

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
        client = self.cluster_client
        if (
            not blocking
            # no sender that changes commands one by one (reads from replicas, the cache, response callbacks)
            and getattr(sender(client), "__func__", None) is ClusterRouting._send
            and (not self.options.decode_responses or not reads_raw(stack))
        ):
            by_node = split_by_node(stack, client.nodes_manager.slots)
            if by_node is not None:
                return await self._execute_batches(stack, by_node, raise_on_error)
        previews = [preview_args(args) for args, _ in stack]
        empties = {index: parse for index, (_, parse) in enumerate(stack) if parse.__class__ is EmptyOnError}
        # replies read undecoded (FT.SEARCH): sent with raw_reply, read once in, as Pipeline does
        raws = {index: parse for index, (_, parse) in enumerate(stack) if parse.__class__ is RawThen}
        for index in raws:
            stack[index] = (stack[index][0], raw_reply)
        own = self._own_connections(stack, blocking)
        owned = {index for positions in own.values() for index in positions}
        routed: dict[int, asyncio.Future[Any]] = {}
        for index, (args, parse) in enumerate(stack):
            if index not in owned:
                routed[index] = self._send_one(args, parse, blocking.get(index, NOT_BLOCKING))
        groups = []
        for node, positions in own.items():
            commands = [(*stack[index], blocking.get(index, NOT_BLOCKING)) for index in positions]
            groups.append((positions, asyncio.ensure_future(self._on_own_connection(node, commands))))
        results: list[Any] = [None] * len(previews)
        pending: list[Any] = [*routed.values(), *(task for _, task in groups)]
        clean = False
        try:
            for index, fut in routed.items():
                results[index] = await outcome(fut)
            for positions, task in groups:
                try:
                    values = await task
                except LOST as exc:  # that node's connection: each of its commands gets the error in place
                    values = [exc] * len(positions)
                for index, value in zip(positions, values, strict=True):
                    results[index] = value
            pending = []
            await self._send_unwritten_again(stack, results, routed, pending)
            clean = True
        finally:
            if not clean:
                abandon(pending)
        stack.clear()
        for index, empty in empties.items():
            if isinstance(results[index], ResponseError):
                results[index] = empty.factory()
        for index, raw in raws.items():
            if not isinstance(results[index], BaseException):
                results[index] = read_raw(raw, results[index], previews[index])
        if raise_on_error:
            raise_first_failure(results, previews.__getitem__)
        return results

    def _send_one(self, args: tuple[Any, ...], parse: Any, block: Any) -> asyncio.Future[Any]:
        if block is NOT_BLOCKING:
            return self._route(args, parse)
        return asyncio.ensure_future(blocking_sender(self.cluster_client)(args, parse, block))

    async def _send_unwritten_again(
        self, stack: list[Command], results: list[Any], routed: Iterable[int], pending: list[Any]
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
                again[index] = self._send_one(args, parse, blocking.get(index, NOT_BLOCKING))
            pending[:] = again.values()
            for index, fut in again.items():
                results[index] = await outcome(fut)
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
            if block is NOT_BLOCKING:
                sender(inner)(args, parse)
            else:
                blocking_sender(inner)(args, parse, block)
        results = await inner.execute(raise_on_error=False)
        for index, value in enumerate(results):
            if isinstance(value, REDIRECTED):
                args, parse, block = commands[index]
                again: Awaitable[Any]
                if block is NOT_BLOCKING:
                    again = self._route(args, parse)
                else:
                    again = blocking_sender(self.cluster_client)(args, parse, block)
                try:
                    results[index] = await again
                except ResponseError as exc:
                    results[index] = exc
        return results

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


def _never_written(value: Any) -> bool:
    """A connection lost before the command was written (a plain ConnectionError: not AUTH's, not LOADING)."""
    return value.__class__ is ConnectionError and value.possibly_executed is False


def _one_node(args: tuple[Any, ...]) -> bool:
    """Routed to one node as a whole: not split by slot, not sent to every primary."""
    if len(slots_of(args)) > 1:
        return False
    spec = lookup(args)
    return spec is None or bool(spec.keys_of(args)) or spec.name not in TO_ALL_PRIMARIES


class SearchClusterPipeline(SearchCommands[StrT], ClusterPipeline[StrT]):  # type: ignore[misc]  # its info/get/config_* are FT.*, as in SearchPipeline
    """What ``rc.ft(index_name).pipeline()`` returns: a ``ClusterPipeline`` whose search methods (``search``,
    ``info``, ...) are this index's FT.* commands, recorded or (watching) run at once as on ``rc.pipeline().ft()``."""

    def __init__(self: SearchClusterPipeline[Any], client: RedisCluster[Any], transaction: bool | None = None,
                 index_name: str = "idx") -> None:  # fmt: skip
        ClusterPipeline.__init__(self, client, transaction)
        self.index_name = index_name

    @property  # type: ignore[override]
    def client(self) -> SearchClusterPipeline[StrT]:
        """The pipeline itself records the commands."""
        return self


# for the search commands, below: which objects record their commands, what Search.pipeline() makes of a pipeline
FROM_ABOVE.update(
    pipelines=(*FROM_ABOVE.get("pipelines", ()), ClusterPipeline),
    search_pipelines={**FROM_ABOVE.get("search_pipelines", {}), ClusterPipeline: SearchClusterPipeline},
)

__all__ = ["ClusterPipeline", "SearchClusterPipeline", "slots_of"]
