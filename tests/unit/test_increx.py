"""INCREX (Redis 8.7+; neither Redis 7 nor Valkey 9 has it): the words redis-py sends, and its refusals."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis import DataError

CALLS: list[dict[str, Any]] = [
    {},
    {"byint": 4},
    {"byfloat": 0.25, "lbound": 0, "ubound": 2},
    {"byfloat": "0.7", "ubound": 2, "saturate": True},
    {"byint": 5, "ubound": 12},
    {"byint": 2, "ex": 60, "enx": True},
    {"px": 1500, "lbound": -3},
    {"exat": 1_900_000_000, "saturate": True},
    {"pxat": 1_900_000_000_000},
    {"persist": True, "byint": -1},
]

REFUSED: list[dict[str, Any]] = [
    {"byfloat": 1.0, "byint": 1},
    {"ex": 10, "px": 10},
    {"ex": 0, "px": 1},
    {"persist": True, "exat": 5},
    {"enx": True},
]


def _theirs(**kwargs: Any) -> tuple[Any, ...]:
    sent: list[tuple[Any, ...]] = []
    client = redis.asyncio.Redis(host="127.0.0.1", port=1)
    client.execute_command = lambda *args, **options: sent.append(args)  # type: ignore[method-assign]
    client.increx("k", **kwargs)
    return sent[0]


def _ours(**kwargs: Any) -> tuple[Any, ...]:
    sent: list[tuple[Any, ...]] = []
    client = leanredis.Redis(host="127.0.0.1", port=1)
    client._send = lambda args, parse: sent.append(args)  # type: ignore[method-assign,assignment,func-returns-value]
    client.increx("k", **kwargs)
    return sent[0]


def _words(args: tuple[Any, ...]) -> list[bytes]:
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


@pytest.mark.parametrize("kwargs", CALLS, ids=lambda k: ",".join(k) or "default")
def test_increx_sends_what_redis_py_sends(kwargs: dict[str, Any]) -> None:
    assert _words(_ours(**kwargs)) == _words(_theirs(**kwargs))


@pytest.mark.parametrize("kwargs", REFUSED, ids=lambda k: ",".join(k))
def test_increx_refuses_what_redis_py_refuses_before_sending(kwargs: dict[str, Any]) -> None:
    with pytest.raises(redis.exceptions.DataError):
        _theirs(**kwargs)
    with pytest.raises(DataError):
        _ours(**kwargs)


def test_increx_routes_by_its_key_in_a_cluster() -> None:
    from leanredis.commands.table import lookup

    spec = lookup((b"INCREX", b"user:{7}", b"BYINT", 1))
    assert spec is not None and spec.keys_of((b"INCREX", b"user:{7}", b"BYINT", 1)) == [b"user:{7}"]
