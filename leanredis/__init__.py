"""leanredis: an asyncio Redis/Valkey client with flat, bounded memory at 100k+ commands/s."""

from __future__ import annotations

from typing import Any, Literal, overload

from ._version import __version__
from .cache import CacheConfig
from .client import Redis, StrictRedis, make_ssl_context
from .cluster import ClusterNode, RedisCluster
from .commands.search import pipeline as _search_pipeline  # noqa: F401  # sets the search commands' pipeline classes
from .connection_classes import Connection, SSLConnection, UnixDomainSocketConnection
from .exception_bridge import install as _install_exception_bridge
from .exceptions import (
    AskError,
    AuthenticationError,
    AuthenticationWrongNumberOfArgsError,
    AuthorizationError,
    BusyError,
    BusyLoadingError,
    ChildDeadlockedError,
    ClusterCrossSlotError,
    ClusterDownError,
    ClusterError,
    ConnectionError,
    ConnectTimeoutError,
    CrossSlotError,
    CrossSlotTransactionError,
    DataError,
    ExecAbortError,
    ExternalAuthProviderError,
    InvalidResponse,
    LockError,
    LockNotOwnedError,
    MasterDownError,
    MasterNotFoundError,
    MaxConnectionsError,
    ModuleError,
    MovedError,
    NoPermissionError,
    NoScriptError,
    NoSuchFieldsetError,
    OutOfMemoryError,
    OverloadError,
    ProtocolError,
    PubSubError,
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    ReplyTooLargeError,
    ResponseError,
    SlaveNotFoundError,
    TimeoutError,
    TryAgainError,
    WatchError,
    WrongTypeError,
)
from .future import CommandFuture
from .keyspace_notifications import (
    AsyncClusterKeyspaceNotifications,
    AsyncKeyspaceNotifications,
    AsyncKeyspaceNotificationsInterface,
)
from .lock import Lock
from .options import ConnectionOptions
from .pool import BlockingConnectionPool, ConnectionPool
from .pool_connection import PooledConnection
from .pubsub import Subscription
from .retry import default_backoff
from .sentinel import (
    Sentinel,
    SentinelConnectionPool,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
    SentinelRedis,
)


@overload
def from_url(url: str, *, decode_responses: Literal[False] = ..., **kwargs: Any) -> Redis[bytes]: ...
@overload
def from_url(url: str, *, decode_responses: Literal[True], **kwargs: Any) -> Redis[str]: ...
@overload
def from_url(url: str, *, decode_responses: bool, **kwargs: Any) -> Redis[bytes | str]: ...
def from_url(url: str, **kwargs: Any) -> Redis[Any]:
    """``Redis.from_url``: a client from a redis://, rediss:// or unix:// URL."""
    return Redis.from_url(url, **kwargs)


# our exceptions become redis-py's too once redis.exceptions is loaded (see exception_bridge)
_install_exception_bridge()

__all__ = [
    "AskError",
    "AsyncClusterKeyspaceNotifications",
    "AsyncKeyspaceNotifications",
    "AsyncKeyspaceNotificationsInterface",
    "AuthorizationError",
    "ChildDeadlockedError",
    "SentinelManagedSSLConnection",
    "default_backoff",
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "BlockingConnectionPool",
    "BusyError",
    "BusyLoadingError",
    "CacheConfig",
    "ClusterCrossSlotError",
    "ClusterNode",
    "ClusterDownError",
    "ClusterError",
    "CommandFuture",
    "Connection",
    "ConnectionError",
    "ConnectTimeoutError",
    "ConnectionPool",
    "ConnectionOptions",
    "CrossSlotError",
    "CrossSlotTransactionError",
    "DataError",
    "ExecAbortError",
    "ExternalAuthProviderError",
    "InvalidResponse",
    "Lock",
    "LockError",
    "LockNotOwnedError",
    "MasterDownError",
    "MaxConnectionsError",
    "MasterNotFoundError",
    "ModuleError",
    "MovedError",
    "NoPermissionError",
    "NoScriptError",
    "NoSuchFieldsetError",
    "OutOfMemoryError",
    "OverloadError",
    "PooledConnection",
    "ProtocolError",
    "ReplyTooLargeError",
    "PubSubError",
    "ReadOnlyError",
    "RedisClusterException",
    "Redis",
    "RedisCluster",
    "RedisError",
    "ResponseError",
    "SSLConnection",
    "Sentinel",
    "SentinelConnectionPool",
    "SentinelManagedConnection",
    "SentinelRedis",
    "SlaveNotFoundError",
    "Subscription",
    "StrictRedis",
    "TimeoutError",
    "TryAgainError",
    "UnixDomainSocketConnection",
    "WatchError",
    "WrongTypeError",
    "__version__",
    "from_url",
    "make_ssl_context",
]
