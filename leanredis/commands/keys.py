"""DEL, EXPIRE, SCAN and the rest of the generic key family, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from .base import CommandsBase


class KeyCommands(CommandsBase):
    """DEL, EXPIRE, SCAN and the rest of the generic key family."""
