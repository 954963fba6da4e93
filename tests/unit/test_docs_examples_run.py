"""Every Python example of the README and of the docs pages is run by some test, so none can rot unseen."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", flags=re.S | re.M)
# example("docs/guides/pipelines.md", "r.transaction(") in a test (tests/integration/docs_examples.py)
CALL = re.compile(r"""example\(\s*(["'])(?P<page>.+?)\1,\s*(["'])(?P<marker>.+?)\3""")


def _pages() -> list[Path]:
    docs = [p for p in (ROOT / "docs").rglob("*.md") if not {"bench", "_build"} & set(p.relative_to(ROOT).parts)]
    return [ROOT / "README.md", *sorted(docs)]


def test_every_python_example_is_named_by_a_test_that_runs_it() -> None:
    claims: dict[str, list[str]] = {}
    for test in (ROOT / "tests").rglob("test_*.py"):
        for call in CALL.finditer(test.read_text()):
            claims.setdefault(call["page"], []).append(call["marker"])
    unclaimed, examples = [], 0
    for page in _pages():
        name = page.relative_to(ROOT).as_posix()
        for fence, body in FENCE.findall(page.read_text()):
            if fence != "python":
                continue
            examples += 1
            if not any(marker in body for marker in claims.get(name, [])):
                unclaimed.append(f"{name}: {body.strip().splitlines()[0]}")
    assert examples >= 10, "suspiciously few examples found: has the docs' layout changed?"
    assert not unclaimed, (
        "examples no test runs (add one, naming the block with example(page, marker)):\n" + "\n".join(unclaimed)
    )


def test_every_example_a_test_names_exists() -> None:
    stale = []
    for test in (ROOT / "tests").rglob("test_*.py"):
        for call in CALL.finditer(test.read_text()):
            page = ROOT / call["page"]
            if not page.is_file() or call["marker"] not in page.read_text():
                stale.append(f"{test.name}: {call['page']} has no example with {call['marker']!r}")
    assert not stale, "\n".join(stale)
