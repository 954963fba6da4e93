"""leanredis.memory: RSS from /proc, the allocator read from the maps, trim on glibc."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from leanredis import memory


def test_rss_grows_with_a_large_allocation_and_is_plausible() -> None:
    before = memory.rss_bytes()
    assert before is not None and 5 * 2**20 < before < 8 * 2**30
    block = bytearray(64 * 2**20)
    block[:: 4096] = b"x" * len(block[:: 4096])  # touch every page
    after = memory.rss_bytes()
    assert after is not None and after - before > 48 * 2**20
    del block


def test_allocator_is_glibc_without_preload() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert memory.allocator() == "glibc"


@pytest.mark.parametrize(("lib", "name"), [("libjemalloc.so.2", "jemalloc"), ("libtcmalloc_minimal.so.4", "tcmalloc")])
def test_allocator_detects_a_preloaded_malloc(lib: str, name: str) -> None:
    path = next((os.path.join(d, lib) for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib")
                 if os.path.exists(os.path.join(d, lib))), None)
    if path is None:
        pytest.skip(f"{lib} not installed (Debian: libjemalloc2 / libtcmalloc-minimal4)")
    out = subprocess.run(
        [sys.executable, "-c", "from leanredis import memory; print(memory.allocator(), memory.trim())"],
        env={**os.environ, "LD_PRELOAD": path}, capture_output=True, text=True, timeout=30,
    )
    assert out.stdout.split() == [name, "False"]


def test_trim_returns_freed_heap_to_the_os_on_glibc() -> None:
    if memory.allocator() != "glibc":
        pytest.skip("trim applies to glibc only")
    code = (
        "from leanredis import memory\n"
        "blocks = [bytes(1000) + bytes([i % 256]) for i in range(200_000)]\n"
        "keep = blocks[::1000]\n"
        "del blocks\n"
        "import gc; gc.collect()\n"
        "before = memory.rss_bytes(); memory.trim(); after = memory.rss_bytes()\n"
        "print(before - after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    # 200 MB freed but held by glibc's heap (1 block in 1,000 kept): trim gives most of it back
    assert int(out.stdout) > 100 * 2**20, out.stdout + out.stderr
