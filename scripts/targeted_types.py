"""Write leanredis/cluster/targeted.pyi: RedisCluster's ``target_nodes=`` methods as type checkers see them.

    python scripts/targeted_types.py          # rewrite the stub
    python scripts/targeted_types.py --check  # exit 1 if it is out of date

A method of ``cluster.targets.TARGETED_METHODS`` (``info``, ``ping``, ``config_get``, ...) takes
``target_nodes=`` on a cluster; its reply is then one node's reply as it is, or several nodes'
as ``{node name: reply}`` (``ByNode[T]``), unless redis-py combines them (``targets.COMBINE``: PING
all true, DBSIZE summed, KEYS merged, ...), and SCAN gives ``({node name: cursor}, keys)``. Each
method gets three overloads from the client's own annotation ``T``: no ``target_nodes`` (T), one
``ClusterNode`` (T), anything else (ByNode[T], or the combined type). tests/unit/test_typing.py
fails while the stub is out of date.
"""

from __future__ import annotations

import builtins
import inspect
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from chained_types import IDENT, OWN, RETURN, STRING, _import, _level, _relative, parameters, resolve  # noqa: E402

import leanredis  # noqa: E402, F401  (the package first: its modules import each other in order)
from leanredis.cluster.targets import COMBINE, TARGETED_METHODS  # noqa: E402
from leanredis.commands import AllCommands  # noqa: E402

TARGET = ROOT / "leanredis" / "cluster" / "targeted.pyi"

# what redis-py's combiners make of several nodes' replies, by the combiner's name
COMBINED = {"_all": "bool", "sum": "int", "<lambda>": None}
SCAN = "tuple[dict[str, int], list[StrT]]"

HEADER = '''"""RedisCluster's ``target_nodes=`` methods as type checkers see them.

scripts/targeted_types.py writes this file.

With ``target_nodes=`` naming one ``ClusterNode`` a method's reply is the node's; naming several (a node
flag, a list or dict of nodes) it is ``ByNode[T]``: one node's reply, or ``{node name: reply}``; the
replies redis-py combines (PING, DBSIZE, KEYS, CONFIG SET, ...) are of the combined type.
"""

# mypy: disable-error-code="override"
# pyright: reportIncompatibleMethodOverride=false
# ruff: noqa: E501

'''

CLASS = '''
class TargetedCommands(AllCommands[StrT]):
    """The methods taking ``target_nodes=`` on a cluster, each with the type of its reply for the nodes named."""
'''


def combined(name: str, reply: str) -> str | None:
    """The type of the reply several nodes give to ``name`` (None: ByNode of one node's)."""
    command = name.upper().replace("_", " ")
    if command == "SCAN":
        return SCAN
    combine = COMBINE.get(command)
    if combine is None:
        return None
    kind = getattr(combine, "__name__", "")
    if kind == "<lambda>":  # CLIENT UNBLOCK: 1 or 0; SCRIPT LOAD: the last node's; SCRIPT EXISTS: the flags and-ed
        return {"CLIENT UNBLOCK": "int"}.get(command, reply)
    return COMBINED.get(kind) or reply  # _merged, _numsub: the same type as one node's


def with_targets(function: typing.Callable[..., object], annotation: str, default: bool) -> str:
    """The parameters of ``function`` with ``target_nodes`` (keyword-only, before ``**kwargs``)."""
    signature = inspect.signature(function)
    kept = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    extra = [p for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD]
    target = inspect.Parameter(
        "target_nodes", inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
        default=None if default else inspect.Parameter.empty,
    )
    # keyword-only parameters with defaults may precede one without: Python allows it after *
    def stand_in() -> None: ...

    stand_in.__signature__ = signature.replace(parameters=[*kept, target, *extra])  # type: ignore[attr-defined]
    return parameters(stand_in)


def generate() -> str:
    imports: dict[str, set[str]] = {
        "typing": {"Any", "overload"}, "leanredis.commands": {"AllCommands"},
        "leanredis.typed": {"ByNode", "StrT"}, "leanredis.future": {"CommandFuture"},
        "leanredis.cluster.topology": {"ClusterNode"},
    }
    methods = []
    for name in TARGETED_METHODS:
        function = getattr(AllCommands, name)
        variants = typing.get_overloads(function) or [function]
        if not RETURN.match(str(inspect.signature(variants[0]).return_annotation)):
            continue  # refused as in redis-py (command_info): its own signature stands
        lines = []
        for variant in variants:
            match = RETURN.match(str(inspect.signature(variant).return_annotation))
            if match is None:
                raise RuntimeError(f"{name} does not return a CommandFuture or an Awaitable")
            reply = match[1]
            joined = combined(name, reply)  # combined for one node too
            for annotation, default, returns in (
                ("None", True, reply), ("ClusterNode", False, joined or reply),
                ("Any", False, joined or f"ByNode[{reply}]"),
            ):
                params = with_targets(variant, annotation, default)
                lines.append(f"    @overload\n    def {name}({params}) -> CommandFuture[{returns}]: ...")
            annotations = [str(p.annotation) for p in inspect.signature(variant).parameters.values()
                           if p.annotation is not p.empty] + [reply]
            for identifier in IDENT.findall(STRING.sub("", " ".join(annotations))):
                if identifier in OWN or hasattr(builtins, identifier) or identifier == "StrT":
                    continue
                source, original = resolve(identifier, function.__module__)
                imports.setdefault(source, set()).add(original)
        methods.append("\n".join(lines))
    # as isort orders them: plain imports first; furthest relative imports first
    stdlib = sorted((s for s in imports if not s.startswith("leanredis")), key=lambda s: ("" not in imports[s], s))
    local = sorted(
        (s for s in imports if s.startswith("leanredis")), key=lambda s: (-_level(_relative(s, "leanredis.cluster")), s)
    )
    import_lines = [_import(s, imports[s], "leanredis.cluster") for s in stdlib]
    import_lines += [""] + [_import(s, imports[s], "leanredis.cluster") for s in local]
    return HEADER + "\n".join(import_lines) + "\n" + CLASS + "\n" + "\n\n".join(methods) + "\n"


def main() -> int:
    text = generate()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/targeted_types.py")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
