"""``Query``: FT.SEARCH's query string and options, built by chained setters; its filters.

Each setter returns the query. ``get_args()`` gives the arguments after the
index name; the reply reader looks at ``_no_content``, ``_with_scores``,
``_with_payloads`` and ``_return_fields_decode_as`` (the names redis-py's
objects have too, so its ``Query`` objects are read the same way).
"""

from __future__ import annotations

from typing import Any

from .dialect import DEFAULT_DIALECT


class Query:
    """A search query with its options: ``Query("hello").paging(0, 5).with_scores()``."""

    def __init__(self, query_string: str) -> None:
        self._query_string = query_string
        self._offset = 0
        self._num = 10
        self._no_content = False
        self._no_stopwords = False
        self._fields: list[str] | None = None
        self._verbatim = False
        self._with_payloads = False
        self._with_scores = False
        self._scorer: str | None = None
        self._filters: list[Filter] = []
        self._ids: tuple[Any, ...] | None = None
        self._slop = -1
        self._timeout: float | None = None
        self._in_order = False
        self._sortby: SortbyField | None = None
        self._return_fields: list[Any] = []
        # field -> encoding of its values, None: kept as bytes (vectors)
        self._return_fields_decode_as: dict[str, str | None] = {}
        self._summarize_fields: list[Any] = []
        self._highlight_fields: list[Any] = []
        self._language: str | None = None
        self._expander: str | None = None
        self._dialect = DEFAULT_DIALECT

    def query_string(self) -> str:
        """The query string alone."""
        return self._query_string

    def limit_ids(self, *ids: Any) -> Query:
        """Search only these document ids (INKEYS)."""
        self._ids = ids
        return self

    def return_fields(self, *fields: str) -> Query:
        """Return only these fields (each decoded as UTF-8)."""
        for field in fields:
            self.return_field(field)
        return self

    def return_field(
        self, field: str, as_field: str | None = None, decode_field: bool | None = True, encoding: str | None = "utf8"
    ) -> Query:
        """Return ``field`` (as ``as_field``); ``decode_field=False`` keeps its value as bytes (vectors)."""
        self._return_fields.append(field)
        self._return_fields_decode_as[field] = encoding if decode_field else None
        if as_field is not None:
            self._return_fields += ("AS", as_field)
        return self

    @staticmethod
    def _field_list(fields: Any) -> list[Any]:
        if not fields:
            return []
        return [fields] if isinstance(fields, str) else list(fields)

    def summarize(
        self,
        fields: list[str] | None = None,
        context_len: int | None = None,
        num_frags: int | None = None,
        sep: str | None = None,
    ) -> Query:
        """Return fragments of the fields around the matched terms (SUMMARIZE); server defaults where unset."""
        args: list[Any] = ["SUMMARIZE"]
        names = self._field_list(fields)
        if names:
            args += ["FIELDS", str(len(names)), *names]
        for word, value in (("LEN", context_len), ("FRAGS", num_frags)):
            if value is not None:
                args += [word, str(value)]
        if sep is not None:
            args += ["SEPARATOR", sep]
        self._summarize_fields = args
        return self

    def highlight(self, fields: list[str] | None = None, tags: list[str] | None = None) -> Query:
        """Wrap matched terms in ``tags`` (HIGHLIGHT), in ``fields`` or all of them."""
        args: list[Any] = ["HIGHLIGHT"]
        names = self._field_list(fields)
        if names:
            args += ["FIELDS", str(len(names)), *names]
        if tags:
            args += ["TAGS", *tags]
        self._highlight_fields = args
        return self

    def language(self, language: str) -> Query:
        """The language of the query's stemming."""
        self._language = language
        return self

    def slop(self, slop: int) -> Query:
        """How many unmatched terms may stand between phrase terms."""
        self._slop = slop
        return self

    def timeout(self, timeout: float) -> Query:
        """This query's own timeout (ms), instead of the module's."""
        self._timeout = timeout
        return self

    def in_order(self) -> Query:
        """Terms must appear in the query's order."""
        self._in_order = True
        return self

    def scorer(self, scorer: str) -> Query:
        """The scoring function (TFIDF, BM25, ...)."""
        self._scorer = scorer
        return self

    def get_args(self) -> list[Any]:
        """The FT.SEARCH arguments after the index name."""
        return [
            self._query_string,
            *self._get_args_tags(),
            *self._summarize_fields,
            *self._highlight_fields,
            "LIMIT",
            self._offset,
            self._num,
        ]

    def _get_args_tags(self) -> list[Any]:
        args: list[Any] = []
        if self._no_content:
            args.append("NOCONTENT")
        if self._fields:
            args += ["INFIELDS", len(self._fields), *self._fields]
        if self._verbatim:
            args.append("VERBATIM")
        if self._no_stopwords:
            args.append("NOSTOPWORDS")
        for flt in self._filters:
            if not isinstance(flt, Filter):
                raise AttributeError("Did not receive a Filter object.")
            args += flt.args
        if self._with_payloads:
            args.append("WITHPAYLOADS")
        if self._scorer:
            args += ["SCORER", self._scorer]
        if self._with_scores:
            args.append("WITHSCORES")
        if self._ids:
            args += ["INKEYS", len(self._ids), *self._ids]
        if self._slop >= 0:
            args += ["SLOP", self._slop]
        if self._timeout is not None:
            args += ["TIMEOUT", self._timeout]
        if self._in_order:
            args.append("INORDER")
        if self._return_fields:
            args += ["RETURN", len(self._return_fields), *self._return_fields]
        if self._sortby:
            if not isinstance(self._sortby, SortbyField):
                raise AttributeError("Did not receive a SortByField.")
            args += ["SORTBY", *self._sortby.args]
        if self._language:
            args += ["LANGUAGE", self._language]
        if self._expander:
            args += ["EXPANDER", self._expander]
        if self._dialect:
            args += ["DIALECT", self._dialect]
        return args

    def paging(self, offset: int, num: int) -> Query:
        """Results ``offset`` to ``offset + num`` (default 0, 10)."""
        self._offset = offset
        self._num = num
        return self

    def verbatim(self) -> Query:
        """No stemming nor query expansion."""
        self._verbatim = True
        return self

    def no_content(self) -> Query:
        """Return ids only."""
        self._no_content = True
        return self

    def no_stopwords(self) -> Query:
        """Do not filter stopwords out of the query."""
        self._no_stopwords = True
        return self

    def with_payloads(self) -> Query:
        """Ask for document payloads."""
        self._with_payloads = True
        return self

    def with_scores(self) -> Query:
        """Ask for each document's score."""
        self._with_scores = True
        return self

    def limit_fields(self, *fields: str) -> Query:
        """Search only these TEXT fields (INFIELDS)."""
        self._fields = list(fields)
        return self

    def add_filter(self, flt: Filter) -> Query:
        """Add a ``NumericFilter`` or ``GeoFilter``."""
        self._filters.append(flt)
        return self

    def sort_by(self, field: str, asc: bool = True) -> Query:
        """Sort by ``field``, ascending unless ``asc`` is False."""
        self._sortby = SortbyField(field, asc)
        return self

    def expander(self, expander: str) -> Query:
        """The query expander to use."""
        self._expander = expander
        return self

    def dialect(self, dialect: int) -> Query:
        """The query dialect (default 2)."""
        self._dialect = dialect
        return self


