"""The command-table rows of the data-type modules (RedisJSON, RedisBloom, RedisTimeSeries).

Importing this module imports the modules' command packages, whose
``register()`` calls give the table their reply parsers.
"""

from __future__ import annotations

from . import bf as _bf  # noqa: F401  (registers the RedisBloom reply parsers)
from . import json as _json  # noqa: F401  (registers the JSON reply parsers)
from . import timeseries as _timeseries  # noqa: F401  (registers the TimeSeries reply parsers)
from .bf.rows import BLOOM_ROWS
from .json.rows import JSON_ROWS
from .spec import CommandSpec
from .timeseries.rows import TIMESERIES_ROWS

DATA_MODULE_ROWS: tuple[CommandSpec, ...] = (*JSON_ROWS, *BLOOM_ROWS, *TIMESERIES_ROWS)

__all__ = ["DATA_MODULE_ROWS"]
