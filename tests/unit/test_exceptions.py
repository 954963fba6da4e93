"""Server error replies become exception classes chosen by their first word, keeping the server text."""

from __future__ import annotations

import pytest

from leanredis import exceptions
from leanredis.exceptions import (
    AskError,
    AuthenticationError,
    BusyLoadingError,
    ConnectionError,
    ExecAbortError,
    MovedError,
    NoPermissionError,
    NoScriptError,
    OutOfMemoryError,
    ProtocolError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    WrongTypeError,
    error_from_reply,
)


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("WRONGTYPE Operation against a key holding the wrong kind of value", WrongTypeError),
        ("NOSCRIPT No matching script. Please use EVAL.", NoScriptError),
        ("READONLY You can't write against a read only replica.", ReadOnlyError),
        ("NOPERM User default has no permissions to run the 'set' command", NoPermissionError),
        ("OOM command not allowed when used memory > 'maxmemory'.", OutOfMemoryError),
        ("EXECABORT Transaction discarded because of previous errors.", ExecAbortError),
        ("LOADING Redis is loading the dataset in memory", BusyLoadingError),
        ("WRONGPASS invalid username-password pair or user is disabled.", AuthenticationError),
        ("NOAUTH Authentication required.", AuthenticationError),
        ("ERR unknown command 'FOO', with args beginning with: ", ResponseError),
        ("SOMETHINGNEW a prefix no table knows", ResponseError),
        ("wrongtype lower case is not the WRONGTYPE prefix", ResponseError),
        ("", ResponseError),
    ],
)
def test_error_prefixes_map_to_classes_and_keep_the_server_text(text: str, cls: type[RedisError]) -> None:
    error = error_from_reply(text)
    assert type(error) is cls
    assert str(error) == text
    assert error_from_reply(text.encode()).args == error.args  # bytes from the parser read the same


def test_connection_level_errors_are_connection_errors_not_response_errors() -> None:
    for text in ("WRONGPASS x", "NOAUTH x", "LOADING x"):
        error = error_from_reply(text)
        assert isinstance(error, ConnectionError)
        assert not isinstance(error, ResponseError)


def test_moved_carries_slot_host_and_port() -> None:
    error = error_from_reply("MOVED 3999 127.0.0.1:6381")
    assert type(error) is MovedError
    assert isinstance(error, ResponseError)
    assert (error.slot_id, error.host, error.port) == (3999, "127.0.0.1", 6381)
    assert error.node_addr == ("127.0.0.1", 6381)
    assert str(error) == "3999 127.0.0.1:6381"  # the text after the prefix, as redis-py keeps it


def test_ask_carries_slot_host_and_port() -> None:
    error = error_from_reply(b"ASK 12182 redis-7.example:7002")
    assert type(error) is AskError
    assert (error.slot_id, error.host, error.port) == (12182, "redis-7.example", 7002)


def test_moved_to_an_ipv6_node_splits_at_the_last_colon() -> None:
    error = error_from_reply("MOVED 1 ::1:7000")
    assert isinstance(error, MovedError)
    assert error.node_addr == ("::1", 7000)


@pytest.mark.parametrize("text", ["MOVED", "MOVED 3999", "ASK 1 2", "MOVED x host:1", "MOVED 1 host:port"])
def test_a_moved_or_ask_that_cannot_be_read_is_a_plain_response_error(text: str) -> None:
    error = error_from_reply(text)
    assert type(error) is ResponseError
    assert str(error) == text


def test_a_non_utf8_error_text_is_kept_with_replacement_characters() -> None:
    error = error_from_reply(b"ERR bad \xff byte")
    assert str(error) == "ERR bad \ufffd byte"


def test_every_exception_is_rooted_at_redis_error() -> None:
    classes = [
        c for c in vars(exceptions).values()
        if isinstance(c, type) and issubclass(c, Exception) and c.__module__ == exceptions.__name__
        and not c.__name__.startswith("_")  # _Root: RedisError's own base
    ]
    assert len(classes) > 20
    assert all(issubclass(c, RedisError) for c in classes)
    assert issubclass(ProtocolError, exceptions.InvalidResponse)


def _redis_py_table() -> list[tuple[str, str]]:
    """One reply text per entry of redis-py 8.1's parser table (``BaseParser.EXCEPTION_CLASSES``)."""
    from redis._parsers.base import BaseParser

    texts = []
    for code, entry in BaseParser.EXCEPTION_CLASSES.items():
        if isinstance(entry, dict):
            texts.extend((code, f"{code} {message}") for message in entry)
        elif code in ("MOVED", "ASK"):
            texts.append((code, f"{code} 3999 127.0.0.1:6381"))
        else:
            texts.append((code, f"{code} some server text"))
    return texts


