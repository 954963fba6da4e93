"""Following one service's failovers: where its master (or a replica) is now, and noticing a demoted master.

A ``Follower`` is the ``Connection.resolver`` of every connection of one
sentinel client: at each (re)connect it asks the sentinels for the address
(``Sentinel.discover_master`` / ``discover_slaves``). On a master client it
also watches a sample of replies for ``READONLY`` (a master demoted under
the client) and drops the socket, so the next command reconnects to
whichever master the sentinels name then.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .connection import Connection
from .exceptions import MasterNotFoundError, ReadOnlyError, SlaveNotFoundError
from .future import CommandFuture

if TYPE_CHECKING:
    from .sentinel import Sentinel

Address = tuple[str, int]
Sender = Callable[[tuple[Any, ...], Any], CommandFuture[Any]]

# On a master client, one command in 1..this many (at random) has its reply checked for READONLY.
_WATCH_EVERY_MAX = 64


class Follower:
    """Where one service's master (or a replica) is now: the resolver of every connection of one client."""

    def __init__(self, sentinel: Sentinel, service_name: str, is_master: bool) -> None:
        self.sentinel = sentinel
        self.service_name = service_name
        self.is_master = is_master
        self.address: Address | None = None  # the last one resolved
        self._replica_turn = 0
        # READONLY from a master the sentinels still name: wait longer each time before asking again
        self._readonly_address: Address | None = None
        self._readonly_streak = 0
        self._dropped_at = -1
        self.stats_resolves = 0
        self.stats_readonly_drops = 0

    async def resolve(self) -> Address:
        """The address to connect to now: the master the sentinels name, or the next live replica."""
        self.stats_resolves += 1
        if self.is_master:
            if self._readonly_streak:
                await asyncio.sleep(min(2.0, 0.05 * 2 ** (self._readonly_streak - 1)))
            address = await self.sentinel.discover_master(self.service_name)
            if address != self._readonly_address:
                self._readonly_streak = 0
        else:
            address = await self._next_replica()
        self.address = address
        return address

    async def _next_replica(self) -> Address:
        replicas = await self.sentinel.discover_slaves(self.service_name)
        if replicas:
            self._replica_turn += 1
            return replicas[self._replica_turn % len(replicas)]
        try:
            return await self.sentinel.discover_master(self.service_name)
        except MasterNotFoundError as exc:
            raise SlaveNotFoundError(f"No replica found for {self.service_name!r}, nor a master: {exc}") from None

    def watching_sender(self, execute: Sender, connection: Connection) -> Sender:
        """``execute`` that drops ``connection`` when a watched reply is READONLY (a demoted master).

        A done-callback on every command costs a third of the throughput (one
        loop callback each), so the commands watched are the first of each
        write batch (every command at low rates) plus one in about 32 at
        random (no read/write pattern can hide the writes from it). A demoted
        master answers every write READONLY: it is noticed within a few batches.
        """
        seen_writes = -1
        countdown = 0
        randint = random.randint

        def check(done: CommandFuture[Any]) -> None:
            if not done.cancelled() and done.exception().__class__ is ReadOnlyError:
                self.readonly(connection)

        def send(args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
            nonlocal seen_writes, countdown
            fut = execute(args, parse)
            countdown -= 1
            writes = connection.stats_writes
            if writes != seen_writes or countdown <= 0:
                seen_writes = writes
                countdown = randint(1, _WATCH_EVERY_MAX)
                fut.add_done_callback(check)
            return fut

        return send

    def readonly(self, connection: Connection) -> None:
        """A watched reply said READONLY: drop ``connection`` (once per socket) and back off before asking again."""
        if connection.stats_connects == self._dropped_at:
            return  # this socket was dropped already (several replies said READONLY)
        self._dropped_at = connection.stats_connects
        options = connection.options
        self._readonly_address = (options.host, options.port)
        self._readonly_streak += 1
        self.stats_readonly_drops += 1
        connection.drop()
