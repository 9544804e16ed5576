"""The SPARQL 1.1 Protocol endpoint (read-only), shared by /sparql, /query and /queries/NAME.

- query via GET `?query=`, POST `application/x-www-form-urlencoded` (`query=`) or POST
  `application/sparql-query` (the body, UTF-8 only).
- The dataset (SPARQL 1.1 Query 13.2, Protocol 2.1.4): `default-graph-uri` /
  `named-graph-uri` parameters, when either is given, are exactly the dataset (overriding FROM /
  FROM NAMED); otherwise the query's own FROM / FROM NAMED; with neither, the default graph is
  the union of all graphs and every named graph is available (the service description says so:
  sd:UnionDefaultGraph). Relative IRIs resolve against the published data base (`/id/`).
- SELECT/ASK: SPARQL JSON, XML, CSV, TSV (or an HTML table); CONSTRUCT/DESCRIBE: Turtle, JSON-LD,
  N-Triples, RDF/XML — by Accept, or by a `format=`/`output=` parameter, which wins.
- Read-only: an `update=` parameter, an `application/sparql-update` body or a query whose first
  keyword is an update operation gets 403; SERVICE (federation) gets 400: the server makes no
  outbound requests.
- Limits: each query runs in a worker process under the time limit (503 with a message when it
  is exceeded). An answer over `max_results` rows or triples is never cut silently: it is
  refused with 422 and a message saying how to page (ORDER BY + LIMIT/OFFSET); the HTML view
  shows the first `max_results` with a visible notice. Per-client fairness (kg.serve.fairness)
  answers 429 with Retry-After.
- Malformed queries: 400 with the parser's message; groups nested deeper than MAX_NESTING, and
  more than MAX_OPERATORS operators, are refused before they reach the engine (its parser
  recurses along both and would overflow its stack).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Graph, Literal, URIRef

from kg.query.param_binding import stray_backslash, tokens
from kg.query.results import Table, exact_literal, turtle_text, write_csv, write_json, write_tsv
from kg.serve import negotiation as neg
from kg.serve.fairness import ClientGate, Refused
from kg.serve.query_pool import (
    PoolBusy,
    PoolError,
    QueryAnswer,
    QueryPool,
    QueryRequest,
    RawTerm,
)
from kg.serve.responses import Response
from kg.serve.store import BaseMap, rewrite_query_iris

UPDATE_KEYWORDS = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
}
GRAPH_SERIALIZERS = {
    neg.TURTLE: "turtle",
    neg.JSONLD: "json-ld",
    neg.NTRIPLES: "nt",
    neg.RDFXML: "xml",
}


MAX_NESTING = 200  # pyoxigraph's parser overflows the stack at a few thousand levels
# Operators (! - + * / && || = < > ^) and groups ({ }) in one query: pyoxigraph's parser also
# recurses along a flat chain of either ("!!!...true", "1+1+...+1", "a/b/.../z", "{..} UNION
# {..} UNION ..." or OPTIONAL after OPTIONAL), and 10,000-15,000 of them crashed a worker.
MAX_OPERATORS = 2000
MAX_GROUPS = 2000
_OPERATORS = frozenset("!-+*/&|=<>^")
OVER_LIMIT = 422
PROTOCOL_MEDIA = ("application/x-www-form-urlencoded", "application/sparql-query")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}

    def response(self) -> Response:
        return Response.text(self.status, str(self), Vary="Accept", **self.headers)


@dataclass
class Result:
    """An answer in rdflib terms (for the writers and the HTML pages)."""

    form: str  # select | ask | graph
    table: Table | None = None
    boolean: bool = False
    graph: Graph | None = None
    truncated: bool = False
    seconds: float = 0.0


def first_keyword(query: str) -> str | None:
    """The first keyword after the prologue (PREFIX/BASE declarations)."""
    toks = list(tokens(query))
    i = 0
    while i < len(toks):
        word = toks[i].text.upper() if toks[i].kind == "word" else None
        if word == "PREFIX":
            i += 3
        elif word == "BASE":
            i += 2
        else:
            return word
    return None


def _names_service(word: str) -> bool:
    """The keyword SERVICE, alone or where pyoxigraph may read it off a word: `SERVICE:svc` and
    `true.SERVICE:svc` are prefixed names to this lexer but SERVICE and `:svc` to pyoxigraph,
    which then fetched the URL (session 30's second audit). Any dot-separated part of a word's
    prefix that is SERVICE refuses it: a prefix so named is refused too, the safe side."""
    prefix = word.split(":", 1)[0]
    return any(part.upper() == "SERVICE" for part in prefix.split("."))


def check_read_only(query: str) -> None:
    word = first_keyword(query)
    if word in UPDATE_KEYWORDS:
        raise ProtocolError(403, f"this endpoint is read-only: SPARQL Update ({word}) is refused")
    if stray_backslash(query):
        raise ProtocolError(400, "a backslash outside a string or a prefixed name's escape is "
                                 "not SPARQL")
    if any(t.kind == "word" and _names_service(t.text) for t in tokens(query)):
        raise ProtocolError(400, "SERVICE (federated query) is not allowed on this endpoint")
    depth = nesting(query)
    if depth > MAX_NESTING:
        raise ProtocolError(
            400, f"the query nests groups and brackets {depth} levels deep; at most "
            f"{MAX_NESTING} are accepted"
        )
    operators, groups = chain_counts(query)
    if operators > MAX_OPERATORS:
        raise ProtocolError(
            400, f"the query has {operators} operators; at most {MAX_OPERATORS} are accepted"
        )
    if groups > MAX_GROUPS:
        raise ProtocolError(
            400, f"the query has {groups} groups {{ }}; at most {MAX_GROUPS} are accepted"
        )


def chain_counts(query: str) -> tuple[int, int]:
    """Operators and groups outside strings, IRIs and comments. `^^` (a literal's datatype)
    is no operator; `&&` and `||` count once."""
    operators = groups = 0
    previous = None
    for tok in tokens(query):
        if tok.kind == "open":
            groups += 1
        elif tok.kind == "other" and tok.text in _OPERATORS:
            pair = previous is not None and previous.end == tok.start \
                and previous.text == tok.text and tok.text in "^&|"
            if pair and tok.text == "^":
                operators -= 1  # the first ^ of a ^^ was counted
            elif not pair:
                operators += 1
            previous = None if pair else tok
            continue
        previous = None
    return operators, groups


def nesting(query: str) -> int:
    """The deepest nesting of { } ( ) [ ] outside strings, IRIs and comments."""
    depth = deepest = 0
    for tok in tokens(query):
        if tok.kind == "open" or tok.text in ("(", "["):
            depth += 1
            deepest = max(deepest, depth)
        elif tok.kind == "close" or tok.text in (")", "]"):
            depth = max(0, depth - 1)
    return deepest


def graph_iris(parameter: str, values: tuple[str, ...], base: str) -> tuple[str, ...]:
    """The dataset parameter's IRIs, a relative one resolved against the published data base
    (as in FROM); a value that is no IRI is the client's error (400), not the engine's."""
    import pyoxigraph as ox

    out = []
    for value in values:
        if not value.strip():
            raise ProtocolError(400, f"{parameter} is empty: give a graph IRI")
        iri = urljoin(base, value)
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ProtocolError(400, f"{parameter} {value!r} is not an IRI ({exc})") from None
        out.append(iri)
    return tuple(out)


def has_dataset_clause(query: str) -> bool:
    """True if the query has FROM or FROM NAMED (the keyword occurs nowhere else in SPARQL)."""
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(query))


def protocol_query(
    method: str, content_type: str, params: Mapping[str, list[str]], body: bytes
) -> str:
    """The query text of a SPARQL Protocol request, or ProtocolError."""
    if "update" in params:
        raise ProtocolError(403, "this endpoint is read-only: `update` requests are refused")
    media, _, rest = content_type.partition(";")
    media = media.strip().lower()
    if method == "POST" and media == "application/sparql-update":
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
    if method == "POST" and media not in PROTOCOL_MEDIA:
        raise ProtocolError(
            415, f"POST a query as {' or '.join(PROTOCOL_MEDIA)} (got "
            f"{media or 'no Content-Type'})"
        )
    if method == "POST" and media == "application/sparql-query":
        if "query" in params:  # which one was meant? the URL's was ignored without a word
            raise ProtocolError(400, "a query in the body and a `query` parameter: send one")
        charset = _charset(rest)
        if charset not in ("", "utf-8", "utf8"):
            raise ProtocolError(415, f"the query must be UTF-8 (charset={charset} was sent)")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(400, f"the query is not valid UTF-8: {exc}") from None
    else:
        queries = params.get("query", [])
        if len(queries) != 1:
            raise ProtocolError(
                400, "expected exactly one `query` parameter" if queries else "no `query` given"
            )
        query = queries[0]
    if not query.strip():
        raise ProtocolError(400, "the query is empty")
    return query


def _charset(params: str) -> str:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def result_media(form: str, accept: str | None, fmt: str | None) -> str:
    offered = neg.SELECT_MEDIA if form in ("SELECT", "ASK") else neg.GRAPH_MEDIA
    if fmt:
        name = fmt.lower()
        if form not in ("SELECT", "ASK") and name in ("xml", "json"):
            name = "rdf+xml" if name == "xml" else "json-ld"  # as SPARQLWrapper means them
        media = neg.FORMAT_PARAM.get(name) or (fmt if fmt in offered else None)
        if media in offered:
            return media  # type: ignore[return-value]
        raise ProtocolError(400, f"format {fmt!r} is not available for a {form} query")
    # A graph asked for as plain JSON or XML is JSON-LD or RDF/XML, as `format=json`/`xml`
    # is (and as an entity IRI answers application/json).
    aliases = neg.RESULT_ALIASES if form in ("SELECT", "ASK") else neg.GRAPH_RESULT_ALIASES
    media = neg.negotiate(accept, offered, aliases)
    if media is None:
        raise ProtocolError(
            406, f"none of the accepted media types can carry a {form} result: "
            f"offered {', '.join(offered)}"
        )
    return media


def _term(raw: RawTerm | None) -> URIRef | BNode | Literal | None:
    if raw is None:
        return None
    if raw[0] == "u":
        return URIRef(raw[1])
    if raw[0] == "b":
        return BNode(raw[1])
    # the store's term as it is: the endpoint answers with the data's own lexical forms
    return exact_literal(raw[1], raw[2], raw[3] or None)


def to_result(answer: QueryAnswer, mapping: BaseMap) -> Result:
    if answer.form == "ask":
        return Result("ask", boolean=answer.boolean, seconds=answer.seconds)
    if answer.form == "select":
        rows = [tuple(_term(c) for c in row) for row in answer.rows]
        return Result(
            "select", table=Table(answer.variables, rows), truncated=answer.truncated,
            seconds=answer.seconds,
        )
    from kg.prefixes import prefix_map

    graph = Graph()
    for prefix, ns in prefix_map(mapping.public).items():
        graph.bind(prefix, ns, override=True, replace=True)
    for s, p, o in answer.triples:
        graph.add((_term(s), _term(p), _term(o)))  # type: ignore[arg-type]
    return Result("graph", graph=graph, truncated=answer.truncated, seconds=answer.seconds)


# Characters XML 1.0 cannot carry, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_xml(table: Table | None, boolean: bool | None = None) -> str:
    """W3C SPARQL Query Results XML Format. An answer holding a character that XML 1.0 cannot
    carry (a computed "a\u0001b") is a 406: it used to be written as it was, not well-formed."""
    for row in table.rows if table is not None else []:
        for term in row:
            if term is not None and _NOT_XML.search(str(term)):
                raise ProtocolError(
                    406, "the answer holds a character that XML 1.0 cannot carry "
                    f"(U+{ord(_NOT_XML.search(str(term))[0]):04X}); ask for JSON, CSV or TSV")
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if table is None:
        out += ["  <head/>", f"  <boolean>{'true' if boolean else 'false'}</boolean>"]
        return "\n".join(out + ["</sparql>"]) + "\n"
    out.append("  <head>")
    out += [f"    <variable name={quoteattr(v)}/>" for v in table.variables]
    out += ["  </head>", "  <results>"]
    for row in table.rows:
        out.append("    <result>")
        for var, term in zip(table.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, URIRef):
                inner = f"<uri>{xml_escape(str(term))}</uri>"
            elif isinstance(term, BNode):
                inner = f"<bnode>{xml_escape(str(term))}</bnode>"
            else:
                attrs = ""
                if term.language:
                    attrs = f" xml:lang={quoteattr(term.language)}"
                elif term.datatype:
                    attrs = f" datatype={quoteattr(str(term.datatype))}"
                inner = f"<literal{attrs}>{xml_escape(str(term))}</literal>"
            out.append(f"      <binding name={quoteattr(var)}>{inner}</binding>")
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


def over_limit(max_results: int, form: str) -> ProtocolError:
    """The refusal of an answer with more than `max_results` rows or triples."""
    what = "rows" if form == "select" else "triples"
    return ProtocolError(
        OVER_LIMIT,
        f"the answer has more than {max_results} {what}, the limit of this endpoint "
        f"(--max-results); nothing was cut. Ask for it in pages: LIMIT {max_results} OFFSET "
        f"0, then OFFSET {max_results}, OFFSET {2 * max_results}, ... until a page has fewer "
        f"{what} (this server's order is the same for every page; an ORDER BY sorts the whole "
        "answer for each page, which for millions of rows exceeds a query's memory or time); "
        "or narrow the query, or count with COUNT(*). The whole graph is a download: "
        "/download/kg.nt.",
        {"X-KG-Result-Limit": str(max_results)},
    )


def serialize(result: Result, media: str, max_results: int) -> Response:
    """A non-HTML answer in `media`; an answer over the limit is refused (422), never cut."""
    if result.truncated:
        return over_limit(max_results, result.form).response()
    headers = {"Vary": "Accept", "X-KG-Result-Limit": str(max_results)}
    if result.form == "graph":
        assert result.graph is not None
        fmt = GRAPH_SERIALIZERS[media]
        if fmt == "json-ld":
            from kg.prefixes import prefix_map

            text = result.graph.serialize(format="json-ld", context=prefix_map(), indent=2)
        elif fmt == "turtle":
            text = turtle_text(result.graph)
        else:
            text = result.graph.serialize(format=fmt)
        return Response(200, text.encode("utf-8"), neg.content_type(media), headers)
    if media == neg.SPARQL_XML:
        try:
            text = write_xml(result.table, result.boolean if result.form == "ask" else None)
        except ProtocolError as exc:
            return exc.response()
    elif result.form == "ask":
        if media == neg.SPARQL_JSON:
            text = '{"head": {}, "boolean": ' + ("true" if result.boolean else "false") + "}\n"
        elif media == neg.CSV:
            text = "_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n"
        else:
            text = "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
    else:
        assert result.table is not None
        writer = {neg.SPARQL_JSON: write_json, neg.CSV: write_csv, neg.TSV: write_tsv}[media]
        text = writer(result.table)
    return Response(200, text.encode("utf-8"), neg.content_type(media), headers)


class SparqlService:
    """Runs protocol requests through the worker pool."""

    def __init__(
        self, pool: QueryPool, mapping: BaseMap, max_results: int,
        gate: ClientGate | None = None,
    ):
        self.pool = pool
        self.mapping = mapping
        self.max_results = max_results
        self.gate = gate or ClientGate(max(1, pool.size - 1), 8 * pool.size, pool.timeout)

    def query_form(self, query: str) -> str:
        from kg.query.param_binding import ParamError, query_form

        try:
            return query_form(query)
        except ParamError as exc:
            word = first_keyword(query)
            if word in UPDATE_KEYWORDS:
                raise ProtocolError(
                    403, "this endpoint is read-only: SPARQL Update is refused"
                ) from None
            raise ProtocolError(400, f"SPARQL syntax error: {exc}") from exc

    def run(
        self, query: str, default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = ()
    ) -> Result:
        check_read_only(query)
        default_graphs = graph_iris("default-graph-uri", default_graphs, self.mapping.public)
        named_graphs = graph_iris("named-graph-uri", named_graphs, self.mapping.public)
        text = rewrite_query_iris(query, self.mapping)
        if default_graphs or named_graphs:
            dataset = "protocol"
        else:
            dataset = "query" if has_dataset_clause(text) else "union"
        req = QueryRequest(
            text, self.max_results,
            tuple(self.mapping.to_public(g) for g in default_graphs),
            tuple(self.mapping.to_public(g) for g in named_graphs),
            dataset=dataset, base_iri=self.mapping.public,
        )
        retry = {"Retry-After": str(self.gate.retry_after)}
        try:
            with self.gate.slot():
                answer = self.pool.run(req)
        except Refused as exc:
            raise ProtocolError(exc.status, str(exc), {"Retry-After": str(exc.retry_after)}) \
                from exc
        except PoolError as exc:
            # Only a busy pool is worth retrying: the same query runs out of time or memory
            # again. Regression (session 29's audit): a timeout's Retry-After made a client
            # library that honours it send the hopeless query again.
            raise ProtocolError(exc.status, str(exc), retry if isinstance(exc, PoolBusy)
                                else {}) from exc
        return to_result(answer, self.mapping)
