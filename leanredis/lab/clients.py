"""The clients the lab compares, each behind the same small adapter.

Every adapter is used the way that client's users use it, and says how in
``how``: redis-py's asyncio pool raises ``MaxConnectionsError`` past its size,
so the lab gives it a ``BlockingConnectionPool`` as large as the concurrency
(capped); coredis is used inside its ``async with``; valkey-glide with its
defaults (it refuses past 1,000 requests in flight).

``--cluster`` runs the cluster clients (``CLUSTER_ADAPTERS``): leanredis's
``RedisCluster``, redis-py's ``redis.asyncio.cluster.RedisCluster`` and
valkey-glide's ``GlideClusterClient``; coredis has none here.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Awaitable
from typing import Any

# name -> (module to import, pip requirement that provides it)
KNOWN_CLIENTS: dict[str, tuple[str, str]] = {
    "leanredis": ("leanredis", "leanredis"),
    "redispy": ("redis", "redis[hiredis]"),
    "coredis": ("coredis", "coredis"),
    "glide": ("glide", "valkey-glide"),
}
_DISTRIBUTIONS = {"leanredis": "leanredis", "redispy": "redis", "coredis": "coredis", "glide": "valkey-glide"}


def installed(name: str) -> bool:
    """True when the client's package can be imported here."""
    module = KNOWN_CLIENTS[name][0]
    try:
        importlib.import_module(module)
    except Exception:  # an install broken in any way counts as missing
        return False
    return True


def version(name: str) -> str:
    """The client's installed version (distribution metadata)."""
    try:
        return importlib.metadata.version(_DISTRIBUTIONS[name])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _reply_options(options: dict[str, Any]) -> dict[str, Any]:
    """decode_responses / protocol from ``options``, for the clients that take redis-py's keywords."""
    return {k: options[k] for k in ("decode_responses", "protocol") if options.get(k) is not None}


def _described(kwargs: dict[str, Any]) -> str:
    reply = {k: kwargs[k] for k in ("decode_responses", "protocol") if k in kwargs}
    return "".join(f" {k}={v}" for k, v in reply.items())


class Adapter:
    """One client instance: ``set``/``get`` return awaitables, ``close`` releases it."""

    name = "?"
    how = ""

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def set(self, key: bytes, value: bytes) -> Awaitable[Any]:
        raise NotImplementedError

    def get(self, key: bytes) -> Awaitable[Any]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class LeanAdapter(Adapter):
    name = "leanredis"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        import leanredis

        kwargs: dict[str, Any] = _reply_options(options)
        # as the redis-py adapters: no command timeout unless the workload sets one (both default to 5 s)
        kwargs["socket_timeout"] = options.get("timeout") or None
        if "trim" in options:
            kwargs["trim_idle"] = options["trim"]
        if options.get("max_memory_bytes"):
            kwargs["max_memory_bytes"] = options["max_memory_bytes"]
        self.client = leanredis.Redis(host=host, port=port, **kwargs)
        self.how = "one multiplexed connection, defaults (max_inflight 10,000, wait policy)" + _described(kwargs)
        if "max_memory_bytes" in kwargs:
            self.how += f" max_memory_bytes={kwargs['max_memory_bytes']:,}"
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()


class RedisPyAdapter(Adapter):
    name = "redispy"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        import redis.asyncio

        size = max(1, min(concurrency, 1000))
        replies = _reply_options(options)
        pool = redis.asyncio.BlockingConnectionPool(
            host=host, port=port, max_connections=size, timeout=None,
            socket_timeout=options.get("timeout"), **replies,
        )
        self.client = redis.asyncio.Redis(connection_pool=pool)
        self.how = f"redis.asyncio, BlockingConnectionPool(max_connections={size}), hiredis parser"
        self.how += _described(replies)
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
        await self.client.connection_pool.disconnect()


