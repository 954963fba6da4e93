"""Reads from replicas: which node of a shard serves a read-only command.

``read_from_replicas=True`` or redis-py's ``load_balancing_strategy`` turn it
on; every node connection then sends ``READONLY`` in its handshake (so a
reconnect sends it again) and read-only commands (the command table's
``readonly`` flag) go to a node of their slot's shard picked by the strategy:

- ``ROUND_ROBIN``: the primary and its replicas in turn (redis-py's default);
- ``ROUND_ROBIN_REPLICAS``: the replicas in turn;
- ``RANDOM_REPLICA``: a random replica; ``RANDOM``: a random node of the shard.

With ``availability_zone`` (the client's zone; Valkey 8+ nodes report theirs
in ``CLUSTER SHARDS`` when their ``availability-zone`` config is set), a read
goes to a replica in that zone when its shard has one (in turn, if several),
else by the strategy: the cross-zone traffic valkey-glide's ``client_az``
saves.

Writes always go to the primary. A replica whose socket could not be
opened is left out for ``down_for`` seconds (its reads go to the primary),
and the reads that were waiting for that socket are re-sent to the primary
rather than failed. (Reads already written to a replica whose socket is then
lost fail with ``ConnectionError``, as on any node.)
"""

from __future__ import annotations

import enum
import random
import time
from typing import Any

from ..exceptions import DataError
from .topology import ClusterNode


class LoadBalancingStrategy(enum.Enum):
    """redis-py's ``redis.cluster.LoadBalancingStrategy``, same names and values (either is accepted)."""

    ROUND_ROBIN = "round_robin"
    ROUND_ROBIN_REPLICAS = "round_robin_replicas"
    RANDOM = "random"
    RANDOM_REPLICA = "random_replica"


def strategy_of(value: Any) -> LoadBalancingStrategy:
    """Our strategy for ``value``: one of ours, redis-py's enum member, or its value as a string."""
    if isinstance(value, LoadBalancingStrategy):
        return value
    raw = value.value if isinstance(value, enum.Enum) else value
    try:
        return LoadBalancingStrategy(raw)
    except ValueError:
        names = ", ".join(strategy.name for strategy in LoadBalancingStrategy)
        raise DataError(f"load_balancing_strategy must be a LoadBalancingStrategy ({names}), not {value!r}") from None


class ReadBalancer:
    """Picks the node of a shard a read goes to; remembers replicas that are down for a while."""

    __slots__ = ("strategy", "zone", "down_for", "_turns", "_down")

    def __init__(self, strategy: LoadBalancingStrategy, zone: str | None = None, down_for: float = 2.0) -> None:
        self.strategy = strategy
        self.zone = zone
        self.down_for = down_for
        self._turns: dict[str, int] = {}  # primary's name -> next index (round robin)
        self._down: dict[str, float] = {}  # replica's name -> monotonic time it may be tried again

    def pick(self, primary: ClusterNode, shards: dict[str, list[ClusterNode]]) -> ClusterNode:
        """The node of ``primary``'s shard the next read goes to (the primary when it has no replica up)."""
        group = shards.get(primary.name)
        if group is None or len(group) < 2:
            return primary
        if self._down:
            group = self._up(group)
            if len(group) < 2:
                return primary
        if self.zone is not None:
            local = [node for node in group[1:] if node.availability_zone == self.zone]
            if local:
                group = [primary, *local]  # the strategy below picks among these replicas only
                strategy = LoadBalancingStrategy.ROUND_ROBIN_REPLICAS
            else:
                strategy = self.strategy
        else:
            strategy = self.strategy
        if strategy is LoadBalancingStrategy.RANDOM_REPLICA:
            return group[random.randrange(1, len(group))]
        if strategy is LoadBalancingStrategy.RANDOM:
            return group[random.randrange(len(group))]
        first = 1 if strategy is LoadBalancingStrategy.ROUND_ROBIN_REPLICAS else 0
        turns = self._turns
        index = turns.get(primary.name, first)
        if not first <= index < len(group):
            index = first
        turns[primary.name] = index + 1
        return group[index]

    def _up(self, group: list[ClusterNode]) -> list[ClusterNode]:
        now = time.monotonic()
        down = self._down
        for name, until in list(down.items()):
            if until <= now:
                del down[name]
        return [group[0]] + [node for node in group[1:] if node.name not in down]

    def mark_down(self, node: ClusterNode) -> None:
        """A socket to ``node`` could not be opened: no reads to it for ``down_for`` seconds."""
        self._down[node.name] = time.monotonic() + self.down_for

    def is_down(self, node: ClusterNode) -> bool:
        until = self._down.get(node.name)
        return until is not None and until > time.monotonic()


__all__ = ["LoadBalancingStrategy", "ReadBalancer", "strategy_of"]
