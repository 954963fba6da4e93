"""The types of JSON values: what redis-py's methods take (``JsonType``), what a reply decodes to (``JSONValue``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Union

from ...typed import StrT

# a Sequence (covariant), not a list: a value JSON.GET gave (a JSONValue) can be set again as it is
JsonType = Union[str, int, float, bool, None, Mapping[str, "JsonType"], Sequence["JsonType"]]

#: Any JSON value, as ``json.loads`` gives it: JSON.GET's reply, an element JSON.ARRPOP removed, ...
JSONValue = Union[None, bool, int, float, str, list["JSONValue"], dict[str, "JSONValue"]]

#: JSON.RESP's reply as redis-py gives it: nested lists (an object is ``["{", key, value, ...]``) of strings,
#: integers and None, floats as their text; the top level's strings as str, the nested ones as the client's
#: strings (``StrT``)
JSONResp = Union[None, int, str, StrT, list["JSONResp[StrT]"]]
