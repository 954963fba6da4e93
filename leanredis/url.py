"""Parse redis://, rediss:// and unix:// URLs into client keyword arguments.

Errors name the part of the URL that is wrong but never repeat the URL
itself, which may carry a password: the user part (everything before the
last '@') is split off first, and nothing after that looks at it again.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .exceptions import InvalidURLError

# redis-py's URL_QUERY_ARGUMENT_PARSERS (redis.asyncio.connection), plus leanredis's own options
_BOOL_OPTIONS = {
    "decode_responses",
    "socket_keepalive",
    "ssl_check_hostname",
    "trim_idle",
    "retry_on_timeout",
    "legacy_responses",
}
_FLOAT_OPTIONS = {
    "socket_timeout",
    "socket_connect_timeout",
    "trim_idle_delay",
    "health_check_interval",
    "pool_timeout",
}
_INT_OPTIONS = {
    "db",
    "protocol",
    "max_inflight",
    "max_buffered_bytes",
    "max_queued",
    "max_memory_bytes",
    "trim_min_growth",
    "socket_read_size",
    "max_connections",
}
_STR_OPTIONS = {
    "client_name",
    "encoding",
    "encoding_errors",
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ssl_ca_path",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_ciphers",
    "lib_name",
    "lib_version",
    "overload_policy",
    "parser",
}
# ?timeout= is redis-py's BlockingConnectionPool wait: here the wait for a dedicated connection
_RENAMED = {"timeout": "pool_timeout"}
_SCHEMES = ("redis", "rediss", "unix")


def _to_bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on", "y"):
        return True
    if lowered in ("0", "false", "no", "off", "n", ""):
        return False
    raise InvalidURLError(f"URL option {name} must be true or false, not {value!r}")


def _tls_version(value: str) -> ssl.TLSVersion:
    """An ssl.TLSVersion from its number (redis-py parses ?ssl_min_version= with int) or its name."""
    try:
        return ssl.TLSVersion(int(value)) if value.lstrip("-").isdigit() else ssl.TLSVersion[value]
    except (KeyError, ValueError):
        raise InvalidURLError(
            f"URL option ssl_min_version must be an ssl.TLSVersion number or name, not {value!r}"
        ) from None


def _verify_flags(name: str, value: str) -> list[ssl.VerifyFlags]:
    """ssl.VerifyFlags from "VERIFY_X509_STRICT,VERIFY_X509_PARTIAL_CHAIN" (brackets allowed), as redis-py."""
    flags = []
    for flag in value.replace("[", "").replace("]", "").split(","):
        flag = flag.strip()
        if not hasattr(ssl.VerifyFlags, flag):
            raise InvalidURLError(f"URL option {name}: {flag!r} is not an ssl.VerifyFlags name")
        flags.append(getattr(ssl.VerifyFlags, flag))
    return flags




def _split_userinfo(rest: str) -> tuple[str | None, str | None, str]:
    """(username, password, what follows them) from the URL after ``scheme://``.

    Everything before the last '@' may be a secret, so no error built here or
    later repeats any of it; what follows the last '@' is host, path and query.
    A '/', '?' or '#' before that '@' means the URL is ambiguous: an unencoded
    password (``redis://u:ab?cd@host``, which a URL parser splits into host
    ``u``, port ``ab`` and query ``cd@host``) or an '@' inside a path or query
    value. Both read as something else than was meant, so it is refused.
    """
    if "@" not in rest:
        return None, None, rest
    userinfo, _, after = rest.rpartition("@")
    if any(c in userinfo for c in "/?#"):
        raise InvalidURLError(
            "malformed Redis URL: a '/', '?' or '#' comes before its last '@'. A password or username "
            "with '/', '?' or '#' must be percent-encoded (%2F, %3F, %23); so must an '@' in a path "
            "or query value (%40)"
        )
    username, colon, password = userinfo.partition(":")
    return unquote(username), unquote(password) if colon else None, after


def parse_url(url: str) -> dict[str, Any]:
    """Keyword arguments for ``Redis(...)`` from a URL (see ``Redis.from_url``)."""
    if not isinstance(url, str):
        raise InvalidURLError(f"URL must be a str, not {type(url).__name__}")
    scheme, separator, rest = url.partition("://")
    scheme = scheme.strip().lower()
    if not separator or scheme not in _SCHEMES:
        # redis-py's very words (code compares them); nothing of the URL, which may hold a password
        raise InvalidURLError("Redis URL must specify one of the following schemes (redis://, rediss://, unix://)")
    username, password, after = _split_userinfo(rest)
    try:
        # no secret left in what is parsed from here on: its errors may name what they saw
        parts = urlsplit(f"{scheme}://{after}")
    except ValueError as exc:
        raise InvalidURLError(f"malformed Redis URL: {exc}") from None
    try:
        port = parts.port
    except ValueError:
        raise InvalidURLError("malformed Redis URL: the port must be a number from 0 to 65535") from None
    kwargs: dict[str, Any] = {}
    # as redis-py reads a query: an option with no value is left out, and the first of repeated ones counts
    for query_name, values in parse_qs(parts.query).items():
        value = values[0]
        name = _RENAMED.get(query_name, query_name)
        if name in _BOOL_OPTIONS:
            kwargs[name] = _to_bool(name, value)
        elif name in _FLOAT_OPTIONS:
            try:
                kwargs[name] = float(value) if value else None
            except ValueError:
                raise InvalidURLError(f"URL option {name} must be a number of seconds, not {value!r}") from None
        elif name in _INT_OPTIONS:
            try:
                kwargs[name] = int(value)
            except ValueError:
                raise InvalidURLError(f"URL option {name} must be an integer, not {value!r}") from None
        elif name in _STR_OPTIONS:
            kwargs[name] = value
        elif name == "ssl_min_version":
            kwargs[name] = _tls_version(value)
        elif name in ("ssl_include_verify_flags", "ssl_exclude_verify_flags"):
            kwargs[name] = _verify_flags(name, value)
        elif name in ("password", "username"):
            # its value is never shown, and comes before any piece of it an unencoded '&' made a name
            raise InvalidURLError(f"put the {name} in the URL's user part, not in ?{name}=")
        else:
            raise InvalidURLError(f"unknown URL option {query_name!r}")
    if username:
        kwargs["username"] = username
    if password is not None:
        kwargs["password"] = password
    if scheme == "unix":
        if not parts.path:
            raise InvalidURLError("unix:// URL needs a socket path: unix:///path/to/redis.sock")
        kwargs["unix_socket_path"] = unquote(parts.path)
        return kwargs
    if parts.hostname:
        kwargs["host"] = unquote(parts.hostname)
    if port is not None:
        kwargs["port"] = port
    path = parts.path.lstrip("/")
    if path and "db" not in kwargs:
        try:
            kwargs["db"] = int(unquote(path))
        except ValueError:
            raise InvalidURLError(f"the URL path must be a database number, not {path[:20]!r}") from None
    if scheme == "rediss":
        kwargs["ssl"] = True
    return kwargs
