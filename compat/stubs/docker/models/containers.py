"""Stand-in for ``docker.models.containers``."""

from docker import _Container as Container  # noqa: F401
