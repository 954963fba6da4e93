"""A cluster pipeline sent as one batch per node: the standalone pipeline's fast path, node by node.

A pipeline whose commands all have one key as their first argument (GET,
SET, HSET, ...: the router's own fast path) is split by node in one loop
(the router's slot computation inline). Each node's commands then go as one
``Connection.execute_batch`` (packed by hiredis in one pass, their replies
collected in one list and parsed at once, ``pipeline_results``), the nodes
in parallel, and the results are put back in call order. Like a standalone
pipeline, a batch is admitted as one unit when its connection is under its
bounds (or waits whole in its queue for room); a node with more commands
than ``max_inflight`` gets them one by one through the router instead, as
any other pipeline does: the bound admits them a few at a time.

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
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ..commands.search._raw import RawThen
from ..exceptions import AskError, ConnectionError, DataError, ResponseError, TimeoutError
from ..future import raw_reply
from ..pipeline_results import _parsed_at_once, abandon, annotate, plain_results, preview_args
from .redirects import REDIRECTED
from .slots import SINGLE_KEY, SLOTS, key_bytes, slot_of_bytes

if TYPE_CHECKING:
    from .client import RedisCluster
    from .topology import ClusterNode

Command = tuple[tuple[Any, ...], Any]

_MASK = SLOTS - 1
_second = itemgetter(1)
_OPEN_BRACE = 123  # ord("{"): ``123 in key`` is a plain byte search, ``b"{" in key`` is 8 times dearer

Group = tuple["ClusterNode", list[int], list[Command]]


def split_by_node(stack: list[Command], slots: list[ClusterNode | None]) -> list[Group] | None:
    """``stack``'s commands by the node serving their slot in ``slots`` (the slot table): (node, positions in
    ``stack``, commands), in order of first appearance. None when a command is not a single-key one, or a
    slot has no node (routed one by one instead: the router says what is wrong, in its place).

    One loop of plain bytecode: measured by callgrind against ``map``/``compress`` passes over the
    commands (2,700 instructions per command here against 4,800 there), the passes lose, as each
    element of each pass pays a C call.
    """
    groups: dict[str, Group] = {}  # by the node's name: ClusterNode hashes in Python
    single = SINGLE_KEY
    try:
        for index, command in enumerate(stack):
            args = command[0]
            key = args[1]
            if args[0] not in single:
                return None
            if type(key) is not bytes:
                key = key.encode() if type(key) is str else key_bytes(key)
            # the router's own slot computation (routing.ClusterRouting._send), inline: a call is a frame
            slot = crc_hqx(key, 0) & _MASK if _OPEN_BRACE not in key else slot_of_bytes(key)
            node: ClusterNode = slots[slot]  # type: ignore[assignment]  # None: AttributeError at node.name
            group = groups.get(node.name)
            if group is None:
                group = groups[node.name] = (node, [], [])
            group[1].append(index)
            group[2].append(command)
    except (IndexError, AttributeError, DataError, UnicodeError):
        return None
    return list(groups.values())


def reads_raw(stack: list[Command]) -> bool:
    """A reply to read undecoded (DUMP under ``decode_responses``, FT.SEARCH) among ``stack``'s: told by
    its parsers, each once."""
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

    async def _execute_batches(self, stack: list[Command], groups: list[Group], raise_on_error: bool) -> list[Any]:
        """``stack`` sent as one batch per node of ``groups`` (``split_by_node``); the results in order."""
        manager = self.cluster_client.nodes_manager
        sent = []
        pending: list[Any] = []
        clean = False
        try:
            for node, positions, commands in groups:
                conn = manager.connection(node)
                batch = None
                # more than max_inflight: one by one, as before (the bound admits them a few at a time, and a
                # connection lost then fails the written ones only); else one unit, waiting whole for room
                if len(commands) <= conn.options.max_inflight:
                    batch = conn.execute_batch(commands)
                each = None
                if batch is None:  # no socket yet, or no room: one by one, as the router sends them
                    each = [self._route(args, parse) for args, parse in commands]
                    pending += each
                else:
                    pending.append(batch)
                sent.append((node, positions, commands, batch, each))
            results: list[Any] = [None] * len(stack) if len(sent) > 1 else []
            again: dict[int, asyncio.Future[Any]] = {}  # position -> the future of a command sent again
            lost: list[int] = []  # positions of commands that a lost connection may have failed
            failed = False
            for node, positions, commands, batch, each in sent:
                if each is not None:
                    values = [await outcome(fut) for fut in each]
                    if any_failure(values):  # those a lost connection never wrote go again, below
                        failed = True
                        lost += positions
                else:
                    assert batch is not None
                    try:
                        replies = await batch
                    except LOST as exc:  # each command of the batch gets the error in its place
                        failed = True
                        values = [exc] * len(commands)
                        lost += positions
                    else:
                        parsed = _parsed_at_once(commands, replies)  # None: an error among them (or a surprise)
                        if parsed is None:
                            failed = True
                            parsed = plain_results(commands, replies, raise_on_error=False)
                            pending += self._redirect(node, commands, positions, parsed, again)
                        values = parsed
                if len(sent) == 1:
                    results = values
                else:
                    for index, value in zip(positions, values):  # measured: cheaper than map(setitem, ...)
                        results[index] = value
            for index, fut in again.items():
                results[index] = await outcome(fut)
            pending = []
            if lost:
                await self._send_unwritten_again(stack, results, lost, pending)
            clean = True
        finally:
            if not clean:
                abandon(pending)
        if raise_on_error and failed:
            raise_first_failure(results, lambda index: preview_args(stack[index][0]))
        stack.clear()
        return results

    def _redirect(
        self,
        node: ClusterNode,
        commands: list[Command],
        positions: list[int],
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
                if isinstance(value, AskError):
                    fut: asyncio.Future[Any] = manager.connection(manager.follow(node, value)).execute(args, parse)
                else:
                    fut = self._route(args, parse)
                again[positions[index]] = fut
                sent.append(fut)
        return sent


__all__ = [
    "FAILURES", "LOST", "NodeBatches", "any_failure", "outcome", "raise_first_failure", "reads_raw",
    "split_by_node",
]  # fmt: skip
