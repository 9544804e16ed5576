"""Compare two engines' answers to a stored query: canonical rows, order-free, blank-node-free.

Used by tests/test_remote.py (seed graph) and benchmarks/bench_remote.py (full graph) to say
whether a remote store gave the same answer as the embedded one. Terms are already canonical
(kg.query.results.canonical_term, which every engine applies); rows are compared as sorted lists of
their N-Triples-like strings, blank nodes written as `_:` (their labels are each store's own),
so ties in an ORDER BY and different blank-node labels do not count as differences. A graph
answer (CONSTRUCT) is compared as its sorted triples the same way; ASK as its boolean.

GROUP_CONCAT. SPARQL 1.1 leaves the order of the concatenated values unspecified (18.5.1.7), and
Virtuoso and pyoxigraph do order them differently: a column bound by `GROUP_CONCAT(...;
SEPARATOR="s") AS ?v` is compared with its parts sorted (`concat_columns` finds them in the
query text), so only the set of values counts, not their order; and an empty concatenation
(a group whose values are all unbound: Virtuoso gives "", pyoxigraph leaves it unbound) counts
as unbound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from kg.query.catalog import StoredQuery
from kg.query.engines import Engine, run
from kg.query.param_binding import bind_params
from kg.query.results import Cell, Table


def _term(term: Cell | object) -> str:
    if term is None:
        return "UNDEF"
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


_GROUP_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?;\s*SEPARATOR\s*=\s*\"((?:[^\"\\]|\\.)*)\"\s*\)"
    r"\s+AS\s+[?$](\w+)", re.IGNORECASE)


def concat_columns(query: str) -> dict[str, str]:
    """Variable -> separator of every `GROUP_CONCAT(...; SEPARATOR="...") AS ?var` of `query`
    (the separator's escapes read as SPARQL's: only \\" and \\\\ occur in ours)."""
    return {name: sep.replace('\\"', '"').replace("\\\\", "\\")
            for sep, name in _GROUP_CONCAT.findall(query)}


def _sorted_parts(term: Cell | object, separator: str) -> Cell | object:
    if isinstance(term, Literal) and not str(term):
        return None  # a group with nothing to concatenate: pyoxigraph leaves it unbound
    if isinstance(term, Literal) and separator and separator in str(term):
        parts = sorted(str(term).split(separator))
        return Literal(separator.join(parts), lang=term.language, datatype=term.datatype)
    return term


def canonical_rows(result: Table | bool | Graph,
                   concat: dict[str, str] | None = None) -> list[str]:
    """The answer as sorted canonical lines (one per row or triple; ASK gives one line); the
    columns of `concat` (variable -> separator) with their concatenated parts sorted."""
    if isinstance(result, bool):
        return [str(result).lower()]
    if isinstance(result, Graph):
        return sorted(" ".join(_term(t) for t in triple) for triple in result)
    header = "\t".join(f"?{v}" for v in result.variables)
    separators = [(concat or {}).get(str(v)) for v in result.variables]
    return [header, *sorted(
        "\t".join(_term(c if sep is None else _sorted_parts(c, sep))
                  for c, sep in zip(row, separators, strict=True))
        for row in result.rows)]


@dataclass(frozen=True)
class Comparison:
    name: str
    rows: int  # rows (or triples) in the first engine's answer
    same: bool
    first_only: list[str]  # canonical rows only the first engine gave (a few, for the report)
    second_only: list[str]


def compare(query: StoredQuery, first: Engine, second: Engine) -> Comparison:
    """Run `query` (parameters at their defaults) on both engines and compare the answers."""
    text = bind_params(query.text, query.params, {})
    concat = concat_columns(text)
    a, b = canonical_rows(run(first, text), concat), canonical_rows(run(second, text), concat)
    only_a = sorted(set(a) - set(b))[:5]
    only_b = sorted(set(b) - set(a))[:5]
    rows = len(a) - (0 if query.form in ("ASK", "CONSTRUCT", "DESCRIBE") else 1)
    return Comparison(query.name, rows, a == b, only_a, only_b)
