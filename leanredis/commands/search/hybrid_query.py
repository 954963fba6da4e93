"""The parts of an FT.HYBRID call (``r.ft().hybrid_search(...)``), as redis-py 8.1's ``hybrid_query`` has them.

A ``HybridQuery`` joins a text query (``HybridSearchQuery``: SEARCH ...) and
a vector query (``HybridVsimQuery``: VSIM ...); ``CombineResultsMethod``
says how their results are fused (COMBINE RRF|LINEAR ...),
``HybridPostProcessingConfig`` what happens to the fused rows (LOAD,
GROUPBY, APPLY, SORTBY, FILTER, LIMIT), ``HybridCursorQuery`` asks for a
cursor. Each builds its own arguments in the order redis-py sends them, so
the command on the wire is redis-py's byte for byte. The classes redis-py
marks experimental warn (``UserWarning``) when made, with redis-py's text.
"""

from __future__ import annotations

import warnings
from enum import Enum
from typing import Any

from .aggregation import Limit, Reducer
from .query import Filter, SortbyField


def _experimental(name: str) -> None:
    warnings.warn(f"{name} is an experimental and may change or be removed in future versions.", UserWarning,
                  stacklevel=3)  # fmt: skip


def _pairs_counted(params: dict[str, Any]) -> list[Any]:
    """``count name value ...`` (count = 2 x pairs); nothing for no pairs."""
    if not params:
        return []
    out: list[Any] = [len(params) * 2]
    for pair in params.items():
        out.extend(pair)
    return out


class HybridSearchQuery:
    """The text half: SEARCH query [SCORER scorer] [YIELD_SCORE_AS name]."""

    def __init__(self, query_string: str, scorer: str | None = None, yield_score_as: str | None = None) -> None:
        _experimental("HybridSearchQuery")
        self._query_string = query_string
        self._scorer = scorer
        self._yield_score_as = yield_score_as

    def query_string(self) -> str:
        """The query text."""
        return self._query_string

    def scorer(self, scorer: str) -> HybridSearchQuery:
        """Score the text matches with ``scorer`` (BM25STD, TFIDF, ...)."""
        self._scorer = scorer
        return self

    def yield_score_as(self, alias: str) -> HybridSearchQuery:
        """Return the text score as field ``alias``."""
        self._yield_score_as = alias
        return self

    def get_args(self) -> list[Any]:
        args: list[Any] = ["SEARCH", self._query_string]
        if self._scorer:
            args += ["SCORER", self._scorer]
        if self._yield_score_as:
            args += ["YIELD_SCORE_AS", self._yield_score_as]
        return args


class VectorSearchMethods(Enum):
    """How the vector half searches: nearest neighbours or a radius."""

    KNN = "KNN"
    RANGE = "RANGE"


class HybridVsimQuery:
    """The vector half: VSIM field vector [KNN|RANGE count name value ...] [FILTER ...] [YIELD_SCORE_AS name]."""

    def __init__(
        self,
        vector_field_name: str,
        vector_data: bytes | str,
        vsim_search_method: VectorSearchMethods | None = None,
        vsim_search_method_params: dict[str, Any] | None = None,
        filter: Filter | None = None,  # noqa: A002  (redis-py's name)
        yield_score_as: str | None = None,
    ) -> None:
        _experimental("HybridVsimQuery")
        self._vector_field = vector_field_name
        self._vector_data = vector_data
        self._vsim_method_params: list[Any] | None = None
        # as redis-py: a method without parameters (or parameters without a method) sends neither
        if vsim_search_method and vsim_search_method_params:
            self.vsim_method_params(vsim_search_method, **vsim_search_method_params)
        self._filter = filter
        self._yield_score_as = yield_score_as

    def vector_field(self) -> str:
        """The vector field searched."""
        return self._vector_field

    def vector_data(self) -> bytes | str:
        """The query vector (or the ``$name`` of a parameter holding it)."""
        return self._vector_data

    def vsim_method_params(self, method: VectorSearchMethods, **kwargs: Any) -> HybridVsimQuery:
        """Search with ``method`` and its parameters: KNN (K=10, EF_RUNTIME=100) or RANGE (RADIUS=..., EPSILON=...)."""
        self._vsim_method_params = [method.value, *_pairs_counted(kwargs)]
        return self

    def filter(self, flt: HybridFilter) -> HybridVsimQuery:
        """Pre-filter the vector candidates (a ``HybridFilter``)."""
        self._filter = flt
        return self

    def yield_score_as(self, alias: str) -> HybridVsimQuery:
        """Return the vector score as field ``alias``."""
        self._yield_score_as = alias
        return self

    def get_args(self) -> list[Any]:
        args: list[Any] = ["VSIM", self._vector_field, self._vector_data]
        if self._vsim_method_params:
            args += self._vsim_method_params
        if self._filter:
            args += self._filter.args
        if self._yield_score_as:
            args += ["YIELD_SCORE_AS", self._yield_score_as]
        return args


