"""What every command family shares: how a method hands a command over.

A command method builds its argument tuple and names its reply parser;
``_send(args, parse)`` (bound to the connection by the client) does the
rest: encoding, pipelining, bounds, timeouts, errors. Methods return a
``CommandFuture``: await it, gather it, or ``asyncio.create_task`` it.
Where ``execute_command`` was replaced, ``_send`` leads there (``funnel``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, Union

from ..future import CommandFuture
from ..typed import StrT
from .funnel import NOT_BLOCKING, FunnelMeta, blocking_sender, own, sender, take

# Key and value types accepted by command methods (as redis-py names them).
EncodableT = Union[bytes, bytearray, memoryview, str, int, float]
KeyT = Union[bytes, str, memoryview]
FieldT = EncodableT
ExpiryT = Union[int, float, timedelta]
AbsExpiryT = Union[int, datetime]
ResponseT = Any

Sender = Callable[[tuple[Any, ...], Any], CommandFuture[Any]]


class CommandsBase(Generic[StrT], metaclass=FunnelMeta):
    """Base of the command mixins; the client sets ``_send``. ``StrT``: bytes, or str when decoding.

    Its metaclass routes the methods through ``execute_command`` in a class where that was
    replaced (a subclass's override, a tracing tool's wrapper): see ``funnel``.
    """

    _send: Sender

    @own
    def execute_command(self, *args: Any, **options: Any) -> CommandFuture[Any]:
        """Send any command; the reply is parsed as redis-py parses that command.

        Command methods reach it when a subclass overrides it or a wrapper replaces it on the
        class; their own parsing (keyword flags included) comes along in ``options``. Other
        options are accepted for redis-py compatibility and ignored here.
        """
        args, parse, block = take(args, options)
        if block is NOT_BLOCKING:
            return sender(self)(args, parse)  # type: ignore[no-any-return]
        return blocking_sender(self)(args, parse, block)  # type: ignore[no-any-return]

    def _send_or_empty(self, args: tuple[Any, ...], empty: EmptyOnError) -> Any:
        """Send a command whose error reply stands for an empty result (redis-py's EMPTY_RESPONSE).

        Recorded as is by a pipeline (which knows the marker); elsewhere the
        reply is awaited here, so the result is a coroutine, not a CommandFuture.
        """
        sent = self._send(args, empty)
        if sent is self:
            return self  # a pipeline recorded it
        return _empty_on_error(sent, empty)


class EmptyOnError:
    """Reply parser marking a command whose error reply means "nothing": MGET of no keys gives [].

    redis-py sends ``MGET`` with no keys, and turns the server's error into
    ``[]`` (left out of a MULTI/EXEC, where it would abort the transaction);
    so do we, the pipeline by checking for this marker.
    """

    __slots__ = ("factory",)

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __call__(self, reply: Any) -> Any:
        return reply


EMPTY_LIST = EmptyOnError(list)


async def _empty_on_error(sent: Awaitable[Any], empty: EmptyOnError) -> Any:
    from ..exceptions import ResponseError

    try:
        return await sent
    except ResponseError:
        return empty.factory()


def seconds(value: ExpiryT) -> Any:
    """An expiry in seconds: a timedelta as whole seconds, anything else sent as it is (redis-py's
    EXPIRE and SETEX: the server refuses what is not an integer)."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return value


def milliseconds(value: ExpiryT) -> Any:
    """An expiry in milliseconds: a timedelta converted, anything else sent as it is."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() * 1000)
    return value


def unix_seconds(value: AbsExpiryT) -> Any:
    """An absolute time in Unix seconds: a datetime converted, anything else sent as it is."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def unix_milliseconds(value: AbsExpiryT) -> Any:
    """An absolute time in Unix milliseconds: a datetime converted, anything else sent as it is."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return value


def expiry_words(
    command: str, ex: Any, px: Any, exat: Any, pxat: Any, last: tuple[str, bool]
) -> list[Any]:
    """EX/PX/EXAT/PXAT and ``last`` (PERSIST or KEEPTTL), at most one (redis-py's checks and conversions)."""
    from ..exceptions import DataError

    if sum((ex is not None, px is not None, exat is not None, pxat is not None, last[1])) > 1:
        raise DataError(f"{command}(): ex, px, exat, pxat and {last[0]} are mutually exclusive")
    if ex is not None:
        if isinstance(ex, timedelta):
            ex = int(ex.total_seconds())
        elif isinstance(ex, str) and ex.isdigit():
            ex = int(ex)
        elif not isinstance(ex, int):
            raise DataError(f"{command}(): ex must be datetime.timedelta or int")
        return [b"EX", ex]
    if px is not None:
        if isinstance(px, timedelta):
            px = int(px.total_seconds() * 1000)
        elif not isinstance(px, int):
            raise DataError(f"{command}(): px must be datetime.timedelta or int")
        return [b"PX", px]
    if exat is not None:
        return [b"EXAT", int(exat.timestamp()) if isinstance(exat, datetime) else exat]
    if pxat is not None:
        return [b"PXAT", int(pxat.timestamp() * 1000) if isinstance(pxat, datetime) else pxat]
    return [last[0].upper().encode()] if last[1] else []


def option_word(option: Any) -> Any:
    """redis-py's DataPersistOptions / HashDataPersistOptions member, or its plain string value."""
    return getattr(option, "value", option)


_SINGLE_KEY = (bytes, str, memoryview, bytearray, int, float)


def list_or_args(keys: Any, args: tuple[Any, ...], command: str, allow_empty: bool = False) -> list[Any]:
    """One key or an iterable of keys, plus extra keys (redis-py's list_or_args); at least one
    unless ``allow_empty``."""
    from ..exceptions import DataError

    if isinstance(keys, _SINGLE_KEY):
        out = [keys]
    elif isinstance(keys, Iterable):
        out = list(keys)
    else:
        raise DataError(f"{command}() takes a key or a list of keys, not {type(keys).__name__}")
    out.extend(args)
    if not out and not allow_empty:
        raise DataError(f"{command}() needs at least one key")
    return out


def recast(obj: Any, cls: type) -> Any:
    """``obj`` (a client's pipeline) as an instance of ``cls``, a subclass of its class with a module's
    methods mixed in before it: a new object holding the same state (``__dict__``), as ``__class__``
    assignment cannot be used when the mixin's layout root differs from the class's own (a generic
    class's chain starts at ``typing.Generic``, the mixin's at ``object``)."""
    new: Any = object.__new__(cls)
    new.__dict__.update(obj.__dict__)
    return new
