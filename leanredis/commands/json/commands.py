"""RedisJSON commands with redis.asyncio 8.1's names, arguments and return types.

``JSONCommands`` builds each command's arguments and names its reply parser;
where the parser depends on the namespace's decoder it comes from
``self._json_replies`` (the table's own parsers for the default decoder).
A class using it provides ``_send(args, parse)``, ``_json_encoder`` and
``_json_replies``: the ``JSON`` namespace of a client, or a pipeline made by
``r.json().pipeline()``.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from enum import Enum
from json import JSONDecodeError, JSONDecoder, JSONEncoder, loads
from typing import Any, Generic, Union

from ...exceptions import DataError
from ...future import CommandFuture
from ...typed import StrT
from ..parsers import register
from ._util import JSONResp, JsonType, JSONValue
from .decoders import (
    Decoded,
    DecodedEach,
    DecodedNumber,
    DecodedResp,
    ok_or_none,
    type_at_jsonpath,
    type_at_legacy_path,
)
from .path import Path

_ROOT = Path.root_path()

# What a command gives at a legacy path (``.a``: one value) or a JSONPath (``$..a``: one per match, None
# where a match is not of the command's type). The path is a run-time string: the type says both.
Count = Union[int, list[Union[int, None]]]
Number = Union[int, float, list[Union[int, float, None]]]


class FPHAType(str, Enum):
    """The floating-point type JSON.SET ... FPHA stores homogeneous float arrays as."""

    BF16 = "BF16"
    FP16 = "FP16"
    FP32 = "FP32"
    FP64 = "FP64"

    @classmethod
    def from_value(cls, value: FPHAType | str) -> FPHAType:
        """A member from itself or its name in any case; DataError for anything else."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).upper())
        except ValueError:
            raise DataError(f"Invalid FPHA type: {value}. Must be one of {', '.join(t.value for t in cls)}") from None


class JSONReplies:
    """The decoder-dependent reply parsers of one decoder (built once per ``JSON`` namespace)."""

    __slots__ = ("decoded", "each", "resp", "number", "legacy_number")

    def __init__(self, decoder: JSONDecoder) -> None:
        self.decoded = Decoded(decoder)
        self.each = DecodedEach(decoder)
        self.resp = DecodedResp(decoder)
        self.number = DecodedNumber(decoder)
        self.legacy_number = DecodedNumber(decoder, legacy=True)


#: The parsers of the default decoder: the command table's.
DEFAULT_REPLIES = JSONReplies(JSONDecoder())

register("JSON.ARRPOP JSON.DEBUG JSON.GET JSON.OBJKEYS JSON.TOGGLE", DEFAULT_REPLIES.decoded, (Decoded,))
register("JSON.MGET", DEFAULT_REPLIES.each, (DecodedEach,))
register("JSON.RESP", DEFAULT_REPLIES.resp, (DecodedResp,))
register("JSON.NUMINCRBY JSON.NUMMULTBY", DEFAULT_REPLIES.number, (DecodedNumber,))
register("JSON.SET JSON.MSET JSON.MERGE", ok_or_none)
register("JSON.TYPE", type_at_jsonpath, (type_at_legacy_path,))


def _is_legacy(path: str) -> bool:
    return not path.startswith("$")


def _decode_dict_keys(obj: Any) -> Any:
    """A copy of the dict with its bytes keys as UTF-8 text (``decode_keys=True``)."""
    return {key.decode("utf-8") if isinstance(key, bytes) else key: value for key, value in obj.items()}


def _deprecated(name: str, reason: str) -> None:
    warnings.warn(
        f"Call to deprecated {name}. ({reason}) -- Deprecated since version 4.0.0.", DeprecationWarning, stacklevel=3
    )


