"""Stand-in for the docker SDK: ``containers.run`` of a Redis image starts a private server on the host port asked.

A suite that picks its own host port (``ports={"6379/tcp": port}``) gets a
server there, from leanredis.server with the binary compat/run.py uses
(``$COMPAT_SERVER_BINARY``), inside the pass's private network namespace;
``stop()`` stops it. Without a host port, the container is the server
compat/run.py started (``$COMPAT_REDIS_PORT``).
"""

from __future__ import annotations

import os
from typing import Any

from . import errors  # noqa: F401 - ``docker.errors`` is imported by test suites


class _Container:
    def __init__(self, labels: dict[str, str] | None, ports: dict[str, Any] | None) -> None:
        self.server: Any = None
        wanted = (ports or {}).get("6379/tcp")
        if isinstance(wanted, (tuple, list)):
            wanted = wanted[-1]
        if wanted:
            from leanredis.server import RedisServer

            self.server = RedisServer(os.environ.get("COMPAT_SERVER_BINARY") or None, port=int(wanted)).start()
            port = str(self.server.port)
        else:
            port = os.environ["COMPAT_REDIS_PORT"]
        self.attrs = {
            "Config": {"Env": [], "Labels": labels or {}},
            "HostConfig": {"PortBindings": {"6379/tcp": [{"HostIp": "", "HostPort": port}]}},
            "Created": "",
        }
        self.labels = labels or {}
        self.id = f"compat-{port}"

    def stop(self, *args: Any, **kwargs: Any) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def remove(self, *args: Any, **kwargs: Any) -> None:
        self.stop()

    def kill(self, *args: Any, **kwargs: Any) -> None:
        self.stop()


class _Containers:
    def run(
        self,
        image: str,
        *args: Any,
        labels: dict[str, str] | None = None,
        ports: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> _Container:
        return _Container(labels, ports)

    def list(self, *args: Any, **kwargs: Any) -> list[_Container]:
        return []


class _API:
    """The low-level client: a suite that reads a container's address from ``inspect_container`` gets the
    private server's host (it then connects to the image's own port, 6379, which compat/run.py serves)."""

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        return {"Id": container_id, "NetworkSettings": {"IPAddress": os.environ["COMPAT_REDIS_HOST"]}}


class DockerClient:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.containers = _Containers()
        self.api = _API()

    def close(self) -> None:
        pass

    @classmethod
    def from_env(cls, *args: Any, **kwargs: Any) -> DockerClient:
        return cls()


def from_env(*args: Any, **kwargs: Any) -> DockerClient:
    return DockerClient()
