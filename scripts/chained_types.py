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

The module namespaces a pipeline hands out (``pipe.json()``, ``pipe.ft()``, ``pipe.ts()``, ``pipe.bf()``, ...)
record their commands in it too, so each has a chained variant here (``ChainedJSON``, ``ClusterChainedJSON``,
...) whose command methods return ``Queued[StrT, T]`` likewise: ``pipe.json().set(...).incr("n")`` is the
pipeline. ON_PIPELINE and AWAITS_ONE say the few whose reply on a pipeline is not the client's.

``r.json().pipeline()`` and ``r.ts().pipeline()`` make a class at run time: the client's pipeline class with
the module's command methods first (JSON's set/get/type, TimeSeries' add/get/info). The stubs say the same
of it (``JSONPipeline``, ``JSONClusterPipeline``, ``TimeSeriesPipeline``, ...): every command method, core
or the module's, returns its own queued type, so the module's names hold through a chain of core commands.
"""

from __future__ import annotations

import ast
import builtins
import functools
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
RETURN = re.compile(r"^(?:CommandFuture\[|Awaitable\[|Coroutine\[Any, Any, )(.*)\]$", re.S)
IDENT = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
STRING = re.compile(r"'[^']*'|\"[^\"]*\"")  # a Literal's strings hold no names
# what the client's json(), ft(), ts(), ... return: a module's namespace, of the client's string type
NAMESPACE = re.compile(r"^(\w+)\[StrT\]$")
# the namespaces, by where they are defined: on a pipeline each has a chained variant in the stub
NAMESPACES = {
    "JSON": "leanredis.commands.json", "Search": "leanredis.commands.search.client",
    "TimeSeries": "leanredis.commands.timeseries", "BFBloom": "leanredis.commands.bf",
    "CFBloom": "leanredis.commands.bf", "CMSBloom": "leanredis.commands.bf",
    "TOPKBloom": "leanredis.commands.bf", "TDigestBloom": "leanredis.commands.bf",
}
# the namespace methods whose reply awaited on a watching pipeline is not the client's (by the class defining
# them; None: the pipeline itself). None now: FT.SEARCH's and FT.HYBRID's are read as the client's there, a
# Result (the flat list of redis-py's search pipelines is what execute() gives, typed list[Any] anyway), and
# sugadd() sends at once and gives the dictionary's size
ON_PIPELINE: dict[tuple[str, str], str | None] = {}
# the namespace helpers (async) that await one command of the namespace and give its reply: on a pipeline they
# give what awaiting the recorded command gives, the pipeline (buffered) or the reply (watching)
AWAITS_ONE = {("JSONCommands", "set_file")}
# r.json().pipeline() and r.ts().pipeline(): the client's pipeline class with the module's command methods first
# (set, get, type... are JSON's): (the name's prefix, the module, its commands class)
MODULE_PIPELINES = (
    ("JSON", "leanredis.commands.json", "JSONCommands"),
    ("TimeSeries", "leanredis.commands.timeseries", "TimeSeriesCommands"),
)
# names the stub itself defines or imports
OWN = {"T", "Generator", "Generic", "TypeVar", "overload", "builtins"}

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

MODULE_PIPELINE = '''
class {queued}({kind}[StrT], Generic[StrT, T]):
    """``{kind}`` after recording a command whose reply is ``T``."""

    def __await__(self) -> Generator[Any, None, T]: ...

class {kind}({pipeline}[StrT]):
    """What ``{module}.pipeline()`` gives on a ``{pipeline}``'s client: its command methods are {module}'s where the
    names meet (as in redis-py), and each returns the pipeline, awaitable for its reply when watching."""

{body}
'''

NAMESPACE_CLASS = '''
class {chained}({namespace}[StrT]):
    """``{pipeline}``'s ``{namespace}`` namespace: each command method records the command and returns the pipeline."""

