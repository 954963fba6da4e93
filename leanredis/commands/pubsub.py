"""Publish and PUBSUB introspection, with redis.asyncio's names and return types.

Subscribing needs a connection of its own: ``Redis.pubsub()`` (leanredis.pubsub).
PUBLISH/SPUBLISH return the number of receivers (int); PUBSUB CHANNELS and
SHARDCHANNELS a list of names; PUBSUB NUMSUB and SHARDNUMSUB a list of
``(channel, count)`` tuples, as redis-py 8.1 returns them.
"""

from __future__ import annotations

from typing import Any

from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, KeyT
from .parsers import register


def numsub_reply(reply: Any) -> list[tuple[Any, int]]:
    """[ch, n, ch, n, ...] (or a RESP3 map) -> [(ch, n), ...] (redis-py's parse_pubsub_numsub)."""
    if isinstance(reply, dict):
        return list(reply.items())
    return list(zip(reply[0::2], reply[1::2]))


register("PUBSUB_NUMSUB PUBSUB_SHARDNUMSUB", numsub_reply)


class PubSubCommands(CommandsBase[StrT]):
    """PUBLISH, SPUBLISH and PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB."""

    def publish(self, channel: KeyT, message: EncodableT, **kwargs: Any) -> CommandFuture[int]:
        """Publish ``message`` on ``channel``; the number of subscribers it reached."""
        return self._send((b"PUBLISH", channel, message), None)

    def spublish(self, shard_channel: KeyT, message: EncodableT) -> CommandFuture[int]:
        """Publish ``message`` on a shard channel; the number of subscribers it reached."""
        return self._send((b"SPUBLISH", shard_channel, message), None)

    def pubsub_channels(self, pattern: KeyT = "*", **kwargs: Any) -> CommandFuture[list[StrT]]:
        """Channels with at least one subscriber, matching ``pattern``."""
        return self._send((b"PUBSUB", b"CHANNELS", pattern), None)

    def pubsub_shardchannels(self, pattern: KeyT = "*", **kwargs: Any) -> CommandFuture[list[StrT]]:
        """Shard channels with at least one subscriber, matching ``pattern``."""
        return self._send((b"PUBSUB", b"SHARDCHANNELS", pattern), None)

    def pubsub_numpat(self, **kwargs: Any) -> CommandFuture[int]:
        """Number of pattern subscriptions on the server."""
        return self._send((b"PUBSUB", b"NUMPAT"), None)

    def pubsub_numsub(self, *args: KeyT, **kwargs: Any) -> CommandFuture[list[tuple[StrT, int]]]:
        """``[(channel, subscribers), ...]`` for each channel given."""
        return self._send((b"PUBSUB", b"NUMSUB", *args), numsub_reply)

    def pubsub_shardnumsub(self, *args: KeyT, **kwargs: Any) -> CommandFuture[list[tuple[StrT, int]]]:
        """``[(shard channel, subscribers), ...]`` for each shard channel given."""
        return self._send((b"PUBSUB", b"SHARDNUMSUB", *args), numsub_reply)
