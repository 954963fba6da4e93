"""``Search`` (what ``r.ft(index_name)`` returns) and the mixin that gives clients and pipelines ``ft()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

from ...registry import FROM_ABOVE
from ...typed import StrT
from .batch import BatchIndexer as _BatchIndexer
from .commands import SearchCommands

if TYPE_CHECKING:
    from .pipeline import SearchPipeline


class Search(SearchCommands[StrT]):
    """The search commands of one index (``index_name``) on ``client`` (a client or a pipeline)."""

    BatchIndexer = _BatchIndexer  # as redis-py's: Search.BatchIndexer

    def __init__(self, client: Any, index_name: str = "idx") -> None:
        self.client = client
        self.index_name = index_name
        self.execute_command = client.execute_command

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> SearchPipeline[StrT]:
        """A pipeline with this index's search methods as well as every command method."""
        pipeline_class = FROM_ABOVE["SearchPipeline"]  # a Pipeline: a layer above
        pipeline: SearchPipeline[StrT] = pipeline_class(
            self.client._executor(), transaction, shard_hint, self.index_name
        )
        return pipeline

    def batch_indexer(self, chunk_size: int = 100) -> _BatchIndexer:
        """Documents added through one pipeline, sent every ``chunk_size`` of them (``await commit()`` the rest)."""
        return self.BatchIndexer(self, chunk_size=chunk_size)


AsyncSearch = Search


class SearchModuleCommands(Generic[StrT]):
    """Adds ``ft()`` to a client or pipeline: a ``Search[StrT]``, of the client's string type."""

    def ft(self, index_name: str = "idx") -> Search[StrT]:
        """The RediSearch commands of index ``index_name``."""
        return Search(client=self, index_name=index_name)
