"""Open the graph a server answers from, under the PUBLISHED base.

Two ways, chosen by what the build left in dist/:
- dist/store/ (a persistent pyoxigraph store `kg build` writes: every named graph of kg.trig, and
  in its default graph the set union of them all): opened READ-ONLY by the server and by each
  query worker, in a moment; the OS page cache holds its files once for all the processes.
  A query on the union runs on that default graph (set semantics: a triple asserted in two
  graphs counts once).
- no store/ (a build from before persistent stores): kg.trig is parsed into an in-memory store
  in every process, as before (minutes and about 1.2 GB per process on the full graph).

Base mapping. The build mints data IRIs under its base (void:uriSpace in void.ttl, by default
https://w3id.org/occupation-kg/id/). The server is published under `--base` (by default
http://HOST:PORT/id/), and every IRI in every answer must dereference on this server. The
in-memory store is rewritten to the published base, term by term, when it is loaded. The
persistent store is read-only and keeps the build's base, so `MappedStore` (the server's own
lookups) and the query workers map instead: IRIs going in (patterns, graph names, the IRI
tokens of a query) to the data base, IRIs coming out to the published base. SPARQL text sent to
the server gets the mapping for its IRI tokens (`rewrite_query_iris`), so a query written with
either base matches. One difference remains on the persistent store: STR() of a local IRI inside
a user's query is the data-base string (the store holds those). The files under /download/
stay byte-identical to the build (their checksums are published), so they keep the canonical
IRIs.

This module imports only pyoxigraph: the query worker processes import it too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.query.union_graph import materialise_union

DEFAULT_DATA_BASE = "https://w3id.org/occupation-kg/id/"
STORE_DIR = "store"  # the persistent store `kg build` writes inside dist/
_URI_SPACE = re.compile(r'void:uriSpace\s+"([^"]+)"')
_IRI_TOKEN = re.compile(
    r"""('''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
    r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|\#[^\n]*)"""
    r"""|<([^<>"{}|^`\\\x00-\x20]*)>""",
    re.DOTALL,
)


def data_base_of(dist: Path) -> str:
    """The base the build minted its IRIs under (void:uriSpace), else the default."""
    void = dist / "void.ttl"
    if void.is_file():
        m = _URI_SPACE.search(void.read_text(encoding="utf-8"))
        if m:
            return m.group(1)
    return DEFAULT_DATA_BASE


class BaseMap:
    """Maps IRIs between the build's base (`data`) and the published one (`public`)."""

    def __init__(self, data: str, public: str):
        self.data = data
        self.public = public

    @property
    def identity(self) -> bool:
        return self.data == self.public

    def to_public(self, iri: str) -> str:
        if not self.identity and iri.startswith(self.data):
            return self.public + iri[len(self.data) :]
        return iri

    def to_data(self, iri: str) -> str:
        if not self.identity and iri.startswith(self.public):
            return self.data + iri[len(self.public) :]
        return iri

    def reversed(self) -> BaseMap:
        """The opposite direction: published IRIs to the build's (for the persistent store)."""
        return BaseMap(self.public, self.data)

    def node(self, term: ox.NamedNode) -> ox.NamedNode:
        value = term.value
        return ox.NamedNode(self.to_public(value)) if value.startswith(self.data) else term

    def quads(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        if self.identity:
            yield from quads
            return
        for q in quads:
            s, p, o, g = q.subject, q.predicate, q.object, q.graph_name
            if isinstance(s, ox.NamedNode):
                s = self.node(s)
            if isinstance(o, ox.NamedNode):
                o = self.node(o)
            if isinstance(g, ox.NamedNode):
                g = self.node(g)
            yield ox.Quad(s, p, o, g)


def rewrite_query_iris(query: str, mapping: BaseMap) -> str:
    """Rewrite the IRI tokens `<data-base...>` of a SPARQL text to the published base; strings
    and comments are left alone."""
    if mapping.identity:
        return query

    def sub(m: re.Match[str]) -> str:
        if m.group(2) is None:
            return m.group(0)
        return f"<{mapping.to_public(m.group(2))}>"

    return _IRI_TOKEN.sub(sub, query)


def load_store(dist: Path, mapping: BaseMap) -> ox.Store:
    """dist/kg.trig (named graphs kept) in memory, IRIs under the published base, their union as
    the default graph (as the persistent store has it)."""
    store = ox.Store()
    quads = ox.parse(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    try:
        store.bulk_extend(mapping.quads(quads))
    except (SyntaxError, ValueError, OSError) as exc:
        # one line, as `kg query` says it (session 29's attack: a traceback)
        raise KgError(f"{dist / 'kg.trig'}: cannot load: {exc}") from exc
    materialise_union(store)
    return store


def store_dir(dist: Path) -> Path | None:
    """dist/store/ when the build wrote a persistent store there (RocksDB's CURRENT file)."""
    path = dist / STORE_DIR
    return path if (path / "CURRENT").is_file() else None


def open_read_only(path: Path) -> ox.Store:
    """The persistent store at `path`, read-only (many processes may open it at once)."""
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise OSError(f"{path}: cannot open the persistent store read-only: {exc}") from exc


def fallback_notice(dist: Path) -> str:
    return (
        f"kg: {dist} has no persistent store ({dist / STORE_DIR}/, written by `kg build` since "
        "this release): loading kg.trig into memory in every process instead, which takes "
        "minutes and GBs on the full graph; rebuild with `kg build` for an instant start"
    )


def open_store(dist: Path, mapping: BaseMap, quiet: bool = False) -> MappedStore:
    """The server's own store: dist/store/ read-only behind a MappedStore, else (older builds)
    kg.trig loaded into memory under the published base, after a notice on stderr."""
    path = store_dir(dist)
    if path is not None:
        return MappedStore(open_read_only(path), mapping)
    if not quiet:
        print(fallback_notice(dist), file=sys.stderr, flush=True)
    # Already under the published base (no mapping); wrapped like the persistent store so the
    # pages see only the named graphs, not the union in the default graph as well.
    return MappedStore(load_store(dist, mapping), BaseMap(mapping.public, mapping.public))


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph


class MappedSolution:
    """One SELECT row with local IRIs under the published base."""

    def __init__(self, solution: ox.QuerySolution, mapping: BaseMap):
        self._solution = solution
        self._mapping = mapping

    def _out(self, term: Term | None) -> Term | None:
        return self._mapping.node(term) if isinstance(term, ox.NamedNode) else term

    def __getitem__(self, key: int | str | ox.Variable) -> Term | None:
        return self._out(self._solution[key])

    def __iter__(self) -> Iterator[Term | None]:
        return (self._out(term) for term in self._solution)

    def __len__(self) -> int:
        return len(self._solution)


class MappedSolutions:
    """SELECT results of a MappedStore: the variables, then MappedSolution rows."""

    def __init__(self, solutions: ox.QuerySolutions, mapping: BaseMap):
        self._solutions = solutions
        self._mapping = mapping
        self.variables = solutions.variables

    def __iter__(self) -> Iterator[MappedSolution]:
        return (MappedSolution(s, self._mapping) for s in self._solutions)


class MappedStore:
    """The server's store as its pages see it: local IRIs under the published base, and only
    the named graphs for `quads_for_pattern(..., None)` (the default graph repeats them as their
    union, in the persistent store and in one loaded into memory alike). The server's pages use
    this subset of ox.Store."""

    def __init__(self, store: ox.Store, mapping: BaseMap):
        self.store = store
        self.mapping = mapping
        self.inward = mapping.reversed()

    def _in(self, term: Term | None) -> Term | None:
        return self.inward.node(term) if isinstance(term, ox.NamedNode) else term

    def quads_for_pattern(self, subject: Term | None, predicate: Term | None,
                          object: Term | None,  # noqa: A002 (pyoxigraph's parameter name)
                          graph_name: Term | None = None) -> Iterator[ox.Quad]:
        quads = self.store.quads_for_pattern(
            self._in(subject), self._in(predicate), self._in(object), self._in(graph_name)
        )
        if graph_name is None:  # named graphs only, as in the in-memory store
            quads = (q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
        return self.mapping.quads(quads)

    def named_quads(self, predicate: ox.NamedNode | None,
                    object: Term | None = None,  # noqa: A002
                    skip: Iterable[ox.NamedNode] = ()) -> Iterator[ox.Quad]:
        """Every quad with `predicate` (any, if None) and `object` in the named graphs but
        those in `skip` (published IRIs), read graph by graph: a scan with no graph also reads
        the default graph's copy of every quad only to drop it (twice the reads, on the full
        graph a third of the entity index's build)."""
        skipped = {self._in(g) for g in skip}
        for graph in sorted(self.store.named_graphs(), key=str):
            if graph not in skipped:
                yield from self.mapping.quads(self.store.quads_for_pattern(
                    None, self._in(predicate), self._in(object), graph))

    def named_quads_unmapped(self, predicate: ox.NamedNode | None,
                             object: Term | None = None,  # noqa: A002
                             skip: Iterable[ox.NamedNode] = ()) -> Iterator[ox.Quad]:
        """`named_quads` with the build's IRIs left as stored (`mapping.to_public` maps a value
        when it is used): for scans over most of the graph, where making a published copy of
        every quad was two thirds of the entity index's build on the full graph."""
        skipped = {self._in(g) for g in skip}
        for graph in sorted(self.store.named_graphs(), key=str):
            if graph not in skipped:
                yield from self.store.quads_for_pattern(
                    None, self._in(predicate), self._in(object), graph)

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        for g in self.store.named_graphs():
            yield self.mapping.node(g) if isinstance(g, ox.NamedNode) else g

    def contains_named_graph(self, graph: ox.NamedNode | ox.BlankNode) -> bool:
        return self.store.contains_named_graph(self._in(graph))

    def __len__(self) -> int:
        return len(self.store)

    def query(self, query: str, *, use_default_graph_as_union: bool = False,
              base_iri: str | None = None,
              default_graph: list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None) -> object:
        """ox.Store.query for the server's own queries: published IRIs (IRI tokens, and the
        published base inside string literals, as in a STRSTARTS filter) go in as data IRIs.
        The union is the store's default graph, so `use_default_graph_as_union` needs no flag."""
        options: dict[str, object] = {}
        if base_iri is not None:
            options["base_iri"] = self.inward.to_public(base_iri)
        if default_graph is not None:
            options["default_graph"] = [self._in(g) for g in default_graph]
        if named_graphs is not None:
            options["named_graphs"] = [self._in(g) for g in named_graphs]
        result = self.store.query(_inward_text(query, self.inward), **options)
        if isinstance(result, ox.QuerySolutions):
            return MappedSolutions(result, self.mapping)
        if isinstance(result, ox.QueryTriples):
            return (
                ox.Triple(self.mapping.node(t.subject) if isinstance(t.subject, ox.NamedNode)
                          else t.subject, t.predicate,
                          self.mapping.node(t.object) if isinstance(t.object, ox.NamedNode)
                          else t.object)
                for t in result
            )
        return result


def _inward_text(query: str, inward: BaseMap) -> str:
    """IRI tokens and string literals: published base -> data base (server-written queries)."""
    if inward.identity:
        return query

    def sub(m: re.Match[str]) -> str:
        if m.group(2) is not None:
            return f"<{inward.to_public(m.group(2))}>"
        token = m.group(1)
        return token if token.startswith("#") else token.replace(inward.data, inward.public)

    return _IRI_TOKEN.sub(sub, query)
