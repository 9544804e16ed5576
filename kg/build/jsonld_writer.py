"""kg.jsonld: compact JSON-LD in the project's context, written one subject at a time.

Every build size takes this one writer. It reads triples already grouped by subject (the order
of a pyoxigraph store's subject index, or the seed graph's triples sorted by subject) and writes
one node object per subject on its own line, so memory holds one subject, not the graph.

The compaction is the plain JSON-LD 1.1 algorithm for a context of prefixes only (the project's
context has no term definitions): IRIs become compact IRIs `prefix:suffix` with the longest
matching prefix (`id:occupation/x`, `skos:prefLabel`), `rdf:type` becomes `@type`, one value is
written bare and several as a sorted array, a plain string literal is a JSON string, a literal with
a language or a datatype a value object. JSON-LD processors (PyLD, rdflib, jsonld.js) expand it
back to the same triples; the tests check that with PyLD.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph
import rdflib

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Term:
    """An RDF term, independent of the library that read it."""

    kind: str  # "iri", "blank" or "literal"
    value: str
    datatype: str | None = None
    language: str | None = None


class IriCompactor:
    """Compact IRIs with the longest prefix of a prefix-only context."""

    def __init__(self, context: dict[str, str]):
        # Longest namespace first, so `id:` never wins over a longer, more specific prefix.
        self.prefixes = sorted(
            ((name, ns) for name, ns in context.items() if isinstance(ns, str)),
            key=lambda item: (-len(item[1]), item[0]),
        )
        self._cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self._cache.get(iri)
        if found is None:
            found = iri
            for name, namespace in self.prefixes:
                suffix = iri[len(namespace):]
                # A suffix starting with "//" would read as an authority (JSON-LD 1.1, 4.2.2).
                if iri.startswith(namespace) and suffix and not suffix.startswith("//"):
                    found = f"{name}:{suffix}"
                    break
            if len(self._cache) < 200_000:
                self._cache[iri] = found
        return found


def _node_ref(term: Term, compact: IriCompactor) -> str:
    return "_:" + term.value if term.kind == "blank" else compact(term.value)


def _value(term: Term, compact: IriCompactor) -> Any:
    if term.kind != "literal":
        return {"@id": _node_ref(term, compact)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype in (None, XSD_STRING):
        return term.value
    return {"@value": term.value, "@type": compact(term.datatype)}


def _sort_key(value: Any) -> tuple[int, str, str, str]:
    """Plain strings first, then node references, then value objects; each by its text."""
    if isinstance(value, str):
        return (0, value, "", "")
    if "@id" in value:
        return (1, value["@id"], "", "")
    return (2, value["@value"], value.get("@language", ""), value.get("@type", ""))


def node_object(subject: Term, pairs: Iterable[tuple[Term, Term]],
                compact: IriCompactor) -> dict[str, Any]:
    """One subject's triples as a compacted node object, keys and values in a stable order."""
    types: set[str] = set()
    properties: dict[str, list[Any]] = {}
    for predicate, obj in pairs:
        if predicate.value == RDF_TYPE and obj.kind != "literal":
            types.add(_node_ref(obj, compact))
            continue
        properties.setdefault(compact(predicate.value), []).append(_value(obj, compact))
    node: dict[str, Any] = {"@id": _node_ref(subject, compact)}
    if types:
        ordered = sorted(types)
        node["@type"] = ordered[0] if len(ordered) == 1 else ordered
    for key in sorted(properties):
        values = sorted({_sort_key(v): v for v in properties[key]}.items())
        node[key] = values[0][1] if len(values) == 1 else [v for _, v in values]
    return node


def group_by_subject(
    triples: Iterable[tuple[Term, Term, Term]],
) -> Iterator[tuple[Term, list[tuple[Term, Term]]]]:
    """Consecutive triples with the same subject, as (subject, [(predicate, object)])."""
    current: Term | None = None
    pairs: list[tuple[Term, Term]] = []
    for s, p, o in triples:
        if s != current:
            if current is not None:
                yield current, pairs
            current, pairs = s, []
        pairs.append((p, o))
    if current is not None:
        yield current, pairs


def write_compact_jsonld(
    groups: Iterable[tuple[Term, list[tuple[Term, Term]]]], context: dict[str, str], out: IO[str]
) -> int:
    """Write `{"@context": …, "@graph": [one node per line]}`; returns the number of nodes.

    `groups` must give each subject once (all its triples together), in a stable order.
    """
    compact = IriCompactor(context)
    out.write('{"@context": ' + json.dumps(context, sort_keys=True, ensure_ascii=False)
              + ',\n "@graph": [')
    count = 0
    for subject, pairs in groups:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(node_object(subject, pairs, compact), ensure_ascii=False))
        count += 1
    out.write("\n ]\n}\n")
    return count


# Adapters from the two libraries' terms. IRIs repeat (predicates, classes, shared objects), so
# their Terms are cached; the cache is bounded so memory stays flat on the full graph.
_IRI_TERMS: dict[str, Term] = {}


def _iri(value: str) -> Term:
    term = _IRI_TERMS.get(value)
    if term is None:
        term = Term("iri", value)
        if len(_IRI_TERMS) < 100_000:
            _IRI_TERMS[value] = term
    return term


def from_rdflib(term: Any) -> Term:
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return Term("literal", str(term), datatype, term.language)
    if isinstance(term, rdflib.BNode):
        return Term("blank", str(term))
    return _iri(str(term))


def from_oxigraph(term: Any) -> Term:
    kind = type(term)
    if kind is pyoxigraph.NamedNode:
        return _iri(term.value)
    if kind is pyoxigraph.Literal:
        language = term.language
        datatype = None if language else term.datatype.value
        return Term("literal", term.value, datatype, language)
    return Term("blank", term.value)
