"""RedisJSON: ``r.json()``, with redis.asyncio 8.1's methods and results.

``r.json(encoder=..., decoder=...)`` is a namespace on the client's own
connection: its commands are pipelined with every other command, within the
client's bounds. ``r.json().pipeline()`` is a pipeline whose JSON method
names (``set``, ``get``, ``delete``, ``type``...) are JSON's, as in redis-py;
``r.pipeline().json()`` records JSON commands in an ordinary pipeline.
"""

from __future__ import annotations

from json import JSONDecoder, JSONEncoder
from typing import TYPE_CHECKING, Any

from ...future import CommandFuture
from ...typed import StrT
from ..base import recast
from ._util import JSONResp, JSONValue
from .commands import DEFAULT_REPLIES, FPHAType, JSONCommands, JSONReplies
from .path import Path

__all__ = ["JSON", "FPHAType", "JSONCommands", "JSONResp", "JSONValue", "Path"]

DEFAULT_DECODER: JSONDecoder = DEFAULT_REPLIES.decoded.decoder
DEFAULT_ENCODER = JSONEncoder()
_PIPELINE_CLASSES: dict[type, type] = {}

if TYPE_CHECKING:  # the pipeline classes made below, as type checkers see them (chained.pyi, written by a script)
    from ...cluster.chained import JSONClusterPipeline
    from ..chained import JSONPipeline


def _replies(decoder: JSONDecoder) -> JSONReplies:
    """The table's parsers for the default decoder, parsers of its own for any other."""
    return DEFAULT_REPLIES if decoder is DEFAULT_DECODER else JSONReplies(decoder)


class JSON(JSONCommands[StrT]):
    """``r.json()``: RedisJSON commands sent through ``client``, values encoded and decoded as JSON."""

    def __init__(
        self,
        client: Any,
        version: Any = None,
        decoder: JSONDecoder = DEFAULT_DECODER,
        encoder: JSONEncoder = DEFAULT_ENCODER,
    ) -> None:
        self.client = client
        self.MODULE_VERSION = version
        self._json_encoder = encoder
        self._json_replies = _replies(decoder)

    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        return self.client._send(args, parse)  # looked up each time: callbacks and views replace it

    def execute_command(self, *args: Any, **options: Any) -> CommandFuture[Any]:
        """The client's ``execute_command``."""
        return self.client.execute_command(*args, **options)

    def pipeline(
        self, transaction: bool = True, shard_hint: Any = None
    ) -> JSONPipeline[StrT] | JSONClusterPipeline[StrT]:
        """A pipeline of the client whose ``set``/``get``/... are JSON's (core commands keep their names)."""
        pipe = self.client.pipeline(transaction=transaction, shard_hint=shard_hint)
        base = type(pipe)
        cls = _PIPELINE_CLASSES.get(base)
        if cls is None:
            cls = _PIPELINE_CLASSES[base] = type(f"JSON{base.__name__}", (JSONCommands, base), {"__module__": __name__})
        pipe = recast(pipe, cls)
        pipe._json_encoder = self._json_encoder
        pipe._json_replies = self._json_replies
        return pipe
