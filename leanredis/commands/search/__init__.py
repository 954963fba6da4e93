"""RediSearch: ``r.ft(index_name)`` and the classes redis-py users import from ``redis.commands.search``.

The modules mirror redis-py's (``query``, ``field``, ``index_definition``,
``aggregation``, ``reducers``, ``result``, ``document``, ``suggestion``,
``querystring``, ...): switching is ``redis`` -> ``leanredis`` in the import.
"""

from __future__ import annotations

from typing import Any

from ...registry import FROM_ABOVE
from .client import AsyncSearch, Search, SearchModuleCommands

__all__ = ["AsyncPipeline", "AsyncSearch", "Pipeline", "Search", "SearchModuleCommands", "SearchPipeline"]


def __getattr__(name: str) -> Any:
    # the pipeline class is a Pipeline, a layer above: its module sets it, when leanredis is imported
    if name in ("Pipeline", "AsyncPipeline", "SearchPipeline"):
        return FROM_ABOVE["SearchPipeline"]
    raise AttributeError(name)
