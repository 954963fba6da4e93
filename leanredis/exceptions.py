"""One exception hierarchy rooted at RedisError, with redis-py's names.

Users of redis.asyncio already catch these names; we keep them so that a
switch of import keeps their handlers working. Server error replies become
``ResponseError`` subclasses chosen by their first word (``error_from_reply``).
"""

from __future__ import annotations

import sys
from typing import Any, TypeVar

_E = TypeVar("_E", bound=BaseException)

class _Root(Exception):
    """What ``RedisError`` derives from: a Python subclass of ``Exception``, laid out as redis-py's
    ``RedisError`` is (with a weakref slot), so that ``leanredis.exception_bridge`` may add redis-py's
    class to our bases (CPython refuses a base of another layout)."""


class RedisError(_Root):
    """Base of every error raised by leanredis."""

    # ours, also once redis-py's RedisError (whose repr is "server:ResponseError") is among the bases
    __repr__ = Exception.__repr__


class ConnectionError(RedisError):  # noqa: A001 - redis-py's name, shadowing is intended
    """The connection could not be made, or broke while commands were pending.

    ``possibly_executed``: True when the command had been handed to the socket
    and its reply was lost (the server may have run it: never re-sent for you);
    False when it was never written (safe to send again); None when unknown.
    """

    possibly_executed: bool | None = None


