"""``python -m leanredis ...``: the same as the ``leanredis`` command (``leanredis bench``, ...)."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
