"""HyperLogLog commands (PFADD, PFCOUNT, PFMERGE), with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, FieldT, KeyT
from .parsers import bool_ok, register


class HyperLogLogCommands(CommandsBase[StrT]):
    """Approximate distinct counts: PFADD, PFCOUNT, PFMERGE."""

    def pfadd(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Add ``values`` to the HyperLogLog ``name``: 1 if its estimate changed (or it was created), else 0."""
        return self._send((b"PFADD", name, *values), None)

    def pfcount(self, *sources: KeyT) -> CommandFuture[int]:
        """Estimated number of distinct values added to ``sources`` (their union when several)."""
        return self._send((b"PFCOUNT", *sources), None)

    def pfmerge(self, dest: KeyT, *sources: KeyT) -> CommandFuture[bool]:
        """Store the union of ``sources`` (and ``dest`` itself) in ``dest``: True."""
        return self._send((b"PFMERGE", dest, *sources), bool_ok)


register("PFMERGE", bool_ok)
