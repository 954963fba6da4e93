"""The type of a JSON value, as redis-py names it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Union

JsonType = Union[str, int, float, bool, None, Mapping[str, "JsonType"], list["JsonType"]]
