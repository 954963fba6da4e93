"""Lua scripts (EVAL, SCRIPT ...) and functions (FCALL, FUNCTION ...), as redis.asyncio has them.

Script and function replies are passed through as the server sent them
(redis-py applies no callback to EVAL/FCALL either): a ``RespValue``, any
value of RESP, since what a script returns is the script's to choose.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import DataError
from ..future import CommandFuture, raw_reply
from ..script import Script, ScriptTextT
from ..typed import RespValue, StrT
from .base import CommandsBase, EncodableT, KeyT
from .parsers import bool_ok, register, str_if_bytes


def script_exists_reply(reply: Any) -> list[bool]:
    """SCRIPT EXISTS [0, 1, ...] -> [False, True, ...]."""
    return [bool(flag) for flag in reply]


def function_list_reply(reply: Any) -> Any:
    """FUNCTION LIST: redis-py's legacy shape, a flat [key, value, ...] list per library.

    RESP3 sends each library, and each function inside ``functions``, as a
    map; they are flattened back to the RESP2 lists.
    """
    if reply is None:
        return None
    libraries = []
    for library in reply:
        if not isinstance(library, dict):
            libraries.append(library)
            continue
        flat: list[Any] = []
        for key, value in library.items():
            if key == b"functions" or key == "functions":
                value = [_flatten_map(function) for function in value]
            flat += (key, value)
        libraries.append(flat)
    return libraries


def _flatten_map(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    flat: list[Any] = []
    for pair in item.items():
        flat.extend(pair)
    return flat


class ScriptingCommands(CommandsBase[StrT]):
    """EVAL/EVALSHA, the script cache, ``register_script``, and Redis 7 functions."""

    # -- scripts ------------------------------------------------------------
    def eval(
        self, script: ScriptTextT, numkeys: int, *keys_and_args: KeyT | EncodableT
    ) -> CommandFuture[RespValue[StrT]]:
        """Run a Lua script: ``numkeys`` keys first, then arguments. The script's reply as sent."""
        return self._send((b"EVAL", script, numkeys, *keys_and_args), None)

    def eval_ro(
        self, script: ScriptTextT, numkeys: int, *keys_and_args: KeyT | EncodableT
    ) -> CommandFuture[RespValue[StrT]]:
        """Run a read-only Lua script (EVAL_RO)."""
        return self._send((b"EVAL_RO", script, numkeys, *keys_and_args), None)

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: KeyT | EncodableT) -> CommandFuture[RespValue[StrT]]:
        """Run a cached script by SHA1; NoScriptError if the server does not have it."""
        return self._send((b"EVALSHA", sha, numkeys, *keys_and_args), None)

    def evalsha_ro(self, sha: str, numkeys: int, *keys_and_args: KeyT | EncodableT) -> CommandFuture[RespValue[StrT]]:
        """Run a cached read-only script by SHA1 (EVALSHA_RO)."""
        return self._send((b"EVALSHA_RO", sha, numkeys, *keys_and_args), None)

    def script_exists(self, *args: str) -> CommandFuture[list[bool]]:
        """For each SHA1, True if the script cache holds it."""
        if not args:
            raise DataError("script_exists() needs at least one SHA1")
        return self._send((b"SCRIPT", b"EXISTS", *args), script_exists_reply)

    def script_flush(self, sync_type: str | None = None) -> CommandFuture[bool]:
        """Empty the script cache (``sync_type`` "SYNC" or "ASYNC"; None: the server's default): True."""
        if sync_type is None:
            return self._send((b"SCRIPT", b"FLUSH"), bool_ok)
        if sync_type not in ("SYNC", "ASYNC"):
            raise DataError(f"script_flush(): sync_type must be 'SYNC', 'ASYNC' or None, not {sync_type!r}")
        return self._send((b"SCRIPT", b"FLUSH", sync_type), bool_ok)

    def script_kill(self) -> CommandFuture[bool]:
        """Kill the running script (one that has not written): True."""
        return self._send((b"SCRIPT", b"KILL"), bool_ok)

    def script_load(self, script: ScriptTextT) -> CommandFuture[str]:
        """Load a script into the cache: its SHA1 as str."""
        return self._send((b"SCRIPT", b"LOAD", script), str_if_bytes)

    def script_debug(self, *args: Any) -> None:
        """Not supported: SCRIPT DEBUG needs an interactive session (redis-py refuses it too)."""
        raise NotImplementedError("SCRIPT DEBUG is not supported by the client: use redis-cli --ldb")

    def register_script(self, script: ScriptTextT) -> Script:
        """A ``Script`` for ``script``: ``await s(keys=[...], args=[...])`` runs it by SHA1, loading it when needed."""
        return Script(self, script)

    # -- functions ----------------------------------------------------------
    def fcall(self, function: str, numkeys: int, *keys_and_args: Any) -> CommandFuture[RespValue[StrT]]:
        """Call a function: ``numkeys`` keys first, then arguments. Its reply as sent."""
        return self._send((b"FCALL", function, numkeys, *keys_and_args), None)

    def fcall_ro(self, function: str, numkeys: int, *keys_and_args: Any) -> CommandFuture[RespValue[StrT]]:
        """Call a read-only function (FCALL_RO)."""
        return self._send((b"FCALL_RO", function, numkeys, *keys_and_args), None)

    def function_load(self, code: str, replace: bool | None = False) -> CommandFuture[StrT]:
        """Load a library (its code starts with ``#!lua name=<library>``): the library name.

        ``replace`` overwrites a library of that name instead of failing.
        """
        if replace:
            return self._send((b"FUNCTION", b"LOAD", b"REPLACE", code), None)
        return self._send((b"FUNCTION", b"LOAD", code), None)

    def function_delete(self, library: str) -> CommandFuture[bool]:
        """Delete a library and its functions: True."""
        return self._send((b"FUNCTION", b"DELETE", library), bool_ok)

    def function_flush(self, mode: str = "SYNC") -> CommandFuture[bool]:
        """Delete every library (``mode`` "SYNC" or "ASYNC"): True."""
        return self._send((b"FUNCTION", b"FLUSH", mode), bool_ok)

    def function_list(
        self, library: str | None = "*", withcode: bool | None = False
    ) -> CommandFuture[list[list[RespValue[StrT]]]]:
        """Libraries whose name matches ``library``, each a flat [key, value, ...] list (redis-py's shape)."""
        args: list[Any] = [b"FUNCTION", b"LIST", b"LIBRARYNAME", library]
        if withcode:
            args.append(b"WITHCODE")
        return self._send(tuple(args), function_list_reply)

    def function_dump(self) -> CommandFuture[bytes]:
        """Every library serialized, as bytes for ``function_restore``."""
        return self._send((b"FUNCTION", b"DUMP"), raw_reply)

    def function_restore(self, payload: bytes, policy: str | None = "APPEND") -> CommandFuture[bool]:
        """Restore libraries from ``function_dump`` (``policy`` APPEND, FLUSH or REPLACE): True."""
        if policy is None:
            return self._send((b"FUNCTION", b"RESTORE", payload), bool_ok)
        return self._send((b"FUNCTION", b"RESTORE", payload, policy), bool_ok)

    def function_kill(self) -> CommandFuture[StrT]:
        """Kill the running function (one that has not written): the server's status reply."""
        return self._send((b"FUNCTION", b"KILL"), None)


register("SCRIPT_EXISTS", script_exists_reply)
register("SCRIPT_FLUSH SCRIPT_KILL FUNCTION_DELETE FUNCTION_FLUSH FUNCTION_RESTORE", bool_ok)
register("SCRIPT_LOAD", str_if_bytes)
register("FUNCTION_LIST", function_list_reply)
register("FUNCTION_DUMP", raw_reply)
