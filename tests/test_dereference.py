"""Every IRI the build mints on the site dereferences on `kg serve`: entities, named graphs, the
catalogue records of void.ttl, the downloads, the endpoint and the ontology (its terms too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from tests.server_support import CANONICAL, Running, http, running_server

SITE = CANONICAL.rsplit("id/", 1)[0]  # https://w3id.org/occupation-kg/
IRI = re.compile(r"<(https://w3id\.org/occupation-kg/[^>]*)>")
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@pytest.fixture(scope="module")
def server(dist: Path) -> Running:
    # a result limit between the seed's named graphs: graph/inferred (2,371 triples) is over it
    with running_server(dist, query_timeout=5.0, max_results=2000, workers=1) as srv:
        yield srv


def site_iris(dist: Path) -> set[str]:
    """Every IRI under the site in kg.nt and void.ttl, fragment dropped (never sent)."""
    found: set[str] = set()
    for name in ("kg.nt", "void.ttl"):
        for iri in IRI.findall((dist / name).read_text(encoding="utf-8")):
            found.add(iri.split("#", 1)[0])
    return found


def local(server: Running, iri: str) -> str:
    """The URL of `iri` on the test server (the data base is published as server.base)."""
    if iri.startswith(CANONICAL):
        return server.base + iri[len(CANONICAL):]
    return server.url + "/" + iri[len(SITE):]


def test_no_site_iri_answers_404(server: Running, dist: Path) -> None:
    """Regression: graph IRIs (/id/graph/...), the dataset and distribution IRIs of void.ttl
    answered 404."""
    iris = site_iris(dist)
    graphs = {i for i in iris if i.startswith(CANONICAL + "graph/")}
    described = {i for i in iris if i.startswith((CANONICAL + "dataset/occupation-kg",
                                                  CANONICAL + "distribution/"))}
    assert len(graphs) >= 5 and len(described) >= 8 and len(iris) > 1000
    failed = []
    for iri in sorted(iris):
        reply = http(local(server, iri), method="HEAD")
        if reply.status >= 400:
            failed.append(f"{reply.status} {iri}")
        elif reply.status == 303:
            target = http(server.url + reply.headers["Location"], method="HEAD")
            if target.status != 200:
                failed.append(f"{target.status} {iri} -> {reply.headers['Location']}")
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("accept", sorted(RDF_MEDIA))
def test_graph_document_holds_its_triples_and_description(
    server: Running, dist: Path, accept: str
) -> None:
    graph = "graph/ooh-2022-profile"
    reply = http(f"{server.base}{graph}", accept=accept)
    assert reply.status == 303 and reply.headers["Vary"] == "Accept"
    doc = http(server.url + reply.headers["Location"], accept=accept)
    assert doc.status == 200
    assert doc.headers["Content-Type"].startswith(accept)
    got = Graph().parse(data=doc.body, format=RDF_MEDIA[accept])
    void = Graph().parse(dist / "void.ttl", format="turtle")
    size = int(void.value(URIRef(CANONICAL + graph), URIRef("http://rdfs.org/ns/void#triples")))
    # the graph's own triples plus its void.ttl description (type and triple count)
    assert len(got) == size + 2
    assert (URIRef(server.base + graph), URIRef("http://rdfs.org/ns/void#triples"),
            None) in got


@pytest.mark.parametrize("accept", sorted(RDF_MEDIA))
def test_a_graph_over_the_result_limit_gives_its_description_and_download(
        server: Running, dist: Path, accept: str) -> None:
    """Regression (session 28's linked-data audit): /id/graph/onet-29.3.nt was the whole
    graph, 483 MB built for 47 s or more on any request, past --max-results; the HTML view of
    the same IRI was a 2 KB summary. A graph over the limit now gives its description and the
    download that holds it (void:dataDump), in every format."""
    graph = "graph/inferred"
    void = Graph().parse(dist / "void.ttl", format="turtle")
    size = int(void.value(URIRef(CANONICAL + graph), URIRef("http://rdfs.org/ns/void#triples")))
    assert size > 2000
    reply = http(f"{server.base}{graph}", accept=accept)
    doc = http(server.url + reply.headers["Location"], accept=accept)
    assert doc.status == 200
    got = Graph().parse(data=doc.body, format=RDF_MEDIA[accept])
    node = URIRef(server.base + graph)
    assert len(got) < 10 and (node, URIRef("http://rdfs.org/ns/void#triples"), None) in got
    dump = got.value(node, URIRef("http://rdfs.org/ns/void#dataDump"))
    assert dump is not None and str(dump).endswith("/download/kg.trig")
    # on this server, as the graph's own IRI is (the second audit: it was w3id.org's)
    assert str(dump).startswith(server.base.removesuffix("id/"))
    page = http(f"{server.base}{graph}.html").text
    assert "more than this server" in page and "/download/kg.trig" in page


def test_graph_html_is_a_summary(server: Running, dist: Path) -> None:
    reply = http(f"{server.base}graph/inferred.html")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    void = Graph().parse(dist / "void.ttl", format="turtle")
    size = int(void.value(URIRef(CANONICAL + "graph/inferred"),
                          URIRef("http://rdfs.org/ns/void#triples")))
    assert f"{size:,}" in reply.text
    assert "/download/kg.trig" in reply.text
    assert reply.text.count("<tr>") < 20  # counts and links, not the triples


def test_dataset_and_distribution_descriptions(server: Running) -> None:
    for rest in ("dataset/occupation-kg", "distribution/kg.ttl", "catalog/occupation-kg",
                 "service/sparql"):
        reply = http(f"{server.base}{rest}", accept="text/turtle")
        assert reply.status == 303, rest
        doc = http(server.url + reply.headers["Location"])
        assert doc.status == 200, rest
        got = Graph().parse(data=doc.body, format="turtle")
        assert len(set(got.subjects())) == 1 and len(got) >= 3, rest
    html = http(f"{server.base}distribution/kg.ttl", accept="text/html")
    assert http(server.url + html.headers["Location"]).status == 200


@pytest.mark.parametrize("path", ["/ontology", "/ontology/"])
@pytest.mark.parametrize("accept", sorted(RDF_MEDIA))
def test_ontology_in_every_rdf_format(server: Running, dist: Path, path: str,
                                      accept: str) -> None:
    """Regression: /ontology/ had no Vary: Accept and sent HTML for JSON-LD and RDF/XML."""
    reply = http(server.url + path, accept=accept)
    assert reply.status == 200
    assert "Accept" in [part.strip() for part in reply.headers["Vary"].split(",")]
    assert reply.headers["Content-Type"].startswith(accept)
    got = Graph().parse(data=reply.body, format=RDF_MEDIA[accept])
    want = Graph().parse(dist / "ontology.ttl", format="turtle")
    assert len(got) == len(want)


def test_ontology_html_and_term_anchors(server: Running) -> None:
    page = http(server.url + "/ontology", accept="text/html")
    # by Accept; as a download that may go out gzipped, by Accept-Encoding too
    assert page.status == 200 and "Accept" in page.headers["Vary"].split(", ")
    assert "<title>Occupation Knowledge Graph Ontology</title>" in page.text
    term = http(server.url + "/ontology/Occupation", accept="text/html")
    assert term.status == 303 and term.headers["Location"] == "/ontology/#Occupation"
    assert 'id="Occupation"' in page.text
    rdf = http(server.url + "/ontology/renewalFrequency", accept="text/turtle")
    assert rdf.status == 303 and rdf.headers["Location"] == "/ontology.ttl"
    assert http(server.url + "/ontology/NoSuchTerm").status == 404


def test_every_ontology_term_the_graph_uses_has_an_anchor(dist: Path) -> None:
    """Regression (session 28's linked-data audit): okg:occupationStatisticsStructure, the
    qb:structure of every statistical dataset, had no anchor in the documentation, so its IRI
    opened the page at its top."""
    html = (dist / "ontology" / "index.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', html))
    used = set(re.findall(r"<https://w3id\.org/occupation-kg/ontology#([^>]+)>",
                          (dist / "kg.nt").read_text(encoding="utf-8")))
    assert "occupationStatisticsStructure" in used and len(used) > 100
    assert used <= anchors, sorted(used - anchors)


def test_ontology_html_without_pylode_docs(tmp_path: Path, seeds_dir: Path) -> None:
    """Regression: in a build made with --no-ontology-docs, the navigation's Ontology link and
    /ontology/#Term were 404 ("No such download"); the server now lists the ontology's terms."""
    from rdflib import OWL, RDF, RDFS, URIRef

    from kg.build.pipeline import BuildOptions, build

    out = tmp_path / "dist"
    build(BuildOptions(out=out, documents=seeds_dir, ontology_docs=False))
    assert not (out / "ontology").exists()
    ontology = Graph().parse(out / "ontology.ttl", format="turtle")
    okg = "https://w3id.org/occupation-kg/ontology#"
    classes = {str(c)[len(okg):] for c in ontology.subjects(RDF.type, OWL.Class)
               if str(c).startswith(okg)}
    with running_server(out, workers=1) as srv:
        for path in ("/ontology/", "/ontology", "/ontology/index.html", "/ontology.html"):
            page = http(srv.url + path, accept="text/html")
            assert page.status == 200, path
        assert f"<h2>Classes ({len(classes)})</h2>" in page.text
        for name in classes:
            assert f'<dt id="{name}">' in page.text
        label = ontology.value(URIRef(okg + "Occupation"), RDFS.label)
        assert f"<code>okg:Occupation</code> — {label}" in page.text
        term = http(srv.url + "/ontology/Occupation", accept="text/html")
        assert term.status == 303 and term.headers["Location"] == "/ontology/#Occupation"
        assert http(srv.url + "/ontology/", accept="text/turtle").status == 200


def test_an_entity_document_carries_whole_evidence_records(server: Running,
                                                           dist: Path) -> None:
    """Regression (session 28's linked-data audit): /id/occupation/plant-manager gave, of the
    evidence record of "industrial-production-managers reportsTo plant-manager", only its
    rdf:object triple; a Concise Bounded Description carries the reifications of the
    statements it holds whole."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    target = URIRef(CANONICAL + "occupation/plant-manager")
    reply = http(local(server, str(target)) + ".nt", "application/n-triples")
    assert reply.status == 200
    # the server publishes under its own base: read back under the build's
    served = Graph().parse(data=reply.text.replace(server.base, CANONICAL), format="nt")
    built = Graph().parse(dist / "kg.nt", format="nt")
    records = set(served.subjects(URIRef(rdf + "object"), target))
    assert records, "no evidence record points to the plant manager"
    for record in records | set(served.subjects(URIRef(rdf + "subject"), target)):
        assert set(served.predicate_objects(record)) == set(built.predicate_objects(record))


def test_an_entity_document_carries_whole_mapping_nodes(slices_served: Running) -> None:
    """Regression (session 28's second audit): /id/onet-soc2010/13-1022.00.nt held each Nesta
    mapping node (SSSOM, annotating a skos:closeMatch) as its owl:annotatedTarget triple only:
    no justification, confidence or labels."""
    owl, sssom = "http://www.w3.org/2002/07/owl#", "https://w3id.org/sssom/"
    target = slices_served.base + "onet-soc2010/11-3051.00"
    reply = http(target + ".nt", "application/n-triples")
    assert reply.status == 200
    served = Graph().parse(data=reply.text, format="nt")
    nodes = set(served.subjects(URIRef(owl + "annotatedTarget"), URIRef(target)))
    assert nodes, "the slice lost its Nesta mapping"
    for node in nodes:
        said = {str(p) for p in served.predicates(node)}
        assert {owl + "annotatedSource", owl + "annotatedProperty",
                sssom + "mapping_justification", sssom + "confidence"} <= said, said


@pytest.mark.parametrize("suffix", ["", ".jsonld"])
def test_pyld_loads_entities_and_graphs_with_its_own_document_loader(
        server: Running, suffix: str) -> None:
    """Regression (session 36's client audit): PyLD could not load any entity. The JSON-LD
    answer's media type had a charset parameter (JSON defines none, and PyLD took the answer
    for a non-JSON one) and its Link header several rel="alternate" links (PyLD reads that
    relation as one link: AttributeError 'list' object has no attribute 'get')."""
    from pyld import jsonld

    loader = jsonld.requests_document_loader(timeout=30)
    occupation = server.base + "occupation/industrial-production-managers"
    for iri in (occupation, server.base + "graph/curation"):
        expanded = jsonld.expand(iri + suffix, {"documentLoader": loader})
        subjects = {node.get("@id") for node in expanded}
        assert iri.replace(server.base, CANONICAL) in subjects or iri in subjects, subjects
