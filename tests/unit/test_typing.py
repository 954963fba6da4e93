"""The types a checker sees: ``Redis[bytes]``/``Redis[str]`` and each command's reply type.

One mypy --strict run and one pyright run over ``tests/typing/``: the cases file must pass
(``assert_type`` fails on a different type, ``Any`` included), and the misuse file must be
rejected at exactly its ``# error`` lines. ``cases_generated.py`` holds a case for every command
method, its expected type the reply kind of the command the method sends (scripts/reply_kinds.py);
a test fails while it is out of date. Beside them, a run-time look at the annotations: no public
method of ``Redis`` returns ``Any`` but those of STILL_ANY, and the constructor's typed overloads
take every option ``Redis.__init__`` takes.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from leanredis import Redis, RedisCluster
from leanredis.typed import RedisOptions

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "typing"
FILES = sorted(CASES.glob("*.py"))
MISUSE = CASES / "misuse.py"

# the families whose every public method has a precise reply type (no Any): a method added to
# one of them without its type fails test_typed_families_return_no_any
TYPED_FAMILIES = (
    "strings", "hashes", "hash_expiry", "lists", "sets", "zsets", "zsets_algebra", "zsets_ranges", "keys", "blocking",
    "pubsub", "bitmaps", "hyperloglog", "streams", "geo", "scripting", "server", "introspection", "admin", "acl",
    "sentinel",
)
# public methods of Redis whose reply is still Any, and why
STILL_ANY = {
    "execute_command": "any command, named by a run-time string: its reply is its parser's, whichever that is",
    "cluster": "any CLUSTER subcommand, named by a run-time string, parsed as execute_command parses it",
    "transaction": "what the caller's function returns (value_from_callable=True) or EXEC's replies",
    "get_retry": "not a command: the Retry object the client was given, of redis-py's class or another",
    "stats": "not a command: a report whose sections differ by transport and feature (the stats guide)",
    "get_connection_kwargs": "not a command: redis-py's connection keyword arguments, of any type each",
}
# and of RedisCluster (beside those)
CLUSTER_STILL_ANY = {
    "cache_stats": "not a command: the client-side cache's report",
}


def marked_lines() -> set[int]:
    lines = MISUSE.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if "  # error: " in line}


def check_flagged(flagged: dict[Path, set[int]], checker: str) -> None:
    """Only the misuse file has errors, on exactly its marked lines."""
    wrong = {str(path.relative_to(ROOT)): lines for path, lines in flagged.items() if path != MISUSE and lines}
    assert not wrong, f"{checker} rejects typed uses that must pass: {wrong}"
    missed = sorted(marked_lines() - flagged.get(MISUSE, set()))
    extra = sorted(flagged.get(MISUSE, set()) - marked_lines())
    assert not missed, f"{checker} accepts misuses at {MISUSE.name} lines {missed}"
    assert not extra, f"{checker} flags unmarked {MISUSE.name} lines {extra}"


@pytest.mark.timeout(300)
def test_mypy_strict_accepts_the_cases_and_rejects_the_misuses(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (the dev extra has it)")
    config = tmp_path / "mypy.ini"
    # leanredis itself is checked by the project's own mypy settings; here only what a user sees of it
    config.write_text("[mypy]\nstrict = True\npython_version = 3.10\n\n[mypy-leanredis.*]\nfollow_imports = silent\n")
    out, err, _ = api.run(
        ["--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), "--no-error-summary",
         "--show-absolute-path", *map(str, FILES)]
    )
    assert not err, err
    flagged: dict[Path, set[int]] = {}
    for match in re.finditer(r"^(.+?):(\d+): error:", out, flags=re.M):
        flagged.setdefault(Path(match[1]), set()).add(int(match[2]))
    check_flagged(flagged, "mypy --strict")


def pyright_command() -> list[str] | None:
    if shutil.which("node") is None:
        return None
    try:
        import pyright  # noqa: F401  (the PyPI wrapper: runs the npm package with this machine's node)
    except ImportError:
        return None
    return [sys.executable, "-m", "pyright"]


@pytest.mark.timeout(300)
def test_pyright_strict_accepts_the_cases_and_rejects_the_misuses(tmp_path: Path) -> None:
    command = pyright_command()
    if command is None:
        pytest.skip("pyright cannot run here: it needs node and the pyright package (the dev extra has it)")
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({
        "pythonVersion": "3.10", "typeCheckingMode": "strict", "extraPaths": [str(ROOT)],
        # the misuse file states things for the checker to reject, not to use
        "reportUnusedVariable": False, "reportUnusedExpression": False,
    }))
    cache = os.environ.get("PYRIGHT_PYTHON_CACHE_DIR", str(tmp_path / "cache"))
    env = {**os.environ, "PYRIGHT_PYTHON_CACHE_DIR": cache}
    arguments = ["-p", str(config), "--pythonpath", sys.executable, "--outputjson", *map(str, FILES)]
    run = subprocess.run([*command, *arguments], capture_output=True, text=True, cwd=ROOT, env=env, timeout=280)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright gave no report (exit {run.returncode}): {run.stdout[-2000:]} {run.stderr[-2000:]}")
    flagged: dict[Path, set[int]] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            flagged.setdefault(Path(diagnostic["file"]), set()).add(diagnostic["range"]["start"]["line"] + 1)
    check_flagged(flagged, "pyright --strict")


def return_types(function: object) -> list[str]:
    """The declared reply types of a method: each overload's, else its own."""
    overloads = typing.get_overloads(function)  # type: ignore[arg-type]
    return [str(inspect.signature(f).return_annotation) for f in overloads or [function]]