class HybridQuery:
    """A text query and a vector query, searched together."""

    def __init__(self, search_query: HybridSearchQuery, vector_similarity_query: HybridVsimQuery) -> None:
        self._search_query = search_query
        self._vector_similarity_query = vector_similarity_query

    def get_args(self) -> list[Any]:
        return [*self._search_query.get_args(), *self._vector_similarity_query.get_args()]


class CombinationMethods(Enum):
    """How the two result lists are fused."""

    RRF = "RRF"
    LINEAR = "LINEAR"


class CombineResultsMethod:
    """COMBINE method [count name value ...]: RRF (WINDOW, CONSTANT, YIELD_SCORE_AS) or LINEAR (ALPHA, BETA, ...).

    The parameters go to the server as given, unchecked, as redis-py sends them.
    """

    def __init__(self, method: CombinationMethods, **kwargs: Any) -> None:
        _experimental("CombineResultsMethod")
        self._method = method
        self._kwargs = kwargs

    def get_args(self) -> list[Any]:
        return ["COMBINE", self._method.value, *_pairs_counted(self._kwargs)]


class HybridPostProcessingConfig:
    """What is done to the fused rows: LOAD, GROUPBY ... REDUCE, APPLY, SORTBY, FILTER, LIMIT (in that order)."""

    def __init__(self) -> None:
        _experimental("HybridPostProcessingConfig")
        self._load_statements: list[Any] = []
        self._return_fields_decode_as: dict[str, str | None] = {}
        self._apply_statements: list[Any] = []
        self._groupby_statements: list[Any] = []
        self._sortby_fields: list[SortbyField] = []
        self._filter: Filter | None = None
        self._limit: Limit | None = None

    def load(self, *fields: str, decode_field: bool | None = False, encoding: str | None = "utf8") -> Any:
        """LOAD ``fields`` (words split on spaces: "@a AS b" is three). ``decode_field``/``encoding`` are recorded
        as redis-py records them; its default results keep every value as the server's bytes either way."""
        if fields:
            words = " ".join(fields).split(" ")
            self._load_statements += ["LOAD", len(words), *words]
            self._record_encodings(words, encoding if decode_field else None)
        return self

    def _record_encodings(self, words: list[str], encoding: str | None) -> None:
        # each loaded field under the name its rows carry: "@a AS b" is b, "@a" is a
        i = 0
        while i < len(words):
            if words[i].upper() == "AS":
                i += 2
            elif i + 2 < len(words) and words[i + 1].upper() == "AS":
                self._return_fields_decode_as[words[i + 2]] = encoding
                i += 3
            else:
                self._return_fields_decode_as[words[i].removeprefix("@")] = encoding
                i += 1

    def group_by(self, fields: list[str], *reducers: Reducer) -> Any:
        """GROUPBY ``fields`` ("@name"; one str or a list) with ``reducers`` (from ``reducers``)."""
        fields = [fields] if isinstance(fields, str) else fields
        step: list[Any] = ["GROUPBY", str(len(fields)), *fields]
        for reducer in reducers:
            step += ["REDUCE", reducer.NAME, str(len(reducer.args)), *reducer.args]
            if reducer._alias is not None:
                step += ["AS", reducer._alias]
        self._groupby_statements += step
        return self

    def apply(self, **kwexpr: Any) -> Any:
        """APPLY expression AS alias, one per keyword: ``apply(root="sqrt(@n)")``."""
        for alias, expr in kwexpr.items():
            self._apply_statements += ["APPLY", expr, "AS", alias]
        return self

    def sort_by(self, *sortby: SortbyField) -> Any:
        """SORTBY these fields (replaces an earlier sort_by)."""
        self._sortby_fields = [*sortby]
        return self

    def filter(self, filter: HybridFilter) -> Any:  # noqa: A002  (redis-py's name)
        """FILTER the fused rows (one filter: a later call replaces it)."""
        self._filter = filter
        return self

    def limit(self, offset: int, num: int) -> Any:
        """LIMIT offset num (nothing sent for num 0)."""
        self._limit = Limit(offset, num)
        return self

    def build_args(self) -> list[Any]:
        args: list[Any] = [*self._load_statements, *self._groupby_statements, *self._apply_statements]
        if self._sortby_fields:
            sortby = [arg for field in self._sortby_fields for arg in field.args]
            args += ["SORTBY", len(sortby), *sortby]
        if self._filter:
            args += self._filter.args
        if self._limit:
            args += self._limit.build_args()
        return args


class HybridFilter(Filter):
    """FILTER conditions: a query expression ("@price:[100 500]")."""

    def __init__(self, conditions: str) -> None:
        _experimental("HybridFilter")
        Filter.__init__(self, "FILTER", conditions)


class HybridCursorQuery:
    """WITHCURSOR [COUNT count] [MAXIDLE ms] (0: left out)."""

    def __init__(self, count: int = 0, max_idle: int = 0) -> None:
        _experimental("HybridCursorQuery")
        self.count = count
        self.max_idle = max_idle

    def build_args(self) -> list[str]:
        args = ["WITHCURSOR"]
        if self.count:
            args += ["COUNT", str(self.count)]
        if self.max_idle:
            args += ["MAXIDLE", str(self.max_idle)]
        return args
