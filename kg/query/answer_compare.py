"""Compare two engines' answers to a stored query: canonical rows, order-free, blank-node-free.

Used by tests/test_remote.py (seed graph) and benchmarks/bench_remote.py (full graph) to say
whether a remote store gave the same answer as the embedded one. Terms are already canonical
(kg.query.results.canonical_term, which every engine applies); rows are compared as sorted lists of
their N-Triples-like strings, blank nodes written as `_:` (their labels are each store's own),
so ties in an ORDER BY and different blank-node labels do not count as differences. A graph
answer (CONSTRUCT) is compared as its sorted triples the same way; ASK as its boolean.
"""

from __future__ import annotations

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


def canonical_rows(result: Table | bool | Graph) -> list[str]:
    """The answer as sorted canonical lines (one per row or triple; ASK gives one line)."""
    if isinstance(result, bool):
        return [str(result).lower()]
    if isinstance(result, Graph):
        return sorted(" ".join(_term(t) for t in triple) for triple in result)
    header = "\t".join(f"?{v}" for v in result.variables)
    return [header, *sorted("\t".join(_term(c) for c in row) for row in result.rows)]


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
    a, b = canonical_rows(run(first, text)), canonical_rows(run(second, text))
    only_a = sorted(set(a) - set(b))[:5]
    only_b = sorted(set(b) - set(a))[:5]
    rows = len(a) - (0 if query.form in ("ASK", "CONSTRUCT", "DESCRIBE") else 1)
    return Comparison(query.name, rows, a == b, only_a, only_b)
