"""Server administration: CLIENT controls, persistence, replication, SWAPDB, SHUTDOWN.

Names, arguments and return types are redis.asyncio's. A few commands
change the state of the connection they are sent on; this client sends
every caller's commands over one multiplexed connection, so those that
would change it for everyone, or leave a caller waiting for a reply that
never comes, are refused with a ``DataError`` that says what to do instead
(``select``, ``reset``, ``quit``, ``client_reply("OFF"/"SKIP")``, ``sync``,
``psync``). ``watch``/``unwatch`` on the client only warn, as redis-py's do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from ..exceptions import ConnectionError, DataError, RedisError
from ..future import CommandFuture
from ..typed import RespValue, StrT
from .base import CommandsBase, KeyT
from .parsers import bool_ok, register, str_if_bytes, to_bool

_KILL_TYPES = ("normal", "master", "slave", "replica", "pubsub")


def client_kill_reply(reply: Any) -> bool | int:
    """CLIENT KILL: an int (clients killed, filter form) as is; OK (address form) -> True."""
    if isinstance(reply, int):
        return reply
    return bool_ok(reply)


def always_true(reply: Any) -> bool:
    """BGSAVE / BGREWRITEAOF: True whatever status text the server sends."""
    return True


def trackinginfo_reply(reply: Any) -> list[Any]:
    """CLIENT TRACKINGINFO -> flat [name, value, ...] list, names as str (redis-py's legacy shape)."""
    if isinstance(reply, dict):
        flat: list[Any] = []
        for name, value in reply.items():
            flat += (str_if_bytes(name), value)
        return flat
    return [str_if_bytes(item) if index % 2 == 0 else item for index, item in enumerate(reply)]


def _shared_connection_error(method: str, instead: str) -> DataError:
    return DataError(
        f"{method} is refused: this client sends every caller's commands over one shared connection, "
        f"so it would affect all of them; {instead}"
    )


class AdminCommands(CommandsBase[StrT]):
    """CLIENT KILL/PAUSE/TRACKING/..., SAVE and BGSAVE, REPLICAOF, SWAPDB, SHUTDOWN, ROLE."""

    # -- clients ------------------------------------------------------------------
    def client_kill(self, address: str, **kwargs: Any) -> CommandFuture[bool | int]:
        """Disconnect the client at ``address`` ("ip:port"): True."""
        return self._send((b"CLIENT", b"KILL", address), client_kill_reply)

    def client_kill_filter(
        self,
        _id: Any = None,
        _type: str | None = None,
        addr: str | None = None,
        skipme: bool | None = None,
        laddr: Any = None,
        user: str | None = None,
        maxage: int | None = None,
        **kwargs: Any,
    ) -> CommandFuture[int]:
        """Disconnect the clients matching every given filter: the number disconnected.

        ``skipme=False`` may disconnect this client's own connection: commands in flight
        on it then fail with ConnectionError, and the next command reconnects.
        """
        args: list[Any] = [b"CLIENT", b"KILL"]
        if _type is not None:
            if str(_type).lower() not in _KILL_TYPES:
                raise DataError(f"client_kill_filter(): _type must be one of {', '.join(_KILL_TYPES)}, not {_type!r}")
            args += (b"TYPE", _type)
        if skipme is not None:
            if not isinstance(skipme, bool):
                raise DataError(f"client_kill_filter(): skipme must be True or False, not {skipme!r}")
            args += (b"SKIPME", b"YES" if skipme else b"NO")
        for name, value in ((b"ID", _id), (b"ADDR", addr), (b"LADDR", laddr), (b"USER", user), (b"MAXAGE", maxage)):
            if value is not None:
                args += (name, value)
        if len(args) == 2:
            raise DataError("client_kill_filter() needs at least one filter (_id, _type, addr, laddr, user, maxage)")
        return self._send(tuple(args), client_kill_reply)

    def client_pause(self, timeout: int, all: bool = True, **kwargs: Any) -> CommandFuture[bool]:  # noqa: A002 - redis-py's name
        """Suspend clients for ``timeout`` ms (every command, or only writes if ``all`` is False): True."""
        if not isinstance(timeout, int):
            raise DataError(f"client_pause(): timeout must be an int of milliseconds, not {type(timeout).__name__}")
        args: tuple[Any, ...] = (b"CLIENT", b"PAUSE", str(timeout))
        if not all:
            args += (b"WRITE",)
        return self._send(args, bool_ok)

    def client_unpause(self, **kwargs: Any) -> CommandFuture[StrT]:
        """Resume clients paused by ``client_pause``: the server's OK."""
        return self._send((b"CLIENT", b"UNPAUSE"), None)

    def client_reply(self, reply: str, **kwargs: Any) -> CommandFuture[StrT]:
        """CLIENT REPLY ON (the server's OK). OFF and SKIP are refused (DataError): with them the
        server sends no reply, on a connection whose replies are matched to callers in order."""
        if reply not in ("ON", "OFF", "SKIP"):
            raise DataError(f"client_reply(): reply must be 'ON', 'OFF' or 'SKIP', not {reply!r}")
        if reply != "ON":
            raise _shared_connection_error(
                f"client_reply({reply!r})",
                "the server would not answer it (and, for OFF, any later command), so its caller and the "
                "callers after it would wait forever; to send without waiting, do not await the command",
            )
        return self._send((b"CLIENT", b"REPLY", reply), None)

    def client_unblock(self, client_id: int, error: bool = False, **kwargs: Any) -> CommandFuture[bool]:
        """Unblock a client blocked in BLPOP/XREAD/...: as if it timed out, or with an error if ``error``.
        True if it was blocked."""
        args: tuple[Any, ...] = (b"CLIENT", b"UNBLOCK", int(client_id))
        if error:
            args += (b"ERROR",)
        return self._send(args, to_bool)

    def client_no_evict(self, mode: str) -> CommandFuture[StrT]:
        """Exempt this connection from client eviction ("ON"/"OFF"): the server's OK."""
        return self._send((b"CLIENT", b"NO-EVICT", mode), None)

    def client_no_touch(self, mode: str) -> CommandFuture[StrT]:
        """Stop this connection's reads from updating keys' LRU/LFU ("ON"/"OFF"): the server's OK."""
        return self._send((b"CLIENT", b"NO-TOUCH", mode), None)

    def client_setinfo(self, attr: str, value: str, **kwargs: Any) -> CommandFuture[bool]:
        """Set this connection's LIB-NAME or LIB-VER (shown in CLIENT LIST): True."""
        return self._send((b"CLIENT", b"SETINFO", attr, value), bool_ok)

    def client_tracking(
        self,
        on: bool = True,
        clientid: int | None = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
        **kwargs: Any,
    ) -> CommandFuture[StrT]:
        """Turn server-assisted client-side caching on or off for this connection: the server's OK.

        Invalidations go to ``clientid`` (REDIRECT) or, on RESP3, to this connection as push
        messages; ``prefix`` needs ``bcast``.
        """
        if len(prefix) != 0 and not bcast:
            raise DataError("client_tracking(): prefix needs bcast=True")
        args: list[Any] = [b"CLIENT", b"TRACKING", b"ON" if on else b"OFF"]
        if clientid is not None:
            args += (b"REDIRECT", clientid)
        for item in prefix:
            args += (b"PREFIX", item)
        for flag, name in ((bcast, b"BCAST"), (optin, b"OPTIN"), (optout, b"OPTOUT"), (noloop, b"NOLOOP")):
            if flag:
                args.append(name)
        return self._send(tuple(args), None)

    def client_tracking_on(
        self,
        clientid: int | None = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
    ) -> CommandFuture[StrT]:
        """``client_tracking(True, ...)``."""
        return self.client_tracking(True, clientid, prefix, bcast, optin, optout, noloop)

    def client_tracking_off(
        self,
        clientid: int | None = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
    ) -> CommandFuture[StrT]:
        """``client_tracking(False, ...)``."""
        return self.client_tracking(False, clientid, prefix, bcast, optin, optout, noloop)

    def client_trackinginfo(self, **kwargs: Any) -> CommandFuture[list[str | int | list[StrT]]]:
        """This connection's tracking state: ["flags", [...], "redirect", id, "prefixes", [...]]."""
        return self._send((b"CLIENT", b"TRACKINGINFO"), trackinginfo_reply)

    def client_getredir(self, **kwargs: Any) -> CommandFuture[int]:
        """The id of the client tracking invalidations are redirected to (-1: none, 0: not tracking)."""
        return self._send((b"CLIENT", b"GETREDIR"), None)

    # -- connection state: refused on the shared connection ------------------------
    def select(self, index: int, **kwargs: Any) -> CommandFuture[bool]:
        """Refused (DataError): SELECT would switch the database under every caller of this client."""
        raise _shared_connection_error(
            f"select({index!r})", "pass db= to Redis() (or Redis.from_url('redis://host/N')), one client a database"
        )

    def reset(self) -> object:  # not NoReturn: Pipeline.reset() (a coroutine) overrides it
        """Refused (DataError): RESET would drop the connection's AUTH user, database, name and RESP3."""
        raise _shared_connection_error("reset()", "use aclose() and a new client for a fresh connection")

    def quit(self, **kwargs: Any) -> CommandFuture[bool]:
        """Refused (DataError): QUIT would close the connection under every caller; use ``aclose()``."""
        raise _shared_connection_error("quit()", "use await client.aclose() to close it cleanly")

    def hello(self) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError): the client's handshake sends HELLO itself."""
        raise NotImplementedError("HELLO is intentionally not implemented in the client.")

    def failover(self) -> NoReturn:
        """Not implemented, as in redis-py (NotImplementedError)."""
        raise NotImplementedError("FAILOVER is intentionally not implemented in the client.")

    def sync(self) -> CommandFuture[bytes]:
        """Refused (DataError): SYNC turns the connection into a replication stream under every caller."""
        raise _shared_connection_error("sync()", "a replica needs a connection of its own (redis-server --replicaof)")

    def psync(self, replicationid: str, offset: int) -> CommandFuture[bytes]:
        """Refused (DataError): PSYNC turns the connection into a replication stream under every caller."""
        raise _shared_connection_error(
            "psync()", "a replica needs a connection of its own (redis-server --replicaof)"
        )

    # None here; bool | None because a pipeline's watch()/unwatch() (which do send WATCH) override these
    # and return True
    async def watch(self, *names: KeyT) -> bool | None:
        """Does nothing but warn, as redis.asyncio's: WATCH belongs in a pipeline (``pipe.watch``)."""
        warnings.warn(DeprecationWarning("Call WATCH from a Pipeline object"), stacklevel=2)
        return None

    async def unwatch(self) -> bool | None:
        """Does nothing but warn, as redis.asyncio's: UNWATCH belongs in a pipeline (``pipe.unwatch``)."""
        warnings.warn(DeprecationWarning("Call UNWATCH from a Pipeline object"), stacklevel=2)
        return None

    # -- cluster connection modes --------------------------------------------------
    def readonly(self, **kwargs: Any) -> CommandFuture[bool]:
        """READONLY: let this connection read from a cluster replica: True (Redis 7 standalone: an error)."""
        return self._send((b"READONLY",), bool_ok)

    def readwrite(self, **kwargs: Any) -> CommandFuture[bool]:
        """READWRITE: undo READONLY on a cluster replica connection: True (Redis 7 standalone: an error)."""
        return self._send((b"READWRITE",), bool_ok)

    def cluster(self, cluster_arg: str, *args: Any, **kwargs: Any) -> CommandFuture[Any]:
        """Any CLUSTER subcommand (``cluster("info")``), parsed as ``execute_command`` parses it."""
        return self.execute_command(f"CLUSTER {cluster_arg.upper()}", *args, **kwargs)

    def lolwut(self, *version_numbers: str | float, **kwargs: Any) -> CommandFuture[StrT]:
        """The server's version and a piece of generative art (``VERSION n`` and its parameters if given)."""
        if version_numbers:
            return self._send((b"LOLWUT", b"VERSION", *version_numbers), None)
        return self._send((b"LOLWUT",), None)

    # -- persistence and replication ---------------------------------------------
    def save(self, **kwargs: Any) -> CommandFuture[bool]:
        """Save the dataset to disk, blocking the server until done: True."""
        return self._send((b"SAVE",), bool_ok)

    def bgsave(self, schedule: bool = True, **kwargs: Any) -> CommandFuture[bool]:
        """Save in the background (``schedule``: after a running AOF rewrite): True."""
        return self._send((b"BGSAVE", b"SCHEDULE") if schedule else (b"BGSAVE",), always_true)

    def bgrewriteaof(self, **kwargs: Any) -> CommandFuture[bool]:
        """Rewrite the append-only file in the background: True."""
        return self._send((b"BGREWRITEAOF",), always_true)

    def replicaof(self, *args: Any, **kwargs: Any) -> CommandFuture[StrT]:
        """REPLICAOF host port, or "NO", "ONE" to stop replicating: the server's OK."""
        return self._send((b"REPLICAOF", *args), None)

    def slaveof(self, host: str | None = None, port: int | None = None, **kwargs: Any) -> CommandFuture[bool]:
        """Replicate ``host``:``port``, or with no arguments stop replicating: True."""
        if host is None and port is None:
            return self._send((b"SLAVEOF", b"NO", b"ONE"), bool_ok)
        return self._send((b"SLAVEOF", host, port), bool_ok)

    def role(self) -> CommandFuture[list[RespValue[StrT]]]:
        """ROLE as the server sends it: ["master", offset, replicas], ["slave", ...] or ["sentinel", ...]."""
        return self._send((b"ROLE",), None)

    def swapdb(self, first: int, second: int, **kwargs: Any) -> CommandFuture[bool]:
        """Swap two databases for every client of the server: True."""
        return self._send((b"SWAPDB", first, second), bool_ok)

    def config_resetstat(self, **kwargs: Any) -> CommandFuture[bool]:
        """Reset the statistics INFO reports: True."""
        return self._send((b"CONFIG", b"RESETSTAT"), bool_ok)

    def config_rewrite(self, **kwargs: Any) -> CommandFuture[StrT]:
        """Write the running configuration to the server's config file: the server's OK."""
        return self._send((b"CONFIG", b"REWRITE"), None)

    async def shutdown(
        self,
        save: bool = False,
        nosave: bool = False,
        now: bool = False,
        force: bool = False,
        abort: bool = False,
        **kwargs: Any,
    ) -> None:
        """Stop the server (SAVE/NOSAVE/NOW/FORCE/ABORT modifiers); returns once the connection drops.

        A server that answers instead of exiting raises: its error, or RedisError.
        """
        if save and nosave:
            raise DataError("shutdown(): save and nosave cannot both be set")
        args: list[Any] = [b"SHUTDOWN"]
        for flag, name in ((save, b"SAVE"), (nosave, b"NOSAVE"), (now, b"NOW"), (force, b"FORCE"), (abort, b"ABORT")):
            if flag:
                args.append(name)
        try:
            await self._send(tuple(args), None)
        except ConnectionError:
            return  # the server closed the connection as it exited: what was asked
        raise RedisError("SHUTDOWN was answered: the server did not shut down")


register("CLIENT_KILL", client_kill_reply)
register("CLIENT_PAUSE CLIENT_SETINFO SAVE SWAPDB SLAVEOF CONFIG_RESETSTAT READONLY READWRITE", bool_ok)
register("CLIENT_UNBLOCK", to_bool)
register("CLIENT_TRACKINGINFO", trackinginfo_reply)
register("BGSAVE BGREWRITEAOF", always_true)
