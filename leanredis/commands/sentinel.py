"""SENTINEL commands, sent to a sentinel, with redis.asyncio's names, arguments and return types.

``Redis(host=sentinel_host, port=26379).sentinel_masters()``. The state
dicts are redis-py's legacy shape whatever the protocol: str keys and
values, the numeric fields redis-py converts as ints, and the derived
``is_master``/``is_slave``/``is_sdown``/... booleans. The command table has
no SENTINEL rows (a data server does not serve them, and the table is checked
against one), so ``execute_command("SENTINEL", ...)`` returns the raw reply.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from collections.abc import Callable
from operator import methodcaller
from typing import Any, Union

from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase
from .parsers import bool_ok, register, str_if_bytes

# the fields redis-py turns into ints (its SENTINEL_STATE_TYPES); every other value stays a str
_INT_FIELDS = frozenset(
    {
        "can-failover-its-master", "config-epoch", "down-after-milliseconds", "failover-timeout",
        "info-refresh", "last-hello-message", "last-ok-ping-reply", "last-ping-reply", "last-ping-sent",
        "master-link-down-time", "master-port", "num-other-sentinels", "num-slaves", "o-down-time",
        "pending-commands", "parallel-syncs", "port", "quorum", "role-reported-time", "s-down-time",
        "slave-priority", "slave-repl-offset", "voted-leader-epoch",
    }
)  # fmt: skip

_DERIVED = (
    ("is_master", "master"),
    ("is_slave", "slave"),
    ("is_sdown", "s_down"),
    ("is_odown", "o_down"),
    ("is_sentinel", "sentinel"),
    ("is_disconnected", "disconnected"),
    ("is_master_down", "master_down"),
)


def sentinel_state(reply: Any) -> dict[str, Any]:
    """One master/replica/sentinel entry: a flat list (RESP2) or a map (RESP3) -> redis-py's dict."""
    pairs = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2])
    state: dict[str, Any] = {}
    for key, value in pairs:
        name = str_if_bytes(key)
        text = str_if_bytes(value)
        state[name] = int(text) if name in _INT_FIELDS else text
    flags = set(state["flags"].split(","))
    for derived, flag in _DERIVED:
        state[derived] = flag in flags
    return state


def sentinel_states(reply: Any) -> list[dict[str, Any]]:
    """SENTINEL SLAVES / SENTINELS -> a list of state dicts."""
    return [sentinel_state(entry) for entry in reply]


def sentinel_masters(reply: Any) -> dict[str, dict[str, Any]]:
    """SENTINEL MASTERS -> {name: state}."""
    return {state["name"]: state for state in map(sentinel_state, reply)}


def master_address(reply: Any) -> tuple[Any, int] | None:
    """SENTINEL GET-MASTER-ADDR-BY-NAME -> (host, port) as redis-py gives it (host bytes unless decoded), or None."""
    if not reply:
        return None
    return reply[0], int(reply[1])


# a master's, replica's or sentinel's state: text as str, the counters as int, the flags' is_* as bool
SentinelState = dict[str, Union[str, int, bool]]


