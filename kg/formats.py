"""Registry of download formats: the build, the VoID description and the CLI all read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from kg.jsonld_writer import from_rdflib, group_by_subject, write_compact_jsonld
from kg.prefixes import bind_prefixes, jsonld_context


@dataclass(frozen=True)
class Format:
    name: str
    file_name: str
    media_type: str
    description: str
    write: Callable[[Dataset, Graph, Path, str], None]  # (dataset, merged graph, path, base)


def _turtle_body(graph: Graph, base: str) -> str:
    return bind_prefixes(graph, base).serialize(format="turtle")


def write_turtle(_: Dataset, merged: Graph, path: Path, base: str) -> None:
    path.write_text(_turtle_body(merged, base), encoding="utf-8")


def write_ntriples(_: Dataset, merged: Graph, path: Path, base: str) -> None:
    lines = sorted(set(merged.serialize(format="nt").splitlines()) - {""})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _turtle_parts(graph: Graph, base: str) -> tuple[list[str], list[str]]:
    """Turtle of `graph` split into its @prefix lines and its body lines."""
    copy = Graph()
    copy += graph
    lines = _turtle_body(copy, base).splitlines()
    return ([line for line in lines if line.startswith("@prefix")],
            [line for line in lines if not line.startswith("@prefix")])


def trig_block(graph: Graph, name: str, base: str) -> str:
    """One named graph as a TriG block, using the prefixes of kg.prefixes."""
    _, body = _turtle_parts(graph, base)
    # Not indented: a line of the body may continue a multi-line (triple-quoted) literal, whose
    # content an indent would change.
    inner = "\n".join(body).strip("\n")
    return f"<{name}> {{\n{inner}\n}}\n"


def write_trig(dataset: Dataset, _: Graph, path: Path, base: str) -> None:
    """TriG with the named graphs in IRI order, each body written as sorted Turtle."""
    prefix_block: set[str] = set()
    blocks: list[str] = []
    for graph in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if len(graph) == 0 or not isinstance(graph.identifier, URIRef):
            continue
        head, _ = _turtle_parts(graph, base)
        prefix_block |= set(head)
        blocks.append(trig_block(graph, str(graph.identifier), base))
    path.write_text("\n".join(sorted(prefix_block)) + "\n\n" + "\n".join(blocks),
                    encoding="utf-8")


def write_jsonld(_: Dataset, merged: Graph, path: Path, base: str) -> None:
    """Compact JSON-LD with the project's context inlined, so nothing is ever fetched.

    The same writer as the full build's (kg.jsonld_writer); subjects in N-Triples order.
    """
    triples = sorted(
        ((from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in merged),
        key=lambda t: (t[0].kind, t[0].value),
    )
    with path.open("w", encoding="utf-8") as out:
        write_compact_jsonld(group_by_subject(triples), jsonld_context(base)["@context"], out)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("turtle", "kg.ttl", "text/turtle",
               "All data graphs and the entailed alignment triples, merged", write_turtle),
        Format("ntriples", "kg.nt", "application/n-triples",
               "The same triples as kg.ttl, one per line, sorted", write_ntriples),
        Format("trig", "kg.trig", "application/trig",
               "One named graph per source document, plus curation, ontology, derived and "
               "inferred graphs", write_trig),
        Format("jsonld", "kg.jsonld", "application/ld+json",
               "The same triples as kg.ttl as compact JSON-LD (context inlined; also in "
               "context.jsonld)", write_jsonld),
    )
}
