"""Server and connection commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import InfoValue, StrT
from .base import CommandsBase, EncodableT, KeyT
from .parsers import bool_ok, pairs_to_dict, ping_reply, register, str_if_bytes


class ServerCommands(CommandsBase[StrT]):
    """PING, INFO, CONFIG, CLIENT and friends."""

    def ping(self, **kwargs: Any) -> CommandFuture[bool]:
        """True when the server answers PONG."""
        return self._send((b"PING",), ping_reply)

    def echo(self, value: EncodableT, **kwargs: Any) -> CommandFuture[StrT]:
        """The value, echoed by the server."""
        return self._send((b"ECHO", value), None)

    def flushdb(self, asynchronous: bool = False, **kwargs: Any) -> CommandFuture[bool]:
        """Delete every key of the selected database: True."""
        args: tuple[Any, ...] = (b"FLUSHDB", b"ASYNC") if asynchronous else (b"FLUSHDB",)
        return self._send(args, bool_ok)

    def flushall(self, asynchronous: bool = False, **kwargs: Any) -> CommandFuture[bool]:
        """Delete every key of every database: True."""
        args: tuple[Any, ...] = (b"FLUSHALL", b"ASYNC") if asynchronous else (b"FLUSHALL",)
        return self._send(args, bool_ok)

    def info(self, section: str | None = None, *args: str, **kwargs: Any) -> CommandFuture[dict[str, InfoValue]]:
        """INFO parsed into a dict, values as int, float, str, list or dict (as redis-py parses it)."""
        if section is None:
            return self._send((b"INFO",), info_reply)
        return self._send((b"INFO", section, *args), info_reply)

    def dbsize(self, **kwargs: Any) -> CommandFuture[int]:
        """Number of keys in the selected database."""
        return self._send((b"DBSIZE",), None)

    def time(self, **kwargs: Any) -> CommandFuture[tuple[int, int]]:
        """Server time: (seconds, microseconds)."""
        return self._send((b"TIME",), time_reply)

    def lastsave(self, **kwargs: Any) -> CommandFuture[datetime.datetime | None]:
        """Time of the last successful save to disk, as a local datetime."""
        return self._send((b"LASTSAVE",), timestamp_reply)

    def config_get(
        self, pattern: EncodableT = "*", *args: EncodableT, **kwargs: Any
    ) -> CommandFuture[dict[str, str | None]]:
        """Configuration parameters matching the pattern(s): {name: value} as str."""
        return self._send((b"CONFIG", b"GET", pattern, *args), config_reply)

    def config_set(self, name: KeyT, value: EncodableT, *args: EncodableT, **kwargs: Any) -> CommandFuture[bool]:
        """Set configuration parameter(s) (``*args``: more name, value pairs): True."""
        return self._send((b"CONFIG", b"SET", name, value, *args), bool_ok)

    def client_setname(self, name: str, **kwargs: Any) -> CommandFuture[bool]:
        """Name this connection: True."""
        return self._send((b"CLIENT", b"SETNAME", name), bool_ok)

    def client_getname(self, **kwargs: Any) -> CommandFuture[str | None]:
        """This connection's name as str (even without decode_responses), or None."""
        return self._send((b"CLIENT", b"GETNAME"), str_if_bytes)

    def client_id(self, **kwargs: Any) -> CommandFuture[int]:
        """This connection's id."""
        return self._send((b"CLIENT", b"ID"), None)

    def client_info(self, **kwargs: Any) -> CommandFuture[dict[str, str | int]]:
        """This connection, as a dict of str (counters such as id, age, db as int)."""
        return self._send((b"CLIENT", b"INFO"), client_info_reply)

    def client_list(
        self, _type: str | None = None, client_id: Sequence[EncodableT] = ()
    , **kwargs: Any) -> CommandFuture[list[dict[str, str]]]:
        """Connected clients, each a dict of str; filter by ``_type`` or by ids."""
        args: list[Any] = [b"CLIENT", b"LIST"]
        if _type is not None:
            if str(_type).lower() not in _CLIENT_TYPES:
                raise DataError(f"client_list(): _type must be one of {', '.join(_CLIENT_TYPES)}, not {_type!r}")
            args += (b"TYPE", _type)
        if isinstance(client_id, (str, bytes)) or not isinstance(client_id, Sequence):
            raise DataError(f"client_list(): client_id must be a list of ids, not {type(client_id).__name__}")
        if client_id:
            args.append(b"ID")
            args.extend(client_id)
        return self._send(tuple(args), client_list_reply)

    def memory_usage(self, key: KeyT, samples: int | None = None, **kwargs: Any) -> CommandFuture[int | None]:
        """Bytes used by the key and its value, or None if it does not exist."""
        if isinstance(samples, int) and not isinstance(samples, bool):
            return self._send((b"MEMORY", b"USAGE", key, b"SAMPLES", samples), None)
        return self._send((b"MEMORY", b"USAGE", key), None)