# what an overload may leave open: a score_cast_func's result or ZRANK's [rank, score] pair when the
# flag that asks for them is not a literal
OPEN = re.compile(r"tuple\[StrT, Any\]|list\[Any\]")


def declares_any(function: object) -> list[str]:
    """The declared reply types of ``function`` that say Any (or nothing at all), beside the OPEN forms."""
    try:
        declared = return_types(function)
    except (TypeError, ValueError):  # not a function inspect can read
        return []
    return [t for t in declared if t == str(inspect.Signature.empty) or re.search(r"\bAny\b", OPEN.sub("", t))]


def leaking_any(client: type, still_any: dict[str, str]) -> dict[str, list[str]]:
    leaking = {}
    for name in dir(client):
        function = getattr(client, name)
        if name.startswith("_") or name in still_any or not callable(function) or isinstance(function, type):
            continue
        declared = declares_any(function)
        if declared:
            leaking[name] = declared
    return leaking


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_no_public_method_of_redis_returns_any() -> None:
    """Every public method, command or not, of any family or module: Any only where STILL_ANY says why."""
    leaking = leaking_any(Redis, STILL_ANY)
    assert not leaking, f"methods whose reply type is Any (say it, or list them in STILL_ANY with why): {leaking}"
    assert not set(STILL_ANY) - set(dir(Redis)), "STILL_ANY names a method Redis no longer has"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_no_public_method_of_the_cluster_returns_any() -> None:
    """RedisCluster's own methods too (CLUSTER NODES, SLOTS, ... and those taking target_nodes=)."""
    leaking = leaking_any(RedisCluster, {**STILL_ANY, **CLUSTER_STILL_ANY})
    assert not leaking, f"methods whose reply type is Any (say it, or list them in CLUSTER_STILL_ANY): {leaking}"
    assert not set(CLUSTER_STILL_ANY) - set(dir(RedisCluster)), "CLUSTER_STILL_ANY names a method that is gone"


@pytest.mark.timeout(120)
def test_the_generated_cases_are_up_to_date() -> None:
    """tests/typing/cases_generated.py has a case for every command method of Redis, from scripts/reply_kinds.py:
    a method added without its reply kind, or a kind changed without regenerating the cases, fails here."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "typing_cases.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, timeout=100,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_typed_families_return_no_any() -> None:
    leaking = {}
    for name in dir(Redis):
        function = getattr(Redis, name)
        family = (getattr(function, "__module__", None) or "").rpartition(".")[2]
        if name.startswith("_") or family not in TYPED_FAMILIES or name in STILL_ANY:
            continue
        declared = [t for t in return_types(function) if re.search(r"\bAny\b", OPEN.sub("", t))]
        if declared:
            leaking[name] = declared
    assert not leaking, f"commands whose reply type is Any (say it, or list them in STILL_ANY with why): {leaking}"


# the module namespaces (r.json(), r.ft(), r.ts(), r.bf(), ...): every public method has a precise reply type,
# checked by tests/typing/cases_modules.py and, against a server with the modules, test_module_reply_types.py
MODULE_STILL_ANY = {
    "execute_command": "any command: the reply is that command's",
    "get_params_args": "PARAMS arguments: the caller's parameter values, of any type",
}
# FT.SEARCH and the like read their reply in a coroutine: Coroutine[Any, Any, T] is as precise as its T
COROUTINE = re.compile(r"Coroutine\[Any, Any, ")
UNSAID = str(inspect.Signature.empty)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_module_namespaces_return_no_any() -> None:
    from leanredis.commands.bf import BFBloom, CFBloom, CMSBloom, TDigestBloom, TOPKBloom
    from leanredis.commands.json import JSON
    from leanredis.commands.search import Search
    from leanredis.commands.timeseries import TimeSeries

    leaking = {}
    for namespace in (JSON, Search, TimeSeries, BFBloom, CFBloom, CMSBloom, TOPKBloom, TDigestBloom):
        for name in dir(namespace):
            function = getattr(namespace, name)
            if name.startswith("_") or name in MODULE_STILL_ANY or not inspect.isfunction(function):
                continue
            declared = [t for t in return_types(function) if t == UNSAID or re.search(r"\bAny\b", COROUTINE.sub("", t))]
            if declared:
                leaking[f"{namespace.__name__}.{name}"] = declared
    assert not leaking, f"module methods replying Any or unsaid (say it, or list in MODULE_STILL_ANY): {leaking}"


def test_the_typed_constructor_takes_every_option() -> None:
    """RedisOptions (the overloads' **options) lists the options after decode_responses, with their types."""
    parameters = list(inspect.signature(Redis.__init__).parameters.values())
    names = [p.name for p in parameters]
    after = parameters[names.index("decode_responses") + 1 :]
    options = {p.name: str(p.annotation) for p in after if p.kind is not p.VAR_KEYWORD}
    declared = {
        name: getattr(annotation, "__forward_arg__", str(annotation))
        for name, annotation in RedisOptions.__annotations__.items()
    }
    assert declared == options


@pytest.mark.timeout(120)
@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_the_pipeline_stub_is_up_to_date() -> None:
    """commands/chained.pyi is derived from the client's annotations: a command added or retyped without
    running scripts/chained_types.py would leave the pipeline's method missing or wrong."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "chained_types.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, timeout=100,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.timeout(120)
@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_the_cluster_target_nodes_stub_is_up_to_date() -> None:
    """cluster/targeted.pyi is derived from the client's annotations and the cluster's combiners: a targeted
    method retyped, or a combiner changed, without running scripts/targeted_types.py fails here."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "targeted_types.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, timeout=100,
    )
    assert run.returncode == 0, run.stdout + run.stderr
