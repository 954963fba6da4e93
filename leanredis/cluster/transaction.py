"""ClusterPipeline's transaction: MULTI/EXEC on the node serving its one slot, WATCH, redirects.

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
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..commands.funnel import blocking_sender, sender
from ..commands.table import lookup
from ..exceptions import (
    AskError,
    ClusterError,
    CrossSlotTransactionError,
    MovedError,
    RedisClusterException,
    RedisError,
    TryAgainError,
    WatchError,
)
from ..executor import Executor
from ..pipeline import _WATCH, Pipeline
from ..pipeline_results import upper_name
from .nodes import NodesManager
from .redirects import ASKING, REDIRECTED, Redirects, owner, repoint
from .slots import key_slot
from .topology import ClusterNode

if TYPE_CHECKING:
    from .client import RedisCluster

Command = tuple[tuple[Any, ...], Any]

NOT_BLOCKING: Any = object()  # a recorded command's wait when it is not a blocking one
_SLOT_MOVED = (AskError, TryAgainError)  # MOVED is an AskError


def slots_of(args: tuple[Any, ...]) -> set[int]:
    """The slots of the keys of ``args``, found by the command table (empty: no key)."""
    spec = lookup(args)
    if spec is None:
        return set()
    return {key_slot(key) for key in spec.keys_of(args)}


class ClusterTransaction:
    """``ClusterPipeline``'s transaction side: ``watch``, ``multi``, commands at once after WATCH, MULTI/EXEC."""

    cluster_client: RedisCluster
    is_transaction: bool
    explicit_transaction: bool
    command_stack: list[Command]
    _slots: set[int]
    _watcher: Pipeline | None

    if TYPE_CHECKING:

        async def initialize(self) -> Any: ...

        async def reset(self) -> None: ...

    # -- WATCH and immediate mode (transactions) ----------------------------------------
    async def watch(self, *names: Any) -> bool:
        """WATCH ``names`` (one slot) on a connection of their node; commands then run at once until ``multi()``."""
        self._transaction_only("watch")
        if self.explicit_transaction:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        # _WATCH: the object a Pipeline tells a WATCH by (its recorder does not decode every name)
        result: bool = await self._immediate((_WATCH, *names), None, NOT_BLOCKING)
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
        redirects = Redirects(client.nodes_manager, f"{upper_name(args[0])} of a transaction")
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
                if block is NOT_BLOCKING:
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
