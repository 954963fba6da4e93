"""The private servers the tests and the lab start: each answers on its own port, never on another's."""

from __future__ import annotations

import pytest

from leanredis.server import PortTakenError, RedisServer, command

pytestmark = pytest.mark.timeout(30)


def answering_pid(server: RedisServer) -> int:
    info = command(server.host, server.port, "INFO", "server").decode()
    return int(next(line.split(":")[1] for line in info.splitlines() if line.startswith("process_id:")))


def test_a_port_taken_by_another_server_between_choice_and_start_is_chosen_again(server_binary: str) -> None:
    # two test processes can be told the same free port; the second's server then fails to bind while the
    # first's answers PING on that port: the second must not take the first's server for its own
    with RedisServer(server_binary) as first:
        second = RedisServer(server_binary)
        second.port = first.port  # the race, made certain
        try:
            second.start()
            assert second.port != first.port
            assert answering_pid(second) == second.process.pid  # type: ignore[union-attr]
            assert answering_pid(first) == first.process.pid  # type: ignore[union-attr]
        finally:
            second.stop()


def test_a_port_the_caller_gave_that_another_server_holds_fails_start(server_binary: str) -> None:
    with RedisServer(server_binary) as first:
        second = RedisServer(server_binary, port=first.port)
        try:
            with pytest.raises(PortTakenError, match=f"port {first.port} is taken"):
                second.start()
            assert not second.running
        finally:
            second.stop()
