"""ACL commands: same arguments on the wire and same types as redis.asyncio, RESP2/RESP3, bytes/str.

Users and the ACL log are server-wide state: every test here runs on a
``fresh_server`` of its own, so that no other test sees its users.
ACL GENPASS is random and ACL LOG ages: those are compared by shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio
from redis._parsers.encoders import Encoder
from redis.commands.core import ACLCommands as RedisPyACL

import leanredis
from leanredis.commands import AllCommands
from leanredis.server import RedisServer

from .oracle import both, raises_both, same_shape

pytestmark = pytest.mark.families


@pytest.fixture(
    params=[(2, False), (2, True), (3, False), (3, True)], ids=["resp2", "resp2-decode", "resp3", "resp3-decode"]
)
async def acl_pair(request: pytest.FixtureRequest, fresh_server: RedisServer) -> AsyncIterator[tuple[Any, Any]]:
    """Like ``pair``, on a server of the test's own (users are global state)."""
    protocol, decode = request.param
    # RESP3 as redis.asyncio's default speaks it (protocol not given): protocol=3 given asks for other shapes
    ours = leanredis.Redis(
        host="127.0.0.1", port=fresh_server.port, protocol=None if protocol == 3 else protocol, decode_responses=decode
    )
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=fresh_server.port, decode_responses=decode)
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


class _Recorder(AllCommands):
    """Our command methods with the sending replaced by 'return the arguments'."""

    def __init__(self) -> None:
        self._send = lambda args, parse: args  # type: ignore[assignment,return-value]


class _RedisPyRecorder(RedisPyACL):
    """redis-py's ACL methods with execute_command replaced by 'return the arguments'."""

    def get_encoder(self) -> Encoder:
        return Encoder("utf-8", "strict", False)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return args


def _wire(args: tuple[Any, ...]) -> list[bytes]:
    """Arguments as they go on the wire (redis-py's "ACL SETUSER" is two words there)."""
    out: list[bytes] = []
    for arg in args:
        if isinstance(arg, str):
            out += [word.encode() for word in arg.split(" ")] if arg.startswith("ACL ") else [arg.encode()]
        elif isinstance(arg, bytes):
            out.append(arg)
        else:
            out.append(str(arg).encode())
    return out


SETUSER_CASES: list[dict[str, Any]] = [
    {},
    {"enabled": True, "nopass": True},
    {"reset": True, "reset_keys": True, "reset_channels": True, "reset_passwords": True},
    {"passwords": "+secret"},
    {"passwords": ["+one", "-two", b"+three"]},
    {"hashed_passwords": ["+" + "a" * 64, "-" + "b" * 64]},
    {"categories": ["+@read", "-@write", "+hash", "-string", b"+list"]},
    {"commands": ["+get", "-set", b"+del"]},
    {"keys": ["cache:*", "~other:*", "%R~ro:*", b"raw:*", 5]},
    {"channels": ["news.*", b"bytes"]},
    {"selectors": [("+get", "sel:*"), ("-set", "~x*"), (b"+hget", b"%W~w*"), ("+mget", b"mixed")]},
]


@pytest.mark.parametrize("options", SETUSER_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_acl_setuser_sends_the_arguments_redis_py_sends(options: dict[str, Any]) -> None:
    ours = _Recorder().acl_setuser("worker", **options)
    theirs = _RedisPyRecorder().acl_setuser("worker", **options)
    assert _wire(ours) == _wire(theirs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {"nopass": True, "passwords": "+x"},
        {"nopass": True, "hashed_passwords": ["+" + "a" * 64]},
        {"passwords": ["+ok", "missing-prefix"]},
        {"hashed_passwords": "abc"},
        {"categories": ["read"]},
        {"commands": ["get"]},
        {"selectors": [("get", "k*")]},
    ],
    ids=["nopass+passwords", "nopass+hashed", "password-prefix", "hashed-prefix", "category", "command", "selector"],
)
async def test_acl_setuser_rejects_rules_without_prefix_before_sending(acl_pair, options):  # type: ignore[no-untyped-def]
    await raises_both(acl_pair, "DataError", "acl_setuser", "bad", **options)
    assert await both(acl_pair, "acl_users") == ["default"]  # nothing reached the server


