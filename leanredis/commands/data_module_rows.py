"""The command-table rows of the data-type modules (RedisJSON, RedisBloom, RedisTimeSeries).

Importing this module imports the modules' command packages, whose
``register()`` calls give the table their reply parsers.
"""

from __future__ import annotations

from . import json as _json  # noqa: F401  (registers the JSON reply parsers)
from .json.rows import JSON_ROWS
from .spec import CommandSpec

DATA_MODULE_ROWS: tuple[CommandSpec, ...] = JSON_ROWS

__all__ = ["DATA_MODULE_ROWS"]
