"""The code examples of the README and the docs pages, read where they live, for the tests that run them.

``example("docs/guides/pipelines.md", "r.transaction(")`` is the one ```python block of that page containing
the marker; tests/unit/test_docs_examples_run.py checks that every ```python block of the README and of docs/ is
named by such a call in some test, so a new example cannot go unrun.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", flags=re.S | re.M)


def blocks(page: str, lang: str = "python") -> list[str]:
    """The fenced blocks of ``lang`` in ``page`` (a path from the repository's root), in order."""
    return [body for fence, body in FENCE.findall((ROOT / page).read_text()) if fence == lang]


def example(page: str, marker: str, lang: str = "python") -> str:
    """The one block of ``lang`` in ``page`` that contains ``marker``."""
    found = [b for b in blocks(page, lang) if marker in b]
    assert len(found) == 1, f"{page}: {len(found)} ```{lang} blocks contain {marker!r}, expected one"
    return found[0]


def printed(code: str) -> list[str]:
    """What an example says it prints: the comment at the end of each line that calls print()."""
    return [line.split("#", 1)[1].strip() for line in code.splitlines() if "print(" in line and "#" in line]
