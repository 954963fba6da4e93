"""RESP command encoder: arguments in, bytes appended to a caller's buffer.

Accepted argument types: bytes, str (UTF-8), int, float, bytearray and
memoryview. Everything else, ``bool`` and ``None`` included, raises
``DataError`` naming the argument: redis-py 3+ refuses them too, since
``True`` silently becoming ``b"True"`` or ``b"1"`` is a bug in the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..exceptions import DataError

EncodableT = bytes | str | int | float | bytearray | memoryview


def _reject(args: Sequence[object], index: int) -> DataError:
    arg = args[index]
    command = args[0] if args else b"?"
    if isinstance(command, bytes):
        command = command.decode("utf-8", "replace")
    return DataError(
        f"invalid argument {index} of {str(command)[:32]!r}: a value of type "
        f"{type(arg).__name__!r} cannot be sent; convert it to bytes, str, int or float first"
    )


def encode_command(args: Sequence[object], out: bytearray) -> None:
    """Append ``args`` as one RESP array of bulk strings to ``out``.

    On a rejected argument nothing is appended: the buffer is rolled back so
    that a bad call never leaves half a command on the wire.
    """
    start = len(out)
    out += b"*%d\r\n" % len(args)
    for index, arg in enumerate(args):
        kind = type(arg)
        if kind is bytes:
            data = arg
        elif kind is str:
            data = arg.encode()  # type: ignore[attr-defined]
        elif kind is int:
            data = b"%d" % arg  # type: ignore[str-bytes-safe]
        elif kind is float:
            data = repr(arg).encode()
        elif kind is bytearray or kind is memoryview:
            data = arg
        elif isinstance(arg, (bytes, bytearray, memoryview)):
            data = arg
        elif isinstance(arg, str):
            data = str(arg).encode()
        elif isinstance(arg, int) and not isinstance(arg, bool):
            data = b"%d" % int(arg)
        elif isinstance(arg, float):
            data = repr(float(arg)).encode()
        else:
            del out[start:]
            raise _reject(args, index)
        if kind is memoryview:
            size = arg.nbytes  # type: ignore[attr-defined]
        else:
            size = len(data)  # type: ignore[arg-type]
        out += b"$%d\r\n" % size
        out += data  # type: ignore[operator]
        out += b"\r\n"


def pack_command(*args: object) -> bytes:
    """Encode one command to a new ``bytes`` object (tests, tools)."""
    out = bytearray()
    encode_command(args, out)
    return bytes(out)
