"""``target_nodes=``: a command sent to nodes the caller names, replies combined as redis-py combines them.

redis-py's ``RedisCluster`` takes ``target_nodes`` in ``execute_command`` and
in every command method that passes its ``**kwargs`` through (``ping``,
``info``, ``dbsize``, ``config_get``, ``client_list``, ``script_load``, ...):
a node flag (``PRIMARIES``, ``REPLICAS``, ``ALL_NODES``, ``RANDOM``,
``DEFAULT_NODE``), a ``ClusterNode``, a list of nodes or a dict whose values
are nodes. The replies: a command redis-py has a result callback for is
combined by it (DBSIZE summed, KEYS merged, PING all true, ...); otherwise
one node's reply as it is, several nodes' as a dict ``{node name: reply}``.

The command method itself is the one ``Redis`` has: it is called on a
``Targeted`` view of the client whose ``_send`` sends to the named nodes, so
no method is written twice and the untargeted hot path is untouched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..commands.funnel import PARSER, is_funneled, named_as_redis_py
from ..connection.protocol import command_name
from ..exceptions import DataError
from .topology import ClusterNode

if TYPE_CHECKING:
    from .client import RedisCluster

PRIMARIES = "primaries"
REPLICAS = "replicas"
ALL_NODES = "all"
RANDOM = "random"
DEFAULT_NODE = "default-node"
NODE_FLAGS = frozenset((PRIMARIES, REPLICAS, ALL_NODES, RANDOM, DEFAULT_NODE))

#: The command methods that take ``target_nodes`` (redis-py's with ``**kwargs``, which it passes through).
TARGETED_METHODS = (
    "acl_cat acl_deluser acl_dryrun acl_genpass acl_getuser acl_help acl_list acl_load acl_log acl_log_reset "
    "acl_save acl_setuser acl_users acl_whoami bgrewriteaof bgsave client_getname client_getredir client_id "
    "client_info client_kill client_kill_filter client_list client_pause client_reply client_setinfo "
    "client_setname client_tracking client_trackinginfo client_unblock client_unpause command command_count "
    "command_info config_get config_resetstat config_rewrite config_set dbsize debug_object echo flushall "
    "flushdb info keys lastsave lolwut memory_doctor memory_help memory_malloc_stats memory_purge memory_stats "
    "memory_usage object ping publish pubsub_channels pubsub_numpat pubsub_numsub pubsub_shardchannels "
    "pubsub_shardnumsub randomkey save scan slowlog_get slowlog_len slowlog_reset time wait waitaof"
).split()


def resolve(client: RedisCluster, target_nodes: Any) -> list[ClusterNode]:
    """The nodes ``target_nodes`` names (the topology is read already); DataError for an unknown flag."""
    if isinstance(target_nodes, str):
        if target_nodes == PRIMARIES:
            nodes = client.get_primaries()
        elif target_nodes == REPLICAS:
            nodes = client.get_replicas()
        elif target_nodes == ALL_NODES:
            nodes = client.get_nodes()
        elif target_nodes == RANDOM:
            primaries = client.get_primaries()
            nodes = [random.choice(primaries)] if primaries else []
        elif target_nodes == DEFAULT_NODE:
            default = client.get_default_node()
            nodes = [default] if default is not None else []
        else:
            raise DataError(
                f"target_nodes={target_nodes!r} is not a node flag: use RedisCluster.PRIMARIES, REPLICAS, "
                "ALL_NODES, RANDOM or DEFAULT_NODE, a ClusterNode or a list of them"
            )
        if not nodes:
            raise DataError(f"target_nodes={target_nodes!r}: the cluster has no such node now")
        return nodes
    if isinstance(target_nodes, ClusterNode):
        nodes = [target_nodes]
    elif isinstance(target_nodes, dict):
        nodes = list(target_nodes.values())
    elif isinstance(target_nodes, (list, tuple)):
        nodes = list(target_nodes)
    else:
        raise DataError(
            "target_nodes must be a node flag (RedisCluster.PRIMARIES, REPLICAS, ALL_NODES, RANDOM, DEFAULT_NODE), "
            f"a ClusterNode, or a list or dict of ClusterNodes, not {type(target_nodes).__name__}"
        )
    if not nodes or not all(isinstance(node, ClusterNode) for node in nodes):
        raise DataError("target_nodes must name at least one ClusterNode, and only ClusterNodes")
    return nodes


# -- how the replies of several nodes combine (redis-py's RESULT_CALLBACKS, by command) ----------


def _merged(values: list[Any]) -> list[Any]:
    return list({item for value in values for item in value})


def _numsub(values: list[Any]) -> list[tuple[Any, int]]:
    counts: dict[Any, int] = {}
    for pairs in values:
        for channel, count in pairs:
            counts[channel] = counts.get(channel, 0) + count
    return list(counts.items())


def _all(values: list[Any]) -> bool:
    return all(values)


COMBINE: dict[str, Callable[[list[Any]], Any]] = {
    "PUBSUB NUMSUB": _numsub,
    "PUBSUB SHARDNUMSUB": _numsub,
    "PUBSUB NUMPAT": sum,
    "KEYS": _merged,
    "PUBSUB CHANNELS": _merged,
    "PUBSUB SHARDCHANNELS": _merged,
    **dict.fromkeys(
        "PING|CONFIG SET|CONFIG REWRITE|CONFIG RESETSTAT|CLIENT SETNAME|BGSAVE|SLOWLOG RESET|SAVE|MEMORY PURGE|"
        "CLIENT PAUSE|CLIENT UNPAUSE|SCRIPT FLUSH".split("|"),
        _all,
    ),
    "DBSIZE": sum,
    "WAIT": sum,
    "CLIENT UNBLOCK": lambda values: 1 if sum(values) > 0 else 0,
    "SCRIPT LOAD": lambda values: values[-1],
    "SCRIPT EXISTS": lambda values: [all(flags) for flags in zip(*values)],
}


class ByNode:
    """The combiner of a targeted command's parts: redis-py's callback, else ``{node name: reply}``."""

    __slots__ = ("names", "command")

    def __init__(self, names: list[str], command: str) -> None:
        self.names = names
        self.command = command

    def __call__(self, values: list[Any]) -> Any:
        if self.command == "SCAN":  # redis-py: ({node name: cursor}, every node's keys)
            keys: list[Any] = []
            for _, part in values:
                keys.extend(part)
            return {name: int(cursor) for name, (cursor, _) in zip(self.names, values)}, keys
        combine = COMBINE.get(self.command)
        if combine is not None:
            return combine(values)
        return dict(zip(self.names, values))


class Targeted:
    """The client as seen by one targeted call: every command it sends goes to ``targets``."""

    __slots__ = ("_client", "_targets", "_funnel")

    def __init__(self, client: RedisCluster, targets: Any, funnel: bool = True) -> None:
        self._client = client
        self._targets = targets
        self._funnel = funnel  # False inside the client's own execute_command: sent by the direct path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        client = self._client
        if self._funnel and is_funneled(client):
            # as redis-py's methods do: execute_command(*args, target_nodes=...), which the client's class replaced
            return client.execute_command(*named_as_redis_py(args), target_nodes=self._targets, **{PARSER: parse})
        return client._send_to_targets(self._targets, args, parse)

    def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        # WAIT/WAITAOF hold a connection for up to their timeout: not on the nodes' shared connections
        raise DataError(
            f"{command_name(args[0])} with target_nodes= is not supported: it would block the node's shared "
            "connection; call it without target_nodes"
        )


__all__ = ["COMBINE", "NODE_FLAGS", "TARGETED_METHODS", "ByNode", "Targeted", "resolve"]
