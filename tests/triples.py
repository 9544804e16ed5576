"""A store of a few N-Triples lines written in a test: the facts a regression needs, shown where
the test states them, instead of an import of a whole slice."""

from __future__ import annotations

import pyoxigraph as ox


def store_of(lines: list[str], graph: str | None = None) -> ox.Store:
    """An in-memory store holding `lines` (N-Triples), in the named graph `graph` if given
    (the served store's pages read the named graphs), else in the default graph."""
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(graph) if graph else ox.DefaultGraph())
    return store


def turtle_store(turtle: str) -> ox.Store:
    """An in-memory store holding a few Turtle lines in its default graph."""
    store = ox.Store()
    store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


def onet_occupations(titles: dict[str, tuple[str, ...]]) -> str:
    """Turtle for O*NET-SOC 2019 occupations: code -> (preferred title, alternate titles ...)."""
    lines = ["@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
             "@prefix id: <https://w3id.org/occupation-kg/id/> ."]
    for code, (title, *alternates) in titles.items():
        alts = "".join(f' ; skos:altLabel "{a}"@en' for a in alternates)
        lines.append(f'id:onet-soc2019\\/{code} skos:inScheme id:scheme\\/onet-soc2019 ; '
                     f'skos:notation "{code}" ; skos:prefLabel "{title}"@en{alts} .')
    return "\n".join(lines) + "\n"
