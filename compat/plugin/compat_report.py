"""pytest plugin (``-p compat_report``): one JSON line per test phase into ``$COMPAT_RESULTS``.

Each line: nodeid, phase (setup/call/teardown), outcome, and for a failure the
exception's type (module-qualified) and the first line of its message, which
compat/run.py groups differences by.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest


def _first_line(value: BaseException) -> str:
    try:
        text = str(value)
    except Exception as error:  # a broken __str__ still needs a line in the report
        text = f"<str() raised {type(error).__name__}>"
    return text.strip().splitlines()[0][:300] if text.strip() else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    path = os.environ.get("COMPAT_RESULTS")
    if not path:
        return
    line: dict[str, Any] = {"nodeid": report.nodeid, "phase": report.when, "outcome": report.outcome}
    if call.excinfo is not None and report.outcome == "failed":
        exc_type = call.excinfo.type
        line["error"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
        line["message"] = _first_line(call.excinfo.value)
        tb = call.excinfo.traceback
        # the innermost frame outside the test file: where the difference surfaced
        line["where"] = f"{tb[-1].path}:{tb[-1].lineno + 1}" if len(tb) else ""
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
