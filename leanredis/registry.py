"""What a module needs at run time from a layer above it, set by that layer: imports point down.

A module below takes the class or function from ``FROM_ABOVE``; the module
above that defines it puts it there when it is imported, which leanredis's
``__init__`` does before any user code runs (importing any leanredis module
runs it first). ``tests/unit/test_layers.py`` holds the layers.
"""

from __future__ import annotations

from typing import Any

FROM_ABOVE: dict[str, Any] = {}
"""By name:

- ``"Redis"``: its ``__init__`` is the one translation of redis-py's connection options
  (set by ``client``; used by the pool's ``options_from_kwargs``);
- ``"pool_from_redis_py_sentinel"``: our ``SentinelConnectionPool`` for redis.asyncio's
  (set by ``sentinel``; used by ``Redis(connection_pool=...)``);
- ``"pipelines"``: the classes the search commands tell a pipeline by, whose ``_send`` records
  (a tuple: ``Pipeline``, set by ``commands.search.pipeline``; ``ClusterPipeline``, set by
  ``cluster.pipeline``; used by ``Search``);
- ``"SearchPipeline"``: the search pipeline of a client (set by ``commands.search.pipeline``; used by
  ``commands.search``'s lazy names);
- ``"search_pipelines"``: what ``Search.pipeline()`` makes of the client's pipeline, by its class (a dict:
  ``Pipeline`` -> ``SearchPipeline``, set by ``commands.search.pipeline``; ``ClusterPipeline`` ->
  ``SearchClusterPipeline``, set by ``cluster.pipeline``).
"""
