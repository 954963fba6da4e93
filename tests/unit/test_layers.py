"""Imports point down: no module of leanredis imports one of a higher layer, not even inside a function.

The layers, lowest first, in the design's order (resp, connection, commands,
pool, client, cluster, lab); below them the modules every layer uses (errors,
futures, options, the memory probes); pub/sub and the client-side cache sit
with the client that builds on them, sentinel with cluster. A module may
import its own layer or any below. An import counts wherever it runs: at the
top of a module, in a function, in a ``try``; not under ``if TYPE_CHECKING:``,
where an annotation may name a class above (``Search.pipeline() ->
SearchPipeline``) without importing it at run time. A module in no layer fails
the test: a new module is placed when it is added. What a lower module needs
from above at run time, it gets as an argument, by an attribute, or from
``leanredis.registry.FROM_ABOVE``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import leanredis

PACKAGE = Path(leanredis.__file__).resolve().parent

# lowest first; a name covers its submodules (the longest name that matches a module decides)
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("shared", ("exceptions", "_version", "future", "options", "encoding", "retry", "memory", "url", "config",
                "callbacks", "exception_bridge", "registry", "typed", "budget")),
    ("resp", ("resp",)),
    ("connection", ("connection", "handshake")),
    ("commands", ("commands", "script")),  # but commands.search.pipeline: a Pipeline
    ("pool", ("pool", "pool_api", "pool_connection", "pool_places", "pool_replies", "connection_classes")),
    ("client", ("client", "client_features", "client_pools", "client_retry", "command_retry", "executor", "pipeline",
                "pipeline_results", "commands.search.pipeline", "lock", "cache", "pubsub", "monitor",
                "keyspace_channels", "keyspace_notifications", "telemetry")),
    ("cluster", ("cluster", "sentinel", "sentinel_follower")),
    ("lab", ("lab", "cli", "cli_docs", "__main__", "server", "server_modules", "")),  # "": the package's __init__
]  # fmt: skip


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["leanredis", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def layer_of(module: str) -> int | None:
    """The index in LAYERS of ``module`` (a dotted name under leanredis), None if no layer names it."""
    relative = module.removeprefix("leanredis").removeprefix(".")
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            if relative == name or (name and relative.startswith(name + ".")):
                if best is None or len(name) > best[0]:
                    best = (len(name), index)
    return None if best is None else best[1]


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The leanredis modules ``module`` imports anywhere in its file (a ``from package import module``
    counts as the module; a name from a module, as that module)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _walk_run_time(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            targets = [
                f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules else prefix for alias in node.names
            ]
        for target in targets:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # a name inside a module: that module
            if target in modules and target != module:
                found.add(target)
    return found


def _walk_run_time(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (its ``else`` runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def upward_imports() -> dict[tuple[str, str], str]:
    """(importer, imported) -> "importer's layer -> imported's layer", for each import of a higher layer."""
    modules = module_names()
    found = {}
    for module, path in modules.items():
        own = layer_of(module)
        assert own is not None, f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}"
        for target in imports_of(module, path, modules):
            other = layer_of(target)
            assert other is not None, f"{target} is in no layer: add it to LAYERS in {Path(__file__).name}"
            if other > own:
                found[(module, target)] = f"{LAYERS[own][0]} -> {LAYERS[other][0]}"
    return found


def test_every_module_is_in_a_layer() -> None:
    unplaced = [module for module in module_names() if layer_of(module) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS): {unplaced}"


def test_no_module_imports_a_higher_layer() -> None:
    upward = upward_imports()
    assert not upward, (
        "imports of a higher layer (a lower module must get what it needs as an argument, "
        "a protocol, an attribute or leanredis.registry's FROM_ABOVE, not by importing the module above it):\n"
        + "\n".join(f"  {a} imports {b} ({layers})" for (a, b), layers in sorted(upward.items()))
    )


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from ..client import Redis", "leanredis.connection.core", "leanredis.client"),
        ("from . import core", "leanredis.connection.protocol", "leanredis.connection.core"),
        ("from .connection import Connection", "leanredis.pool", "leanredis.connection"),
        ("import leanredis.cluster.client", "leanredis.script", "leanredis.cluster.client"),
        ("def f():\n    from ...pipeline import Pipeline", "leanredis.commands.search.client", "leanredis.pipeline"),
        ("try:\n    import leanredis.client\nexcept ImportError:\n    pass", "leanredis.pool", "leanredis.client"),
        ("if TYPE_CHECKING:\n    pass\nelse:\n    from .client import Redis", "leanredis.pool", "leanredis.client"),
    ],
)
def test_an_import_is_found_wherever_it_runs(tmp_path: Path, source: str, module: str, expected: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(source + "\n")
    assert expected in imports_of(module, path, module_names())


def test_an_import_for_type_checking_only_is_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("if TYPE_CHECKING:\n    from .client import Redis\n")
    assert imports_of("leanredis.pool", path, module_names()) == set()


# A module a person reads in one sitting (the house style says ~500 lines): none longer than this, but those
# listed here, each with the reason it is longer still; a listed module back under the limit leaves the list.
MAX_MODULE_LINES = 520
LONG_MODULES: dict[str, str] = {}


def module_lengths() -> dict[str, int]:
    """Lines of every module of the package by path; ``.py`` only: the ``.pyi`` stubs are written by scripts
    (scripts/chained_types.py) for type checkers, not read as code."""
    return {path.relative_to(PACKAGE).as_posix(): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}


def test_no_module_is_over_max_module_lines() -> None:
    lengths = module_lengths()
    long = {path: lines for path, lines in lengths.items() if lines > MAX_MODULE_LINES and path not in LONG_MODULES}
    assert not long, (
        f"modules over {MAX_MODULE_LINES} lines (split each along a seam a reader would name, "
        f"or list it in LONG_MODULES with the reason): {dict(sorted(long.items()))}"
    )
    back_under = [path for path in LONG_MODULES if lengths.get(path, 0) <= MAX_MODULE_LINES]
    assert not back_under, f"no longer over {MAX_MODULE_LINES} lines (or gone): out of LONG_MODULES with {back_under}"
