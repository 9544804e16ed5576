"""Query engines behind one interface: `open_engine(name, source)`.

- "oxigraph" (default): a build's persistent store (dist/store/) read-only, or an in-memory
  pyoxigraph Store loaded from a TriG / Turtle / N-Triples / N-Quads file; queries see the union
  of all graphs as the default graph (kg.query.union_graph: each triple once).
- "rdflib": the reference engine, an rdflib Dataset(default_union=True). Slow; for checking.
- "remote": a SPARQL 1.1 endpoint URL through SPARQLWrapper.

Remote default graph. Virtuoso's default graph (a query without FROM or default-graph-uri) is the
union of EVERY graph in the store, including its system graphs (virtrdf:, DAV, ...), and
`GRAPH ?g` ranges over those too, so `?s ?p ?o` returns thousands of foreign triples. Restricting
each stored query with GRAPH clauses would make queries engine-specific, and a list of graphs kept
in a local file goes stale when someone else loads the store. So `kg load` writes a manifest graph
(LOAD_MANIFEST_GRAPH, SPARQL Service Description terms) into the store itself, listing the graphs
it loaded, plus ONE union graph holding the set union of them all (UNION_GRAPH, recorded in the
manifest). The remote engine sends that union graph as its only default-graph-uri, so the dataset
a query sees is exactly what the last `kg load` put there, as on the embedded engines, and the
server plans against one graph (twenty default-graph-uri parameters made Virtuoso refuse or time
out on big joins). Only a query that uses GRAPH also gets the loaded graphs as named-graph-uri:
without them Virtuoso's GRAPH ?g would range over the union graph and its system graphs too
(tests/test_remote.py shows both). A manifest without a union graph (an older load, or one that
failed half way) gets the list of graphs as both default-graph-uri and named-graph-uri (SPARQL 1.1
Protocol; POST, so long lists do not hit URL limits). Graphs the user passes explicitly win; an
endpoint without a manifest gets no dataset parameters.

Timeouts. Remote: SPARQLWrapper.setTimeout (the HTTP socket timeout); an answer Virtuoso cut at
its own time limit (200 OK with X-SQL-State S1TAT) is a QueryTimeout, not an answer.
Embedded: neither pyoxigraph nor rdflib can cancel a running query, so the query runs in a
daemon worker thread and the caller gets QueryTimeout after the limit; the worker finishes in the
background (the `kg` process exits without waiting for it).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from kg.errors import KgError, not_a_file
from kg.query.param_binding import query_form, star_ordered, tokens
from kg.query.results import Cell, Table, canonical_graph, canonical_term, make_literal
from kg.query.union_graph import materialise_union

DEFAULT_ENGINE = "oxigraph"
DEFAULT_TIMEOUT = 60.0
LOAD_MANIFEST_GRAPH = "https://w3id.org/occupation-kg/graph/load-manifest"
# Remote: the one graph `kg load` fills with the union of all loaded graphs (outside id/graph/,
# so it is never taken for a source document's graph).
UNION_GRAPH = "https://w3id.org/occupation-kg/graph/union"
SD = "http://www.w3.org/ns/sparql-service-description#"

_OX_FORMATS = {
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}
_RDFLIB_FORMATS = {".trig": "trig", ".ttl": "turtle", ".nt": "nt", ".nq": "nquads"}
_GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}

T = TypeVar("T")


class EngineError(KgError):
    """The engine could not answer: bad source file, unreachable endpoint, endpoint error."""


class QueryTimeout(EngineError):
    pass


# Virtuoso's errors (HTTP 500, "SPARQL Request Failed") for a query stopped by its time limit,
# or refused up front because its estimate exceeds the limit (openlink/virtuoso-opensource
# issues 386 and 130: "Virtuoso 42000 Error The estimated execution time 881833 (sec) exceeds
# the limit of 80000 (sec)."): a timeout, not a rejected query. The anytime timer that cuts an
# answer (200, X-SQL-State S1TAT) sometimes cancels the statement instead: a 500 with "SR203:
# Async statement killed by SQLCancel" (1 run in 13 of test_remote's 1 ms time limit).
_TIME_LIMIT = re.compile(r"SR171: Transaction timed out|S1TAT Error[^\n'\\]*|"
                         r"SR203: Async statement killed by SQLCancel|"
                         r"estimated execution time -?[0-9]+ \(sec\) exceeds the limit[^\n'\\]*")


def _time_limit(exc: SPARQLWrapperException) -> str | None:
    """The time-limit message of a Virtuoso 500, or None. Only the error's own text is read:
    Virtuoso's body repeats the query after "SPARQL query:", and a query may quote anything."""
    if not isinstance(exc, EndPointInternalError):
        return None
    found = _TIME_LIMIT.search(str(exc).split("SPARQL query:", 1)[0])
    return found[0] if found else None


