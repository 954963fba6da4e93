"""Command-table rows of RedisTimeSeries: keys and flags as its ``COMMAND INFO`` (1.12) gives them.

TS.CREATERULE and TS.DELETERULE name two series, source and destination;
the module reports only the source, the table both (a cluster must see
them to keep a rule within one slot). TS.MGET, TS.MRANGE, TS.MREVRANGE,
TS.QUERYINDEX and TS.QUERYLABELS select series by label, not by key: a
cluster refuses them unless ``target_nodes`` names the nodes, as redis-py's
does. TS.NRANGE, TS.NREVRANGE, TS.READ and TS.QUERYLABELS are newer than
1.12: their rows follow the commands' documentation.
"""

from __future__ import annotations

from ..spec import CommandSpec, NumKeys
from ..spec import spec as _

_BY_LABEL = "needs_target"

TIMESERIES_ROWS: tuple[CommandSpec, ...] = (
    _("TS.ADD", 1, 1, 1, "write denyoom"),
    _("TS.ALTER", 1, 1, 1, "write denyoom"),
    _("TS.CREATE", 1, 1, 1, "write denyoom"),
    _("TS.CREATERULE", 1, 2, 1, "write denyoom"),
    _("TS.DECRBY", 1, 1, 1, "write denyoom"),
    _("TS.DEL", 1, 1, 1, "write"),
    _("TS.DELETERULE", 1, 2, 1, "write"),
    _("TS.GET", 1, 1, 1, "readonly"),
    _("TS.INCRBY", 1, 1, 1, "write denyoom"),
    _("TS.INFO", 1, 1, 1, "readonly"),
    _("TS.MADD", 1, -1, 3, "write denyoom"),
    _("TS.MGET", 0, 0, 0, "readonly", route=_BY_LABEL),
    _("TS.MRANGE", 0, 0, 0, "readonly", route=_BY_LABEL),
    _("TS.MREVRANGE", 0, 0, 0, "readonly", route=_BY_LABEL),
    _("TS.NRANGE", 0, 0, 0, "readonly movablekeys", search=NumKeys(1)),
    _("TS.NREVRANGE", 0, 0, 0, "readonly movablekeys", search=NumKeys(1)),
    _("TS.QUERYINDEX", 0, 0, 0, "readonly", route=_BY_LABEL),
    _("TS.QUERYLABELS", 0, 0, 0, "readonly", route=_BY_LABEL),
    _("TS.RANGE", 1, 1, 1, "readonly"),
    _("TS.READ", 1, 1, 1, "readonly blocking"),
    _("TS.REVRANGE", 1, 1, 1, "readonly"),
)
