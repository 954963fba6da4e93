"""redis.asyncio's constructor options, translated or refused with a reason.

``Redis.__init__`` takes every option ``redis.asyncio.Redis`` takes. This
module holds what turns the ones that are not plain values into leanredis
settings: the TLS context, the library name sent with CLIENT SETINFO, a
redis-py ``ConnectionPool`` read as options, and the refusals. Nothing
redis-py takes is accepted and then ignored: it means here what it means
there, or it raises ``DataError`` naming it and saying why.
"""

from __future__ import annotations

import contextvars
import dataclasses
import ssl as ssl_module
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._version import __version__
from .exceptions import DataError

UNSET: Any = object()  # an option the caller did not pass (redis-py's SENTINEL)

_CERT_REQS = {
    "none": ssl_module.CERT_NONE,
    "optional": ssl_module.CERT_OPTIONAL,
    "required": ssl_module.CERT_REQUIRED,
}


def make_ssl_context(
    ssl_keyfile: str | None = None,
    ssl_certfile: str | None = None,
    ssl_cert_reqs: str | ssl_module.VerifyMode = "required",
    ssl_ca_certs: str | None = None,
    ssl_ca_data: str | None = None,
    ssl_check_hostname: bool = True,
    ssl_password: str | None = None,
    ssl_ca_path: str | None = None,
    ssl_min_version: ssl_module.TLSVersion | int | None = None,
    ssl_ciphers: str | None = None,
    ssl_include_verify_flags: Any = None,
    ssl_exclude_verify_flags: Any = None,
) -> ssl_module.SSLContext:
    """An SSLContext from redis-py's ``ssl_*`` options (as redis-py's ``RedisSSLContext`` builds it)."""
    if isinstance(ssl_cert_reqs, str):
        if ssl_cert_reqs.lower() not in _CERT_REQS:
            raise DataError(f"ssl_cert_reqs must be one of none, optional, required, not {ssl_cert_reqs!r}")
        ssl_cert_reqs = _CERT_REQS[ssl_cert_reqs.lower()]
    context = ssl_module.create_default_context(cafile=ssl_ca_certs, capath=ssl_ca_path, cadata=ssl_ca_data)
    context.check_hostname = bool(ssl_check_hostname) and ssl_cert_reqs != ssl_module.CERT_NONE
    context.verify_mode = ssl_cert_reqs
    for flag in ssl_include_verify_flags or ():
        context.verify_flags |= flag
    for flag in ssl_exclude_verify_flags or ():
        context.verify_flags &= ~flag
    if ssl_certfile:
        context.load_cert_chain(ssl_certfile, ssl_keyfile, password=ssl_password)
    if ssl_min_version is not None:
        try:
            context.minimum_version = ssl_module.TLSVersion(ssl_min_version)
        except ValueError:
            raise DataError(f"ssl_min_version must be an ssl.TLSVersion, not {ssl_min_version!r}") from None
    if ssl_ciphers is not None:
        try:
            context.set_ciphers(ssl_ciphers)
        except ssl_module.SSLError as exc:
            raise DataError(f"ssl_ciphers {ssl_ciphers!r} selects no cipher OpenSSL knows: {exc}") from None
    return context


@dataclasses.dataclass(frozen=True)
class DriverInfo:
    """What a client sends with CLIENT SETINFO, as redis-py's ``DriverInfo`` names it (``formatted_name``,
    ``lib_version``): a client's pool shows it as ``connection_kwargs["driver_info"]``, as redis-py's does."""

    formatted_name: str | None
    lib_version: str | None


T = TypeVar("T")

# Set while leanredis builds a client from a URL's or a pool's options: redis-py gives those to its pool,
# whose arguments are not deprecated, so no warning names them.
quiet_deprecations: contextvars.ContextVar[bool] = contextvars.ContextVar("quiet_deprecations", default=False)


