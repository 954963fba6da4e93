"""The command table against the live server's own COMMAND INFO and COMMAND GETKEYS.

Every row is compared with the server: key range (first, last, step), the
flags the table declares, and the route where the server tips a
request_policy; every command the server lists must have a row. Then
``keys_of`` is compared with ``COMMAND GETKEYS`` on real argument tuples:
one per keyed command built from its arity, and hand-written ones for each
movable form (numkeys, STREAMS, keyword, MIGRATE KEYS) and subcommands.
Differences between Redis 7.0 and Valkey 9 are listed below, each with why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import leanredis
from leanredis.commands.spec import DECLARED_FLAGS, CommandSpec
from leanredis.commands.table import COMMANDS, keys_of
from leanredis.exceptions import ResponseError
from leanredis.server import RedisServer

pytestmark = pytest.mark.families

# Commands a server does not have, with why. A name listed here that the
# server has fails the test, so the lists cannot go stale.
MISSING: dict[str, dict[str, str]] = {
    "redis": {
        # Hash field expiry: Redis 7.4 (and Valkey 9); not in 7.0.
        **{
            n: "hash field expiry, Redis 7.4"
            for n in (
                "HEXPIRE",
                "HEXPIREAT",
                "HEXPIRETIME",
                "HPERSIST",
                "HPEXPIRE",
                "HPEXPIREAT",
                "HPEXPIRETIME",
                "HPTTL",
                "HTTL",
            )
        },  # fmt: skip
        # Redis 8.0 hash commands (Valkey 9 has them too).
        "HGETDEL": "Redis 8.0",
        "HGETEX": "Redis 8.0",
        "HSETEX": "Redis 8.0",
        "WAITAOF": "Redis 7.2",
        "CLIENT NO-TOUCH": "Redis 7.2",
        "CLIENT SETINFO": "Redis 7.2",
        "CLUSTER MYSHARDID": "Redis 7.2",
        # Valkey only.
        "CLIENT CAPA": "Valkey only (client capabilities, redirect)",
        "CLIENT IMPORT-SOURCE": "Valkey only",
        "CLUSTER CANCELSLOTMIGRATIONS": "Valkey 9 atomic slot migration",
        "CLUSTER GETSLOTMIGRATIONS": "Valkey 9 atomic slot migration",
        "CLUSTER MIGRATESLOTS": "Valkey 9 atomic slot migration",
        "CLUSTER SYNCSLOTS": "Valkey 9 atomic slot migration",
        "CLUSTER FLUSHSLOT": "Valkey only",
        "CLUSTER SLOT-STATS": "Valkey 8",
        "COMMANDLOG": "Valkey 8.1 (SLOWLOG's successor)",
        "COMMANDLOG GET": "Valkey 8.1",
        "COMMANDLOG HELP": "Valkey 8.1",
        "COMMANDLOG LEN": "Valkey 8.1",
        "COMMANDLOG RESET": "Valkey 8.1",
        "DELIFEQ": "Valkey 9",
        "MSETEX": "Valkey 9",
        "SCRIPT SHOW": "Valkey 8",
        "INCREX": "Redis 8.7",
    },
    "valkey": {"INCREX": "Redis 8.7"},
}

# Rows the table adds on purpose: the server does not list them as commands.
CLIENT_SIDE = {
    # The server lists DEBUG without subcommands or keys; DEBUG OBJECT key reads the key.
    "DEBUG OBJECT": "DEBUG",
}

# Flags a server reports differently from the table: {server: {command: (extra on server, missing on server)}}.
FLAG_DIFFERENCES: dict[str, dict[str, tuple[set[str], set[str]]]] = {
    "redis": {
        # Redis 7.0 flags WAIT noscript and not blocking; it blocks the connection (Valkey 9 says so).
        "WAIT": ({"noscript"}, {"blocking"}),
    },
    "valkey": {
        # Valkey lets scripts call the blocking pops (they do not block there): no noscript.
        **{n: (set(), {"noscript"}) for n in ("BLMOVE", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZPOPMAX", "BZPOPMIN")},
    },
}

# request_policy tips the table does not follow, with why.
ROUTE_DIFFERENCES: dict[str, dict[str, str]] = {
    # Split by slot, MSETNX would no longer set all keys or none; Valkey 9 tips nothing.
    "redis": {"MSETNX": "multi_shard"},
    "valkey": {},
}

# Rows only a sentinel has: checked against a sentinel's COMMAND INFO in test_sentinel.py.
SENTINEL_ONLY = {name for name in COMMANDS if name.split()[0] == "SENTINEL"}

# Commands the server lists and the table leaves out: replication and test internals.
INTERNAL = {"REPLCONF", "PSYNC", "SYNC", "PFDEBUG", "PFSELFTEST", "RESTORE-ASKING", "CLUSTERSCAN"}

TIP_ROUTES = {"all_nodes": "all_nodes", "all_shards": "all_primaries", "multi_shard": "multi_shard"}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    c = leanredis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True, protocol=2)
    yield c
    await c.aclose()


async def _server(client: leanredis.Redis) -> tuple[str, dict[str, list[Any]]]:
    """("redis" | "valkey", name -> COMMAND INFO entry, subcommands as "CONFIG GET")."""
    info = await client.info("server")
    kind = "valkey" if "valkey_version" in info else "redis"
    entries: dict[str, list[Any]] = {}
    for entry in await client.execute_command("COMMAND", "INFO"):
        entries[entry[0].upper()] = entry
        for sub in entry[9] if len(entry) > 9 else []:
            entries[sub[0].upper().replace("|", " ")] = sub
    return kind, entries


def _differences(row: CommandSpec, entry: list[Any], kind: str) -> list[str]:
    out = []
    if (row.first, row.last, row.step) != tuple(entry[3:6]):
        out.append(f"{row.name}: keys {row.first, row.last, row.step} declared, server {tuple(entry[3:6])}")
    server_flags = set(entry[2]) & DECLARED_FLAGS
    extra, missing = FLAG_DIFFERENCES[kind].get(row.name, (set(), set()))
    expected = (set(row.flags) | extra) - missing
    if server_flags != expected:
        out.append(f"{row.name}: flags {sorted(row.flags)} declared, server {sorted(server_flags)}")
    policies = [t.split(":", 1)[1] for t in entry[7] if t.startswith("request_policy:")]
    if policies and policies[0] in TIP_ROUTES and ROUTE_DIFFERENCES[kind].get(row.name) != policies[0]:
        if row.route != TIP_ROUTES[policies[0]]:
            out.append(f"{row.name}: route {row.route} declared, server tips request_policy:{policies[0]}")
    return out


async def test_every_row_matches_the_servers_command_info(client: leanredis.Redis) -> None:
    kind, entries = await _server(client)
    problems = []
    for name, row in COMMANDS.items():
        if name in SENTINEL_ONLY or "." in name:  # a module's command: checked on the modules server
            continue
        entry = entries.get(CLIENT_SIDE.get(name, name))
        if name in MISSING[kind]:
            if entry is not None:
                problems.append(f"{name} is listed as missing on {kind} ({MISSING[kind][name]}) but the server has it")
            continue
        if entry is None:
            problems.append(f"{name}: declared, but {kind} has no such command")
            continue
        if name in CLIENT_SIDE:
            entry = [*entry[:3], row.first, row.last, row.step, *entry[6:]]  # the key range is ours
        problems.extend(_differences(row, entry, kind))
    undeclared = sorted(set(entries) - set(COMMANDS) - INTERNAL)
    if undeclared:
        problems.append(f"{kind} lists commands the table lacks: {undeclared}")
    assert not problems, "\n".join(problems)


def _sample(name: str, arity: int) -> list[tuple[Any, ...]]:
    """Argument tuples of the command's arity: distinct strings, so each key is recognisable."""
    words = name.split()
    if arity > 0:
        sizes = [arity]
    else:  # past the minimum: PFMERGE dest alone has no key spec match on Redis 7.0
        sizes = [-arity + 1, -arity + 2]
    return [(*words, *(f"a{i}" for i in range(len(words), size))) for size in sizes]


