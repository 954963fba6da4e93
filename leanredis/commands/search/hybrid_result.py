"""What ``r.ft().hybrid_search(...)`` returns: ``HybridResult``, or ``HybridCursorResult`` for a cursor query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class HybridResult:
    """The fused rows of an FT.HYBRID: ``results`` (one dict per row, str names, values as the server's bytes),
    ``total_results``, the server's ``warnings`` and ``execution_time``."""

    total_results: int
    results: list[dict[str, Any]]
    warnings: list[str | bytes]
    execution_time: float


class HybridCursorResult:
    """The two cursors of an FT.HYBRID ... WITHCURSOR: one for the text query, one for the vector query."""

    def __init__(self, search_cursor_id: int, vsim_cursor_id: int) -> None:
        self.search_cursor_id = search_cursor_id
        self.vsim_cursor_id = vsim_cursor_id
