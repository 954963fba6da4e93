"""A cluster pipeline sent as one batch per node: the standalone pipeline's fast path, node by node.

A pipeline whose commands all have one key as their first argument (GET,
SET, HSET, ...: the router's own fast path) is split by node with no
bytecode per command: the keys' slots come from ``map`` over ``crc_hqx``
(``slot_of_bytes`` per key when one has a ``{hash tag}``), and each node's
commands are taken out by ``compress``. Each node's commands then go as one
``Connection.execute_batch`` (packed by hiredis in one pass, their replies
collected in one list and parsed at once, ``pipeline_results``), the nodes
in parallel, and the results are put back in call order by ``map``. A
node whose commands would take its connection past ``max_inflight`` gets
them one by one through the router instead, as any other pipeline does: the
bound admits them one at a time, as it would single commands.

A batch is never redirected nor kept by the node's connection, so what the
connection does for a single command, the pipeline does for a command of a
batch after the replies are in:

- ``MOVED``/``ASK``: the command is sent again at once to the node the error
  names (``NodesManager.follow``: the slot repointed and a refresh scheduled,
  or ``ASKING`` ahead of it), from where the connection follows further
  redirects as usual;
- ``TRYAGAIN``, ``CLUSTERDOWN``, ``LOADING``: sent again through the router,
  whose connection waits the backoff and retries if the node says so again;
- a node's connection lost: each command of its batch gets that
  ``ConnectionError`` in its place, ``possibly_executed`` as for the batch
  (one write: written or not), and the pipeline sends again those never
  written, as for commands routed one by one.

Memory: the node connections keep no bytes of a batch (the pipeline keeps its
recorded commands, not copies, until every command has its outcome, which it
did before too); the batch is charged and bounded as a standalone pipeline is.
"""

from __future__ import annotations

import asyncio
from binascii import crc_hqx
from collections import deque
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import TYPE_CHECKING, Any

from ..commands.search._raw import RawThen
from ..commands.table import COMMANDS
from ..exceptions import AskError, ConnectionError, DataError, ResponseError, TimeoutError
from ..future import raw_reply
from ..pipeline_results import abandon, annotate, plain_results, preview_args
from .redirects import REDIRECTED
from .slots import SLOTS, key_bytes, slot_of_bytes

if TYPE_CHECKING:
    from .client import RedisCluster
    from .topology import ClusterNode

Command = tuple[tuple[Any, ...], Any]

# Commands whose one key is their first argument (the router's fast path: ``routing._SINGLE_KEY``)
SINGLE_KEY = frozenset(
    spec.name.encode()
    for spec in COMMANDS.values()
    if spec.route == "keys" and spec.first == 1 and spec.last == 1 and spec.search is None and " " not in spec.name
)

_MASK = SLOTS - 1
_first = itemgetter(0)
_second = itemgetter(1)
_BYTES = frozenset({bytes})
_STR = frozenset({str})
_OPEN_BRACE = 123  # ord("{"): ``123 in key`` is a plain byte search, ``b"{" in key`` is 8 times dearer


def split_by_node(
    stack: list[tuple[tuple[Any, ...], Any]], slots: list[ClusterNode | None]
) -> list[tuple[ClusterNode | None, list[int] | None]] | None:
    """The node serving each command of ``stack`` by ``slots`` (the slot table), as (node, positions of its
    commands in ``stack``; None: all of them) in order of first appearance; a node None for a slot no node
    serves. None when a command is not a single-key one (routed one by one instead)."""
    arglists = list(map(_first, stack))
    if not SINGLE_KEY.issuperset(map(_first, arglists)):
        return None
    try:
        keys = list(map(_second, arglists))
    except IndexError:  # a command without its key: the router says what is wrong, in its place
        return None
    kinds = set(map(type, keys))
    if kinds != _BYTES:
        try:
            keys = list(map(str.encode, keys)) if kinds == _STR else list(map(key_bytes, keys))
        except (DataError, UnicodeError):
            return None
    if any(map(bytes.__contains__, keys, repeat(_OPEN_BRACE))):
        nodes = list(map(slots.__getitem__, map(slot_of_bytes, keys)))
    else:
        nodes = list(map(slots.__getitem__, map(_MASK.__and__, map(crc_hqx, keys, repeat(0)))))
    # ClusterNode hashes and compares in Python: the nodes told apart by identity, in C
    distinct = list(dict(zip(map(id, nodes), nodes)).values())
    if len(distinct) == 1:
        return [(distinct[0], None)]
    everywhere = range(len(nodes))
    return [(node, list(compress(everywhere, map(is_, nodes, repeat(node))))) for node in distinct]


def put_back(results: list[Any], positions: list[int], values: list[Any]) -> None:
    """``results[positions[i]] = values[i]`` for every i, in C."""
    deque(map(results.__setitem__, positions, values), maxlen=0)


def reads_raw(stack: list[Command]) -> bool:
    """A reply to read undecoded (DUMP, FT.SEARCH) among ``stack``'s: told by its parsers, each once."""
    parsers = set(map(_second, stack))
    return raw_reply in parsers or any(parse.__class__ is RawThen for parse in parsers)


