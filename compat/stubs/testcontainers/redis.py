"""``RedisContainer`` that is the private server compat/run.py started (no Docker)."""

from __future__ import annotations

import os
from typing import Any


class RedisContainer:
    port = 6379  # the port "inside the container"; get_exposed_port maps it to the private server's

    def __init__(self, image: str = "redis:latest", *args: Any, **kwargs: Any) -> None:
        self.image = image

    def __enter__(self) -> RedisContainer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> RedisContainer:
        return self

    def stop(self) -> None:
        pass

    def get_container_host_ip(self) -> str:
        return os.environ["COMPAT_REDIS_HOST"]

    def get_exposed_port(self, port: int) -> int:
        return int(os.environ["COMPAT_REDIS_PORT"])
