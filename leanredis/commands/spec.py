"""What a command is: ``CommandSpec`` and the key-search forms of the command table.

A ``CommandSpec`` says where a command's keys are (the server's legacy
first/last/step, plus a ``KeySearch`` for the movable forms), its flags as
``COMMAND INFO`` reports them, which nodes a cluster sends it to, and the
parser ``execute_command`` applies to its reply. The cluster router reads
``keys_of``, the retry policy reads ``readonly``, ``execute_command`` reads
``parser``. The rows are in ``table_data``, the built table in ``table``.

Positions count from the command name at 0, as the server counts them; a
subcommand is one argument: ``(b"OBJECT", b"FREQ", key)`` has its key at 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: Where a cluster sends a command. ``keys``: the node owning the keys' slot
#: (all keys in one slot); ``multi_shard``: the same, but the client may split
#: the keys by slot (the server's ``request_policy:multi_shard``, MGET/DEL...);
#: ``slot``: the node owning the slot named in the arguments (CLUSTER
#: COUNTKEYSINSLOT...); ``all_nodes`` / ``all_primaries``: every node or every
#: primary; ``random``: any primary; ``default_node``: the client's default node; ``needs_target``: no
#: node (a module command selecting data by other means than keys, TS.MGET): refused unless the caller
#: names ``target_nodes``, as redis-py's cluster refuses it.
ROUTES = frozenset(
    {"keys", "multi_shard", "slot", "all_nodes", "all_primaries", "random", "default_node", "needs_target"}
)

#: The server flags a spec declares (others, such as loading or stale, are left out:
#: nothing in the client reads them).
DECLARED_FLAGS = frozenset(
    {"readonly", "write", "denyoom", "admin", "pubsub", "noscript", "blocking", "fast", "movablekeys", "may_replicate"}
)

#: Commands whose subcommand is part of the name ("CONFIG GET", "XINFO STREAM");
#: a subcommand the table lacks falls back to the container's row.
CONTAINERS = frozenset(
    {
        "ACL", "CLIENT", "CLUSTER", "COMMAND", "COMMANDLOG", "CONFIG", "DEBUG", "FUNCTION", "LATENCY",
        "MEMORY", "MODULE", "OBJECT", "PUBSUB", "SCRIPT", "SENTINEL", "SLOWLOG", "XGROUP", "XINFO",
    }
)  # fmt: skip


def _upper(arg: Any) -> str:
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return bytes(arg).decode("utf-8", "replace").upper()
    return str(arg).upper()


class KeySearch:
    """A movable key form: finds the keys a legacy first/last/step cannot describe."""

    __slots__ = ()

    #: True when the keys found replace the legacy range (MIGRATE ... "" ... KEYS k1 k2).
    replaces_range = False

    def keys(self, args: Sequence[Any]) -> list[Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class NumKeys(KeySearch):
    """``numkeys`` at ``at``, then that many keys (every ``step``-th argument): EVAL, ZUNION, LMPOP."""

    at: int
    step: int = 1

    def keys(self, args: Sequence[Any]) -> list[Any]:
        if len(args) <= self.at:
            return []
        count = int(args[self.at])
        first = self.at + 1
        return list(args[first : first + count * self.step : self.step])


@dataclass(frozen=True, slots=True)
class Streams(KeySearch):
    """After the ``STREAMS`` keyword (searched from ``start``), the first half of the rest: XREAD."""

    start: int

    def keys(self, args: Sequence[Any]) -> list[Any]:
        for i in range(self.start, len(args)):
            if _upper(args[i]) == "STREAMS":
                rest = args[i + 1 :]
                return list(rest[: len(rest) // 2])
        return []


@dataclass(frozen=True, slots=True)
class KeywordKeys(KeySearch):
    """For each of ``words`` in turn, the argument after its first occurrence from ``start``.

    The server's keyword key specs: GEORADIUS ... STORE a STOREDIST b has keys
    a and b (the server checks both for CROSSSLOT, though it writes only b).
    """

    words: tuple[str, ...]
    start: int

    def keys(self, args: Sequence[Any]) -> list[Any]:
        upper = [_upper(arg) for arg in args[self.start : -1]]
        found = []
        for word in self.words:
            if word in upper:
                found.append(args[self.start + upper.index(word) + 1])
        return found


@dataclass(frozen=True, slots=True)
class SortStore(KeySearch):
    """SORT ... STORE dest: the last STORE wins; LIMIT, GET and BY values are skipped (the server's scan)."""

    def keys(self, args: Sequence[Any]) -> list[Any]:
        skip = {"LIMIT": 2, "GET": 1, "BY": 1}
        found = None
        i = 2
        while i < len(args):
            word = _upper(args[i])
            if word == "STORE" and i + 1 < len(args):
                found = args[i + 1]  # no skip past it: the server reads on from the key
            i += 1 + skip.get(word, 0)
        return [] if found is None else [found]


@dataclass(frozen=True, slots=True)
class MigrateKeys(KeySearch):
    """MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key ...]."""

    replaces_range = True

    def keys(self, args: Sequence[Any]) -> list[Any]:
        skip = {"AUTH": 1, "AUTH2": 2}
        i = 6
        while i < len(args):
            word = _upper(args[i])
            if word == "KEYS":
                return list(args[i + 1 :])
            i += 1 + skip.get(word, 0)
        return list(args[3:4])


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: name, key positions, flags, cluster route, reply parser."""

    name: str
    first: int
    last: int
    step: int
    flags: frozenset[str]
    route: str = "keys"
    search: KeySearch | None = None
    parser: Callable[[Any], Any] | None = None
    #: Parsers of the command's other reply forms (HSCAN ... NOVALUES, ZRANGE ... WITHSCORES).
    variants: tuple[Any, ...] = ()

    @property
    def readonly(self) -> bool:
        """The server flags it readonly: safe to re-send after a lost reply."""
        return "readonly" in self.flags

    @property
    def blocking(self) -> bool:
        """It may block the connection (BLPOP, XREAD BLOCK, WAIT): needs a connection of its own."""
        return "blocking" in self.flags

    @property
    def is_keyless(self) -> bool:
        """No argument is ever a key (PING, CONFIG GET)."""
        return self.first == 0 and self.search is None

    def keys_of(self, args: Sequence[Any]) -> list[Any]:
        """The keys in ``args`` (the full argument tuple, command name first), in order."""
        search = self.search
        if search is not None and search.replaces_range:
            return search.keys(args)
        keys: list[Any] = []
        if self.first > 0 and len(args) > self.first:
            last = self.last if self.last >= 0 else len(args) + self.last
            keys = list(args[self.first : last + 1 : self.step])
        if search is not None:
            keys.extend(search.keys(args))
        return keys


def spec(
    name: str,
    first: int,
    last: int,
    step: int,
    flags: str,
    route: str | None = None,
    search: KeySearch | None = None,
) -> CommandSpec:
    """A row of the table; ``route`` defaults to ``keys`` for a keyed command, ``random`` otherwise."""
    flag_set = frozenset(flags.split())
    if not flag_set <= DECLARED_FLAGS:
        raise ValueError(f"{name}: undeclared flags {sorted(flag_set - DECLARED_FLAGS)}")
    if route is None:
        route = "keys" if first or search is not None else "random"
    if route not in ROUTES:
        raise ValueError(f"{name}: unknown route {route!r}")
    if search is not None and "movablekeys" not in flag_set:
        raise ValueError(f"{name}: a key search is for commands the server flags movablekeys")
    return CommandSpec(name, first, last, step, flag_set, route, search)


def command_name(args: Sequence[Any]) -> str:
    """The table name of an argument tuple: ``("config", "get", "x")`` -> ``"CONFIG GET"``."""
    name = _upper(args[0])
    if name in CONTAINERS and len(args) > 1:
        return f"{name} {_upper(args[1])}"
    return name