class SentinelCommands(CommandsBase[StrT]):
    """SENTINEL MASTER(S), SLAVES, SENTINELS, GET-MASTER-ADDR-BY-NAME, MONITOR, SET, REMOVE, RESET, ..."""

    async def sentinel(self, *args: Any) -> None:
        """Does nothing but warn, as redis.asyncio's: use the ``sentinel_*`` methods."""
        warnings.warn(DeprecationWarning("Use the individual sentinel_* methods"), stacklevel=2)

    def sentinel_get_master_addr_by_name(
        self, service_name: str, return_responses: bool = False
    ) -> CommandFuture[tuple[StrT, int] | None]:
        """(host, port) of the master of ``service_name``, or None."""
        return self._send((b"SENTINEL", b"GET-MASTER-ADDR-BY-NAME", service_name), master_address)

    def sentinel_master(self, service_name: str, return_responses: bool = False) -> CommandFuture[SentinelState]:
        """The state of the master of ``service_name``."""
        return self._send((b"SENTINEL", b"MASTER", service_name), sentinel_state)

    def sentinel_masters(self) -> CommandFuture[dict[str, SentinelState]]:
        """Every monitored master's state, by name."""
        return self._send((b"SENTINEL", b"MASTERS"), sentinel_masters)

    def sentinel_slaves(self, service_name: str) -> CommandFuture[list[SentinelState]]:
        """The states of the replicas of ``service_name``."""
        return self._send((b"SENTINEL", b"SLAVES", service_name), sentinel_states)

    def sentinel_sentinels(
        self, service_name: str, return_responses: bool = False
    ) -> CommandFuture[list[SentinelState]]:
        """The states of the other sentinels monitoring ``service_name``."""
        return self._send((b"SENTINEL", b"SENTINELS", service_name), sentinel_states)

    def sentinel_monitor(self, name: str, ip: str, port: int, quorum: int) -> CommandFuture[bool]:
        """Start monitoring the master at ``ip``:``port`` as ``name``: True."""
        return self._send((b"SENTINEL", b"MONITOR", name, ip, port, quorum), bool_ok)

    def sentinel_remove(self, name: str) -> CommandFuture[bool]:
        """Stop monitoring ``name``: True."""
        return self._send((b"SENTINEL", b"REMOVE", name), bool_ok)

    def sentinel_set(self, name: str, option: str, value: Any) -> CommandFuture[bool]:
        """Set a monitoring ``option`` of ``name`` (down-after-milliseconds, quorum, ...): True."""
        return self._send((b"SENTINEL", b"SET", name, option, value), bool_ok)

    def sentinel_reset(self, pattern: str) -> CommandFuture[bool]:
        """Forget the replicas and sentinels of the masters matching ``pattern`` (rediscovered after): True."""
        return self._send((b"SENTINEL", b"RESET", pattern), bool_ok)

    def sentinel_failover(self, new_master_name: str) -> CommandFuture[bool]:
        """Fail ``new_master_name`` over without asking the other sentinels: True once started."""
        return self._send((b"SENTINEL", b"FAILOVER", new_master_name), bool_ok)

    def sentinel_ckquorum(self, new_master_name: str) -> CommandFuture[bool]:
        """True when enough sentinels are reachable to authorise a failover of ``new_master_name``."""
        return self._send((b"SENTINEL", b"CKQUORUM", new_master_name), bool_ok)

    def sentinel_flushconfig(self) -> CommandFuture[bool]:
        """Rewrite the sentinel's configuration file: True."""
        return self._send((b"SENTINEL", b"FLUSHCONFIG"), bool_ok)


register("SENTINEL_GET-MASTER-ADDR-BY-NAME", master_address)
register("SENTINEL_MASTER", sentinel_state)
register("SENTINEL_MASTERS", sentinel_masters)
register("SENTINEL_SLAVES SENTINEL_SENTINELS SENTINEL_REPLICAS", sentinel_states)
register(
    "SENTINEL_MONITOR SENTINEL_REMOVE SENTINEL_SET SENTINEL_RESET SENTINEL_FAILOVER SENTINEL_CKQUORUM "
    "SENTINEL_FLUSHCONFIG",
    bool_ok,
)