class Filter:
    """A query filter: its keyword, field and arguments, as ``args``."""

    def __init__(self, keyword: str, field: str, *args: Any) -> None:
        self.args = [keyword, field, *args]


class NumericFilter(Filter):
    """FILTER field min max; an exclusive bound is written "(value"."""

    INF = "+inf"
    NEG_INF = "-inf"

    def __init__(
        self,
        field: str,
        minval: int | str,
        maxval: int | str,
        minExclusive: bool = False,  # noqa: N803  (redis-py's names)
        maxExclusive: bool = False,  # noqa: N803
    ) -> None:
        low = f"({minval}" if minExclusive else minval
        high = f"({maxval}" if maxExclusive else maxval
        super().__init__("FILTER", field, low, high)


class GeoFilter(Filter):
    """GEOFILTER field lon lat radius unit."""

    METERS = "m"
    KILOMETERS = "km"
    FEET = "ft"
    MILES = "mi"

    def __init__(self, field: str, lon: float, lat: float, radius: float, unit: str = KILOMETERS) -> None:
        super().__init__("GEOFILTER", field, lon, lat, radius, unit)


class SortbyField:
    """SORTBY field ASC|DESC, as ``args``."""

    def __init__(self, field: str, asc: bool = True) -> None:
        self.args = [field, "ASC" if asc else "DESC"]
