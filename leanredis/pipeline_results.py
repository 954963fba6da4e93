"""A pipeline's replies made its results, with redis-py's errors.

A plain pipeline's replies are parsed in place in one pass; a transaction's
come from EXEC's array, with the errors of commands refused when queued put
back in place. The first error is raised (unless ``raise_on_error=False``)
annotated as redis-py does, naming the command from a preview kept until the
replies are read: the command itself, or with values longer than 128
characters cut down, so a large value is not held. Shared by ``Pipeline``
and ``ClusterPipeline``.
"""

from __future__ import annotations

import textwrap
from operator import itemgetter
from typing import Any

from .commands.base import EmptyOnError
from .commands.search._raw import RawThen
from .connection.protocol import command_name
from .exceptions import ProtocolError, ResponseError, WatchError, error_from_reply
from .future import CommandFuture


def upper_name(name: Any) -> str:
    if isinstance(name, (bytes, bytearray, memoryview)):
        return bytes(name).decode("utf-8", "replace").upper()
    return str(name).upper()


_parser = itemgetter(1)


def _parsed_at_once(stack: list[tuple[tuple[Any, ...], Any]], replies: list[Any]) -> list[Any] | None:
    """The replies parsed with no bytecode per reply, when none is an error and the commands share one
    parser (a pipeline of SETs, of GETs): ``replies`` itself when there is none to apply. None otherwise,
    or when a parser raised: the caller's loop then goes over them one by one and says which command."""
    kinds = set(map(type, replies))
    if ResponseError in kinds or UnicodeDecodeError in kinds:
        return None
    parsers = set(map(_parser, stack))
    if len(parsers) != 1:
        return None
    parse = parsers.pop()
    if parse is None:
        return replies
    try:
        return list(map(parse, replies))
    except Exception:  # noqa: BLE001 - a reply of an unexpected shape: the loop finds it and says which
        return None


def plain_results(stack: list[tuple[tuple[Any, ...], Any]], replies: list[Any], raise_on_error: bool) -> list[Any]:
    """A plain pipeline's replies, parsed in place in one pass: errors made exceptions (or, for a
    command whose error means "empty", its empty value), raw readers applied."""
    parsed = _parsed_at_once(stack, replies)
    if parsed is not None:
        return parsed
    first_error = -1
    for index, ((_, parse), reply) in enumerate(zip(stack, replies)):
        cls = reply.__class__
        if parse is not None and cls is not ResponseError and cls is not UnicodeDecodeError:  # the common case
            try:
                replies[index] = parse(reply)
            except Exception as exc:  # a reply of an unexpected shape: this command's error
                if parse.__class__ is RawThen:
                    replies[index] = ProtocolError(f"cannot parse reply to {upper_name(stack[index][0][0])}: {exc!r}")
                else:
                    raise ProtocolError(f"cannot parse reply to {command_name(stack[index][0][0])}: {exc!r}") from exc
        elif cls is ResponseError:
            if parse.__class__ is EmptyOnError:
                replies[index] = parse.factory()
            else:
                replies[index] = error = error_from_reply(reply.args[0] if reply.args else "")
                if first_error < 0 and isinstance(error, ResponseError):
                    first_error = index
        elif cls is UnicodeDecodeError:
            raise reply  # this command's reply cannot be decoded: raised, as when it was awaited alone
    if raise_on_error and first_error >= 0:
        annotate(replies[first_error], first_error, stack[first_error][0])
        raise replies[first_error]
    return replies


def exec_results(
    replies: list[Any], sent: list[tuple[tuple[Any, ...], Any]], count: int, positions: list[int] | None
) -> list[Any]:
    """EXEC's array from a transaction's replies (MULTI's, one per command, EXEC's), queue-time
    errors put back in place. ``positions``: of the commands sent, in the pipeline (None: the same)."""
    reply = replies[-1]
    if reply.__class__ is list and len(reply) == count:
        results: list[Any] = reply  # EXEC ran every command: none was refused when queued
    else:
        if isinstance(reply, ResponseError):
            abort = error_from_reply(reply.args[0] if reply.args else "")
            # the command the server rejected when it was queued says more than EXECABORT
            for index in range(count):
                queued = replies[index + 1]
                if isinstance(queued, ResponseError):
                    error = error_from_reply(queued.args[0] if queued.args else "")
                    if isinstance(error, ResponseError):  # redis-py annotates a queue-time error as it reads it
                        annotate(error, index if positions is None else positions[index], sent[index][0])
                    raise error from abort
            raise abort
        if isinstance(reply, Exception):  # undecodable
            raise reply
        if reply is None:
            raise WatchError("Watched variable changed.")
        results = list(reply)
        for index in range(count):
            queued = replies[index + 1]
            if isinstance(queued, ResponseError):
                results.insert(index, queued)
        if len(results) != count:
            raise ResponseError(
                f"Wrong number of response items from pipeline execution: {len(results)} for {count} commands"
            )
    return results


