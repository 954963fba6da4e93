"""TS.INFO as an object, with redis-py's class and attribute names."""

from __future__ import annotations

from typing import Any, Generic

from ...typed import StrT
from ..parsers import str_if_bytes

# The server's camelCase names that have a snake_case attribute: either spelling works with ``info[...]``.
_ALIASES = {
    "sourceKey": "source_key",
    "chunkCount": "chunk_count",
    "memoryUsage": "memory_usage",
    "totalSamples": "total_samples",
    "retentionTime": "retention_msecs",
    "lastTimestamp": "last_timestamp",
    "firstTimestamp": "first_timestamp",
    "maxSamplesPerChunk": "max_samples_per_chunk",
    "chunkSize": "chunk_size",
    "duplicatePolicy": "duplicate_policy",
}


def _fields(reply: Any) -> dict[str, Any]:
    """A RESP3 map or a RESP2 [name, value, ...] list -> {str name: value}, labels and rules as RESP3 maps."""
    if isinstance(reply, dict):
        return {str_if_bytes(name): value for name, value in reply.items()}
    it = iter(reply)
    fields = {str_if_bytes(name): value for name, value in zip(it, it)}
    # RESP2 sends labels as [[name, value], ...] and rules as [[dest, bucket, aggregation, align], ...]
    labels = fields.get("labels")
    if isinstance(labels, list):
        fields["labels"] = {pair[0]: pair[1] for pair in labels}
    rules = fields.get("rules")
    if isinstance(rules, list):
        fields["rules"] = {rule[0]: list(rule[1:]) for rule in rules}
    return fields


class TSInfo(Generic[StrT]):
    """TS.INFO of one series: rules, labels, source_key, chunk_count, memory_usage, total_samples,
    retention_msecs, last_timestamp, first_timestamp, chunk_size, duplicate_policy.

    The values are those redis.asyncio gives with its default options (a RESP3
    connection): ``rules`` a dict {destination: [bucket, aggregation, align]},
    ``labels`` a dict, both from RESP2 replies too. redis-py reads the RESP3 map
    only when its names are text (``decode_responses=True``) and leaves every
    attribute empty otherwise; here the attributes are filled in both cases.
    """

    # an instance's rules and labels are dicts; the class keeps redis-py's defaults
    rules: dict[StrT, list[int | StrT]] = []  # type: ignore[assignment]
    labels: dict[StrT, StrT] = []  # type: ignore[assignment]
    sourceKey = None
    source_key: StrT | None
    chunk_count: int | None = None
    memory_usage: int | None = None
    total_samples: int | None = None
    retention_msecs: int | None = None
    last_timestamp: int | None
    first_timestamp: int | None
    last_time_stamp = None
    first_time_stamp = None
    max_samples_per_chunk: int | None = None
    chunk_size: int | None = None
    duplicate_policy: str | None = None

    def __init__(self, args: Any) -> None:
        fields = _fields(args)
        self.rules = fields.get("rules") or {}
        self.labels = fields.get("labels") or {}
        self.source_key = fields.get("sourceKey")
        self.chunk_count = fields.get("chunkCount")
        self.memory_usage = fields.get("memoryUsage")
        self.total_samples = fields.get("totalSamples")
        self.retention_msecs = fields.get("retentionTime")
        self.last_timestamp = fields.get("lastTimestamp")
        self.first_timestamp = fields.get("firstTimestamp")
        if "maxSamplesPerChunk" in fields:  # RedisTimeSeries before 1.6: a chunk of 16-byte samples
            self.max_samples_per_chunk = fields["maxSamplesPerChunk"]
            self.chunk_size = self.max_samples_per_chunk * 16
        if "chunkSize" in fields:
            self.chunk_size = fields["chunkSize"]
        if "duplicatePolicy" in fields:
            self.duplicate_policy = str_if_bytes(fields["duplicatePolicy"])

    def get(self, item: str) -> Any:
        """The attribute ``item`` (either spelling), or None."""
        try:
            return self[item]
        except AttributeError:
            return None

    def __getitem__(self, item: str) -> Any:
        return getattr(self, _ALIASES.get(item, item))
