"""RedisBloom's commands (Bloom and cuckoo filters, count-min sketch, top-k, t-digest) with
redis.asyncio 8.1's names, arguments and return types.

Each class builds its arguments and names the table's reply parser; a class
using one provides ``_send(args, parse)`` (the namespaces in ``__init__``).
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any, Generic

from ...future import CommandFuture, raw_reply
from ...typed import StrT
from ..parsers import bool_ok
from .info import BFInfo, CFInfo, CMSInfo, TDigestInfo, TopKInfo
from .replies import number_or_text_list, to_bool, to_bools, to_float, to_floats

BF_RESERVE, BF_ADD, BF_MADD, BF_INSERT = "BF.RESERVE", "BF.ADD", "BF.MADD", "BF.INSERT"
BF_EXISTS, BF_MEXISTS, BF_SCANDUMP, BF_LOADCHUNK = "BF.EXISTS", "BF.MEXISTS", "BF.SCANDUMP", "BF.LOADCHUNK"
BF_INFO, BF_CARD = "BF.INFO", "BF.CARD"
CF_RESERVE, CF_ADD, CF_ADDNX, CF_INSERT, CF_INSERTNX = "CF.RESERVE", "CF.ADD", "CF.ADDNX", "CF.INSERT", "CF.INSERTNX"
CF_EXISTS, CF_MEXISTS, CF_DEL, CF_COUNT = "CF.EXISTS", "CF.MEXISTS", "CF.DEL", "CF.COUNT"
CF_SCANDUMP, CF_LOADCHUNK, CF_INFO = "CF.SCANDUMP", "CF.LOADCHUNK", "CF.INFO"
CMS_INITBYDIM, CMS_INITBYPROB, CMS_INCRBY = "CMS.INITBYDIM", "CMS.INITBYPROB", "CMS.INCRBY"
CMS_QUERY, CMS_MERGE, CMS_INFO = "CMS.QUERY", "CMS.MERGE", "CMS.INFO"
TOPK_RESERVE, TOPK_ADD, TOPK_INCRBY, TOPK_QUERY = "TOPK.RESERVE", "TOPK.ADD", "TOPK.INCRBY", "TOPK.QUERY"
TOPK_COUNT, TOPK_LIST, TOPK_INFO = "TOPK.COUNT", "TOPK.LIST", "TOPK.INFO"
TDIGEST_CREATE, TDIGEST_RESET, TDIGEST_ADD, TDIGEST_MERGE = (
    "TDIGEST.CREATE", "TDIGEST.RESET", "TDIGEST.ADD", "TDIGEST.MERGE"
)  # fmt: skip
TDIGEST_CDF, TDIGEST_QUANTILE, TDIGEST_MIN, TDIGEST_MAX = (
    "TDIGEST.CDF",
    "TDIGEST.QUANTILE",
    "TDIGEST.MIN",
    "TDIGEST.MAX",
)
TDIGEST_INFO, TDIGEST_TRIMMED_MEAN, TDIGEST_RANK = "TDIGEST.INFO", "TDIGEST.TRIMMED_MEAN", "TDIGEST.RANK"
TDIGEST_REVRANK, TDIGEST_BYRANK, TDIGEST_BYREVRANK = "TDIGEST.REVRANK", "TDIGEST.BYRANK", "TDIGEST.BYREVRANK"


class AbstractBloom(Generic[StrT]):
    """The option builders redis-py's Bloom namespaces expose (``append_capacity(params, 100)``...); ``StrT``: the
    client's string type, that of the OK the t-digest's writes reply and of a cuckoo filter's dump."""

    _send: Any  # the sender of the namespace

    @staticmethod
    def append_items(params: list[Any], items: Any) -> None:
        """ITEMS item ..."""
        params.append("ITEMS")
        params += items

    @staticmethod
    def append_error(params: list[Any], error: Any) -> None:
        """ERROR rate, when given."""
        if error is not None:
            params += ["ERROR", error]

    @staticmethod
    def append_capacity(params: list[Any], capacity: Any) -> None:
        """CAPACITY n, when given."""
        if capacity is not None:
            params += ["CAPACITY", capacity]

    @staticmethod
    def append_expansion(params: list[Any], expansion: Any) -> None:
        """EXPANSION n, when given."""
        if expansion is not None:
            params += ["EXPANSION", expansion]

    @staticmethod
    def append_no_scale(params: list[Any], noScale: Any) -> None:
        """NONSCALING, when given (any value but None, as in redis-py)."""
        if noScale is not None:
            params.append("NONSCALING")

    @staticmethod
    def append_weights(params: list[Any], weights: Any) -> None:
        """WEIGHTS w ..., when there are any."""
        if len(weights) > 0:
            params.append("WEIGHTS")
            params += weights

    @staticmethod
    def append_no_create(params: list[Any], noCreate: Any) -> None:
        """NOCREATE, when given (any value but None, as in redis-py)."""
        if noCreate is not None:
            params.append("NOCREATE")

    @staticmethod
    def append_items_and_increments(params: list[Any], items: Any, increments: Any) -> None:
        """item increment pairs."""
        for item, increment in zip(items, increments):
            params += [item, increment]

    @staticmethod
    def append_values_and_weights(params: list[Any], items: Any, weights: Any) -> None:
        """value weight pairs."""
        for item, weight in zip(items, weights):
            params += [item, weight]

    @staticmethod
    def append_max_iterations(params: list[Any], max_iterations: Any) -> None:
        """MAXITERATIONS n, when given."""
        if max_iterations is not None:
            params += ["MAXITERATIONS", max_iterations]

    @staticmethod
    def append_bucket_size(params: list[Any], bucket_size: Any) -> None:
        """BUCKETSIZE n, when given."""
        if bucket_size is not None:
            params += ["BUCKETSIZE", bucket_size]


