"""RedisTimeSeries: ``r.ts()``, with redis.asyncio 8.1's methods and results.

``r.ts()`` is a namespace on the client's own connection: its commands are
pipelined with every other command, within the client's bounds.
``r.ts().pipeline()`` is a pipeline whose TimeSeries method names (``add``,
``get``, ``range``, ``delete``, ``info``...) are TimeSeries', as in redis-py
(whose asyncio version hands back a pipeline of its synchronous client);
``r.pipeline().ts()`` records TimeSeries commands in an ordinary pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...future import CommandFuture
from ...typed import StrT
from ..base import recast
from . import replies as _replies  # noqa: F401  (registers the reply parsers)
from .commands import (
    ADD_CMD,
    ALTER_CMD,
    CREATE_CMD,
    CREATERULE_CMD,
    DECRBY_CMD,
    DEL_CMD,
    DELETERULE_CMD,
    GET_CMD,
    INCRBY_CMD,
    INFO_CMD,
    MADD_CMD,
    MGET_CMD,
    MRANGE_CMD,
    MREVRANGE_CMD,
    NRANGE_CMD,
    NREVRANGE_CMD,
    QUERYINDEX_CMD,
    QUERYLABELS_CMD,
    RANGE_CMD,
    READ_CMD,
    REVRANGE_CMD,
    TimeSeriesCommands,
)  # fmt: skip
from .info import TSInfo

_PIPELINE_CLASSES: dict[type, type] = {}

if TYPE_CHECKING:  # the pipeline classes made below, as type checkers see them (chained.pyi, written by a script)
    from ...cluster.chained import TimeSeriesClusterPipeline
    from ..chained import TimeSeriesPipeline


class TimeSeries(TimeSeriesCommands[StrT]):
    """``r.ts()``: RedisTimeSeries commands sent through ``client``."""

    def __init__(self, client: Any = None, **kwargs: Any) -> None:
        self.client = client

    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        return self.client._send(args, parse)  # looked up each time: callbacks and views replace it

    def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: Any) -> Any:
        return self.client._send_blocking(args, parse, block)

    def execute_command(self, *args: Any, **options: Any) -> CommandFuture[Any]:
        """The client's ``execute_command``."""
        return self.client.execute_command(*args, **options)

    def pipeline(
        self, transaction: bool = True, shard_hint: Any = None
    ) -> TimeSeriesPipeline[StrT] | TimeSeriesClusterPipeline[StrT]:
        """A pipeline of the client whose ``add``/``get``/``range``/... are TimeSeries' (core commands keep
        the other names)."""
        pipe = self.client.pipeline(transaction=transaction, shard_hint=shard_hint)
        base = type(pipe)
        cls = _PIPELINE_CLASSES.get(base)
        if cls is None:
            name = f"TimeSeries{base.__name__}"
            cls = _PIPELINE_CLASSES[base] = type(name, (TimeSeriesCommands, base), {"__module__": __name__})
        pipe = recast(pipe, cls)
        return pipe


#: redis-py's name for its asyncio namespace
AsyncTimeSeries = TimeSeries

__all__ = [
    "ADD_CMD", "ALTER_CMD", "AsyncTimeSeries", "CREATERULE_CMD", "CREATE_CMD", "DECRBY_CMD", "DELETERULE_CMD",
    "DEL_CMD", "GET_CMD", "INCRBY_CMD", "INFO_CMD", "MADD_CMD", "MGET_CMD", "MRANGE_CMD", "MREVRANGE_CMD",
    "NRANGE_CMD", "NREVRANGE_CMD", "QUERYINDEX_CMD", "QUERYLABELS_CMD", "RANGE_CMD", "READ_CMD", "REVRANGE_CMD",
    "TSInfo", "TimeSeries", "TimeSeriesCommands",
]  # fmt: skip
