"""``Document``: one search hit, its fields as attributes."""

from __future__ import annotations

from typing import Any


class Document:
    """A document of a search result: ``doc.id``, ``doc.payload`` and one attribute per returned field."""

    def __init__(self, id: Any, payload: Any = None, **fields: Any) -> None:
        self.id = id
        self.payload = payload
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"Document {self.__dict__}"

    def __getitem__(self, item: str) -> Any:
        return getattr(self, item)
