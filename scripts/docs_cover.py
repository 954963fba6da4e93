"""Check that a former README's content is in docs/: every fenced block, table row and paragraph.

    python scripts/docs_cover.py OLD_README.md      (e.g. git show REV:README.md > /tmp/old.md)

Used once, when the README's sections moved into the docs pages. Text is compared with whitespace and link
targets normalised (the pages link the lab's raw files by their path from docs/); a paragraph found nowhere
is shown beside the closest one of the docs, with how much of it matches, to be judged by eye. Exit 1 if
a fenced block or a table row is missing, or a paragraph's closest match is under 90%.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.S | re.M)


def norm(text: str) -> str:
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets: the README's paths are not the pages'
    return re.sub(r"\s+", " ", text).strip()


def main(old_readme: str) -> int:
    readme = Path(old_readme).read_text()
    pages = [p for p in sorted((ROOT / "docs").rglob("*.md")) if "bench" not in p.relative_to(ROOT / "docs").parts]
    docs = norm("\n".join(p.read_text() for p in pages))
    body = FENCE.sub("", readme)
    blocks = FENCE.findall(readme)
    rows = [line for line in body.splitlines() if line.startswith("|")]
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip() and not p.lstrip().startswith(("|", "#"))]
    doc_paragraphs = [norm(p) for page in pages for p in re.split(r"\n\s*\n", FENCE.sub("", page.read_text()))]
    failed = 0
    for kind, items in (("fenced block", blocks), ("table row", rows)):
        missing = [x for x in items if norm(x) not in docs]
        failed += len(missing)
        print(f"{kind}s: {len(items)}, missing {len(missing)}")
        for x in missing:
            print(f"  MISSING {kind}: {x[:300]!r}")
    near = 0
    for para in paragraphs:
        if norm(para) in docs:
            continue
        best = max(doc_paragraphs, key=lambda d: difflib.SequenceMatcher(None, norm(para), d).ratio())
        ratio = difflib.SequenceMatcher(None, norm(para), best).ratio()
        near += 1
        failed += ratio < 0.9
        print(f"  paragraph not verbatim, closest {ratio:.0%}: {norm(para)[:100]!r}\n      docs: {best[:100]!r}")
    print(f"paragraphs: {len(paragraphs)}, not verbatim {near}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
