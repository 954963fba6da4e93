"""ACL commands (users, permissions, the ACL log), with redis.asyncio's names, arguments and types.

redis.asyncio's default client reads RESP3 and converts back to its RESP2
shapes: labels and ACL text come back as ``str`` even without
``decode_responses``; key patterns, passwords hashes and log values too.
The parsers below give that one shape from either protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import RespValue, StrT
from .base import CommandsBase, EncodableT, KeyT
from .parsers import bool_ok, pairs_to_dict, register, str_if_bytes
from .server import client_info_reply


def str_list(reply: Any) -> list[Any]:
    """A list of names -> the same list, every bytes item as str."""
    return [str_if_bytes(item) for item in reply]


def _words(value: Any) -> list[str]:
    # "~a ~b" -> ["~a", "~b"]; "" -> []; a list (Redis 6) -> its items as str
    if isinstance(value, (bytes, str)):
        words = str_if_bytes(value).split(" ")
        return [] if words == [""] else words
    return str_list(value)


def acl_getuser_reply(reply: Any) -> dict[str, Any] | None:
    """ACL GETUSER -> dict of str: flags, passwords, commands and categories (split), keys,
    channels, selectors (each a flat [name, value, ...] list), and ``enabled``, any other field as sent;
    None for no user."""
    if reply is None:
        return None
    data = {str_if_bytes(name): value for name, value in pairs_to_dict(reply).items()}
    data["flags"] = str_list(data["flags"])
    data["passwords"] = str_list(data["passwords"])
    data["keys"] = _words(data["keys"])
    if "channels" in data:
        data["channels"] = _words(data["channels"])
    if "selectors" in data:
        selectors = []
        for selector in data["selectors"]:
            if isinstance(selector, dict):
                selector = [item for pair in selector.items() for item in pair]
            selectors.append(str_list(selector))
        data["selectors"] = selectors
    commands: list[str] = []
    categories: list[str] = []
    for rule in str_if_bytes(data["commands"]).split(" "):
        (categories if "@" in rule else commands).append(rule)
    data["commands"] = commands
    data["categories"] = categories
    data["enabled"] = "on" in data["flags"]
    return data


# a field of an ACL LOG entry: text as str, counts and timestamps as int, ``age-seconds`` a float,
# ``client-info`` a dict as client_info() gives it
AclLogValue = Union[str, int, float, dict[str, Union[str, int]]]


def acl_log_reply(reply: Any) -> Any:
    """ACL LOG -> list of dicts (str names, bytes values as str, ``client-info`` a dict as
    ``client_info()`` returns it,
    ``age-seconds`` a float); ACL LOG RESET -> True."""
    if reply is None:
        return None
    if not isinstance(reply, list):
        return bool_ok(reply)
    entries = []
    for entry in reply:
        fields = {str_if_bytes(name): str_if_bytes(value) for name, value in pairs_to_dict(entry).items()}
        fields["client-info"] = client_info_reply(fields.get("client-info", ""))
        fields["age-seconds"] = float(fields["age-seconds"])
        entries.append(fields)
    return entries


def _text(value: Any) -> str | bytes:
    """An ACL rule argument as str or bytes (numbers as their decimal text), its type kept."""
    if isinstance(value, (bytes, str)):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return str(value)


def _prefixed(value: str | bytes, prefix: str) -> str | bytes:
    return prefix.encode() + value if isinstance(value, bytes) else prefix + value


def _one_or_many(value: Any) -> list[Any]:
    if isinstance(value, (bytes, str, bytearray, memoryview)):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def _starts(value: str | bytes, prefix: str) -> bool:
    return value.startswith(prefix.encode() if isinstance(value, bytes) else prefix)  # type: ignore[arg-type]


def _key_pattern(key: Any) -> str | bytes:
    pattern = _text(key)
    return pattern if _starts(pattern, "%") or _starts(pattern, "~") else _prefixed(pattern, "~")


def _command_rule(rule: Any) -> str | bytes:
    text = _text(rule)
    if not (_starts(text, "+") or _starts(text, "-")):
        raise DataError(f'acl_setuser(): command rule {str_if_bytes(text)!r} must start with "+" or "-"')
    return text


def _password_rules(values: Any, add: str, remove: str, what: str) -> list[str | bytes]:
    rules = []
    for index, value in enumerate(_one_or_many(values)):
        text = _text(value)
        if _starts(text, "+"):
            rules.append(_prefixed(text[1:], add))
        elif _starts(text, "-"):
            rules.append(_prefixed(text[1:], remove))
        else:
            raise DataError(f'acl_setuser(): {what} {index} must start with "+" (add) or "-" (remove)')
    return rules


class ACLCommands(CommandsBase[StrT]):
    """ACL CAT, DELUSER, DRYRUN, GENPASS, GETUSER, HELP, LIST, LOAD, LOG, SAVE, SETUSER, USERS, WHOAMI."""

    def acl_cat(self, category: str | None = None, **kwargs: Any) -> CommandFuture[list[str]]:
        """The ACL categories, or the commands of one category: list of str."""
        args: tuple[Any, ...] = (b"ACL", b"CAT", category) if category else (b"ACL", b"CAT")
        return self._send(args, str_list)

    def acl_dryrun(self, username: str, *args: EncodableT, **kwargs: Any) -> CommandFuture[StrT]:
        """Whether ``username`` may run the command ``args``: OK, or the reason it may not."""
        return self._send((b"ACL", b"DRYRUN", username, *args), None)

    def acl_deluser(self, *username: str, **kwargs: Any) -> CommandFuture[int]:
        """Delete the users; the number deleted."""
        return self._send((b"ACL", b"DELUSER", *username), None)

    def acl_genpass(self, bits: int | None = None, **kwargs: Any) -> CommandFuture[str]:
        """A random password from the server's CSPRNG (``bits`` of it, 0..4096): str."""
        if bits is None:
            return self._send((b"ACL", b"GENPASS"), str_if_bytes)
        try:
            count = int(bits)
        except (TypeError, ValueError):
            count = -1
        if not 0 <= count <= 4096:
            raise DataError(f"acl_genpass(): bits must be an int from 0 to 4096, not {bits!r}")
        return self._send((b"ACL", b"GENPASS", count), str_if_bytes)

    def acl_getuser(
        self, username: str, **kwargs: Any
    ) -> CommandFuture[dict[str, bool | list[str] | list[list[str]] | RespValue[StrT]] | None]:
        """The user's rules as a dict (see ``acl_getuser_reply``), or None if there is no such user."""
        return self._send((b"ACL", b"GETUSER", username), acl_getuser_reply)

    def acl_help(self, **kwargs: Any) -> CommandFuture[list[str]]:
        """ACL HELP text, one str a line."""
        return self._send((b"ACL", b"HELP"), str_list)

    def acl_list(self, **kwargs: Any) -> CommandFuture[list[str]]:
        """Every user's rules, one str a user (as in an ACL file)."""
        return self._send((b"ACL", b"LIST"), str_list)

    def acl_log(self, count: int | None = None, **kwargs: Any) -> CommandFuture[list[dict[str, AclLogValue]]]:
        """The latest ACL denials (at most ``count``), newest first, as dicts."""
        if count is None:
            return self._send((b"ACL", b"LOG"), acl_log_reply)
        if not isinstance(count, int):
            raise DataError(f"acl_log(): count must be an int, not {type(count).__name__}")
        return self._send((b"ACL", b"LOG", count), acl_log_reply)

    def acl_log_reset(self, **kwargs: Any) -> CommandFuture[bool]:
        """Empty the ACL log: True."""
        return self._send((b"ACL", b"LOG", b"RESET"), acl_log_reply)

    def acl_load(self, **kwargs: Any) -> CommandFuture[bool]:
        """Reload the users from the server's ``aclfile``: True (an error if it has none)."""
        return self._send((b"ACL", b"LOAD"), bool_ok)

    def acl_save(self, **kwargs: Any) -> CommandFuture[bool]:
        """Write the users to the server's ``aclfile``: True (an error if it has none)."""
        return self._send((b"ACL", b"SAVE"), bool_ok)

    def acl_setuser(
        self,
        username: str,
        enabled: bool = False,
        nopass: bool = False,
        passwords: str | Iterable[str] | None = None,
        hashed_passwords: str | Iterable[str] | None = None,
        categories: Iterable[str] | None = None,
        commands: Iterable[str] | None = None,
        keys: Iterable[KeyT] | None = None,
        channels: Iterable[Any] | None = None,
        selectors: Iterable[tuple[str, KeyT]] | None = None,
        reset: bool = False,
        reset_keys: bool = False,
        reset_channels: bool = False,
        reset_passwords: bool = False,
        **kwargs: Any,
    ) -> CommandFuture[bool]:
        """Create or update a user: True. Rules are added to the user's current ones unless
        a ``reset*`` flag clears them first; the user is disabled unless ``enabled``.

        ``passwords`` / ``hashed_passwords`` (SHA-256 hex): one or a list, each "+..." to add or
        "-..." to remove. ``categories`` and ``commands``: "+name" / "-name". ``keys``: patterns
        ("~" is prepended unless the pattern starts with "~" or "%"). ``channels``: patterns.
        ``selectors``: (command rule, key pattern) pairs.
        """
        args: list[Any] = [b"ACL", b"SETUSER", username]
        if reset:
            args.append(b"reset")
        if reset_keys:
            args.append(b"resetkeys")
        if reset_channels:
            args.append(b"resetchannels")
        if reset_passwords:
            args.append(b"resetpass")
        args.append(b"on" if enabled else b"off")
        if nopass and (passwords or hashed_passwords):
            raise DataError("acl_setuser(): nopass=True cannot go with passwords or hashed_passwords")
        if passwords:
            args += _password_rules(passwords, ">", "<", "password")
        if hashed_passwords:
            args += _password_rules(hashed_passwords, "#", "!", "hashed password")
        if nopass:
            args.append(b"nopass")
        for category in categories or ():
            text = _text(category)
            if _starts(text, "+@") or _starts(text, "-@"):
                args.append(text)
            elif _starts(text, "+") or _starts(text, "-"):
                args.append(_prefixed(text[1:], f"{str_if_bytes(text[:1])}@"))
            else:
                raise DataError(
                    f'acl_setuser(): category {str_if_bytes(text)!r} must start with "+" (allow) or "-" (deny)'
                )
        args += [_command_rule(command) for command in commands or ()]
        args += [_key_pattern(key) for key in keys or ()]
        args += [_prefixed(_text(channel), "&") for channel in channels or ()]
        for command, key in selectors or ():
            rule, pattern = _command_rule(command), _key_pattern(key)
            if isinstance(rule, bytes) or isinstance(pattern, bytes):
                rule = rule if isinstance(rule, bytes) else rule.encode()
                pattern = pattern if isinstance(pattern, bytes) else pattern.encode()
                args.append(b"(" + rule + b" " + pattern + b")")
            else:
                args.append(f"({rule} {pattern})")
        return self._send(tuple(args), bool_ok)

    def acl_users(self, **kwargs: Any) -> CommandFuture[list[str]]:
        """The user names, as str."""
        return self._send((b"ACL", b"USERS"), str_list)

    def acl_whoami(self, **kwargs: Any) -> CommandFuture[str]:
        """The user this connection is authenticated as, as str."""
        return self._send((b"ACL", b"WHOAMI"), str_if_bytes)


register("ACL_CAT ACL_HELP ACL_LIST ACL_USERS", str_list)
register("ACL_GENPASS ACL_WHOAMI", str_if_bytes)
register("ACL_GETUSER", acl_getuser_reply)
register("ACL_LOG", acl_log_reply)
register("ACL_LOAD ACL_SAVE ACL_SETUSER", bool_ok)
