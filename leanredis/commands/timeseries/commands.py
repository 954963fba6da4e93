"""RedisTimeSeries commands with redis.asyncio 8.1's names, arguments and return types.

``TimeSeriesCommands`` builds each command's arguments and names the
table's reply parser; a class using it provides ``_send(args, parse)`` and,
for ``read(block_milliseconds=...)``, ``_send_blocking`` (the ``TimeSeries``
namespace, or a pipeline made by ``r.ts().pipeline()``). TS.NRANGE,
TS.NREVRANGE, TS.READ and TS.QUERYLABELS are newer than RedisTimeSeries
1.12: their arguments are built as redis-py builds them, and a server
without them answers with its "unknown command" error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, Union, overload

from ...exceptions import DataError, ResponseError
from ...future import CommandFuture
from ...typed import StrT
from ..parsers import bool_ok
from .info import TSInfo
from .options import TimeSeriesOptions
from .replies import (
    grouped_multi_range,
    label_set,
    multi_get,
    multi_range,
    n_samples,
    number_or_text_list,
    sample,
    sample_lists,
    samples,
)  # fmt: skip

ADD_CMD, ALTER_CMD, CREATERULE_CMD, CREATE_CMD = "TS.ADD", "TS.ALTER", "TS.CREATERULE", "TS.CREATE"
DECRBY_CMD, DELETERULE_CMD, DEL_CMD, GET_CMD = "TS.DECRBY", "TS.DELETERULE", "TS.DEL", "TS.GET"
INCRBY_CMD, INFO_CMD, MADD_CMD, MGET_CMD = "TS.INCRBY", "TS.INFO", "TS.MADD", "TS.MGET"
MRANGE_CMD, MREVRANGE_CMD, NRANGE_CMD, NREVRANGE_CMD = "TS.MRANGE", "TS.MREVRANGE", "TS.NRANGE", "TS.NREVRANGE"
QUERYINDEX_CMD, QUERYLABELS_CMD, RANGE_CMD, READ_CMD = "TS.QUERYINDEX", "TS.QUERYLABELS", "TS.RANGE", "TS.READ"
REVRANGE_CMD = "TS.REVRANGE"

Number = Any  # int or float, as redis-py names it

# A sample: (timestamp, value); with a list of aggregators, (timestamp, one value per aggregator)
Sample = tuple[int, float]
Aggregated = tuple[Union[int, float], ...]
# a series of TS.MGET / TS.MRANGE: {key: [labels, ...]}, labels {name: value, None for a selected label it lacks}
Labels = dict[str, Union[str, None]]


class TimeSeriesCommands(TimeSeriesOptions, Generic[StrT]):
    """RedisTimeSeries: TS.*; ``StrT``: the client's string type (TS.INFO's labels, TS.QUERYLABELS)."""

    _send: Any  # the sender of the namespace or pipeline

    # -- series --------------------------------------------------------------------------------
    def create(
        self,
        key: Any,
        retention_msecs: int | None = None,
        uncompressed: bool | None = False,
        labels: dict[str, str] | None = None,
        chunk_size: int | None = None,
        duplicate_policy: str | None = None,
        ignore_max_time_diff: int | None = None,
        ignore_max_val_diff: Number | None = None,
    ) -> CommandFuture[bool]:
        """A new series ``key`` with these options: True."""
        params = self._series_options(
            [key], retention_msecs, uncompressed, labels, chunk_size, duplicate_policy,
            ignore_max_time_diff, ignore_max_val_diff,
        )  # fmt: skip
        return self._send((CREATE_CMD, *params), bool_ok)

    def alter(
        self,
        key: Any,
        retention_msecs: int | None = None,
        labels: dict[str, str] | None = None,
        chunk_size: int | None = None,
        duplicate_policy: str | None = None,
        ignore_max_time_diff: int | None = None,
        ignore_max_val_diff: Number | None = None,
    ) -> CommandFuture[bool]:
        """Change the options of series ``key`` (labels replace the old ones): True."""
        params = self._series_options(
            [key], retention_msecs, False, labels, chunk_size, duplicate_policy,
            ignore_max_time_diff, ignore_max_val_diff,
        )  # fmt: skip
        return self._send((ALTER_CMD, *params), bool_ok)

    def add(
        self,
        key: Any,
        timestamp: int | str,
        value: Number | str,
        retention_msecs: int | None = None,
        uncompressed: bool | None = False,
        labels: dict[str, str] | None = None,
        chunk_size: int | None = None,
        duplicate_policy: str | None = None,
        ignore_max_time_diff: int | None = None,
        ignore_max_val_diff: Number | None = None,
        on_duplicate: str | None = None,
    ) -> CommandFuture[int]:
        """Append a sample (``timestamp`` "*": the server's clock), creating the series: its timestamp."""
        params = self._series_options(
            [key, timestamp, value], retention_msecs, uncompressed, labels, chunk_size, duplicate_policy,
            ignore_max_time_diff, ignore_max_val_diff,
        )  # fmt: skip
        self._append_on_duplicate(params, on_duplicate)
        return self._send((ADD_CMD, *params), None)

    def madd(self, ktv_tuples: list[tuple[Any, int | str, Number | str]]) -> CommandFuture[list[int | ResponseError]]:
        """Append (key, timestamp, value) samples: each one's timestamp, or the error it met (in the list)."""
        params: list[Any] = []
        for ktv in ktv_tuples:
            params.extend(ktv)
        return self._send((MADD_CMD, *params), None)

    def incrby(
        self,
        key: Any,
        value: Number,
        timestamp: int | str | None = None,
        retention_msecs: int | None = None,
        uncompressed: bool | None = False,
        labels: dict[str, str] | None = None,
        chunk_size: int | None = None,
        duplicate_policy: str | None = None,
        ignore_max_time_diff: int | None = None,
        ignore_max_val_diff: Number | None = None,
    ) -> CommandFuture[int]:
        """A sample of the last value plus ``value``: its timestamp."""
        return self._send((INCRBY_CMD, *self._step(key, value, timestamp, locals())), None)

    def decrby(
        self,
        key: Any,
        value: Number,
        timestamp: int | str | None = None,
        retention_msecs: int | None = None,
        uncompressed: bool | None = False,
        labels: dict[str, str] | None = None,
        chunk_size: int | None = None,
        duplicate_policy: str | None = None,
        ignore_max_time_diff: int | None = None,
        ignore_max_val_diff: Number | None = None,
    ) -> CommandFuture[int]:
        """A sample of the last value minus ``value``: its timestamp."""
        return self._send((DECRBY_CMD, *self._step(key, value, timestamp, locals())), None)

    def _step(self, key: Any, value: Any, timestamp: Any, given: dict[str, Any]) -> list[Any]:
        params = [key, value]
        self._append_timestamp(params, timestamp)
        return self._series_options(
            params, given["retention_msecs"], given["uncompressed"], given["labels"], given["chunk_size"],
            given["duplicate_policy"], given["ignore_max_time_diff"], given["ignore_max_val_diff"],
        )  # fmt: skip

    def delete(self, key: Any, from_time: int, to_time: int) -> CommandFuture[int]:
        """Delete the samples between the two timestamps (inclusive): how many."""
        return self._send((DEL_CMD, key, from_time, to_time), None)

    def createrule(
        self,
        source_key: Any,
        dest_key: Any,
        aggregation_type: str,
        bucket_size_msec: int,
        align_timestamp: int | None = None,
    ) -> CommandFuture[bool]:
        """Compact ``source_key`` into ``dest_key`` (an existing series): True."""
        params = [source_key, dest_key]
        self._append_aggregation(params, aggregation_type, bucket_size_msec)
        if align_timestamp is not None:
            params.append(align_timestamp)
        return self._send((CREATERULE_CMD, *params), bool_ok)

    def deleterule(self, source_key: Any, dest_key: Any) -> CommandFuture[bool]:
        """Remove the compaction rule from ``source_key`` to ``dest_key``: True."""
        return self._send((DELETERULE_CMD, source_key, dest_key), bool_ok)

    # -- reads -----------------------------------------------------------------------------------
    def _range(self, command: str, given: dict[str, Any]) -> Any:
        # range and revrange differ only in the command: one builder reads both calls' arguments
        params = [given["key"], given["from_time"], given["to_time"]]
        self._range_options(
            params, given["count"], given["filter_by_ts"], given["filter_by_min_value"], given["filter_by_max_value"],
            given["align"], given["latest"],
        )  # fmt: skip
        self._append_aggregation(params, given["aggregation_type"], given["bucket_size_msec"])
        self._append_bucket_timestamp(params, given["bucket_timestamp"])
        self._append_empty(params, given["empty"])
        return self._send((command, *params), samples)

    # fmt: off
    @overload
    def range(
        self, key: Any, from_time: int | str, to_time: int | str, count: int | None = ...,
        aggregation_type: str | None = ..., bucket_size_msec: int | None = ..., filter_by_ts: list[int] | None = ...,
        filter_by_min_value: int | None = ..., filter_by_max_value: int | None = ..., align: int | str | None = ...,
        latest: bool | None = ..., bucket_timestamp: str | None = ..., empty: bool | None = ...,
    ) -> CommandFuture[list[Sample]]: ...
    @overload
    def range(
        self, key: Any, from_time: int | str, to_time: int | str, count: int | None = ..., *,
        aggregation_type: list[str], bucket_size_msec: int | None = ..., filter_by_ts: list[int] | None = ...,
        filter_by_min_value: int | None = ..., filter_by_max_value: int | None = ..., align: int | str | None = ...,
        latest: bool | None = ..., bucket_timestamp: str | None = ..., empty: bool | None = ...,
    ) -> CommandFuture[list[Aggregated]]: ...
    # fmt: on
    def range(
        self,
        key: Any,
        from_time: int | str,
        to_time: int | str,
        count: int | None = None,
        aggregation_type: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
    ) -> CommandFuture[Any]:  # the overloads say which
        """Samples from ``from_time`` to ``to_time`` ("-" and "+": the ends): [(timestamp, value), ...]."""
        return self._range(RANGE_CMD, locals())

    # fmt: off
    @overload
    def revrange(
        self, key: Any, from_time: int | str, to_time: int | str, count: int | None = ...,
        aggregation_type: str | None = ..., bucket_size_msec: int | None = ..., filter_by_ts: list[int] | None = ...,
        filter_by_min_value: int | None = ..., filter_by_max_value: int | None = ..., align: int | str | None = ...,
        latest: bool | None = ..., bucket_timestamp: str | None = ..., empty: bool | None = ...,
    ) -> CommandFuture[list[Sample]]: ...
    @overload
    def revrange(
        self, key: Any, from_time: int | str, to_time: int | str, count: int | None = ..., *,
        aggregation_type: list[str], bucket_size_msec: int | None = ..., filter_by_ts: list[int] | None = ...,
        filter_by_min_value: int | None = ..., filter_by_max_value: int | None = ..., align: int | str | None = ...,
        latest: bool | None = ..., bucket_timestamp: str | None = ..., empty: bool | None = ...,
    ) -> CommandFuture[list[Aggregated]]: ...
    # fmt: on
    def revrange(
        self,
        key: Any,
        from_time: int | str,
        to_time: int | str,
        count: int | None = None,
        aggregation_type: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
    ) -> CommandFuture[Any]:  # the overloads say which
        """``range`` from the newest sample back."""
        return self._range(REVRANGE_CMD, locals())

    def read(
        self,
        key: Any,
        timestamp: int | str,
        block_milliseconds: int | None = None,
        block_min_count: int | None = None,
        max_count: int | None = None,
    ) -> CommandFuture[list[list[int | float]]]:
        """Samples after ``timestamp`` (waiting up to ``block_milliseconds`` for some): [[timestamp, value], ...].

        With ``block_milliseconds`` the command goes through the client's pool
        for blocking commands, as BLPOP does.
        """
        params = [key, timestamp]
        self._append_block(params, block_milliseconds, block_min_count)
        self._append_max_count(params, max_count)
        if block_milliseconds is None:
            return self._send((READ_CMD, *params), sample_lists)
        send_blocking = getattr(self, "_send_blocking", None)
        if send_blocking is None:
            raise DataError(
                "ts().read(block_milliseconds=...) would stall every other command on the shared connection: "
                "it needs the client's connection pool for blocking commands"
            )
        return send_blocking((READ_CMD, *params), sample_lists, (block_milliseconds / 1000) or None)

    def _n_range(self, command: str, given: dict[str, Any]) -> Any:
        # nrange and nrevrange differ only in the command: one builder reads both calls' arguments
        keys = given["keys"]
        if not keys:
            raise DataError("At least one key must be provided.")
        params = [len(keys), *keys, given["from_time"], given["to_time"]]
        self._range_options(
            params, given["count"], given["filter_by_ts"], given["filter_by_min_value"], given["filter_by_max_value"],
            given["align"], given["latest"],
        )  # fmt: skip
        self._append_n_aggregation(params, given["aggregators"], given["bucket_size_msec"], len(keys))
        self._append_bucket_timestamp(params, given["bucket_timestamp"])
        self._append_empty(params, given["empty"])
        return self._send((command, *params), n_samples)

    def nrange(
        self,
        keys: list[Any],
        from_time: int | str,
        to_time: int | str,
        count: int | None = None,
        aggregators: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
    ) -> CommandFuture[list[list[int | list[float]]]]:
        """Samples of several series side by side: [[timestamp, [value per key, ...]], ...]."""
        return self._n_range(NRANGE_CMD, locals())

    def nrevrange(
        self,
        keys: list[Any],
        from_time: int | str,
        to_time: int | str,
        count: int | None = None,
        aggregators: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
    ) -> CommandFuture[list[list[int | list[float]]]]:
        """``nrange`` from the newest sample back."""
        return self._n_range(NREVRANGE_CMD, locals())

    def _m_range(self, command: str, given: dict[str, Any]) -> Any:
        # mrange and mrevrange differ only in the command: one builder reads both calls' arguments
        aggregation_type, groupby, reduce = given["aggregation_type"], given["groupby"], given["reduce"]
        if groupby is not None and isinstance(aggregation_type, list) and len(aggregation_type) > 1:
            raise DataError("GROUPBY is not allowed when multiple aggregators are specified")
        if given["exclude_empty"] and groupby is not None:
            raise DataError("EXCLUDEEMPTY is not allowed with GROUPBY")
        params = [given["from_time"], given["to_time"]]
        self._append_latest(params, given["latest"])
        self._append_filer_by_ts(params, given["filter_by_ts"])
        self._append_filer_by_value(params, given["filter_by_min_value"], given["filter_by_max_value"])
        self._append_with_labels(params, given["with_labels"], given["select_labels"])
        self._append_count(params, given["count"])
        self._append_align(params, given["align"])
        self._append_aggregation(params, aggregation_type, given["bucket_size_msec"])
        self._append_bucket_timestamp(params, given["bucket_timestamp"])
        self._append_empty(params, given["empty"])
        self._append_exclude_empty(params, given["exclude_empty"])
        params += ["FILTER", *given["filters"]]
        self._append_groupby_reduce(params, groupby, reduce)
        return self._send((command, *params), self._grouped(groupby, reduce))

    @staticmethod
    def _grouped(groupby: Any, reduce: Any) -> Any:
        return grouped_multi_range if groupby is not None and reduce is not None else multi_range

    # fmt: off
    @overload
    def mrange(
        self, from_time: int | str, to_time: int | str, filters: list[str], count: int | None = ...,
        aggregation_type: str | None = ..., bucket_size_msec: int | None = ..., with_labels: bool | None = ...,
        filter_by_ts: list[int] | None = ..., filter_by_min_value: int | None = ...,
        filter_by_max_value: int | None = ..., groupby: str | None = ..., reduce: str | None = ...,
        select_labels: list[str] | None = ..., align: int | str | None = ..., latest: bool | None = ...,
        bucket_timestamp: str | None = ..., empty: bool | None = ..., exclude_empty: bool | None = ...,
    ) -> CommandFuture[list[dict[str, list[Labels | list[Sample]]]]]: ...
    @overload
    def mrange(
        self, from_time: int | str, to_time: int | str, filters: list[str], count: int | None = ..., *,
        aggregation_type: list[str], bucket_size_msec: int | None = ..., with_labels: bool | None = ...,
        filter_by_ts: list[int] | None = ..., filter_by_min_value: int | None = ...,
        filter_by_max_value: int | None = ..., groupby: str | None = ..., reduce: str | None = ...,
        select_labels: list[str] | None = ..., align: int | str | None = ..., latest: bool | None = ...,
        bucket_timestamp: str | None = ..., empty: bool | None = ..., exclude_empty: bool | None = ...,
    ) -> CommandFuture[list[dict[str, list[Labels | list[Aggregated]]]]]: ...
    # fmt: on
    def mrange(
        self,
        from_time: int | str,
        to_time: int | str,
        filters: list[str],
        count: int | None = None,
        aggregation_type: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        with_labels: bool | None = False,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        groupby: str | None = None,
        reduce: str | None = None,
        select_labels: list[str] | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
        exclude_empty: bool | None = False,
    ) -> CommandFuture[Any]:  # the overloads say which
        """Samples of every series matching ``filters``: [{key: [labels, [(timestamp, value), ...]]}, ...].

        No key is named: a cluster refuses it unless ``target_nodes`` is given, as redis-py's does.
        """
        return self._m_range(MRANGE_CMD, locals())

    # fmt: off
    @overload
    def mrevrange(
        self, from_time: int | str, to_time: int | str, filters: list[str], count: int | None = ...,
        aggregation_type: str | None = ..., bucket_size_msec: int | None = ..., with_labels: bool | None = ...,
        filter_by_ts: list[int] | None = ..., filter_by_min_value: int | None = ...,
        filter_by_max_value: int | None = ..., groupby: str | None = ..., reduce: str | None = ...,
        select_labels: list[str] | None = ..., align: int | str | None = ..., latest: bool | None = ...,
        bucket_timestamp: str | None = ..., empty: bool | None = ..., exclude_empty: bool | None = ...,
    ) -> CommandFuture[list[dict[str, list[Labels | list[Sample]]]]]: ...
    @overload
    def mrevrange(
        self, from_time: int | str, to_time: int | str, filters: list[str], count: int | None = ..., *,
        aggregation_type: list[str], bucket_size_msec: int | None = ..., with_labels: bool | None = ...,
        filter_by_ts: list[int] | None = ..., filter_by_min_value: int | None = ...,
        filter_by_max_value: int | None = ..., groupby: str | None = ..., reduce: str | None = ...,
        select_labels: list[str] | None = ..., align: int | str | None = ..., latest: bool | None = ...,
        bucket_timestamp: str | None = ..., empty: bool | None = ..., exclude_empty: bool | None = ...,
    ) -> CommandFuture[list[dict[str, list[Labels | list[Aggregated]]]]]: ...
    # fmt: on
    def mrevrange(
        self,
        from_time: int | str,
        to_time: int | str,
        filters: list[str],
        count: int | None = None,
        aggregation_type: str | list[str] | None = None,
        bucket_size_msec: int | None = 0,
        with_labels: bool | None = False,
        filter_by_ts: list[int] | None = None,
        filter_by_min_value: int | None = None,
        filter_by_max_value: int | None = None,
        groupby: str | None = None,
        reduce: str | None = None,
        select_labels: list[str] | None = None,
        align: int | str | None = None,
        latest: bool | None = False,
        bucket_timestamp: str | None = None,
        empty: bool | None = False,
        exclude_empty: bool | None = False,
    ) -> CommandFuture[Any]:  # the overloads say which
        """``mrange`` from the newest samples back."""
        return self._m_range(MREVRANGE_CMD, locals())

    def get(self, key: Any, latest: bool | None = False) -> CommandFuture[Sample | None]:
        """The last sample: (timestamp, value), or None for an empty series."""
        params = [key]
        self._append_latest(params, latest)
        return self._send((GET_CMD, *params), sample)

    def mget(
        self,
        filters: list[str],
        with_labels: bool | None = False,
        select_labels: list[str] | None = None,
        latest: bool | None = False,
    ) -> CommandFuture[list[dict[str, list[Labels | int | float | None]]]]:
        """The last sample of every series matching ``filters``: [{key: [labels, timestamp, value]}, ...].

        No key is named: a cluster refuses it unless ``target_nodes`` is given, as redis-py's does.
        """
        params: list[Any] = []
        self._append_latest(params, latest)
        self._append_with_labels(params, with_labels, select_labels)
        params += ["FILTER", *filters]
        return self._send((MGET_CMD, *params), multi_get)

    def info(self, key: Any) -> CommandFuture[TSInfo[StrT]]:
        """A ``TSInfo``."""
        return self._send((INFO_CMD, key), TSInfo)

    def queryindex(self, filters: list[str]) -> CommandFuture[list[str | int | float | None]]:
        """The keys of the series matching ``filters`` (each as an int or float where it reads as one)."""
        return self._send((QUERYINDEX_CMD, *filters), number_or_text_list)

    def querylabels(self, label: str | None = None, filters: Iterable[str] | None = None) -> CommandFuture[set[StrT]]:
        """The label names in use (or the values of ``label``), over the series matching ``filters``: a set."""
        params: list[Any] = ["LABELS"] if label is None else ["VALUES", label]
        self._append_filter_expressions(params, filters)
        return self._send((QUERYLABELS_CMD, *params), label_set)
