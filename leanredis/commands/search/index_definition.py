"""``IndexDefinition``: which keys an index follows (ON HASH|JSON, PREFIX, FILTER, ...)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..base import list_or_args


class IndexType(Enum):
    """The kind of keys an index reads."""

    HASH = 1
    JSON = 2


class IndexDefinition:
    """The definition part of FT.CREATE, as ``args``."""

    def __init__(
        self,
        prefix: Any = [],  # noqa: B006  (redis-py's default; never mutated here)
        filter: str | None = None,
        language_field: str | None = None,
        language: str | None = None,
        score_field: str | None = None,
        score: float | None = 1.0,
        payload_field: str | None = None,
        index_type: IndexType | None = None,
    ) -> None:
        args: list[Any] = []
        if index_type is IndexType.HASH or index_type is IndexType.JSON:
            args += ["ON", index_type.name]
        elif index_type is not None:
            raise RuntimeError(f"index_type must be one of {list(IndexType)}")
        if prefix is None:
            raise TypeError("prefix must be provided")
        if len(prefix) > 0:
            prefixes = list_or_args(prefix, (), "IndexDefinition")
            args += ["PREFIX", len(prefixes), *prefixes]
        options = (
            ("FILTER", filter), ("LANGUAGE_FIELD", language_field), ("LANGUAGE", language),
            ("SCORE_FIELD", score_field), ("SCORE", score), ("PAYLOAD_FIELD", payload_field),
        )  # fmt: skip
        for word, value in options:
            if value is not None:
                args += [word, value]
        self.args = args
