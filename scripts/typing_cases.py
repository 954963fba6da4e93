"""Write tests/typing/cases_generated.py: an ``assert_type`` case for every command method of ``Redis``,
for a bytes client and for a str client.

    python scripts/typing_cases.py          # rewrite the cases
    python scripts/typing_cases.py --check  # exit 1 if they are out of date (or a method has no reply kind)

Where the expected types come from: each method is called once with a recorder in place of the
connection (no server), which gives the command of the command table it sends (``GET``,
``CONFIG GET``); the command's reply kind is in ``scripts/reply_kinds.py`` (``COMMANDS``), or the
method's own when one command has several forms (``FORMS``: ``zrange(..., withscores=True)``). A kind
is a type written with ``S`` for the client's string type. None of it is read from the method's
annotation, which is what the cases check: a method retyped without its kind, or added without one,
fails ``tests/unit/test_typing.py`` (the cases no longer type-check, or this script's ``--check``).
"""

from __future__ import annotations

import asyncio
import inspect
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from reply_kinds import ARGS, CALLS, COMMANDS, FORMS, IMPORTS, KINDS, NOT_COMMANDS  # noqa: E402

import leanredis  # noqa: E402
from leanredis.commands.spec import command_name  # noqa: E402

TARGET = ROOT / "tests" / "typing" / "cases_generated.py"

HEADER = '''"""Every command method's reply type, for a bytes and a str client: written by scripts/typing_cases.py.

Each expected type is the reply kind of the command the method sends (scripts/reply_kinds.py), not
the method's annotation: tests/unit/test_typing.py type-checks this file with mypy --strict and pyright
and fails when it is out of date. Checked only, never run (some commands would stop the server).
"""

# ruff: noqa: E501

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import assert_type

from leanredis import Redis

if TYPE_CHECKING:
{imports}
'''


class _Sent:
    """What the recorder returns for a command: awaitable (to nothing), as a CommandFuture is."""

    def __await__(self) -> Any:
        return None
        yield  # pragma: no cover

    def add_done_callback(self, callback: Any) -> None:
        pass


def sent_commands(method: str, arguments: str) -> list[str]:
    """The command-table names of what ``r.<method>(<arguments>)`` sends, learnt without a server."""
    client = leanredis.Redis(host="127.0.0.1", port=1)
    sent: list[str] = []

    def record(args: tuple[Any, ...], parse: Any, *_: Any) -> Any:
        sent.append(command_name(args))
        return _Sent()

    client._send = record  # type: ignore[method-assign]
    client._send_blocking = record  # type: ignore[method-assign,assignment]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = eval(f"client.{method}({arguments})", {"client": client})  # noqa: S307 (our own table's text)
            if inspect.iscoroutine(result):
                asyncio.run(result)
        except Exception as exc:  # a method that checks its arguments: the table's ARGS/CALLS must satisfy it
            if not sent:
                raise RuntimeError(f"r.{method}({arguments}) sent nothing: {type(exc).__name__}: {exc}") from exc
    if not sent:
        raise RuntimeError(f"r.{method}({arguments}) sent nothing")
    return sent


def default_arguments(function: Callable[..., Any]) -> str:
    """Source text for the required parameters of ``function``, by their names (ARGS)."""
    parts = []
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue
        if parameter.name not in ARGS:
            raise KeyError(f"no argument for {parameter.name!r} of {function.__name__}: add it to ARGS or CALLS")
        parts.append(ARGS[parameter.name])
    return ", ".join(parts)


def typed(kind: str, string: str) -> str:
    """A kind's type for a client whose strings are ``string``."""
    return re.sub(r"\bS\b", string, KINDS[kind])


def cases() -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """(method, arguments, kind, what it sends) for every command method; and the problems found."""
    found: list[tuple[str, str, str, str]] = []
    problems: list[str] = []
    for name, function in inspect.getmembers(leanredis.Redis, inspect.isfunction):
        if name.startswith("_") or name in NOT_COMMANDS:
            continue
        forms = FORMS.get(name)
        try:
            calls = [(arguments, kind) for arguments, kind in forms] if forms else [(CALLS.get(name), None)]
            for arguments, kind in calls:
                if arguments is None:
                    arguments = default_arguments(function)
                sent = sent_commands(name, arguments)
                command = sent[0]
                if kind is None:
                    if command not in COMMANDS:
                        problems.append(f"{name}: sends {command}, which has no reply kind in reply_kinds.COMMANDS")
                        continue
                    kind = COMMANDS[command]
                if kind not in KINDS:
                    problems.append(f"{name}: the kind {kind!r} is not in reply_kinds.KINDS")
                    continue
                found.append((name, arguments, kind, command))
        except (KeyError, RuntimeError) as exc:
            problems.append(f"{name}: {exc}")
    stale = sorted(set(NOT_COMMANDS) - {n for n, _ in inspect.getmembers(leanredis.Redis, inspect.isfunction)})
    problems += [f"NOT_COMMANDS names {n}, which Redis no longer has" for n in stale]
    unsent = sorted(set(COMMANDS) - {command for _, _, _, command in found})
    problems += [f"COMMANDS has {c}, which no method sends" for c in unsent]
    unused = sorted(set(KINDS) - {kind for _, _, kind, _ in found})
    problems += [f"KINDS has {k!r}, which no method uses" for k in unused]
    return found, problems


def render(found: list[tuple[str, str, str, str]]) -> str:
    lines = [HEADER.format(imports="\n".join(f"    {line}" if line else "" for line in IMPORTS))]
    for string in ("bytes", "str"):
        lines.append(f"\nasync def every_command_{string}(r: Redis[{string}]) -> None:")
        for name, arguments, kind, command in found:
            lines.append(f"    assert_type(await r.{name}({arguments}), {typed(kind, string)})  # {command}: {kind}")
    return "\n".join(lines) + "\n"


def main() -> int:
    found, problems = cases()
    if problems:
        print("scripts/typing_cases.py:\n  " + "\n  ".join(problems))
        return 1
    text = render(found)
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/typing_cases.py")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(found)} cases per client")
    return 0


if __name__ == "__main__":
    sys.exit(main())
