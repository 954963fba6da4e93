"""The INFO replies of RedisBloom's structures as objects, with redis-py's class and attribute names."""

from __future__ import annotations

from typing import Any

from ..parsers import pairs_to_dict, str_if_bytes


def _fields(reply: Any) -> dict[str, Any]:
    """A RESP2 [name, value, ...] list or a RESP3 map -> {str name: value}."""
    return {str_if_bytes(name): value for name, value in pairs_to_dict(reply).items()}


class _Info:
    """Attribute access by item too: ``info["capacity"]``, ``info.get("capacity")``."""

    def __getitem__(self, item: str) -> int | float:
        return getattr(self, item)  # type: ignore[no-any-return]

    def get(self, item: str) -> int | float | None:
        """The attribute ``item``, or None."""
        try:
            return self[item]
        except AttributeError:
            return None


class BFInfo(_Info):
    """BF.INFO: capacity, size, filterNum, insertedNum, expansionRate."""

    capacity: int
    size: int
    filterNum: int
    insertedNum: int
    expansionRate: int

    def __init__(self, reply: Any) -> None:
        fields = _fields(reply)
        self.capacity = fields["Capacity"]
        self.size = fields["Size"]
        self.filterNum = fields["Number of filters"]
        self.insertedNum = fields["Number of items inserted"]
        self.expansionRate = fields["Expansion rate"]


class CFInfo(_Info):
    """CF.INFO: size, bucketNum, filterNum, insertedNum, deletedNum, bucketSize, expansionRate, maxIteration."""

    size: int
    bucketNum: int
    filterNum: int
    insertedNum: int
    deletedNum: int
    bucketSize: int
    expansionRate: int
    maxIteration: int

    def __init__(self, reply: Any) -> None:
        fields = _fields(reply)
        self.size = fields["Size"]
        self.bucketNum = fields["Number of buckets"]
        self.filterNum = fields["Number of filters"]
        self.insertedNum = fields["Number of items inserted"]
        self.deletedNum = fields["Number of items deleted"]
        self.bucketSize = fields["Bucket size"]
        self.expansionRate = fields["Expansion rate"]
        self.maxIteration = fields["Max iterations"]


class CMSInfo(_Info):
    """CMS.INFO: width, depth, count."""

    width: int
    depth: int
    count: int

    def __init__(self, reply: Any) -> None:
        fields = _fields(reply)
        self.width = fields["width"]
        self.depth = fields["depth"]
        self.count = fields["count"]


class TopKInfo(_Info):
    """TOPK.INFO: k, width, depth, decay (a float: RESP3 sends a double, RESP2 its text)."""

    k: int
    width: int
    depth: int
    decay: float

    def __init__(self, reply: Any) -> None:
        fields = _fields(reply)
        self.k = fields["k"]
        self.width = fields["width"]
        self.depth = fields["depth"]
        self.decay = float(fields["decay"])


class TDigestInfo(_Info):
    """TDIGEST.INFO: compression, capacity, merged/unmerged nodes and weights, compressions, memory."""

    compression: int
    capacity: int
    merged_nodes: int
    unmerged_nodes: int
    merged_weight: int
    unmerged_weight: int
    total_compressions: int
    memory_usage: int

    def __init__(self, reply: Any) -> None:
        fields = _fields(reply)
        self.compression = fields["Compression"]
        self.capacity = fields["Capacity"]
        self.merged_nodes = fields["Merged nodes"]
        self.unmerged_nodes = fields["Unmerged nodes"]
        self.merged_weight = fields["Merged weight"]
        self.unmerged_weight = fields["Unmerged weight"]
        self.total_compressions = fields["Total compressions"]
        self.memory_usage = fields["Memory usage"]
