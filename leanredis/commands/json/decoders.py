"""Reading RedisJSON replies: the decoding redis.asyncio 8.1 applies, with its default options.

redis-py's default client speaks RESP3 and gives RESP2-era ("legacy") shapes;
these parsers give those shapes from a RESP2 or a RESP3 reply alike. A
reply is decoded with the ``JSONDecoder`` the caller chose; what does not
decode as JSON is given back as redis-py gives it (a list of strings, a
number-looking string as a number, anything else as it came).
"""

from __future__ import annotations

import re
from json import JSONDecodeError, JSONDecoder
from typing import Any

_FLOAT = re.compile(r"^\d+.\d+$")
_INT = re.compile(r"^\d+$")


def nativestr(value: Any) -> Any:
    """bytes -> str; the string ``null`` -> None; anything else as is (redis-py's rule for module replies)."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None if text == "null" else text


def _unstring(text: str) -> Any:
    # redis-py's "best effort": digits[any char]digits is a float, digits an int (no sign, on purpose)
    found = _FLOAT.findall(text)
    if found:
        return float(found[0])
    found = _INT.findall(text)
    if found:
        return int(found[0])
    return text


def _best_effort(value: Any) -> Any:
    if isinstance(value, list):
        return [nativestr(item) for item in value]
    if isinstance(value, bytes):
        return _unstring(nativestr(value))  # type: ignore[arg-type]
    if isinstance(value, str):
        return _unstring(value)
    return value


def decode_json(decoder: JSONDecoder, reply: Any) -> Any:
    """A reply through ``decoder``, falling back as redis-py's ``JSON._decode`` does.

    The decoder sees the reply as it came first (a custom decoder may take
    bytes), then as text; a decoded ``null`` is tried again as text. A bytes
    reply that is not JSON raises ``JSONDecodeError``, as it does in redis-py.
    """
    if reply is None:
        return None
    try:
        value = decoder.decode(reply)
        if value is None:
            raise TypeError("null")  # try again as text, as redis-py does
        return value
    except TypeError:
        if not hasattr(reply, "decode"):
            return _best_effort(reply)
        return decoder.decode(reply.decode())
    except (AttributeError, JSONDecodeError):
        return _best_effort(reply)


def floats_to_str(value: Any) -> Any:
    """Every float in a (nested) list as its ``str()``: JSON.RESP's numbers as redis-py gives them."""
    if isinstance(value, list):
        return [floats_to_str(item) for item in value]
    if isinstance(value, float):
        return str(value)
    return value


class Decoded:
    """A reply decoded as JSON by the decoder of a ``JSON`` namespace (JSON.GET, JSON.ARRPOP, ...)."""

    __slots__ = ("decoder",)

    def __init__(self, decoder: JSONDecoder) -> None:
        self.decoder = decoder

    def __call__(self, reply: Any) -> Any:
        return decode_json(self.decoder, reply)


class DecodedEach(Decoded):
    """JSON.MGET: each value of the list decoded, missing keys left None."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        decoder = self.decoder
        return [None if item is None else decode_json(decoder, item) for item in reply]


class DecodedResp(Decoded):
    """JSON.RESP: decoded, then its floats as strings (RESP3 sends them as doubles, RESP2 as text)."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        return floats_to_str(decode_json(self.decoder, reply))


class DecodedNumber(Decoded):
    """JSON.NUMINCRBY/NUMMULTBY: a legacy path (``.a``) gives one number, a JSONPath (``$.a``) a list.

    RESP2 sends the number (or the list) as JSON text; RESP3 always a list.
    """

    __slots__ = ("legacy",)

    def __init__(self, decoder: JSONDecoder, legacy: bool = False) -> None:
        super().__init__(decoder)
        self.legacy = legacy

    def __call__(self, reply: Any) -> Any:
        value = decode_json(self.decoder, reply)
        if self.legacy and isinstance(value, list) and len(value) == 1:
            return value[0]
        return value


def ok_or_none(reply: Any) -> bool | None:
    """JSON.SET/MSET/MERGE: True on OK, None when NX/XX stopped it."""
    if reply is None:
        return None
    return bool(reply) and nativestr(reply) == "OK"


def type_at_legacy_path(reply: Any) -> Any:
    """JSON.TYPE at a legacy path: the type name (RESP3 wraps it in a list), None for nothing there."""
    if isinstance(reply, list) and len(reply) == 1:
        return reply[0]
    return reply


def type_at_jsonpath(reply: Any) -> Any:
    """JSON.TYPE at a JSONPath: the list of type names (RESP3 wraps it once more), None for no key."""
    if isinstance(reply, list) and len(reply) == 1 and (reply[0] is None or isinstance(reply[0], list)):
        return reply[0]
    return reply