class Engine(Protocol):
    name: str

    def select(self, query: str) -> Table: ...
    def ask(self, query: str) -> bool: ...
    def construct(self, query: str) -> Graph: ...


def run(engine: Engine, query: str) -> Table | bool | Graph:
    """Dispatch on the query form: SELECT -> Table, ASK -> bool, CONSTRUCT/DESCRIBE -> Graph."""
    form = query_form(query)
    if form == "SELECT":
        return engine.select(query)
    if form == "ASK":
        return engine.ask(query)
    return engine.construct(query)


def _with_timeout(fn: Callable[[], T], timeout: float | None, what: str) -> T:
    if timeout is None:
        return fn()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(f"{what}: query did not finish within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _source_suffix(source: Path, table: dict[str, Any]) -> str:
    suffix = source.suffix.lower()
    if suffix not in table:
        raise EngineError(f"{source}: unsupported file type (expected {', '.join(table)})")
    if not source.is_file():
        raise EngineError(f"{source}: {not_a_file(source)} (run `kg build` first?)")
    return suffix


# --- oxigraph ----------------------------------------------------------------------------------


def _from_ox(term: Any) -> Cell:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return make_literal(term.value, term.datatype.value, term.language)
    raise EngineError(f"unsupported term in a result (RDF-star?): {term!r}")


class OxigraphEngine:
    """pyoxigraph on a file. For a build's kg.trig whose dist/ also holds the persistent store
    (`store/`: every named graph, and their set union as the default graph) the store is opened
    read-only instead of parsing the file: instant, and a triple of two graphs counts once."""

    name = "oxigraph"

    def __init__(self, source: str | Path, timeout: float | None = DEFAULT_TIMEOUT):
        path = Path(source)
        self.timeout = timeout
        persistent = self.persistent_store(path)
        if persistent is not None:
            try:
                self.store = ox.Store.read_only(str(persistent))
            except OSError as exc:
                raise EngineError(f"{persistent}: cannot open the store read-only: {exc}") \
                    from exc
            self.mode = "read-only"
            return
        fmt = _OX_FORMATS[_source_suffix(path, _OX_FORMATS)]
        self.store = ox.Store()  # in memory
        self.mode = "in-memory"
        try:
            self.store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise EngineError(f"{path}: cannot load: {exc}") from exc
        materialise_union(self.store)

    @staticmethod
    def persistent_store(source: Path) -> Path | None:
        """<dist>/store/ beside a build's kg.trig, when `kg build` wrote one."""
        store = source.parent / "store"
        if source.name == "kg.trig" and (store / "CURRENT").is_file():
            return store
        return None

    def _query(self, query: str) -> Any:
        try:
            # Both stores' default graph is the union of the graphs (the in-memory one since
            # materialise_union), so no union option: pyoxigraph's counts a triple once per graph.
            return self.store.query(query)
        except SyntaxError as exc:
            raise EngineError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise EngineError(f"query failed: {exc}") from exc

    def select(self, query: str) -> Table:
        def work() -> Table:
            res = self._query(query)
            names = star_ordered(query, tuple(v.value for v in res.variables))
            try:
                return Table(names, [tuple(_from_ox(sol[n]) for n in names) for sol in res])
            except OSError as exc:
                error = _evaluation_error(exc)
            del res  # see _evaluation_error
            raise error

        return _with_timeout(work, self.timeout, self.name)

    def ask(self, query: str) -> bool:
        return _with_timeout(lambda: bool(self._query(query)), self.timeout, self.name)

    def construct(self, query: str) -> Graph:
        def work() -> Graph:
            res = self._query(query)
            try:
                return canonical_graph(
                    (_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)) for t in res)
            except OSError as exc:
                error = _evaluation_error(exc)
            del res  # see _evaluation_error
            raise error

        return _with_timeout(work, self.timeout, self.name)


def _evaluation_error(exc: OSError) -> EngineError:
    """pyoxigraph evaluates while its results are read, so an evaluation error (a SERVICE it
    cannot reach) comes from the iteration. The caller drops the results object before it
    raises: the error's traceback would otherwise carry it to the thread that re-raises it,
    and pyoxigraph refuses to release it there (an unraisable RuntimeError on stderr)."""
    return EngineError(f"query failed: {exc}")


# --- rdflib ------------------------------------------------------------------------------------


