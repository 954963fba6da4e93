"""``Document``: one search hit, its fields as attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


class Document:
    """A document of a search result: ``doc.id``, ``doc.payload`` and one attribute per returned field.

    A field's value is text, or bytes where the query kept it undecoded
    (``return_field(name, decode_field=False)``: a vector); ``score`` is there when the query asked
    for scores (``with_scores()``).
    """

    id: str
    payload: str | None
    score: float

    def __init__(self, id: Any, payload: Any = None, **fields: Any) -> None:
        self.id = id
        self.payload = payload
        self.__dict__.update(fields)

    if TYPE_CHECKING:
        # the fields, for type checkers only: at run time a missing one raises AttributeError as it does now
        def __getattr__(self, name: str) -> str | bytes: ...

    def __repr__(self) -> str:
        return f"Document {self.__dict__}"

    def __getitem__(self, item: str) -> str | bytes | float | None:
        return getattr(self, item)  # type: ignore[no-any-return]
