"""Sans-IO RESP: command encoder and reply parsers. Imports nothing from asyncio."""

from __future__ import annotations

from .encoder import EncodableT, encode_command, pack_command
from .parser import Push, PythonParser

try:
    from .hiredis_reader import HiredisParser, make_reader

    HIREDIS_AVAILABLE = True
except ImportError:  # pragma: no cover - hiredis is a runtime dependency
    HIREDIS_AVAILABLE = False

__all__ = [
    "EncodableT",
    "HIREDIS_AVAILABLE",
    "HiredisParser",
    "Push",
    "PythonParser",
    "encode_command",
    "make_reader",
    "pack_command",
]
