"""Uses of the client a type checker must reject: each marked line must be an error, and no other line.

tests/unit/test_typing.py runs the checkers and compares the lines they flag with the ``# error`` marks.
"""

# ruff: noqa: F841  (the misuse file states things for the checker to reject, not to use)

from __future__ import annotations

from leanredis import Redis


async def misuse() -> None:
    r = Redis()
    s = Redis(decode_responses=True)
    r.get(1, 2, 3)  # error: too many arguments
    await r.no_such_command("k")  # error: no such method
    text: str = (await r.get("k")) or ""  # error: a bytes client's value is not a str
    raw: bytes = (await s.get("k")) or b""  # error: a str client's value is not bytes
    (await s.hgetall("h"))[b"field"]  # error: a str client's keys are str
    (await r.incr("n")).decode()  # error: INCR gives an int
    pairs: list[tuple[str, float]] = await r.zrange("z", 0, -1, withscores=True)  # error: bytes members
    members: list[bytes] = await r.zrange("z", 0, -1, withscores=True)  # error: with scores, pairs
    Redis(decode_responses=True, max_inflight="many")  # error: an option of the wrong type
    await r.set("k", "v", ex="soon")  # error: an expiry of the wrong type


async def pipeline_misuse() -> None:
    r = Redis()
    pipe = r.pipeline()
    pipe.get("k").decode()  # error: a pipeline's command method returns the pipeline, not the value
    pipe.set("k", "v").no_such_command()  # error: chaining still needs a real command
    text: str = (await pipe.execute())[0]  # (not an error: execute()'s replies are list[Any])
    s = Redis(decode_responses=True)
    async with s.pubsub() as p:
        message = await p.get_message()
        if message is not None:
            message["channel"].decode()  # error: a str client's channel is str (or None)


async def module_misuse() -> None:
    r = Redis()
    s = Redis(decode_responses=True)
    ok: bytes = await s.tdigest().reset("td")  # error: a str client's OK is str
    (await r.bf().add("bf", "a")).decode()  # error: BF.ADD gives a bool
    r.pipeline().json().get("k").result()  # error: on a pipeline, the pipeline: no future to ask for a result
    r.pipeline().ts().add("t", 1, 1.0).done()  # error: on a pipeline, the pipeline: no future to ask if done
    r.json().pipeline().incr("n").set("k", "v")  # error: on JSON's pipeline, set is JSON.SET: name, path, obj
    (await r.json().get("k")).decode()  # error: JSON.GET gives a JSON value, never bytes
    (await r.ft().search("q")).docs[0].id.decode()  # error: a document's id is str
    r.ts().range("t", "-", "+", aggregation_type=("min", "max"))  # error: several aggregators go in a list