class JSONCommands(Generic[StrT]):
    """RedisJSON's commands: JSON.SET, JSON.GET, JSON.ARRAPPEND, ...; ``StrT``: the client's string type."""

    _json_encoder: JSONEncoder
    _json_replies: JSONReplies
    _send: Any  # the sender of the class using the mixin (a client's namespace, a pipeline)

    def _encode(self, obj: Any) -> str:
        return self._json_encoder.encode(obj)

    def arrappend(self, name: str, path: str | None = _ROOT, *args: JsonType) -> CommandFuture[Count]:
        """Append ``args`` to the array at ``path``: its new length (a list of lengths for a JSONPath)."""
        return self._send((b"JSON.ARRAPPEND", name, str(path), *map(self._encode, args)), None)

    def arrindex(
        self, name: str, path: str, scalar: int, start: int | None = None, stop: int | None = None
    ) -> CommandFuture[Count]:
        """Index of ``scalar`` in the array at ``path`` (-1 if absent), searched in [start, stop)."""
        pieces: list[Any] = [name, str(path), self._encode(scalar)]
        if start is not None:
            pieces.append(start)
            if stop is not None:
                pieces.append(stop)
        return self._send((b"JSON.ARRINDEX", *pieces), None)

    def arrinsert(self, name: str, path: str, index: int, *args: JsonType) -> CommandFuture[Count]:
        """Insert ``args`` before ``index`` in the array at ``path``: its new length."""
        return self._send((b"JSON.ARRINSERT", name, str(path), index, *map(self._encode, args)), None)

    def arrlen(self, name: str, path: str | None = _ROOT) -> CommandFuture[Count | None]:
        """Length of the array at ``path``."""
        return self._send((b"JSON.ARRLEN", name, str(path)), None)

    def arrpop(self, name: str, path: str | None = _ROOT, index: int | None = -1) -> CommandFuture[JSONValue]:
        """Remove and return the element at ``index`` of the array at ``path``."""
        return self._send((b"JSON.ARRPOP", name, str(path), index), self._json_replies.decoded)

    def arrtrim(self, name: str, path: str, start: int, stop: int) -> CommandFuture[Count]:
        """Keep only [start, stop] of the array at ``path``: its new length."""
        return self._send((b"JSON.ARRTRIM", name, str(path), start, stop), None)

    def type(self, name: str, path: str | None = _ROOT) -> CommandFuture[StrT | list[StrT] | None]:
        """Type name of the value at ``path`` (a list of them for a JSONPath); None for no key."""
        text = str(path)
        return self._send((b"JSON.TYPE", name, text), type_at_legacy_path if _is_legacy(text) else type_at_jsonpath)

    def resp(self, name: str, path: str | None = _ROOT) -> CommandFuture[JSONResp[StrT]]:
        """The value at ``path`` in RedisJSON's RESP form (nested lists; numbers given as strings)."""
        return self._send((b"JSON.RESP", name, str(path)), self._json_replies.resp)

    def objkeys(self, name: str, path: str | None = _ROOT) -> CommandFuture[list[str] | list[list[StrT] | None] | None]:
        """Keys of the object at ``path``."""
        return self._send((b"JSON.OBJKEYS", name, str(path)), self._json_replies.decoded)

    def objlen(self, name: str, path: str | None = _ROOT) -> CommandFuture[Count | None]:
        """Number of keys of the object at ``path``."""
        return self._send((b"JSON.OBJLEN", name, str(path)), None)

    def numincrby(self, name: str, path: str, number: int) -> CommandFuture[Number]:
        """Add ``number`` to the number at ``path``: the new value (a list for a JSONPath)."""
        text = str(path)
        replies = self._json_replies
        parse = replies.legacy_number if _is_legacy(text) else replies.number
        return self._send((b"JSON.NUMINCRBY", name, text, self._encode(number)), parse)

    def nummultby(self, name: str, path: str, number: int) -> CommandFuture[Number]:
        """Multiply the number at ``path`` by ``number`` (deprecated by RedisJSON): the new value."""
        _deprecated("nummultby", "deprecated since redisjson 1.0.0")
        text = str(path)
        replies = self._json_replies
        parse = replies.legacy_number if _is_legacy(text) else replies.number
        return self._send((b"JSON.NUMMULTBY", name, text, self._encode(number)), parse)

    def clear(self, name: str, path: str | None = _ROOT) -> CommandFuture[int]:
        """Empty the arrays and objects at ``path`` (numbers become 0): how many were cleared."""
        return self._send((b"JSON.CLEAR", name, str(path)), None)

    def delete(self, key: str, path: str | None = _ROOT) -> CommandFuture[int]:
        """Delete the value at ``path`` (the key, at the root): how many values were deleted."""
        return self._send((b"JSON.DEL", key, str(path)), None)

    forget = delete

    def get(self, name: str, *args: Any, no_escape: bool | None = False) -> CommandFuture[JSONValue]:
        """The value at the root, or at the paths ``args`` (a dict by path when several); None for no key."""
        pieces: list[Any] = [name]
        if no_escape:
            pieces.append("noescape")
        if args:
            pieces.extend(str(path) for path in args)
        else:
            pieces.append(_ROOT)
        return self._send((b"JSON.GET", *pieces), self._json_replies.decoded)

    def mget(self, keys: list[str], path: str) -> CommandFuture[list[JSONValue]]:
        """The value at ``path`` of each of ``keys`` (None where a key is missing)."""
        return self._send((b"JSON.MGET", *keys, str(path)), self._json_replies.each)

    def set(
        self,
        name: str,
        path: str,
        obj: JsonType,
        nx: bool | None = False,
        xx: bool | None = False,
        decode_keys: bool | None = False,
        fpha: FPHAType | str | None = None,
    ) -> CommandFuture[bool | None]:
        """Set the value at ``path`` to ``obj`` (only if absent: ``nx``, present: ``xx``): True, None if not set."""
        if decode_keys:
            obj = _decode_dict_keys(obj)
        pieces: list[Any] = [name, str(path), self._encode(obj)]
        if nx and xx:
            raise DataError("nx and xx are mutually exclusive: use one, the other or neither - but not both")
        if nx:
            pieces.append("NX")
        elif xx:
            pieces.append("XX")
        if fpha is not None:
            pieces += ["FPHA", FPHAType.from_value(fpha).value]
        return self._send((b"JSON.SET", *pieces), ok_or_none)

    def mset(self, triplets: list[tuple[str, str, JsonType]]) -> CommandFuture[bool | None]:
        """Set several (key, path, value) at once, atomically: True."""
        pieces: list[Any] = []
        for key, path, value in triplets:
            pieces += [key, str(path), self._encode(value)]
        return self._send((b"JSON.MSET", *pieces), ok_or_none)

    def merge(
        self, name: str, path: str, obj: JsonType, decode_keys: bool | None = False
    ) -> CommandFuture[bool | None]:
        """Merge ``obj`` into the value at ``path`` (RFC 7386: a null deletes): True."""
        if decode_keys:
            obj = _decode_dict_keys(obj)
        return self._send((b"JSON.MERGE", name, str(path), self._encode(obj)), ok_or_none)

    async def set_file(
        self,
        name: str,
        path: str,
        file_name: str,
        nx: bool | None = False,
        xx: bool | None = False,
        decode_keys: bool | None = False,
        fpha: FPHAType | str | None = None,
    ) -> bool | None:
        """``set()`` the content of the JSON file ``file_name`` (read in a thread, off the event loop)."""
        content = await asyncio.to_thread(_read_json, file_name)
        return await self.set(name, path, content, nx=nx, xx=xx, decode_keys=decode_keys, fpha=fpha)

    async def set_path(
        self,
        json_path: str,
        root_folder: str,
        nx: bool | None = False,
        xx: bool | None = False,
        decode_keys: bool | None = False,
        fpha: FPHAType | str | None = None,
    ) -> dict[str, bool]:
        """``set_file()`` every file under ``root_folder``, keyed by its path before the first dot:
        {file: True, or False where it is not JSON}."""
        files = await asyncio.to_thread(_walk, root_folder)
        results: dict[str, bool] = {}
        for file_path in files:
            try:
                # redis-py's key: the path up to its first dot (a dotted folder name cuts it short there too)
                await self.set_file(
                    file_path.split(".")[0], json_path, file_path, nx=nx, xx=xx, decode_keys=decode_keys, fpha=fpha
                )
                results[file_path] = True
            except JSONDecodeError:
                results[file_path] = False
        return results

    def strlen(self, name: str, path: str | None = None) -> CommandFuture[Count | None]:
        """Length of the string at ``path`` (the root when None)."""
        pieces: list[Any] = [name]
        if path is not None:
            pieces.append(str(path))
        return self._send((b"JSON.STRLEN", *pieces), None)

    def toggle(self, name: str, path: str | None = _ROOT) -> CommandFuture[bool | list[int | None]]:
        """Flip the boolean at ``path``: its new value (a list of 0/1 for a JSONPath)."""
        return self._send((b"JSON.TOGGLE", name, str(path)), self._json_replies.decoded)

    def strappend(self, name: str, value: str, path: str | None = _ROOT) -> CommandFuture[Count]:
        """Append ``value`` to the string at ``path``: its new length."""
        return self._send((b"JSON.STRAPPEND", name, str(path), self._encode(value)), None)

    def debug(
        self, subcommand: str, key: str | None = None, path: str | None = _ROOT
    ) -> CommandFuture[int | list[int] | list[str]]:
        """JSON.DEBUG MEMORY (bytes used by the value at ``path``) or HELP."""
        if subcommand not in ("MEMORY", "HELP"):
            raise DataError("The only valid subcommands are ", str(["MEMORY", "HELP"]))
        pieces: list[Any] = [subcommand]
        if subcommand == "MEMORY":
            if key is None:
                raise DataError("No key specified")
            pieces += [key, str(path)]
        return self._send((b"JSON.DEBUG", *pieces), self._json_replies.decoded)

    def jsonget(self, *args: Any, **kwargs: Any) -> CommandFuture[JSONValue]:
        """Deprecated alias of ``get()`` (redisjson-py's name)."""
        _deprecated("jsonget", "redisjson-py supported this, call get directly.")
        return self.get(*args, **kwargs)

    def jsonmget(self, *args: Any, **kwargs: Any) -> CommandFuture[list[JSONValue]]:
        """Deprecated alias of ``mget()`` (redisjson-py's name)."""
        _deprecated("jsonmget", "redisjson-py supported this, call get directly.")
        return self.mget(*args, **kwargs)

    def jsonset(self, *args: Any, **kwargs: Any) -> CommandFuture[bool | None]:
        """Deprecated alias of ``set()`` (redisjson-py's name)."""
        _deprecated("jsonset", "redisjson-py supported this, call get directly.")
        return self.set(*args, **kwargs)


def _read_json(file_name: str) -> Any:
    with open(file_name) as file:
        return loads(file.read())


def _walk(folder: str) -> list[str]:
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]
