"""Command families as mixins; ``AllCommands`` is what the client inherits."""

from __future__ import annotations

from ..typed import StrT
from .acl import ACLCommands
from .admin import AdminCommands
from .base import CommandsBase
from .bitmaps import BitFieldOperation, BitmapCommands
from .blocking import BlockingCommands
from .data_modules import DataModuleCommands
from .geo import GeoCommands
from .hash_expiry import HashExpiryCommands
from .hashes import HashCommands
from .hyperloglog import HyperLogLogCommands
from .introspection import IntrospectionCommands
from .keys import KeyCommands
from .lists import ListCommands
from .pubsub import PubSubCommands
from .scripting import ScriptingCommands
from .search import SearchModuleCommands
from .sentinel import SentinelCommands
from .server import ServerCommands
from .sets import SetCommands
from .streams import StreamCommands
from .strings import StringCommands
from .table import COMMANDS
from .zsets import SortedSetCommands
from .zsets_algebra import SortedSetAlgebraCommands
from .zsets_ranges import SortedSetRangeCommands


class AllCommands(
    StringCommands[StrT],
    KeyCommands[StrT],
    HashCommands[StrT],
    HashExpiryCommands[StrT],
    ListCommands[StrT],
    BlockingCommands[StrT],
    SetCommands[StrT],
    SortedSetCommands[StrT],
    SortedSetRangeCommands[StrT],
    SortedSetAlgebraCommands[StrT],
    ServerCommands[StrT],
    ACLCommands[StrT],
    AdminCommands[StrT],
    IntrospectionCommands[StrT],
    ScriptingCommands[StrT],
    StreamCommands[StrT],
    PubSubCommands[StrT],
    BitmapCommands[StrT],
    HyperLogLogCommands[StrT],
    GeoCommands[StrT],
    SentinelCommands[StrT],
    DataModuleCommands[StrT],
    SearchModuleCommands[StrT],
    CommandsBase[StrT],
):
    """Every command family of the standalone client."""


__all__ = [
    "ACLCommands",
    "AdminCommands",
    "AllCommands",
    "BitFieldOperation",
    "BitmapCommands",
    "COMMANDS",
    "CommandsBase",
    "GeoCommands",
    "HashCommands",
    "HashExpiryCommands",
    "HyperLogLogCommands",
    "IntrospectionCommands",
    "KeyCommands",
    "ListCommands",
    "PubSubCommands",
    "ScriptingCommands",
    "SentinelCommands",
    "ServerCommands",
    "SetCommands",
    "SortedSetAlgebraCommands",
    "SortedSetCommands",
    "SortedSetRangeCommands",
    "StreamCommands",
    "StringCommands",
]
