"""The fault proxy the fault tests use: it lives in ``leanredis.lab.faultproxy`` (the soak workload uses it too)."""

from leanredis.lab.faultproxy import MODES, FaultProxy

__all__ = ["MODES", "FaultProxy"]
