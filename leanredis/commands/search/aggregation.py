"""FT.AGGREGATE: ``AggregateRequest`` (a pipeline of steps), reducers' base, ``Cursor`` and ``AggregateResult``."""

from __future__ import annotations

from typing import Any, TypeGuard

from .dialect import DEFAULT_DIALECT

#: Alias a reducer by the name of the field it reads: ``reducers.sum("@price").alias(FIELDNAME)``.
FIELDNAME = object()


class Limit:
    """LIMIT offset count (nothing when count is 0)."""

    def __init__(self, offset: int = 0, count: int = 0) -> None:
        self.offset = offset
        self.count = count

    def build_args(self) -> list[str]:
        return ["LIMIT", str(self.offset), str(self.count)] if self.count else []


class Reducer:
    """A GROUPBY reducer: ``NAME`` and its arguments; see ``reducers`` for the concrete ones."""

    NAME: str | None = None

    def __init__(self, *args: str) -> None:
        self._args: tuple[str, ...] = args
        self._field: str | None = None
        self._alias: Any = None

    def alias(self, alias: Any) -> Reducer:
        """Name the reducer's output (``FIELDNAME``: the name of its field, without "@")."""
        if alias is FIELDNAME:
            if not self._field:
                raise ValueError("Cannot use FIELDNAME alias with no field")
            alias = self._field.removeprefix("@")
        self._alias = alias
        return self

    @property
    def args(self) -> tuple[str, ...]:
        return self._args


class SortDirection:
    """A sort key with its direction (``Asc("@price")``, ``Desc("@price")``)."""

    DIRSTRING: str | None = None

    def __init__(self, field: str) -> None:
        self.field = field


class Asc(SortDirection):
    """Ascending."""

    DIRSTRING = "ASC"


class Desc(SortDirection):
    """Descending."""

    DIRSTRING = "DESC"


class AggregateRequest:
    """An aggregation: ``AggregateRequest("*").group_by("@tag", reducers.count()).sort_by("@tag")``."""

    def __init__(self, query: str = "*") -> None:
        self._query = query
        self._aggregateplan: list[Any] = []
        self._loadfields: list[str] = []
        self._loadall = False
        self._max = 0
        self._with_schema = False
        self._verbatim = False
        self._cursor: list[str] = []
        self._dialect = DEFAULT_DIALECT
        self._add_scores = False
        self._scorer = "TFIDF"

    def load(self, *fields: str) -> AggregateRequest:
        """LOAD these fields ("@name"), or every field when none is named."""
        if fields:
            self._loadfields.extend(fields)
        else:
            self._loadall = True
        return self

    def group_by(self, fields: str | list[str], *reducers: Reducer) -> AggregateRequest:
        """GROUPBY ``fields`` with these reducers."""
        names = [fields] if isinstance(fields, str) else fields
        step: list[Any] = ["GROUPBY", str(len(names)), *names]
        for reducer in reducers:
            step += ["REDUCE", reducer.NAME, str(len(reducer.args)), *reducer.args]
            if reducer._alias is not None:
                step += ["AS", reducer._alias]
        self._aggregateplan.extend(step)
        return self

    def apply(self, **kwexpr: str) -> AggregateRequest:
        """APPLY each expression AS its keyword: ``apply(total="@price * @qty")``."""
        for alias, expression in kwexpr.items():
            self._aggregateplan += ["APPLY", expression, "AS", alias]
        return self

    def limit(self, offset: int, num: int) -> AggregateRequest:
        """LIMIT the rows at this point of the pipeline."""
        self._aggregateplan.extend(Limit(offset, num).build_args())
        return self

    def sort_by(self, *fields: str | SortDirection, **kwargs: Any) -> AggregateRequest:
        """SORTBY fields (``Asc``/``Desc`` for a direction); ``max=N`` keeps the first N."""
        keys: list[Any] = []
        for field in fields:
            if isinstance(field, (Asc, Desc)):
                keys += [field.field, field.DIRSTRING]
            else:
                keys.append(field)
        step: list[Any] = ["SORTBY", str(len(keys)), *keys]
        most = kwargs.get("max", 0)
        if most > 0:
            step += ["MAX", str(most)]
        self._aggregateplan.extend(step)
        return self

    def filter(self, expressions: str | list[str]) -> AggregateRequest:
        """FILTER rows by each expression."""
        for expression in [expressions] if isinstance(expressions, str) else expressions:
            self._aggregateplan += ["FILTER", expression]
        return self

    def with_schema(self) -> AggregateRequest:
        """WITHSCHEMA."""
        self._with_schema = True
        return self

    def add_scores(self) -> AggregateRequest:
        """ADDSCORES: each row gets its score as a field."""
        self._add_scores = True
        return self

    def scorer(self, scorer: str) -> AggregateRequest:
        """The scoring function (default TFIDF)."""
        self._scorer = scorer
        return self

    def verbatim(self) -> AggregateRequest:
        """No stemming nor query expansion."""
        self._verbatim = True
        return self

    def cursor(self, count: int = 0, max_idle: float = 0.0) -> AggregateRequest:
        """Read the rows through a cursor, ``count`` at a time; ``max_idle`` in seconds."""
        args = ["WITHCURSOR"]
        if count:
            args += ["COUNT", str(count)]
        if max_idle:
            args += ["MAXIDLE", str(max_idle * 1000)]
        self._cursor = args
        return self

    def build_args(self) -> list[Any]:
        """The FT.AGGREGATE arguments after the index name."""
        args: list[Any] = [self._query]
        if self._with_schema:
            args.append("WITHSCHEMA")
        if self._verbatim:
            args.append("VERBATIM")
        if self._scorer:
            args += ["SCORER", self._scorer]
        if self._add_scores:
            args.append("ADDSCORES")
        args += self._cursor
        if self._loadall:
            args += ["LOAD", "*"]
        elif self._loadfields:
            args += ["LOAD", str(len(self._loadfields)), *self._loadfields]
        if self._dialect:
            args += ["DIALECT", str(self._dialect)]
        args += self._aggregateplan
        return args

    def dialect(self, dialect: int) -> AggregateRequest:
        """The query dialect (default 2)."""
        self._dialect = dialect
        return self


