"""``ProfileInformation``: the profile part of an FT.PROFILE reply."""

from __future__ import annotations

from typing import Any


class ProfileInformation:
    """Holds the server's profile data, as ``info``."""

    def __init__(self, info: Any) -> None:
        self._info = info

    @property
    def info(self) -> Any:
        """The profile data (nested lists of name/value pairs)."""
        return self._info
