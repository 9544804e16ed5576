"""dist/void.ttl is a DCAT-AP 3.0.0 catalogue record: the published SHACL shapes accept it, and
it has the recommended properties those shapes do not check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, VOID, XSD

ROOT = Path(__file__).resolve().parents[1]
VOCAB = Path(os.environ.get("KG_SHARED_DIR", ROOT.parent / "shared")) / "vocab"
DCAT_AP_SHAPES = VOCAB / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"
# The vocabularies the shapes' classes and ranges come from (all vendored; nothing fetched).
IMPORTS = ("dcat3.ttl", "dcterms.ttl", "skos.ttl", "void.ttl", "prov.ttl")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
OKG = Namespace("https://w3id.org/occupation-kg/ontology#")
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
BASE = "https://w3id.org/occupation-kg/id/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    if not DCAT_AP_SHAPES.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the DCAT-AP shapes are missing at {DCAT_AP_SHAPES}")
        pytest.skip(f"the DCAT-AP 3.0.0 shapes are not at {DCAT_AP_SHAPES}")
    return Graph().parse(DCAT_AP_SHAPES, format="turtle")


@pytest.fixture(scope="module")
def vocabularies(shapes: Graph) -> Graph:
    graph = Graph()
    for name in IMPORTS:
        graph.parse(VOCAB / name, format="turtle")
    return graph


@pytest.fixture(scope="module")
def void(dist: Path) -> Graph:
    return Graph().parse(dist / "void.ttl", format="turtle")


def dcat_ap_report(data: Graph, shapes: Graph, vocabularies: Graph | None) -> tuple[bool, str]:
    """pySHACL with the vocabularies mixed into the data graph (their rdfs:subClassOf axioms
    count for sh:class and targets) but no RDFS entailment: under RDFS, DCAT 3's own
    sub-properties (dcat:mediaType of dcterms:format, dcat:dataset of dcterms:hasPart) break
    the shapes' dcterms:format maxCount and dcterms:hasPart class for any catalogue."""
    conforms, _, text = validate(
        data, shacl_graph=shapes, ont_graph=vocabularies, inference="none", allow_warnings=False,
    )
    return bool(conforms), str(text)


def test_void_conforms_to_dcat_ap_shapes(void: Graph, shapes: Graph, vocabularies: Graph) -> None:
    conforms, text = dcat_ap_report(void, shapes, vocabularies)
    assert conforms, text


def test_void_conforms_without_inference(void: Graph, shapes: Graph) -> None:
    """Every node the shapes check the class of is typed in void.ttl itself."""
    conforms, text = dcat_ap_report(void, shapes, None)
    assert conforms, text


def test_shapes_catch_a_distribution_without_access_url(
    void: Graph, shapes: Graph, vocabularies: Graph
) -> None:
    """Regression: no distribution had dcat:accessURL (mandatory in DCAT-AP 3.0.0)."""
    broken = Graph()
    broken += void
    broken.remove((None, DCAT.accessURL, None))
    conforms, text = dcat_ap_report(broken, shapes, vocabularies)
    assert not conforms
    assert "accessURL" in text


