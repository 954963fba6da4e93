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
    cause = re.sub(r"0x[0-9a-fA-F]+", "0x…", cause)
    cause = re.sub(r"\b[0-9a-f]{8,}\b", "…", cause)
    cause = re.sub(r"(fd|port|laddr|raddr)=\S+", r"\1=N", cause)
    return re.sub(r"\d{3,}", "N", cause)[:240]


def render(outcomes: dict[str, dict[str, dict[str, dict[str, Any]]]], results: Path, apps: list[Any]) -> str:
    lines = ["# leanredis in place of redis.asyncio: applications' own test suites", ""]
    lines += ["| app | release | tests run | passed on redis.asyncio | of those, passed on leanredis | % |",
              "| --- | --- | --- | --- | --- | --- |"]
    total_base = total_both = 0
    groups: dict[str, dict[str, list[str]]] = {}
    wheres: dict[str, dict[str, Counter[str]]] = {}
    extra: dict[str, list[str]] = {}
    for app in apps:
        base, lean = outcomes[app.name]["redis.asyncio"], outcomes[app.name]["leanredis"]
        passed = [n for n, t in base.items() if t["outcome"] == PASSED]
        both = [n for n in passed if lean.get(n, {}).get("outcome") == PASSED]
        total_base += len(passed)
        total_both += len(both)
        share = f"{100 * len(both) / len(passed):.0f}%" if passed else "-"
        lines.append(f"| {app.name} | {app.version} | {len(base)} | {len(passed)} | {len(both)} | {share} |")
        app_groups: dict[str, list[str]] = defaultdict(list)
        app_wheres: dict[str, Counter[str]] = defaultdict(Counter)
        for name in passed:
            test = lean.get(name, {"outcome": "missing", "cause": "not run on leanredis (collection failed?)"})
            if test["outcome"] == PASSED:
                continue
            cause = normalise(test.get("cause") or f"{test['outcome']} on leanredis")
            app_groups[cause].append(name)
            if test.get("where"):
                app_wheres[cause][test["where"]] += 1
        groups[app.name] = dict(app_groups)
        wheres[app.name] = dict(app_wheres)
        extra[app.name] = [
            n for n, t in lean.items() if t["outcome"] == PASSED and base.get(n, {}).get("outcome") != PASSED
        ]
    share = f"{100 * total_both / total_base:.1f}%" if total_base else "-"
    lines.append(f"| **all** | | | {total_base} | {total_both} | {share} |")
    for app in apps:
        lines += ["", f"## {app.name} {app.version}", ""]
        if app.notes:
            lines.append(f"Setup: {app.notes}.")
        for mode in ("redis.asyncio", "leanredis"):
            exit_file = results / f"{app.name}.{mode}.exit"
            code = exit_file.read_text().strip() if exit_file.is_file() else "not run"
            counts = Counter(t["outcome"] for t in outcomes[app.name][mode].values())
            lines.append(f"- {mode}: pytest exit {code}; " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        used = fallbacks(results, app.name)
        if used:
            lines.append(f"- redis-py names leanredis lacks, taken from redis-py by the swap: {', '.join(used)}")
        if extra[app.name]:
            lines.append(f"- passed on leanredis only: {len(extra[app.name])} ({', '.join(extra[app.name][:5])})")
        for cause, names in sorted(groups[app.name].items(), key=lambda item: -len(item[1])):
            lines += ["", f"### {len(names)} × {cause}", ""]
            where = wheres[app.name].get(cause)
            if where:
                lines.append(f"raised at: {where.most_common(1)[0][0]}")
                lines.append("")
            lines += [f"- {name}" for name in sorted(names)]
    return "\n".join(lines) + "\n"


def fallbacks(results: Path, app: str) -> list[str]:
    path = results / f"{app}.leanredis.fallbacks"
    if not path.is_file():
        return []
    return sorted(set(path.read_text().split()))
