"""Write leanredis/commands/chained.pyi and leanredis/cluster/chained.pyi: the command methods of
Pipeline and ClusterPipeline as type checkers see them.

    python scripts/chained_types.py          # rewrite the stubs
    python scripts/chained_types.py --check  # exit 1 if one is out of date

A pipeline's command method records the command and returns the pipeline (chainable); after
WATCH, before MULTI, it runs the command at once and its result is awaited. So where the client's
method returns ``CommandFuture[T]`` (or ``Awaitable[T]``), the pipeline's returns
``Queued[StrT, T]`` (``ClusterQueued``): a ``Pipeline[StrT]`` whose ``await`` gives ``T``. The stub is derived from the
client's own annotations (overloads included), so a command added to a family has its pipeline
type once this is run; tests/unit/test_typing.py fails while the stub is out of date.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import inspect
import re
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (package of the stub, the pipeline class's module, its name, the stub's two class names)
TARGETS = (
    ("leanredis.commands", "leanredis.pipeline", "Pipeline", "Queued", "ChainedCommands"),
    ("leanredis.cluster", "leanredis.cluster.pipeline", "ClusterPipeline", "ClusterQueued", "ClusterChainedCommands"),
)
RETURN = re.compile(r"^(?:CommandFuture|Awaitable)\[(.*)\]$", re.S)
IDENT = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
STRING = re.compile(r"'[^']*'|\"[^\"]*\"")  # a Literal's strings hold no names
# names the stub itself defines or imports
OWN = {"T", "Generator", "Generic", "TypeVar", "overload"}

HEADER = '''"""A pipeline's command methods as type checkers see them (scripts/chained_types.py writes this file).