class RdflibEngine:
    name = "rdflib"

    def __init__(self, source: str | Path, timeout: float | None = DEFAULT_TIMEOUT):
        path = Path(source)
        fmt = _RDFLIB_FORMATS[_source_suffix(path, _RDFLIB_FORMATS)]
        self.timeout = timeout
        self.dataset = Dataset(default_union=True)
        try:
            self.dataset.parse(str(path), format=fmt)
        except Exception as exc:  # rdflib parsers raise many unrelated types
            raise EngineError(f"{path}: cannot load: {exc}") from exc

    def _query(self, query: str) -> Any:
        try:
            return self.dataset.query(query)
        except Exception as exc:  # pyparsing.ParseException and evaluation errors
            raise EngineError(f"query failed: {exc}") from exc

    def select(self, query: str) -> Table:
        def work() -> Table:
            res = self._query(query)
            names = tuple(str(v) for v in (res.vars or []))
            try:  # rdflib evaluates as the rows are read
                rows = [tuple(canonical_term(row[i]) for i in range(len(names))) for row in res]
            except Exception as exc:  # a SERVICE it cannot reach: URLError (session 29)
                raise EngineError(f"query failed: {exc}") from exc
            return Table(names, rows)

        return _with_timeout(work, self.timeout, self.name)

    def ask(self, query: str) -> bool:
        def work() -> bool:
            try:
                return bool(self._query(query).askAnswer)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"query failed: {exc}") from exc

        return _with_timeout(work, self.timeout, self.name)

    def construct(self, query: str) -> Graph:
        def work() -> Graph:
            res = self._query(query)
            try:
                return canonical_graph(res.graph or Graph())
            except Exception as exc:
                raise EngineError(f"query failed: {exc}") from exc

        return _with_timeout(work, self.timeout, self.name)


# --- remote ------------------------------------------------------------------------------------


def _from_json(value: dict[str, str] | None) -> Cell:
    if value is None:
        return None
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):  # Virtuoso still says "typed-literal" (SPARQL 1.0)
        return make_literal(value["value"], value.get("datatype"), value.get("xml:lang"))
    raise EngineError(f"unsupported term in SPARQL JSON results: {value!r}")


def uses_graph(query: str) -> bool:
    """Does the query use the GRAPH keyword (outside comments, strings and IRIs)?"""
    return any(t.kind == "word" and t.text.upper() == "GRAPH" for t in tokens(query))


