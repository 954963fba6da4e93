"""RedisBloom: ``r.bf()``, ``r.cf()``, ``r.cms()``, ``r.topk()``, ``r.tdigest()``, with redis.asyncio 8.1's
methods and results, on the client's own connection (or recorded by a pipeline)."""

from __future__ import annotations

from typing import Any

from ...future import CommandFuture
from ...typed import StrT
from . import replies as _replies  # noqa: F401  (registers the reply parsers)
from .commands import AbstractBloom, BFCommands, CFCommands, CMSCommands, TDigestCommands, TOPKCommands
from .info import BFInfo, CFInfo, CMSInfo, TDigestInfo, TopKInfo


class _Namespace:
    """Commands sent through ``client``'s sender, looked up at each call (views and callbacks replace it)."""

    def __init__(self, client: Any, **kwargs: Any) -> None:
        self.client = client

    def _send(self, args: tuple[Any, ...], parse: Any) -> Any:
        return self.client._send(args, parse)

    def execute_command(self, *args: Any, **options: Any) -> CommandFuture[Any]:
        """The client's ``execute_command``."""
        return self.client.execute_command(*args, **options)


class BFBloom(_Namespace, BFCommands[StrT]):
    """``r.bf()``: Bloom filters."""


class CFBloom(_Namespace, CFCommands[StrT]):
    """``r.cf()``: cuckoo filters."""


class CMSBloom(_Namespace, CMSCommands[StrT]):
    """``r.cms()``: count-min sketches."""


class TOPKBloom(_Namespace, TOPKCommands[StrT]):
    """``r.topk()``: top-k lists."""


class TDigestBloom(_Namespace, TDigestCommands[StrT]):
    """``r.tdigest()``: t-digest sketches."""


# redis-py's names for its asyncio namespaces
AsyncBFBloom, AsyncCFBloom, AsyncCMSBloom, AsyncTOPKBloom, AsyncTDigestBloom = (
    BFBloom, CFBloom, CMSBloom, TOPKBloom, TDigestBloom
)  # fmt: skip

__all__ = [
    "AbstractBloom", "AsyncBFBloom", "AsyncCFBloom", "AsyncCMSBloom", "AsyncTDigestBloom", "AsyncTOPKBloom",
    "BFBloom", "BFCommands", "BFInfo", "CFBloom", "CFCommands", "CFInfo", "CMSBloom", "CMSCommands", "CMSInfo",
    "TDigestBloom", "TDigestCommands", "TDigestInfo", "TOPKBloom", "TOPKCommands", "TopKInfo",
]  # fmt: skip
