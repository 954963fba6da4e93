"""The cluster ruler (benchmarks/limit_cluster.py) runs against a real 3-primary cluster and prints its rates.

A ruler that broke would go unnoticed until someone measured with it: this
runs it once, briefly, and checks that it printed rates and that every
command reached the node serving its key's slot (a SET sent to the wrong
node gets a MOVED reply, which the ruler does not read, and writes nothing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from leanredis.server import LocalCluster

RULER = Path(__file__).resolve().parents[2] / "benchmarks" / "limit_cluster.py"
N = 3000


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with LocalCluster(server_binary, primaries=3) as local:
        yield local


def test_cluster_ruler_prints_its_rates_and_writes_every_key_on_its_slots_node(cluster: LocalCluster) -> None:
    port = cluster.nodes[1][1]
    out = subprocess.run(
        [sys.executable, str(RULER), "--port", str(port), "--n", str(N), "--concurrency", "50", "--flood", str(N)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    row = json.loads(out.stdout.strip().splitlines()[-1])
    assert row["client"] == "limit-cluster"
    assert row["nodes"] == 3
    for rate in ("burst_ops_per_s", "batch_ops_per_s", "flood_ops_per_s"):
        assert row[rate] > 0, row
    sizes = []
    for host, node_port in cluster.nodes:
        client = redis.Redis(host=host, port=node_port, socket_timeout=10)
        try:
            sizes.append(client.dbsize())
        finally:
            client.close()
    # k:0 .. k:N-1 and the warm-up key, each stored once, on the node of its slot; spread over all three
    assert sum(sizes) == N + 1, sizes
    assert min(sizes) > N // 5, sizes
