"""Replies as redis.asyncio's message dicts, handlers, and the health check.

A reply becomes ``{'type', 'pattern', 'channel', 'data'}``, as
``get_message()`` and ``listen()`` return it; a published message whose
channel or pattern has a handler (``subscribe(channel=handler)``) goes to the
handler instead. With ``health_check_interval``, ``check_health()`` PINGs an
idle connection and the reply to that PING never reaches the caller.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any

from .subscriptions import _Subscriptions

_PUBLISH_TYPES = ("message", "pmessage", "smessage")
_UNSUBSCRIBE_TYPES = ("unsubscribe", "punsubscribe", "sunsubscribe")


class _Messages(_Subscriptions):
    """PubSub's message dicts, handler calls and health check; ``PubSub.__init__`` sets the state."""

    PUBLISH_MESSAGE_TYPES = _PUBLISH_TYPES
    UNSUBSCRIBE_MESSAGE_TYPES = _UNSUBSCRIBE_TYPES
    HEALTH_CHECK_MESSAGE = "redis-py-health-check"

    ignore_subscribe_messages: bool
    health_check_interval: float
    _next_health_check: float

    if TYPE_CHECKING:  # PubSub's, in core

        def _check_connected(self) -> None: ...

    async def check_health(self) -> None:
        """PING the server (``HEALTH_CHECK_MESSAGE``) when nothing was read for ``health_check_interval`` seconds.

        The reply is read like any message and dropped by ``parse_response``.
        """
        self._check_connected()
        interval = self.health_check_interval
        if not interval or self._proto is None:
            return
        now = asyncio.get_running_loop().time()
        if now > self._next_health_check:
            self._next_health_check = now + interval  # one PING per interval, not one per poll
            self._write((b"PING", self.HEALTH_CHECK_MESSAGE))

    async def handle_message(self, response: Any, ignore_subscribe_messages: bool = False) -> dict[str, Any] | None:
        """A reply -> redis-py's message dict; calls the handler of a published message."""
        if response is None:
            return None
        if isinstance(response, BaseException):
            raise response
        if isinstance(response, (bytes, str)):  # PONG outside subscribed mode, or any RESP3 PING reply
            empty = response[:0]
            response = [b"pong", empty if response in (b"PONG", "PONG") else response]
        kind = response[0]
        message_type = kind.decode() if isinstance(kind, bytes) else kind
        if message_type == "pmessage":
            message = {"type": message_type, "pattern": response[1], "channel": response[2], "data": response[3]}
        elif message_type == "pong":
            message = {"type": message_type, "pattern": None, "channel": None, "data": response[1]}
        else:
            message = {"type": message_type, "pattern": None, "channel": response[1], "data": response[2]}
        if message_type in _UNSUBSCRIBE_TYPES:
            table, pending = {
                "unsubscribe": (self.channels, self.pending_unsubscribe_channels),
                "punsubscribe": (self.patterns, self.pending_unsubscribe_patterns),
                "sunsubscribe": (self.shard_channels, self.pending_unsubscribe_shard_channels),
            }[message_type]
            name = response[1]
            if name in pending:
                pending.discard(name)
                table.pop(name, None)
        if message_type in _PUBLISH_TYPES:
            if message_type == "pmessage":
                handler = self.patterns.get(message["pattern"])
            elif message_type == "smessage":
                handler = self.shard_channels.get(message["channel"])
            else:
                handler = self.channels.get(message["channel"])
            if handler is not None:
                result = handler(message)
                if inspect.isawaitable(result):
                    await result
                return None
        elif message_type != "pong" and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message
