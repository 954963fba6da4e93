"""Autocomplete suggestions: ``Suggestion`` to add, and the reading of FT.SUGGET's reply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._util import to_string


class Suggestion:
    """A suggestion string with its score and optional payload."""

    string: str
    payload: str | None
    score: float

    def __init__(self, string: str, score: float = 1.0, payload: str | None = None) -> None:
        self.string = to_string(string)
        self.payload = to_string(payload)
        self.score = score

    def __repr__(self) -> str:
        return self.string  # type: ignore[no-any-return]


class SuggestionParser:
    """Walks FT.SUGGET's flat reply: string, then the score and payload when they were asked for."""

    def __init__(self, with_scores: bool, with_payloads: bool, ret: Any) -> None:
        self.with_scores = with_scores
        self.with_payloads = with_payloads
        self.sugsize = 1 + bool(with_scores) + bool(with_payloads)
        self._sugs = ret

    def __iter__(self) -> Iterator[Suggestion]:
        step = self.sugsize
        sugs = self._sugs
        for i in range(0, len(sugs), step):
            score = float(sugs[i + 1]) if self.with_scores else 1.0
            payload = sugs[i + step - 1] if self.with_payloads else None
            yield Suggestion(sugs[i], score, payload)
