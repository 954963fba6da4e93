"""Keyspace notification parsing and channel objects, checked against redis-py 8.1's on the same inputs."""

from __future__ import annotations

import dataclasses

import pytest
import redis.keyspace_notifications as theirs

from leanredis import keyspace_notifications as ours

CASES = [
    ("__keyspace@0__:user:1", "set", None),
    (b"__keyspace@3__:user:1", b"del", None),
    ("__keyspace@*__:a:b:c", "expire", None),
    ("__keyevent@0__:set", "user:1", None),
    ("__keyevent@12__:hset", b"h\xc3\xa9", None),
    ("__keyspace@0__:app:user:1", "set", "app:"),
    ("__keyspace@0__:other:1", "set", "app:"),
    ("__keyevent@0__:del", "app:x", b"app:"),
    ("__subkeyspace@0__:myhash", "hset|2:f1,3:f,2", None),
    ("__subkeyevent@0__:hdel", "6:myhash|2:f1,5:a|b:c", None),
    ("__subkeyspaceitem@0__:myhash\nfield", "hset", None),
    ("__subkeyspaceevent@0__:hset|myhash", "2:f1,2:f2", None),
    ("__subkeyspace@0__:app:h", "hset|1:x", "app:"),
    ("news", "hello", None),
    ("__keyspace@x__:k", "set", None),
    ("__keyspace@0__", "set", None),
    ("__keyevent@0__:", "k", None),
]


def _fields(notification: object) -> object:
    return None if notification is None else tuple(dataclasses.astuple(notification))  # type: ignore[call-overload]


@pytest.mark.parametrize("channel, data, prefix", CASES)
def test_a_notification_parses_as_redis_py_parses_it(channel: object, data: object, prefix: object) -> None:
    expected = theirs.KeyNotification.try_parse(channel, data, prefix)  # type: ignore[arg-type]
    got = ours.KeyNotification.try_parse(channel, data, prefix)
    assert _fields(got) == _fields(expected)


def test_from_message_takes_published_messages_only() -> None:
    for message in [
        {"type": "message", "pattern": None, "channel": b"__keyspace@0__:k", "data": b"set"},
        {"type": "pmessage", "pattern": b"__keyspace@0__:*", "channel": b"__keyspace@0__:k", "data": b"del"},
        {"type": "psubscribe", "pattern": None, "channel": b"__keyspace@0__:*", "data": 1},
        {"type": "message", "pattern": None, "channel": None, "data": b"x"},
        None,
    ]:
        assert _fields(ours.KeyNotification.from_message(message)) == _fields(
            theirs.KeyNotification.from_message(message)
        )


def test_a_malformed_subkey_payload_is_not_a_notification_and_raises_nothing() -> None:
    assert ours.KeyNotification.try_parse("__subkeyspace@0__:h", "hset|x:f1") is None
    assert ours.KeyNotification.try_parse("__subkeyevent@0__:hdel", "nolength") is None
    assert ours.KeyNotification.try_parse("__subkeyspaceitem@0__:nonewline", "hset") is None


@pytest.mark.parametrize(
    "name, args",
    [
        ("KeyspaceChannel", ("user:*",)),
        ("KeyspaceChannel", ("user:1", 2)),
        ("KeyeventChannel", ("set",)),
        ("KeyeventChannel", ("*",)),
        ("SubkeyspaceChannel", ("h",)),
        ("SubkeyeventChannel", ("hdel", 1)),
        ("SubkeyspaceitemChannel", ("h", "f?")),
        ("SubkeyspaceeventChannel", ("hset", "h")),
        ("KeyspaceChannel", ("my[key",)),
        ("KeyspaceChannel", ("my[k]ey",)),
        ("KeyspaceChannel", ("esc\\*aped",)),
    ],
)
def test_channel_objects_name_the_same_channel_as_redis_pys(name: str, args: tuple[object, ...]) -> None:
    mine, reference = getattr(ours, name)(*args), getattr(theirs, name)(*args)
    assert str(mine) == str(reference)
    assert mine.is_pattern == reference.is_pattern
    assert repr(mine) == repr(reference)
    assert mine == str(reference) and hash(mine) == hash(str(reference))
    assert ours.get_channel_type(str(mine)).value == theirs.get_channel_type(str(reference)).value  # type: ignore[union-attr]


def test_all_events_and_channel_types() -> None:
    assert str(ours.KeyeventChannel.all_events(3)) == "__keyevent@3__:*"
    assert str(ours.SubkeyeventChannel.all_events()) == "__subkeyevent@0__:*"
    assert ours.get_channel_type("plain") is None
    assert ours.KeyspaceChannel("a") != ours.KeyeventChannel("a")
    assert {member.value for member in ours.ChannelType} == {member.value for member in theirs.ChannelType}
    missing = {n for n in vars(theirs.EventType) if n.isupper()} - {n for n in vars(ours.EventType) if n.isupper()}
    assert not missing
