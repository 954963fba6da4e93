"""Process memory as the OS sees it: RSS, the allocator in use, and giving memory back.

``rss_bytes()`` reads ``/proc/self/statm`` (Linux); ``allocator()`` reads the
process's own memory maps to name the malloc actually loaded (jemalloc or
tcmalloc when preloaded, else glibc), never assuming; ``trim()`` asks glibc
to return freed heap pages to the OS with ``malloc_trim(0)``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import lru_cache

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """Resident set size of this process in bytes, or None where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


@lru_cache(maxsize=1)
def allocator() -> str:
    """'jemalloc', 'tcmalloc', 'mimalloc' or 'glibc' (or 'unknown'), from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    for name in ("jemalloc", "tcmalloc", "mimalloc"):
        if f"lib{name}" in maps:
            return name
    return "glibc" if sys.platform.startswith("linux") else "unknown"


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        libc = ctypes.CDLL(path)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def trim() -> bool:
    """Return freed heap memory to the OS (glibc ``malloc_trim(0)``); False where it does not apply."""
    if allocator() != "glibc":
        return False
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))
