"""GROUPBY reducers for ``AggregateRequest.group_by`` (``reducers.count()``, ``reducers.sum("@price")``, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .aggregation import Asc, Desc, Reducer, SortDirection


def _at(name: str) -> str:
    return name if name.startswith("@") else "@" + name


class FieldOnlyReducer(Reducer):
    """A reducer of one field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self._field = field


class count(Reducer):  # noqa: N801  (redis-py's names)
    """COUNT: rows in the group."""

    NAME = "COUNT"

    def __init__(self) -> None:
        super().__init__()


class sum(FieldOnlyReducer):  # noqa: N801,A001
    """SUM of the field."""

    NAME = "SUM"


class min(FieldOnlyReducer):  # noqa: N801,A001
    """MIN of the field."""

    NAME = "MIN"


class max(FieldOnlyReducer):  # noqa: N801,A001
    """MAX of the field."""

    NAME = "MAX"


class avg(FieldOnlyReducer):  # noqa: N801
    """AVG of the field."""

    NAME = "AVG"


class tolist(FieldOnlyReducer):  # noqa: N801
    """TOLIST: the field's distinct values."""

    NAME = "TOLIST"


class count_distinct(FieldOnlyReducer):  # noqa: N801
    """COUNT_DISTINCT of the field."""

    NAME = "COUNT_DISTINCT"


class count_distinctish(FieldOnlyReducer):  # noqa: N801
    """COUNT_DISTINCTISH: an estimate, faster."""

    NAME = "COUNT_DISTINCTISH"


class quantile(Reducer):  # noqa: N801
    """QUANTILE ``pct`` (0..1) of the field."""

    NAME = "QUANTILE"

    def __init__(self, field: str, pct: float) -> None:
        super().__init__(field, str(pct))
        self._field = field


class stddev(FieldOnlyReducer):  # noqa: N801
    """STDDEV of the field."""

    NAME = "STDDEV"


class first_value(Reducer):  # noqa: N801
    """FIRST_VALUE of the field, in the order of ``byfields`` (``Asc``/``Desc`` instances, or one of the classes)."""

    NAME = "FIRST_VALUE"

    def __init__(self, field: str, *byfields: Any) -> None:
        if len(byfields) == 1 and isinstance(byfields[0], type) and issubclass(byfields[0], SortDirection):
            byfields = (byfields[0](field),)
        order: list[str] = []
        for by in byfields:
            order += [by.field, by.DIRSTRING]
        super().__init__(field, *(["BY", *order] if order else []))
        self._field = field


class random_sample(Reducer):  # noqa: N801
    """RANDOM_SAMPLE of ``size`` values of the field."""

    NAME = "RANDOM_SAMPLE"

    def __init__(self, field: str, size: int) -> None:
        super().__init__(field, str(size))
        self._field = field


class collect(Reducer):  # noqa: N801
    """COLLECT: each group's rows projected on ``fields`` (a preview feature of the server)."""

    NAME = "COLLECT"

    def __init__(
        self,
        fields: str | Iterable[str] = "*",
        distinct: bool = False,
        sort_by: Asc | Desc | Iterable[Asc | Desc] | None = None,
        limit: tuple[int, int] | None = None,
    ) -> None:
        args: list[str] = []
        if fields == "*":
            args += ["FIELDS", "*"]
        else:
            names = [fields] if isinstance(fields, str) else list(fields)
            if not names or any(not name.strip() for name in names):
                raise ValueError("collect fields must be '*' or a non-empty list of names")
            args += ["FIELDS", str(len(names)), *map(_at, names)]
        if distinct:
            args.append("DISTINCT")
        if sort_by is not None:
            keys: list[str] = []
            for by in [sort_by] if isinstance(sort_by, (Asc, Desc)) else sort_by:
                keys += [_at(by.field), by.DIRSTRING]  # type: ignore[list-item]
            if not keys:
                raise ValueError("collect sort_by must contain at least one field")
            args += ["SORTBY", str(len(keys)), *keys]
        if limit is not None:
            offset, number = limit
            args += ["LIMIT", str(offset), str(number)]
        super().__init__(*args)