class SentinelManagerCommands:
    """The ``sentinel_*`` methods of ``Sentinel``, the client of several sentinels, as redis.asyncio's.

    Each asks every sentinel and answers True when every reply is truthy, or with ``return_responses=True``
    (where redis-py takes it) the list of the replies; GET-MASTER-ADDR-BY-NAME, RESET and CKQUORUM ask one
    sentinel picked at random. The replies are parsed as ``Redis.sentinel_*`` parses them.
    """

    sentinels: list[Any]

    async def _on_sentinels(self, call: Callable[[Any], Any], once: bool, return_responses: bool) -> Any:
        """``call(sentinel)`` on every sentinel, or with ``once`` on one picked at random, as redis.asyncio's
        Sentinel does: True when every reply is truthy, or with ``return_responses`` the list of the replies."""
        if once:
            reply = await call(random.choice(self.sentinels))
            return [reply] if return_responses else bool(reply)
        replies = await asyncio.gather(*map(call, self.sentinels))
        return list(replies) if return_responses else all(replies)

    def _ask(self, method: str, *args: Any, once: bool = False, return_responses: bool = False) -> Any:
        return self._on_sentinels(methodcaller(method, *args), once, return_responses)

    async def sentinel(self, *args: Any) -> None:
        """Does nothing but warn, as redis.asyncio's: use the ``sentinel_*`` methods."""
        warnings.warn(DeprecationWarning("Use the individual sentinel_* methods"), stacklevel=2)

    def sentinel_get_master_addr_by_name(self, service_name: str, return_responses: bool = False) -> Any:
        """One sentinel's (host, port) of ``service_name``'s master, as ``[address]`` with ``return_responses``;
        else True if it knows one."""
        if not return_responses:
            return self._ask("sentinel_get_master_addr_by_name", service_name, once=True)
        return self._addresses(service_name)

    async def _addresses(self, service_name: str) -> list[Any]:
        [address] = await self._ask("sentinel_get_master_addr_by_name", service_name, once=True, return_responses=True)
        # the sentinels' clients decode for discovery; redis-py's host is bytes unless sentinel_kwargs decode
        if address is not None and not getattr(self, "sentinel_kwargs", {}).get("decode_responses"):
            address = (address[0].encode(), address[1])
        return [address]

    def sentinel_master(self, service_name: str, return_responses: bool = False) -> Any:
        """Every sentinel's state of ``service_name``'s master (``return_responses``), else True."""
        return self._ask("sentinel_master", service_name, return_responses=return_responses)

    def sentinel_masters(self) -> Any:
        """True once every sentinel answered SENTINEL MASTERS (redis-py returns no replies here)."""
        return self._ask("sentinel_masters")

    def sentinel_monitor(self, name: str, ip: str, port: int, quorum: int) -> Any:
        """Every sentinel starts monitoring ``ip``:``port`` as ``name``: True."""
        return self._ask("sentinel_monitor", name, ip, port, quorum)

    def sentinel_remove(self, name: str) -> Any:
        """Every sentinel stops monitoring ``name``: True."""
        return self._ask("sentinel_remove", name)

    def sentinel_sentinels(self, service_name: str, return_responses: bool = False) -> Any:
        """Every sentinel's list of the others monitoring ``service_name`` (``return_responses``), else True."""
        return self._ask("sentinel_sentinels", service_name, return_responses=return_responses)

    def sentinel_set(self, name: str, option: str, value: Any) -> Any:
        """Every sentinel sets ``option`` of ``name``: True."""
        return self._ask("sentinel_set", name, option, value)

    def sentinel_slaves(self, service_name: str) -> Any:
        """True once every sentinel answered SENTINEL SLAVES (``discover_slaves`` gives the addresses)."""
        return self._ask("sentinel_slaves", service_name)

    def sentinel_reset(self, pattern: str) -> Any:
        """One sentinel forgets the replicas and sentinels of the masters matching ``pattern``: True."""
        return self._ask("sentinel_reset", pattern, once=True)

    def sentinel_failover(self, new_master_name: str) -> Any:
        """Every sentinel is asked to fail ``new_master_name`` over: True (a sentinel already failing it over
        answers with an error, which is raised)."""
        return self._ask("sentinel_failover", new_master_name)

    def sentinel_ckquorum(self, new_master_name: str) -> Any:
        """One sentinel's CKQUORUM of ``new_master_name``: True when enough sentinels can authorise a failover."""
        return self._ask("sentinel_ckquorum", new_master_name, once=True)

    def sentinel_flushconfig(self) -> Any:
        """Every sentinel rewrites its configuration file: True."""
        return self._ask("sentinel_flushconfig")
