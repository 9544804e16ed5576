"""The `kg` command. Each subcommand registers itself; format choices come from registries."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg import __version__
from kg.errors import KgError, not_a_file, not_a_folder

Handler = Callable[[argparse.Namespace], int]

# The modules whose register(subparsers) adds subcommands, and the subcommands each adds. `kg X`
# imports only X's module: the query and import modules pull in rdflib's SPARQL parser and every
# importer (about 1 s), which `kg transitions` must not pay (issue 13: < 1 s). A name missing
# here still works: the parser is then built with every module (tests/test_transitions.py checks
# that this table matches what the modules register).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "kg.cli.query": ("queries", "query", "load"),
    "kg.cli.imports": ("import", "map"),
    "kg.cli.serve": ("serve", "serve-assets"),
    "kg.reconcile.cli": ("reconcile",),
    "kg.cli.transitions": ("transitions",),  # career transitions (engineer T)
}

# The formats `kg validate` reads with pyoxigraph (linear in a literal's length).
OXIGRAPH_FORMATS = {"nt": "application/n-triples", "turtle": "text/turtle",
                    "trig": "application/trig"}

# rdflib parser names for the files `kg validate` accepts, by suffix.
VALIDATE_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".trig": "trig",
}


def _build(args: argparse.Namespace) -> int:
    from kg.build.pipeline import BuildOptions, build

    options = BuildOptions(
        out=args.out,
        documents=args.documents,
        base=args.base,
        ontology_docs=not args.no_ontology_docs,
        data=args.data,
        validate_imports=args.validate_imports,
    )
    if args.validate_imports and args.data is None:
        raise KgError("--validate-imports needs --data (the reference datasets to import)")
    for option, folder in (("--documents", args.documents), ("--data", args.data),
                           ("--sources", args.sources)):
        # a mistyped --documents was five "document file ... does not exist" problems blamed
        # on the packaged records
        if folder is not None and not folder.is_dir():
            raise KgError(f"{option} {folder}: {not_a_folder(folder)}")
    if args.sources:
        options.sources = args.sources
    # SIGTERM (timeout, a CI cancel, docker stop) ends the build as Ctrl-C does: the staging
    # folder is removed and the workers stopped, where the default action skipped all that
    signal.signal(signal.SIGTERM, _exit_on_signal)
    build(options)
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _validate(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from kg.build.shacl_report import format_report, load_shapes, shacl_findings
    from kg.sources.curated.vocabulary import load_ontology

    path: Path = args.file
    fmt = VALIDATE_FORMATS.get(path.suffix)
    if fmt is None:
        raise KgError(
            f"{path}: unknown file type {path.suffix!r} "
            f"(expected one of {', '.join(sorted(VALIDATE_FORMATS))})"
        )
    if not path.is_file():
        raise KgError(f"{path}: {not_a_file(path)}")
    if fmt == "json-ld":
        _refuse_remote_contexts(path)
    try:
        if fmt in OXIGRAPH_FORMATS:
            data = _oxigraph_graph(path, fmt)
        else:
            data = Graph().parse(path, format=fmt)
    except KgError:
        raise
    except Exception as exc:  # rdflib raises many parser-specific types
        raise KgError(f"{path}: cannot parse as {fmt}: {exc}") from exc
    findings = shacl_findings(data, load_shapes(), load_ontology())
    violations = [f for f in findings if f.severity == "Violation"]
    if findings:
        print(format_report(findings, data))
    print(
        f"{path}: {len(data)} triples, {len(violations)} violation(s), "
        f"{len(findings) - len(violations)} other finding(s)"
    )
    return 1 if violations else 0


def _oxigraph_graph(path: Path, fmt: str) -> Any:
    """An N-Triples, Turtle or TriG file (every graph of it) read by pyoxigraph into an rdflib
    Graph (for pySHACL). rdflib's own parsers take time quadratic in a literal's length: a
    3-million-character N-Triples literal 30 s (session 29's attack), a 2 MB triple-quoted
    Turtle string of a million lines 200 s (session 30's)."""
    import pyoxigraph as ox
    from rdflib import BNode, Graph, Literal, URIRef

    def term(node: Any) -> Any:
        if isinstance(node, ox.Triple):  # rdflib and pySHACL have no quoted triples
            raise KgError(f"{path}: holds an RDF-star quoted triple ({node}), which the "
                          "shapes' validator (pySHACL) cannot read")
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return BNode(node.value)
        if node.language:
            return Literal(node.value, lang=node.language)
        return Literal(node.value, datatype=URIRef(node.datatype.value))

    graph = Graph()
    with path.open("rb") as handle:
        bom = handle.read(3) == b"\xef\xbb\xbf"
    # A UTF-8 byte order mark (Windows editors write one) is no Turtle: it was refused as
    # "'\ufeff' is not a valid subject", the mark invisible in the message (session 36's
    # attack). The file is read past it, as the importers read their files.
    source: dict[str, Any] = {"input": path.read_bytes()[3:]} if bom else {"path": str(path)}
    for quad in ox.parse(**source, format=ox.RdfFormat.from_media_type(OXIGRAPH_FORMATS[fmt]),
                         base_iri=path.resolve().as_uri()):
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph


def _refuse_remote_contexts(path: Path) -> None:
    """A JSON-LD file whose @context (or @import) names a URL is refused: rdflib would fetch it,
    with no time limit. Regression (session 29's attack): a context on a server that never
    answers hung `kg validate`, and validating an untrusted file made outbound requests."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise KgError(f"{path}: cannot parse as json-ld: {exc}") from exc
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                contexts = value if key == "@context" and isinstance(value, list) else [value]
                for context in contexts if key in ("@context", "@import") else []:
                    if isinstance(context, str):
                        raise KgError(
                            f"{path}: the JSON-LD {key} {context!r} is a URL, which kg validate "
                            "does not fetch (it works offline); put the context in the file "
                            "(a build's context.jsonld holds the project's)")
                stack.append(value)


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `kg` parser; with `command`, only the module that registers it (when known)."""
    parser = argparse.ArgumentParser(prog="kg", description="occupation knowledge graph")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    only = [m for m, names in COMMAND_MODULES.items() if command in names]
    if only:
        importlib.import_module(only[0]).register(sub)
        return parser
    from kg.cli.arguments import base_iri
    from kg.prefixes import DEFAULT_BASE

    build = sub.add_parser("build", help="build, reason, validate and export the graph to dist/")
    build.add_argument("--out", type=Path, default=Path("dist"), help="output folder (dist)")
    build.add_argument(
        "--documents",
        type=Path,
        help="folder of the source documents; every quote is checked against it",
    )
    build.add_argument("--base", type=base_iri, default=DEFAULT_BASE,
                       help=f"data IRI base ({DEFAULT_BASE})")
    build.add_argument("--sources", type=Path, help="curated records folder (the packaged ones)")
    build.add_argument(
        "--no-ontology-docs", action="store_true", help="skip the pyLODE HTML documentation"
    )
    build.add_argument(
        "--data", type=Path,
        help="folder of the reference datasets (e.g. ../shared/data): also import O*NET, ESCO, "
             "SOC, ISCO, NAICS and BLS, and publish the curated mappings",
    )
    build.add_argument(
        "--validate-imports", action="store_true",
        help="with --data: also validate every imported dataset with pySHACL (several minutes)",
    )
    build.set_defaults(handler=_build)

    validate = sub.add_parser("validate", help="validate a Turtle/JSON-LD/N-Triples/TriG file")
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def _subcommand_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse keeps its sub-parsers on the action only
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        # building the parser imports the subcommand's modules (a second or so): Ctrl-C
        # then was a KeyboardInterrupt traceback (session 33's audit)
        parser = make_parser(argv[0] if argv else None)
    except KeyboardInterrupt:
        return 130
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse reports them with the top parser's usage ("usage: kg [-h] {queries,query,
        # load} ..."); the subcommand's own usage says what it takes
        _subcommand_parser(parser, args.command).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.handler(args))
    except KgError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kg queries | head` closed the pipe: stop quietly (it was a traceback); stdout goes
        # to /dev/null so the interpreter's own flush at exit fails no more (Python's docs)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
