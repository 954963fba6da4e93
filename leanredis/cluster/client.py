"""RedisCluster: the command methods of ``Redis``, each routed to the node that serves its keys.

The router (``_send``: a single-key command is one slot computation, one list
index and the node connection's ``execute``; the others by the command table)
is ``routing.ClusterRouting``'s. Redirects, retries and refreshes are
``nodes.NodesManager``'s. Pipelines and transactions are
``pipeline.ClusterPipeline``'s; blocking commands run on a dedicated
connection of their keys' node (``blocking.py``, ``pools.py``). Here: the
options, the lifecycle, ``target_nodes=`` and the commands with a cluster
meaning of their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from ..cache import CacheConfig
from ..client import Redis
from ..commands import AllCommands
from ..commands.funnel import own
from ..config import UNSET, warn_deprecated_argument
from ..exceptions import ClusterDownError, DataError, RedisClusterException
from ..future import CommandFuture
from ..keyspace_notifications import ClusterKeyspaceNotifications
from ..pipeline import run_transaction
from ..typed import StrT
from ..url import parse_url
from .admin import ClusterSlotAdminCommands
from .blocking import send_blocking
from .cache import ClusterCache, ClusterCaching
from .helpers import ClusterHelpers
from .management import TARGETED as MANAGEMENT_TARGETED
from .management import ClusterManagementCommands
from .node_admin import ClusterNodeAdminCommands
from .nodes import NodesManager
from .pipeline import ClusterPipeline
from .pubsub import ClusterPubSub
from .replicas import LoadBalancingStrategy, ReadBalancer, strategy_of
from .routing import ClusterRouting
from .settings import ClusterSettings, default_cluster_retry
from .targets import TARGETED_METHODS, Targeted, resolve
from .topology import ClusterNode

if TYPE_CHECKING:
    # AllCommands with target_nodes= overloads on the methods taking it (scripts/targeted_types.py)
    from .targeted import TargetedCommands
else:
    TargetedCommands = AllCommands  # at run time they are _targeted()'s wrappers, set below

# Options of redis-py's RedisCluster that mean nothing here yet; refused by name rather than ignored.
_NOT_YET = ("address_remap",)


# redis-py 8.1's deprecated arguments of RedisCluster(): (reason, since version)
_DEPRECATED = {
    "read_from_replicas": ("Please configure the 'load_balancing_strategy' instead", "5.3.0"),
    "cluster_error_retry_attempts": ("Please configure the 'retry' object instead", "6.0.0"),
}


class RedisCluster(
    ClusterRouting,
    ClusterHelpers,
    ClusterCaching,
    ClusterSettings,
    ClusterNodeAdminCommands[StrT],
    ClusterManagementCommands[StrT],
    ClusterSlotAdminCommands[StrT],
    TargetedCommands[StrT],
):
    """An asyncio Redis Cluster client: one multiplexed connection per node, redirects followed.

    ``RedisCluster(host="127.0.0.1", port=7000)`` or
    ``RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", 7000), ...])``; every
    other keyword is a ``Redis`` option applied to each node's connection.
    Commands are routed by their keys' slot; ``MOVED``/``ASK`` are followed
    without the caller seeing them (at most ``max_redirects`` times).

    ``read_from_replicas=True`` or ``load_balancing_strategy=`` send read-only
    commands to the replicas of their slot (``replicas.py``);
    ``availability_zone="..."`` prefers the replicas in the client's zone.
    ``target_nodes=`` sends a command to the nodes named (``targets.py``);
    ``pubsub()`` gives a ``ClusterPubSub`` (``pubsub.py``).
    """

    PRIMARIES = "primaries"
    REPLICAS = "replicas"
    ALL_NODES = "all"
    RANDOM = "random"
    DEFAULT_NODE = "default-node"
    NODE_FLAGS = frozenset((PRIMARIES, REPLICAS, ALL_NODES, RANDOM, DEFAULT_NODE))

    # The type parameter from the decode_responses literal, as Redis's.
    @overload
    def __init__(
        self: RedisCluster[bytes], host: str | None = ..., port: int = ...,
        startup_nodes: Sequence[ClusterNode] | None = ..., require_full_coverage: bool = ..., max_redirects: int = ...,
        cluster_error_retry_attempts: int = ..., read_from_replicas: bool = ..., load_balancing_strategy: Any = ...,
        availability_zone: str | None = ..., *, decode_responses: Literal[False] = ..., **kwargs: Any,
    ) -> None: ...
    @overload
    def __init__(
        self: RedisCluster[str], host: str | None = ..., port: int = ...,
        startup_nodes: Sequence[ClusterNode] | None = ..., require_full_coverage: bool = ..., max_redirects: int = ...,
        cluster_error_retry_attempts: int = ..., read_from_replicas: bool = ..., load_balancing_strategy: Any = ...,
        availability_zone: str | None = ..., *, decode_responses: Literal[True], **kwargs: Any,
    ) -> None: ...
    @overload
    def __init__(
        self: RedisCluster[bytes | str], host: str | None = ..., port: int = ...,
        startup_nodes: Sequence[ClusterNode] | None = ..., require_full_coverage: bool = ..., max_redirects: int = ...,
        cluster_error_retry_attempts: int = ..., read_from_replicas: bool = ..., load_balancing_strategy: Any = ...,
        availability_zone: str | None = ..., *, decode_responses: bool, **kwargs: Any,
    ) -> None: ...
    def __init__(
        self,
        host: str | None = None,
        port: int = 6379,
        startup_nodes: Sequence[ClusterNode] | None = None,
        require_full_coverage: bool = True,
        max_redirects: int = 16,
        cluster_error_retry_attempts: int = UNSET,
        read_from_replicas: bool = UNSET,
        load_balancing_strategy: Any = None,
        availability_zone: str | None = None,
        **kwargs: Any,
    ) -> None:
        if read_from_replicas is UNSET:
            read_from_replicas = False
        else:
            warn_deprecated_argument("read_from_replicas", *_DEPRECATED["read_from_replicas"])
        if cluster_error_retry_attempts is UNSET:
            cluster_error_retry_attempts = 3
        else:
            warn_deprecated_argument("cluster_error_retry_attempts", *_DEPRECATED["cluster_error_retry_attempts"])
        for name in _NOT_YET:
            if kwargs.get(name):
                raise DataError(
                    f"RedisCluster({name}=...) is not supported: give the nodes' reachable addresses as "
                    "startup_nodes instead"
                )
            kwargs.pop(name, None)
        cache_config = kwargs.pop("cache_config", None)
        if cache_config is not None and not isinstance(cache_config, CacheConfig):
            raise DataError("cache_config must be a leanredis.CacheConfig")
        if kwargs.get("db", 0) != 0:
            raise DataError("Redis Cluster has only database 0: db must be 0")
        if kwargs.get("single_connection_client") or kwargs.get("connection_pool") is not None:
            raise DataError(
                "RedisCluster makes one connection per node: single_connection_client and connection_pool do not apply"
            )
        startup: list[tuple[str, int]] = []
        if startup_nodes:
            startup += [(node.host, node.port) for node in startup_nodes]
        if host is not None:
            startup.append((host, int(port)))
        if not startup:
            raise DataError("RedisCluster needs host= and port=, or startup_nodes=[ClusterNode(host, port), ...]")
        for name, value in (
            ("max_redirects", max_redirects),
            ("cluster_error_retry_attempts", cluster_error_retry_attempts),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise DataError(f"{name} must be an int >= 0, not {value!r}")
        if not isinstance(read_from_replicas, bool):
            raise DataError(f"read_from_replicas must be True or False, not {read_from_replicas!r}")
        strategy = None
        if load_balancing_strategy is not None:
            strategy = strategy_of(load_balancing_strategy)
        elif read_from_replicas:
            strategy = LoadBalancingStrategy.ROUND_ROBIN  # redis-py's default for read_from_replicas=True
        if availability_zone is not None:
            if not isinstance(availability_zone, str) or not availability_zone:
                raise DataError(f"availability_zone must be a non-empty str, not {availability_zone!r}")
            if strategy is None:
                strategy = LoadBalancingStrategy.ROUND_ROBIN_REPLICAS  # outside the zone: any replica
        self.availability_zone = availability_zone
        # every Redis option parsed and checked by Redis itself, once: its options are the nodes' template
        template = Redis(host=startup[0][0], port=startup[0][1], **kwargs)
        # the RESP2 reply shapes whatever protocol was given: the router does not swap parsers for protocol=3's
        # RESP3 shapes (commands.resp3_shapes) yet, so neither may the nodes' pipelines and transactions
        self.options = dataclasses.replace(template.options, resp3_shapes=False)
        if strategy is not None:
            self.options = dataclasses.replace(self.options, read_only=True)  # READONLY at every connect
        self.read_from_replicas = read_from_replicas
        self.load_balancing_strategy = strategy
        self.require_full_coverage = require_full_coverage
        # redis-py's cluster retry: a retry= given replaces cluster_error_retry_attempts
        given = kwargs.get("retry")
        self.retry = given if given is not None else default_cluster_retry(cluster_error_retry_attempts)
        self.nodes_manager = NodesManager(
            [(ClusterNode(h, p).host, p) for h, p in startup],
            self.options,
            max_redirects=max_redirects,
            retry_attempts=self.retry.get_retries(),
        )
        # each slot's node connection, the router's one index per command: the manager's list itself,
        # changed in place as the topology and the connections change (slot_table.py), never replaced
        self._slot_connections = self.nodes_manager.slot_connections
        self.nodes_manager.pools.config = template._pool_box.config  # max_connections... per node
        self.nodes_manager.pools.counts_pubsub = template._pool_box.counts_pubsub
        self._ready = False
        self._initializing: asyncio.Task[None] | None = None
        if strategy is not None:
            self.nodes_manager.reads = ReadBalancer(strategy, availability_zone)
            # the router of reads from replicas, in place of ``_send`` (whose fast path stays as cheap)
            self._send = self._send_reading  # type: ignore[method-assign]
        self._cache: ClusterCache | None = None
        if cache_config is not None:
            self._enable_cluster_cache(cache_config)

    @overload
    @classmethod
    def from_url(
        cls, url: str, *, decode_responses: Literal[False] = ..., **kwargs: Any
    ) -> RedisCluster[bytes]: ...
    @overload
    @classmethod
    def from_url(cls, url: str, *, decode_responses: Literal[True], **kwargs: Any) -> RedisCluster[str]: ...
    @overload
    @classmethod
    def from_url(cls, url: str, *, decode_responses: bool, **kwargs: Any) -> RedisCluster[bytes | str]: ...
    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisCluster[Any]:
        """A cluster client from ``redis://[[user]:password@]host[:port][?option=value]`` (any node)."""
        options = parse_url(url)
        if options.pop("unix_socket_path", None):
            raise DataError("RedisCluster.from_url needs a redis:// or rediss:// URL, not a unix socket")
        options.update(kwargs)
        return cls(**options)

    # -- lifecycle ---------------------------------------------------------------------------
    async def initialize(self) -> RedisCluster[StrT]:
        """Read the topology now (commands also do it at the first call)."""
        if self._ready:
            return self
        task = self._initializing
        if task is None or task.done():
            task = self._initializing = asyncio.get_running_loop().create_task(self._initialize())
        await asyncio.shield(task)
        return self

    async def _initialize(self) -> None:
        manager = self.nodes_manager
        await manager.refresh()
        uncovered = manager.topology.uncovered()
        if uncovered and self.require_full_coverage:
            raise ClusterDownError(
                f"CLUSTERDOWN {uncovered} of 16384 slots are not served by any node "
                "(pass require_full_coverage=False to use the cluster anyway)"
            )
        self._ready = True

    async def aclose(self) -> None:
        """Close every node's connection; pending commands fail once with ConnectionError."""
        task = self._initializing
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.nodes_manager.aclose()

    close = aclose

    def __await__(self) -> Generator[Any, None, RedisCluster[StrT]]:
        """``cluster = await RedisCluster(...)``: ``initialize()``, as in redis.asyncio."""
        return self.initialize().__await__()

    async def __aenter__(self) -> RedisCluster[StrT]:
        return await self.initialize()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        nodes = self.nodes_manager.topology.nodes
        return f"<RedisCluster {len(nodes)} nodes {[node.name for node in nodes.values()]}>"

    # -- target_nodes= ----------------------------------------------------------------------------
    @own
    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Send any command, routed by its keys, or to ``target_nodes=`` (a node flag, node, or nodes)."""
        target_nodes = options.pop("target_nodes", None)
        if target_nodes is None:
            return AllCommands.execute_command(self, *args, **options)
        targeted = Targeted(self, target_nodes, funnel=False)
        return AllCommands.execute_command(targeted, *args, **options)  # type: ignore[arg-type]

    # -- commands with a cluster meaning of their own -----------------------------------------------
    def mget_nonatomic(self, keys: Any, *args: Any) -> Awaitable[list[StrT | None]]:
        """redis-py's name for an MGET split by slot (what ``mget`` does here)."""
        return self.mget(keys, *args)

    def mset_nonatomic(self, mapping: Any) -> CommandFuture[bool]:
        """redis-py's name for an MSET split by slot (what ``mset`` does here)."""
        return self.mset(mapping)

    async def scan_iter(
        self,
        match: Any = None,
        count: int | None = None,
        _type: str | None = None,
        target_nodes: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[StrT]:
        """Every key of every primary (or of ``target_nodes``) matching ``match``: SCAN on each in turn."""
        await self.initialize()
        nodes = self.get_primaries() if target_nodes is None else resolve(self, target_nodes)
        args: list[Any] = []
        if match is not None:
            args += [b"MATCH", match]
        if count is not None:
            args += [b"COUNT", count]
        if _type is not None:
            args += [b"TYPE", _type]
        for node in nodes:
            cursor: Any = 0
            while True:
                reply = await self._to_node(node, (b"SCAN", cursor, *args), None)
                cursor, keys = int(reply[0]), reply[1]
                for key in keys:
                    yield key
                if cursor == 0:
                    break

    async def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        """BLPOP, XREAD BLOCK, WAIT...: on a dedicated connection of the keys' node (``blocking.py``)."""
        return await send_blocking(self, args, parse, block)

    def pipeline(self, transaction: bool | None = None, shard_hint: str | None = None) -> ClusterPipeline[StrT]:
        """Commands recorded, sent per node by ``await pipe.execute()``; MULTI/EXEC on one slot if ``transaction``."""
        if shard_hint:
            raise RedisClusterException("shard_hint is deprecated in cluster mode")
        return ClusterPipeline(self, transaction)

    async def transaction(
        self,
        func: Callable[[ClusterPipeline], Any | Awaitable[Any]],
        *watches: Any,
        shard_hint: str | None = None,
        value_from_callable: bool = False,
        watch_delay: float | None = None,
    ) -> Any:
        """Run ``func(pipe)`` in MULTI/EXEC while WATCHing ``watches`` (one slot), again on every WatchError."""
        return await run_transaction(
            self.pipeline(True, shard_hint),
            func,
            *watches,
            value_from_callable=value_from_callable,
            watch_delay=watch_delay,
        )

    def pubsub(
        self, node: ClusterNode | None = None, host: str | None = None, port: int | None = None, **kwargs: Any
    ) -> ClusterPubSub:
        """A ``ClusterPubSub``: classic channels on ``node`` (default: the default node), shard channels
        on the nodes serving their slots; see ``leanredis.cluster.pubsub``."""
        return ClusterPubSub(self, node=node, host=host, port=port, **kwargs)

    def keyspace_notifications(
        self, key_prefix: str | bytes | None = None, ignore_subscribe_messages: bool = True
    ) -> ClusterKeyspaceNotifications:
        """Keyspace and keyevent notifications of every primary (each publishes its own keys' events);
        see ``leanredis.keyspace_notifications.ClusterKeyspaceNotifications``."""
        return ClusterKeyspaceNotifications(
            self, key_prefix=key_prefix, ignore_subscribe_messages=ignore_subscribe_messages
        )


def _targeted(name: str, owner: type = AllCommands) -> Any:
    """``Redis``'s method ``name`` (or ``owner``'s), taking redis-py's ``target_nodes=`` too."""
    base = getattr(owner, name)

    @functools.wraps(base)
    def method(self: RedisCluster, *args: Any, target_nodes: Any = None, **kwargs: Any) -> Any:
        if target_nodes is None:
            return base(self, *args, **kwargs)
        return base(Targeted(self, target_nodes), *args, **kwargs)

    return method


for _name in TARGETED_METHODS:
    if hasattr(AllCommands, _name) and _name not in RedisCluster.__dict__:
        setattr(RedisCluster, _name, _targeted(_name))
for _name in MANAGEMENT_TARGETED:
    setattr(RedisCluster, _name, _targeted(_name, ClusterManagementCommands))

__all__ = ["RedisCluster"]
