"""The docs' tables of options name every option, with the defaults the code has today."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import leanredis
from leanredis.config import UNSET
from leanredis.options import ConnectionOptions

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `(?P<name>\w+)`(?:, `\w+`)* \| (?P<default>[^|]*) \|", flags=re.M)
UNITS = {"": 1, "s": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}


def _table(page: str, section: str | None = None) -> dict[str, str]:
    """Option -> its default cell, from the rows of ``page`` (under the ``## section`` heading, if given)."""
    text = (ROOT / page).read_text()
    if section is not None:
        text = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for row in ROW.finditer(text):
        assert row["name"] not in rows, f"{page}: `{row['name']}` has two rows"
        rows[row["name"]] = row["default"].strip()
    return rows


def _value(cell: str) -> Any:
    """The value a default cell starts with: a literal in backticks, `unset`, on/off, or 10,000 / 32 MiB / 5 s."""
    if cell.startswith("unset"):
        return UNSET
    if cell.startswith("`"):
        return ast.literal_eval(cell[1:].split("`", 1)[0])
    if m := re.match(r"(on|off)\b", cell):
        return m[1] == "on"
    m = re.match(r"([\d,]+(?:\.\d+)?) ?(KiB|MiB|GiB|s)?\b", cell)
    assert m, f"cannot read a default from {cell!r}"
    number = float(m[1].replace(",", "")) * UNITS[m[2] or ""]
    return number if m[2] == "s" else int(number)


def _same(page: Any, code: Any) -> bool:
    if isinstance(page, bool) or isinstance(code, bool) or UNSET in (page, code):
        return page is code  # True is not 1, and unset is only unset
    return bool(page == code)  # 5 s is 5.0


def _signature_defaults(cls: type) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def test_the_options_page_has_a_row_for_every_keyword_of_redis_with_its_default() -> None:
    rows = _table("docs/api/options.md", "Redis")
    defaults = _signature_defaults(leanredis.Redis)
    assert sorted(rows) == sorted(defaults), "rows and Redis()'s keywords differ"
    wrong = {name: (rows[name], defaults[name]) for name in rows if not _same(_value(rows[name]), defaults[name])}
    assert not wrong, f"defaults the page gets wrong (page, code): {wrong}"


def test_the_options_page_has_a_row_for_every_option_redis_cluster_adds() -> None:
    rows = _table("docs/api/options.md", "RedisCluster")
    ours = _signature_defaults(leanredis.Redis)
    added = {name: d for name, d in _signature_defaults(leanredis.RedisCluster).items() if name not in ours}
    assert sorted(rows) == sorted(added)
    wrong = {name: (rows[name], added[name]) for name in rows if not _same(_value(rows[name]), added[name])}
    assert not wrong, f"defaults the page gets wrong (page, code): {wrong}"


@pytest.mark.parametrize("page", ["docs/switching.md", "docs/guides/memory.md"])
def test_the_bounds_tables_say_the_defaults_of_connection_options(page: str) -> None:
    rows = _table(page)
    assert len(rows) >= 10, f"{page}: its table of options was not found"
    fields = {f.name: f.default for f in dataclasses.fields(ConnectionOptions)}
    signature = _signature_defaults(leanredis.Redis)
    wrong = {}
    for name, cell in rows.items():
        code = fields.get(name, signature.get(name))  # what the connection is made with, else Redis()'s keyword
        if not _same(_value(cell), code):
            wrong[name] = (cell[:40], code)
    assert not wrong, f"{page}: defaults the table gets wrong (page, code): {wrong}"