class Cursor:
    """A cursor of an aggregation: pass it to ``aggregate()`` for the next rows."""

    def __init__(self, cid: int) -> None:
        self.cid = cid
        self.max_idle = 0
        self.count = 0

    def build_args(self) -> list[str]:
        args = [str(self.cid)]
        if self.max_idle:
            args += ["MAXIDLE", str(self.max_idle)]
        if self.count:
            args += ["COUNT", str(self.count)]
        return args


class AggregateResult:
    """Rows of an aggregation (each a flat [name, value, ...] list), its cursor, total and warnings."""

    rows: list[list[str | bytes]]
    cursor: Cursor | None
    total: int
    warnings: list[str]

    def __init__(self, rows: Any, cursor: Cursor | None, schema: Any, total: int = 0, warnings: Any = None) -> None:
        self.rows = rows
        self.cursor = cursor
        self.schema = schema
        self.total = total
        self.warnings = warnings or []

    def __repr__(self) -> str:
        cid = self.cursor.cid if self.cursor else -1
        return f"<{self.__class__.__name__} at 0x{id(self):x} Rows={len(self.rows)}, Cursor={cid}>"


def _redis_pys(query: Any, name: str) -> bool:
    """redis-py's own class of that name (``redis.commands.search.aggregation``): same fields as ours."""
    kind = type(query)
    return kind.__name__ == name and kind.__module__.startswith("redis.commands.search")


def is_aggregate_request(query: Any) -> TypeGuard[AggregateRequest]:
    """An ``AggregateRequest``, ours or redis-py's: code that builds redis-py's keeps working on our client."""
    return isinstance(query, AggregateRequest) or _redis_pys(query, "AggregateRequest")


def is_cursor(query: Any) -> TypeGuard[Cursor]:
    """An aggregation ``Cursor``, ours or redis-py's."""
    return isinstance(query, Cursor) or _redis_pys(query, "Cursor")
