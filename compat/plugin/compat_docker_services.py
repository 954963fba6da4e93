"""pytest plugin (``-p compat_docker_services``): lovely-pytest-docker's ``docker_services`` fixture, stood in for.

A suite that starts its servers with docker-compose asks this fixture to
start a service and wait for its port. compat/run.py has already started the
private server (and sentinel) on the ports the suite's compose file maps, so
starting is a no-op, and waiting checks the suite's own readiness function
once: a service this run does not provide (memcached, mongodb, a cluster)
skips the tests that need it instead of waiting for a container.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


class DockerServices:
    """The calls limits' conftest makes on lovely-pytest-docker's object."""

    def start(self, *services: str) -> None:
        """The servers are already up (compat/run.py started them)."""

    def wait_for_service(self, service: str, private_port: int,
                         check_server: Callable[[str, int], bool] | None = None, timeout: float = 30.0) -> int:
        if check_server is not None and not check_server("127.0.0.1", private_port):
            pytest.skip(f"compat: no {service} in this run")
        return private_port

    def port_for(self, service: str, private_port: int) -> int:
        return private_port


@pytest.fixture(scope="session")
def docker_services() -> DockerServices:
    return DockerServices()
