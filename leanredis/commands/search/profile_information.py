"""``ProfileInformation``: the profile part of an FT.PROFILE reply."""

from __future__ import annotations

from typing import Any, Union

#: An entry of a profile: a name, a number, or a list of them ([name, value, ...], nested)
ProfileValue = Union[None, str, int, float, list["ProfileValue"]]


class ProfileInformation:
    """Holds the server's profile data, as ``info``."""

    def __init__(self, info: Any) -> None:
        self._info = info

    @property
    def info(self) -> list[ProfileValue]:
        """The profile data: one [name, value, ...] list per entry, nested."""
        return self._info  # type: ignore[no-any-return]
