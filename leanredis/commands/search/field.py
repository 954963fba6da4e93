"""Schema fields for FT.CREATE / FT.ALTER: each knows its own arguments (``redis_args()``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import DataError


class Field:
    """A schema attribute: name, optional alias, type arguments, then the common flags."""

    NUMERIC = "NUMERIC"
    TEXT = "TEXT"
    WEIGHT = "WEIGHT"
    GEO = "GEO"
    TAG = "TAG"
    VECTOR = "VECTOR"
    SORTABLE = "SORTABLE"
    NOINDEX = "NOINDEX"
    AS = "AS"
    GEOSHAPE = "GEOSHAPE"
    INDEX_MISSING = "INDEXMISSING"
    INDEX_EMPTY = "INDEXEMPTY"

    def __init__(
        self,
        name: str,
        args: list[Any] | None = None,
        sortable: bool = False,
        no_index: bool = False,
        index_missing: bool = False,
        index_empty: bool = False,
        as_name: str | None = None,
    ) -> None:
        if no_index and not sortable:
            raise ValueError("Non-Sortable non-Indexable fields are ignored")
        self.name = name
        self.args: list[Any] = [] if args is None else args
        self.as_name = as_name
        flags = ((no_index, self.NOINDEX), (index_missing, self.INDEX_MISSING),
                 (index_empty, self.INDEX_EMPTY), (sortable, self.SORTABLE))  # fmt: skip
        self.args_suffix: list[Any] = [word for wanted, word in flags if wanted]

    def append_arg(self, value: Any) -> None:
        """Add one argument after the type arguments."""
        self.args.append(value)

    def redis_args(self) -> list[Any]:
        """The field's part of the SCHEMA arguments."""
        alias = [self.AS, self.as_name] if self.as_name else []
        return [self.name, *alias, *self.args, *self.args_suffix]


class TextField(Field):
    """A full-text field."""

    NOSTEM = "NOSTEM"
    PHONETIC = "PHONETIC"
    _MATCHERS = ("dm:en", "dm:fr", "dm:pt", "dm:es")

    def __init__(
        self,
        name: str,
        weight: float = 1.0,
        no_stem: bool = False,
        phonetic_matcher: str | None = None,
        withsuffixtrie: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, args=[Field.TEXT, Field.WEIGHT, weight], **kwargs)
        if no_stem:
            self.append_arg(self.NOSTEM)
        if phonetic_matcher in self._MATCHERS:
            self.args += [self.PHONETIC, phonetic_matcher]
        if withsuffixtrie:
            self.append_arg("WITHSUFFIXTRIE")


class NumericField(Field):
    """A numeric field (range queries, sorting)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, args=[Field.NUMERIC], **kwargs)


class GeoShapeField(Field):
    """A polygon/point field for WITHIN / CONTAINS queries."""

    SPHERICAL = "SPHERICAL"
    FLAT = "FLAT"

    def __init__(self, name: str, coord_system: str | None = None, **kwargs: Any) -> None:
        args: list[Any] = [Field.GEOSHAPE]
        if coord_system:
            args.append(coord_system)
        super().__init__(name, args=args, **kwargs)


class GeoField(Field):
    """A "lon,lat" point field for radius queries."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, args=[Field.GEO], **kwargs)


class TagField(Field):
    """A field of exact-match tags split on ``separator``."""

    SEPARATOR = "SEPARATOR"
    CASESENSITIVE = "CASESENSITIVE"

    def __init__(
        self,
        name: str,
        separator: str = ",",
        case_sensitive: bool = False,
        withsuffixtrie: bool = False,
        **kwargs: Any,
    ) -> None:
        args: list[Any] = [Field.TAG, self.SEPARATOR, separator]
        if case_sensitive:
            args.append(self.CASESENSITIVE)
        if withsuffixtrie:
            args.append("WITHSUFFIXTRIE")
        super().__init__(name, args=args, **kwargs)


class VectorField(Field):
    """A vector field for KNN and range queries: ``algorithm`` FLAT, HNSW or SVS-VAMANA, with its attributes."""

    _ALGORITHMS = ("FLAT", "HNSW", "SVS-VAMANA")

    def __init__(self, name: str, algorithm: str, attributes: dict[str, Any], **kwargs: Any) -> None:
        if kwargs.get("sortable") or kwargs.get("no_index"):
            raise DataError("Cannot set 'sortable' or 'no_index' in Vector fields.")
        if algorithm.upper() not in self._ALGORITHMS:
            raise DataError("Realtime vector indexing supporting 3 Indexing Methods:'FLAT', 'HNSW', and 'SVS-VAMANA'.")
        pairs: list[Any] = []
        for pair in attributes.items():
            pairs.extend(pair)
        super().__init__(name, args=[Field.VECTOR, algorithm, len(pairs), *pairs], **kwargs)
