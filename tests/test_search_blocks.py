"""The search blocks that label-search reads first (kg/build/search_text.py): every entity with a
search text is in exactly one block, a block's text holds each member's text, the blocks do not
depend on the order the labels came in, and the label search on the seed graph finds through
the blocks what a scan of every okg:searchText finds."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.search_text import BLOCK_SIZE, search_blocks, search_texts
from kg.query.catalog import load_query
from kg.query.engines import open_engine
from kg.query.param_binding import bind_params, escape_string

BASE = "https://w3id.org/occupation-kg/id/"
OKG = "https://w3id.org/occupation-kg/ontology#"


@pytest.fixture(scope="module")
def store(dist: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    return store


def _texts(store: ox.Store) -> dict[str, str]:
    rows = store.query(f"SELECT ?e ?t WHERE {{ ?e <{OKG}searchText> ?t }}",
                       use_default_graph_as_union=True)
    return {row["e"].value: row["t"].value for row in rows}


def test_every_entity_is_in_one_block_whose_text_holds_its_own(store: ox.Store) -> None:
    texts = _texts(store)
    rows = store.query(
        f"SELECT ?b ?bt ?m WHERE {{ ?b <{OKG}searchBlockText> ?bt ; <{OKG}searchBlockMember> ?m }}",
        use_default_graph_as_union=True)
    blocks: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        blocks.setdefault(row["b"].value, (row["bt"].value, []))[1].append(row["m"].value)
    members = [m for _, ms in blocks.values() for m in ms]
    assert sorted(members) == sorted(texts)  # each entity once, none without a text
    assert len(blocks) == -(-len(texts) // BLOCK_SIZE)
    for text, ms in blocks.values():
        assert 1 <= len(ms) <= BLOCK_SIZE
        assert text == "\n".join(texts[m] for m in sorted(ms))


def test_blocks_do_not_depend_on_label_order() -> None:
    pairs = [(f"{BASE}e/{i:03d}", f"Label {i % 7} of {i}") for i in range(40)]
    pairs += [(f"{BASE}e/{i:03d}", f"Other {i}") for i in range(0, 40, 3)]
    forward = list(search_blocks(search_texts(pairs), BASE))
    backward = list(search_blocks(search_texts(reversed(pairs)), BASE))
    assert forward == backward
    assert [len(m) for _, _, m in forward] == [BLOCK_SIZE, BLOCK_SIZE, 40 - 2 * BLOCK_SIZE]
    assert forward[0][0] == f"{BASE}search-block/1"


# What label-search must find, without the blocks: the entities with a search text (those with
# an okg class) that have a preferred or alternative label containing the text.
SCAN = """
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity WHERE {
  ?entity okg:searchText ?t .
  { ?entity skos:prefLabel ?label } UNION { ?entity skos:altLabel ?label }
  FILTER(CONTAINS(LCASE(STR(?label)), TEXT))
}
"""


@pytest.mark.parametrize("text", ["quality", "cPiM", "APICS", "six sigma", "e", "zzzqx"])
def test_label_search_through_blocks_finds_what_a_scan_finds(dist: Path, store: ox.Store,
                                                            text: str) -> None:
    engine = open_engine("oxigraph", dist / "kg.trig")
    query = load_query(None, "label-search")
    table = engine.select(bind_params(query.text, query.params, {"text": text}))
    found = {str(row[0]) for row in table.rows}
    scan = store.query(SCAN.replace("TEXT", escape_string(text.lower())),
                       use_default_graph_as_union=True)
    assert found == {row["entity"].value for row in scan}
    assert bool(found) == (text != "zzzqx")


def test_search_texts_cover_the_labels_of_entities_with_an_okg_class() -> None:
    """#12: the entities and labels are read by three scans joined in Python (one query joining
    them took 15-55 s on the full graph): an IRI with an okg class gets every prefLabel and
    altLabel from any graph; an IRI with only other classes, a blank node, and an okg class's
    unlabelled entity get none."""
    from kg.build.search_text import labelled_entities

    skos = "http://www.w3.org/2004/02/skos/core#"
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    g1, g2 = ox.NamedNode(BASE + "graph/one"), ox.NamedNode(BASE + "graph/two")
    occupation, concept = ox.NamedNode(BASE + "occupation/x"), ox.NamedNode(BASE + "concept/y")
    blank, bare = ox.BlankNode("b"), ox.NamedNode(BASE + "skill/z")
    store = ox.Store()
    store.extend([
        ox.Quad(occupation, a, ox.NamedNode(OKG + "Occupation"), g1),
        ox.Quad(occupation, ox.NamedNode(skos + "prefLabel"), ox.Literal("Welders", language="en"),
                g1),
        ox.Quad(occupation, ox.NamedNode(skos + "altLabel"), ox.Literal("Welder"), g2),
        ox.Quad(concept, a, ox.NamedNode(skos + "Concept"), g1),
        ox.Quad(concept, ox.NamedNode(skos + "prefLabel"), ox.Literal("Concept"), g1),
        ox.Quad(blank, a, ox.NamedNode(OKG + "Skill"), g2),
        ox.Quad(blank, ox.NamedNode(skos + "prefLabel"), ox.Literal("Blank"), g2),
        ox.Quad(bare, a, ox.NamedNode(OKG + "Skill"), g2),
    ])
    assert sorted(labelled_entities(store)) == [(occupation.value, "Welder"),
                                                (occupation.value, "Welders")]
    assert search_texts(labelled_entities(store)) == {occupation.value: "welder\nwelders"}
