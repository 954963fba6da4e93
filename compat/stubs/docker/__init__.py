"""Stand-in for the docker SDK: ``containers.run`` of a Redis image is the private server compat/run.py started."""

from __future__ import annotations

import os
from typing import Any

from . import errors  # noqa: F401 - ``docker.errors`` is imported by test suites


class _Container:
    def __init__(self, labels: dict[str, str] | None) -> None:
        port = os.environ["COMPAT_REDIS_PORT"]
        self.attrs = {
            "Config": {"Env": [], "Labels": labels or {}},
            "HostConfig": {"PortBindings": {"6379/tcp": [{"HostIp": "", "HostPort": port}]}},
            "Created": "",
        }
        self.labels = labels or {}

    def stop(self, *args: Any, **kwargs: Any) -> None:
        pass

    def remove(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Containers:
    def run(self, image: str, *args: Any, labels: dict[str, str] | None = None, **kwargs: Any) -> _Container:
        return _Container(labels)

    def list(self, *args: Any, **kwargs: Any) -> list[_Container]:
        return []


class DockerClient:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.containers = _Containers()

    @classmethod
    def from_env(cls, *args: Any, **kwargs: Any) -> DockerClient:
        return cls()


def from_env(*args: Any, **kwargs: Any) -> DockerClient:
    return DockerClient()
