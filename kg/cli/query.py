"""The `kg queries`, `kg query` and `kg load` subcommands.

`register(subparsers)` adds them; each parser sets `handler`, a function of the parsed args that
returns the exit code: 0 ok, 2 usage error (unknown query or parameter, bad value or format),
1 runtime failure (missing dist, bad query file, unreachable endpoint, endpoint error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from kg.cli.arguments import http_url, positive_seconds
from kg.errors import KgError
from kg.query.catalog import UnknownQuery, list_queries, list_violation_checks, load_query
from kg.query.catalog import queries_dir as default_queries_dir
from kg.query.engines import (
    DEFAULT_ENGINE,
    DEFAULT_TIMEOUT,
    ENGINES,
    LOCAL_ENGINES,
    open_engine,
    run,
)
from kg.query.param_binding import ParamError, bind_params, parse_assignments
from kg.query.remote_load import DEFAULT_TIMEOUT as LOAD_TIMEOUT
from kg.query.remote_load import LOADERS, load
from kg.query.results import ALL_FORMATS, GRAPH_FORMATS, SELECT_FORMATS, Table, write_boolean

# Tried in order when the local engine needs a file from dist/.
DIST_FILES = ("kg.trig", "kg.nq", "kg.nt", "kg.ttl")


class UsageError(KgError):
    pass


def _fail(message: str, code: int) -> int:
    print(f"kg: error: {message}", file=sys.stderr)
    return code


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (UsageError, UnknownQuery, ParamError) as exc:
            return _fail(str(exc), 2)
        except KgError as exc:
            return _fail(str(exc), 1)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _queries_dir(args: argparse.Namespace) -> Path:
    return Path(args.queries) if args.queries else default_queries_dir()


def _dist_file(dist: Path) -> Path:
    for name in DIST_FILES:
        if (dist / name).is_file():
            return dist / name
    raise KgError(f"{dist}: no {' / '.join(DIST_FILES)} found (run `kg build` first, or name "
                  "the built folder with --dist)")


@_guarded
def cmd_queries(args: argparse.Namespace) -> int:
    """List the stored queries with their questions and parameters, then the quality checks."""
    directory = _queries_dir(args)
    out = sys.stdout
    for section, items in (
        ("Queries", list_queries(directory)),
        ("Quality checks (must return no rows)", list_violation_checks(directory)),
    ):
        if not items:
            continue
        print(f"{section}:", file=out)
        for q in items:
            print(f"\n  {q.name}  [{q.form}]  {q.title}", file=out)
            print(f"    {q.question}", file=out)
            for p in q.params:
                default = f" = {p.default}" if p.default is not None else " (required)"
                desc = f" -- {p.description}" if p.description else ""
                print(f"    --param {p.name}=<{p.type}>{default}{desc}", file=out)
        print(file=out)
    return 0


def _write_result(result: Table | bool | Graph, fmt: str | None) -> str:
    if isinstance(result, Graph):
        fmt = fmt or "turtle"
        if fmt not in GRAPH_FORMATS:
            raise UsageError(f"a graph result needs --format {' or '.join(GRAPH_FORMATS)}")
        return GRAPH_FORMATS[fmt](result)
    fmt = fmt or "table"
    if fmt not in SELECT_FORMATS:
        raise UsageError(f"a SELECT/ASK result needs --format {', '.join(SELECT_FORMATS)}")
    if isinstance(result, bool):
        return write_boolean(result, fmt)
    return SELECT_FORMATS[fmt](result)


@_guarded
def cmd_query(args: argparse.Namespace) -> int:
    """Run one stored query with its parameters bound, on a local engine or an endpoint."""
    stored = load_query(_queries_dir(args), args.name)
    text = bind_params(stored.text, stored.params, parse_assignments(args.param or []))
    form_is_graph = stored.form in ("CONSTRUCT", "DESCRIBE")
    if args.format and (args.format in GRAPH_FORMATS) != form_is_graph:
        allowed = ", ".join(GRAPH_FORMATS if form_is_graph else SELECT_FORMATS)
        raise UsageError(f"{stored.name} is a {stored.form} query; use --format {allowed}")
    if args.endpoint:
        if args.engine not in (None, "remote"):
            raise UsageError("--endpoint queries a remote store; leave out --engine")
        engine = open_engine(
            "remote",
            args.endpoint,
            timeout=args.timeout,
            default_graphs=args.default_graph,
            named_graphs=args.named_graph,
        )
    else:
        name = args.engine or DEFAULT_ENGINE
        if name not in LOCAL_ENGINES:
            raise UsageError(f"--engine {name} needs --endpoint URL")
        engine = open_engine(name, _dist_file(Path(args.dist)), timeout=args.timeout)
    result = run(engine, text)
    sys.stdout.write(_write_result(result, args.format))
    if isinstance(result, Table) and not result.rows:
        from kg.query.code_params import unknown_codes

        for note in unknown_codes(engine, stored.params, parse_assignments(args.param or [])):
            print(f"kg: note: {note}", file=sys.stderr)
    return 0


@_guarded
def cmd_load(args: argparse.Namespace) -> int:
    """Replace every named graph of dist/kg.trig, and their union graph, in a remote store
    (Virtuoso's bulk loader when the store is local, else the Graph Store Protocol)."""
    trig = Path(args.dist) / "kg.trig"
    load(trig, args.endpoint, args.user, args.password, args.graph_store,
         update_url=args.update, timeout=args.timeout, loader=args.loader)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `queries`, `query` and `load` to the `kg` command line."""
    queries_help = "folder of stored queries (default: $KG_QUERIES_DIR or the bundled queries/)"

    p = subparsers.add_parser("queries", help="list the stored queries and quality checks")
    p.add_argument("--queries", metavar="DIR", help=queries_help)
    p.set_defaults(handler=cmd_queries)

    p = subparsers.add_parser("query", help="run a stored SPARQL query")
    p.add_argument("name", metavar="NAME", help="stored query name (see `kg queries`)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="a query parameter")
    p.add_argument(
        "--format",
        choices=ALL_FORMATS,
        help="output format (default: table for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)",
    )
    p.add_argument(
        "--engine", choices=tuple(ENGINES), help=f"query engine (default: {DEFAULT_ENGINE})"
    )
    p.add_argument("--endpoint", type=http_url, metavar="URL",
                   help="query this SPARQL 1.1 endpoint instead")
    p.add_argument(
        "--default-graph",
        action="append",
        metavar="IRI",
        help="remote: a default-graph-uri (default: the union graph `kg load` recorded)",
    )
    p.add_argument(
        "--named-graph",
        action="append",
        metavar="IRI",
        help="remote: a named-graph-uri (default: the graphs `kg load` recorded, sent with "
        "queries that use GRAPH)",
    )
    p.add_argument("--dist", default="dist", metavar="DIR", help="built files (default: dist)")
    p.add_argument("--queries", metavar="DIR", help=queries_help)
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up after this long (default: {DEFAULT_TIMEOUT:g})",
    )
    p.set_defaults(handler=cmd_query)

    p = subparsers.add_parser("load", help="load dist/kg.trig into a remote SPARQL store")
    p.add_argument("--endpoint", required=True, type=http_url, metavar="URL",
                   help="the SPARQL query endpoint")
    p.add_argument(
        "--graph-store",
        type=http_url,
        metavar="URL",
        help="Graph Store Protocol URL (default for Virtuoso: ENDPOINT-graph-crud-auth)",
    )
    p.add_argument("--user", help="default: $KG_SPARQL_USER")
    p.add_argument("--password", help="default: $KG_SPARQL_PASSWORD")
    p.add_argument(
        "--update",
        type=http_url,
        metavar="URL",
        help="SPARQL Update endpoint: graphs are staged, then moved into place (default for "
        "Virtuoso without --graph-store: ENDPOINT-auth; without it graphs are PUT in place)",
    )
    p.add_argument("--dist", default="dist", metavar="DIR", help="built files (default: dist)")
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=LOAD_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on any HTTP request after this long (default: {LOAD_TIMEOUT:g})",
    )
    p.add_argument(
        "--loader",
        choices=LOADERS,
        default="auto",
        help="auto (default): Virtuoso's bulk loader through isql-vt when the endpoint is on "
        "this machine and the credentials open isql, else the Graph Store Protocol; bulk or "
        "gsp force one",
    )
    p.set_defaults(handler=cmd_load)
