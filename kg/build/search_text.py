"""One lower-cased search text per entity that has an okg class, derived from its labels.

SPARQL 1.1 has no text index, so a case-insensitive "label contains" search reads every
skos:prefLabel and skos:altLabel in the graph: about 245,000 literals once O*NET and ESCO are
imported, some 200 ms on the embedded store, while the entities that the label-search query can
return (those with an okg class) have about 30,000 texts. okg:searchText gives each of them its
labels, lower-cased, de-duplicated, sorted and joined by line breaks, in graph/derived: the
query tests that one literal first and the labels only of the entities that pass. It repeats
the labels, it says nothing new.

On the on-disk store each literal tested is a read of its own (47,000 texts on the full graph:
about a second), so the entities, in IRI order, are also grouped into search blocks of
BLOCK_SIZE: a block node (`id/search-block/N`) has okg:searchBlockText, its members' texts
joined by line breaks, and okg:searchBlockMember for each member. A search tests the ~3,000
block texts first and the texts only of the members of blocks that contain the search text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Quad, Store

from kg.build.store import add_quads
from kg.prefixes import OKG, SKOS

SEARCH_TEXT = OKG.searchText
SEARCH_BLOCK_TEXT = OKG.searchBlockText
SEARCH_BLOCK_MEMBER = OKG.searchBlockMember
# Entities per block: a search reads about N / BLOCK_SIZE block texts plus BLOCK_SIZE texts per
# block that matches, least near sqrt(N / matches): 16 for N = 47,000 entities, 200 matches.
BLOCK_SIZE = 16

# The entities with an okg class come from three scans joined in Python: the classes in use,
# the IRIs typed with the okg ones, every preferred and alternative label. One query joining
# them (labels per typed entity, or types per label) took 15-55 s on the full graph, 8 s this way.
_CLASSES = "SELECT DISTINCT ?kind WHERE { ?entity a ?kind }"
_TYPED = "SELECT DISTINCT ?entity WHERE {{ VALUES ?kind {{ {kinds} }} ?entity a ?kind }}"
_LABELS = f"""
SELECT ?entity ?label WHERE {{
  {{ ?entity <{SKOS.prefLabel}> ?label }} UNION {{ ?entity <{SKOS.altLabel}> ?label }}
}}
"""


def labelled_entities(store: Store) -> Iterator[tuple[str, str]]:
    """(entity IRI, label) for every label of an IRI that has an okg class, in the union of
    the named graphs."""
    kinds = [row["kind"] for row in store.query(_CLASSES, use_default_graph_as_union=True)]
    okg = " ".join(str(k) for k in kinds
                   if isinstance(k, NamedNode) and k.value.startswith(str(OKG)))
    if not okg:
        return
    typed = {row["entity"] for row in store.query(_TYPED.format(kinds=okg),
                                                  use_default_graph_as_union=True)}
    for row in store.query(_LABELS, use_default_graph_as_union=True):
        entity = row["entity"]
        if type(entity) is NamedNode and entity in typed:
            yield entity.value, row["label"].value


def search_texts(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """entity IRI -> its search text, from (entity IRI, label) pairs; the same for any order."""
    labels: dict[str, set[str]] = {}
    for entity, label in pairs:
        labels.setdefault(entity, set()).add(label.lower())
    return {entity: "\n".join(sorted(texts)) for entity, texts in sorted(labels.items())}


def search_blocks(texts: dict[str, str], base: str) -> Iterator[tuple[str, str, list[str]]]:
    """(block IRI, block text, member IRIs) for entity -> text, BLOCK_SIZE entities a block in
    IRI order, so the same texts give the same blocks."""
    entities = sorted(texts)
    for number, start in enumerate(range(0, len(entities), BLOCK_SIZE), start=1):
        members = entities[start:start + BLOCK_SIZE]
        yield (f"{base}search-block/{number}", "\n".join(texts[e] for e in members), members)


def add_search_texts(store: Store, base: str) -> int:
    """Add okg:searchText for every entity of the store (curated and imported), and the search
    blocks, to graph/derived; return the number of quads added. A derived stage of
    kg.build.derived."""
    graph = NamedNode(base + "graph/derived")
    predicate = NamedNode(str(SEARCH_TEXT))
    texts = search_texts(labelled_entities(store))
    block_text, member = NamedNode(str(SEARCH_BLOCK_TEXT)), NamedNode(str(SEARCH_BLOCK_MEMBER))

    def quads() -> Iterator[Quad]:
        for entity, text in texts.items():
            yield Quad(NamedNode(entity), predicate, OxLiteral(text), graph)
        for block, text, members in search_blocks(texts, base):
            node = NamedNode(block)
            yield Quad(node, block_text, OxLiteral(text), graph)
            yield from (Quad(node, member, NamedNode(e), graph) for e in members)

    return add_quads(store, quads())
