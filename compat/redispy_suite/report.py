"""The table run.py prints: per file, tests passed on redis.asyncio and how many of those pass on leanredis.

``internals`` tests (they patch or read redis-py's private parts: see
results_plugin.py) are counted apart; the failures of leanredis among the
tests redis.asyncio passes are grouped by cause (exception type and the first
line of its message, addresses and numbers blurred), with the test names.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

PASSED = ("passed", "xpassed")
# a test redis-py marks xfail (it passes "unexpectedly" or not) is no promise of redis.asyncio's: not counted
BASELINE = ("passed",)


def load(path: Path) -> dict[str, dict[str, Any]]:
    """nodeid -> the last line written for it (a finished test's line follows its "not run" line)."""
    tests: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                tests[entry["nodeid"]] = entry
    return tests


def _cause(entry: dict[str, Any]) -> str:
    message = re.sub(r"0x[0-9a-f]+", "0x…", entry.get("message", ""))
    message = re.sub(r"\b\d{3,}\b", "N", message)
    where = "" if entry.get("when") in (None, "call") else f" (in {entry['when']})"
    kind = entry.get("error") or entry.get("outcome", "")
    return f"{kind}: {message}{where}"[:240]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def report(results: Path, left_out: dict[str, str]) -> str:
    base, lean = load(results / "redis.jsonl"), load(results / "leanredis.jsonl")
    if not base:
        return f"no results in {results} (run without --report-only first)"
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    causes: dict[str, list[str]] = defaultdict(list)
    for nodeid, entry in base.items():
        if entry["outcome"] not in BASELINE:
            continue
        name = nodeid.split("::")[0].rsplit("/", 1)[-1]
        row = rows[name]
        other = lean.get(nodeid, {"outcome": "not run"})
        ok = other["outcome"] in PASSED
        if entry.get("internals"):
            row[3] += 1
            row[4] += ok
        else:
            row[0] += 1
            row[1] += ok
        row[2] += ok
        if not ok:
            tag = " [internals]" if entry.get("internals") else ""
            causes[_cause(other)].append(nodeid.split("::", 1)[-1].replace("::", ".") + f" ({name}){tag}")
    lines = ["| file | passed on redis.asyncio (public API) | of those on leanredis | "
             "(internals) | of those on leanredis | all on leanredis |", "|---|---|---|---|---|---|"]
    total = [0, 0, 0, 0, 0]
    for name in sorted(rows):
        public, public_ok, all_ok, internal, internal_ok = rows[name]
        total = [a + b for a, b in zip(total, rows[name])]
        lines.append(f"| {name} | {public} | {public_ok} ({_pct(public_ok, public)}) | {internal} | "
                     f"{internal_ok} ({_pct(internal_ok, internal)}) | {all_ok}/{public + internal} "
                     f"({_pct(all_ok, public + internal)}) |")
    public, public_ok, all_ok, internal, internal_ok = total
    lines.append(f"| **total** | {public} | {public_ok} ({_pct(public_ok, public)}) | {internal} | "
                 f"{internal_ok} ({_pct(internal_ok, internal)}) | {all_ok}/{public + internal} "
                 f"({_pct(all_ok, public + internal)}) |")
    lines += ["", "Files left out: " + "; ".join(f"{k} ({v})" for k, v in left_out.items()), "",
              "## leanredis failures among the tests redis.asyncio passes, by cause", ""]
    for cause, names in sorted(causes.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"- **{len(names)}** `{cause}`")
        lines += [f"  - {name}" for name in sorted(names)]
    return "\n".join(lines)
