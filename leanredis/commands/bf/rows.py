"""Command-table rows of RedisBloom 2.8 (BF, CF, CMS, TOPK, TDIGEST): keys and flags as its ``COMMAND INFO``.

CMS.MERGE and TDIGEST.MERGE take ``numkeys`` source keys after the
destination; the module reports only the destination, the table all of them
(a cluster must see every key to keep them in one slot).
"""

from __future__ import annotations

from ..spec import CommandSpec, NumKeys
from ..spec import spec as _

BLOOM_ROWS: tuple[CommandSpec, ...] = (
    _("BF.ADD", 1, 1, 1, "write denyoom"),
    _("BF.CARD", 1, 1, 1, "readonly fast"),
    _("BF.DEBUG", 1, 1, 1, "readonly fast"),
    _("BF.EXISTS", 1, 1, 1, "readonly fast"),
    _("BF.INFO", 1, 1, 1, "readonly fast"),
    _("BF.INSERT", 1, 1, 1, "write denyoom"),
    _("BF.LOADCHUNK", 1, 1, 1, "write denyoom"),
    _("BF.MADD", 1, 1, 1, "write denyoom"),
    _("BF.MEXISTS", 1, 1, 1, "readonly fast"),
    _("BF.RESERVE", 1, 1, 1, "write denyoom"),
    _("BF.SCANDUMP", 1, 1, 1, "readonly fast"),
    _("CF.ADD", 1, 1, 1, "write denyoom"),
    _("CF.ADDNX", 1, 1, 1, "write denyoom"),
    _("CF.COMPACT", 1, 1, 1, "readonly fast"),
    _("CF.COUNT", 1, 1, 1, "readonly fast"),
    _("CF.DEBUG", 1, 1, 1, "readonly fast"),
    _("CF.DEL", 1, 1, 1, "write fast"),
    _("CF.EXISTS", 1, 1, 1, "readonly fast"),
    _("CF.INFO", 1, 1, 1, "readonly fast"),
    _("CF.INSERT", 1, 1, 1, "write denyoom"),
    _("CF.INSERTNX", 1, 1, 1, "write denyoom"),
    _("CF.LOADCHUNK", 1, 1, 1, "write denyoom"),
    _("CF.MEXISTS", 1, 1, 1, "readonly fast"),
    _("CF.RESERVE", 1, 1, 1, "write denyoom"),
    _("CF.SCANDUMP", 1, 1, 1, "readonly fast"),
    _("CMS.INCRBY", 1, 1, 1, "write denyoom"),
    _("CMS.INFO", 1, 1, 1, "readonly"),
    _("CMS.INITBYDIM", 1, 1, 1, "write denyoom"),
    _("CMS.INITBYPROB", 1, 1, 1, "write denyoom"),
    _("CMS.MERGE", 1, 1, 1, "write denyoom movablekeys", search=NumKeys(2)),
    _("CMS.QUERY", 1, 1, 1, "readonly"),
    _("TDIGEST.ADD", 1, 1, 1, "write denyoom"),
    _("TDIGEST.BYRANK", 1, 1, 1, "readonly"),
    _("TDIGEST.BYREVRANK", 1, 1, 1, "readonly"),
    _("TDIGEST.CDF", 1, 1, 1, "readonly"),
    _("TDIGEST.CREATE", 1, 1, 1, "write denyoom"),
    _("TDIGEST.INFO", 1, 1, 1, "readonly"),
    _("TDIGEST.MAX", 1, 1, 1, "readonly"),
    _("TDIGEST.MERGE", 1, 1, 1, "write denyoom movablekeys", search=NumKeys(2)),
    _("TDIGEST.MIN", 1, 1, 1, "readonly"),
    _("TDIGEST.QUANTILE", 1, 1, 1, "readonly"),
    _("TDIGEST.RANK", 1, 1, 1, "readonly"),
    _("TDIGEST.RESET", 1, 1, 1, "write denyoom"),
    _("TDIGEST.REVRANK", 1, 1, 1, "readonly"),
    _("TDIGEST.TRIMMED_MEAN", 1, 1, 1, "readonly"),
    _("TOPK.ADD", 1, 1, 1, "write denyoom"),
    _("TOPK.COUNT", 1, 1, 1, "write"),
    _("TOPK.INCRBY", 1, 1, 1, "write denyoom"),
    _("TOPK.INFO", 1, 1, 1, "readonly"),
    _("TOPK.LIST", 1, 1, 1, "readonly"),
    _("TOPK.QUERY", 1, 1, 1, "readonly"),
    _("TOPK.RESERVE", 1, 1, 1, "write denyoom"),
)
