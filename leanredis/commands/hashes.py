"""Hash commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from .base import CommandsBase


class HashCommands(CommandsBase):
    """Hash commands."""
