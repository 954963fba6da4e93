"""Expiry arguments take what redis-py takes: the same values converted, refused or passed to the server.

redis-py converts ``ex``/``px`` of SET, GETEX and the like itself (an int, a timedelta, and for ``ex`` a
string of digits; anything else is a ``DataError`` at the call), while EXPIRE, SETEX and their kin convert
only a timedelta or datetime and send anything else as it is, for the server to judge.
"""

from __future__ import annotations

import pytest

from .oracle import raises_both, write_both

pytestmark = [pytest.mark.families, pytest.mark.filterwarnings("ignore:Call to deprecated setex")]


async def with_key(client):  # type: ignore[no-untyped-def]
    await client.set("k", "v")


async def test_set_and_getex_take_ex_as_digits_and_refuse_fractions_at_the_call(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await write_both(pair, with_key, "set", "k", "w", ex="10") is True
    assert 0 < await ours.ttl("k") <= 10
    assert await write_both(pair, with_key, "set", "k", "w", exat="4000000000") is True
    assert await write_both(pair, with_key, "getex", "k", ex="10") in (b"v", "v")
    assert 0 < await ours.ttl("k") <= 10
    await raises_both(pair, "DataError", "set", "k", "w", ex=1.5)
    await raises_both(pair, "DataError", "set", "k", "w", px=1.5)
    await raises_both(pair, "DataError", "set", "k", "w", px="100")
    await raises_both(pair, "DataError", "getex", "k", ex=2.5)
    assert await ours.get("k") in (b"v", "v")


async def test_expire_and_setex_send_other_values_for_the_server_to_judge(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await write_both(pair, with_key, "expire", "k", "10") is True
    assert 0 < await ours.ttl("k") <= 10
    assert await write_both(pair, with_key, "pexpire", "k", "10000") is True
    assert await write_both(pair, with_key, "expireat", "k", "4000000000") is True
    assert await write_both(pair, with_key, "pexpireat", "k", "4000000000000") is True
    assert await write_both(pair, with_key, "setex", "k", "10", "w") is True
    assert await write_both(pair, with_key, "psetex", "k", "10000", "w") is True
    assert 0 < await ours.ttl("k") <= 10
    # a fraction is the server's to refuse, as redis-py sends it
    await raises_both(pair, "ResponseError", "expire", "k", 1.5)
    await raises_both(pair, "ResponseError", "pexpireat", "k", 1.5)
    await raises_both(pair, "ResponseError", "setex", "k", 1.5, "w")
