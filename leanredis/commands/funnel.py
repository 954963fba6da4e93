"""``execute_command`` as the one funnel, once someone replaced it; free while nobody has.

redis.asyncio sends every command through ``execute_command(*args, **options)``, and
applications build on that: a subclass overrides it (to turn a ConnectionError into a
miss), tracing tools (opentelemetry, ddtrace, sentry) wrap it on the class. leanredis's
command methods hand their commands to ``self._send(args, parse)`` (and
``self._send_blocking(args, parse, block)``) instead, which is what keeps them cheap.
Through the funnel the command's name is a str, as redis-py's methods pass it.

So the choice is made per class, by ``FunnelMeta``: when the class is made, and again
(for it and its subclasses) whenever ``execute_command`` or ``immediate_execute_command``
is set on it or deleted from it. A class whose ``execute_command`` is not leanredis's own
(an ``own`` function, compared by identity: a wrapper made with ``functools.wraps`` or
wrapt compares equal to what it wraps) gets a ``Funnel`` in place of ``_send`` and
``_send_blocking``: the methods' calls become ``self.execute_command(*args, **options)``,
and its result (awaitable) is what the method returns. leanredis's own
``execute_command`` then sends by the direct path (``sender``). A class nobody touched
has no ``Funnel``: a method's ``self._send`` is the one attribute lookup it always was.

``options`` carry what redis-py's methods pass (``keys=`` of a keyed command), and the
method's own reply parser under ``PARSER`` (its keyword flags, ``withscores=`` or
``score_cast_func=``, are in it), the way redis-py threads ``**options`` to its response
callbacks: an override that passes ``**options`` on keeps the method's parsing; one that
drops them gets the command table's parser for the command name.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

#: The option carrying a method's reply parser through ``execute_command``.
PARSER = "_leanredis_parser"
#: The option carrying a blocking command's wait (seconds, None: no limit) through ``execute_command``.
BLOCK = "_leanredis_block"
#: Options ``execute_command`` consumes itself; a response callback gets the others, as in redis-py
#: (which drops ``keys`` before calling it).
INTERNAL = frozenset({PARSER, BLOCK, "keys"})

#: The names whose replacement makes a class funnel its commands.
WATCHED = ("execute_command", "immediate_execute_command")


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: ``take``'s block when the command is not a blocking one.
NOT_BLOCKING: Any = _Marker("NOT_BLOCKING")
_FROM_TABLE = _Marker("FROM_TABLE")

# leanredis's own implementations of the WATCHED names, by id (kept alive here, so ids stay theirs)
_OWN: dict[int, Callable[..., Any]] = {}


def own(func: Callable[..., Any]) -> Any:
    """Mark ``func`` as leanredis's own ``execute_command`` (or ``immediate_execute_command``)."""
    _OWN[id(func)] = func
    return func


class FunnelMeta(abc.ABCMeta):
    """The metaclass of the command classes: decides, per class, whether methods go through ``execute_command``.

    An ``ABCMeta``, so that ``class MyRedis(leanredis.Redis, abc.ABC)`` works as it does with redis-py
    (a metaclass of type alone conflicts with ABC's).
    """

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        _decide(cls)

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in WATCHED:
            _decide_tree(cls)

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        if name in WATCHED:
            _decide_tree(cls)


