"""Query results (a Table of rdflib terms) and the registry of output formats.

Every engine hands its terms to `canonical_term`, so the same data gives the same rdflib terms on
Oxigraph, rdflib and Virtuoso. Virtuoso stores values, not lexical forms ("12.50"^^xsd:decimal
comes back as "12.5", booleans as "1", language tags lower-cased), so numbers, booleans and
dateTimes are written in their XSD 1.1 canonical form, xsd:string is the simple literal (one term
in RDF 1.1), and language tags are lower-cased (BCP 47 tags are case-insensitive).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import InvalidOperation

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

from kg.prefixes import bind_prefixes, prefix_map

XSD = "http://www.w3.org/2001/XMLSchema#"
Term = URIRef | BNode | Literal
# rdflib logs a traceback for every ill-typed literal it is handed ("abc"^^xsd:integer); the
# literals here keep their lexical form and are never converted, so one answer with such a
# value wrote a traceback per row to the server's log, even with --quiet.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
Cell = Term | None

_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer long int short byte nonNegativeInteger positiveInteger nonPositiveInteger "
        "negativeInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}
_DATETIME = re.compile(r"^(-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


@dataclass(frozen=True)
class Table:
    """A SELECT result: ordered variable names and rows of terms (None = unbound)."""

    variables: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


# --- canonical terms -------------------------------------------------------------------------


_XSD_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")


def canonical_decimal(lexical: str) -> str:
    """XSD 1.1 canonical decimal: no exponent, no trailing zeros, integers without a point.
    By the digits, not by arithmetic: "1e9999999" (no xsd:decimal: an exponent) made
    `int(Decimal(...))` compute a ten-million-digit number, and `kg query` hung past its
    --timeout and Ctrl-C (session 29's attack). Not a decimal: InvalidOperation."""
    found = _XSD_DECIMAL.fullmatch(lexical.strip())
    if found is None or not (found[2] or found[3]):
        raise InvalidOperation(lexical)
    whole, fraction = found[2].lstrip("0") or "0", (found[3] or "").rstrip("0")
    if whole == "0" and not fraction:
        return "0"
    return ("-" if found[1] == "-" else "") + whole + (f".{fraction}" if fraction else "")


def _canonical_double(lexical: str) -> str:
    value = float(lexical.strip())
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(value)


def _canonical_datetime(lexical: str) -> str:
    m = _DATETIME.match(lexical.strip())
    if not m:
        return lexical
    base, frac, tz = m.group(1), (m.group(2) or "").rstrip("0"), m.group(3) or ""
    if frac == ".":
        frac = ""
    if tz in ("+00:00", "-00:00"):
        tz = "Z"
    return base + frac + tz


def _canonical_lexical(lexical: str, datatype: str) -> str:
    try:
        if datatype in _INTEGER_TYPES:
            return str(int(lexical.strip()))
        if datatype == XSD + "decimal":
            return canonical_decimal(lexical)
        if datatype in (XSD + "double", XSD + "float"):
            return _canonical_double(lexical)
        if datatype == XSD + "boolean":
            low = lexical.strip()
            return {"1": "true", "true": "true", "0": "false", "false": "false"}.get(low, lexical)
        if datatype == XSD + "dateTime":
            return _canonical_datetime(lexical)
    except (ValueError, InvalidOperation):
        pass  # an ill-typed literal stays as written
    return lexical


def make_literal(lexical: str, datatype: str | None = None, lang: str | None = None) -> Literal:
    """The one constructor every engine uses for literals (see the module docstring)."""
    if lang:
        return Literal(lexical, lang=lang.lower())
    if not datatype or datatype == XSD + "string":
        return Literal(lexical)
    return exact_literal(_canonical_lexical(lexical, datatype), datatype)


def exact_literal(lexical: str, datatype: str | None = None, lang: str | None = None) -> Literal:
    """A literal with this very lexical form. rdflib rewrites typed literals by default
    ("2021-08-30T14:39:42.497Z" -> "2021-08-30T14:39:42.497000+00:00", "INF" -> "inf", not an
    xsd:double), which makes them other RDF terms than the store's."""
    if lang:
        return Literal(lexical, lang=lang)
    if not datatype or datatype == XSD + "string":
        return Literal(lexical)
    return Literal(lexical, datatype=URIRef(datatype), normalize=False)


def canonical_term(term: Identifier | None) -> Cell:
    if term is None or isinstance(term, URIRef | BNode):
        return term
    if isinstance(term, Literal):
        dt = str(term.datatype) if term.datatype else None
        return make_literal(str(term), dt, term.language)
    raise TypeError(f"unsupported RDF term in a result: {term!r}")


def canonical_graph(triples: Iterable[tuple[Identifier, Identifier, Identifier]]) -> Graph:
    graph = bind_prefixes(Graph())
    for s, p, o in triples:
        graph.add((canonical_term(s), canonical_term(p), canonical_term(o)))
    return graph


# --- SELECT writers ----------------------------------------------------------------------------


_NEVER = re.compile(r"(?!)")
_ABBREVIATED = {
    XSD + "integer": re.compile(r"^[+-]?\d+$"),
    XSD + "decimal": re.compile(r"^[+-]?\d*\.\d+$"),
    XSD + "double": re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$"),
}


def _ntriples_term(term: Term) -> str:
    """A term in SPARQL/Turtle syntax (used by TSV)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = (
        str(term)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if term.language:
        return f'"{text}"@{term.language}'
    if _ABBREVIATED.get(str(term.datatype), _NEVER).match(text):
        return text  # the TSV spec allows Turtle's short forms for numbers
    if term.datatype:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def write_json(table: Table) -> str:
    """W3C SPARQL 1.1 Query Results JSON Format."""
    bindings = []
    for row in table.rows:
        binding: dict[str, dict[str, str]] = {}
        for var, term in zip(table.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, URIRef):
                binding[var] = {"type": "uri", "value": str(term)}
            elif isinstance(term, BNode):
                binding[var] = {"type": "bnode", "value": str(term)}
            else:
                value: dict[str, str] = {"type": "literal", "value": str(term)}
                if term.language:
                    value["xml:lang"] = term.language
                elif term.datatype:
                    value["datatype"] = str(term.datatype)
                binding[var] = value
        bindings.append(binding)
    doc = {"head": {"vars": list(table.variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_csv(table: Table) -> str:
    """W3C SPARQL 1.1 CSV: lexical forms only, CRLF line ends, quoting as RFC 4180."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow(
            ["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row]
        )
    return out.getvalue()


def write_tsv(table: Table) -> str:
    """W3C SPARQL 1.1 TSV: `?var` header, terms in SPARQL syntax, LF line ends."""
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    for row in table.rows:
        lines.append("\t".join("" if t is None else _ntriples_term(t) for t in row))
    return "\n".join(lines) + "\n"


def _display(term: Cell, prefixes: Sequence[tuple[str, str]]) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        for prefix, ns in prefixes:
            if term.startswith(ns) and len(term) > len(ns):
                return f"{prefix}:{term[len(ns) :]}"
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    # A reader wants the text: the language tag is in the csv/tsv/json answers.
    return str(term).replace("\n", "\\n").replace("\t", "\\t")


def write_table(table: Table) -> str:
    """Aligned plain text for people; IRIs shortened with the project prefixes, in a form that
    `--param NAME=id:occupation/...` accepts back (kg.query.param_binding expands it)."""
    # Longest namespace first so `id:` does not hide a more specific prefix.
    prefixes = sorted(prefix_map().items(), key=lambda kv: -len(kv[1]))
    cells = [[_display(t, prefixes) for t in row] for row in table.rows]
    header = list(table.variables)
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


SELECT_FORMATS: dict[str, Callable[[Table], str]] = {
    "table": write_table,
    "csv": write_csv,
    "tsv": write_tsv,
    "json": write_json,
}


def write_boolean(value: bool, fmt: str) -> str:
    """An ASK answer in one of the SELECT_FORMATS."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}, indent=2) + "\n"
    if fmt not in SELECT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return ("true" if value else "false") + "\n"


# --- CONSTRUCT / DESCRIBE writers ----------------------------------------------------------------


def write_turtle(graph: Graph) -> str:
    return turtle_text(bind_prefixes(graph))


def _ox_term(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term: {term!r}")


def turtle_text(graph: Graph) -> str:
    """The graph as Turtle written by pyoxigraph, with the graph's prefixes. rdflib's writer
    abbreviates typed numbers by their value, not their lexical form: "0"^^xsd:decimal came out
    as 0.0 and "1"^^xsd:double as 1e+00, other terms than the N-Triples of the same answer."""
    prefixes = {str(p): str(ns) for p, ns in graph.namespaces() if p}
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    prefixes = {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in used)}
    prefixes |= kind_prefixes(prefixes.get("id"), used, prefixes)
    triples = sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
    out = ox.serialize((ox.Triple(*(_ox_term(x) for x in t)) for t in triples), None,
                       ox.RdfFormat.TURTLE, prefixes=prefixes)
    return out.decode("utf-8")


_PN_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def kind_prefixes(base: str | None, used: set[str], taken: dict[str, str]) -> dict[str, str]:
    """A prefix per kind of local IRI in `used` (`evidence:` for BASE/evidence/...), so that
    Turtle writes `evidence:00e2b8` where `id:` alone gave `id:evidence\\/00e2b8` (valid, with
    the slash escaped, and hard to read; session 32's audit). A kind whose name is not a
    prefix name, or is one already, keeps `id:`."""
    if not base:
        return {}
    found: dict[str, str] = {}
    for iri in used:
        kind, slash, _ = iri[len(base):].partition("/") if iri.startswith(base) else ("", "", "")
        if slash and kind not in taken and _PN_PREFIX.match(kind):
            found[kind] = f"{base}{kind}/"
    return dict(sorted(found.items()))


def write_jsonld(graph: Graph) -> str:
    # A plain prefix context: compact, and never fetched from the network.
    return graph.serialize(format="json-ld", context=prefix_map(), indent=2)


GRAPH_FORMATS: dict[str, Callable[[Graph], str]] = {
    "turtle": write_turtle,
    "json-ld": write_jsonld,
}

ALL_FORMATS: tuple[str, ...] = (*SELECT_FORMATS, *GRAPH_FORMATS)