async def test_acl_setuser_then_getuser_list_users_and_deluser(acl_pair):  # type: ignore[no-untyped-def]
    ours, theirs = acl_pair
    full = {
        "enabled": True,
        "passwords": ["+pw1", "+pw2"],
        "categories": ["+@read", "-@dangerous"],
        "commands": ["+set", "-get"],
        "keys": ["cache:*", "%R~ro:*"],
        "channels": ["news.*"],
        "selectors": [("+hget", "h:*")],
        "reset": True,
    }
    assert await both(acl_pair, "acl_setuser", "alice", **full) is True
    assert await both(acl_pair, "acl_setuser", "bob", nopass=True) is True
    alice = await both(acl_pair, "acl_getuser", "alice")
    assert alice["enabled"] is True and "on" in alice["flags"]
    assert len(alice["passwords"]) == 2 and all(type(p) is str for p in alice["passwords"])
    assert alice["keys"] == ["~cache:*", "%R~ro:*"] and alice["channels"] == ["&news.*"]
    assert "+@read" in alice["categories"] and "+set" in alice["commands"]
    assert len(alice["selectors"]) == 1 and "~h:*" in alice["selectors"][0]
    bob = await both(acl_pair, "acl_getuser", "bob")
    assert bob["enabled"] is False and "nopass" in bob["flags"] and bob["keys"] == []
    assert await both(acl_pair, "acl_getuser", "nobody") is None
    assert await both(acl_pair, "acl_users") == ["alice", "bob", "default"]
    rules = await both(acl_pair, "acl_list")
    assert len(rules) == 3 and rules[0].startswith("user alice on")
    assert await both(acl_pair, "acl_whoami") == "default"
    assert await ours.acl_deluser("alice", "bob", "nobody") == 2
    assert await theirs.acl_deluser("alice", "bob") == 0
    assert await both(acl_pair, "acl_users") == ["default"]


async def test_acl_cat_help_and_dryrun(acl_pair):  # type: ignore[no-untyped-def]
    categories = await both(acl_pair, "acl_cat")
    assert "read" in categories and "dangerous" in categories
    assert "get" in await both(acl_pair, "acl_cat", "read")
    assert "CAT" in " ".join(await both(acl_pair, "acl_help"))
    await raises_both(acl_pair, "ResponseError", "acl_cat", "no-such-category")
    await acl_pair[0].acl_setuser("reader", enabled=True, nopass=True, categories=["+@read"], keys=["*"])
    allowed = await both(acl_pair, "acl_dryrun", "reader", "get", "k")
    assert allowed in (b"OK", "OK")
    denied = await both(acl_pair, "acl_dryrun", "reader", "set", "k", "v")
    assert "set" in (denied.decode() if isinstance(denied, bytes) else denied)
    await raises_both(acl_pair, "ResponseError", "acl_dryrun", "nobody", "get", "k")


async def test_acl_genpass_is_a_str_of_the_asked_size(acl_pair):  # type: ignore[no-untyped-def]
    ours, theirs = acl_pair
    for bits, length in ((None, 64), (16, 4), (5, 2), ("128", 32)):
        mine, reference = await ours.acl_genpass(bits), await theirs.acl_genpass(bits)
        assert type(mine) is type(reference) is str
        assert len(mine) == len(reference) == length
    for bad in (4097, -1, "many"):
        await raises_both(acl_pair, "DataError", "acl_genpass", bad)
    await raises_both(acl_pair, "ResponseError", "acl_genpass", 0)  # in the client's range, not the server's


async def test_acl_log_entries_and_reset(acl_pair, fresh_server):  # type: ignore[no-untyped-def]
    assert await both(acl_pair, "acl_log") == []
    await acl_pair[0].acl_setuser("limited", enabled=True, passwords="+pw", commands=["+ping"])
    # no CLIENT SETINFO at connect: "limited" may not run it, and each try would add an ACL log entry
    # (redis-py's handshake does the same), while this test counts the entries of GET and SET
    denied = leanredis.Redis(port=fresh_server.port, username="limited", password="pw", driver_info=None)
    try:
        assert await denied.ping() is True
        for _ in range(2):
            with pytest.raises(leanredis.NoPermissionError):
                await denied.get("k")
        with pytest.raises(leanredis.NoPermissionError):
            await denied.set("k", "v")
    finally:
        await denied.aclose()
    ours, theirs = acl_pair
    # age-seconds grows between the two calls: compare everything else by value, it by type
    mine, reference = await ours.acl_log(), await theirs.acl_log()
    assert len(mine) == 2
    for entry in (*mine, *reference):
        assert type(entry.pop("age-seconds")) is float
    assert same_shape(mine, reference), (mine, reference)
    assert mine[0]["username"] == "limited" and mine[1]["object"] == "get" and mine[1]["count"] == 2
    assert mine[0]["client-info"]["user"] == "limited"
    one = await ours.acl_log(1)
    assert len(one) == 1 and one[0]["object"] == "set"
    await raises_both(acl_pair, "DataError", "acl_log", "2")
    assert await both(acl_pair, "acl_log_reset") is True
    assert await both(acl_pair, "acl_log") == []


async def test_acl_load_and_save_fail_without_an_acl_file(acl_pair):  # type: ignore[no-untyped-def]
    await raises_both(acl_pair, "ResponseError", "acl_load")
    await raises_both(acl_pair, "ResponseError", "acl_save")


async def test_execute_command_applies_the_acl_parsers(acl_pair):  # type: ignore[no-untyped-def]
    ours = acl_pair[0]
    assert await ours.execute_command("ACL", "WHOAMI") == "default"
    assert await ours.execute_command("ACL USERS") == ["default"]
    assert (await ours.execute_command("ACL", "GETUSER", "default"))["enabled"] is True
    assert await ours.execute_command("ACL", "SETUSER", "x") is True
    assert await ours.execute_command("ACL", "LOG") == []
