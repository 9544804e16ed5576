"""Make an in-memory store's default graph the set union of its graphs, once, after loading.

pyoxigraph 0.5's `use_default_graph_as_union` (and any merge of several graphs as the default
graph) counts a triple once per graph that states it (oxigraph issue #1919, fixed after 0.5 by
pull request #1920): COUNTs double and a LIMIT fills with repeats. The persistent store a build
writes holds the union, de-duplicated, as its default graph; an in-memory store loaded from
kg.trig gets the same here, so both answer every query with the same rows.
"""

from __future__ import annotations

import pyoxigraph as ox

_COPY = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def materialise_union(store: ox.Store) -> None:
    """Copy every named graph's triples into the default graph (a set: each triple once)."""
    if next(iter(store.named_graphs()), None) is not None:
        store.update(_COPY)