class CoredisAdapter(Adapter):
    name = "coredis"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        import coredis

        self.client = coredis.Redis(host=host, port=port, stream_timeout=options.get("timeout"))
        self.how = "coredis.Redis defaults, inside its async context"
        await self.client.__aenter__()
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]
        await self.client.ping()

    async def close(self) -> None:
        await self.client.__aexit__(None, None, None)


class GlideAdapter(Adapter):
    name = "glide"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        from glide import GlideClient, GlideClientConfiguration, NodeAddress

        timeout = options.get("timeout")
        config = GlideClientConfiguration(
            [NodeAddress(host, port)], request_timeout=int(timeout * 1000) if timeout else None
        )
        self.client = await GlideClient.create(config)
        self.how = "GlideClient defaults (Rust core; inflight_requests_limit 1,000)"
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]

    async def close(self) -> None:
        await self.client.close()


class LeanClusterAdapter(LeanAdapter):
    name = "leanredis"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        import leanredis

        kwargs: dict[str, Any] = _reply_options(options)
        # as the redis-py adapters: no command timeout unless the workload sets one (both default to 5 s)
        kwargs["socket_timeout"] = options.get("timeout") or None
        if "trim" in options:
            kwargs["trim_idle"] = options["trim"]
        self.client = leanredis.RedisCluster(host=host, port=port, **kwargs)  # type: ignore[assignment]
        self.how = "RedisCluster: one multiplexed connection per node, defaults" + _described(kwargs)
        await self.client.initialize()  # type: ignore[attr-defined]
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]
        await self.client.ping()


class RedisPyClusterAdapter(Adapter):
    name = "redispy"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        from redis.asyncio.cluster import RedisCluster

        # Its default, 100 connections per node, raises MaxConnectionsError past 100 tasks on a node;
        # a user who meets that raises it to the concurrency, as the standalone adapter sizes its pool.
        size = max(100, min(concurrency, 1000))
        replies = _reply_options(options)
        self.client = RedisCluster(host=host, port=port, max_connections=size,
                                   socket_timeout=options.get("timeout"), **replies)
        self.how = f"redis.asyncio.cluster.RedisCluster(max_connections={size} per node), hiredis parser"
        self.how += _described(replies)
        await self.client.initialize()
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]

    async def close(self) -> None:
        await self.client.aclose()


class GlideClusterAdapter(Adapter):
    name = "glide"

    async def open(self, host: str, port: int, concurrency: int, options: dict[str, Any]) -> None:
        from glide import GlideClusterClient, GlideClusterClientConfiguration, NodeAddress

        timeout = options.get("timeout")
        config = GlideClusterClientConfiguration(
            [NodeAddress(host, port)], request_timeout=int(timeout * 1000) if timeout else None
        )
        self.client = await GlideClusterClient.create(config)
        self.how = "GlideClusterClient defaults (Rust core; inflight_requests_limit 1,000)"
        self.set = self.client.set  # type: ignore[method-assign,assignment]
        self.get = self.client.get  # type: ignore[method-assign,assignment]

    async def close(self) -> None:
        await self.client.close()


ADAPTERS: dict[str, type[Adapter]] = {
    "leanredis": LeanAdapter,
    "redispy": RedisPyAdapter,
    "coredis": CoredisAdapter,
    "glide": GlideAdapter,
}


# the clients ``--cluster`` runs, each with its cluster client
CLUSTER_ADAPTERS: dict[str, type[Adapter]] = {
    "leanredis": LeanClusterAdapter,
    "redispy": RedisPyClusterAdapter,
    "glide": GlideClusterAdapter,
}


async def open_client(name: str, host: str, port: int, concurrency: int, options: dict[str, Any],
                      cluster: bool = False) -> Adapter:
    """A ready adapter for client ``name`` (its cluster client with ``cluster``; host/port: any node)."""
    adapter = (CLUSTER_ADAPTERS if cluster else ADAPTERS)[name]()
    await adapter.open(host, port, concurrency, options)
    return adapter
