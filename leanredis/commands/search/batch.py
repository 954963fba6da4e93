"""``BatchIndexer``: what ``r.ft(index_name).batch_indexer(chunk_size)`` returns.

Documents are recorded on one non-transactional pipeline and sent every
``chunk_size`` documents (``add_document`` awaits that flush) or on
``commit()``. As redis-py's, it sends FT.ADD (RediSearch 2.x still takes
it); new code writes documents with HSET or JSON.SET on an index's prefix.
"""

from __future__ import annotations

import warnings
from typing import Any

from .commands import add_document_args


class BatchIndexer:
    """Records FT.ADD on a pipeline of ``client`` (a ``Search``) and flushes it every ``chunk_size`` documents."""

    def __init__(self, client: Any, chunk_size: int = 1000) -> None:
        self.client = client
        self.execute_command = client.execute_command
        self._pipeline = client.pipeline(transaction=False, shard_hint=None)
        self.total = 0
        self.chunk_size = chunk_size
        self.current_chunk = 0

    def __del__(self) -> None:
        # redis-py's commits here; an async flush cannot run from a finalizer, so say what was lost
        if getattr(self, "current_chunk", 0):
            warnings.warn(f"BatchIndexer dropped with {self.current_chunk} document(s) not sent: "
                          "await commit() before letting it go", ResourceWarning, stacklevel=2)  # fmt: skip

    async def add_document(self, doc_id: Any, nosave: bool = False, score: float = 1.0, payload: Any = None,
                           replace: bool = False, partial: bool = False, no_create: bool = False,
                           **fields: Any) -> None:  # fmt: skip
        """Record one document (FT.ADD); sends the batch when it holds ``chunk_size`` documents."""
        args = add_document_args(self.client.index_name, doc_id, nosave, score, payload, replace, partial, None,
                                 no_create, fields)  # fmt: skip
        self._pipeline.execute_command(*args)
        self._counted()
        if self.current_chunk >= self.chunk_size:
            await self.commit()

    def add_document_hash(self, doc_id: Any, score: float = 1.0, replace: bool = False) -> None:
        """Record FT.ADDHASH (gone from RediSearch 2.x servers); sent by the next ``commit()``.

        Not a coroutine, as in redis.asyncio, so it cannot flush by itself when the chunk is full.
        """
        args: list[Any] = ["FT.ADDHASH", self.client.index_name, doc_id, score]
        if replace:
            args.append("REPLACE")
        self._pipeline.execute_command(*args)
        self._counted()

    def _counted(self) -> None:
        self.current_chunk += 1
        self.total += 1

    async def commit(self) -> None:
        """Send the recorded documents now (the pipeline's errors are raised, as ``execute()`` raises them)."""
        await self._pipeline.execute()
        self.current_chunk = 0
