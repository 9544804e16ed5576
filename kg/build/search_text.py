"""One lower-cased search text per entity that has an okg class, derived from its labels.

SPARQL 1.1 has no text index, so a case-insensitive "label contains" search reads every
skos:prefLabel and skos:altLabel in the graph: about 245,000 literals once O*NET and ESCO are
imported, some 200 ms on the embedded store, while the entities that the label-search query can
return (those with an okg class) have about 30,000 texts. okg:searchText gives each of them its
labels, lower-cased, de-duplicated, sorted and joined by line breaks, in graph/derived: the
query tests that one literal first and the labels only of the entities that pass. It repeats
the labels, it says nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Quad, Store

from kg.prefixes import OKG, SKOS

SEARCH_TEXT = OKG.searchText

# The entities (IRIs) with an okg class, and their preferred and alternative labels.
_LABELS = f"""
SELECT DISTINCT ?entity ?label WHERE {{
  ?entity a ?kind .
  FILTER(isIRI(?entity) && STRSTARTS(STR(?kind), "{OKG}"))
  {{ ?entity <{SKOS.prefLabel}> ?label }} UNION {{ ?entity <{SKOS.altLabel}> ?label }}
}}
"""


def search_texts(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """entity IRI -> its search text, from (entity IRI, label) pairs; the same for any order."""
    labels: dict[str, set[str]] = {}
    for entity, label in pairs:
        labels.setdefault(entity, set()).add(label.lower())
    return {entity: "\n".join(sorted(texts)) for entity, texts in sorted(labels.items())}


def add_search_texts(store: Store, base: str) -> int:
    """Add okg:searchText for every entity of the store (curated and imported) to
    graph/derived; return the number of texts. A derived stage of kg.build.derived."""
    graph = NamedNode(base + "graph/derived")
    predicate = NamedNode(str(SEARCH_TEXT))
    rows = store.query(_LABELS, use_default_graph_as_union=True)
    texts = search_texts((row["entity"].value, row["label"].value) for row in rows)
    store.extend(Quad(NamedNode(entity), predicate, OxLiteral(text), graph)
                 for entity, text in texts.items())
    return len(texts)