{body}
'''


@functools.cache  # each module is parsed once: resolve() asks again for every name of every method
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
    # as isort orders them: constants, classes, the rest, each case-insensitively; an alias on a line of its own
    plain = sorted(
        (n for n in names if " as " not in n), key=lambda n: (not n.isupper(), not n[0].isupper(), n.lower())
    )
    aliased = "".join(f"\nfrom {target} import {name}" for name in sorted(names - set(plain)))
    line = f"from {target} import {', '.join(plain)}"
    if len(line) <= 120:
        return line + aliased
    wrapped = "".join(f"    {name},\n" for name in plain)  # as isort wraps it
    return f"from {target} import (\n{wrapped})" + aliased


def stub_path(package: str) -> Path:
    return ROOT.joinpath(*package.split(".")) / "chained.pyi"


class _Stub:
    """The methods and imports of one stub file, as they are collected."""

    def __init__(self, pipeline: str, queued: str, imports: dict[str, set[str]]) -> None:
        self.pipeline = pipeline
        self.queued = queued
        self.imports = imports
        self.sources: dict[str, str] = {}
        self.seen: set[tuple[str, str]] = set()  # the entries of ON_PIPELINE and AWAITS_ONE used

    def need(self, annotations: list[str], module: str) -> dict[str, str]:
        """Import each name the annotations use (as ``module`` sees it) from where it is defined; a name
        another module already gave a different meaning (JSON's Number, TimeSeries') is imported under
        an alias: {name: alias} of those."""
        renamed: dict[str, str] = {}
        for identifier in IDENT.findall(STRING.sub("", " ".join(annotations))):
            if identifier in OWN or hasattr(builtins, identifier) or identifier == "StrT":
                continue
            source, original = resolve(identifier, module)
            if original not in (identifier, ""):
                raise RuntimeError(f"{identifier} is imported under another name in {module}")
            if self.sources.setdefault(identifier, source) != source:
                # the same alias defined in two families (PatternT): one import serves both, if equal
                first = getattr(importlib.import_module(self.sources[identifier]), identifier)
                if first != getattr(importlib.import_module(source), identifier):
                    alias = f"{source.split('.')[2]}_{identifier}"
                    renamed[identifier] = alias
                    self.imports.setdefault(source, set()).add(f"{original} as {alias}")
                continue
            self.imports.setdefault(source, set()).add(original)
        return renamed

    def methods(
        self, cls: type, own: set[str], namespaces: dict[str, str] | None = None, keep: tuple[type, ...] = ()
    ) -> str:
        """The chained methods of ``cls``: those sending a command return ``Queued[StrT, T]``; with
        ``namespaces`` (a namespace class's name -> its chained class's), those returning a module's
        namespace return its chained variant; the other methods defined by a class of ``keep`` as declared."""
        methods: list[str] = []
        names: set[str] = set()
        for name in sorted(dir(cls)):
            function = getattr(cls, name)
            if name.startswith("_") or name in own or not inspect.isfunction(function):
                continue
            variants = typing.get_overloads(function) or [function]
            declared = [str(inspect.signature(v).return_annotation) for v in variants]
            namespace = NAMESPACE.match(declared[0]) if namespaces is not None and len(variants) == 1 else None
            if namespace:
                module, original = resolve(namespace[1], function.__module__)
                if original not in namespaces_of(module):
                    namespace = None
                else:
                    returns = [f"{(namespaces or {})[original]}[StrT]"]
            where = (function.__qualname__.partition(".")[0], name)
            if where in AWAITS_ONE:
                self.seen.add(where)
                returns = [f"{self.pipeline}[StrT] | {d}" for d in declared]
            elif not namespace:
                matches = [RETURN.match(d) for d in declared]
                if not all(matches):
                    if any(name in vars(k) for k in keep):  # the stub's class inherits no such method: say it
                        returns = declared
                        namespace = None
                        self.need(declared, function.__module__)
                    else:
                        continue  # not a command sent through _send (an iterator, a helper): as the client's
                else:
                    replies = [m[1] for m in matches if m]
                    if where in ON_PIPELINE:
                        self.seen.add(where)
                        replies = [ON_PIPELINE[where] or "" for _ in replies]
                    returns = [f"{self.queued}[StrT, {r}]" if r else f"{self.pipeline}[StrT]" for r in replies]
            lines = []
            names.add(name)
            for variant, result in zip(variants, returns):
                head = "    @overload\n" if len(variants) > 1 else ""
                asynchronous = "async " if inspect.iscoroutinefunction(variant) else ""
                line = f"{head}    {asynchronous}def {name}({parameters(variant)}) -> {result}: ..."
                annotations = [str(p.annotation) for p in inspect.signature(variant).parameters.values()
                               if p.annotation is not p.empty]
                if result.startswith(f"{self.queued}["):
                    annotations.append(result.removeprefix(f"{self.queued}[StrT, ")[:-1])
                elif result.startswith(f"{self.pipeline}[StrT] | "):
                    annotations.append(result.removeprefix(f"{self.pipeline}[StrT] | "))
                for identifier, alias in self.need(annotations, function.__module__).items():
                    line = re.sub(rf"(?<![\w.]){identifier}(?!\w)", alias, line)
                lines.append(line)
            methods.append("\n".join(lines))
        # a builtin that a method of the class shadows (set, type) is spelled builtins.set inside it
        shadowed = sorted(names & set(dir(builtins)))
        body = "\n".join(methods)
        if shadowed:
            body = re.sub(rf"(?<![\w.])({'|'.join(shadowed)})\[", r"builtins.\1[", body)
            body = re.sub(r"(def builtins\.)", "def ", body)
        return body


def namespaces_of(module: str) -> set[str]:
    """The module namespaces (``JSON``, ``Search``, ...) a method of the client may return, if ``module`` has one."""
    return {name for name, where in NAMESPACES.items() if where == module}


def generate(package: str, pipeline_module: str, pipeline: str, queued: str, chained: str) -> str:
    from leanredis.commands import AllCommands
    from leanredis.commands.base import CommandsBase

    own = set(vars(CommandsBase)) | set(vars(getattr(importlib.import_module(pipeline_module), pipeline)))
    stub = _Stub(pipeline, queued, {
        "collections.abc": {"Generator"}, "typing": {"Any", "Generic", "TypeVar", "overload"},
        "leanredis.commands": {"AllCommands"}, pipeline_module: {pipeline}, "leanredis.typed": {"StrT"},
    })
    prefix = chained.removesuffix("Commands")
    chained_names = {name: prefix + name for name in NAMESPACES}
    body = stub.methods(AllCommands, own, chained_names)
    namespace_classes = _namespace_classes(stub, chained_names)
    pipeline_class = getattr(importlib.import_module(pipeline_module), pipeline)
    for module_prefix, module, commands_name in MODULE_PIPELINES:
        # the class r.json().pipeline() makes at run time, for its methods
        commands = getattr(importlib.import_module(module), commands_name)
        combined = type(module_prefix + pipeline, (commands, pipeline_class), {})
        kind = _Stub(module_prefix + pipeline, module_prefix + queued, stub.imports)
        kind.sources, kind.seen = stub.sources, stub.seen
        names = {name: module_prefix + prefix + name for name in NAMESPACES}
        namespace_classes += MODULE_PIPELINE.format(
            queued=kind.queued, kind=kind.pipeline, pipeline=pipeline, module=module_prefix,
            body=kind.methods(combined, own, names, keep=(commands,)),
        )
        namespace_classes += _namespace_classes(kind, names)
    unused = (set(ON_PIPELINE) | AWAITS_ONE) - stub.seen
    if unused:
        raise RuntimeError(f"{sorted(unused)} are gone: take them out of ON_PIPELINE or AWAITS_ONE")
    imports = stub.imports
    stdlib = sorted((s for s in imports if not s.startswith("leanredis")), key=lambda s: ("" not in imports[s], s))
    # furthest first, as isort has it: .. before .
    local = sorted(
        (s for s in imports if s.startswith("leanredis")), key=lambda s: (-_level(_relative(s, package)), s)
    )
    import_lines = [_import(source, imports[source], package) for source in stdlib]
    import_lines += [""] + [_import(source, imports[source], package) for source in local]
    import_lines.insert(0, "import builtins")
    classes = CLASSES.format(queued=queued, pipeline=pipeline, chained=chained)
    header = HEADER.format(queued=queued) + "\n".join(import_lines) + "\n" + classes
    return header + "\n" + body + "\n" + namespace_classes


def _namespace_classes(stub: _Stub, names: dict[str, str]) -> str:
    """The chained variant of each module namespace: its command methods return ``stub``'s queued pipeline."""
    classes = ""
    for name, module in NAMESPACES.items():
        stub.imports.setdefault(module, set()).add(name)
        namespace = getattr(importlib.import_module(module), name)
        classes += NAMESPACE_CLASS.format(
            chained=names[name], namespace=name, pipeline=stub.pipeline, body=stub.methods(namespace, set())
        )
    return classes


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
