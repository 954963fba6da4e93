"""The command classes' metaclass (``leanredis.commands.funnel.FunnelMeta``) lets a subclass mix in ``abc.ABC``,
as redis.asyncio's classes do: ``class MyRedis(leanredis.Redis, abc.ABC)`` is a plain class definition there."""

from __future__ import annotations

import abc

import pytest
import redis.asyncio

import leanredis


@pytest.mark.parametrize("base", [leanredis.Redis, leanredis.RedisCluster, redis.asyncio.Redis])
def test_a_client_subclass_may_be_an_abc_with_abstract_methods(base: type) -> None:
    class Tagged(base, abc.ABC):  # type: ignore[misc,valid-type]
        @abc.abstractmethod
        def tag(self) -> str: ...

    class Concrete(Tagged):
        def tag(self) -> str:
            return "concrete"

    kwargs = {"host": "127.0.0.1", "port": 1}
    with pytest.raises(TypeError, match="abstract"):
        Tagged(**kwargs)
    client = Concrete(**kwargs)  # no connection until the first command
    assert client.tag() == "concrete"
    assert isinstance(client, Tagged) and isinstance(client, base)


def test_an_abc_subclass_overriding_execute_command_is_still_funneled() -> None:
    seen: list[tuple[object, ...]] = []

    class Traced(leanredis.Redis, abc.ABC):
        def execute_command(self, *args: object, **options: object) -> object:
            seen.append(args)
            return super().execute_command(*args, **options)

    client = Traced(host="127.0.0.1", port=1)
    coroutine_or_future = client.get("k")  # outside a loop: a coroutine, nothing sent
    if hasattr(coroutine_or_future, "close"):
        coroutine_or_future.close()
    assert seen and seen[0][0] in ("GET", b"GET")