def _resolve(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def replaced(cls: type) -> bool:
    """True when ``cls``'s ``execute_command`` (or ``immediate_execute_command``) is not leanredis's own."""
    for name in WATCHED:
        found = _resolve(cls, name)
        if found is not None and id(found) not in _OWN:
            return True
    return False


def _decide(cls: type) -> None:
    funnel = replaced(cls)
    for name in ("_send", "_send_blocking"):
        current = cls.__dict__.get(name)
        if funnel:
            if isinstance(current, Funnel):
                continue
            if name == "_send" or _resolve(cls, name) is not None:
                type.__setattr__(cls, name, Funnel(name, current))
        elif isinstance(current, Funnel):
            if current.shadowed is None:
                type.__delattr__(cls, name)
            else:
                type.__setattr__(cls, name, current.shadowed)


def _decide_tree(cls: type) -> None:
    _decide(cls)
    subclasses: list[type] = type.__subclasses__(cls)
    for sub in subclasses:
        _decide_tree(sub)


def is_funneled(obj: Any) -> bool:
    """True when ``obj``'s class sends its methods' commands through ``execute_command``."""
    return isinstance(getattr(type(obj), "_send", None), Funnel)


class Funnel:
    """``_send`` / ``_send_blocking`` of a funneled class: a data descriptor, so it wins over the
    instance's own ``_send``, which stays the direct path (setting it still sets the instance's)."""

    __slots__ = ("name", "shadowed")

    def __init__(self, name: str, shadowed: Any) -> None:
        self.name = name
        self.shadowed = shadowed  # the class's own entry it stands in for (restored when unfunneled)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return FunnelSend(obj) if self.name == "_send" else FunnelBlocking(obj)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value

    def __delete__(self, obj: Any) -> None:
        del obj.__dict__[self.name]


def _options(args: tuple[Any, ...], parse: Any) -> dict[str, Any]:
    from .table import lookup

    options: dict[str, Any] = {}
    spec = lookup(args)
    if spec is not None and not spec.is_keyless:
        try:
            options["keys"] = spec.keys_of(args)
        except (ValueError, TypeError, IndexError):
            pass  # arguments the server will refuse: its error says more than ours would
    options[PARSER] = parse
    return options


def named_as_redis_py(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` with the command's name a str, as redis-py's methods pass it: overrides compare it so
    (cashews' ``if command.lower() in ["unlink", "del", "memory", "ttl"]: return 0``). The methods'
    own bytes constant is what the direct path sends; only a funneled call pays for this."""
    name = args[0]
    if name.__class__ is bytes:
        return (name.decode("ascii"), *args[1:])
    return args


class FunnelSend:
    """A funneled ``_send``: ``execute_command(*args, keys=..., PARSER=parse)``."""

    __slots__ = ("owner",)

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def __call__(self, args: tuple[Any, ...], parse: Any) -> Any:
        return self.owner.execute_command(*named_as_redis_py(args), **_options(args, parse))


class FunnelBlocking:
    """A funneled ``_send_blocking``: ``execute_command(*args, keys=..., PARSER=parse, BLOCK=block)``."""

    __slots__ = ("owner",)

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def __call__(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        options = _options(args, parse)
        options[BLOCK] = block
        return self.owner.execute_command(*named_as_redis_py(args), **options)


def direct(obj: Any, name: str) -> Any:
    """``obj``'s ``name`` (``_send`` or ``_send_blocking``) by the direct path, past any ``Funnel``."""
    found = obj.__dict__.get(name)
    if found is not None:
        return found
    owner = type(obj)
    for klass in owner.__mro__:
        found = klass.__dict__.get(name)
        if isinstance(found, Funnel):
            found = found.shadowed
        if found is not None:
            return found.__get__(obj, owner)
    raise AttributeError(f"{owner.__name__} has no {name}")


def sender(obj: Any) -> Any:
    """``obj._send`` by the direct path: what leanredis's own code sends through."""
    send = obj._send
    return direct(obj, "_send") if send.__class__ is FunnelSend else send


def blocking_sender(obj: Any) -> Any:
    """``obj._send_blocking`` by the direct path."""
    send = obj._send_blocking
    return direct(obj, "_send_blocking") if send.__class__ is FunnelBlocking else send


def take(args: tuple[Any, ...], options: dict[str, Any]) -> tuple[tuple[Any, ...], Any, Any]:
    """``execute_command``'s arguments as (args, parser, block): "CONFIG GET" split as redis-py does,
    the parser a method passed (else the command table's), the wait of a blocking command (else
    ``NOT_BLOCKING``). ``options`` loses what is taken."""
    if not args:
        from ..exceptions import DataError

        raise DataError("execute_command() needs at least the command name")
    if isinstance(args[0], str) and " " in args[0]:
        args = (*args[0].split(), *args[1:])
    parse = options.pop(PARSER, _FROM_TABLE) if options else _FROM_TABLE
    block = options.pop(BLOCK, NOT_BLOCKING) if options else NOT_BLOCKING
    if parse is _FROM_TABLE:
        from .table import lookup

        spec = lookup(args)
        parse = None if spec is None else spec.parser
    return args, parse, block
