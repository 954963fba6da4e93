"""A URL leanredis cannot read raises what redis-py raises for it (ValueError), and leanredis's DataError."""

from __future__ import annotations

import pytest
import redis.asyncio

import leanredis
from leanredis import ConnectionPool, DataError


@pytest.mark.parametrize(
    "url",
    ["localhost", "redis://localhost/2?socket_timeout=_", "redis://localhost:99999"],
)
def test_an_unreadable_url_is_a_value_error_as_in_redis_py_and_a_data_error(url: str) -> None:
    with pytest.raises(ValueError):
        redis.asyncio.ConnectionPool.from_url(url)
    for make in (leanredis.Redis.from_url, ConnectionPool.from_url):
        with pytest.raises(ValueError) as caught:
            make(url)
        assert isinstance(caught.value, DataError)
