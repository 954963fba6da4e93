"""Text helpers shared by the search classes (redis-py's ``to_string`` rules)."""

from __future__ import annotations

from typing import Any


def to_string(value: Any, encoding: str = "utf-8") -> Any:
    """bytes -> str, dropping undecodable bytes (redis-py's ``to_string``); anything else as is."""
    if isinstance(value, bytes):
        return value.decode(encoding, "ignore")
    return value


def text(value: Any) -> Any:
    """bytes -> str, replacing undecodable bytes (redis-py's ``str_if_bytes``); anything else as is."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
