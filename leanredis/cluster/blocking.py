"""Blocking commands on a cluster: BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREAD BLOCK, WAIT, ...

Each runs on a dedicated connection of the node serving its keys (the
node's pool, ``pools.py``), never on the node's shared connection. Its
timeout is the standalone client's: the socket timeout extended by the time
the command may block (None: no limit); a caller that gives up has that
connection closed, since the server may still be blocked on it.

Redirects are followed as ``redirects.py`` says: a ``MOVED`` (also what a
server answers a client blocked on a slot it just gave away) runs the
command again on the new owner, the wait starting over; ``ASK`` sends
``ASKING`` and the command back to back on one connection of the target.
Keyless ones (WAIT, WAITAOF) go to every primary and answer the smallest
count, as redis-py does with the servers' ``agg_min`` policy.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..commands.table import lookup
from ..exceptions import ClusterDownError
from .redirects import ASKING, REDIRECTED, Redirects, owner
from .slots import cross_slot_error, key_slot
from .topology import ClusterNode

if TYPE_CHECKING:
    from .client import RedisCluster


async def send_blocking(client: RedisCluster, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
    """``RedisCluster._send_blocking``: ``args`` on a dedicated connection of its keys' node."""
    await client.initialize()
    base = client.options.socket_timeout
    timeout = None if base is None or block is None else base + block
    spec = lookup(args)
    name = spec.name if spec is not None else str(args[0])
    keys = spec.keys_of(args) if spec is not None else []
    if keys:
        slot = key_slot(keys[0])
        if any(key_slot(key) != slot for key in keys[1:]):
            raise cross_slot_error(name)
        return await _run_on(client, slot, owner(client.nodes_manager, slot), name, args, parse, timeout)
    if spec is not None and spec.route == "all_primaries":
        nodes = client.get_primaries()
    else:
        default = client.get_default_node()
        nodes = [] if default is None else [default]
    if not nodes:
        raise ClusterDownError("CLUSTERDOWN no primary is known")
    tasks = [asyncio.ensure_future(_run_on(client, None, node, name, args, parse, timeout)) for node in nodes]
    try:
        replies = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()  # one failed: the others (WAIT 0 waits for ever) stop too
        raise
    return _smallest(replies)


async def _run_on(
    client: RedisCluster,
    slot: int | None,
    node: ClusterNode,
    name: str,
    args: tuple[Any, ...],
    parse: Any,
    timeout: float | None,
) -> Any:
    """``args`` on a dedicated connection of ``node`` (the owner of ``slot``), redirects followed."""
    manager = client.nodes_manager
    redirects = Redirects(manager, name)
    asking = False
    while True:
        try:
            return await manager.pools.pool(node).execute(args, parse, timeout, ASKING if asking else None)
        except REDIRECTED as exc:
            node, asking = await redirects.follow(exc, slot, node)


def _smallest(replies: list[Any]) -> Any:
    """The servers' ``agg_min``: the least count (WAIT), or the least of each (WAITAOF's pair)."""
    if isinstance(replies[0], list):
        return [min(column) for column in zip(*replies)]
    return min(replies)


__all__ = ["send_blocking"]
