"""Command families as mixins; ``AllCommands`` is what the client inherits."""

from __future__ import annotations

from .base import CommandsBase
from .hashes import HashCommands
from .keys import KeyCommands
from .lists import ListCommands
from .server import ServerCommands
from .sets import SetCommands
from .strings import StringCommands
from .zsets import SortedSetCommands


class AllCommands(
    StringCommands,
    KeyCommands,
    HashCommands,
    ListCommands,
    SetCommands,
    SortedSetCommands,
    ServerCommands,
    CommandsBase,
):
    """Every command family of the standalone client."""


__all__ = [
    "AllCommands",
    "CommandsBase",
    "HashCommands",
    "KeyCommands",
    "ListCommands",
    "ServerCommands",
    "SetCommands",
    "SortedSetCommands",
    "StringCommands",
]
