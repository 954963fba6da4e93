"""Keyspace notification channels and their messages: event names, typed channels, parsed notifications.

The server publishes an event on ``__keyspace@<db>__:<key>`` (the message is
the event, e.g. ``set``) and on ``__keyevent@<db>__:<event>`` (the message is
the key) when ``notify-keyspace-events`` enables them; servers with subkey
notifications add four ``__subkey...`` channel kinds carrying hash fields.
The channel classes compare equal to their channel string, so they can be
handed to ``PubSub.subscribe`` too. Nothing here does I/O: the subscribers
that read these channels are in ``keyspace_notifications``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class EventType:
    """Event names the server publishes (any string works: the server adds events over time)."""

    SET = "set"
    SETEX = "setex"
    SETNX = "setnx"
    SETRANGE = "setrange"
    INCR = "incr"
    INCRBY = "incrby"
    INCRBYFLOAT = "incrbyfloat"
    DECR = "decr"
    DECRBY = "decrby"
    APPEND = "append"
    DEL = "del"
    UNLINK = "unlink"
    RENAME = "rename"
    RENAME_FROM = "rename_from"
    RENAME_TO = "rename_to"
    COPY_TO = "copy_to"
    MOVE = "move"
    RESTORE = "restore"
    EXPIRE = "expire"
    EXPIREAT = "expireat"
    PEXPIRE = "pexpire"
    PEXPIREAT = "pexpireat"
    EXPIRED = "expired"
    PERSIST = "persist"
    EVICTED = "evicted"
    LPUSH = "lpush"
    RPUSH = "rpush"
    LPOP = "lpop"
    RPOP = "rpop"
    LINSERT = "linsert"
    LSET = "lset"
    LTRIM = "ltrim"
    LMOVE = "lmove"
    BLPOP = "blpop"
    BRPOP = "brpop"
    BLMOVE = "blmove"
    SADD = "sadd"
    SREM = "srem"
    SPOP = "spop"
    SMOVE = "smove"
    SINTERSTORE = "sinterstore"
    SUNIONSTORE = "sunionstore"
    SDIFFSTORE = "sdiffstore"
    ZADD = "zadd"
    ZINCRBY = "zincrby"
    ZREM = "zrem"
    ZREMRANGEBYRANK = "zremrangebyrank"
    ZREMRANGEBYSCORE = "zremrangebyscore"
    ZREMRANGEBYLEX = "zremrangebylex"
    ZPOPMIN = "zpopmin"
    ZPOPMAX = "zpopmax"
    BZPOPMIN = "bzpopmin"
    BZPOPMAX = "bzpopmax"
    ZINTERSTORE = "zinterstore"
    ZUNIONSTORE = "zunionstore"
    ZDIFFSTORE = "zdiffstore"
    ZRANGESTORE = "zrangestore"
    HSET = "hset"
    HSETNX = "hsetnx"
    HDEL = "hdel"
    HINCRBY = "hincrby"
    HINCRBYFLOAT = "hincrbyfloat"
    XADD = "xadd"
    XTRIM = "xtrim"
    XDEL = "xdel"
    XGROUP_CREATE = "xgroup-create"
    XGROUP_CREATECONSUMER = "xgroup-createconsumer"
    XGROUP_DELCONSUMER = "xgroup-delconsumer"
    XGROUP_DESTROY = "xgroup-destroy"
    XGROUP_SETID = "xgroup-setid"
    XSETID = "xsetid"
    XCLAIM = "xclaim"
    XAUTOCLAIM = "xautoclaim"
    XREADGROUP = "xreadgroup"
    NEW = "new"
    SORTSTORE = "sortstore"
    GETEX = "getex"
    GETDEL = "getdel"
    SETIFGT = "setifgt"
    SETIFLT = "setiflt"
    SETIFEQ = "setifeq"
    SETIFNE = "setifne"


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def is_pattern(channel: Any) -> bool:
    """True when the channel is a glob pattern (PSUBSCRIBE): an unescaped ``*``, ``?`` or ``[...]``.

    A lone ``[`` with no closing ``]`` is a literal, as the server reads it.
    """
    text = _text(channel)
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "*" or char == "?":
            return True
        if char == "[":
            j = i + 1
            while j < end:
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "]":
                    return True
                j += 1
        i += 1
    return False


def _subkeys(text: str) -> list[str]:
    """``<len>:<subkey>[,<len>:<subkey>...]`` -> the subkeys (they may contain ``,`` or ``:``)."""
    found: list[str] = []
    pos = 0
    while pos < len(text):
        colon = text.index(":", pos)
        start = colon + 1
        end = start + int(text[pos:colon])
        found.append(text[start:end])
        pos = end + 1 if text[end : end + 1] == "," else end
    return found


class ChannelType(enum.Enum):
    """The kind of a notification channel, by its prefix."""

    KEYSPACE = "keyspace"
    KEYEVENT = "keyevent"
    SUBKEYSPACE = "subkeyspace"
    SUBKEYEVENT = "subkeyevent"
    SUBKEYSPACEITEM = "subkeyspaceitem"
    SUBKEYSPACEEVENT = "subkeyspaceevent"


class _Channel:
    """A notification channel; its ``str()`` is the channel name, and it equals that string.

    A subclass's ``__init__`` names its parts (the key, the event, ...) and
    hands them here in the order they stand in the channel name.
    """

    PREFIX: ClassVar[str] = ""
    SEPARATOR: ClassVar[str] = ""  # between the parts, where there are two
    _channel_str: str
    _parts: tuple[str, ...]
    db: int

    def __init__(self, db: int, *parts: str) -> None:
        self.db, self._parts = db, parts
        self._channel_str = f"{self.PREFIX}{db}__:{self.SEPARATOR.join(parts)}"

    @property
    def is_pattern(self) -> bool:
        """True when it must be subscribed with PSUBSCRIBE."""
        return any(is_pattern(part) for part in self._parts)

    def __str__(self) -> str:
        return self._channel_str

    def __repr__(self) -> str:
        args = ", ".join(repr(part) for part in self._parts)
        return f"{type(self).__name__}({args}, db={self.db})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Channel):
            return type(other) is type(self) and other._channel_str == self._channel_str
        if isinstance(other, str):
            return other == self._channel_str
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._channel_str)


class KeyspaceChannel(_Channel):
    """``__keyspace@<db>__:<key or pattern>``: the events of matching keys (message: the event)."""

    PREFIX = "__keyspace@"

    def __init__(self, key_or_pattern: str, db: int = 0) -> None:
        self.key_or_pattern = key_or_pattern
        super().__init__(db, key_or_pattern)


class KeyeventChannel(_Channel):
    """``__keyevent@<db>__:<event or pattern>``: the keys an event touched (message: the key)."""

    PREFIX = "__keyevent@"

    def __init__(self, event: str, db: int = 0) -> None:
        self.event = event
        super().__init__(db, event)

    @classmethod
    def all_events(cls, db: int = 0) -> KeyeventChannel:
        """Every event of database ``db`` (``__keyevent@<db>__:*``)."""
        return cls("*", db=db)


class SubkeyspaceChannel(_Channel):
    """``__subkeyspace@<db>__:<key>``: events with the fields they touched (message: ``event|subkeys``)."""

    PREFIX = "__subkeyspace@"

    def __init__(self, key_or_pattern: str, db: int = 0) -> None:
        self.key_or_pattern = key_or_pattern
        super().__init__(db, key_or_pattern)


class SubkeyeventChannel(_Channel):
    """``__subkeyevent@<db>__:<event>`` (message: ``<len>:<key>|subkeys``)."""

    PREFIX = "__subkeyevent@"

    def __init__(self, event: str, db: int = 0) -> None:
        self.event = event
        super().__init__(db, event)

    @classmethod
    def all_events(cls, db: int = 0) -> SubkeyeventChannel:
        """Every subkey event of database ``db``."""
        return cls("*", db=db)


class SubkeyspaceitemChannel(_Channel):
    """``__subkeyspaceitem@<db>__:<key>\\n<subkey>`` (message: the event)."""

    PREFIX = "__subkeyspaceitem@"
    SEPARATOR = "\n"

    def __init__(self, key_or_pattern: str, subkey_or_pattern: str, db: int = 0) -> None:
        self.key_or_pattern, self.subkey_or_pattern = key_or_pattern, subkey_or_pattern
        super().__init__(db, key_or_pattern, subkey_or_pattern)


class SubkeyspaceeventChannel(_Channel):
    """``__subkeyspaceevent@<db>__:<event>|<key>`` (message: the subkeys)."""

    PREFIX = "__subkeyspaceevent@"
    SEPARATOR = "|"

    def __init__(self, event: str, key_or_pattern: str, db: int = 0) -> None:
        self.event, self.key_or_pattern = event, key_or_pattern
        super().__init__(db, event, key_or_pattern)


ChannelT = Any  # a channel object, or a channel name as str or bytes

# Longest prefixes first: "__subkeyspaceitem@" must not be read as "__subkeyspace@".
_KINDS: tuple[tuple[str, ChannelType], ...] = (
    (SubkeyspaceitemChannel.PREFIX, ChannelType.SUBKEYSPACEITEM),
    (SubkeyspaceeventChannel.PREFIX, ChannelType.SUBKEYSPACEEVENT),
    (SubkeyspaceChannel.PREFIX, ChannelType.SUBKEYSPACE),
    (SubkeyeventChannel.PREFIX, ChannelType.SUBKEYEVENT),
    (KeyspaceChannel.PREFIX, ChannelType.KEYSPACE),
    (KeyeventChannel.PREFIX, ChannelType.KEYEVENT),
)


def get_channel_type(channel: Any) -> ChannelType | None:
    """The kind of a notification channel, or None for any other channel."""
    text = _text(channel)
    for prefix, kind in _KINDS:
        if text.startswith(prefix):
            return kind
    return None


def _split_channel(text: str) -> tuple[ChannelType, int, str] | None:
    """``__<kind>@<db>__:<rest>`` -> (kind, db (-1 for ``*``), rest), or None."""
    kind = get_channel_type(text)
    if kind is None:
        return None
    db_text, sep, rest = text[len(kind.value) + 3 :].partition("__:")
    if not sep or not rest or not (db_text == "*" or db_text.isdigit()):
        return None
    return kind, (-1 if db_text == "*" else int(db_text)), rest


@dataclass
class KeyNotification:
    """One notification: the key, the event, the database, and the fields for subkey notifications.

    ``is_keyspace`` is True for the channels named after the key (keyspace,
    subkeyspace, subkeyspaceitem) and False for those named after the event.
    """

    key: str
    event_type: str
    database: int
    channel: str
    is_keyspace: bool
    data: str
    subkeys: list[str] = field(default_factory=list)

    @classmethod
    def from_message(cls, message: Mapping[str, Any] | None, key_prefix: Any = None) -> KeyNotification | None:
        """A pub/sub message dict -> a notification; None for anything else (confirmations, other channels)."""
        if not message or message.get("type") not in ("message", "pmessage"):
            return None
        channel, data = message.get("channel"), message.get("data")
        if channel is None or data is None:
            return None
        return cls.try_parse(channel, data, key_prefix)

    @classmethod
    def try_parse(cls, channel: Any, data: Any, key_prefix: Any = None) -> KeyNotification | None:
        """A channel and its message -> a notification, or None when it is not one (or malformed).

        With ``key_prefix``, a key not starting with it gives None and the prefix is stripped.
        """
        channel, data = _text(channel), _text(data)
        split = _split_channel(channel)
        if split is None:
            return None
        kind, db, rest = split
        subkeys: list[str] = []
        try:
            if kind is ChannelType.KEYSPACE:
                key, event = rest, data
            elif kind is ChannelType.KEYEVENT:
                key, event = data, rest
            elif kind is ChannelType.SUBKEYSPACE:
                event, _, listed = data.partition("|")
                key, subkeys = rest, _subkeys(listed)
            elif kind is ChannelType.SUBKEYEVENT:
                colon = data.index(":")
                start = colon + 1
                end = start + int(data[:colon])
                key, event, subkeys = data[start:end], rest, _subkeys(data[end + 1 :])
            elif kind is ChannelType.SUBKEYSPACEITEM:
                key, newline, subkey = rest.partition("\n")
                if not newline:
                    return None
                event, subkeys = data, [subkey]
            else:  # SUBKEYSPACEEVENT
                event, bar, key = rest.partition("|")
                if not bar:
                    return None
                subkeys = _subkeys(data)
        except ValueError:
            return None  # a length prefix that does not parse: not a notification we can read
        if key_prefix:
            prefix = _text(key_prefix)
            if not key.startswith(prefix):
                return None
            key = key[len(prefix) :]
        keyspace = kind in (ChannelType.KEYSPACE, ChannelType.SUBKEYSPACE, ChannelType.SUBKEYSPACEITEM)
        return cls(key, event, db, channel, keyspace, data, subkeys)

    def key_starts_with(self, prefix: Any) -> bool:
        """True when the key starts with ``prefix`` (str or bytes)."""
        return self.key.startswith(_text(prefix))


def _names(channels: tuple[ChannelT, ...]) -> tuple[list[str], list[str]]:
    """(patterns, exact channel names) of channel objects or names."""
    patterns: list[str] = []
    exact: list[str] = []
    for channel in channels:
        if isinstance(channel, _Channel):
            name, pattern = str(channel), channel.is_pattern
        elif hasattr(channel, "_channel_str"):  # redis-py's channel classes
            name = str(channel)
            pattern = is_pattern(name)
        elif isinstance(channel, (str, bytes, bytearray, memoryview)):
            name = _text(channel)
            pattern = is_pattern(name)
        else:
            raise TypeError(
                f"a keyspace notification channel is a channel object (KeyspaceChannel, ...), str or bytes, "
                f"not {type(channel).__name__}"
            )
        (patterns if pattern else exact).append(name)
    return patterns, exact


__all__ = [
    "ChannelType",
    "EventType",
    "KeyNotification",
    "KeyeventChannel",
    "KeyspaceChannel",
    "SubkeyeventChannel",
    "SubkeyspaceChannel",
    "SubkeyspaceeventChannel",
    "SubkeyspaceitemChannel",
    "get_channel_type",
    "is_pattern",
]
