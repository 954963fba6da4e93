"""Every public method leanredis shares with redis.asyncio (8.1) takes the same parameters:
names, order, kinds and defaults. A drop-in replacement fails at the first keyword it lacks.

Intended differences are listed, each with its reason; anything else that differs fails.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import redis.asyncio
import redis.asyncio.client

import leanredis
from leanredis.pipeline import Pipeline
from leanredis.pubsub import PubSub

# method name -> why leanredis's parameters differ on purpose
INTENDED: dict[str, str] = {
    # () where redis-py has a mutable [] default: the same "no prefixes/ids" to the caller, and no
    # list shared between calls
    "client_list": "client_id=() default",
    "client_tracking": "prefix=() default",
    "client_tracking_on": "prefix=() default",
    "client_tracking_off": "prefix=() default",
    # leanredis's PubSub takes its queue bound and overflow policy here; redis-py's takes **kwargs only
    "pubsub": "max_pending_messages, overflow",
    # single_connection_client / auto_close_connection_pool steer redis-py's connection pool; a
    # leanredis client is one multiplexed connection (and client.py is outside this change)
    "from_url": "no single_connection_client, auto_close_connection_pool",
    # the same JSONEncoder()/JSONDecoder() defaults, but not redis-py's own objects
    # (tests/unit/test_module_namespaces.py compares their classes)
    "json": "encoder/decoder defaults are equal instances, not the same objects",
}


def _shape(function: Any) -> list[tuple[str, str, Any]] | None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to compare
        return None
    return [
        # a **kwargs parameter's own name is invisible to callers (redis-py's Pipeline.execute_command
        # calls it kwargs, its Redis.execute_command options): not compared
        ("**" if p.kind is p.VAR_KEYWORD else p.name, p.kind.name, "<required>" if p.default is p.empty else p.default)
        for p in signature.parameters.values()
    ]


def _shared(ours: type, theirs: type) -> list[str]:
    return sorted(
        name
        for name in dir(ours)
        if not name.startswith("_")
        and callable(getattr(ours, name, None))
        and callable(getattr(theirs, name, None))
        and not isinstance(getattr(ours, name), type)
    )


CLASSES = [
    (leanredis.Redis, redis.asyncio.Redis),
    (PubSub, redis.asyncio.client.PubSub),
    (Pipeline, redis.asyncio.client.Pipeline),
]
CASES = [(ours, theirs, name) for ours, theirs in CLASSES for name in _shared(ours, theirs)]


def test_the_comparison_covers_the_command_families() -> None:
    assert sum(ours is leanredis.Redis for ours, _, _ in CASES) > 250
    assert {"set", "xread", "xreadgroup", "xadd", "ping", "info", "parse_response", "execute"} <= {
        name for _, _, name in CASES
    }


@pytest.mark.parametrize(("ours", "theirs", "name"), CASES, ids=[f"{o.__name__}.{n}" for o, _, n in CASES])
def test_shared_method_takes_redis_pys_parameters(ours: type, theirs: type, name: str) -> None:
    if name in INTENDED and ours is not PubSub:
        assert _shape(getattr(ours, name)) != _shape(getattr(theirs, name)), f"{name} no longer differs: unlist it"
        return
    assert _shape(getattr(ours, name)) == _shape(getattr(theirs, name)), f"{ours.__name__}.{name}"
