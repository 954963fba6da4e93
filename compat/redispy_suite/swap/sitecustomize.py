"""Make ``redis.asyncio`` (and its client/connection/... modules) give leanredis's classes.

On PYTHONPATH for the "leanredis" pass of compat/redispy_suite only: Python
imports ``sitecustomize`` at start-up, before pytest collects redis-py's test
modules, so their ``import redis.asyncio as redis`` and ``from
redis.asyncio.connection import ConnectionPool`` find the objects put here.
A name leanredis does not offer falls back to redis-py's own object (module
``__getattr__``), so redis-py's other modules (exceptions, commands helpers,
backoff, utils...) stay importable and the tests still load.

``REDISPY_SWAP_EXCEPTIONS=catchable`` also makes each leanredis exception a
subclass of redis.exceptions' class of the same name: redis-py's tests catch
``redis.exceptions.ResponseError`` as often as ``redis.asyncio.ResponseError``,
and a user switching the asyncio import keeps catching the former.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import types

_CLIENT = {
    "Redis": "leanredis:Redis",
    "StrictRedis": "leanredis:StrictRedis",
    "Pipeline": "leanredis.pipeline:Pipeline",
    "PubSub": "leanredis.pubsub.core:PubSub",
}
_CONNECTION = {
    # redis-py's Connection: leanredis.Connection (the pool's request/reply connection, PooledConnection's API)
    "Connection": "leanredis:Connection",
    "SSLConnection": "leanredis:SSLConnection",
    "UnixDomainSocketConnection": "leanredis:UnixDomainSocketConnection",
    "ConnectionPool": "leanredis:ConnectionPool",
    "BlockingConnectionPool": "leanredis:BlockingConnectionPool",
}
_SENTINEL = {"Sentinel": "leanredis:Sentinel", "SentinelConnectionPool": "leanredis.sentinel:SentinelConnectionPool"}
_CLUSTER = {"RedisCluster": "leanredis:RedisCluster", "ClusterNode": "leanredis:ClusterNode"}
SWAPS: dict[str, dict[str, str]] = {
    "redis.asyncio.client": _CLIENT,
    "redis.asyncio.connection": _CONNECTION,
    "redis.asyncio.lock": {"Lock": "leanredis:Lock"},
    "redis.asyncio.sentinel": _SENTINEL,
    "redis.asyncio.cluster": _CLUSTER,
    "redis.asyncio": {**_CLIENT, **_CONNECTION, **_SENTINEL, **_CLUSTER, "from_url": "leanredis:from_url"},
}


def _leanredis_attr(spec: str) -> object | None:
    module_name, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None


def _shim(name: str, real: types.ModuleType, names: dict[str, str]) -> types.ModuleType:
    module = types.ModuleType(name, real.__doc__)
    module.__file__ = __file__
    if hasattr(real, "__path__"):
        module.__path__ = list(real.__path__)  # further submodules (utils, retry, ...) load as redis-py's
    module.__package__ = name if hasattr(real, "__path__") else name.rpartition(".")[0]
    import leanredis.exceptions as lean_exceptions

    # redis.asyncio re-exports the exception names: there, leanredis's classes (what it raises)
    for attr in dir(lean_exceptions):
        value = getattr(lean_exceptions, attr)
        if isinstance(value, type) and issubclass(value, BaseException) and hasattr(real, attr):
            setattr(module, attr, value)
    for attr, spec in names.items():
        value = _leanredis_attr(spec)
        if value is not None:
            setattr(module, attr, value)

    def __getattr__(attr: str) -> object:  # noqa: N807 - the module-level hook's name
        try:
            return getattr(real, attr)
        except AttributeError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def install() -> None:
    """Import redis-py's asyncio modules, then put leanredis-backed modules in their place."""
    reals = {name: importlib.import_module(name) for name in SWAPS}
    # redis-py's module commands (search, json, ...) build classes on redis.asyncio's Pipeline: they load
    # first, on redis-py's own classes, as they do in an application that swapped only its own imports
    import redis.commands

    for module in pkgutil.iter_modules(redis.commands.__path__, "redis.commands."):
        if module.ispkg:
            importlib.import_module(module.name)
    shims = {name: _shim(name, reals[name], SWAPS[name]) for name in SWAPS}
    for name, module in shims.items():
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent in shims:
            setattr(shims[parent], child, module)
    sys.modules["redis"].asyncio = shims["redis.asyncio"]  # type: ignore[attr-defined]


def catchable_as_redis_py() -> None:
    """Make each leanredis exception also a subclass of redis.exceptions' class of the same name.

    ``RedisError`` itself cannot take redis-py's as a base (the instance layouts
    differ, Python refuses); its subclasses can.
    """
    import redis.exceptions as redis_exceptions

    import leanredis.exceptions as lean_exceptions

    for attr in dir(lean_exceptions):
        ours, theirs = getattr(lean_exceptions, attr), getattr(redis_exceptions, attr, None)
        if not (isinstance(ours, type) and isinstance(theirs, type) and issubclass(ours, BaseException)):
            continue
        if ours is theirs or issubclass(ours, theirs):
            continue
        for bases in ((theirs, *ours.__bases__), (*ours.__bases__, theirs)):
            try:
                ours.__bases__ = bases
                break
            except TypeError:
                continue


if os.environ.get("REDISPY_SWAP") == "leanredis":
    install()
    if os.environ.get("REDISPY_SWAP_EXCEPTIONS") == "catchable":
        catchable_as_redis_py()
