"""Run the same call on leanredis and on redis.asyncio and compare what comes back.

redis.asyncio 8.1 with its default options is the reference for return
types: equal values *and* equal types, element by element.
"""

from __future__ import annotations

from typing import Any


def same_shape(ours: Any, theirs: Any) -> bool:
    """Equal values of equal types, recursively (bool is not int, tuple is not list)."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(same_shape(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(theirs) and all(same_shape(a, b) for a, b in zip(ours, theirs))
    if isinstance(ours, float) and ours != ours:
        return theirs != theirs
    return bool(ours == theirs)


async def both(pair: tuple[Any, Any], method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``method`` on leanredis, then on redis-py (same state), assert same shape; return ours.

    The call runs twice on the server: use it for reads, or for writes whose
    second run gives the same answer (or compare with ``first_then``).
    """
    ours_client, theirs_client = pair
    ours = await getattr(ours_client, method)(*args, **kwargs)
    theirs = await getattr(theirs_client, method)(*args, **kwargs)
    assert same_shape(ours, theirs), f"{method}{args}: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def write_both(pair: tuple[Any, Any], setup: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """For writes: run ``setup(client)`` then the call on each client in turn from the same state."""
    ours_client, theirs_client = pair
    await ours_client.flushdb()
    await setup(ours_client)
    ours = await getattr(ours_client, method)(*args, **kwargs)
    await ours_client.flushdb()
    await setup(ours_client)
    theirs = await getattr(theirs_client, method)(*args, **kwargs)
    assert same_shape(ours, theirs), f"{method}{args}: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def raises_both(pair: tuple[Any, Any], error: str, method: str, *args: Any, **kwargs: Any) -> None:
    """Both clients raise an exception of the class named ``error`` (or of a subclass: leanredis's
    ``WrongTypeError`` is a ``ResponseError``); ours at call time when redis-py does.

    redis-py checks arguments in the method, before anything is sent, so a
    ``DataError`` / ``ValueError`` there comes from the call itself; ours
    must too (nothing reaches the server).
    """
    await raise_alike(pair, error, method, lambda client: getattr(client, method)(*args, **kwargs), args)


async def raise_alike(pair: tuple[Any, Any], error: str, label: str, call: Any, args: tuple[Any, ...]) -> None:
    """``call(client)`` then its await raise the class named ``error`` for both clients, at the same stage
    (``label`` and ``args`` name the call in a failure)."""
    raised = []
    for client in pair:
        stage = "call"
        try:
            result = call(client)
            stage = "await"
            await result
        except Exception as exc:  # the class name is the point of the comparison
            names = {cls.__name__ for cls in type(exc).__mro__}
            raised.append((error if error in names else type(exc).__name__, stage, exc))
        else:
            raised.append((None, None, None))
    (ours, ours_stage, ours_exc), (theirs, theirs_stage, theirs_exc) = raised
    assert ours == theirs == error, f"{label}{args}: leanredis {ours_exc!r} vs redis-py {theirs_exc!r}"
    assert ours_stage == theirs_stage, f"{label}{args}: leanredis raised at {ours_stage}, redis-py at {theirs_stage}"
