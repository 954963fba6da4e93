"""Set commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from .base import CommandsBase


class SetCommands(CommandsBase):
    """Set commands."""