@pytest.mark.parametrize(("code", "text"), _redis_py_table(), ids=[text[:60] for _, text in _redis_py_table()])
def test_every_entry_of_redis_pys_error_table_gives_its_class(code: str, text: str) -> None:
    """Same class name, same place in the hierarchy (ConnectionError or ResponseError) as redis-py's parser gives."""
    from redis._parsers.base import BaseParser

    theirs = BaseParser.parse_error(text)
    ours = error_from_reply(text)
    assert type(ours).__name__ == type(theirs).__name__, (text, ours, theirs)
    ours_names = {cls.__name__ for cls in type(ours).__mro__}
    assert {cls.__name__ for cls in type(theirs).__mro__} <= ours_names
    assert str(ours) == text or str(ours) == str(theirs)  # the server's text (MOVED/ASK: what follows, as redis-py)


def test_other_err_texts_and_the_aliases_stay_as_they_were() -> None:
    assert type(error_from_reply("ERR invalid password please")) is ResponseError  # exact texts only, as redis-py
    assert type(error_from_reply("ERR wrong number of arguments for 'AUTH' command")).__name__ == (
        "AuthenticationWrongNumberOfArgsError"
    )
    assert exceptions.CrossSlotError is exceptions.ClusterCrossSlotError


def _every_leanredis_error() -> list[BaseException]:
    classes = {
        value
        for value in vars(exceptions).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == exceptions.__name__
        and not value.__name__.startswith("_")  # _Root: RedisError's own base, never raised
    }
    ordered = sorted(classes, key=lambda cls: cls.__name__)  # one order in every xdist worker
    made = [cls("0 127.0.0.1:1") if issubclass(cls, AskError) else cls("text") for cls in ordered]
    for error in made:
        error.__dict__["extra"] = 1  # attributes (possibly_executed, lock_name, ...) travel with it
    return made


@pytest.mark.parametrize("error", _every_leanredis_error(), ids=lambda e: type(e).__name__)
def test_as_redis_py_is_caught_by_both_libraries_handlers(error: BaseException) -> None:
    import pickle

    import redis.exceptions

    try:
        raise error from KeyError("cause")
    except RedisError as raised:
        twin = exceptions.as_redis_py(raised)
    ours = type(error)
    nearest = next(getattr(redis.exceptions, c.__name__) for c in ours.__mro__ if hasattr(redis.exceptions, c.__name__))
    assert isinstance(twin, ours) and isinstance(twin, nearest)
    assert (twin.args, twin.__dict__["extra"], repr(twin)) == (error.args, 1, repr(error))
    assert isinstance(twin.__cause__, KeyError) and twin.__traceback__ is error.__traceback__
    assert exceptions.as_redis_py(twin) is twin
    back = pickle.loads(pickle.dumps(twin))
    assert type(back) is ours and back.args == error.args


def test_as_redis_py_leaves_errors_alone_while_redis_py_is_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "redis.exceptions", raising=False)
    error = ExecAbortError("EXECABORT")
    assert exceptions.as_redis_py(error) is error
    assert type(exceptions.redis_py_reply_error("EXECABORT Transaction discarded")) is ExecAbortError


def test_a_command_timeout_keeps_its_stage_in_slots_and_through_pickle_and_copy() -> None:
    """A stall fails thousands of callers at once: their TimeoutErrors carry no attribute dict, and pickle or copy
    keeps what they say (BaseException's own reduce keeps only the dict)."""
    import copy
    import pickle

    from leanredis.connection.timeouts import UNANSWERED, timeout_error
    from leanredis.exceptions import ConnectTimeoutError, TimeoutError

    class _Fut:
        name = b"GET"

    error = timeout_error(_Fut(), "127.0.0.1:1", 1.0, UNANSWERED, 10.0, 10.5, 11.0, "held")
    assert error.stage == UNANSWERED and error.possibly_executed is True
    assert error.queued_seconds == 0.5 and error.written_seconds == 0.5
    assert "stage" not in vars(error) and "possibly_executed" not in vars(error)  # slots, no dict entries
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(again) is TimeoutError and again.args == error.args
        assert (again.stage, again.possibly_executed, again.queued_seconds, again.written_seconds) == (
            UNANSWERED, True, 0.5, 0.5)
    bare = TimeoutError("connect")  # a connect attempt's: all None
    assert (bare.stage, bare.possibly_executed, bare.queued_seconds, bare.written_seconds) == (None,) * 4
    both = ConnectTimeoutError("connect")
    both.possibly_executed = False
    assert pickle.loads(pickle.dumps(both)).possibly_executed is False and both.stage is None
