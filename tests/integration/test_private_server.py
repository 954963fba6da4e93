"""The private servers the tests and the lab start: each answers on its own port, never on another's."""

from __future__ import annotations

import pytest

from leanredis.server import LocalCluster, PortTakenError, RedisServer, cluster_port, command

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


def test_a_restart_on_a_port_another_server_took_fails_rather_than_moving(server_binary: str) -> None:
    # the clients of a restarted server keep its port: moving elsewhere would leave them talking to the
    # server that took it (another test's), which they would then flush, pause or shut down
    server = RedisServer(server_binary).start()
    port = server.port
    server.kill()
    intruder = RedisServer(server_binary, port=port).start()
    try:
        with pytest.raises(PortTakenError, match=f"port {port} is taken"):
            server.restart()
        assert server.port == port and not server.running
        assert answering_pid(intruder) == intruder.process.pid  # type: ignore[union-attr]
    finally:
        intruder.stop()
        server.stop()


def test_a_port_chosen_by_a_running_process_is_never_chosen_by_another() -> None:
    # free ports are reserved per process (a lock file each): while its server restarts on its port,
    # another process (a test worker, the other CI tier) does not choose that port for its own server
    import subprocess
    import sys

    from leanredis.server import free_port

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from leanredis.server import free_port; "
         "print(*(free_port() for _ in range(300)), flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        theirs = {int(port) for port in holder.stdout.readline().split()}
        assert len(theirs) == 300
        from leanredis import server as server_module

        taken = [port for port in theirs if server_module._reserve(port)]
        assert taken == [], f"ports another running process chose, reserved here too: {taken[:5]}"
        mine = {free_port() for _ in range(300)}
        assert not mine & theirs
    finally:
        holder.communicate("", timeout=10)
    # once that process has ended, its ports are free to choose again
    assert server_module._reserve(sorted(theirs)[0])


def test_a_cluster_seeded_on_a_port_is_served_from_that_port(server_binary: str) -> None:
    # compat/run.py's suites name where their cluster is: its first node must be there, the others anywhere
    port = cluster_port()
    with LocalCluster(server_binary, primaries=3, seed_port=port) as cluster:
        assert cluster.nodes[0] == ("127.0.0.1", port)
        assert b"cluster_state:ok" in command("127.0.0.1", port, "CLUSTER", "INFO")


def test_a_cluster_seed_port_another_server_holds_fails_start_rather_than_moving(server_binary: str) -> None:
    with RedisServer(server_binary, port=cluster_port()) as intruder:
        cluster = LocalCluster(server_binary, primaries=1, seed_port=intruder.port)
        with pytest.raises(PortTakenError, match=f"port {intruder.port} is taken"):
            cluster.start()
        assert not cluster.servers[0].running
        assert answering_pid(intruder) == intruder.process.pid  # type: ignore[union-attr]
