"""Command-table rows of RedisJSON 2.8: key positions and flags as its ``COMMAND INFO`` gives them.

JSON.MGET is declared with every key (the module reports only the first):
a cluster must see all of them to refuse keys of different slots.
"""

from __future__ import annotations

from ..spec import CommandSpec
from ..spec import spec as _

JSON_ROWS: tuple[CommandSpec, ...] = (
    _("JSON.ARRAPPEND", 1, 1, 1, "write denyoom"),
    _("JSON.ARRINDEX", 1, 1, 1, "readonly"),
    _("JSON.ARRINSERT", 1, 1, 1, "write denyoom"),
    _("JSON.ARRLEN", 1, 1, 1, "readonly"),
    _("JSON.ARRPOP", 1, 1, 1, "write"),
    _("JSON.ARRTRIM", 1, 1, 1, "write"),
    _("JSON.CLEAR", 1, 1, 1, "write"),
    _("JSON.DEBUG", 2, 2, 1, "readonly"),
    _("JSON.DEL", 1, 1, 1, "write"),
    _("JSON.FORGET", 1, 1, 1, "write"),
    _("JSON.GET", 1, 1, 1, "readonly"),
    _("JSON.MERGE", 1, 1, 1, "write denyoom"),
    _("JSON.MGET", 1, -2, 1, "readonly"),
    _("JSON.MSET", 1, -1, 3, "write denyoom"),
    _("JSON.NUMINCRBY", 1, 1, 1, "write"),
    _("JSON.NUMMULTBY", 1, 1, 1, "write"),
    _("JSON.NUMPOWBY", 1, 1, 1, "write"),
    _("JSON.OBJKEYS", 1, 1, 1, "readonly"),
    _("JSON.OBJLEN", 1, 1, 1, "readonly"),
    _("JSON.RESP", 1, 1, 1, "readonly"),
    _("JSON.SET", 1, 1, 1, "write denyoom"),
    _("JSON.STRAPPEND", 1, 1, 1, "write denyoom"),
    _("JSON.STRLEN", 1, 1, 1, "readonly"),
    _("JSON.TOGGLE", 1, 1, 1, "write denyoom"),
    _("JSON.TYPE", 1, 1, 1, "readonly"),
)
