"""The README is a front door: short, its links lead somewhere, and it still says what leanredis promises."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```.*?^```", flags=re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub (and MyST, myst_heading_anchors) makes it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_slug(m[1]) for m in re.finditer(r"^#+ (.+)$", text, flags=re.M)}


def _pages() -> list[Path]:
    docs = [p for p in (ROOT / "docs").rglob("*.md") if not {"bench", "_build"} & set(p.relative_to(ROOT).parts)]
    return [README, ROOT / "CHANGELOG.md", *sorted(docs)]


def test_the_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) <= 150


def test_every_relative_link_of_the_readme_and_the_pages_leads_to_a_file_and_heading_that_exist() -> None:
    broken = []
    for page in _pages():
        for target in LINK.findall(FENCE.sub("", page.read_text())):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:: not ours to check offline
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_readme_links_every_page_of_the_docs_a_newcomer_looks_for() -> None:
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in LINK.findall(README.read_text())}
    wanted = ["getting-started", "switching", "api/index", "api/options", "api/commands/index", "benchmarks",
              "how-it-works", *(f"guides/{g}" for g in ("memory", "timeouts", "pipelines", "pubsub", "cluster",
                                                        "sentinel", "caching", "observability", "reliability",
                                                        "lab"))]
    missing = [page for page in wanted if (ROOT / "docs" / f"{page}.md").resolve() not in linked]
    assert not missing, f"pages the README does not link: {missing}"
    assert (ROOT / "CHANGELOG.md").resolve() in linked


def test_the_readme_still_says_what_leanredis_promises_and_which_defaults_matter() -> None:
    text = re.sub(r"\s+", " ", README.read_text())
    for words in (
        "memory stays flat and bounded",  # the promise
        "given back after a burst",
        "drop-in for `redis.asyncio`",
        "`max_inflight`", "`max_buffered_bytes`", "`max_queued`", "`max_reply_bytes`", "`OverloadError`",  # bounds
        "never re-sent", "`possibly_executed`",  # a lost reply
        "the `TimeoutError` says whether the command was written",  # what socket_timeout bounds differs
        "RESP3, 5 s timeouts, keepalive",  # the defaults, redis-py 8.1's
    ):
        assert words in text, f"the README no longer says {words!r}"
