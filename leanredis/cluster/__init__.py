"""Redis Cluster: ``RedisCluster`` routes each command to the node serving its keys' slot."""

from __future__ import annotations

from .client import RedisCluster
from .replicas import LoadBalancingStrategy
from .slots import key_slot
from .topology import ClusterNode

__all__ = ["ClusterNode", "LoadBalancingStrategy", "RedisCluster", "key_slot"]
