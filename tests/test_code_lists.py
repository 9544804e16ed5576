"""The observations as a well-formed RDF Data Cube: the conditions of the W3C Data Cube's
well-formedness checks IC-4 (every dimension has a range), IC-5 (a dimension whose range is
skos:Concept has a code list) and IC-19 (every value of such a dimension is in its code list),
which the full graph failed before session 35 (refPeriod had no range; okg:occupation no code
list), and IC-12 (no two observations of a dataset share every dimension value). The queries are
this project's; test_full_build.py runs them on the full graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from kg.build.code_lists import CODE_LISTS
from kg.prefixes import OKG

QB = Namespace("http://purl.org/linked-data/cube#")
ONTOLOGY = Path(__file__).parents[1] / "ontology" / "occupation-kg.ttl"
PREFIXES = """
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# The dimensions of a structure that the graph gives no range (IC-4's condition).
DIMENSIONS_WITHOUT_RANGE = PREFIXES + """
SELECT DISTINCT ?dimension WHERE {
  ?structure a qb:DataStructureDefinition ; qb:component/qb:dimension ?dimension .
  FILTER NOT EXISTS { ?dimension rdfs:range ?range }
}"""
# The concept-valued dimensions of a structure without a code list (IC-5's condition).
CONCEPT_DIMENSIONS_WITHOUT_LIST = PREFIXES + """
SELECT DISTINCT ?dimension WHERE {
  ?structure a qb:DataStructureDefinition ; qb:component/qb:dimension ?dimension .
  ?dimension rdfs:range skos:Concept .
  FILTER NOT EXISTS { ?dimension qb:codeList ?list }
}"""
# Observation values outside their dimension's code list (IC-19's condition, for concept schemes
# and for flat collections: the graph's code lists hold no collections, and a skos:member+ path
# took minutes on the full graph, whose ESCO collections have thousands of members); each
# distinct value checked once (35,758 observations give 1,398 occupations on the full graph).
VALUES_OUTSIDE_THE_LIST = PREFIXES + """
SELECT ?dimension ?value WHERE {
  { SELECT DISTINCT ?list ?dimension ?value WHERE {
      ?dimension qb:codeList ?list .
      ?observation ?dimension ?value } }
  FILTER NOT EXISTS { ?list skos:member ?value }
  FILTER NOT EXISTS { ?value skos:inScheme ?list }
}
LIMIT 10"""

# Observations of one dataset that share every dimension value (IC-12's condition). The spec's
# query compares observations pairwise, which did not finish on the full graph's 35,758; grouping
# on the dimensions the structure declares gives the same answer (2.8 s on the full store).
# DISTINCT: read with use_default_graph_as_union, a triple in two graphs is two solutions;
# on the build store, whose default graph holds the union, every triple is (the first
# full-scale run counted each observation 2^5 = 32 times, one per pattern).
DUPLICATE_OBSERVATIONS = PREFIXES + """
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
SELECT ?dataset ?occupation ?industry ?statistic ?period (COUNT(DISTINCT ?observation) AS ?copies)
WHERE {
  ?observation qb:dataSet ?dataset ; okg:occupation ?occupation ; okg:industry ?industry ;
               okg:statistic ?statistic ; sdmx-dimension:refPeriod ?period .
}
GROUP BY ?dataset ?occupation ?industry ?statistic ?period
HAVING (COUNT(DISTINCT ?observation) > 1)
LIMIT 10"""


def outside_the_code_lists(store: ox.Store) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row)
            for row in store.query(VALUES_OUTSIDE_THE_LIST, use_default_graph_as_union=True)]


@pytest.fixture(scope="module")
def published(dist: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    return store


def test_the_build_states_the_code_lists_the_ontology_names() -> None:
    ontology = Graph().parse(ONTOLOGY)
    named = {str(d): str(c) for d, c in ontology.subject_objects(QB.codeList)}
    assert named == {str(d): str(c) for d, c in CODE_LISTS.items()}


def test_every_dimension_has_a_range_and_a_concept_one_a_code_list(published: ox.Store) -> None:
    for query in (DIMENSIONS_WITHOUT_RANGE, CONCEPT_DIMENSIONS_WITHOUT_LIST):
        assert not list(published.query(query, use_default_graph_as_union=True)), query


def test_every_observation_value_is_in_its_code_list(published: ox.Store) -> None:
    assert not outside_the_code_lists(published)
    occupations = {str(row[0]) for row in published.query(
        "SELECT DISTINCT ?v WHERE { ?o <https://w3id.org/occupation-kg/ontology#occupation> ?v }",
        use_default_graph_as_union=True)}
    members = {str(row[0]) for row in published.query(
        "SELECT ?m WHERE { <https://w3id.org/occupation-kg/ontology#ObservedOccupations> "
        "<http://www.w3.org/2004/02/skos/core#member> ?m }", use_default_graph_as_union=True)}
    assert occupations and members == occupations
    # and the check finds a value left out
    altered = ox.Store()
    altered.extend(q for q in published if not (
        q.predicate == ox.NamedNode("http://www.w3.org/2004/02/skos/core#member")
        and q.subject == ox.NamedNode(str(URIRef(CODE_LISTS[OKG.occupation])))))
    assert outside_the_code_lists(altered)


def test_no_two_observations_of_a_dataset_share_their_dimension_values(
        published: ox.Store) -> None:
    assert not list(published.query(DUPLICATE_OBSERVATIONS, use_default_graph_as_union=True))
    # and the check finds a copy: one observation again under a new IRI
    altered = ox.Store()
    altered.extend(published)
    observation = next(iter(published.query(
        "SELECT ?o WHERE { ?o a <https://w3id.org/occupation-kg/ontology#Observation> } LIMIT 1",
        use_default_graph_as_union=True)))[0]
    copy = ox.NamedNode(observation.value + "-copy")
    altered.extend(ox.Quad(copy, q.predicate, q.object, q.graph_name)
                   for q in published.quads_for_pattern(observation, None, None))
    assert list(altered.query(DUPLICATE_OBSERVATIONS, use_default_graph_as_union=True))