class RemoteEngine:
    name = "remote"

    def __init__(
        self,
        source: str,
        timeout: float | None = DEFAULT_TIMEOUT,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ):
        self.url = str(source)
        self.timeout = timeout
        # True when the default graph is the load's union graph: named graphs only on demand.
        self.named_graphs_on_demand = False
        if default_graphs is None and named_graphs is None:
            loaded, union = self.manifest_dataset()
            if union is not None:
                default_graphs, named_graphs = [union], loaded
                self.named_graphs_on_demand = True
            else:
                default_graphs = named_graphs = loaded
        self.default_graphs = list(default_graphs or [])
        self.named_graphs = list(named_graphs or [])

    def dataset_for(self, query: str) -> tuple[list[str], list[str]]:
        """The default-graph-uri and named-graph-uri values sent with `query`."""
        if self.named_graphs_on_demand and not uses_graph(query):
            return self.default_graphs, []
        return self.default_graphs, self.named_graphs

    def _wrapper(self, query: str, accept: str, dataset: bool = True) -> SPARQLWrapper:
        sparql = SPARQLWrapper(self.url)
        sparql.setMethod(POST)  # long queries and many graph parameters
        sparql.setOnlyConneg(True)
        sparql.setQuery(query)
        # SPARQLWrapper guesses the form with a regular expression that can stop inside a
        # comment: transitions-from's "# question: ... move ..." made it MOVE, an update, sent as
        # update= (refused by `kg serve`). The form is read with the project's SPARQL lexer.
        sparql.queryType = query_form(query)
        # SPARQLWrapper picks a return format per query form; the Accept header below decides.
        sparql.setReturnFormat(JSON if accept.startswith("application/sparql") else TURTLE)
        sparql.addCustomHttpHeader("Accept", accept)
        if self.timeout is not None:
            sparql.setTimeout(max(1, round(self.timeout)))
        if dataset:
            defaults, named = self.dataset_for(query)
            for g in defaults:
                sparql.addDefaultGraph(g)
            for g in named:
                sparql.addNamedGraph(g)
        return sparql

    def _send(self, sparql: SPARQLWrapper) -> tuple[bytes, str]:
        try:
            response = sparql.query().response
            body = response.read()
            if response.headers.get("X-SQL-State") == "S1TAT":
                # Virtuoso's "anytime" answer: cut at its execution time limit, sent as 200 OK.
                raise QueryTimeout(
                    f"{self.url} stopped the query at its time limit and sent an incomplete "
                    f"answer ({response.headers.get('X-SQL-Message', '').strip()[:120]}); "
                    "raise the server's MaxQueryExecutionTime"
                )
            return body, response.headers.get("Content-Type", "")
        except SPARQLWrapperException as exc:
            limit = _time_limit(exc)
            if limit is not None:
                estimated = limit.startswith("estimated")
                raise QueryTimeout(
                    f"{self.url} {'refused' if estimated else 'stopped'} the query at its time "
                    f"limit ({limit}); raise the server's "
                    f"{'MaxQueryCostEstimationTime' if estimated else 'MaxQueryExecutionTime'}"
                    f"{'' if estimated else ', or try again if another client was loading data'}"
                ) from exc
            raise EngineError(f"SPARQL endpoint {self.url} rejected the query: {exc}") from exc
        except urllib.error.HTTPError as exc:
            body = exc.read()[:500].decode("utf-8", "replace")
            raise EngineError(
                f"SPARQL endpoint {self.url} answered HTTP {exc.code}: {body}"
            ) from exc
        except TimeoutError as exc:
            raise QueryTimeout(f"{self.url}: no answer within {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(f"{self.url}: no answer within {self.timeout:g} s") from exc
            raise EngineError(f"cannot reach SPARQL endpoint {self.url}: {exc.reason}") from exc
        except (ConnectionError, OSError) as exc:
            raise EngineError(f"cannot reach SPARQL endpoint {self.url}: {exc}") from exc

    def _json(self, query: str, dataset: bool = True) -> dict[str, Any]:
        body, _ = self._send(self._wrapper(query, "application/sparql-results+json", dataset))
        try:
            return json.loads(body)
        except ValueError as exc:
            raise EngineError(f"{self.url}: not SPARQL JSON results: {body[:200]!r}") from exc

    def manifest_dataset(self) -> tuple[list[str], str | None]:
        """The graphs the last `kg load` put into the store (empty if it has no manifest) and
        its union graph (None if the manifest records none)."""
        query = (
            f"SELECT DISTINCT ?g ?u WHERE {{ GRAPH <{LOAD_MANIFEST_GRAPH}> {{ "
            f"{{ ?d <{SD}namedGraph> ?n . ?n <{SD}name> ?g }} UNION "
            f"{{ ?d <{LOAD_MANIFEST_GRAPH}#union> ?u }} }} }} ORDER BY ?g ?u"
        )
        doc = self._json(query, dataset=False)
        bindings = doc["results"]["bindings"]
        unions = sorted({b["u"]["value"] for b in bindings if "u" in b})
        graphs = sorted({b["g"]["value"] for b in bindings if "g" in b})
        return graphs, (unions[0] if len(unions) == 1 else None)

    def manifest_graphs(self) -> list[str]:
        """The graphs the last `kg load` put into the store (empty if it has no manifest)."""
        return self.manifest_dataset()[0]

    def select(self, query: str) -> Table:
        doc = self._json(query)
        names = tuple(doc.get("head", {}).get("vars", []))
        rows = [tuple(_from_json(b.get(n)) for n in names) for b in doc["results"]["bindings"]]
        return Table(names, rows)

    def ask(self, query: str) -> bool:
        doc = self._json(query)
        if "boolean" not in doc:
            raise EngineError(f"{self.url}: ASK answer has no boolean: {str(doc)[:200]}")
        return bool(doc["boolean"])

    def construct(self, query: str) -> Graph:
        accept = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.5"
        body, ctype = self._send(self._wrapper(query, accept))
        media = ctype.split(";")[0].strip().lower()
        if media not in _GRAPH_MEDIA:
            raise EngineError(f"{self.url}: unexpected CONSTRUCT media type {ctype!r}")
        graph = Graph()
        try:
            graph.parse(data=body, format=_GRAPH_MEDIA[media])
        except Exception as exc:  # rdflib parsers raise many unrelated types
            raise EngineError(f"{self.url}: cannot parse the CONSTRUCT answer: {exc}") from exc
        return canonical_graph(graph)


ENGINES: dict[str, Callable[..., Engine]] = {
    "oxigraph": OxigraphEngine,
    "rdflib": RdflibEngine,
    "remote": RemoteEngine,
}
LOCAL_ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")


def open_engine(
    name: str = DEFAULT_ENGINE,
    source: str | Path = "dist/kg.trig",
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> Engine:
    """Open engine `name` on `source` (a file for local engines, an endpoint URL for remote).

    `options` go to the engine: remote takes default_graphs= and named_graphs=.
    """
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
    return ENGINES[name](source, timeout=timeout, **options)
