"""Looking into the server: SLOWLOG, LATENCY, MEMORY, COMMAND, MODULE, DEBUG OBJECT, FUNCTION STATS.

Return types are those of redis.asyncio's default client, which reads
RESP3: where RESP2 sends a flat [name, value, ...] list for a map, it is
turned into the dict RESP3 gives. Methods redis-py refuses
(``latency_doctor``, ``latency_graph``, ``latency_histogram``,
``memory_doctor``, ``memory_help``, ``command_info``, ``command_docs``,
``debug_segfault``) raise NotImplementedError as there: send them with
``execute_command`` if you need them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NoReturn, Union

from ..future import CommandFuture
from ..typed import RespValue, StrT
from .base import CommandsBase, EncodableT, KeyT
from .parsers import bool_ok, pairs_to_dict, register, str_if_bytes, to_bool

if TYPE_CHECKING:
    from typing_extensions import NotRequired, TypedDict

    class SlowLogEntry(TypedDict):
        """An entry of SLOWLOG GET: the command's arguments joined by spaces, and its client, as bytes
        whatever decode_responses says (as redis-py gives them: arguments are cut at 128 bytes)."""

        id: int
        start_time: int
        duration: int
        command: bytes
        client_address: bytes
        client_name: bytes
        complexity: NotRequired[bytes]  # Redis Enterprise only

else:
    SlowLogEntry = dict  # what it is at run time

# MEMORY STATS: counts and ratios, the ``db.N`` entries as dicts of them
MemoryStat = Union[int, float, StrT, dict[str, Union[int, float, StrT]]]


def _map(value: Any) -> Any:
    """A RESP2 flat list (or a RESP3 map) -> dict."""
    return pairs_to_dict(value) if isinstance(value, list) else value


def _to_bytes(value: Any, encoding: str) -> Any:
    if isinstance(value, list):
        return [_to_bytes(item, encoding) for item in value]
    return value.encode(encoding) if isinstance(value, str) else value


def slowlog_reply(reply: Any, encoding: str | None = None) -> list[SlowLogEntry]:
    """SLOWLOG GET -> [{id, start_time, duration, command, client_address, client_name}, ...].

    ``command`` is the arguments joined by spaces, and it and the client fields are
    bytes even with decode_responses (as redis-py returns them: a slow command's
    arguments are cut at 128 bytes, maybe mid-character). ``encoding`` is set
    when the reply arrived decoded: the text is encoded back.
    """
    entries = []
    for item in reply:
        if encoding is not None:
            item = [_to_bytes(v, encoding) for v in item]
        entry: Any = {"id": item[0], "start_time": int(item[1]), "duration": int(item[2])}
        if isinstance(item[3], list):
            entry["command"] = b" ".join(item[3])
            extra = item[4:6] if len(item) >= 6 else ()
        else:  # Redis Enterprise puts the complexity before the arguments
            entry["complexity"] = item[3]
            entry["command"] = b" ".join(item[4])
            extra = item[5:7] if len(item) >= 7 else ()
        if extra:
            entry["client_address"], entry["client_name"] = extra
        entries.append(entry)
    return entries


def _number_if_text(value: Any) -> Any:
    # RESP2 sends MEMORY STATS ratios as bulk strings; RESP3 as doubles
    if isinstance(value, (bytes, str)):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def memory_stats_reply(reply: Any) -> dict[str, Any]:
    """MEMORY STATS -> {str: int | float | ...}; the ``db.N`` entries as dicts with str keys."""
    stats = {str_if_bytes(name): _number_if_text(value) for name, value in _map(reply).items()}
    for name, value in stats.items():
        if name.startswith("db.") and isinstance(value, (list, dict)):
            stats[name] = {str_if_bytes(k): _number_if_text(v) for k, v in _map(value).items()}
    return stats


def _key_spec(spec: Any) -> Any:
    spec = _map(spec)
    if not isinstance(spec, dict):
        return spec
    out = {}
    for name, value in spec.items():
        if str_if_bytes(name) in ("begin_search", "find_keys"):
            value = {k: _map(v) if str_if_bytes(k) == "spec" else v for k, v in _map(value).items()}
        out[name] = value
    return out


def _command_entry(entry: Any) -> list[Any]:
    # one COMMAND entry as RESP3 sends it: key specs as maps, subcommands likewise
    entry = list(entry)
    if len(entry) > 8:
        entry[8] = [_key_spec(spec) for spec in entry[8]]
        entry[9] = [_command_entry(sub) for sub in entry[9]]
    return entry


def command_reply(reply: Any) -> dict[str, dict[str, Any]]:
    """COMMAND -> {name: {name, arity, flags, first_key_pos, last_key_pos, step_count,
    acl_categories, tips, key_specifications, subcommands}}, names and flags as str."""
    commands = {}
    for raw in reply:
        entry = _command_entry(raw)
        name = str_if_bytes(entry[0])
        info: dict[str, Any] = {
            "name": name,
            "arity": int(entry[1]),
            "flags": [str_if_bytes(flag) for flag in entry[2]],
            "first_key_pos": entry[3],
            "last_key_pos": entry[4],
            "step_count": entry[5],
        }
        if len(entry) > 6:
            info["acl_categories"] = [str_if_bytes(category) for category in entry[6]]
        if len(entry) > 7:
            info["tips"], info["key_specifications"], info["subcommands"] = entry[7], entry[8], entry[9]
        commands[name] = info
    return commands


def function_stats_reply(reply: Any) -> Any:
    """FUNCTION STATS -> {running_script: None | {...}, engines: {name: {...}}} (keys as sent)."""
    if reply is None:
        return None
    stats = dict(_map(reply))
    for name, value in stats.items():
        key = str_if_bytes(name)
        if key == "engines":
            stats[name] = {engine: _map(fields) for engine, fields in _map(value).items()}
        elif key == "running_script" and value is not None:
            stats[name] = _map(value)
    return stats


_DEBUG_INT_FIELDS = ("refcount", "serializedlength", "lru", "lru_seconds_idle")


def debug_object_reply(reply: Any) -> dict[str, Any]:
    """DEBUG OBJECT "Value at:0x.. refcount:1 ..." -> {"type": "Value", "at": ..., "refcount": 1, ...}."""
    fields: dict[str, Any] = dict(token.split(":") for token in ("type:" + str_if_bytes(reply)).split())
    for name in _DEBUG_INT_FIELDS:
        if name in fields:
            fields[name] = int(fields[name])
    return fields


def module_list_reply(reply: Any) -> list[dict[Any, Any]]:
    """MODULE LIST -> one dict a module (keys as sent: bytes unless decode_responses)."""
    return [_map(module) for module in reply]


def str_list(reply: Any) -> list[Any]:
    """Names -> the same list with bytes as str."""
    return [str_if_bytes(item) for item in reply]


def _refused(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what} is not implemented, as in redis-py (its output is meant for redis-cli); "
        f"send it with execute_command() if you need it"
    )


class IntrospectionCommands(CommandsBase[StrT]):
    """SLOWLOG, LATENCY, MEMORY, COMMAND, MODULE, DEBUG OBJECT and FUNCTION STATS."""

    # -- slowlog -----------------------------------------------------------------
    def slowlog_get(self, num: int | None = None, **kwargs: Any) -> CommandFuture[list[SlowLogEntry]]:
        """The slow log, newest first (at most ``num`` entries); see ``slowlog_reply``."""
        args: tuple[Any, ...] = (b"SLOWLOG", b"GET") if num is None else (b"SLOWLOG", b"GET", num)
        options = getattr(self, "options", None)
        if options is not None and options.decode_responses:
            return self._send(args, functools.partial(slowlog_reply, encoding=options.encoding))
        return self._send(args, slowlog_reply)

    def slowlog_len(self, **kwargs: Any) -> CommandFuture[int]:
        """Number of entries in the slow log."""
        return self._send((b"SLOWLOG", b"LEN"), None)

    def slowlog_reset(self, **kwargs: Any) -> CommandFuture[bool]:
        """Empty the slow log: True."""
        return self._send((b"SLOWLOG", b"RESET"), bool_ok)

    # -- latency monitor -----------------------------------------------------------
    def latency_history(self, event: str) -> CommandFuture[list[list[int]]]:
        """[[unix time, latency ms], ...] of the ``event``'s spikes."""
        return self._send((b"LATENCY", b"HISTORY", event), None)

    def latency_latest(self) -> CommandFuture[list[list[StrT | int]]]:
        """[[event, unix time, latest ms, max ms], ...], event names as sent."""
        return self._send((b"LATENCY", b"LATEST"), None)

    def latency_reset(self, *events: str) -> CommandFuture[int]:
        """Forget the spikes of ``events`` (all if none): the number of events reset."""
        return self._send((b"LATENCY", b"RESET", *events), None)

    def latency_histogram(self, *args: Any) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError)."""
        raise _refused("LATENCY HISTOGRAM")

    def latency_doctor(self) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError)."""
        raise _refused("LATENCY DOCTOR")

    def latency_graph(self) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError)."""
        raise _refused("LATENCY GRAPH")

    # -- memory --------------------------------------------------------------------
    def memory_stats(self, **kwargs: Any) -> CommandFuture[dict[str, MemoryStat[StrT]]]:
        """Memory usage figures: {str: int | float}, per-database ``db.N`` dicts."""
        return self._send((b"MEMORY", b"STATS"), memory_stats_reply)

    def memory_purge(self, **kwargs: Any) -> CommandFuture[bool]:
        """Ask the allocator to release dirty pages: True."""
        return self._send((b"MEMORY", b"PURGE"), bool_ok)

    def memory_malloc_stats(self, **kwargs: Any) -> CommandFuture[StrT]:
        """The allocator's own statistics report, as text."""
        return self._send((b"MEMORY", b"MALLOC-STATS"), None)

    async def memory_doctor(self, **kwargs: Any) -> None:
        """Not implemented, as in redis-py (NotImplementedError when awaited)."""
        raise _refused("MEMORY DOCTOR")

    async def memory_help(self, **kwargs: Any) -> None:
        """Not implemented, as in redis-py (NotImplementedError when awaited)."""
        raise _refused("MEMORY HELP")

    # -- commands ------------------------------------------------------------------
    def command(self, **kwargs: Any) -> CommandFuture[dict[str, dict[str, RespValue[StrT | str]]]]:
        """Every command the server knows, by name; see ``command_reply`` (names, flags, categories as str;
        tips, key specifications and subcommands as the server sent them)."""
        return self._send((b"COMMAND",), command_reply)

    def command_count(self, **kwargs: Any) -> CommandFuture[int]:
        """Number of commands the server knows."""
        return self._send((b"COMMAND", b"COUNT"), None)

    def command_list(
        self, module: str | None = None, category: str | None = None, pattern: str | None = None
    ) -> CommandFuture[list[StrT]]:
        """Command names, filtered by ``module``, ACL ``category`` or glob ``pattern``."""
        args: list[Any] = [b"COMMAND", b"LIST"]
        filters = [(b"MODULE", module), (b"ACLCAT", category), (b"PATTERN", pattern)]
        if any(value is not None for _, value in filters):
            args.append(b"FILTERBY")
            for name, value in filters:
                if value is not None:
                    args += (name, value)
        return self._send(tuple(args), None)

    def command_getkeys(self, *args: EncodableT) -> CommandFuture[list[str]]:
        """The keys of the full command ``args``, as str."""
        return self._send((b"COMMAND", b"GETKEYS", *args), str_list)

    def command_getkeysandflags(self, *args: EncodableT) -> CommandFuture[list[list[StrT | list[StrT]]]]:
        """[[key, [flags]], ...] for the full command ``args``, as sent."""
        return self._send((b"COMMAND", b"GETKEYSANDFLAGS", *args), None)

    async def command_info(self, **kwargs: Any) -> None:
        """Not implemented, as in redis-py (NotImplementedError when awaited)."""
        raise _refused("COMMAND INFO")

    def command_docs(self, *args: Any) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError)."""
        raise _refused("COMMAND DOCS")

    # -- modules ---------------------------------------------------------------------
    def module_load(self, path: str, *args: EncodableT) -> CommandFuture[bool]:
        """Load the module at ``path`` with ``args``: True (ModuleError if it cannot be loaded)."""
        return self._send((b"MODULE", b"LOAD", path, *args), to_bool)

    def module_loadex(
        self, path: str, options: list[str] | None = None, args: list[str] | None = None
    ) -> CommandFuture[StrT]:
        """Load a module with CONFIG ``options`` and ARGS ``args``: the server's OK."""
        command: list[Any] = [b"MODULE", b"LOADEX", path]
        if options is not None:
            command += (b"CONFIG", *options)
        if args is not None:
            command += (b"ARGS", *args)
        return self._send(tuple(command), None)

    def module_unload(self, name: str) -> CommandFuture[bool]:
        """Unload the module ``name``: True (ModuleError if none is loaded by that name)."""
        return self._send((b"MODULE", b"UNLOAD", name), to_bool)

    def module_list(self) -> CommandFuture[list[dict[StrT, RespValue[StrT]]]]:
        """The loaded modules, one dict each (name, ver, path, args)."""
        return self._send((b"MODULE", b"LIST"), module_list_reply)

    # -- debugging -----------------------------------------------------------------
    def debug_object(self, key: KeyT, **kwargs: Any) -> CommandFuture[dict[str, str | int]]:
        """DEBUG OBJECT as a dict (needs enable-debug-command on the server); see ``debug_object_reply``."""
        return self._send((b"DEBUG", b"OBJECT", key), debug_object_reply)

    async def debug_segfault(self, **kwargs: Any) -> None:
        """Not implemented, as in redis-py (NotImplementedError when awaited)."""
        raise _refused("DEBUG SEGFAULT")

    def function_stats(self) -> CommandFuture[dict[StrT, RespValue[StrT]]]:
        """The running function (None if none) and, per engine, its library and function counts."""
        return self._send((b"FUNCTION", b"STATS"), function_stats_reply)


def as_sent(reply: Any) -> Any:
    """The reply unchanged (so that COMMAND's parser does not apply to its subcommands)."""
    return reply


register("SLOWLOG_GET", slowlog_reply)
register("SLOWLOG_RESET MEMORY_PURGE", bool_ok)
register("MEMORY_STATS", memory_stats_reply)
register("COMMAND", command_reply)
register("COMMAND_DOCS COMMAND_INFO", as_sent)
register("COMMAND_GETKEYS", str_list)
register("MODULE_LOAD MODULE_UNLOAD", to_bool)
register("MODULE_LIST", module_list_reply)
register("DEBUG_OBJECT", debug_object_reply)
register("FUNCTION_STATS", function_stats_reply)
