"""RESP command encoder: arguments in, bytes appended to a caller's buffer.

Accepted argument types: bytes, str (UTF-8), int, float, bytearray and
memoryview. Everything else, ``bool`` and ``None`` included, raises
``DataError`` naming the argument: redis-py 3+ refuses them too, since
``True`` silently becoming ``b"True"`` or ``b"1"`` is a bug in the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exceptions import DataError

EncodableT = bytes | str | int | float | bytearray | memoryview


def _command_name(args: Sequence[object]) -> str:
    command = args[0] if args else b"?"
    if isinstance(command, bytes):
        command = command.decode("utf-8", "replace")
    return str(command)[:32]


def _reject(args: Sequence[object], index: int) -> DataError:
    arg = args[index]
    return DataError(
        f"invalid argument {index} of {_command_name(args)!r}: a value of type "
        f"{type(arg).__name__!r} cannot be sent; convert it to bytes, str, int or float first"
    )


def encode_command(args: Sequence[object], out: bytearray) -> None:
    """Append ``args`` as one RESP array of bulk strings to ``out``.

    On a rejected argument (or a str that is not valid UTF-8, such as a lone
    surrogate) nothing is appended: the buffer is rolled back so that a bad
    call never leaves half a command on the wire.
    """
    start = len(out)
    out += b"*%d\r\n" % len(args)
    arg: Any  # narrowed by the exact type checks below, which mypy cannot follow
    data: Any
    index = 0
    try:
        for index, arg in enumerate(args):
            kind = type(arg)
            if kind is bytes:
                data = arg
            elif kind is str:
                data = arg.encode()
            elif kind is int:
                data = b"%d" % arg
            elif kind is float:
                data = repr(arg).encode()
            elif kind is bytearray:
                data = arg
            elif kind is memoryview:
                # as bytes: len() of a memoryview counts items, and += needs a contiguous view
                data = arg.cast("B") if arg.c_contiguous else arg.tobytes()
            elif isinstance(arg, (bytes, bytearray)):
                data = arg
            elif isinstance(arg, str):
                data = str(arg).encode()
            elif isinstance(arg, int) and not isinstance(arg, bool):
                data = b"%d" % int(arg)
            elif isinstance(arg, float):
                data = repr(float(arg)).encode()
            else:
                raise _reject(args, index)
            out += b"$%d\r\n" % len(data)
            out += data
            out += b"\r\n"
    except UnicodeEncodeError as exc:  # a str with lone surrogates
        del out[start:]
        raise DataError(
            f"invalid argument {index} of {_command_name(args)!r}: str is not encodable as UTF-8 ({exc.reason})"
        ) from exc
    except BaseException:
        del out[start:]
        raise


def pack_command(*args: object) -> bytes:
    """Encode one command to a new ``bytes`` object (tests, tools)."""
    out = bytearray()
    encode_command(args, out)
    return bytes(out)


# redis-py's threshold: an argument this long (or any memoryview) goes out as its own piece, not copied
_PIECE_CUTOFF = 6000


def pack_command_pieces(*args: object) -> list[bytes | memoryview]:
    """One command as redis-py's ``pack_command`` gives it: RESP in pieces, where a memoryview or a long
    bytes argument is a piece of its own, the object itself (the caller's buffer is never copied)."""
    pieces: list[bytes | memoryview] = []
    head = bytearray(b"*%d\r\n" % len(args))
    for arg in args:
        if isinstance(arg, memoryview) or (isinstance(arg, (bytes, bytearray)) and len(arg) > _PIECE_CUTOFF):
            size = arg.nbytes if isinstance(arg, memoryview) else len(arg)
            head += b"$%d\r\n" % size
            pieces.append(bytes(head))
            pieces.append(arg if not isinstance(arg, bytearray) else bytes(arg))
            head = bytearray(b"\r\n")
        else:
            encoded = bytearray()
            try:
                encode_command((arg,), encoded)  # "*1\r\n$n\r\n...\r\n": a command's checks and conversions
            except DataError:
                encode_command(args, bytearray())  # raises the same, naming the argument in its command
                raise
            head += encoded[encoded.index(b"\n") + 1 :]
    if head:
        pieces.append(bytes(head))
    return pieces


def pack_pieces(args: Sequence[Any]) -> list[bytes | memoryview]:
    """redis-py's ``Connection.pack_command(*args)``: a first argument with spaces is split, then
    ``pack_command_pieces``."""
    if args and isinstance(args[0], str) and " " in args[0]:
        args = (*args[0].split(), *args[1:])
    elif args and isinstance(args[0], bytes) and b" " in args[0]:
        args = (*args[0].split(), *args[1:])
    return pack_command_pieces(*args)


def pack_many(commands: Any) -> list[bytes | memoryview]:
    """redis-py's ``Connection.pack_commands``: the commands' pieces, neighbouring short ones joined."""
    out: list[bytes | memoryview] = []
    pending: list[bytes] = []
    for command in commands:
        for piece in pack_pieces(tuple(command)):
            if isinstance(piece, bytes) and len(piece) <= _PIECE_CUTOFF:
                pending.append(piece)
            else:
                if pending:
                    out.append(b"".join(pending))
                    pending = []
                out.append(piece)
    if pending:
        out.append(b"".join(pending))
    return out
