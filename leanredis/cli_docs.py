"""``leanredis docs``: build the docs site of a source checkout, as CI does, and serve it on loopback.

The build is Sphinx with warnings as errors (the command CI's docs test runs); the server is the standard
library's, bound to 127.0.0.1, for reading the pages in a browser. Nothing here is imported by the client.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs"


def docs_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "docs",
        help="build the docs site (docs/ of a source checkout) and serve it on http://127.0.0.1:8000",
        description="Build the docs site with Sphinx, warnings as errors (pip install -e '.[docs]'), into "
        "docs/_build/html, then serve it on loopback until interrupted.",
    )
    p.add_argument("--out", type=Path, default=DOCS / "_build" / "html",
                   help="where the HTML goes (default: docs/_build/html)")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0: any free port)")
    p.add_argument("--no-serve", dest="serve", action="store_false", help="build only")
    p.add_argument("--no-build", dest="build", action="store_false", help="serve what was built last")


def build(out: Path) -> int:
    """Build the site into ``out``, warnings as errors; Sphinx's exit status."""
    if not (DOCS / "conf.py").is_file():
        print(f"leanredis docs needs a source checkout (pip install -e .): {DOCS / 'conf.py'} not found",
              file=sys.stderr)
        return 2
    try:
        import myst_parser  # noqa: F401  (only to say what is missing before Sphinx does, less plainly)
        import sphinx  # noqa: F401
    except ImportError as e:
        print(f"leanredis docs needs the docs extra (pip install -e '.[docs]'): {e}", file=sys.stderr)
        return 2
    # the doctrees beside the HTML, not in it: the served folder holds only the site
    doctrees = out.parent / "doctrees"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(doctrees),
               str(DOCS), str(out)]
    return subprocess.call(command)


def server(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server of ``directory`` on 127.0.0.1:``port`` (0: a free one), not yet serving."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the standard library's name)
        pass  # one line per page and image would bury the address printed at the start


def run_docs(args: argparse.Namespace) -> int:
    """Build (unless --no-build), then serve (unless --no-serve) until interrupted."""
    out: Path = args.out.resolve()
    if args.build:
        status = build(out)
        if status:
            print("the docs build failed (warnings are errors): see above", file=sys.stderr)
            return status
        print(f"built: {out / 'index.html'}")
    if not args.serve:
        return 0
    if not (out / "index.html").is_file():
        print(f"nothing to serve: {out / 'index.html'} not found (leave out --no-build)", file=sys.stderr)
        return 2
    with server(out, args.port) as httpd:
        print(f"serving the docs on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
