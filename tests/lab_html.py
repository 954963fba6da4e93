"""Reading the lab's HTML pages in tests: tags balanced, what the page would fetch, its tables and images."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Parses a whole page; ``problems`` lists every unbalanced tag."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, value) that may load something
        self.images: list[bytes] = []
        self.tables: dict[str, list[list[str]]] = {}  # the id of the <h2> above -> rows of cell texts
        self._heading: str | None = None
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.text: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action", "poster", "background") and value is not None:
                self.references.append((tag, name, value))
        if tag == "img":
            src = dict(attrs).get("src") or ""
            prefix = "data:image/png;base64,"
            if src.startswith(prefix):
                self.images.append(base64.b64decode(src[len(prefix):], validate=True))
        if tag == "h2":
            self._heading = dict(attrs).get("id")
        elif tag == "table":
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag for void element {tag}")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None and self._table:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.tables.setdefault(self._heading or "", []).extend(self._table)
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def column(self, table: str, heading: str) -> list[str]:
        """The cells under ``heading`` in the table below the <h2 id=table>."""
        rows = self.tables[table]
        index = rows[0].index(heading)
        return [row[index] for row in rows[1:] if len(row) > index]


def fetched(page: Page) -> list[Any]:
    """Every reference that would make a browser load something (anything but data: URIs and #anchors)."""
    return [ref for ref in page.references if not ref[2].startswith(("data:", "#"))]
