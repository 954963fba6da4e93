"""Commands that go to several nodes: keys split by slot, keyless commands sent to every primary.

The parts are ordinary node commands (each redirected on its own if its
slot moves); one ``CommandFuture`` is handed to the caller and resolved
when every part has answered, with the parts' replies put back together:
values in the caller's key order (MGET), counts summed (DEL, EXISTS),
all-OK (MSET, FLUSHDB). The first part to fail fails the caller; the
other parts' errors are read so none is reported as never retrieved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ..future import NO_DEADLINE, CommandFuture
from .slots import key_slot


class Joined:
    """The done callback of every part: resolves ``result`` once all parts are done."""

    __slots__ = ("result", "parts", "remaining", "combine")

    def __init__(self, result: CommandFuture[Any], parts: list[Any], combine: Callable[[list[Any]], Any]) -> None:
        self.result = result
        self.parts = parts
        self.remaining = len(parts)
        self.combine = combine

    def __call__(self, part: asyncio.Future[Any]) -> None:
        self.remaining -= 1
        result = self.result
        error = None if part.cancelled() else part.exception()  # read: never "never retrieved"
        if result.done():
            return
        if part.cancelled():
            result.cancel()
            return
        if error is not None:
            result.set_exception(error)
            return
        if self.remaining == 0:
            try:
                value = self.combine([p.result() for p in self.parts])
            except Exception as exc:  # a part's reply of an unexpected shape: the caller's error
                result.set_exception(exc)
                return
            finally:
                self.parts = []
            result.set_result(value)


def join(
    loop: asyncio.AbstractEventLoop, name: Any, parts: list[Any], combine: Callable[[list[Any]], Any]
) -> CommandFuture[Any]:
    """One future for ``parts``: ``combine(results in parts' order)`` once all succeeded."""
    result: CommandFuture[Any] = CommandFuture(loop=loop)
    result.parse = None
    result.name = name
    result.deadline = NO_DEADLINE
    result.payload = None
    joined = Joined(result, parts, combine)
    for part in parts:
        part.add_done_callback(joined)
    return result


# -- keys split by slot ---------------------------------------------------------------------

#: The multi-key commands that may be split by slot, and how their keys sit in the arguments:
#: the number of arguments per key (MSET: key and value) and how the parts' replies combine.
SPLITTABLE: dict[str, tuple[int, str]] = {
    "MGET": (1, "ordered"),
    "MSET": (2, "all"),
    "DEL": (1, "sum"),
    "UNLINK": (1, "sum"),
    "EXISTS": (1, "sum"),
    "TOUCH": (1, "sum"),
}


def split_by_slot(args: Sequence[Any], width: int) -> dict[int, list[int]]:
    """Slot -> indexes (into the key groups of ``width`` arguments after the name), in the caller's order."""
    groups: dict[int, list[int]] = {}
    for index in range((len(args) - 1) // width):
        groups.setdefault(key_slot(args[1 + index * width]), []).append(index)
    return groups


def part_args(args: Sequence[Any], width: int, indexes: list[int]) -> tuple[Any, ...]:
    out: list[Any] = [args[0]]
    for index in indexes:
        start = 1 + index * width
        out.extend(args[start : start + width])
    return tuple(out)


class Ordered:
    """MGET: every part's values put back at their keys' places."""

    __slots__ = ("indexes", "count")

    def __init__(self, indexes: list[list[int]], count: int) -> None:
        self.indexes = indexes
        self.count = count

    def __call__(self, results: list[Any]) -> list[Any]:
        out: list[Any] = [None] * self.count
        for indexes, values in zip(self.indexes, results):
            for index, value in zip(indexes, values):
                out[index] = value
        return out


def all_true(results: list[Any]) -> bool:
    return all(results)


def first(results: list[Any]) -> Any:
    return results[0]


def concatenated(results: list[Any]) -> list[Any]:
    out: list[Any] = []
    for part in results:
        out.extend(part)
    return out


def all_of_each(results: list[Any]) -> list[bool]:
    """SCRIPT EXISTS: a script exists when every primary has it."""
    return [all(flags) for flags in zip(*results)]


#: Keyless commands sent to every primary (the table's ``all_primaries``/``all_nodes``), and how
#: their replies combine; other such commands go to the default node, as redis-py sends them.
TO_ALL_PRIMARIES: dict[str, Callable[[list[Any]], Any]] = {
    "DBSIZE": sum,
    "KEYS": concatenated,
    "FLUSHDB": all_true,
    "FLUSHALL": all_true,
    "PING": all_true,
    "SCRIPT LOAD": first,
    "SCRIPT FLUSH": all_true,
    "SCRIPT EXISTS": all_of_each,
    "FUNCTION LOAD": first,
    "FUNCTION DELETE": all_true,
    "FUNCTION FLUSH": all_true,
    "FUNCTION RESTORE": all_true,
}

COMBINERS: dict[str, Callable[[list[Any]], Any]] = {"sum": sum, "all": all_true}

__all__ = ["COMBINERS", "SPLITTABLE", "TO_ALL_PRIMARIES", "Ordered", "join", "part_args", "split_by_slot"]