LOST = (ConnectionError, TimeoutError)
FAILURES = (ResponseError, *LOST)


async def outcome(fut: asyncio.Future[Any]) -> Any:
    """A command's reply, or the error that stays in its place: a server's, or its node's lost connection."""
    try:
        return await fut
    except FAILURES as exc:
        return exc


def any_failure(values: list[Any]) -> bool:
    """A server's error or a lost connection among ``values``: their types told apart once each, in C."""
    return any(issubclass(kind, FAILURES) for kind in set(map(type, values)))


def raise_first_failure(results: list[Any], preview: Callable[[int], tuple[Any, ...]]) -> None:
    """redis-py's ``raise_on_error``: the first error, with its command's position and text (``preview``)."""
    for index, value in enumerate(results):
        if isinstance(value, FAILURES):
            annotate(value, index, preview(index))  # type: ignore[arg-type]  # any error's args take the prefix
            raise value


class NodeBatches:
    """``ClusterPipeline``'s execution as one batch per node (a mixin: it shares the pipeline's state)."""

    cluster_client: RedisCluster[Any]

    if TYPE_CHECKING:  # provided by ClusterPipeline

        def _route(self, args: tuple[Any, ...], parse: Any) -> asyncio.Future[Any]: ...
        async def _send_unwritten_again(
            self, stack: list[Command], results: list[Any], routed: Iterable[int], pending: list[Any]
        ) -> None: ...

    async def _execute_batches(
        self, stack: list[Command], groups: list[tuple[ClusterNode | None, list[int] | None]], raise_on_error: bool
    ) -> list[Any]:
        """``stack`` sent as one batch per node of ``groups`` (``split_by_node``); the results in order."""
        manager = self.cluster_client.nodes_manager
        sent = []
        pending: list[Any] = []
        clean = False
        try:
            for node, positions in groups:
                commands = stack if positions is None else list(map(stack.__getitem__, positions))
                batch = None
                if node is not None:
                    conn = manager.connection(node)
                    # within max_inflight as a whole, or one by one as before: the bound admits them one at
                    # a time, and a connection lost then fails the written ones only
                    if conn.inflight + len(commands) <= conn.options.max_inflight:
                        batch = conn.execute_batch(commands)
                each = None
                if batch is None:  # no node serves the slot, no socket yet, no room: one by one, as routed
                    each = [self._route(args, parse) for args, parse in commands]
                    pending += each
                else:
                    pending.append(batch)
                sent.append((node, positions, commands, batch, each))
            results: list[Any] = [None] * len(stack)
            again: dict[int, asyncio.Future[Any]] = {}  # position -> the future of a command sent again
            lost: list[int] = []  # positions of commands that a lost connection may have failed
            for node, positions, commands, batch, each in sent:
                if each is not None:
                    values = [await outcome(fut) for fut in each]
                    if any_failure(values):  # those a lost connection never wrote go again, below
                        lost += range(len(stack)) if positions is None else positions
                else:
                    try:
                        values = plain_results(commands, await batch, raise_on_error=False)
                    except LOST as exc:  # each command of the batch gets the error in its place
                        values = [exc] * len(commands)
                        lost += range(len(stack)) if positions is None else positions
                    else:
                        if any_failure(values):
                            pending += self._redirect(node, commands, positions, values, again)
                if positions is None:
                    results = values
                else:
                    put_back(results, positions, values)
            for index, fut in again.items():
                results[index] = await outcome(fut)
            pending = []
            if lost:
                await self._send_unwritten_again(stack, results, lost, pending)
            clean = True
        finally:
            if not clean:
                abandon(pending)
        if raise_on_error and any_failure(results):
            raise_first_failure(results, lambda index: preview_args(stack[index][0]))
        stack.clear()
        return results

    def _redirect(
        self,
        node: ClusterNode | None,
        commands: list[Command],
        positions: list[int] | None,
        values: list[Any],
        again: dict[int, asyncio.Future[Any]],
    ) -> list[asyncio.Future[Any]]:
        """The commands of ``node``'s batch answered MOVED/ASK/TRYAGAIN/CLUSTERDOWN/LOADING sent again (into
        ``again`` by position), as the node's connection does for a single command: MOVED and ASK at once
        where the error says, the others through the router, whose connection backs off if told again."""
        manager = self.cluster_client.nodes_manager
        sent = []
        for index, value in enumerate(values):
            if isinstance(value, REDIRECTED):
                args, parse = commands[index]
                if isinstance(value, AskError) and node is not None:
                    fut: asyncio.Future[Any] = manager.connection(manager.follow(node, value)).execute(args, parse)
                else:
                    fut = self._route(args, parse)
                again[index if positions is None else positions[index]] = fut
                sent.append(fut)
        return sent


__all__ = [
    "FAILURES", "LOST", "SINGLE_KEY", "NodeBatches", "any_failure", "outcome", "put_back", "raise_first_failure",
    "reads_raw", "split_by_node",
]  # fmt: skip
