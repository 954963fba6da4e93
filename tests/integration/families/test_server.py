"""Server and connection commands: same types as redis.asyncio, RESP2/RESP3, bytes/str.

INFO, TIME, CLIENT ID and CLIENT LIST answer differently from one call to
the next: for those the shapes and types are compared, not the values.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from redis._parsers.helpers import parse_client_list, parse_info

from leanredis import DataError, ResponseError
from leanredis.commands.server import client_list_reply, info_reply

from .oracle import both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


def types_of(value: Any) -> Any:
    """The value with every leaf replaced by its type: shapes that compare equal when types match."""
    if isinstance(value, dict):
        return {key: types_of(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(types_of(item) for item in value)
    return type(value)


# Fields whose type follows their value (e.g. "0" then "0.5"), so two INFO calls may differ.
_VOLATILE = ("used_cpu", "instantaneous", "mem_fragmentation", "allocator_", "rss_", "eventloop", "uptime")


def stable(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in types_of(info).items() if not k.startswith(_VOLATILE)}


async def test_info_is_a_dict_typed_like_redis_py(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    await theirs.ping()  # redis-py's handshake may add an errorstat line (CLIENT SETINFO on Redis 7.0)
    await ours.set("k", "v")
    for args in ((), ("server",), ("keyspace",), ("clients",), ("stats", "memory"), ("everything",)):
        mine, reference = await ours.info(*args), await theirs.info(*args)
        assert type(mine) is dict and mine
        assert mine.keys() == reference.keys(), (args, mine.keys() ^ reference.keys())
        assert stable(mine) == stable(reference), args
    keyspace = await both(pair, "info", "keyspace")
    assert keyspace["db0"]["keys"] == 1
    assert type((await ours.info("server"))["redis_version"]) is str


def test_info_parser_matches_redis_py_on_every_kind_of_line() -> None:
    text = (
        "# Server\r\n"
        "redis_version:7.2.4\r\n"
        "tcp_port:6379\r\n"
        "ratio:1.25\r\n"
        "flag:yes\r\n"
        "run_id:3f1a\r\n"
        "list_value:a,b,3\r\n"
        "db0:keys=1,expires=0,avg_ttl=0\r\n"
        "errorstat_ERR:count=2\r\n"
        "weird:a=1,b,c=x=y\r\n"
        "module:name=search,ver=20000,api=1\r\n"
        "module:name=json,ver=10000\r\n"
        "cmdstat_host:calls=1,usec=2\r\n"
        "executable:/usr/bin/redis-server\r\n"
        "a line without a colon\r\n"
        "\r\n"
    )
    for reply in (text, text.encode()):
        assert info_reply(reply) == parse_info(reply)
        assert types_of(info_reply(reply)) == types_of(parse_info(reply))


def test_client_list_parser_matches_redis_py_with_spaces_in_values() -> None:
    text = "id=3 addr=/tmp/redis sock/r.sock:0 fd=8 name= age=1\nid=4 addr=127.0.0.1:5 fd=9 name=x age=0\n"
    for reply in (text, text.encode()):
        assert client_list_reply(reply) == parse_client_list(reply)


async def test_dbsize_time_and_lastsave(pair):  # type: ignore[no-untyped-def]
    assert await both(pair, "dbsize") == 0
    await pair[0].set("a", "1")
    await pair[0].set("b", "2")
    assert await both(pair, "dbsize") == 2
    ours, theirs = pair
    mine, reference = await ours.time(), await theirs.time()
    assert types_of(mine) == types_of(reference) == (int, int)
    assert abs(mine[0] - reference[0]) <= 1
    saved = await both(pair, "lastsave")
    assert isinstance(saved, datetime.datetime)


async def test_config_get_and_set(pair):  # type: ignore[no-untyped-def]
    assert await both(pair, "config_get", "maxmemory*") == await pair[1].config_get("maxmemory*")
    assert await both(pair, "config_get", "maxmemory") == {"maxmemory": "0"}
    assert await both(pair, "config_get", "no-such-parameter") == {}
    assert await both(pair, "config_get", "maxmemory", "timeout") == {"maxmemory": "0", "timeout": "0"}
    everything = await both(pair, "config_get")
    assert len(everything) > 100 and all(type(k) is str and type(v) is str for k, v in everything.items())
    assert await write_both(pair, nothing, "config_set", "maxmemory-samples", 5) is True
    assert await write_both(pair, nothing, "config_set", "maxmemory-samples", "5", "timeout", "0") is True


async def test_client_name_and_id(pair):  # type: ignore[no-untyped-def]
    assert await both(pair, "client_getname") is None
    assert await both(pair, "client_setname", "worker-1") is True
    assert await both(pair, "client_getname") == "worker-1"  # str even without decode_responses
    ours, theirs = pair
    mine, reference = await ours.client_id(), await theirs.client_id()
    assert type(mine) is int and type(reference) is int and mine != reference
    info, their_info = await ours.client_info(), await theirs.client_info()
    assert info["id"] == mine and info["name"] == "worker-1"
    assert types_of(info) == types_of({k: their_info[k] for k in info})


async def test_client_list(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    await ours.client_setname("lister")
    await theirs.ping()  # both connected before either lists
    mine, reference = await ours.client_list(), await theirs.client_list()
    assert type(mine) is list and all(types_of(c) == dict.fromkeys(c, str) for c in mine)
    assert len(mine) == len(reference)
    me = await ours.client_id()
    assert [c["name"] for c in mine if c["id"] == str(me)] == ["lister"]
    only_me = await ours.client_list(client_id=[me])
    assert [c["id"] for c in only_me] == [str(me)]
    assert len(await ours.client_list(_type="normal")) == len(mine)
    assert await both(pair, "client_list", "pubsub") == []


async def test_memory_usage(pair):  # type: ignore[no-untyped-def]
    await pair[0].set("k", "v" * 100)
    size = await both(pair, "memory_usage", "k")
    assert type(size) is int and size > 100
    await both(pair, "memory_usage", "k", samples=0)
    assert await both(pair, "memory_usage", "nope") is None


async def test_execute_command_applies_the_server_parsers(pair):  # type: ignore[no-untyped-def]
    ours = pair[0]
    assert "redis_version" in await ours.execute_command("INFO", "server")
    seconds, micros = await ours.execute_command("TIME")
    assert type(seconds) is int and type(micros) is int
    assert await ours.execute_command("CONFIG", "GET", "maxmemory") == {"maxmemory": "0"}
    assert await ours.execute_command("CONFIG", "SET", "timeout", "0") is True
    assert await ours.execute_command("CLIENT", "SETNAME", "x") is True
    assert await ours.execute_command("CLIENT", "GETNAME") == "x"
    assert type(await ours.execute_command("CLIENT", "LIST")) is list
    assert type(await ours.execute_command("LASTSAVE")) is datetime.datetime


async def test_bad_arguments_raise_data_error_and_server_errors_keep_their_text(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="_type must be one of"):
        r.client_list(_type="bogus")
    with pytest.raises(DataError, match="client_id must be a list"):
        r.client_list(client_id="5")  # type: ignore[arg-type]
    with pytest.raises(ResponseError, match="no-such-parameter"):
        await r.config_set("no-such-parameter", "1")
    with pytest.raises(ResponseError):
        await r.client_setname("has space")
    assert await r.dbsize() == 0  # the client still works after all of these
