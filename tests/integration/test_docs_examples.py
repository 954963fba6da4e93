"""The examples of the README and of the docs pages run, against a private server, and print what they say.

The examples of the guides about Cluster, Sentinel, pipelines and pub/sub run in those subjects' test files,
beside the servers they need.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import redis

import leanredis
from leanredis.server import RedisServer

from .docs_examples import ROOT, blocks, example, printed

FRONT_PAGES = ["README.md", "docs/getting-started.md"]
FIRST_EXAMPLES = {  # page and marker spelled out: tests/unit/test_docs_examples_run.py reads these calls
    "README.md": lambda: example("README.md", "Redis.from_url("),
    "docs/getting-started.md": lambda: example("docs/getting-started.md", "Redis.from_url("),
}


@pytest.mark.parametrize("page", FRONT_PAGES)
def test_the_page_starts_with_the_two_fresh_machine_commands(page: str) -> None:
    first = blocks(page, "sh")[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].startswith("pip install") and first[1].startswith("bash scripts/test.sh")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci


@pytest.mark.parametrize("page", FRONT_PAGES)
def test_the_first_example_prints_what_its_comments_say(redis_server: RedisServer, page: str) -> None:
    code = FIRST_EXAMPLES[page]().replace("redis://localhost:6379/0", f"{redis_server.url}/5")
    redis.Redis(host="127.0.0.1", port=redis_server.port, db=5).flushdb()  # "hits" counts from 0
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines() == printed(code)


@pytest.mark.parametrize("page", FRONT_PAGES)
def test_the_one_liner_pings(redis_server: RedisServer, page: str) -> None:
    line = example(page, "python -c", lang="sh").strip()
    here = f"host='127.0.0.1', port={redis_server.port}"
    code = line[len('python -c "') : -1].replace("host='localhost', port=6379", here)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_the_quickstart_the_getting_started_page_includes_runs() -> None:
    assert "../examples/quickstart.py" in (ROOT / "docs" / "getting-started.md").read_text()
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), "--n", "2000", "--concurrency", "20"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "get: b'hello'" in out.stdout and "burst: 2000 SETs of 100 B from 20 tasks" in out.stdout


def test_the_scripting_and_streams_example(redis_server: RedisServer) -> None:
    code = example("docs/guides/scripting.md", "register_script")
    code = code.replace('host="localhost", port=6379', f'host="127.0.0.1", port={redis_server.port}, db=6')
    redis.Redis(host="127.0.0.1", port=redis_server.port, db=6).flushdb()  # the example starts from empty
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines == ["5", "[['events', [('1-1', {'kind': 'signup'})]]]", "[['events', [('2-1', {'kind': 'login'})]]]"]


async def _run_snippet(code: str, result: str) -> Any:
    """Run a page's snippet (top-level awaits, as the page shows it) inside a coroutine; return ``result``."""
    namespace: dict[str, Any] = {}
    exec("async def snippet(leanredis):\n" + textwrap.indent(code + f"\nreturn {result}\n", "    "), namespace)
    async with asyncio.timeout(20):
        return await namespace["snippet"](leanredis)


@pytest.mark.timeout(30)
async def test_the_client_side_caching_example(redis_server: RedisServer) -> None:
    code = example("docs/guides/caching.md", "leanredis.Redis(protocol=3, cache_config=")
    here = f"leanredis.Redis(host='127.0.0.1', port={redis_server.port}, db=8, protocol=3,"
    code = code.replace("leanredis.Redis(protocol=3,", here)
    assert here in code
    r = await _run_snippet(code, "r")
    try:
        stats = r.cache_stats()
        assert (stats["misses"], stats["hits"]) == (1, 1)  # the first read from the server, the second from the cache
    finally:
        await r.aclose()


@pytest.mark.timeout(30)
async def test_the_switching_example_is_a_change_of_import(redis_server: RedisServer) -> None:
    code = example("docs/switching.md", "import leanredis as redis")
    code = code.replace('host="localhost", port=6379', f'host="127.0.0.1", port={redis_server.port}, db=9')
    assert "127.0.0.1" in code
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    r = namespace["r"]
    try:
        assert isinstance(r, leanredis.Redis)
        await r.set("switched", "yes")
        assert await r.get("switched") == "yes"  # decode_responses=True, as the example says
    finally:
        await r.aclose()


@pytest.mark.timeout(30)
async def test_the_types_example_gives_the_types_it_names(redis_server: RedisServer) -> None:
    code = example("docs/guides/types.md", "Redis(decode_responses=True)")
    here = f"leanredis.Redis(host='127.0.0.1', port={redis_server.port}, db=10, decode_responses=True)"
    code = "import asyncio\n" + code.replace("leanredis.Redis(decode_responses=True)", here)
    assert here in code
    r = leanredis.Redis(host="127.0.0.1", port=redis_server.port, db=10)
    await r.flushdb()
    await r.hset("user:1", mapping={"name": "ann"})
    await r.set("user:1:name", "ann")
    await r.zadd("scores", {"ann": 3.0})
    await r.aclose()
    mine, name, profile, top, hits, pipe = await _run_snippet(code, "r, name, profile, top, await hits, pipe")
    try:
        # what the comments say a checker sees, as the values are at run time
        assert name == "ann" and profile == {"name": "ann"} and top == [("ann", 3.0)] and hits == 1
        assert type(pipe).__name__ == "Pipeline" and len(pipe) == 2
    finally:
        await pipe.reset()
        await mine.aclose()
