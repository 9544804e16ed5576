"""`kg serve` (publish dist/ as linked data) and `kg serve-assets` (install YASGUI).

`register(subparsers)` adds both; handlers return the exit code.
"""

from __future__ import annotations

import argparse
import errno
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from kg.cli.arguments import (
    base_iri,
    port_number,
    positive_integer,
    positive_seconds,
    worker_count,
)
from kg.errors import KgError

STATIC = Path(__file__).resolve().parents[1] / "serve" / "static"
YASGUI_PACKAGE = "@zazuko/yasgui"
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.query.catalog import QueryFileError, parse_query_file
    from kg.serve.app import ServerConfig, make_server

    if args.queries is not None:
        # Regression (session 29's attack): a missing folder was accepted (no stored query
        # served) and a file that did not parse was left out without a word.
        if not args.queries.is_dir():
            raise KgError(f"--queries {args.queries}: no such folder")
        for path in sorted(args.queries.glob("*.rq")):
            try:
                parse_query_file(path)
            except QueryFileError as exc:
                print(f"kg: warning: {exc}; not served (the others are)", file=sys.stderr)
    config = ServerConfig(
        dist=args.dist, host=args.host, port=args.port, base=args.base,
        query_timeout=args.query_timeout, max_results=args.max_results, workers=args.workers,
        queries_dir=args.queries, quiet=args.quiet,
    )
    try:
        server, app = make_server(config)
    except socket.gaierror as exc:  # it was the bare "[Errno -2] Name or service not known"
        raise KgError(f"--host {args.host}: cannot listen there ({exc.strerror})") from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            # it said only "[Errno 98] Address already in use"
            raise KgError(f"port {args.port} on {args.host} is already in use (another kg serve?); "
                          "choose another with --port, or --port 0 for a free one") from exc
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EACCES, errno.EPERM):
            raise KgError(f"--host {args.host} --port {args.port}: cannot listen there "
                          f"({exc.strerror})") from exc
        raise KgError(str(exc)) from exc
    except RuntimeError as exc:
        raise KgError(str(exc)) from exc
    host, port = server.server_address[:2]
    print(f"kg: serving {args.dist} at http://{host}:{port}/ (IRIs under {app.mapping.public}; "
          f"SPARQL at /sparql; YASGUI {'on' if app.yasgui else 'not installed'})",
          file=sys.stderr, flush=True)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
    return 0


def install_assets(static: Path = STATIC, npm: str = "npm") -> Path:
    """`npm install` the packages of static/package.json, then copy YASGUI's built files to
    static/vendor/yasgui/ (git-ignored), which the /query page serves."""
    exe = shutil.which(npm)
    if exe is None:
        raise KgError("npm not found: install Node.js and npm to get YASGUI")
    # The committed lock file pins every transitive package: `npm ci` installs exactly those.
    verb = "ci" if (static / "package-lock.json").is_file() else "install"
    done = subprocess.run(
        [exe, verb, "--no-audit", "--no-fund", "--loglevel=error"], cwd=static, check=False,
    )
    if done.returncode != 0:
        raise KgError(f"npm install failed with exit code {done.returncode}")
    build = static / "node_modules" / YASGUI_PACKAGE / "build"
    target = static / "vendor" / "yasgui"
    target.mkdir(parents=True, exist_ok=True)
    for name in YASGUI_FILES:
        if not (build / name).is_file():
            raise KgError(f"{build / name} missing after npm install")
        shutil.copy2(build / name, target / name)
    return target


def cmd_serve_assets(args: argparse.Namespace) -> int:
    target = install_assets()
    print(f"kg: YASGUI installed in {target}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = subparsers.add_parser(
        "serve", help="publish dist/ as linked data: entity pages, SPARQL endpoint, downloads"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8000,
                       help="port (8000; 0 picks a free one)")
    serve.add_argument(
        "--base", type=base_iri,
        help="published data IRI base (default http://HOST:PORT/id/); IRIs of the build's base "
        "are rewritten to it",
    )
    serve.add_argument("--dist", type=Path, default=Path("dist"), help="built folder (dist)")
    serve.add_argument(
        "--query-timeout", type=positive_seconds, default=10.0, help="seconds per SPARQL query (10)"
    )
    serve.add_argument(
        "--max-results", type=positive_integer, default=10_000,
        help="rows or triples per answer (10000)"
    )
    serve.add_argument("--workers", type=worker_count, default=2,
                       help="SPARQL worker processes (2; at most 64)")
    serve.add_argument("--queries", type=Path, help="stored queries folder (the packaged one)")
    serve.add_argument("--quiet", action="store_true", help="no request log")
    serve.set_defaults(handler=cmd_serve)

    assets = subparsers.add_parser(
        "serve-assets", help="install YASGUI (npm) for the /query page of `kg serve`"
    )
    assets.set_defaults(handler=cmd_serve_assets)
