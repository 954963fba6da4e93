"""Hash slots: which of the 16384 slots a key belongs to (CRC16-XMODEM of the key or its ``{hash tag}``).

``binascii.crc_hqx(data, 0)`` is CRC-CCITT with initial value 0, which is
the XMODEM variant Redis Cluster uses: the CRC runs in C, so the cost per
command is one ``find`` for the hash tag and one C call.
"""

from __future__ import annotations

from binascii import crc_hqx
from typing import Any

from ..commands import AllCommands
from ..commands.table import COMMANDS
from ..exceptions import CrossSlotError, DataError, RedisClusterException


def as_sent(names: set[bytes]) -> frozenset[bytes]:
    """``names``, each as the very object the command methods send (a constant of their code): the method named
    after it (``set``'s ``b"SET"``), else any that sends it (``incr``'s ``b"INCRBY"``).

    ``args[0] in names`` then finds the name by identity, not by comparing bytes: about 200 instructions of
    a cluster SET (a set compares an entry of the same hash by ``is`` first, then by ``==``). Any equal
    name (from ``execute_command``, another method) is still found, by the comparison.
    """
    def constants(method: Any) -> tuple[Any, ...]:
        code = getattr(method, "__code__", None)
        return code.co_consts if code is not None else ()

    anywhere: dict[bytes, bytes] = {}
    for attribute in sorted(dir(AllCommands)):
        for const in constants(getattr(AllCommands, attribute, None)):
            if const.__class__ is bytes and const in names:
                anywhere.setdefault(const, const)
    sent = []
    for name in names:
        own = constants(getattr(AllCommands, name.decode().lower(), None))
        sent.append(next((c for c in own if c.__class__ is bytes and c == name), anywhere.get(name, name)))
    return frozenset(sent)


# Commands whose one key is their first argument (GET, SET, HSET, ...): the router's fast path, and the commands a
# cluster pipeline sends one batch per node
SINGLE_KEY = as_sent(
    {
        spec.name.encode()
        for spec in COMMANDS.values()
        if spec.route == "keys" and spec.first == 1 and spec.last == 1 and spec.search is None and " " not in spec.name
    }
)

SLOTS = 16384
_MASK = SLOTS - 1


def key_bytes(key: Any) -> bytes:
    """A key as the bytes the encoder sends (str as UTF-8, int and float as their text)."""
    cls = key.__class__
    if cls is bytes:
        return key  # type: ignore[no-any-return]
    if cls is str:
        return key.encode()  # type: ignore[no-any-return]
    if cls is int:
        return b"%d" % key
    if cls is float:
        return repr(key).encode()
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    if isinstance(key, str):
        return str(key).encode()
    raise DataError(f"a key of type {type(key).__name__!r} cannot be sent; use bytes, str, int or float")


def slot_of_bytes(key: bytes) -> int:
    """The slot of an encoded key: its hash tag (the text between the first ``{`` and the next ``}``,
    if not empty) or the whole key."""
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1 : end]
    return crc_hqx(key, 0) & _MASK


def key_slot(key: Any) -> int:
    """The slot of a key of any accepted type (``CLUSTER KEYSLOT``)."""
    if key.__class__ is bytes:
        return slot_of_bytes(key)
    return slot_of_bytes(key_bytes(key))


def cross_slot_error(command: str) -> CrossSlotError:
    """What a multi-key command whose keys hash to different slots raises, before anything is sent."""
    return CrossSlotError(
        f"CROSSSLOT the keys of {command} hash to different slots; with RedisCluster a "
        "multi-key command needs keys of one slot: give them a common {hash tag}"
    )


def missing_key_error(args: tuple[Any, ...]) -> RedisClusterException:
    """What a command naming no key and no node raises (redis-py's text): ``args`` without the name."""
    return RedisClusterException(
        "No way to dispatch this command to Redis Cluster. Missing key.\n"
        f"You can execute the command by specifying target nodes.\nCommand: {args}"
    )


__all__ = ["SLOTS", "cross_slot_error", "key_bytes", "key_slot", "missing_key_error", "slot_of_bytes"]
