"""The option builders of the TimeSeries commands (redis-py's ``_append_*`` helpers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import DataError


class TimeSeriesOptions:
    """The option builders (redis-py's ``_append_*``): each appends its words to ``params`` when given."""

    @staticmethod
    def _append_filter_expressions(params: list[Any], filters: Iterable[str] | None) -> None:
        if filters is None:
            return
        filters = list(filters)
        if not filters:
            raise DataError("filters cannot be an empty collection; pass None to query all indexed series.")
        params += ["FILTER", *filters]

    @staticmethod
    def _append_uncompressed(params: list[Any], uncompressed: bool | None) -> None:
        if uncompressed:
            params += ["ENCODING", "UNCOMPRESSED"]

    @staticmethod
    def _append_with_labels(params: list[Any], with_labels: bool | None, select_labels: list[str] | None) -> None:
        if with_labels and select_labels:
            raise DataError("with_labels and select_labels cannot be provided together.")
        if with_labels:
            params.append("WITHLABELS")
        if select_labels:
            params += ["SELECTED_LABELS", *select_labels]

    @staticmethod
    def _append_groupby_reduce(params: list[Any], groupby: str | None, reduce: str | None) -> None:
        if groupby is not None and reduce is not None:
            params += ["GROUPBY", groupby, "REDUCE", reduce.upper()]

    @staticmethod
    def _append_retention(params: list[Any], retention: int | None) -> None:
        if retention is not None:
            params += ["RETENTION", retention]

    @staticmethod
    def _append_labels(params: list[Any], labels: dict[str, str] | None) -> None:
        if labels:
            params.append("LABELS")
            for name, value in labels.items():
                params += [name, value]

    @staticmethod
    def _append_count(params: list[Any], count: int | None) -> None:
        if count is not None:
            params += ["COUNT", count]

    @staticmethod
    def _append_block(params: list[Any], block_milliseconds: int | None, block_min_count: int | None) -> None:
        if block_milliseconds is None:
            if block_min_count is not None:
                raise DataError(
                    "block_min_count requires block_milliseconds to be set; the BLOCK group is all-or-nothing."
                )
            return
        params += ["BLOCK", block_milliseconds, 1 if block_min_count is None else block_min_count]

    @staticmethod
    def _append_max_count(params: list[Any], max_count: int | None) -> None:
        if max_count is not None:
            params += ["MAX_COUNT", max_count]

    @staticmethod
    def _append_timestamp(params: list[Any], timestamp: int | str | None) -> None:
        if timestamp is not None:
            params += ["TIMESTAMP", timestamp]

    @staticmethod
    def _append_align(params: list[Any], align: int | str | None) -> None:
        if align is not None:
            params += ["ALIGN", align]

    @staticmethod
    def _append_aggregation(params: list[Any], aggregation_type: str | list[str] | None, bucket_size_msec: Any) -> None:
        if aggregation_type is not None:
            kinds = ",".join(aggregation_type) if isinstance(aggregation_type, list) else aggregation_type
            params += ["AGGREGATION", kinds, bucket_size_msec]

    @staticmethod
    def _append_n_aggregation(
        params: list[Any], aggregators: str | list[str] | None, bucket_size_msec: Any, numkeys: int
    ) -> None:
        if aggregators is None:
            return
        specs = [aggregators] if isinstance(aggregators, str) else list(aggregators)
        if len(specs) != numkeys:
            raise DataError(
                f"AGGREGATION requires exactly one aggregation spec per key (expected {numkeys}, got {len(specs)}); "
                "a spec may list multiple comma-separated aggregators."
            )
        params += ["AGGREGATION", *specs, bucket_size_msec]

    @staticmethod
    def _append_chunk_size(params: list[Any], chunk_size: int | None) -> None:
        if chunk_size is not None:
            params += ["CHUNK_SIZE", chunk_size]

    @staticmethod
    def _append_duplicate_policy(params: list[Any], duplicate_policy: str | None) -> None:
        if duplicate_policy is not None:
            params += ["DUPLICATE_POLICY", duplicate_policy]

    @staticmethod
    def _append_on_duplicate(params: list[Any], on_duplicate: str | None) -> None:
        if on_duplicate is not None:
            params += ["ON_DUPLICATE", on_duplicate]

    @staticmethod
    def _append_filer_by_ts(params: list[Any], ts_list: list[int] | None) -> None:  # redis-py's spelling
        if ts_list is not None:
            params += ["FILTER_BY_TS", *ts_list]

    @staticmethod
    def _append_filer_by_value(params: list[Any], min_value: Any, max_value: Any) -> None:
        if min_value is not None and max_value is not None:
            params += ["FILTER_BY_VALUE", min_value, max_value]

    @staticmethod
    def _append_latest(params: list[Any], latest: bool | None) -> None:
        if latest:
            params.append("LATEST")

    @staticmethod
    def _append_bucket_timestamp(params: list[Any], bucket_timestamp: str | None) -> None:
        if bucket_timestamp is not None:
            params += ["BUCKETTIMESTAMP", bucket_timestamp]

    @staticmethod
    def _append_empty(params: list[Any], empty: bool | None) -> None:
        if empty:
            params.append("EMPTY")

    @staticmethod
    def _append_exclude_empty(params: list[Any], exclude_empty: bool | None) -> None:
        if exclude_empty:
            params.append("EXCLUDEEMPTY")

    @staticmethod
    def _append_insertion_filters(
        params: list[Any], ignore_max_time_diff: int | None = None, ignore_max_val_diff: Any = None
    ) -> None:
        if (ignore_max_time_diff is None) != (ignore_max_val_diff is None):
            raise ValueError("Both ignore_max_time_diff and ignore_max_val_diff must be set.")
        if ignore_max_time_diff is not None:
            params += ["IGNORE", str(ignore_max_time_diff), str(ignore_max_val_diff)]

    def _series_options(
        self, params: list[Any], retention_msecs: Any, uncompressed: Any, labels: Any, chunk_size: Any,
        duplicate_policy: Any, ignore_max_time_diff: Any, ignore_max_val_diff: Any,
    ) -> list[Any]:  # fmt: skip
        """The options a command creating a series takes, in redis-py's order."""
        self._append_retention(params, retention_msecs)
        self._append_uncompressed(params, uncompressed)
        self._append_chunk_size(params, chunk_size)
        self._append_duplicate_policy(params, duplicate_policy)
        self._append_labels(params, labels)
        self._append_insertion_filters(params, ignore_max_time_diff, ignore_max_val_diff)
        return params

    def _range_options(
        self, params: list[Any], count: Any, filter_by_ts: Any, filter_by_min_value: Any, filter_by_max_value: Any,
        align: Any, latest: Any,
    ) -> None:  # fmt: skip
        self._append_latest(params, latest)
        self._append_filer_by_ts(params, filter_by_ts)
        self._append_filer_by_value(params, filter_by_min_value, filter_by_max_value)
        self._append_count(params, count)
        self._append_align(params, align)
