"""The command table, built once: name -> ``CommandSpec`` with its reply parser.

``COMMANDS`` joins the rows of ``table_data`` with the parsers the command
families ``register()`` (each family module declares the parsers of the
replies it knows; importing them here makes sure every one was fed in).
A name declared twice, or a parser for a command the table does not
declare, raises at import. ``execute_command`` reads ``parser``; the
cluster router reads ``keys_of`` and ``route``; the retry policy reads
``readonly``. The methods pass the table's parser (or one of its
``variants``) to ``_send`` themselves, bound at import, so that nothing here
is on the path of ``get`` or ``set``; ``tests/unit/test_parsers_from_table.py``
checks every method against the table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from . import (  # noqa: F401  (imported for their register() calls, which feed the table)
    acl,
    admin,
    bitmaps,
    blocking,
    geo,
    hash_expiry,
    hashes,
    hyperloglog,
    introspection,
    keys,
    lists,
    pubsub,
    scripting,
    sentinel,
    server,
    sets,
    streams,
    strings,
    zsets,
    zsets_algebra,
    zsets_ranges,
)
from .data_module_rows import DATA_MODULE_ROWS
from .parsers import RESPONSE_PARSERS, VARIANTS
from .search.table import SEARCH_ROWS
from .spec import CommandSpec, command_name
from .table_data import ROWS


def build(
    rows: Sequence[CommandSpec],
    parsers: dict[str, Callable[[Any], Any] | None],
    variants: dict[str, tuple[Any, ...]] | None = None,
) -> dict[str, CommandSpec]:
    """Name -> spec, each with its parser and variants; a name declared twice or a parser for no command raises."""
    table: dict[str, CommandSpec] = {}
    for row in rows:
        if row.name in table:
            raise ValueError(f"command {row.name} is declared twice in the command table")
        table[row.name] = row
    unknown = sorted(set(parsers) - set(table))
    if unknown:
        raise ValueError(f"reply parsers registered for commands the command table does not declare: {unknown}")
    variants = variants or {}
    for name, parser in parsers.items():
        table[name] = dataclasses.replace(table[name], parser=parser, variants=variants.get(name, ()))
    return table


COMMANDS: dict[str, CommandSpec] = build((*ROWS, *DATA_MODULE_ROWS, *SEARCH_ROWS), RESPONSE_PARSERS, VARIANTS)


def lookup(args: Sequence[Any]) -> CommandSpec | None:
    """The spec of an argument tuple (command name first), or None for a command the table lacks.

    A container's unknown subcommand gets the container's row (``DEBUG SLEEP`` -> ``DEBUG``).
    """
    name = command_name(args)
    found = COMMANDS.get(name)
    if found is None and " " in name:
        found = COMMANDS.get(name.partition(" ")[0])
    return found


def _declared(args: Sequence[Any]) -> CommandSpec:
    found = lookup(args)
    if found is None:
        raise KeyError(f"{command_name(args)} is not in the command table")
    return found


def keys_of(args: Sequence[Any]) -> list[Any]:
    """The keys of a concrete argument tuple, as the server's ``COMMAND GETKEYS`` finds them.

    Raises ``KeyError`` for a command the table does not declare: a router
    must not guess.
    """
    return _declared(args).keys_of(args)


def is_keyless(args: Sequence[Any]) -> bool:
    """True when the command of ``args`` never takes a key (PING, CONFIG GET)."""
    return _declared(args).is_keyless


__all__ = ["COMMANDS", "CommandSpec", "build", "is_keyless", "keys_of", "lookup"]
