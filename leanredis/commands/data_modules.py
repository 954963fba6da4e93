"""``r.json()``, ``r.bf()``, ``r.cf()``, ``r.cms()``, ``r.topk()``, ``r.tdigest()``, ``r.ts()``: redis-py's
namespaces of the data-type modules, on the client's own connection (or recorded by a pipeline)."""

from __future__ import annotations

from json import JSONDecoder, JSONEncoder
from typing import TYPE_CHECKING, Generic

from ..typed import StrT
from .json import DEFAULT_DECODER, DEFAULT_ENCODER

if TYPE_CHECKING:
    from .bf import BFBloom, CFBloom, CMSBloom, TDigestBloom, TOPKBloom
    from .json import JSON
    from .timeseries import TimeSeries


class DataModuleCommands(Generic[StrT]):
    """The module namespaces; each is a light object over this client's sender, made per call, typed with the
    client's string type (``Redis[str]``'s ``json()`` is a ``JSON[str]``)."""

    def json(self, encoder: JSONEncoder = DEFAULT_ENCODER, decoder: JSONDecoder = DEFAULT_DECODER) -> JSON[StrT]:
        """RedisJSON commands; values encoded with ``encoder``, replies decoded with ``decoder``."""
        from .json import JSON

        return JSON(client=self, encoder=encoder, decoder=decoder)

    def bf(self) -> BFBloom[StrT]:
        """RedisBloom's Bloom filter commands."""
        from .bf import BFBloom

        return BFBloom(client=self)

    def cf(self) -> CFBloom[StrT]:
        """RedisBloom's cuckoo filter commands."""
        from .bf import CFBloom

        return CFBloom(client=self)

    def cms(self) -> CMSBloom[StrT]:
        """RedisBloom's count-min sketch commands."""
        from .bf import CMSBloom

        return CMSBloom(client=self)

    def topk(self) -> TOPKBloom[StrT]:
        """RedisBloom's top-k commands."""
        from .bf import TOPKBloom

        return TOPKBloom(client=self)

    def tdigest(self) -> TDigestBloom[StrT]:
        """RedisBloom's t-digest commands."""
        from .bf import TDigestBloom

        return TDigestBloom(client=self)

    def ts(self) -> TimeSeries[StrT]:
        """RedisTimeSeries commands."""
        from .timeseries import TimeSeries

        return TimeSeries(client=self)
