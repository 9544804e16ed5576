"""`kg serve` over real HTTP on a free loopback port."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from tests.server_support import (
    CANONICAL,
    Running,
    expected_description,
    http,
    running_server,
    to_canonical,
)

OCC = "occupation/industrial-production-managers"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(dist: Path) -> Running:
    with running_server(dist, query_timeout=3.0, max_results=50, workers=2) as srv:
        yield srv


def q(server: Running, query: str, **extra: str) -> str:
    return f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query, **extra})


# --- dereferencing and content negotiation -----------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "ext", "fmt"),
    [
        ("text/turtle", "ttl", "turtle"),
        ("application/ld+json", "jsonld", "json-ld"),
        ("application/n-triples", "nt", "nt"),
        ("application/rdf+xml", "rdf", "xml"),
    ],
)
def test_entity_conneg_matches_the_graph(
    server: Running, built_graph: Dataset, accept: str, ext: str, fmt: str
) -> None:
    reply = http(f"{server.url}/id/{OCC}", accept=accept)
    assert reply.status == 303
    assert reply.headers["Vary"] == "Accept"
    location = reply.headers["Location"]
    assert location == f"/id/{OCC}.{ext}"
    doc = http(server.url + location, accept=accept)
    assert doc.status == 200
    assert doc.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=doc.body, format=fmt, publicID=server.url + location)
    got = to_canonical(graph, server.base)
    want = expected_description(built_graph, CANONICAL + OCC)
    assert len(want) > 500
    assert got == want


def test_suffix_documents_and_html(server: Running) -> None:
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                       ("nt", "application/n-triples"), ("html", "text/html")):
        reply = http(f"{server.url}/id/{OCC}.{ext}")
        assert reply.status == 200, ext
        assert reply.headers["Content-Type"].startswith(media)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = http(f"{server.url}/id/{OCC}", accept=browser)
    assert reply.status == 303 and reply.headers["Location"].endswith(".html")
    page = http(server.url + reply.headers["Location"]).text
    assert "Industrial production managers" in page
    assert "11-3051" in page  # SOC code
    assert "Plant managers" in page  # alt label
    assert 'class="chart wage-chart"' in page and "May 2008" in page and "May 2021" in page
    assert "$83,290" in page and "$103,150" in page  # medians
    assert 'class="chart industry-chart"' in page
    assert 'class="quote"' in page and "Occupational Outlook Handbook" in page
    assert 'href="/id/soc2018/11-3051"' in page  # mapping link, local


def test_page_lists_what_refers_to_the_entity(server: Running) -> None:
    """The facts and the "Referenced by" lists share one template macro: both render links."""
    page = http(f"{server.url}/id/occupation/plant-manager.html").text
    referenced = page.split("<h2>Referenced by</h2>", 1)[1].split("</section>\n</section>", 1)[0]
    assert "is the object of <em>" in referenced
    assert f'<li class="referrer"><a class="value" href="/id/{OCC}">' in referenced
    facts = http(f"{server.url}/id/{OCC}.html").text.split("<h2>Facts</h2>", 1)[1]
    assert '<li class="fact"><a class="value" href="/id/occupation/plant-manager">' in facts


def test_unknown_iri_404_and_unacceptable_406(server: Running) -> None:
    assert http(f"{server.url}/id/occupation/no-such-thing", accept="text/turtle").status == 404
    assert http(f"{server.url}/id/occupation/no-such-thing.ttl").status == 404
    assert http(f"{server.url}/nowhere").status == 404
    assert http(f"{server.url}/id/{OCC}", accept="image/png").status == 406


def test_base_mapping_applies_everywhere(server: Running) -> None:
    assert server.base == server.url + "/id/"
    # A query written with the canonical IRIs matches, and answers with the published ones.
    query = f"SELECT ?p WHERE {{ <{CANONICAL}{OCC}> ?p ?o }} LIMIT 1"
    doc = json.loads(http(q(server, query), accept="application/sparql-results+json").text)
    assert doc["results"]["bindings"]
    query = f"SELECT ?c WHERE {{ <{server.base}{OCC}> <https://w3id.org/occupation-kg/ontology#relevantCredential> ?c }}"  # noqa: E501
    doc = json.loads(http(q(server, query), accept="application/sparql-results+json").text)
    values = [b["c"]["value"] for b in doc["results"]["bindings"]]
    assert values and all(v.startswith(server.base) for v in values)
    for v in values:  # every IRI in an answer dereferences here
        assert http(v, accept="text/turtle").status == 303


# --- SPARQL protocol -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select(server: Running, fmt: str, method: str) -> None:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setMethod(method)
    sw.setReturnFormat(fmt)
    sw.setQuery(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT DISTINCT ?label WHERE {{ <{server.base}{OCC}> skos:prefLabel ?label }}"
    )
    result = sw.query()
    converted = result.convert()
    if fmt == JSON:
        labels = [b["label"]["value"] for b in converted["results"]["bindings"]]
        assert labels == ["Industrial production managers"]
    elif fmt == XML:
        assert "Industrial production managers" in converted.toxml()
    else:
        text = converted.decode() if isinstance(converted, bytes) else converted
        assert "Industrial production managers" in text
        assert ("?label" if fmt == TSV else "label") in text.splitlines()[0]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: Running, fmt: str) -> None:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setReturnFormat(fmt)
    sw.setQuery(f"ASK {{ <{server.base}{OCC}> ?p ?o }}")
    converted = sw.query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    else:
        assert "<boolean>true</boolean>" in converted.toxml()


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, XML])
def test_sparqlwrapper_construct(server: Running, fmt: str) -> None:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setReturnFormat(fmt)
    sw.setQuery(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"CONSTRUCT {{ ?s skos:prefLabel ?l }} WHERE {{ ?s skos:prefLabel ?l "
        f'FILTER(?s = <{server.base}{OCC}>) }}'
    )
    converted = sw.query().convert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format="turtle" if fmt == TURTLE else "json-ld"
    )
    assert {str(o) for o in graph.objects()} == {"Industrial production managers"}


def test_describe_and_direct_post(server: Running) -> None:
    reply = http(server.url + "/sparql", accept="text/turtle", method="POST",
                 data=f"DESCRIBE <{server.base}{OCC}>".encode(),
                 content_type="application/sparql-query")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=reply.body, format="turtle")) > 10


def test_updates_are_refused(server: Running) -> None:
    insert = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    form = "application/x-www-form-urlencoded"
    assert http(server.url + "/sparql", data=urllib.parse.urlencode({"update": insert}).encode(),
                content_type=form).status == 403
    assert http(server.url + "/sparql", data=insert.encode(),
                content_type="application/sparql-update").status == 403
    assert http(q(server, insert)).status == 403
    reply = http(q(server, "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }"))
    assert reply.status == 403 and "read-only" in reply.text
    assert http(q(server, "ASK { <urn:a> <urn:b> <urn:c> }"),
                accept="application/sparql-results+json").text.count("false") == 1
    assert http(q(server, "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")).status == 400


def test_malformed_query_400_with_parser_message(server: Running) -> None:
    reply = http(q(server, "SELECT * WHERE { ?s ?p }"))
    assert reply.status == 400
    assert "syntax error" in reply.text and "1:" in reply.text
    assert http(server.url + "/sparql?query=").status == 400
    assert http(q(server, "SELECT * WHERE { ?s ?p ?o }", format="nonsense")).status == 400


def test_result_limit_truncates_and_flags(server: Running) -> None:
    reply = http(q(server, "SELECT * WHERE { ?s ?p ?o }"), accept="application/sparql-results+json")
    assert reply.status == 200
    assert reply.headers["X-KG-Truncated"] == "true" and "truncated" in reply.headers["Warning"]
    assert len(json.loads(reply.text)["results"]["bindings"]) == 50
    small = http(q(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 5"), accept="text/csv")
    assert small.headers.get("X-KG-Truncated") is None
    assert len(small.text.strip().splitlines()) == 6


def test_query_over_time_limit_stops_while_others_are_served(server: Running) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        outcome["reply"] = http(q(server, CROSS_JOIN), timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    # Meanwhile: pages and another query answer promptly.
    for _ in range(3):
        started = time.monotonic()
        assert http(f"{server.url}/id/{OCC}.ttl").status == 200
        reply = http(q(server, "ASK { ?s ?p ?o }"), accept="application/sparql-results+json")
        assert reply.status == 200
        assert time.monotonic() - started < 2.0
    thread.join(30)
    reply = outcome["reply"]
    assert reply.status == 503  # type: ignore[attr-defined]
    assert "time limit of 3 s" in reply.text  # type: ignore[attr-defined]
    assert 2.5 < outcome["seconds"] < 10  # type: ignore[operator]
    # The killed worker is replaced: queries keep working.
    deadline = time.monotonic() + 30
    while server.app.pool.idle.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.app.pool.idle.qsize() == 2
    assert http(q(server, "ASK { ?s ?p ?o }"), accept="application/json").status == 200


# --- stored queries, pages, downloads ----------------------------------------------------------


def test_stored_query_runs_with_params_in_each_format(server: Running) -> None:
    page = http(f"{server.url}/queries/occupation-credentials", accept="text/html")
    assert page.status == 200 and "Certified in Production and Inventory Management" in page.text
    assert "<table" in page.text
    csv = http(f"{server.url}/queries/occupation-credentials?format=csv").text
    assert csv.splitlines()[0] == "credential,label" and len(csv.splitlines()) > 3
    other = urllib.parse.quote(f"{CANONICAL}occupation/plant-manager", safe="")
    reply = http(f"{server.url}/queries/occupation-credentials?occupation={other}",
                 accept="application/sparql-results+json")
    assert reply.status == 200
    bad = http(f"{server.url}/queries/occupation-credentials?occupation=not%20an%20iri")
    assert bad.status == 400
    assert http(f"{server.url}/queries/nope").status == 404
    listing = http(f"{server.url}/query").text
    assert "/queries/occupation-credentials" in listing and "<textarea" in listing


def test_query_form_without_javascript(server: Running) -> None:
    industry = "https://w3id.org/occupation-kg/ontology#Industry"
    reply = http(q(server, f"SELECT ?s WHERE {{ ?s a <{industry}> }}", format="html"))
    assert reply.status == 200 and "<table" in reply.text and "Manufacturing" in reply.text


def test_index_and_kind_pages(server: Running) -> None:
    page = http(server.url + "/").text
    assert "Occupation" in page or "occupation" in page
    assert f'href="/id/{OCC}"' in page
    assert http(server.url + "/kind/Evidence").status == 200
    assert http(server.url + "/static/style.css").headers["Content-Type"].startswith("text/css")


def test_downloads_page_and_checksums(server: Running, dist: Path) -> None:
    page = http(server.url + "/downloads").text
    sums = dict(
        reversed(line.split("  ", 1)) for line in (dist / "SHA256SUMS").read_text().splitlines()
    )
    for name, digest in sums.items():
        assert f'href="/download/{name}"' in page and digest in page
        reply = http(f"{server.url}/download/{name}")
        assert reply.status == 200
        assert hashlib.sha256(reply.body).hexdigest() == digest
    assert "CC BY 4.0" in page and "void:Dataset" in page
    assert http(server.url + "/download/kg.ttl").headers["Content-Type"].startswith("text/turtle")
    onto = http(server.url + "/ontology/")
    assert onto.status == 200 and onto.headers["Content-Type"].startswith("text/html")
    assert http(server.url + "/ontology/", accept="text/turtle").headers[
        "Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize(
    "path",
    [
        "../pyproject.toml", "..%2fpyproject.toml", "%2e%2e/pyproject.toml",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252fpyproject.toml", "/etc/passwd",
        "%2fetc%2fpasswd", "ontology/../kg.ttl", "ontology/..%2f..%2fREADME.md",
        "..\\kg.ttl", "kg.ttl%00.txt", "",
    ],
)
def test_download_path_traversal_is_refused(server: Running, path: str) -> None:
    import http.client

    host, port = server.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/download/" + path)  # sent raw, not normalised by a client
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 404, body


def test_every_packaged_stored_query_runs(dist: Path) -> None:
    """The catalogue in queries/ (list_queries(), read dynamically): each runs from its link."""
    from kg.query_catalog import list_queries

    stored = list_queries()
    if not stored:
        pytest.skip("no stored queries in queries/ yet")
    with running_server(dist, queries_dir=None) as srv:
        page = http(srv.url + "/query").text
        for sq in stored:
            assert f"/queries/{sq.name}" in page
            if any(p.default is None for p in sq.params):
                continue  # needs a value the catalogue does not give
            reply = http(f"{srv.url}/queries/{sq.name}", accept="text/html")
            assert reply.status == 200, (sq.name, reply.text[-500:])
