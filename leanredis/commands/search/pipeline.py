"""``SearchPipeline``: what ``r.ft(index_name).pipeline()`` returns."""

from __future__ import annotations

from typing import Any

from ...pipeline import Pipeline
from ...registry import FROM_ABOVE
from ...typed import StrT
from .commands import SearchCommands


class SearchPipeline(SearchCommands[StrT], Pipeline[StrT]):  # type: ignore[misc]  # its info/config_* are FT.*, as redis-py's
    """A ``Pipeline`` whose search methods (``search``, ``info``, ...) are this index's FT.* commands."""

    def __init__(self, executor: Any, transaction: bool = True, shard_hint: str | None = None,
                 index_name: str = "idx") -> None:  # fmt: skip
        Pipeline.__init__(self, executor, transaction, shard_hint)
        self.index_name = index_name

    @property  # type: ignore[override]
    def client(self) -> SearchPipeline[StrT]:
        """The pipeline itself records the commands."""
        return self


AsyncPipeline = SearchPipeline

# for the search commands, below
FROM_ABOVE.update(
    pipelines=(*FROM_ABOVE.get("pipelines", ()), Pipeline),
    SearchPipeline=SearchPipeline,
    search_pipelines={**FROM_ABOVE.get("search_pipelines", {}), Pipeline: SearchPipeline},
)
