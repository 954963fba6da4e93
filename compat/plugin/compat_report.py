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


def _leaf(error: BaseException) -> BaseException:
    """An exception group's first leaf: pytest groups teardown and unraisable errors, the leaf is the cause."""
    # BaseExceptionGroup (3.11+) and the exceptiongroup backport both carry .exceptions
    while getattr(error, "exceptions", None) and isinstance(error.exceptions, (list, tuple)):  # type: ignore[attr-defined]
        error = error.exceptions[0]  # type: ignore[attr-defined]
    return error


def _describe(error: BaseException) -> tuple[str, str, str]:
    """(module-qualified type, first line of the message, innermost frame) of what failed."""
    leaf = _leaf(error)
    kind = type(leaf)
    message = _first_line(leaf)
    origin = leaf
    if kind.__name__.endswith("UnraisableExceptionWarning") and leaf.__cause__ is not None:
        # the warning wraps an exception raised in __del__ or a callback: name that one
        origin = leaf.__cause__
        message = f"{type(origin).__module__}.{type(origin).__qualname__}: {_first_line(origin)} [{message}]"
    tb = origin.__traceback__
    where = ours = ""
    while tb is not None:
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        if "/leanredis/" in where:
            ours = where  # the innermost leanredis frame: the likely place to look
        tb = tb.tb_next
    if ours and ours != where:
        where = f"{where} (in leanredis: {ours})"
    return f"{kind.__module__}.{kind.__qualname__}", message, where


def _dump_tasks(signum: int, frame: Any) -> None:
    """``kill -USR1 <pytest pid>``: print every asyncio task's stack, to see where a hung suite waits."""
    import asyncio
    import sys

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        print("compat_report: no running event loop", file=sys.__stderr__, flush=True)
        return
    for task in asyncio.all_tasks(loop):
        print(f"--- {task!r}", file=sys.__stderr__)
        task.print_stack(limit=15, file=sys.__stderr__)
    sys.__stderr__.flush()


def pytest_configure(config: pytest.Config) -> None:
    import signal

    signal.signal(signal.SIGUSR1, _dump_tasks)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    path = os.environ.get("COMPAT_RESULTS")
    if not path:
        return
    line: dict[str, Any] = {"nodeid": report.nodeid, "phase": report.when, "outcome": report.outcome}
    if hasattr(report, "wasxfail"):
        line["xfail"] = True  # marked xfail by the app: "passed" is an xpass, "skipped" an expected failure
    if call.excinfo is not None and (report.outcome == "failed" or line.get("xfail")):
        line["error"], line["message"], line["where"] = _describe(call.excinfo.value)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
