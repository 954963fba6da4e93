"""``Result`` of a search, read from FT.SEARCH's reply (RESP2 list or RESP3 map) in one pass.

The reply arrives undecoded (vector fields are bytes whatever
``decode_responses`` says), and the result is redis.asyncio 8.1's with its
default options, whatever the protocol: ids and field names as str, field
values decoded as UTF-8 (invalid bytes replaced) unless the query asked for
a field's bytes (``return_field(name, decode_field=False)``) or another
encoding; payloads None; scores float. The reply's entries are dropped as
the documents are built, so a large result is not held twice.
"""

from __future__ import annotations

from typing import Any

from ._util import text
from .document import Document


class Result:
    """A search result: ``total`` matches, the ``docs`` of this page, ``duration`` (ms), ``warnings``."""

    total: int
    duration: float
    warnings: list[str]
    docs: list[Document]

    def __init__(
        self,
        res: Any,
        hascontent: bool,
        duration: float = 0,
        has_payload: bool = False,
        with_scores: bool = False,
        field_encodings: dict[str, str | None] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        """From a RESP2 FT.SEARCH reply (the constructor redis-py users call)."""
        self.total = res[0]
        self.duration = duration
        self.warnings = warnings or []
        self.docs = _docs_from_list(res, hascontent, has_payload, with_scores, field_encodings)

    @classmethod
    def from_resp3(
        cls, res: Any, duration: float = 0, with_scores: bool = False, field_encodings: dict[str, Any] | None = None
    ) -> Result:
        """From a RESP3 FT.SEARCH reply (a map)."""
        result = cls.__new__(cls)
        res = {text(k): v for k, v in (res or {}).items()}
        result.total = res.get("total_results", 0)
        result.duration = duration
        result.warnings = [text(w) for w in res.get("warning", ())]
        result.docs = _docs_from_maps(res.get("results") or [], with_scores, field_encodings)
        return result

    def __repr__(self) -> str:
        return f"Result{{{self.total} total, docs: {self.docs}}}"


def _value(value: Any, key: str, encodings: dict[str, Any] | None) -> Any:
    if value.__class__ is not bytes:
        return value
    if encodings and key in encodings:
        encoding = encodings[key]
        return value if encoding is None else value.decode(encoding, "replace")
    return value.decode("utf-8", "replace")


def _document(doc_id: Any, score: Any, with_scores: bool, fields: dict[str, Any]) -> Document:
    fields.pop("id", None)
    if "$" in fields:
        fields["json"] = fields.pop("$")
    doc = Document.__new__(Document)
    attributes = doc.__dict__
    attributes["id"] = doc_id
    attributes["payload"] = None
    if with_scores:
        attributes["score"] = score
    attributes.update(fields)
    return doc


def _docs_from_list(
    res: list[Any], hascontent: bool, has_payload: bool, with_scores: bool, encodings: dict[str, Any] | None
) -> list[Document]:
    """RESP2: total, then per document id [score] [payload] [fields]."""
    step = 1 + hascontent + has_payload + with_scores
    docs = []
    for i in range(1, len(res), step):
        doc_id = text(res[i])
        score = float(res[i + 1]) if with_scores else None
        fields: dict[str, Any] = {}
        if hascontent:
            pairs = res[i + step - 1]
            if pairs is not None:
                for j in range(0, len(pairs) - 1, 2):
                    key = text(pairs[j])
                    fields[key] = _value(pairs[j + 1], key, encodings)
        for j in range(i, i + step):
            res[j] = None  # this document's share of the reply is no longer needed
        docs.append(_document(doc_id, score, with_scores, fields))
    return docs


def _docs_from_maps(results: list[Any], with_scores: bool, encodings: dict[str, Any] | None) -> list[Document]:
    """RESP3: a map per document, {id, score, extra_attributes: {field: value}}."""
    docs = []
    for index, item in enumerate(results):
        item = {text(k): v for k, v in item.items()}
        results[index] = None
        score = float(item["score"]) if with_scores and "score" in item else None
        fields = {}
        for key, value in (item.get("extra_attributes") or {}).items():
            key = text(key)
            fields[key] = _value(value, key, encodings)
        docs.append(_document(text(item.get("id", "")), score, with_scores, fields))
    return docs
