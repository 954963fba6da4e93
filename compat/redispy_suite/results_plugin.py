"""pytest plugin (``-p results_plugin``): JSON lines per test into ``$REDISPY_RESULTS``.

A line per collected test ("not run"), then one as each test finishes (the
last line of a nodeid wins), so a pass stopped by its overall bound keeps
what it ran.

Each line: nodeid, outcome (passed, failed, error, skipped, xfailed, xpassed),
for a failure the exception's type and the first line of its message (what
report.py groups by), and ``internals``: whether the test (or a fixture its
redis-py's tests define, or a helper they call) patches or reads redis-py's private parts (``mock.patch``,
``Mock``/``AsyncMock``, ``monkeypatch``, a ``._private`` attribute): those
are counted apart, since a drop-in owes redis-py's public API, not its insides.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from typing import Any

import pytest

# what marks a test as reaching into redis-py's implementation rather than its public API
_INTERNALS = re.compile(r"(?i:mock)|\bpatch\b|\bpatch\.|\bmonkeypatch\b|(?<![\w)\]])\w+\._[a-z]\w*")
_OUT: dict[str, dict[str, Any]] = {}


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _helpers(item: pytest.Item, text: str, module_file: str, owners: list[Any] | None = None) -> list[str]:
    """Sources of the test class's methods and the file's functions that ``text`` names (one level)."""
    found = []
    owners = owners or [getattr(item, "cls", None), getattr(item, "module", None)]
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", text)):
        for owner in owners:
            value = owner.__dict__.get(name) if owner is not None else None
            value = getattr(value, "__func__", value)  # staticmethod / classmethod
            if inspect.isfunction(value) and inspect.getsourcefile(value) == module_file:
                found.append(_source(value))
                break
    return found


def _touches_internals(item: pytest.Item) -> bool:
    function = getattr(item, "obj", None)
    texts = [_source(function)]
    module_file = str(getattr(item, "path", ""))
    texts += _helpers(item, texts[0], module_file)
    tests_dir = str(item.config.rootpath / "tests")
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(info, "names_closure", ()):
        for fixture in (info.name2fixturedefs.get(name) or ()):
            func = getattr(fixture, "func", None)
            where = inspect.getsourcefile(func) if func is not None else None
            if where and where.startswith(tests_dir):  # redis-py's own fixtures (its conftest's too)
                text = _source(func)
                texts += [text, *_helpers(item, text, where, [inspect.getmodule(func)])]
    return any(_INTERNALS.search(re.sub(r"#.*", "", text)) for text in texts)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def _describe(report: pytest.TestReport) -> tuple[str, str]:
    info = getattr(report, "longrepr", None)
    crash = getattr(info, "reprcrash", None)
    if crash is not None:  # "path:line: message"; message starts "Type: first line"
        message = _first_line(crash.message)
        kind, sep, rest = message.partition(": ")
        if sep and re.fullmatch(r"[\w.]+", kind):
            return kind, rest
        return "", message
    return "", _first_line(str(info))


def _write(entries: list[dict[str, Any]]) -> None:
    path = os.environ.get("REDISPY_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(entry) + "\n" for entry in entries)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        _OUT[item.nodeid] = {"nodeid": item.nodeid, "outcome": "not run", "internals": _touches_internals(item)}
    _write(list(_OUT.values()))


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _OUT.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "not run", "internals": False})
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if hasattr(report, "wasxfail"):
            entry["outcome"] = "xfailed" if report.skipped else "xpassed"
        elif report.skipped:
            entry["outcome"] = "skipped"
        else:
            entry["outcome"] = report.outcome if report.when == "call" else "error"
    elif report.when == "teardown" and report.failed and entry["outcome"] in ("passed", "not run"):
        entry["outcome"] = "error"
    if report.failed and "error" not in entry:
        entry["error"], entry["message"] = _describe(report)
        entry["when"] = report.when
    if report.when == "teardown":
        _write([entry])
