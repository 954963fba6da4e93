"""Read the per-phase results compat_report wrote and say what differs between the two passes."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

PASSED = "passed"


def load_outcomes(results: Path, app: str, mode: str) -> dict[str, dict[str, Any]]:
    """nodeid -> {"outcome": passed|failed|skipped|unfinished, "cause": ..., "where": ...}.

    A test passed when its setup, call and teardown all passed. A failure's
    cause is the first failing phase's exception type and message; a test
    that started and never reported its teardown was cut off by the pass's
    overall timeout.
    """
    path = results / f"{app}.{mode}.jsonl"
    tests: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return tests
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        test = tests.setdefault(line["nodeid"], {"outcome": "unfinished", "phases": set()})
        test["phases"].add(line["phase"])
        if line["outcome"] == "failed" and test["outcome"] != "failed":
            test["outcome"] = "failed"
            test["cause"] = f"{line.get('error', '?')} ({line['phase']}): {line.get('message', '')}"
            test["where"] = line.get("where", "")
        elif line["outcome"] == "skipped" and test["outcome"] == "unfinished":
            test["outcome"] = "skipped"
            if line.get("xfail") and "error" in line:
                # an xfail-marked test that failed: keep why, it passed (xpassed) on the other side
                test["cause"] = f"xfail-marked, failed: {line['error']} ({line['phase']}): {line.get('message', '')}"
                test["where"] = line.get("where", "")
        elif line["phase"] == "teardown" and test["outcome"] == "unfinished":
            test["outcome"] = PASSED
    for test in tests.values():
        if test["outcome"] == "unfinished":
            test["cause"] = "not finished: the pass's overall timeout stopped it"
            test["where"] = ""
    return tests


def normalise(cause: str) -> str:
    """One group per cause: addresses, ports, ids and long numbers differ from test to test."""
    cause = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", cause)
    cause = re.sub(r"0x[0-9a-fA-F]+", "0x…", cause)
    cause = re.sub(r"\b[0-9a-f]{8,}\b", "…", cause)
    cause = re.sub(r"(fd|port|laddr|raddr)=\S+", r"\1=N", cause)
    return re.sub(r"\d{3,}", "N", cause)[:240]


BASE = "redis.asyncio"
LEAN = ("leanredis", "leanredis+exceptions")


def differences(base: dict[str, Any], other: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Counter[str]]]:
    """Tests passed on ``base`` and not on ``other``, grouped by cause; where each cause was raised."""
    groups: dict[str, list[str]] = defaultdict(list)
    wheres: dict[str, Counter[str]] = defaultdict(Counter)
    for name, test in base.items():
        if test["outcome"] != PASSED:
            continue
        never = "not run: the pass stopped before it (time bound) or collection failed"
        there = other.get(name, {"outcome": "missing", "cause": never})
        if there["outcome"] == PASSED:
            continue
        cause = normalise(there.get("cause") or f"{there['outcome']}")
        groups[cause].append(name)
        if there.get("where"):
            wheres[cause][there["where"]] += 1
    return dict(groups), dict(wheres)


def render(outcomes: dict[str, dict[str, dict[str, dict[str, Any]]]], results: Path, apps: list[Any]) -> str:
    lines = ["# leanredis in place of redis.asyncio: applications' own test suites", ""]
    lines += [
        "| app | release | tests run | passed on redis.asyncio | of those, on leanredis | % "
        "| with exceptions catchable as redis-py's | % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    totals = Counter[str]()
    for app in apps:
        base = outcomes[app.name][BASE]
        passed = [n for n, t in base.items() if t["outcome"] == PASSED]
        totals[BASE] += len(passed)
        row = [app.name, app.version, str(len(base)), str(len(passed))]
        for mode in LEAN:
            both = sum(1 for n in passed if outcomes[app.name][mode].get(n, {}).get("outcome") == PASSED)
            totals[mode] += both
            row += [str(both), f"{100 * both / len(passed):.0f}%" if passed else "-"]
        lines.append("| " + " | ".join(row) + " |")
    row = ["**all**", "", "", str(totals[BASE])]
    for mode in LEAN:
        row += [str(totals[mode]), f"{100 * totals[mode] / totals[BASE]:.1f}%" if totals[BASE] else "-"]
    lines.append("| " + " | ".join(row) + " |")
    for app in apps:
        lines += ["", f"## {app.name} {app.version}", ""]
        if app.notes:
            lines.append(f"Setup: {app.notes}.")
        lines.append("")
        for mode in (BASE, *LEAN):
            exit_file = results / f"{app.name}.{mode}.exit"
            code = exit_file.read_text().strip() if exit_file.is_file() else "not run"
            counts = Counter(t["outcome"] for t in outcomes[app.name][mode].values())
            lines.append(f"- {mode}: pytest exit {code}; " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        used = fallbacks(results, app.name)
        if used:
            lines.append(f"- redis-py names leanredis lacks, taken from redis-py by the swap: {', '.join(used)}")
        base = outcomes[app.name][BASE]
        extra = [n for n, t in outcomes[app.name]["leanredis"].items()
                 if t["outcome"] == PASSED and base.get(n, {}).get("outcome") != PASSED]
        if extra:
            lines.append(f"- passed on leanredis only: {len(extra)} ({', '.join(extra[:5])})")
        for mode in LEAN:
            groups, wheres = differences(base, outcomes[app.name][mode])
            if not groups:
                continue
            lines += ["", f"### Passed on redis.asyncio, not on {mode}"]
            for cause, names in sorted(groups.items(), key=lambda item: -len(item[1])):
                where = wheres.get(cause)
                at = f" — raised at {where.most_common(1)[0][0]}" if where else ""
                lines += ["", f"{len(names)} × `{cause}`{at}", ""]
                lines += [f"- {name}" for name in sorted(names)]
    return "\n".join(lines) + "\n"


def fallbacks(results: Path, app: str) -> list[str]:
    path = results / f"{app}.leanredis.fallbacks"
    if not path.is_file():
        return []
    return sorted(set(path.read_text().split()))