def built_quietly(build: Callable[[], T]) -> T:
    """``build()`` with no DeprecationWarning for ``Redis()``'s deprecated arguments: a client made from options
    that redis-py would hand to its pool (a URL's, a pool's, a Sentinel's connection kwargs)."""
    token = quiet_deprecations.set(True)
    try:
        return build()
    finally:
        quiet_deprecations.reset(token)


def warn_deprecated_argument(name: str, reason: str, version: str = "", stacklevel: int = 2) -> None:
    """The DeprecationWarning redis-py 8.1 gives for a deprecated argument passed to ``__init__``, word for word;
    ``stacklevel`` counts from the caller of this function, as ``warnings.warn``'s does."""
    import warnings

    message = f"Call to '__init__' function with deprecated usage of input argument/s '{name}'. ({reason})"
    if version:
        message += f" -- Deprecated since version {version}."
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel + 1)


def warn_deprecated_library_args(lib_name: Any, lib_version: Any) -> None:
    """The DeprecationWarning redis.asyncio 8.1 gives for each of ``lib_name``/``lib_version`` passed, word for word."""
    for name, value in (("lib_name", lib_name), ("lib_version", lib_version)):
        if value is not UNSET:
            warn_deprecated_argument(
                name,
                "Use 'driver_info' parameter instead. lib_name and lib_version will be removed in a future version.",
                stacklevel=3,
            )


def library_info(lib_name: Any, lib_version: Any, driver_info: Any) -> tuple[str | None, str | None]:
    """(LIB-NAME, LIB-VER) for CLIENT SETINFO, resolved as redis-py resolves them.

    ``driver_info`` (redis-py's ``DriverInfo``, or anything with ``formatted_name``
    and ``lib_version``) wins; None sends nothing. Otherwise ``lib_name`` and
    ``lib_version``, each None to leave it out; unset, they are this library's:
    "leanredis" and its version (redis-py sends "redis-py" and its own).
    """
    if driver_info is not UNSET:
        if driver_info is None:
            return None, None
        if not hasattr(driver_info, "formatted_name") or not hasattr(driver_info, "lib_version"):
            raise DataError(
                "driver_info must be a redis.DriverInfo (formatted_name and lib_version) or None, "
                f"not {type(driver_info).__name__}"
            )
        name = driver_info.formatted_name
        version = driver_info.lib_version
        return (name if isinstance(name, str) and name else None), (version or None)
    return ("leanredis" if lib_name is UNSET else lib_name), (__version__ if lib_version is UNSET else lib_version)


def refuse_unsupported(
    event_dispatcher: Any,
    redis_connect_func: Any,
    maint_notifications_config: Any,
    legacy_responses: Any,
) -> None:
    """Raise DataError for a redis-py option whose meaning this client cannot give."""
    if event_dispatcher is not None:
        raise DataError(
            "event_dispatcher is not supported: redis-py's EventDispatcher hooks its own connection "
            "and pool classes (re-authentication events), which leanredis does not have; pass None"
        )
    if redis_connect_func is not None:
        raise DataError(
            "redis_connect_func is not supported: it is called with a redis.asyncio Connection to run "
            "the handshake, and leanredis connections are not those; use client_name, lib_name, db "
            "or credential_provider for what a handshake sends"
        )
    # enabled="auto" (redis-py's default) means "when the server offers them": here they are never
    # taken up, as with a server that does not offer them; enabled=True cannot be honoured
    if maint_notifications_config is not None and getattr(maint_notifications_config, "enabled", True) is True:
        raise DataError(
            "maint_notifications_config with enabled=True is not supported: leanredis does not handle "
            "maintenance push notifications (MOVING/MIGRATING); pass None or enabled=False/'auto'"
        )
    if legacy_responses is not True:
        raise DataError(
            "legacy_responses=False is not supported: leanredis returns redis-py's legacy reply shapes "
            "(the RESP2 ones, under RESP2 and RESP3 alike); the unified RESP3 shapes are not implemented"
        )


