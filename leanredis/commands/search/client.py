"""``Search`` (what ``r.ft(index_name)`` returns) and the mixin that gives clients and pipelines ``ft()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

from ...registry import FROM_ABOVE
from ...typed import StrT
from ..base import recast
from .batch import BatchIndexer as _BatchIndexer
from .commands import SearchCommands

if TYPE_CHECKING:
    from ...cluster.pipeline import SearchClusterPipeline
    from .pipeline import SearchPipeline


class Search(SearchCommands[StrT]):
    """The search commands of one index (``index_name``) on ``client`` (a client or a pipeline)."""

    BatchIndexer = _BatchIndexer  # as redis-py's: Search.BatchIndexer

    def __init__(self, client: Any, index_name: str = "idx") -> None:
        self.client = client
        self.index_name = index_name
        self.execute_command = client.execute_command

    def pipeline(
        self, transaction: bool = True, shard_hint: str | None = None
    ) -> SearchPipeline[StrT] | SearchClusterPipeline[StrT]:
        """The client's pipeline with this index's search methods as well as every command method: a
        ``SearchPipeline``, or on a ``RedisCluster`` a ``SearchClusterPipeline`` (as ``rc.json().pipeline()``)."""
        pipe = self.client.pipeline(transaction=transaction, shard_hint=shard_hint)
        made = FROM_ABOVE["search_pipelines"]  # by the class of the pipeline they extend: a layer above
        cls = next(made[base] for base in type(pipe).__mro__ if base in made)
        pipeline: SearchPipeline[StrT] | SearchClusterPipeline[StrT] = recast(pipe, cls)
        pipeline.index_name = self.index_name
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
