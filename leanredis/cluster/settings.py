"""redis-py's ``RedisCluster`` settings: ``retry``/``set_retry``, ``auth``, ``node_flags``, ``encoder``.

A cluster's ``retry`` is redis-py's: how many times a command goes again after the
errors it allows a retry for (``cluster_error_retry_attempts`` when no ``retry=``
is given). Here it sets how many times a node's ``TRYAGAIN``, ``CLUSTERDOWN`` or
``LOADING`` is waited out and the command sent again (``NodesManager.retry_attempts``,
with leanredis's own short backoff); the node connections keep every command until
its reply already, so nothing else has to change for ``set_retry`` to take effect.
"""

from __future__ import annotations

import dataclasses
import random
from typing import TYPE_CHECKING, Any

from ..commands.base import CommandsBase
from ..exceptions import ClusterDownError, ConnectionError, DataError, TimeoutError
from ..options import ConnectionOptions
from ..retry import ExponentialWithJitterBackoff, Retry
from .targets import Targeted

if TYPE_CHECKING:
    from .topology import ClusterNode

# redis-py's default cluster retry: ExponentialWithJitterBackoff(base=1, cap=10)
_DEFAULT_BASE = 1.0
_DEFAULT_CAP = 10.0


def default_cluster_retry(retries: int) -> Retry:
    """The ``retry`` of a cluster made without ``retry=``, as redis-py builds it."""
    return Retry(ExponentialWithJitterBackoff(cap=_DEFAULT_CAP, base=_DEFAULT_BASE), retries)


class ClusterSettings(CommandsBase):
    """See the module docstring."""

    #: redis-py's names: the errors its cluster client retries, and its default ``max_redirects``
    ERRORS_ALLOW_RETRY = (ConnectionError, TimeoutError, ClusterDownError)
    RedisClusterRequestTTL = 16

    retry: Any
    options: ConnectionOptions
    nodes_manager: Any

    def set_retry(self, retry: Any) -> None:
        """Retry as ``retry`` says from now on (its ``get_retries()``; see the module docstring)."""
        retries = retry.get_retries() if retry is not None else 0
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise DataError(f"set_retry() needs a Retry whose get_retries() is an int >= 0, not {retries!r}")
        self.retry = retry
        self.nodes_manager.retry_attempts = retries

    def get_retry(self) -> Any:
        """The ``Retry`` this cluster client runs with (``Redis.get_retry``'s name)."""
        return self.retry

    @property
    def node_flags(self) -> set[str]:
        """The node flags ``target_nodes=`` takes ("primaries", "replicas", "all", "random", "default-node")."""
        return set(self.NODE_FLAGS)  # type: ignore[attr-defined]

    @property
    def encoder(self) -> Any:
        """How keys and values are encoded and replies decoded (redis-py's ``Encoder``)."""
        return self.get_encoder()  # type: ignore[attr-defined]

    def get_random_primary_or_all_nodes(self, command_name: str) -> ClusterNode:
        """A random node for a read when reads go to replicas, else a random primary (redis-py's helper)."""
        from ..commands.table import lookup

        spec = lookup((command_name,))
        if self.read_from_replicas and spec is not None and spec.readonly:  # type: ignore[attr-defined]
            return random.choice(self.get_nodes())  # type: ignore[attr-defined]
        return self.get_random_primary_node()  # type: ignore[attr-defined]

    async def auth(self, password: str, username: str | None = None, **kwargs: Any) -> bool:
        """AUTH on the default node (or ``target_nodes=``), as redis-py sends it; on success every node
        connection made or re-made from now on authenticates with these credentials."""
        if self.options.credential_provider is not None:
            raise DataError("auth(): this client's credentials come from its credential_provider; update it instead")
        if not isinstance(password, str) or (username is not None and not isinstance(username, str)):
            raise DataError("auth() takes a password (str) and optionally a username (str)")
        args: tuple[Any, ...] = (b"AUTH", password) if username is None else (b"AUTH", username, password)
        target_nodes = kwargs.pop("target_nodes", None)
        if target_nodes is None:
            await self._send(args, None)
        else:
            await Targeted(self, target_nodes)._send(args, None)  # type: ignore[arg-type]
        credentials: dict[str, Any] = {"password": password, "username": username}
        self.options = dataclasses.replace(self.options, **credentials)
        manager = self.nodes_manager
        manager.options = dataclasses.replace(manager.options, **credentials)
        manager.pools.options = dataclasses.replace(manager.pools.options, **credentials)
        for connection in manager.connections():
            connection.options = dataclasses.replace(connection.options, **credentials)
        return True


__all__ = ["ClusterSettings", "default_cluster_retry"]
