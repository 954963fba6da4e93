"""What every new socket says first, shared by the command, pool and pub/sub connections.

HELLO 3 (with AUTH and SETNAME) or AUTH / CLIENT SETNAME for RESP2, then
SELECT; the failures mapped to the errors a caller can act on. Secrets go in
the commands, never in a message.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from .exceptions import AuthenticationError, ConnectionError, RedisError, ResponseError
from .options import ConnectionOptions

Step = tuple[tuple[Any, ...], str]


def handshake_steps(options: ConnectionOptions) -> list[Step]:
    """(command, label) pairs to pipeline on a new socket; empty when none is needed."""
    steps: list[Step] = []
    if options.protocol == 3:
        hello: tuple[Any, ...] = (b"HELLO", 3)
        if options.password is not None:
            hello += (b"AUTH", options.username or "default", options.password)
        if options.client_name:
            hello += (b"SETNAME", options.client_name)
        steps.append((hello, "HELLO 3"))
    else:
        if options.password is not None:
            auth = (options.username, options.password) if options.username else (options.password,)
            steps.append(((b"AUTH", *auth), "AUTH"))
        if options.client_name:
            steps.append(((b"CLIENT", b"SETNAME", options.client_name), "CLIENT SETNAME"))
    if options.db:
        steps.append(((b"SELECT", options.db), "SELECT"))
    if options.tracking:
        steps.append((options.tracking, "CLIENT TRACKING"))
    return steps


def handshake_error(options: ConnectionOptions, label: str, failure: BaseException) -> BaseException:
    """The exception to raise for a failed handshake step (server text kept, no secret)."""
    if isinstance(failure, ResponseError) and label in ("AUTH", "HELLO 3"):
        text = str(failure)
        if "unknown command" in text.lower() and label == "HELLO 3":
            return ConnectionError(f"{options.address} does not speak RESP3 (no HELLO): use protocol=2")
        return AuthenticationError(f"{label} to {options.address} failed: {text}")
    if isinstance(failure, RedisError):
        return type(failure)(f"{label} to {options.address} failed during connect: {failure}")
    return failure


async def open_socket(loop: asyncio.AbstractEventLoop, factory: Callable[[], Any], options: ConnectionOptions) -> Any:
    """Open TCP (TLS when ``options.ssl``) or the Unix socket; return the protocol ``factory`` made."""
    if options.unix_socket_path is not None:
        _, proto = await loop.create_unix_connection(factory, options.unix_socket_path, ssl=options.ssl)
        return proto
    _, proto = await loop.create_connection(
        factory,
        options.host,
        options.port,
        ssl=options.ssl,
        server_hostname=(options.ssl_server_hostname or options.host) if options.ssl else None,
    )
    tune_socket(proto.transport, options)
    return proto


def tune_socket(transport: Any, options: ConnectionOptions) -> None:
    """TCP_NODELAY and, unless turned off, SO_KEEPALIVE on a new TCP socket."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if options.socket_keepalive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    except OSError:
        pass  # not every transport exposes a settable TCP socket (uvloop, TLS wrappers)
