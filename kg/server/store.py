"""Load dist/kg.trig into an in-memory Oxigraph store under the PUBLISHED base.

Base mapping. The build mints data IRIs under its base (void:uriSpace in void.ttl, by default
https://w3id.org/occupation-kg/id/). The server is published under `--base` (by default
http://HOST:PORT/id/). Every IRI that starts with the build base is rewritten, term by term, to
the published base once, when the store is loaded; the store, the entity pages, the RDF
descriptions, the SPARQL endpoint and the stored queries therefore all speak the published IRIs,
so every IRI in every answer dereferences on this server. SPARQL text sent to the server gets the
same mapping for its IRI tokens (`rewrite_query_iris`), so a query written with the canonical
IRIs still matches. The files under /download/ stay byte-identical to the build (their checksums
are published), so they keep the canonical IRIs.

This module imports only pyoxigraph: the query worker processes import it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

DEFAULT_DATA_BASE = "https://w3id.org/occupation-kg/id/"
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
    """dist/kg.trig (named graphs kept) in memory, IRIs under the published base."""
    store = ox.Store()
    quads = ox.parse(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    store.bulk_extend(mapping.quads(quads))
    return store
