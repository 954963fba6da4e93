"""``r.json()``, ``r.bf()``, ``r.cf()``, ``r.cms()``, ``r.topk()``, ``r.tdigest()``, ``r.ts()``: redis-py's
namespaces of the data-type modules, on the client's own connection (or recorded by a pipeline)."""

from __future__ import annotations

from json import JSONDecoder, JSONEncoder
from typing import TYPE_CHECKING

from .json import DEFAULT_DECODER, DEFAULT_ENCODER

if TYPE_CHECKING:
    from .json import JSON


class DataModuleCommands:
    """The module namespaces; each is a light object over this client's sender, made per call."""

    def json(self, encoder: JSONEncoder = DEFAULT_ENCODER, decoder: JSONDecoder = DEFAULT_DECODER) -> JSON:
        """RedisJSON commands; values encoded with ``encoder``, replies decoded with ``decoder``."""
        from .json import JSON

        return JSON(client=self, encoder=encoder, decoder=decoder)