Each returns ``{queued}[StrT, T]``: the pipeline (chainable, as at run time), whose ``await`` gives
the command's reply ``T`` when the pipeline is watching (WATCH ran, MULTI not yet) and the
command ran at once. Awaiting a recorded command in buffered mode gives the pipeline back at run
time, which nobody uses; ``T`` is said for the case where the value matters.
"""

# mypy: disable-error-code="override"
# pyright: reportIncompatibleMethodOverride=false
# ruff: noqa: E501

'''

CLASSES = '''
T = TypeVar("T")

class {queued}({pipeline}[StrT], Generic[StrT, T]):
    """A pipeline after recording a command whose reply is ``T``."""

    def __await__(self) -> Generator[Any, None, T]: ...

class {chained}(AllCommands[StrT]):
    """The command methods of ``{pipeline}``: each returns the pipeline, awaitable for its reply when watching."""
'''


def _module_names(module_name: str) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """Names a module defines at top level, and those it imports: name -> (module, original name)."""
    module = importlib.import_module(module_name)
    tree = ast.parse(inspect.getsource(module))
    defined: set[str] = set()
    imported: dict[str, tuple[str, str]] = {}
    package = module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name] = (alias.name, "")
        elif isinstance(node, ast.ImportFrom):
            source = node.module
            if node.level:
                source = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            for alias in node.names:
                imported[alias.asname or alias.name] = (source or "", alias.name)
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    return defined, imported


def resolve(name: str, module_name: str) -> tuple[str, str]:
    """Where ``name``, as ``module_name`` sees it, is defined: (module, name there)."""
    for _ in range(10):
        defined, imported = _module_names(module_name)
        if name in defined or name not in imported:
            return module_name, name
        module_name, name = imported[name]
        if not name or not module_name.startswith("leanredis"):
            return module_name, name
    raise RuntimeError(f"cannot resolve {name} from {module_name}")


def parameters(function: typing.Callable[..., object]) -> str:
    parts: list[str] = []
    seen_keyword_only = False
    for parameter in inspect.signature(function).parameters.values():
        annotation = parameter.annotation
        text = parameter.name
        if parameter.kind is parameter.VAR_POSITIONAL:
            text = "*" + text
            seen_keyword_only = True
        elif parameter.kind is parameter.VAR_KEYWORD:
            text = "**" + text
        elif parameter.kind is parameter.KEYWORD_ONLY and not seen_keyword_only:
            parts.append("*")
            seen_keyword_only = True
        if annotation is not parameter.empty:
            text += f": {annotation}"
        if parameter.default is not parameter.empty:
            text += " = ..."
        parts.append(text)
        if parameter.kind is parameter.POSITIONAL_ONLY:
            pass
    return ", ".join(parts)


def _relative(source: str, package: str) -> str:
    """``source`` imported from a module of ``package`` (a subpackage of leanredis)."""
    if source == package:
        return "."
    if source.startswith(package + "."):
        return "." + source.removeprefix(package + ".")
    return ".." + source.removeprefix("leanredis.")


def _level(relative: str) -> int:
    return len(relative) - len(relative.lstrip("."))


def _import(source: str, names: set[str], package: str) -> str:
    if "" in names:
        return f"import {source}"
    target = _relative(source, package) if source.startswith("leanredis") else source
    line = f"from {target} import {', '.join(sorted(names))}"
    if len(line) <= 120:
        return line
    return f"from {target} import (\n" + "".join(f"    {name},\n" for name in sorted(names)) + ")"  # as isort wraps it


def stub_path(package: str) -> Path:
    return ROOT.joinpath(*package.split(".")) / "chained.pyi"


def generate(package: str, pipeline_module: str, pipeline: str, queued: str, chained: str) -> str:
    from leanredis.commands import AllCommands
    from leanredis.commands.base import CommandsBase

    own = set(vars(CommandsBase)) | set(vars(getattr(importlib.import_module(pipeline_module), pipeline)))
    methods: list[str] = []
    imports: dict[str, set[str]] = {
        "collections.abc": {"Generator"}, "typing": {"Any", "Generic", "TypeVar", "overload"},
        "leanredis.commands": {"AllCommands"}, pipeline_module: {pipeline}, "leanredis.typed": {"StrT"},
    }
    sources: dict[str, str] = {}
    names: set[str] = set()
    for name in sorted(dir(AllCommands)):
        function = getattr(AllCommands, name)
        if name.startswith("_") or name in own or not inspect.isfunction(function):
            continue
        variants = typing.get_overloads(function) or [function]
        returns = [RETURN.match(str(inspect.signature(v).return_annotation)) for v in variants]
        if not all(returns):
            continue  # not a command sent through _send (an iterator, a module's client): as the client's
        lines = []
        names.add(name)
        for variant, match in zip(variants, returns):
            assert match is not None
            head = "    @overload\n" if len(variants) > 1 else ""
            lines.append(f"{head}    def {name}({parameters(variant)}) -> {queued}[StrT, {match[1]}]: ...")
            annotations = [str(p.annotation) for p in inspect.signature(variant).parameters.values()
                           if p.annotation is not p.empty] + [match[1]]
            for identifier in IDENT.findall(STRING.sub("", " ".join(annotations))):
                if identifier in OWN or hasattr(builtins, identifier) or identifier == "StrT":
                    continue
                source, original = resolve(identifier, function.__module__)
                if original not in (identifier, ""):
                    raise RuntimeError(f"{identifier} is imported under another name in {function.__module__}")
                if sources.setdefault(identifier, source) != source:
                    # the same alias defined in two families (PatternT): one import serves both, if equal
                    first = getattr(importlib.import_module(sources[identifier]), identifier)
                    if first != getattr(importlib.import_module(source), identifier):
                        raise RuntimeError(f"{identifier} means different types in {sources[identifier]} and {source}")
                    continue
                imports.setdefault(source, set()).add(original)
        methods.append("\n".join(lines))
    stdlib = sorted((s for s in imports if not s.startswith("leanredis")), key=lambda s: ("" not in imports[s], s))
    # furthest first, as isort has it: .. before .
    local = sorted(
        (s for s in imports if s.startswith("leanredis")), key=lambda s: (-_level(_relative(s, package)), s)
    )
    import_lines = [_import(source, imports[source], package) for source in stdlib]
    import_lines += [""] + [_import(source, imports[source], package) for source in local]
    # a builtin that a method of the class shadows (set, type) is spelled builtins.set inside it
    shadowed = sorted(names & set(dir(builtins)))
    body = re.sub(rf"(?<![\w.])({'|'.join(shadowed)})\[", r"builtins.\1[", "\n".join(methods))
    body = re.sub(r"(def builtins\.)", "def ", body)
    import_lines.insert(0, "import builtins")
    classes = CLASSES.format(queued=queued, pipeline=pipeline, chained=chained)
    return HEADER.format(queued=queued) + "\n".join(import_lines) + "\n" + classes + "\n" + body + "\n"


def main() -> int:
    stale = []
    for target in TARGETS:
        path, text = stub_path(target[0]), generate(*target)
        if "--check" not in sys.argv:
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(str(path.relative_to(ROOT)))
    if stale:
        print(f"{', '.join(stale)} out of date: run python scripts/chained_types.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