def test_catalog_dataset_and_service(void: Graph) -> None:
    catalogs = list(void.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs[0]
    dataset = void.value(catalog, DCAT.dataset)
    service = void.value(catalog, DCAT.service)
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert (service, RDF.type, DCAT.DataService) in void
    endpoint = void.value(service, DCAT.endpointURL)
    assert endpoint == URIRef("https://w3id.org/occupation-kg/sparql")
    assert (dataset, VOID.sparqlEndpoint, endpoint) in void
    assert (service, DCAT.servesDataset, dataset) in void
    # Recommended for a dataset in DCAT-AP 3.0.0 (the shapes leave them unchecked).
    for prop in (DCAT.contactPoint, DCAT.distribution, DCAT.keyword, DCTERMS.publisher,
                 DCTERMS.spatial, DCTERMS.temporal, DCAT.theme):
        assert void.value(dataset, prop) is not None, prop
    assert (void.value(dataset, DCAT.contactPoint), RDF.type, VCARD.Kind) in void
    assert (void.value(dataset, DCTERMS.publisher), RDF.type, FOAF.Agent) in void
    themes = set(void.objects(dataset, DCAT.theme))
    assert themes and all(str(t).startswith(DATA_THEME) for t in themes)


def test_the_subsets_are_in_the_dumps_that_void_triples_counts(void: Graph, dist: Path) -> None:
    """Regression: graph/ontology was a void:subset although kg.nt, kg.ttl and kg.jsonld (whose
    triples void:triples counts) leave it out: the subsets held 1,502 triples more than the
    whole on the full graph. It is now a related dataset (dcterms:relation)."""
    import pyoxigraph

    dataset = void.value(next(void.subjects(RDF.type, DCAT.Catalog)), DCAT.dataset)
    flat = {str(t) for t in pyoxigraph.parse(path=str(dist / "kg.nt"),
                                              format=pyoxigraph.RdfFormat.N_TRIPLES)}
    assert int(void.value(dataset, VOID.triples)) == len(flat)
    by_graph: dict[str, set[str]] = {}
    for quad in pyoxigraph.parse(path=str(dist / "kg.trig"), format=pyoxigraph.RdfFormat.TRIG):
        by_graph.setdefault(quad.graph_name.value, set()).add(
            str(pyoxigraph.Triple(quad.subject, quad.predicate, quad.object)))
    subsets = {str(g) for g in void.objects(dataset, VOID.subset)}
    assert subsets and all(by_graph[g] <= flat for g in subsets)
    ontology = "https://w3id.org/occupation-kg/id/graph/ontology"
    assert ontology not in subsets and (dataset, DCTERMS.relation, URIRef(ontology)) in void
    assert int(void.value(URIRef(ontology), VOID.triples)) == len(by_graph[ontology])
    assert not by_graph[ontology] <= flat


def test_every_download_is_a_distribution_with_access_and_download_url(
    void: Graph, dist: Path
) -> None:
    dataset = URIRef(BASE + "dataset/occupation-kg")
    downloads = set()
    for distribution in void.objects(dataset, DCAT.distribution):
        assert void.value(distribution, DCAT.accessURL) is not None, distribution
        assert void.value(distribution, DCTERMS.license) is not None, distribution
        assert void.value(distribution, DCTERMS.description) is not None, distribution
        url = void.value(distribution, DCAT.downloadURL)
        if url is None:
            assert void.value(distribution, DCAT.accessService) is not None, distribution
            continue
        name = str(url).split("/download/", 1)[1]
        downloads.add(name)
        size = void.value(distribution, DCAT.byteSize)
        assert size == Literal((dist / name).stat().st_size, datatype=XSD.nonNegativeInteger)
    assert {"kg.ttl", "kg.nt", "kg.jsonld", "kg.trig", "ontology.ttl"} <= downloads


def test_sources_are_datasets(void: Graph, dist: Path) -> None:
    """Regression: dcterms:source pointed at bare documents; DCAT-AP wants datasets."""
    kg = Graph().parse(dist / "kg.nt", format="nt")
    documents = set(kg.subjects(RDF.type, OKG.SourceDocument))
    assert documents
    dataset = URIRef(BASE + "dataset/occupation-kg")
    sources = set(void.objects(dataset, DCTERMS.source))
    assert documents <= sources
    for source in sources:
        assert (source, RDF.type, DCAT.Dataset) in void, source
        assert void.value(source, DCTERMS.title) == kg.value(source, DCTERMS.title), source
        assert void.value(source, DCTERMS.description) is not None, source


def test_temporal_coverage_spans_the_reference_periods(void: Graph, dist: Path) -> None:
    kg = Graph().parse(dist / "kg.nt", format="nt")
    starts = sorted(str(o) for o in kg.objects(None, DCAT.startDate))
    ends = sorted(str(o) for o in kg.objects(None, DCAT.endDate))
    coverage = void.value(URIRef(BASE + "dataset/occupation-kg"), DCTERMS.temporal)
    assert str(void.value(coverage, DCAT.startDate)) == starts[0]
    assert str(void.value(coverage, DCAT.endDate)) == ends[-1]


def test_theme_concepts_are_labelled(void: Graph) -> None:
    for theme in set(void.objects(None, DCAT.theme)):
        assert (theme, RDF.type, SKOS.Concept) in void
        assert void.value(theme, SKOS.prefLabel) is not None


def test_ntriples_counts_equal_the_store_queries_they_replaced(tmp_path: Path) -> None:
    """#12: VoID's figures come from one pass over kg.nt instead of four full scans of the
    store; on a file with the awkward cases (a blank-node subject and class, a literal holding
    spaces and " . ", a subject outside the base, a repeated subject) they equal the SPARQL
    answers the build used to ask."""
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    from kg.build.void import _namespaces, ntriples_counts

    store = Store()
    store.load(input=f"""
        @prefix okg: <https://w3id.org/occupation-kg/ontology#> .
        @prefix schema: <https://schema.org/> .
        <{BASE}occupation/a> a okg:Occupation, schema:Occupation ;
            schema:name "Mgr . of <things> \\" . x" ; okg:links _:n .
        <{BASE}occupation/b> a okg:Occupation ; schema:name "b" .
        _:n a _:c ; schema:name "a blank node" .
        <http://example.org/outside> a schema:Thing ; okg:note "not under the base" .
        """, format=RdfFormat.TURTLE)
    path = tmp_path / "kg.nt"
    store.dump(str(path), format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())

    def one(query: str) -> int:
        return int(next(iter(store.query(query)))["n"].value)

    counts = ntriples_counts(path, BASE)
    assert counts.triples == one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 10
    assert counts.entities == one(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) "
        f'WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{BASE}")) }}') == 2
    assert len(counts.classes) == one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }") == 4
    assert len(counts.predicates) == one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    terms = {row["t"].value for row in store.query(
        "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")}
    assert counts.predicates | counts.classes == terms
    assert _namespaces(terms, BASE) == _namespaces(counts.predicates | counts.classes, BASE)
