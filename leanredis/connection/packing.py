"""redis-py's ``pack_command``/``pack_commands`` on the shared connection (``Redis.connection``).

Code written against redis-py's lower layer packs commands itself (``r.connection or await
pool.get_connection()``, then ``pack_command``); the shared connection is not redis-py's per-command
``Connection``, but it packs as one does: RESP in pieces, a memoryview or a long argument a piece of
its own, never copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..resp.encoder import pack_many, pack_pieces


class Packing:
    """A mixin of ``Connection``: packing only, no state."""

    def pack_command(self, *args: Any) -> list[bytes | memoryview]:
        """One command as redis-py's ``Connection.pack_command`` gives it."""
        return pack_pieces(args)

    def pack_commands(self, commands: Iterable[Iterable[Any]]) -> list[bytes | memoryview]:
        """Several commands as redis-py's ``Connection.pack_commands`` gives them."""
        return pack_many(commands)
