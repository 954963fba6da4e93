"""The README's examples run, against a private server, and print what the README says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from leanredis.server import RedisServer

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_starts_with_the_two_fresh_machine_commands() -> None:
    first = _blocks("sh")[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].startswith("pip install") and first[1].startswith("bash scripts/test.sh")
    ci = (README.parent / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci


def test_readme_python_example_prints_what_its_comments_say(redis_server: RedisServer) -> None:
    code = _blocks("python")[0].replace("redis://localhost:6379/0", f"{redis_server.url}/5")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    expected = [m.group(1).strip() for m in re.finditer(r"#\s*(.+)$", code, flags=re.M) if "print(" in m.string[
        m.string.rfind("\n", 0, m.start()) : m.start()]]
    assert out.stdout.strip().splitlines() == expected


def test_readme_one_liner_pings(redis_server: RedisServer) -> None:
    line = next(x for x in _blocks("sh")[1].splitlines() if x.startswith("python -c"))
    here = f"host='127.0.0.1', port={redis_server.port}"
    code = line[len('python -c "') : -1].replace("host='localhost', port=6379", here)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_readme_scripting_and_streams_example(redis_server: RedisServer) -> None:
    code = next(b for b in _blocks("python") if "register_script" in b)
    code = code.replace('host="localhost", port=6379', f'host="127.0.0.1", port={redis_server.port}, db=6')
    import redis

    redis.Redis(host="127.0.0.1", port=redis_server.port, db=6).flushdb()  # the example starts from empty
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines == ["5", "[['events', [('1-1', {'kind': 'signup'})]]]", "[['events', [('2-1', {'kind': 'login'})]]]"]
