"""Side by side, in one run, on one private server: leanredis, the limit proxy
(plain and --coro) and redis-py, each in a fresh process.

    python benchmarks/side_by_side.py [--n 300000] [--concurrency 1000] [--flood 200000]
                                      [--loop asyncio|uvloop] [--clients leanredis,limit,limit-coro,redispy]

Prints a table with ratios against the limit proxy, and the JSON lines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from leanredis.server import RedisServer

HERE = Path(__file__).resolve().parent
LIMIT = HERE.parent.parent / "shared" / "bench" / "limit_proto.py"


def run(cmd: list[str]) -> dict[str, object]:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300_000)
    p.add_argument("--concurrency", type=int, default=1000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--flood", type=int, default=200_000)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    p.add_argument("--clients", default="limit,limit-coro,leanredis,redispy")
    p.add_argument("--server", default=None, help="server binary (default: leanredis.server finds one)")
    a = p.parse_args()
    common = ["--n", str(a.n), "--concurrency", str(a.concurrency), "--value-size", str(a.value_size),
              "--flood", str(a.flood), "--loop", a.loop]
    rows: dict[str, dict[str, object]] = {}
    with RedisServer(a.server) as server:
        print(f"server: {server.version}, port {server.port}; loop {a.loop}", flush=True)
        for name in a.clients.split(","):
            port = ["--port", str(server.port)]
            if name in ("limit", "limit-coro"):
                if not LIMIT.exists():
                    rows[name] = {"error": f"{LIMIT} not found"}
                    continue
                cmd = [sys.executable, str(LIMIT), *port, *common] + (["--coro"] if name == "limit-coro" else [])
            else:
                cmd = [sys.executable, str(HERE / "run_client.py"), "--client", name, *port, *common]
            server_flush(server.port)
            rows[name] = run(cmd)
            print(json.dumps({"name": name, **rows[name]}), flush=True)
    base = rows.get("limit", {})
    keys = ["burst_ops_per_s", "batch_ops_per_s", "flood_ops_per_s", "flood_rss_peak_mb", "rss_end_mb"]
    print()
    print(f"{'client':<12}" + "".join(f"{k:>22}" for k in keys))
    for name, row in rows.items():
        cells = []
        for k in keys:
            v = row.get(k)
            ratio = ""
            if isinstance(v, (int, float)) and isinstance(base.get(k), (int, float)) and base[k]:
                ratio = f" ({v / base[k]:.2f}x)"  # type: ignore[operator]
            cells.append(f"{(str(v) + ratio) if v is not None else row.get('error', '-')!s:>22}")
        print(f"{name:<12}" + "".join(cells))


def server_flush(port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        sock.recv(16)


if __name__ == "__main__":
    main()
