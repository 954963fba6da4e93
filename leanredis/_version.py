"""The version of leanredis, in one place (CLIENT SETINFO LIB-VER sends it)."""

__version__ = "0.1.0"
