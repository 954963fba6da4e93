"""``leanredis.Redis`` has every public name of ``redis.asyncio.Redis`` (8.1) that a Redis 7 or Valkey 9
server can serve. A name it lacks fails here unless it is listed below, with the reason it is left out.

(``test_signatures.py`` then checks that the shared names take the same parameters.)
"""

from __future__ import annotations

from pathlib import Path

import redis.asyncio

import leanredis

# name -> why leanredis.Redis does not have it
EXCLUDED: dict[str, str] = {
    # redis-py stubs: they only raise NotImplementedError there
    # vector sets: execute_command sends their commands
    "vset": "vector sets (Redis 8) have no namespace yet",
    # commands that neither Redis 7 nor Valkey 9 has (Redis 8.2+)
    **dict.fromkeys(
        (
            "arcount", "ardel", "ardelrange", "arget", "argetrange", "argrep", "arinfo", "arinsert",
            "arlastitems", "arlen", "armget", "armset", "arnext", "arop", "arring", "arscan", "arseek", "arset",
        ),
        "Redis 8.2+ array commands (AR*)",
    ),
    **dict.fromkeys(
        (
            "himport_discard", "himport_discard_all", "himport_discard_all_internal", "himport_discard_internal",
            "himport_prepare", "himport_prepare_internal", "himport_registry", "himport_set",
        ),
        "Redis 8.2+ HIMPORT (experimental in redis-py)",
    ),
    **dict.fromkeys(("hotkeys_get", "hotkeys_reset", "hotkeys_start", "hotkeys_stop"), "Redis 8.2+ HOTKEYS"),
    "blmovem": "Redis 8.2+ BLMOVEM",
    "lmovem": "Redis 8.2+ LMOVEM",
    "delex": "Redis 8.4 DELEX (experimental in redis-py); Valkey 9 has DELIFEQ instead",
    "digest": "Redis 8.4 DIGEST (experimental in redis-py)",
    "digest_local": "a local XXH3 of a value, to compare with DIGEST (Redis 8.4); needs the xxhash package",
    "sdiffcard": "Redis 8.2+ SDIFFCARD",
    "sunioncard": "Redis 8.2+ SUNIONCARD",
    "xackdel": "Redis 8.2 XACKDEL",
    "xdelex": "Redis 8.2 XDELEX",
    "xcfgset": "Redis 8.2+ XCFGSET",
    "xnack": "Redis 8.2+ XNACK",
    # removed from the servers
    "stralgo": "STRALGO was removed in Redis 7.0 (lcs() replaces it)",
    # refused on purpose
    "parse_response": (
        "redis-py reads a reply off a Connection the caller holds; ours parses every reply in the "
        "connection and hands it to the waiting caller: there is no connection to read from"
    ),
}



def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_redis_has_every_public_name_of_redis_asyncio_but_the_listed_ones() -> None:
    missing = _public(redis.asyncio.Redis) - _public(leanredis.Redis) - EXCLUDED.keys()
    assert not missing, f"leanredis.Redis lacks {sorted(missing)}"


def test_every_excluded_name_is_still_a_redis_asyncio_name_leanredis_lacks() -> None:
    theirs = _public(redis.asyncio.Redis)
    ours = _public(leanredis.Redis)
    stale = sorted(name for name in EXCLUDED if name not in theirs or name in ours)
    assert not stale, f"listed but no longer missing (or gone from redis-py): {stale}"


def test_the_comparison_sees_redis_asyncios_names() -> None:
    assert len(_public(redis.asyncio.Redis)) > 400
    assert {"get", "set", "pipeline", "pubsub", "lock"} <= _public(leanredis.Redis)


def test_switching_from_redis_asyncio_lists_every_name_left_out() -> None:
    from test_cluster_public_names import EXCLUDED as CLUSTER_EXCLUDED  # tests/unit is on sys.path (no package)

    page = (Path(__file__).resolve().parents[2] / "docs" / "switching.md").read_text()
    section = page.split("\n## What is not there yet\n", 1)[1].split("\n## ", 1)[0]
    unlisted = sorted(name for name in {*EXCLUDED, *CLUSTER_EXCLUDED} if f"`{name}" not in section)
    assert not unlisted, f"docs/switching.md, What is not there yet, does not name: {unlisted}"


def test_leanredis_exports_every_name_redis_asyncio_exports() -> None:
    """``from redis.asyncio import X`` becomes ``from leanredis import X`` for each X of its ``__all__``."""
    missing = sorted(set(redis.asyncio.__all__) - set(leanredis.__all__))
    assert not missing, f"leanredis does not export {missing}"
    absent = sorted(name for name in leanredis.__all__ if not hasattr(leanredis, name))
    assert not absent, f"listed in leanredis.__all__ but not there: {absent}"
