"""Make ``import redis.asyncio`` (and its client/connection/... modules) give leanredis.

Placed on PYTHONPATH by compat/run.py for the "leanredis" pass only; the
application's code and tests are not touched. Python imports
``sitecustomize`` at start-up, before any test module, so every later
``import redis.asyncio`` / ``from redis.asyncio.client import Redis`` finds
the module objects made here.

Each swapped module holds leanredis's names. A name leanredis does not have
falls back to redis-py's own object (a module ``__getattr__``), and the
fallback is written to ``$COMPAT_FALLBACK_LOG`` so the report can say which
redis-py names an application still used. ``redis`` (the sync client) and
``redis.exceptions`` are left alone: an application that catches
``redis.exceptions.ConnectionError`` meets leanredis's own classes, as a user
who only changes the asyncio import would. The third pass
(``COMPAT_SWAP=leanredis+exceptions``) also makes leanredis's exceptions
subclasses of redis.exceptions' same-named classes, to show what else differs.
"""

from __future__ import annotations

import importlib
import os
import sys
import types

# swapped module -> {name: "leanredis.module:attr"}. A name is swapped when leanredis offers it as
# redis-py's counterpart: its top-level exports, plus the Pipeline and PubSub classes its client returns
# (apps subclass them and check isinstance). Today leanredis has no top-level ConnectionPool,
# BlockingConnectionPool or Retry: those fall back to redis-py's (logged), and leanredis.Redis reads a
# redis-py pool as options (client.py: _init_from_pool); the day leanredis exports them, they swap.
_CLIENT = {
    "Redis": "leanredis:Redis",
    "StrictRedis": "leanredis:StrictRedis",
    "Pipeline": "leanredis.pipeline:Pipeline",
    "PubSub": "leanredis.pubsub.core:PubSub",
}
_CONNECTION = {
    "Connection": "leanredis:Connection",
    "ConnectionPool": "leanredis:ConnectionPool",
    "BlockingConnectionPool": "leanredis:BlockingConnectionPool",
}
_SENTINEL = {
    "Sentinel": "leanredis:Sentinel",
    "SentinelConnectionPool": "leanredis:SentinelConnectionPool",
}
_CLUSTER = {
    "RedisCluster": "leanredis:RedisCluster",
    "ClusterNode": "leanredis:ClusterNode",
}
SWAPS: dict[str, dict[str, str]] = {
    "redis.asyncio.client": _CLIENT,
    "redis.asyncio.connection": _CONNECTION,
    "redis.asyncio.lock": {"Lock": "leanredis:Lock"},
    "redis.asyncio.retry": {"Retry": "leanredis:Retry"},
    "redis.asyncio.sentinel": _SENTINEL,
    "redis.asyncio.cluster": _CLUSTER,
    "redis.asyncio": {**_CLIENT, **_CONNECTION, **_SENTINEL, **_CLUSTER, "from_url": "leanredis:from_url"},
}


def _record_fallback(module: str, name: str) -> None:
    path = os.environ.get("COMPAT_FALLBACK_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{module}.{name}\n")


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
        module.__path__ = list(real.__path__)  # further submodules (utils, ...) load as redis-py's
    module.__package__ = name if hasattr(real, "__path__") else name.rpartition(".")[0]
    if name == "redis.asyncio" or name.endswith((".client", ".connection", ".cluster", ".sentinel")):
        # redis.asyncio re-exports the exception names; leanredis's own classes are what it raises
        import leanredis.exceptions as lean_exceptions

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
            value = getattr(real, attr)
        except AttributeError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None
        if not attr.startswith("__"):
            _record_fallback(name, attr)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def install() -> None:
    """Import redis-py's asyncio modules, then put leanredis-backed modules in their place."""
    reals = {name: importlib.import_module(name) for name in SWAPS}
    shims = {name: _shim(name, reals[name], SWAPS[name]) for name in SWAPS}
    for name, module in shims.items():
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent in shims:
            setattr(shims[parent], child, module)
    sys.modules["redis"].asyncio = shims["redis.asyncio"]  # type: ignore[attr-defined]


def catchable_as_redis_py() -> None:
    """Make each leanredis exception also a subclass of redis.exceptions' class of the same name.

    Only for the "leanredis+exceptions" pass: it shows what remains once
    ``except redis.exceptions.WatchError`` (how applications catch errors of
    redis.asyncio) also catches leanredis's. leanredis itself is unchanged on disk.
    ``RedisError`` itself cannot take redis-py's as a base (Python refuses: the
    instance layouts differ); its subclasses can, so only a bare
    ``leanredis.RedisError`` or a leanredis-only class (OverloadError, ...)
    escapes ``except redis.exceptions.RedisError``; the report lists it.
    """
    import redis.exceptions as redis_exceptions

    import leanredis.exceptions as lean_exceptions

    for attr in dir(lean_exceptions):
        ours, theirs = getattr(lean_exceptions, attr), getattr(redis_exceptions, attr, None)
        if not (isinstance(ours, type) and isinstance(theirs, type) and issubclass(ours, BaseException)):
            continue
        if ours is theirs or issubclass(ours, theirs):
            continue
        # first in the bases: after leanredis's own (Exception, ValueError, ...) the MRO has no order
        for bases in ((theirs, *ours.__bases__), (*ours.__bases__, theirs)):
            try:
                ours.__bases__ = bases
                break
            except TypeError:
                continue
        else:  # an order redis-py's hierarchy forbids: this name stays leanredis's only
            _record_fallback("redis.exceptions", f"{attr} (not made catchable)")


if os.environ.get("COMPAT_SWAP", "").startswith("leanredis"):
    install()
    if os.environ["COMPAT_SWAP"] == "leanredis+exceptions":
        catchable_as_redis_py()
