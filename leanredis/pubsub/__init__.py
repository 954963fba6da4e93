"""Pub/Sub on a dedicated connection: bounded message queue, auto-resubscribe.

``Redis.pubsub()`` returns a ``PubSub`` that owns a socket of its own (never
the client's multiplexed connection: pub/sub messages arrive with no caller
waiting for them). The API and message dicts are redis.asyncio's:
``{'type', 'pattern', 'channel', 'data'}``, from ``get_message()``,
``listen()`` or handlers given as ``subscribe(channel=handler)``.

The package, one concept a module:

- ``core``: the ``PubSub``: connecting, reconnecting and resubscribing, reading, closing.
- ``subscriptions``: channels, patterns and shard channels with their handlers.
- ``messages``: replies as message dicts, handler calls, the health check.
- ``queue``: the bounded queue of replies, its overflow policy and waiting readers.
- ``protocol``: the socket's ``asyncio.Protocol``, which pauses reading when the queue is full.
"""

from .core import PubSub
from .queue import DEFAULT_MAX_PENDING_MESSAGES, Overflow
from .subscriptions import Handler, Subscription

__all__ = ["DEFAULT_MAX_PENDING_MESSAGES", "Handler", "Overflow", "PubSub", "Subscription"]
