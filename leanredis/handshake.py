"""What every new socket says first, shared by the command, pool and pub/sub connections.

HELLO 3 (with AUTH) or AUTH for RESP2, then CLIENT SETNAME (also after
HELLO is refused as an unknown command, when ``resp2_fallback``), then
CLIENT SETINFO LIB-NAME / LIB-VER, then SELECT; the failures mapped to the
errors a caller can act on. Credentials come from ``options`` or, at every
connect, from its ``credential_provider``. Secrets go in the commands, never
in a message.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from .exceptions import AuthenticationError, ConnectionError, RedisError, ResponseError
from .options import ConnectionOptions

Step = tuple[tuple[Any, ...], str]

# Steps whose error reply is not a failed connect: a server older than 7.2 has no
# CLIENT SETINFO, and redis-py ignores its error reply too.
_OPTIONAL_STEPS = ("CLIENT SETINFO",)


async def credentials(options: ConnectionOptions) -> tuple[str | None, str | None]:
    """(username, password) for this connect: the provider's, asked now, or the options'."""
    provider = options.credential_provider
    if provider is None:
        return options.username, options.password
    try:
        if callable(getattr(provider, "get_credentials_async", None)):
            creds = await provider.get_credentials_async()
        else:
            creds = provider.get_credentials()
    except Exception as exc:
        # the provider's message may carry a secret or a token: name its type only
        raise ConnectionError(
            f"credential_provider failed while connecting to {options.address}: {type(exc).__name__}"
        ) from exc
    if not isinstance(creds, (tuple, list)) or len(creds) not in (1, 2):
        raise AuthenticationError(
            "credential_provider must return (password,) or (username, password), "
            f"not a {type(creds).__name__} of {len(creds) if isinstance(creds, (tuple, list)) else '?'} items"
        )
    if len(creds) == 1:
        return None, creds[0]
    return creds[0] or None, creds[1]


def handshake_steps(
    options: ConnectionOptions, username: str | None = None, password: str | None = None
) -> list[Step]:
    """(command, label) pairs to pipeline on a new socket; empty when none is needed.

    ``username``/``password``: what ``credentials()`` gave (default: the options').
    """
    if username is None and password is None:
        username, password = options.username, options.password
    if username and password is None:
        password = ""  # a username alone still logs in as that user (a nopass one), as redis-py does
    steps: list[Step] = []
    if options.protocol == 3:
        hello: tuple[Any, ...] = (b"HELLO", 3)
        if password is not None:
            hello += (b"AUTH", username or "default", password)
        steps.append((hello, "HELLO 3"))
    elif password is not None:
        auth = (username, password) if username else (password,)
        steps.append(((b"AUTH", *auth), "AUTH"))
    # CLIENT SETNAME on its own, not HELLO's SETNAME, as redis-py sends it: proxies and servers that take
    # HELLO 3 (and AUTH in it) do not all take its SETNAME. Pipelined with the rest: no round trip more
    if options.client_name:
        steps.append(((b"CLIENT", b"SETNAME", options.client_name), "CLIENT SETNAME"))
    if options.lib_name:
        steps.append(((b"CLIENT", b"SETINFO", b"LIB-NAME", options.lib_name), "CLIENT SETINFO"))
    if options.lib_version:
        steps.append(((b"CLIENT", b"SETINFO", b"LIB-VER", options.lib_version), "CLIENT SETINFO"))
    if options.db:
        steps.append(((b"SELECT", options.db), "SELECT"))
    if options.tracking:
        steps.append((options.tracking, "CLIENT TRACKING"))
    if options.read_only:
        steps.append(((b"READONLY",), "READONLY"))
    return steps


def lacks_hello(steps: list[Step], results: list[Any]) -> bool:
    """True when the server answered HELLO 3 that it has no such command (Redis before 6: RESP2 only)."""
    for (_, label), result in zip(steps, results, strict=True):
        if label == "HELLO 3":
            return isinstance(result, ResponseError) and "unknown command" in str(result).lower()
    return False


def handshake_error(options: ConnectionOptions, label: str, failure: BaseException) -> BaseException | None:
    """The exception to raise for a failed handshake step (server text kept, no secret); None: not a failure."""
    if label in _OPTIONAL_STEPS and isinstance(failure, ResponseError):
        return None
    if isinstance(failure, ResponseError) and label in ("AUTH", "HELLO 3"):
        text = str(failure)
        if "unknown command" in text.lower() and label == "HELLO 3":
            return ConnectionError(
                f"{options.address} does not speak RESP3 (no HELLO): use protocol=2, or leave protocol unset "
                "to fall back to RESP2"
            )
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
    """TCP_NODELAY and, unless turned off, SO_KEEPALIVE and ``socket_keepalive_options`` on a new TCP socket."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if options.socket_keepalive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    except OSError:
        return  # not every transport exposes a settable TCP socket (uvloop, TLS wrappers)
    if options.socket_keepalive:
        for name, value in options.socket_keepalive_options:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, name, value)
            except (OSError, TypeError) as exc:
                # an option this OS refuses: the connect fails, as in redis-py, rather than run untuned
                raise ConnectionError(
                    f"socket_keepalive_options: setting option {name} to {value!r} failed: {exc}"
                ) from exc