class BFCommands(AbstractBloom[StrT]):
    """Bloom filter: BF.*."""

    def create(
        self, key: Any, errorRate: Any, capacity: Any, expansion: Any = None, noScale: Any = None
    ) -> CommandFuture[bool]:
        """A filter for ``capacity`` items at ``errorRate`` false positives: True."""
        params = [key, errorRate, capacity]
        self.append_expansion(params, expansion)
        self.append_no_scale(params, noScale)
        return self._send((BF_RESERVE, *params), bool_ok)

    reserve = create

    def add(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Add ``item``: True if it was new (False: it may have been there)."""
        return self._send((BF_ADD, key, item), to_bool)

    def madd(self, key: Any, *items: Any) -> CommandFuture[list[bool]]:
        """Add ``items``: a bool for each."""
        return self._send((BF_MADD, key, *items), to_bools)

    def insert(
        self,
        key: Any,
        items: Any,
        capacity: Any = None,
        error: Any = None,
        noCreate: Any = None,
        expansion: Any = None,
        noScale: Any = None,
    ) -> CommandFuture[list[bool]]:
        """Add ``items``, creating the filter with these options unless ``noCreate``: a bool for each."""
        params = [key]
        self.append_capacity(params, capacity)
        self.append_error(params, error)
        self.append_expansion(params, expansion)
        self.append_no_create(params, noCreate)
        self.append_no_scale(params, noScale)
        self.append_items(params, items)
        return self._send((BF_INSERT, *params), to_bools)

    def exists(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Whether ``item`` may be in the filter."""
        return self._send((BF_EXISTS, key, item), to_bool)

    def mexists(self, key: Any, *items: Any) -> CommandFuture[list[bool]]:
        """Whether each of ``items`` may be in the filter."""
        return self._send((BF_MEXISTS, key, *items), to_bools)

    def scandump(self, key: Any, iter: Any) -> CommandFuture[list[int | bytes]]:
        """The next chunk of the filter's dump from ``iter`` (0 to start): [next iter, bytes]; never decoded."""
        return self._send((BF_SCANDUMP, key, iter), raw_reply)

    def loadchunk(self, key: Any, iter: Any, data: Any) -> CommandFuture[StrT]:
        """Restore a chunk ``scandump`` gave."""
        return self._send((BF_LOADCHUNK, key, iter, data), None)

    def info(self, key: Any) -> CommandFuture[BFInfo]:
        """A ``BFInfo``."""
        return self._send((BF_INFO, key), BFInfo)

    def card(self, key: Any) -> CommandFuture[int]:
        """Number of items added (0 for no key)."""
        return self._send((BF_CARD, key), None)


class CFCommands(AbstractBloom[StrT]):
    """Cuckoo filter: CF.*."""

    def create(
        self, key: Any, capacity: Any, expansion: Any = None, bucket_size: Any = None, max_iterations: Any = None
    ) -> CommandFuture[bool]:
        """A filter for ``capacity`` items: True."""
        params = [key, capacity]
        self.append_expansion(params, expansion)
        self.append_bucket_size(params, bucket_size)
        self.append_max_iterations(params, max_iterations)
        return self._send((CF_RESERVE, *params), bool_ok)

    reserve = create

    def add(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Add ``item`` (again, if there): True."""
        return self._send((CF_ADD, key, item), to_bool)

    def addnx(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Add ``item`` unless it may be there: whether it was added."""
        return self._send((CF_ADDNX, key, item), to_bool)

    def insert(self, key: Any, items: Any, capacity: Any = None, nocreate: Any = None) -> CommandFuture[list[bool]]:
        """Add ``items`` (creating the filter unless ``nocreate``): a bool for each."""
        params = [key]
        self.append_capacity(params, capacity)
        self.append_no_create(params, nocreate)
        self.append_items(params, items)
        return self._send((CF_INSERT, *params), to_bools)

    def insertnx(self, key: Any, items: Any, capacity: Any = None, nocreate: Any = None) -> CommandFuture[list[int]]:
        """Add each of ``items`` unless it may be there: 1 added, 0 there, -1 full (ints, as RESP3 sends them)."""
        params = [key]
        self.append_capacity(params, capacity)
        self.append_no_create(params, nocreate)
        self.append_items(params, items)
        return self._send((CF_INSERTNX, *params), None)

    def exists(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Whether ``item`` may be in the filter."""
        return self._send((CF_EXISTS, key, item), to_bool)

    def mexists(self, key: Any, *items: Any) -> CommandFuture[list[bool]]:
        """Whether each of ``items`` may be in the filter."""
        return self._send((CF_MEXISTS, key, *items), to_bools)

    def delete(self, key: Any, item: Any) -> CommandFuture[bool]:
        """Delete one copy of ``item``: whether there was one."""
        return self._send((CF_DEL, key, item), to_bool)

    def count(self, key: Any, item: Any) -> CommandFuture[int]:
        """How many times ``item`` may have been added."""
        return self._send((CF_COUNT, key, item), None)

    def scandump(self, key: Any, iter: Any) -> CommandFuture[list[int | StrT]]:
        """The next chunk of the filter's dump from ``iter`` (0 to start): [next iter, data]."""
        return self._send((CF_SCANDUMP, key, iter), None)

    def loadchunk(self, key: Any, iter: Any, data: Any) -> CommandFuture[StrT]:
        """Restore a chunk ``scandump`` gave."""
        return self._send((CF_LOADCHUNK, key, iter, data), None)

    def info(self, key: Any) -> CommandFuture[CFInfo]:
        """A ``CFInfo``."""
        return self._send((CF_INFO, key), CFInfo)


class TOPKCommands(AbstractBloom[StrT]):
    """Top-k: TOPK.*. (Its method ``list`` hides the builtin in the class body: annotations say ``builtins.list``.)"""

    def reserve(self, key: Any, k: Any, width: Any, depth: Any, decay: Any) -> CommandFuture[bool]:
        """A top-``k`` list over a ``width`` x ``depth`` sketch: True."""
        return self._send((TOPK_RESERVE, key, k, width, depth, decay), bool_ok)

    def add(self, key: Any, *items: Any) -> CommandFuture[builtins.list[str | int | float | None]]:
        """Add ``items``: for each, the item it pushed out of the top k, or None."""
        return self._send((TOPK_ADD, key, *items), number_or_text_list)

    def incrby(self, key: Any, items: Any, increments: Any) -> CommandFuture[builtins.list[str | int | float | None]]:
        """Add each item ``increment`` times: what each pushed out of the top k, or None."""
        params = [key]
        self.append_items_and_increments(params, items, increments)
        return self._send((TOPK_INCRBY, *params), number_or_text_list)

    def query(self, key: Any, *items: Any) -> CommandFuture[builtins.list[bool]]:
        """Whether each of ``items`` is in the top k."""
        return self._send((TOPK_QUERY, key, *items), to_bools)

    def count(self, key: Any, *items: Any) -> CommandFuture[builtins.list[int]]:
        """Estimated count of each item (deprecated by RedisBloom 2.4)."""
        warnings.warn(
            "Call to deprecated count. (deprecated since redisbloom 2.4.0) -- Deprecated since version 4.4.0.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._send((TOPK_COUNT, key, *items), None)

    def list(self, key: Any, withcount: bool = False) -> CommandFuture[builtins.list[str | int | float | None]]:
        """The top k items (each followed by its count with ``withcount``)."""
        params = [key]
        if withcount:
            params.append("WITHCOUNT")
        return self._send((TOPK_LIST, *params), number_or_text_list)

    def info(self, key: Any) -> CommandFuture[TopKInfo]:
        """A ``TopKInfo``."""
        return self._send((TOPK_INFO, key), TopKInfo)


class TDigestCommands(AbstractBloom[StrT]):
    """t-digest: TDIGEST.*."""

    def create(self, key: Any, compression: Any = 100) -> CommandFuture[bool]:
        """An empty sketch with this ``compression``: True."""
        return self._send((TDIGEST_CREATE, key, "COMPRESSION", compression), bool_ok)

    def reset(self, key: Any) -> CommandFuture[StrT]:
        """Empty the sketch: OK."""
        return self._send((TDIGEST_RESET, key), None)

    def add(self, key: Any, values: Any) -> CommandFuture[StrT]:
        """Add the observations ``values``: OK."""
        return self._send((TDIGEST_ADD, key, *values), None)

    def merge(
        self, destination_key: Any, num_keys: Any, *keys: Any, compression: Any = None, override: Any = False
    ) -> CommandFuture[StrT]:
        """Merge ``keys`` into ``destination_key`` (replacing it with ``override``): OK."""
        params = [destination_key, num_keys, *keys]
        if compression is not None:
            params += ["COMPRESSION", compression]
        if override:
            params.append("OVERRIDE")
        return self._send((TDIGEST_MERGE, *params), None)

    def min(self, key: Any) -> CommandFuture[float]:
        """The smallest observation (nan when empty)."""
        return self._send((TDIGEST_MIN, key), to_float)

    def max(self, key: Any) -> CommandFuture[float]:
        """The largest observation (nan when empty)."""
        return self._send((TDIGEST_MAX, key), to_float)

    def quantile(self, key: Any, quantile: Any, *quantiles: Any) -> CommandFuture[list[float]]:
        """The estimated value at each quantile, as floats."""
        return self._send((TDIGEST_QUANTILE, key, quantile, *quantiles), to_floats)

    def cdf(self, key: Any, value: Any, *values: Any) -> CommandFuture[list[float]]:
        """The estimated fraction of observations <= each value, as floats."""
        return self._send((TDIGEST_CDF, key, value, *values), to_floats)

    def info(self, key: Any) -> CommandFuture[TDigestInfo]:
        """A ``TDigestInfo``."""
        return self._send((TDIGEST_INFO, key), TDigestInfo)

    def trimmed_mean(self, key: Any, low_cut_quantile: Any, high_cut_quantile: Any) -> CommandFuture[float]:
        """The mean of the observations between the two quantiles."""
        return self._send((TDIGEST_TRIMMED_MEAN, key, low_cut_quantile, high_cut_quantile), to_float)

    def rank(self, key: Any, value: Any, *values: Any) -> CommandFuture[list[int]]:
        """The estimated rank of each value."""
        return self._send((TDIGEST_RANK, key, value, *values), None)

    def revrank(self, key: Any, value: Any, *values: Any) -> CommandFuture[list[int]]:
        """The estimated reverse rank of each value."""
        return self._send((TDIGEST_REVRANK, key, value, *values), None)

    def byrank(self, key: Any, rank: Any, *ranks: Any) -> CommandFuture[list[float]]:
        """The estimated value at each rank, as floats."""
        return self._send((TDIGEST_BYRANK, key, rank, *ranks), to_floats)

    def byrevrank(self, key: Any, rank: Any, *ranks: Any) -> CommandFuture[list[float]]:
        """The estimated value at each reverse rank, as floats."""
        return self._send((TDIGEST_BYREVRANK, key, rank, *ranks), to_floats)


class CMSCommands(AbstractBloom[StrT]):
    """Count-min sketch: CMS.*."""

    def initbydim(self, key: Any, width: Any, depth: Any) -> CommandFuture[bool]:
        """A ``width`` x ``depth`` sketch: True."""
        return self._send((CMS_INITBYDIM, key, width, depth), bool_ok)

    def initbyprob(self, key: Any, error: Any, probability: Any) -> CommandFuture[bool]:
        """A sketch sized for ``error`` with ``probability``: True."""
        return self._send((CMS_INITBYPROB, key, error, probability), bool_ok)

    def incrby(self, key: Any, items: Any, increments: Any) -> CommandFuture[list[int]]:
        """Add each increment to its item: the new counts."""
        params = [key]
        self.append_items_and_increments(params, items, increments)
        return self._send((CMS_INCRBY, *params), None)

    def query(self, key: Any, *items: Any) -> CommandFuture[list[int]]:
        """The estimated count of each item."""
        return self._send((CMS_QUERY, key, *items), None)

    def merge(self, destKey: Any, numKeys: Any, srcKeys: Any, weights: Any = []) -> CommandFuture[bool]:  # noqa: B006  (redis-py's default; never changed)
        """Merge ``srcKeys`` (weighted) into ``destKey``: True."""
        params = [destKey, numKeys, *srcKeys]
        self.append_weights(params, weights)
        return self._send((CMS_MERGE, *params), bool_ok)

    def info(self, key: Any) -> CommandFuture[CMSInfo]:
        """A ``CMSInfo``."""
        return self._send((CMS_INFO, key), CMSInfo)
