"""HTTP content negotiation (RFC 9110 Accept with q-values) and the media types we serve."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Entity documents: suffix -> (media type, rdflib serializer or "html").
ENTITY_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html", "html"),
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
# Extra names clients use for the same formats.
MEDIA_ALIASES: dict[str, str] = {
    "application/xhtml+xml": "text/html",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    # Turtle is N3 (session 32's audit: an entity asked for as text/n3 was a 406)
    "text/n3": "text/turtle",
    "text/rdf+n3": "text/turtle",
    "application/json": "application/ld+json",
    "application/x-json+ld": "application/ld+json",
    "text/plain": "application/n-triples",
    # as the README says and the SPARQL endpoint's graphs do; regression (session 29's
    # attack): an entity, a named graph or the ontology asked for as application/xml was 406
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}



def content_type(media: str) -> str:
    """The Content-Type of an answer in `media`: with charset=utf-8 where the media type
    defines that parameter (text/* and XML), bare otherwise. JSON, JSON-LD, N-Triples and TriG
    are UTF-8 by definition and define no charset; PyLD took "application/ld+json;
    charset=utf-8" for an answer that is not JSON (session 36's client audit)."""
    if media.startswith("text/") or media.endswith(("/xml", "+xml")):
        return f"{media}; charset=utf-8"
    return media


SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
HTML = "text/html"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"

# Media types offered per query form, server preference first (used when the client ties).
SELECT_MEDIA = (SPARQL_JSON, SPARQL_XML, CSV, TSV, HTML)
GRAPH_MEDIA = (TURTLE, JSONLD, NTRIPLES, RDFXML, HTML)
# Aliases for results, including SPARQLWrapper's and YASGUI's Accept values.
RESULT_ALIASES: dict[str, str] = {
    "application/json": SPARQL_JSON,
    "text/javascript": SPARQL_JSON,
    "application/javascript": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "application/xhtml+xml": HTML,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "text/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/x-json+ld": JSONLD,
    "text/plain": NTRIPLES,
}
GRAPH_RESULT_ALIASES: dict[str, str] = {
    **RESULT_ALIASES, "application/json": JSONLD, "application/xml": RDFXML, "text/xml": RDFXML,
}
# `format=` / `output=` parameter values (SPARQLWrapper sends these too) -> media type.
FORMAT_PARAM: dict[str, str] = {
    "json": SPARQL_JSON,
    "srj": SPARQL_JSON,
    "xml": SPARQL_XML,
    "srx": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "html": HTML,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "n3": TURTLE,
    "json-ld": JSONLD,
    "jsonld": JSONLD,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "rdf": RDFXML,
    "rdf+xml": RDFXML,
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    q: float
    order: int
    aliased: bool = False  # written as another name of the type (application/json)

    def matches(self, media: str) -> int:
        """Specificity of the match (4 exact, 3 through an alias, 2 type/*, 1 */*), 0 for none.
        The type named as such decides over an alias of it: "application/json;q=0,
        application/sparql-results+json" accepts the latter (it was a 406)."""
        if self.type == media:
            return 3 if self.aliased else 4
        main = media.split("/")[0]
        if self.type == f"{main}/*":
            return 2
        if self.type == "*/*":
            return 1
        return 0


def parse_accept(header: str | None, aliases: dict[str, str] | None = None) -> list[MediaRange]:
    if not header or not header.strip():
        return [MediaRange("*/*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                # RFC 9110 12.4.2's qvalue: 0 to 1, three decimals at most. float() took
                # "nan" (and max/min kept it, ranking text/csv;q=nan first) and "1e-1"; a
                # malformed weight makes the range unacceptable
                q = float(value) if _QVALUE.fullmatch(value.strip()) else 0.0
        named = (aliases or {}).get(media, media)
        ranges.append(MediaRange(named, q, order, aliased=named != media))
    return ranges


_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def negotiate(
    header: str | None, offered: tuple[str, ...] | list[str], aliases: dict[str, str] | None = None
) -> str | None:
    """The offered media type the client prefers (q, then the server's order); None if the
    client accepts none of them (406)."""
    ranges = parse_accept(header, aliases)
    best: tuple[float, int, int] | None = None
    choice = None
    for rank, media in enumerate(offered):
        # The most specific range that matches decides this type's q (RFC 9110 12.5.1).
        matched = [(r.matches(media), r) for r in ranges if r.matches(media)]
        if not matched:
            continue
        _, rng = max(matched, key=lambda m: (m[0], -m[1].order))
        if rng.q <= 0:
            continue
        key = (rng.q, -rank, 0)
        if best is None or key > best:
            best, choice = key, media
    return choice
