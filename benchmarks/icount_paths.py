"""Instructions per SET on the client's own path, no socket: a ruler that moves by 10 instructions, not 300.

    python benchmarks/icount_paths.py [--paths standalone,split,cluster] [--small 100] [--large 300]

``icount.py``'s burst counts move by about 1% between runs, because the
batching of a real socket follows the machine. Here there is no socket:
each round sends 99 SETs (``cluster``: through ``RedisCluster``, 33 to each
of three nodes; ``split``: three ``Redis`` clients, 33 each; ``standalone``:
one ``Redis``), lets the loop run the writes (to a transport that drops the
bytes), then hands each connection's protocol the 99 "+OK" replies through
``data_received``. What is counted is the client's whole path per command
(routing, encoding, bounds, keeping, reply routing and parsing) without the
event loop's socket work; read it to compare two versions of that path, and
the burst in ``icount.py`` for the figure users see.

Each path runs under callgrind with --small and --large rounds; the
difference over the difference of commands is the cost of one command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PER_ROUND = 99


class _DroppingTransport:
    """Takes every write whole and keeps nothing."""

    def write(self, data: Any) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def _attach(conn: Any) -> Any:
    """A protocol with a dropping transport as ``conn``'s socket, bound to the running loop."""
    from leanredis.connection.protocol import RedisProtocol

    conn._bind_loop(asyncio.get_running_loop())
    proto = RedisProtocol(conn)
    proto.connection_made(_DroppingTransport())  # type: ignore[arg-type]
    conn._proto = proto
    return proto


async def rounds(path: str, count: int) -> None:
    """``count`` rounds of 99 SETs on ``path``, each written and answered."""
    import leanredis
    from leanredis.cluster.slots import key_slot
    from leanredis.cluster.topology import ClusterNode

    value = b"x" * 100
    keys = [b"k:%d" % i for i in range(PER_ROUND)]
    if path == "standalone":
        client = leanredis.Redis(port=1, socket_timeout=None)  # never connects
        protos = [_attach(client.connection)]
        sets = [client.set] * PER_ROUND
    elif path == "split":
        clients = [leanredis.Redis(port=1, socket_timeout=None) for _ in range(3)]
        protos = [_attach(c.connection) for c in clients]
        sets = [clients[i % 3].set for i in range(PER_ROUND)]
    else:
        cluster = leanredis.RedisCluster(host="127.0.0.1", port=1, socket_timeout=None)  # never connects
        manager = cluster.nodes_manager
        nodes = [ClusterNode("127.0.0.1", 7000 + i, "primary") for i in range(3)]
        manager.slots[:] = [nodes[slot * 3 // 16384] for slot in range(16384)]
        protos = [_attach(manager.connection(node)) for node in nodes]
        per_node: list[list[bytes]] = [[], [], []]
        i = 0
        while min(map(len, per_node)) < PER_ROUND // 3:  # keys in turn to each node, 33 each
            key = b"k:%d" % i
            i += 1
            node = key_slot(key) * 3 // 16384
            if len(per_node[node]) < PER_ROUND // 3:
                per_node[node].append(key)
        keys = [key for trio in zip(*per_node) for key in trio]
        sets = [cluster.set] * PER_ROUND
    for _ in range(count):
        for key, send in zip(keys, sets):
            send(key, value)
        await asyncio.sleep(0)  # the writes run
        for proto in protos:
            proto.data_received(b"+OK\r\n" * len(proto.pending))
    if any(proto.pending for proto in protos):
        raise SystemExit("replies left unanswered: the harness no longer matches the client")


def count(path: str, n: int) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    out = subprocess.run([*cmd, "--run", path, "--rounds", str(n)], capture_output=True, text=True, env=env,
                         timeout=1800)  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"{path}: callgrind run failed: {out.stderr.strip()[-300:]}")
    return int(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--paths", default="standalone,split,cluster")
    p.add_argument("--small", type=int, default=100, help="rounds of 99 SETs")
    p.add_argument("--large", type=int, default=300)
    p.add_argument("--run", choices=("standalone", "split", "cluster"), help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args()
    sys.path.insert(0, str(ROOT))
    if a.run:
        asyncio.run(rounds(a.run, a.rounds))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    base = None
    for path in a.paths.split(","):
        per = (count(path, a.large) - count(path, a.small)) / ((a.large - a.small) * PER_ROUND)
        base = base or per
        print(f"  {path:<10} {per:>10,.0f} instructions per SET  ({per / base:.3f}x)", flush=True)


if __name__ == "__main__":
    main()
