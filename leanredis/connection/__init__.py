"""The connection layer: one socket's protocol, its bounds and wait queue, deadlines, the dialer.

- ``protocol``: bytes in, replies routed in order to their callers, pushes apart; the room check;
- ``queue``: commands waiting for room or for a socket;
- ``deadlines``: which commands timed out (no I/O);
- ``dialer``: connect, TLS, handshake, backoff with jitter, error mapping (shared with pub/sub);
- ``core``: ``Connection``, which puts them together and reconnects.
"""

from .core import Connection, ParseT, check_timeout
from .dialer import Backoff, Dialer
from .protocol import Packed, RedisProtocol

__all__ = ["Backoff", "Connection", "Dialer", "Packed", "ParseT", "RedisProtocol", "check_timeout"]