# GEORADIUS with both STORE and STOREDIST: Redis 7.0 reads both keys (its key
# specs, so both must share a slot), Valkey 9 only the last (what it writes).
# keys_of returns both, the safe side for a router (redis-py never sends both);
# on Valkey the server's keys must be among ours.
BOTH_STORES = [
    ("GEORADIUSBYMEMBER", "g", "m", "3", "km", "STORE", "d1", "STOREDIST", "d2"),
    ("GEORADIUS", "g", "1", "2", "3", "km", "STOREDIST", "d2", "STORE", "d1"),
]
FEWER_KEYS_ON_SERVER = {"redis": [], "valkey": BOTH_STORES}

# Real argument tuples for the movable forms and subcommands, as methods send them.
MOVABLE_SAMPLES: list[tuple[Any, ...]] = [
    ("EVAL", "return 1", "2", "k1", "k2", "arg"),
    ("EVAL", "return 1", "0", "arg"),
    ("EVALSHA", "a" * 40, "1", "k1"),
    ("EVAL_RO", "return 1", "1", "k1", "x"),
    ("EVALSHA_RO", "a" * 40, "2", "k1", "k2"),
    ("FCALL", "f", "2", "k1", "k2", "x"),
    ("FCALL_RO", "f", "1", "k1"),
    ("ZUNION", "2", "k1", "k2", "WITHSCORES"),
    ("ZINTER", "3", "k1", "k2", "k3", "WEIGHTS", "1", "2", "3", "AGGREGATE", "MAX"),
    ("ZDIFF", "1", "k1"),
    ("ZUNIONSTORE", "d", "2", "k1", "k2", "WEIGHTS", "1", "2"),
    ("ZINTERSTORE", "d", "1", "k1"),
    ("ZDIFFSTORE", "d", "2", "k1", "k2"),
    ("SINTERCARD", "2", "k1", "k2", "LIMIT", "5"),
    ("ZINTERCARD", "2", "k1", "k2"),
    ("LMPOP", "2", "k1", "k2", "LEFT", "COUNT", "2"),
    ("ZMPOP", "1", "k1", "MIN"),
    ("BLMPOP", "0.5", "2", "k1", "k2", "RIGHT"),
    ("BZMPOP", "0", "1", "k1", "MAX", "COUNT", "3"),
    ("XREAD", "STREAMS", "s1", "0"),
    ("XREAD", "COUNT", "2", "BLOCK", "10", "STREAMS", "s1", "s2", "0", "$"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", ">"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "NOACK", "streams", "s1", "s2", ">", ">"),
    ("SORT", "k"),
    ("SORT", "k", "BY", "w_*", "LIMIT", "0", "10", "GET", "#", "ALPHA", "STORE", "dst"),
    ("SORT", "k", "STORE", "d1", "STORE", "d2"),
    ("SORT_RO", "k", "BY", "w_*", "GET", "o_*"),
    ("GEORADIUS", "g", "1", "2", "3", "km"),
    ("GEORADIUS", "g", "1", "2", "3", "km", "STORE", "dst"),
    ("GEORADIUS", "g", "1", "2", "3", "km", "WITHDIST", "STOREDIST", "dst"),
    *BOTH_STORES,
    ("SPUBLISH", "ch", "message"),
    ("SSUBSCRIBE", "ch1", "ch2"),
    ("MIGRATE", "127.0.0.1", "1", "k", "0", "100"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "100", "COPY", "KEYS", "k1", "k2"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "100", "AUTH", "pw", "KEYS", "k1"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "100", "AUTH2", "u", "KEYS", "KEYS", "k1"),
    ("MSET", "k1", "v1", "k2", "v2"),
    ("BLPOP", "k1", "k2", "0"),
    ("OBJECT", "ENCODING", "k"),
    ("MEMORY", "USAGE", "k", "SAMPLES", "5"),
    ("XINFO", "STREAM", "s", "FULL"),
    ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
    ("SET", "k", "v", "GET"),
]
MOVABLE_SAMPLES_BY_SERVER = {
    "valkey": [("MSETEX", "2", "k1", "v1", "k2", "v2", "EX", "10")],
    "redis": [],
}


# Shard channels: COMMAND INFO gives them a key range (their key specs say
# not_key) and GETKEYS leaves them out, but a cluster sends them to the
# channel's slot, so keys_of returns the channels.
CHANNELS_AS_KEYS = {"SPUBLISH", "SSUBSCRIBE", "SUNSUBSCRIBE"}


async def _server_keys(client: leanredis.Redis, args: tuple[Any, ...]) -> list[Any]:
    try:
        return list(await client.execute_command("COMMAND", "GETKEYS", *args))
    except ResponseError as exc:
        if "no key arguments" in str(exc):
            return []
        raise


async def test_keys_of_matches_command_getkeys(client: leanredis.Redis) -> None:
    kind, entries = await _server(client)
    samples = list(MOVABLE_SAMPLES) + MOVABLE_SAMPLES_BY_SERVER[kind]
    for name, row in COMMANDS.items():
        if row.search is None and not row.is_keyless and name in entries and name not in CLIENT_SIDE:
            samples.extend(_sample(name, entries[name][1]))
    mismatches = []
    for args in samples:
        try:
            server = await _server_keys(client, args)
        except ResponseError as exc:
            mismatches.append(f"{args}: server refused: {exc}")
            continue
        ours = keys_of(args)
        if args[0] in CHANNELS_AS_KEYS:
            server = list(args[1:2] if args[0] == "SPUBLISH" else args[1:]) if server == [] else server
        if args in FEWER_KEYS_ON_SERVER[kind] and set(server) < set(ours):
            continue
        if ours != server:
            mismatches.append(f"{args}: keys_of {ours}, server {server}")
    assert not mismatches, "\n".join(mismatches)
    assert len(samples) > 200  # every keyed command took part, not just the hand-written ones
