"""ESCO occupations below Nesta's level inherit their parent's O*NET match (kg/build/
inherited_matches.py), checked on the slices of tests/data: ESCO v1.1.1 (CC BY 4.0, European
Commission) and Nesta's ESCO-O*NET crosswalk (MIT).

Regression (session 28's skills audit): 1,243 of ESCO's 3,007 occupations had no O*NET, SOC or
wage link, though the crosswalk's README says "Lower ESCO levels inherit their parent's match"."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.inherited_matches import CHAINING, inherited_match_quads
from kg.sources.importers import IMPORTERS, write

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/occupation-kg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def _csv(folder: str, name: str) -> list[dict[str, str]]:
    with (DATA / folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    out = tmp_path_factory.mktemp("inherited")
    store = ox.Store()
    for name in ("esco", "esco-onet-crosswalk", "onet-soc-2019"):
        importer = IMPORTERS[name]
        write(importer, DATA / importer.info.folder, out / f"{name}.nq", progress=False)
        store.bulk_load(path=str(out / f"{name}.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def test_an_occupation_below_nesta_level_inherits_its_parents_match(store: ox.Store) -> None:
    nesta = {r["concept_uri"]: r["onet_code"]
             for r in _csv("crosswalk_esco_onet_nesta_2020", "esco_onet_crosswalk_Nov2020.csv")}
    below = [(r["conceptUri"], r["broaderUri"])
             for r in _csv("esco_v1_1_1_en", "broaderRelationsOccPillar.csv")
             if r["broaderUri"] in nesta and r["conceptUri"] not in nesta]
    assert below, "the slice lost its occupation below a matched one"
    quads = inherited_match_quads(store, BASE)
    matches = {(q.subject.value, q.object.value) for q in quads
               if q.predicate.value == SKOS + "broadMatch"}
    assert matches == {(child, f"{BASE}onet-soc2010/{nesta[parent]}") for child, parent in below}
    assert {q.graph_name.value for q in quads} == {BASE + "graph/derived"}
    # each says how it was found, and from which of Nesta's mappings
    child, target = sorted(matches)[0]
    node = next(q.subject for q in quads if q.object.value == child)
    said = {(q.predicate.value, q.object.value) for q in quads if q.subject == node}
    assert ("https://w3id.org/sssom/mapping_justification", CHAINING) in said
    assert ("http://www.w3.org/2002/07/owl#annotatedTarget", target) in said
    derived_from = [o for p, o in said if p == "http://www.w3.org/ns/prov#wasDerivedFrom"]
    assert len(derived_from) == 1 and derived_from[0].startswith(BASE + "mapping/nesta-")
    # the ancestor's confidence, as Nesta gives it (halved, as sssom:confidence is)
    confidence = [o for p, o in said if p == "https://w3id.org/sssom/confidence"]
    parent = next(r for r in _csv("crosswalk_esco_onet_nesta_2020",
                                  "esco_onet_crosswalk_Nov2020.csv")
                  if r["concept_uri"] == dict(below)[child])
    assert [float(c) for c in confidence] == [float(parent["confidence"]) / 2]
    # an occupation Nesta matches keeps its own match only
    assert not any(s in nesta for s, _ in matches)
    # the same inputs, the same quads, in the same order
    assert inherited_match_quads(store, BASE) == quads


def test_a_low_confidence_match_is_not_passed_on(store: ox.Store) -> None:
    """Regression (session 28's second audit): Nesta matches "higher education lecturer" to
    History Teachers, Postsecondary at its lowest confidence (0.5); its 43 subject lecturers
    all inherited it. Only confidence 1 and 2 are passed on."""
    low = """PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
        DELETE { GRAPH ?g { ?m okg:crosswalkConfidence ?c } }
        INSERT { GRAPH ?g { ?m okg:crosswalkConfidence 0.5 } }
        WHERE { GRAPH ?g { ?m okg:crosswalkConfidence ?c } }"""
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None))
    copy.update(low)
    assert inherited_match_quads(store, BASE)
    assert inherited_match_quads(copy, BASE) == []


def test_pages_and_reconciliation_leave_inherited_matches_out() -> None:
    """Regression (session 28's second audit): as voters the inherited matches moved ESCO
    occupations' own exact labels down, data extension gave every subject lecturer its
    parent's O*NET code, and the O*NET page of 11-3071.00 listed 82 ESCO occupations. They are
    for queries over the graph; the page and reconciliation read Nesta's own matches."""
    from kg.reconcile.index import _esco_through_onet2010
    from kg.serve.equivalents_section import read_equivalents
    from tests.triples import store_of

    parent = "http://data.europa.eu/esco/occupation/aa"  # (hexadecimal, as ESCO ids are)
    child = "http://data.europa.eu/esco/occupation/cc"
    old, now = BASE + "onet-soc2010/11-3051.00", BASE + "onet-soc2019/11-3051.00"
    owl, sssom = "http://www.w3.org/2002/07/owl#", "https://w3id.org/sssom/"
    lines = [f"<{now}> <{SKOS}exactMatch> <{old}> .",
             f'<{old}> <{SKOS}notation> "11-3051.00" .',
             f"<{parent}> <{SKOS}closeMatch> <{old}> .",
             f'<{parent}> <{SKOS}prefLabel> "manufacturing manager"@en .',
             f"<{child}> <{SKOS}broadMatch> <{old}> .",
             f'<{child}> <{SKOS}prefLabel> "industrial production manager"@en .',
             f"<{BASE}mapping/inherited-x> <{owl}annotatedSource> <{child}> .",
             f"<{BASE}mapping/inherited-x> <{owl}annotatedTarget> <{old}> .",
             f"<{BASE}mapping/inherited-x> <{sssom}mapping_justification> <{CHAINING}> ."]
    store = store_of(lines, BASE + "graph/derived")
    labels = {parent: "manufacturing manager", child: "industrial production manager"}
    esco = next(t for t in read_equivalents(store, now, BASE, labels)
                if t.name == "ESCO occupations")
    assert [e.iri for e in esco.entries] == [parent]
    assert _esco_through_onet2010(store) == {now: [parent]}
