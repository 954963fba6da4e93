"""``Path``: a RedisJSON path, importable from where redis-py users import it."""

from __future__ import annotations


class Path:
    """A path in a JSON document (``.a.b`` legacy, ``$.a`` JSONPath); ``str()`` gives it to a command."""

    strPath = ""

    @staticmethod
    def root_path() -> str:
        """The legacy root path, ``.``."""
        return "."

    def __init__(self, path: str) -> None:
        self.strPath = path

    def __repr__(self) -> str:
        return self.strPath
