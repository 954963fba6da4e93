"""Query strings built from Python: ``querystring(intersect(title="hello", n=between(1, 5)))``.

Values: a plain value (text), ``tags(...)``, numeric ranges (``between``,
``equal``, ``lt``, ``le``, ``gt``, ``ge``) and ``geo(...)``. Nodes combine
conditions: ``intersect`` (AND), ``union`` (OR), ``disjunct`` (NOT),
``disjunct_union`` (none of), ``optional`` via ``OptionalNode``.
"""

from __future__ import annotations

from typing import Any


def tags(*t: Any) -> TagValue:
    """Match any of these tags."""
    if not t:
        raise ValueError("At least one tag must be specified")
    return TagValue(*t)


def between(a: Any, b: Any, inclusive_min: bool = True, inclusive_max: bool = True) -> RangeValue:
    """A numeric range; None is unbounded."""
    return RangeValue(a, b, inclusive_min=inclusive_min, inclusive_max=inclusive_max)


def equal(n: Any) -> RangeValue:
    """Exactly ``n``."""
    return between(n, n)


def lt(n: Any) -> RangeValue:
    """Less than ``n``."""
    return between(None, n, inclusive_max=False)


def le(n: Any) -> RangeValue:
    """At most ``n``."""
    return between(None, n, inclusive_max=True)


def gt(n: Any) -> RangeValue:
    """More than ``n``."""
    return between(n, None, inclusive_min=False)


def ge(n: Any) -> RangeValue:
    """At least ``n``."""
    return between(n, None, inclusive_min=True)


def geo(lat: float, lon: float, radius: float, unit: str = "km") -> GeoValue:
    """Within ``radius`` of (lat, lon)."""
    return GeoValue(lon, lat, radius, unit)


class Value:
    """A field value of a condition."""

    combinable = False  # may several values share one "@field:(a|b)"

    @staticmethod
    def make_value(v: Any) -> Value:
        return v if isinstance(v, Value) else ScalarValue(v)

    def to_string(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_string()


class RangeValue(Value):
    """[min max], "(" before an exclusive bound."""

    combinable = False

    def __init__(self, a: Any, b: Any, inclusive_min: bool = False, inclusive_max: bool = False) -> None:
        self.range = [str("-inf" if a is None else a), str("inf" if b is None else b)]
        self.inclusive_min = inclusive_min
        self.inclusive_max = inclusive_max

    def to_string(self) -> str:
        low = ("" if self.inclusive_min else "(") + self.range[0]
        high = ("" if self.inclusive_max else "(") + self.range[1]
        return f"[{low} {high}]"


class ScalarValue(Value):
    """A plain value."""

    combinable = True

    def __init__(self, v: Any) -> None:
        self.v = str(v)

    def to_string(self) -> str:
        return self.v


class TagValue(Value):
    """{a | b}."""

    combinable = False

    def __init__(self, *tags: Any) -> None:
        self.tags = tags

    def to_string(self) -> str:
        return "{" + " | ".join(map(str, self.tags)) + "}"


class GeoValue(Value):
    """[lon lat radius unit]."""

    def __init__(self, lon: float, lat: float, radius: float, unit: str = "km") -> None:
        self.lon = lon
        self.lat = lat
        self.radius = radius
        self.unit = unit

    def to_string(self) -> str:
        return f"[{self.lon} {self.lat} {self.radius} {self.unit}]"


class Node:
    """Conditions joined by ``JOINSTR``: children nodes or strings, and ``field=value`` keywords."""

    JOINSTR = " "

    def __init__(self, *children: Any, **kwparams: Any) -> None:
        by_field: dict[str, list[Value]] = {}
        for key, v in kwparams.items():
            values = by_field.setdefault(key, [])
            if isinstance(v, (str, int, float, Value)):
                values.append(Value.make_value(v))
            else:
                values.extend(Value.make_value(item) for item in v)
        self.params: list[Node] = [Node.to_node(child) for child in children]
        for key, values in by_field.items():
            self.params.extend(self.join_fields(key, values))

    def join_fields(self, key: str, vals: list[Value]) -> list[Node]:
        if len(vals) == 1:
            return [BaseNode(f"@{key}:{vals[0].to_string()}")]
        if not vals[0].combinable:
            return [BaseNode(f"@{key}:{v.to_string()}") for v in vals]
        return [BaseNode(f"@{key}:({self.JOINSTR.join(v.to_string() for v in vals)})")]

    @classmethod
    def to_node(cls, obj: Any) -> Node:
        return obj if isinstance(obj, Node) else BaseNode(obj)

    def to_string(self, with_parens: bool | None = None) -> str:
        inner = self.JOINSTR.join(node.to_string() for node in self.params)
        return f"({inner})" if self._should_use_paren(with_parens) else inner

    def _should_use_paren(self, optval: bool | None) -> bool:
        return optval if optval is not None else len(self.params) > 1

    def __str__(self) -> str:
        return self.to_string()


class BaseNode(Node):
    """A condition given as a string."""

    def __init__(self, s: Any) -> None:
        super().__init__()
        self.s = str(s)

    def to_string(self, with_parens: bool | None = None) -> str:
        return self.s


class IntersectNode(Node):
    """Every child must match."""

    JOINSTR = " "


class UnionNode(Node):
    """Any child may match."""

    JOINSTR = "|"


class DisjunctNode(IntersectNode):
    """No child may match: "-(...)"."""

    def to_string(self, with_parens: bool | None = None) -> str:
        parens = self._should_use_paren(with_parens)
        inner = super().to_string(with_parens=False)
        return f"(-{inner})" if parens else f"-{inner}"


class DistjunctUnion(DisjunctNode):
    """None of the children: ``disjunct(union(...))``."""

    JOINSTR = "|"


class OptionalNode(IntersectNode):
    """Ranks higher when it matches: "~(...)"."""

    def to_string(self, with_parens: bool | None = None) -> str:
        parens = self._should_use_paren(with_parens)
        inner = super().to_string(with_parens=False)
        return f"(~{inner})" if parens else f"~{inner}"


def intersect(*args: Any, **kwargs: Any) -> IntersectNode:
    return IntersectNode(*args, **kwargs)


def union(*args: Any, **kwargs: Any) -> UnionNode:
    return UnionNode(*args, **kwargs)


def disjunct(*args: Any, **kwargs: Any) -> DisjunctNode:
    return DisjunctNode(*args, **kwargs)


def disjunct_union(*args: Any, **kwargs: Any) -> DistjunctUnion:
    return DistjunctUnion(*args, **kwargs)


def querystring(*args: Any, **kwargs: Any) -> str:
    """The query string of ``intersect(*args, **kwargs)``."""
    return intersect(*args, **kwargs).to_string()