_CLIENT_TYPES = ("normal", "master", "replica", "pubsub")
# CLIENT INFO fields redis-py turns into int
_CLIENT_INT_FIELDS = frozenset(
    "id age idle db sub psub multi qbuf qbuf-free obl argv-mem oll omem tot-mem".split()
)


def _info_value(text: str) -> Any:
    # "k=v,k2=v2" -> dict; "a,b" -> list; numbers -> int/float; else the text
    if "=" in text:
        fields: dict[str, Any] = {}
        for item in text.split(","):
            if not item:
                continue
            name, sep, value = item.rpartition("=")
            if sep:
                fields[name] = _info_value(value)
            else:
                fields[value] = True
        return fields
    if "," in text:
        return [_info_value(item) for item in text.split(",") if item]
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def info_reply(reply: Any) -> dict[str, Any]:
    """INFO text (bulk string, or RESP3 verbatim string) -> dict, as redis-py parses it.

    ``# Section`` lines are skipped; ``module:...`` lines collect under
    ``"modules"``; a line without ``:`` goes to the ``"__raw__"`` list.
    """
    info: dict[str, Any] = {}
    for line in str_if_bytes(reply).splitlines():
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            info.setdefault("__raw__", []).append(line)
        elif key == "module":
            info.setdefault("modules", []).append(_info_value(value))
        else:
            if key == "cmdstat_host":  # the one key that holds a ':' itself
                key, _, value = line.rpartition(":")
            info[key] = _info_value(value)
    return info


def time_reply(reply: Any) -> tuple[int, int]:
    """TIME [seconds, microseconds] (strings) -> (int, int)."""
    return int(reply[0]), int(reply[1])


def timestamp_reply(reply: Any) -> datetime.datetime | None:
    """A Unix timestamp reply -> local datetime (None for 0 or a non-number)."""
    if not reply:
        return None
    try:
        return datetime.datetime.fromtimestamp(int(reply))
    except ValueError:
        return None


def config_reply(reply: Any) -> dict[Any, Any]:
    """CONFIG GET: [name, value, ...] (RESP2) or a map (RESP3) -> {str: str}."""
    if not reply:
        return {}
    if reply.__class__ is not dict:
        reply = pairs_to_dict(reply)
    return {str_if_bytes(name): str_if_bytes(value) for name, value in reply.items()}


def client_list_reply(reply: Any) -> list[dict[str, str]]:
    """CLIENT LIST text -> [{field: value}, ...], one dict a line, every value a str.

    A token without ``=`` continues the previous value (a Unix socket path
    with a space in it).
    """
    clients = []
    for line in str_if_bytes(reply).splitlines():
        client: dict[str, str] = {}
        last = ""
        for token in line.split(" "):
            name, sep, value = token.partition("=")
            if sep:
                client[name] = value
                last = name
            elif last:
                client[last] += " " + token
        if client:
            clients.append(client)
    return clients


def client_info_reply(reply: Any) -> dict[str, Any]:
    """CLIENT INFO text -> {field: value}, the counters redis-py converts as int."""
    client: dict[str, Any] = {}
    for token in str_if_bytes(reply).split():
        name, _, value = token.partition("=")
        client[name] = int(value) if name in _CLIENT_INT_FIELDS else value
    return client


register("INFO", info_reply)
register("TIME", time_reply)
register("LASTSAVE", timestamp_reply)
register("CONFIG_GET", config_reply)
register("CLIENT_GETNAME", str_if_bytes)
register("CLIENT_INFO", client_info_reply)
register("CLIENT_LIST", client_list_reply)