# redis.asyncio connection classes whose connection_kwargs mean what Redis()'s options mean
_CONNECTION_CLASSES = {
    "redis.asyncio.connection.Connection": {},
    "redis.asyncio.connection.SSLConnection": {"ssl": True},
    "redis.asyncio.connection.UnixDomainSocketConnection": {},
    "leanredis.connection_classes.SSLConnection": {"ssl": True},
}


# what a redis-py pool adds to connection_kwargs for its own machinery, not options of the user's:
# an empty HIMPORT registry, the maintenance notification handler and the addresses it restores
POOL_PLUMBING = frozenset(
    {
        "himport_registry",
        "maint_notifications_pool_handler",
        "orig_host_address",
        "orig_socket_timeout",
        "orig_socket_connect_timeout",
    }
)


def redis_py_pool_options(pool: Any) -> dict[str, Any]:
    """``Redis(...)`` keyword arguments from a redis.asyncio ``ConnectionPool``: where and how it connects.

    The pool itself is not used: this client's commands share one multiplexed
    connection, and blocking commands, WATCH and PubSubs take connections from a
    pool of its own, bounded by the pool's ``max_connections``. A ``BlockingConnectionPool``'s
    ``timeout`` is how long they wait for one; a plain ``ConnectionPool`` fails at
    once when all are taken, as redis-py's does.
    """
    kwargs = redis_py_connection_options(pool.connection_class, pool.connection_kwargs)
    kwargs["max_connections"] = pool.max_connections
    timeout = getattr(pool, "timeout", 0)  # BlockingConnectionPool waits; ConnectionPool does not
    kwargs["pool_timeout"] = timeout
    return kwargs


def redis_py_connection_options(cls: Any, connection_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``Redis(...)`` keyword arguments from a redis-py connection class and its ``connection_kwargs``."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    lineage = [f"{c.__module__}.{c.__qualname__}" for c in cls.__mro__]
    ours = "leanredis.pool_connection.PooledConnection" in lineage
    if ours:  # ours (or a user's subclass of one): the nearest class's defaults (SSLConnection: ssl=True)
        name = next((n for n in lineage if n in _CONNECTION_CLASSES), name)
    if name not in _CONNECTION_CLASSES and not ours:
        raise DataError(
            f"connection_pool: connection_class {name} is not supported; leanredis reads the options of "
            "redis.asyncio's Connection, SSLConnection and UnixDomainSocketConnection only"
        )
    kwargs: dict[str, Any] = dict(_CONNECTION_CLASSES.get(name) or getattr(cls, "implied_options", {}))
    for key, value in connection_kwargs.items():
        if key in POOL_PLUMBING:
            continue
        if key == "socket_keepalive_options" and type(value) is object:
            continue  # redis-py's SENTINEL: unset, its defaults (ours are the same)
        if key == "maint_notifications_config" and getattr(value, "enabled", None) == "auto":
            continue  # what every redis-py pool adds: see refuse_unsupported
        if key == "path":
            kwargs["unix_socket_path"] = value
        elif key == "connection_class":
            continue
        elif key == "parser_class":
            kwargs["parser"] = "hiredis" if "Hiredis" in getattr(value, "__name__", "") else "python"
        elif key == "encoder_class":
            if f"{value.__module__}.{value.__qualname__}" != "redis._parsers.encoders.Encoder":
                raise DataError("connection_pool: a custom encoder_class is not supported")
        elif key == "timeout":
            continue  # BlockingConnectionPool's wait, read from the pool
        else:
            kwargs[key] = value
    return kwargs


def is_redis_py_pool(pool: Any) -> bool:
    """True for a redis-py ConnectionPool (or subclass): one with connection_class and connection_kwargs."""
    return hasattr(pool, "connection_kwargs") and hasattr(pool, "connection_class")


def is_redis_py_sentinel_pool(pool: Any) -> bool:
    """True for redis.asyncio's ``SentinelConnectionPool`` (or a subclass): a service and its sentinels."""
    return any(
        f"{cls.__module__}.{cls.__qualname__}" == "redis.asyncio.sentinel.SentinelConnectionPool"
        for cls in type(pool).__mro__
    )