def parse_results(stack: list[tuple[tuple[Any, ...], Any]], results: list[Any], raise_on_error: bool) -> list[Any]:
    """A transaction's results parsed in place: error items made exceptions, the first raised if asked."""
    parsed = _parsed_at_once(stack, results)
    if parsed is not None:
        return parsed
    first_error = -1
    for index, ((args, parse), value) in enumerate(zip(stack, results)):
        cls = value.__class__
        # EXEC's items are replies, hiredis's ResponseError for an error (queue-time ones put back too)
        if parse is not None and cls is not ResponseError:  # the common case
            try:
                results[index] = parse(value)
            except Exception as exc:  # a reply of an unexpected shape: this command's error only
                results[index] = ProtocolError(f"cannot parse reply to {upper_name(args[0])}: {exc!r}")
        elif cls is ResponseError:
            results[index] = value = error_from_reply(value.args[0] if value.args else "")
            if first_error < 0 and isinstance(value, ResponseError):
                first_error = index
    if raise_on_error and first_error >= 0:
        annotate(results[first_error], first_error, stack[first_error][0])
        raise results[first_error]
    return results


def read_raw(raw: RawThen, reply: Any, preview: tuple[Any, ...]) -> Any:
    try:
        return raw(reply)
    except Exception as exc:  # a reply of an unexpected shape: this command's error only
        return ProtocolError(f"cannot parse reply to {upper_name(preview[0])}: {exc!r}")


def abandon(futures: list[CommandFuture[Any]]) -> None:
    """Nobody will read these replies: stop waiting, and mark errors as seen (no 'never retrieved')."""
    for fut in futures:
        if fut.done():
            if not fut.cancelled():
                fut.exception()
        else:
            fut.cancel()


_TEXT = (bytes, str, bytearray, memoryview)
_MESSAGE_WIDTH = 100  # redis-py's truncate_text: the command in an error message is cut to this
_KEPT = 128  # of a longer argument, the first characters (more if whitespace, which collapses, fills them)
LONG_ENCODING = _KEPT + 12  # an argument longer than _KEPT makes its command's encoding longer than this


def preview_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The command as an error message shows it: ``args`` itself, or with long values cut down.

    Kept until the replies are read, so a large value is not (the pipeline
    releases its arguments once they are written).
    """
    for arg in args:
        if isinstance(arg, _TEXT) and len(arg) > _KEPT:
            return tuple(_cut(value) for value in args)
    return args


def _cut(value: Any) -> Any:
    if not isinstance(value, _TEXT) or len(value) <= _KEPT:
        return value
    kept = _KEPT
    while True:
        head = value[:kept]
        if isinstance(head, memoryview):
            head = head.tobytes()
        if kept >= len(value) or len(" ".join(_text(head).split())) > _MESSAGE_WIDTH + 2:
            return head
        kept *= 4


def _text(value: Any) -> str:
    """redis-py's safe_str: bytes decoded (invalid bytes replaced), anything else str()."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def annotate(error: ResponseError, index: int, preview: tuple[Any, ...]) -> None:
    """redis-py's Pipeline.annotate_exception: position, the command cut to 100 characters, the error's args."""
    command = textwrap.shorten(
        " ".join(map(_text, preview)), width=_MESSAGE_WIDTH, placeholder="...", break_long_words=True
    )
    error.args = (f"Command # {index + 1} ({command}) of pipeline caused error: {error.args}", *error.args[1:])


def raise_first_error(results: list[Any], previews: list[tuple[Any, ...]]) -> None:
    for index, value in enumerate(results):
        if isinstance(value, ResponseError):
            annotate(value, index, previews[index])
            raise value
