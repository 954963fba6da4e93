"""The FT.* rows of the command table, and their reply readers.

Index names are not keys: as redis.asyncio's cluster does, a command naming
an index goes to any primary (route ``random``); only the suggestion
dictionaries (FT.SUG*) are keys. Flags are RediSearch 2.10's ``COMMAND
INFO``. ``execute_command`` returns FT.* replies as the server sends them
(redis-py has no client-wide callbacks for them either); the methods read
them with the ``variants`` declared here.
"""

from __future__ import annotations

from ...future import raw_reply
from ..parsers import register
from ..spec import CommandSpec
from ..spec import spec as _
from ._raw import RawThen
from .commands import _alias_set
from .replies import (
    AggregateReply,
    ProfileReply,
    SuggetReply,
    config_get_reply,
    config_set_reply,
    info_reply,
    spellcheck_reply,
    syndump_reply,
)

SEARCH_ROWS: tuple[CommandSpec, ...] = (
    _("FT.ADD", 0, 0, 0, "write denyoom"),
    _("FT.ADDHASH", 0, 0, 0, "write denyoom"),  # gone from RediSearch 2.x servers; add_document_hash sends it
    _("FT.AGGREGATE", 0, 0, 0, "readonly"),
    _("FT.ALIASADD", 0, 0, 0, "readonly"),
    _("FT.ALIASDEL", 0, 0, 0, "readonly"),
    _("FT.ALIASLIST", 0, 0, 0, "readonly"),
    _("FT.ALIASUPDATE", 0, 0, 0, "readonly"),
    _("FT.ALTER", 0, 0, 0, "write"),
    _("FT.CONFIG", 0, 0, 0, "readonly"),
    _("FT.CREATE", 0, 0, 0, "write denyoom"),
    _("FT.CURSOR", 0, 0, 0, "readonly"),
    _("FT.DEL", 0, 0, 0, "write"),
    _("FT.DICTADD", 0, 0, 0, "readonly"),
    _("FT.DICTDEL", 0, 0, 0, "readonly"),
    _("FT.DICTDUMP", 0, 0, 0, "readonly"),
    _("FT.DROPINDEX", 0, 0, 0, "write"),
    _("FT.EXPLAIN", 0, 0, 0, "readonly"),
    _("FT.EXPLAINCLI", 0, 0, 0, "readonly"),
    _("FT.GET", 0, 0, 0, "readonly"),
    _("FT.HYBRID", 0, 0, 0, "readonly"),  # Redis 8.4+ (ACL @read); RediSearch 2.10 has none
    _("FT.INFO", 0, 0, 0, "readonly"),
    _("FT.MGET", 0, 0, 0, "readonly"),
    _("FT.PROFILE", 0, 0, 0, "readonly"),
    _("FT.SEARCH", 0, 0, 0, "readonly"),
    _("FT.SPELLCHECK", 0, 0, 0, "readonly"),
    _("FT.SUGADD", 1, 1, 1, "write denyoom"),
    _("FT.SUGDEL", 1, 1, 1, "write"),
    _("FT.SUGGET", 1, 1, 1, "readonly"),
    _("FT.SUGLEN", 1, 1, 1, "readonly"),
    _("FT.SYNDUMP", 0, 0, 0, "readonly"),
    _("FT.SYNUPDATE", 0, 0, 0, "write"),
    _("FT.TAGVALS", 0, 0, 0, "readonly"),
    _("FT._LIST", 0, 0, 0, "readonly"),
)

# FT.SEARCH, FT.HYBRID (and FT.PROFILE SEARCH) are read undecoded: raw_reply on a client, RawThen in a pipeline
register("FT.SEARCH", None, (raw_reply, RawThen))
register("FT.HYBRID", None, (raw_reply, RawThen))
register("FT.AGGREGATE FT.CURSOR", None, (AggregateReply,))
register("FT.PROFILE", None, (raw_reply, RawThen, ProfileReply))
register("FT.INFO", None, (info_reply,))
register("FT.SPELLCHECK", None, (spellcheck_reply,))
register("FT.SYNDUMP", None, (syndump_reply,))
register("FT.CONFIG", None, (config_get_reply, config_set_reply))
register("FT.SUGGET", None, (SuggetReply,))
register("FT.ALIASLIST", None, (_alias_set,))