class TimeoutError(RedisError):  # noqa: A001 - redis-py's name
    """A command or a connect attempt did not finish within its timeout.

    For a command, ``stage`` says where its time went: ``"queued"`` (never
    written: it waited for room under the bounds, for a socket, or for the
    write), ``"unanswered"`` (written, no reply yet) or ``"answered late"``
    (its reply had begun to arrive); ``queued_seconds`` and
    ``written_seconds`` how long it spent in each (None when unknown), and
    ``possibly_executed`` is False when it was never written, True once it
    was. All None for a connect attempt.
    """

    # slots, not the attribute dict every exception gets on its first attribute: a stall times out thousands
    # of callers at once, and the dict was a third of each error's memory (and of the RSS step such a backlog
    # leaves in pymalloc's arenas)
    __slots__ = ("possibly_executed", "stage", "queued_seconds", "written_seconds")
    possibly_executed: bool | None
    stage: str | None
    queued_seconds: float | None
    written_seconds: float | None

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.possibly_executed = self.stage = self.queued_seconds = self.written_seconds = None

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle and copy keep the slots (BaseException's own __reduce__ keeps only the dict)
        state = {**self.__dict__, **{name: getattr(self, name) for name in TimeoutError.__slots__}}
        return (type(self), self.args, state)


class ConnectTimeoutError(ConnectionError, TimeoutError):
    """Every connect attempt timed out: the command was never sent (a ``ConnectionError``), and it is a
    ``TimeoutError`` too, as redis-py raises for a connect that times out, so either handler catches it."""


class AuthenticationError(ConnectionError):
    """The server refused the credentials given (AUTH/HELLO failed)."""


class AuthorizationError(ConnectionError):
    """redis-py's class for a refused OCSP check of a TLS certificate; leanredis raises it for nothing, and
    exports it so that handlers naming it keep importing."""


class MaxConnectionsError(ConnectionError):
    """Every connection of the pool stayed in use for the whole wait (``pool_timeout``)."""


class BusyLoadingError(ConnectionError):
    """The server is loading its dataset into memory and refuses commands."""


class InvalidResponse(RedisError):
    """The server sent something that is not valid RESP."""


class ProtocolError(InvalidResponse):
    """Malformed RESP bytes: the stream cannot be trusted and the connection is dropped."""


class ReplyTooLargeError(ProtocolError):
    """A reply larger than ``max_reply_bytes`` (or an aggregate of more elements than it allows): socket dropped."""


class ResponseError(RedisError):
    """An error reply from the server; the message is the server's own text."""


class DataError(RedisError):
    """A command argument of a type or value that cannot be sent."""


class InvalidURLError(DataError, ValueError):
    """A Redis URL that cannot be read; also a ``ValueError``, what redis-py raises for one."""


class OverloadError(RedisError):
    """A bound on in-flight or queued commands was reached under the ``fail`` policy."""


class PubSubError(RedisError):
    """Misuse of a pub/sub connection."""


class WatchError(RedisError):
    """A watched key changed: the transaction was not executed."""


class LockError(RedisError, ValueError):
    """A lock could not be acquired, released, extended or reacquired (a ValueError too, as in redis-py)."""

    def __init__(self, message: str | None = None, lock_name: str | bytes | memoryview | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lock_name = lock_name


class LockNotOwnedError(LockError):
    """The lock's key no longer holds this lock's token: it expired, or another holder has it."""


class ChildDeadlockedError(RedisError):
    """redis-py's error for a pool used across ``fork()`` while locked (its sync client's, an ``Exception``
    there); exported, never raised here: an asyncio client is not shared with a forked child."""


class NoScriptError(ResponseError):
    """EVALSHA named a script the server does not have (NOSCRIPT)."""


class OutOfMemoryError(ResponseError):
    """The server is over its maxmemory and refused a write (OOM)."""


class ExecAbortError(ResponseError):
    """EXEC was aborted because a queued command was rejected (EXECABORT)."""


class ReadOnlyError(ResponseError):
    """A write was sent to a read-only replica (READONLY)."""


class NoPermissionError(ResponseError):
    """The ACL user may not run this command or touch this key (NOPERM)."""


class BusyError(ResponseError):
    """BUSY: a script or function is running on the server; SCRIPT KILL / FUNCTION KILL or wait."""


class WrongTypeError(ResponseError):
    """The key holds a value of another type (WRONGTYPE)."""


class ModuleError(ResponseError):
    """A module could not be loaded or unloaded."""


class AuthenticationWrongNumberOfArgsError(ResponseError):
    """AUTH was called with a username on a server without ACLs."""


class ClusterError(RedisError):
    """A Redis Cluster error the client could not resolve."""


class RedisClusterException(RedisError):  # noqa: N818 - redis-py's name
    """The cluster client cannot tell where to send a command (redis-py's name; rooted at RedisError here,
    as every leanredis error, where redis-py's derives from Exception alone)."""


class ClusterDownError(ClusterError, ResponseError):
    """The cluster is down (CLUSTERDOWN)."""


class AskError(ResponseError):
    """ASK redirection: the slot is migrating; retry once on the named node."""

    def __init__(self, resp: str) -> None:
        super().__init__(resp)
        self.args = (resp,)
        self.message = resp
        slot_id, new_node = resp.split(" ")
        host, port = new_node.rsplit(":", 1)
        self.slot_id = int(slot_id)
        self.node_addr = self.host, self.port = host, int(port)


class MovedError(AskError):
    """MOVED redirection: the slot lives on another node now."""


class TryAgainError(ResponseError):
    """TRYAGAIN: a multi-key command hit a slot being resharded."""


class ClusterCrossSlotError(ResponseError):
    """CROSSSLOT: the keys of one command hash to different slots (redis-py's name)."""


CrossSlotError = ClusterCrossSlotError  # the name leanredis used first


class CrossSlotTransactionError(ClusterCrossSlotError):
    """A cluster transaction (or its WATCH) over keys of more than one slot, refused before anything
    is sent (redis-py's name; a ``CrossSlotError`` too)."""


class NoSuchFieldsetError(ResponseError):
    """HIMPORT SET named a fieldset this connection has not prepared (``ERR no such fieldset``)."""


class ExternalAuthProviderError(ConnectionError):
    """The server's external authentication provider failed (``ERR problem with LDAP service``)."""


class MasterDownError(ClusterDownError):
    """MASTERDOWN: the replica lost its link to the master."""


class MasterNotFoundError(ConnectionError):
    """No sentinel could name a healthy master for the service (unknown name, or none reachable)."""


class SlaveNotFoundError(ConnectionError):
    """No replica (nor master to fall back on) could be found for the service through the sentinels."""


def warn_deprecated_auto_close() -> None:
    """The DeprecationWarning redis.asyncio gives when ``auto_close_connection_pool`` is passed, word for word."""
    import warnings

    warnings.warn(
        '"auto_close_connection_pool" is deprecated since version 5.0.1. Please create a ConnectionPool '
        "explicitly and provide to the Redis() constructor instead.",
        DeprecationWarning,
        stacklevel=3,
    )


def warn_deprecated_call(name: str, reason: str, version: str) -> None:
    """The DeprecationWarning redis-py 8.1 gives for a deprecated method, word for word, pointing at the line
    that called the method (this helper's caller's caller)."""
    import warnings

    warnings.warn(
        f"Call to deprecated {name}. ({reason}) -- Deprecated since version {version}.",
        DeprecationWarning,
        stacklevel=3,
    )


def warn_deprecated_alias(name: str) -> None:
    """The DeprecationWarning redis.asyncio gives for its old ``close()``/``reset()`` aliases, word for word,
    pointing at the caller's line."""
    import warnings

    warnings.warn(
        f"Call to deprecated {name}. (Use aclose() instead) -- Deprecated since version 5.0.1.",
        DeprecationWarning,
        stacklevel=3,
    )


# First word of the server's error text -> class. Anything else is ResponseError.
_ERROR_PREFIXES: dict[str, type[ResponseError]] = {
    "WRONGTYPE": WrongTypeError,
    "BUSY": BusyError,
    "NOSCRIPT": NoScriptError,
    "OOM": OutOfMemoryError,
    "EXECABORT": ExecAbortError,
    "READONLY": ReadOnlyError,
    "NOPERM": NoPermissionError,
    "MOVED": MovedError,
    "ASK": AskError,
    "TRYAGAIN": TryAgainError,
    "CLUSTERDOWN": ClusterDownError,
    "CROSSSLOT": ClusterCrossSlotError,
    "MASTERDOWN": MasterDownError,
}

# Errors about the connection itself rather than one command.
_CONNECTION_ERRORS: dict[str, type[RedisError]] = {
    "LOADING": BusyLoadingError,
    "NOAUTH": AuthenticationError,
    "WRONGPASS": AuthenticationError,
}


# MODULE LOAD / UNLOAD failures, which redis-py raises as ModuleError
_MODULE_ERRORS = ("ERR Error loading the extension", "ERR Error unloading module")

# Whole "ERR ..." texts redis-py maps to a class of its own (its parser's EXCEPTION_CLASSES["ERR"],
# matched exactly as there); the module and AUTH-arity ones are matched more loosely below.
_ERR_TEXTS: dict[str, type[RedisError]] = {
    "ERR invalid password": AuthenticationError,
    # AUTH on a server with no password: Redis >= 6.0, then older servers
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?": AuthenticationError,
    "ERR Client sent AUTH, but no password is set": AuthenticationError,
    "ERR problem with LDAP service": ExternalAuthProviderError,
    "ERR no such fieldset": NoSuchFieldsetError,
}


def error_from_reply(message: str | bytes) -> RedisError:
    """Build the exception for one server error reply, chosen by its first word.

    The server's text is kept; for prefixes redis-py strips (MOVED, ASK, ...)
    the text after the prefix is passed, as redis-py does. A MOVED or ASK
    whose slot and address cannot be read becomes a plain ``ResponseError``.
    """
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    code, _, rest = message.partition(" ")
    cls = _ERROR_PREFIXES.get(code)
    if cls is not None:
        if cls in (MovedError, AskError):
            try:
                return cls(rest)
            except ValueError:  # not "<slot> <host>:<port>": no redirection to follow
                return ResponseError(message)
        return cls(message)
    conn_cls = _CONNECTION_ERRORS.get(code)
    if conn_cls is not None:
        return conn_cls(message)
    exact = _ERR_TEXTS.get(message)
    if exact is not None:
        return exact(message)
    if message.startswith("ERR max number of clients reached"):
        # the server closes the socket after this: an error about the connection (redis-py's mapping)
        return ConnectionError(message)
    if message.startswith("ERR ") and "wrong number of arguments for 'auth'" in message.lower():
        return AuthenticationWrongNumberOfArgsError(message)
    if message.startswith(_MODULE_ERRORS):
        return ModuleError(message)
    return ResponseError(message)


# -- errors handed to redis-py's own classes ---------------------------------------------------------
#
# Once ``redis.exceptions`` is loaded, ``leanredis.exception_bridge`` makes each class here a subclass
# of redis-py's class of the same name, so this twin-making is a no-op then for every class that has a
# namesake; it stays for errors made before the bridge ran (a pool's parser hook) and for classes the
# bridge could not extend.

_TWINS: dict[type[BaseException], type[BaseException]] = {}


def _twin_class(cls: type[_E], theirs_module: Any) -> type[_E]:
    """``cls``, also deriving from redis-py's class of the nearest name in its MRO (``cls`` if none)."""
    for ours in cls.__mro__:
        if ours.__module__ != __name__:
            return cls  # no leanredis class of redis-py's name above it
        theirs = getattr(theirs_module, ours.__name__, None)
        if isinstance(theirs, type) and issubclass(theirs, BaseException):
            break
    else:  # pragma: no cover - every leanredis class derives from Exception
        return cls
    if issubclass(cls, theirs):
        return cls
    namespace = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__repr__": cls.__repr__,  # ours (``ResponseError('...')``), not redis-py's ``server:ResponseError``
        # pickled as the leanredis class: the twin is not reachable by name
        "__reduce__": lambda self: (cls, self.args, self.__dict__ or None),
    }
    return type(cls.__name__, (cls, theirs), namespace)


def as_redis_py(exc: _E) -> _E:
    """``exc``, or an equal error that redis-py's handlers catch too when redis-py is loaded.

    The result is an instance of ``type(exc)`` (leanredis's handlers are unchanged) and, when
    ``redis.exceptions`` is imported, of redis-py's class of the same name (or the nearest one
    above it). Its arguments, attributes, cause and traceback are ``exc``'s.
    """
    theirs_module = sys.modules.get("redis.exceptions")
    if theirs_module is None:
        return exc
    cls = type(exc)
    twin = _TWINS.get(cls)
    if twin is None:
        twin = _TWINS[cls] = _twin_class(cls, theirs_module)
    if twin is cls:
        return exc
    try:
        made = twin(*exc.args)
    except Exception:  # noqa: BLE001 - arguments its constructor does not take back: keep the original
        return exc
    made.__dict__.update(exc.__dict__)
    made.__cause__, made.__context__ = exc.__cause__, exc.__context__
    made.__suppress_context__ = exc.__suppress_context__
    return made.with_traceback(exc.__traceback__)  # type: ignore[return-value] # a subclass of type(exc)


def redis_py_reply_error(message: str | bytes) -> RedisError:
    """``error_from_reply(message)`` as ``as_redis_py`` gives it: the parser's hook on a pool's connections."""
    return as_redis_py(error_from_reply(message))
