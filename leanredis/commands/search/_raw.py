"""``RawThen``: a reply parser that wants the reply undecoded, for commands recorded in a pipeline.

On a client, such a command is sent with ``raw_reply`` (the connection skips
``decode_responses`` for it) and read by the caller's coroutine; a pipeline
records ``RawThen(read)``, sends it with ``raw_reply`` and applies ``read``
to the reply (``leanredis.pipeline``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class RawThen:
    """``read`` applied to the undecoded reply."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[Any], Any]) -> None:
        self.read = read

    def __call__(self, reply: Any) -> Any:
        return self.read(reply)
