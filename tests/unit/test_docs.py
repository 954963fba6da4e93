"""The docs site builds with warnings as errors, and its API reference leaves out no public name."""

from __future__ import annotations

import html
import importlib.util
import inspect
import re
import select
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import leanredis
from leanredis import exceptions
from leanredis.cluster.pipeline import ClusterPipeline
from leanredis.cluster.pubsub import ClusterPubSub
from leanredis.commands.bf import BFBloom, CFBloom, CMSBloom, TDigestBloom, TOPKBloom
from leanredis.commands.json import JSON
from leanredis.commands.search.client import Search
from leanredis.commands.timeseries import TimeSeries
from leanredis.pipeline import Pipeline
from leanredis.pubsub.core import PubSub

ROOT = Path(__file__).resolve().parents[2]
MISSING = [name for name in ("sphinx", "myst_parser", "furo") if importlib.util.find_spec(name) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"the docs extra is not installed (pip install -e '.[docs]'): no {', '.join(MISSING)}"
)

PAGES = [
    "index", "getting-started", "switching", "how-it-works", "benchmarks", "changelog",
    "api/index", "api/commands/index",
    *(f"guides/{g}" for g in ("memory", "timeouts", "pipelines", "pubsub", "scripting", "cluster", "sentinel",
                              "caching", "observability", "reliability", "lab")),
]

DOCUMENTED = [
    leanredis.Redis, leanredis.RedisCluster, Pipeline, ClusterPipeline, PubSub, ClusterPubSub,
    leanredis.ConnectionPool, leanredis.BlockingConnectionPool, leanredis.PooledConnection, leanredis.CacheConfig,
    leanredis.Sentinel, leanredis.SentinelRedis, leanredis.ClusterNode, leanredis.Lock,
    JSON, Search, BFBloom, CFBloom, CMSBloom, TOPKBloom, TDigestBloom, TimeSeries,
    *(c for _, c in inspect.getmembers(exceptions, inspect.isclass) if issubclass(c, BaseException)
      and c.__module__ == exceptions.__name__ and not c.__name__.startswith("_")),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    # the documented command (leanredis docs), which builds with warnings as errors
    build = subprocess.run(
        [sys.executable, "-m", "leanredis", "docs", "--no-serve", "--out", str(out / "html")],
        capture_output=True, text=True, timeout=540, cwd=ROOT,
    )
    assert build.returncode == 0, f"the docs build failed (warnings are errors):\n{build.stderr[-4000:]}"
    assert not build.stderr.strip(), f"the docs build said more than nothing:\n{build.stderr[-4000:]}"
    return out / "html"


def _paths(cls: type) -> set[str]:
    """The names under which autodoc may have documented ``cls``: its module's, or leanredis's top level."""
    paths = {f"{cls.__module__}.{cls.__qualname__}"}
    if getattr(leanredis, cls.__qualname__, None) is cls:
        paths.add(f"leanredis.{cls.__qualname__}")
    return paths


def _public_names(cls: type) -> dict[str, list[str]]:
    """Each public name of ``cls`` that leanredis defines -> the anchors that would document it."""
    names: dict[str, list[str]] = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner_index = next(i for i, k in enumerate(cls.__mro__) if name in k.__dict__)
        owner = cls.__mro__[owner_index]
        if not owner.__module__.startswith("leanredis"):
            continue  # object's, Exception's, asyncio's: not ours to document
        # documented on the owner, or on any class between it and cls (a private base's methods show on cls)
        names[name] = [f"{p}.{name}" for k in cls.__mro__[: owner_index + 1] for p in _paths(k)]
    return names


@pytest.mark.timeout(600)
def test_the_docs_build_in_strict_mode_with_every_page(site: Path) -> None:
    missing = [page for page in PAGES if not (site / f"{page}.html").is_file()]
    assert not missing, f"pages not built: {missing}"
    assert "Switching from redis.asyncio" in (site / "switching.html").read_text()


@pytest.mark.timeout(600)
def test_every_public_class_and_method_is_in_the_api_reference(site: Path) -> None:
    anchors: set[str] = set()
    for page in (site / "api").rglob("*.html"):
        anchors.update(html.unescape(a) for a in re.findall(r'id="([^"]+)"', page.read_text()))
    undocumented = []
    for cls in DOCUMENTED:
        if not _paths(cls) & anchors:
            undocumented.append(f"{cls.__module__}.{cls.__qualname__}")
        for name, wanted in _public_names(cls).items():
            if not anchors.intersection(wanted):
                undocumented.append(f"{cls.__qualname__}.{name}")
    assert not undocumented, f"{len(undocumented)} public names missing from the API reference: {undocumented[:40]}"
    assert len(anchors) > 1000, "the API reference documents suspiciously few names"


@pytest.mark.timeout(120)
def test_leanredis_docs_serves_the_built_site_on_loopback(site: Path) -> None:
    serving = subprocess.Popen(
        [sys.executable, "-m", "leanredis", "docs", "--no-build", "--out", str(site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert serving.stdout is not None
        ready, _, _ = select.select([serving.stdout], [], [], 60)
        assert ready, "leanredis docs said nothing in 60 s"
        line = serving.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, f"no loopback address in {line!r}"
        for page, words in (("index.html", "leanredis"), ("switching.html", "Switching from redis.asyncio"),
                            ("api/commands/strings.html", "leanredis.commands.strings")):
            with urllib.request.urlopen(url[0] + page, timeout=30) as reply:
                assert reply.status == 200
                assert words in reply.read().decode()
    finally:
        serving.terminate()
        serving.communicate(timeout=30)


def test_every_public_method_of_the_api_reference_says_what_it_does() -> None:
    """The reference shows each method's docstring: one without is a name and a signature, no more."""
    bare = []
    for cls in DOCUMENTED:
        for name in _public_names(cls):
            member = getattr(cls, name)
            if callable(member) and not isinstance(member, type) and not (member.__doc__ or "").strip():
                bare.append(f"{cls.__qualname__}.{name}")
    assert not bare, f"public methods without a docstring: {bare}"
