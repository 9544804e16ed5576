"""Helpers shared by the `kg serve` tests: a server on a free loopback port, HTTP without
redirect-following, and the expected description of an entity computed from the build."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from rdflib import RDF, Dataset, Graph, URIRef

from kg.serve.app import App, ServerConfig, serve_in_thread

QUERIES = Path(__file__).parent / "server_queries"
CANONICAL = "https://w3id.org/occupation-kg/id/"


@dataclass
class Running:
    url: str  # http://127.0.0.1:PORT
    app: App

    @property
    def base(self) -> str:
        return self.app.mapping.public


@contextmanager
def running_server(dist: Path, **options: object) -> Iterator[Running]:
    settings: dict[str, object] = {"queries_dir": QUERIES, "quiet": True, **options}
    config = ServerConfig(dist=dist, port=0, **settings)  # type: ignore[arg-type]
    server, app, thread = serve_in_thread(config)
    try:
        host, port = server.server_address[:2]
        yield Running(f"http://{host}:{port}", app)
    finally:
        server.shutdown()
        server.server_close()
        app.close()
        thread.join(5)


def slices_with_oews_row_changed(work: Path, code: str, cells: dict[str, str]) -> Path:
    """A copy of the reference slices (tests/data) in `work`/data whose OEWS row `code` has
    `cells` (column -> text) in place of its own: a figure top-coded, a code moved to its group."""
    import shutil

    data = work / "data"
    shutil.copytree(Path(__file__).parent / "data", data)
    path = data / "bls_oews_may2024_national" / "national_M2024_dl.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    column = header.index("OCC_CODE")
    for number, line in enumerate(lines):
        row = line.split("\t")
        if len(row) > column and row[column] == code:
            for name, text in cells.items():
                row[header.index(name)] = text
            lines[number] = "\t".join(row)
    path.write_text("\n".join(lines), encoding="utf-8")
    return data


def seed_with_slices(dist: Path, out: Path, data: Path | None = None) -> Path:
    """`out` made a servable folder: the seed build's kg.trig with every reference slice of
    `data` (tests/data) imported into it (their named graphs) and the derived stages run over
    them, and the seed's void.ttl."""
    import shutil

    import pyoxigraph as ox

    from kg.reconcile.reference import import_reference

    store = ox.Store()
    slices = data or Path(__file__).parent / "data"
    for path in [*import_reference(slices, out), dist / "kg.trig"]:
        fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.N_QUADS
        store.bulk_load(path=str(path), format=fmt)
    # the build's derived stages over the joined graph, as a full build runs them (the salary
    # links, the inherited ESCO matches); not the closure
    from kg.build.derived import run_derived_stages

    run_derived_stages(store, "https://w3id.org/occupation-kg/id/")
    store.dump(output=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    shutil.copy(dist / "void.ttl", out / "void.ttl")
    return out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    url: str, accept: str | None = None, data: bytes | None = None,
    content_type: str | None = None, method: str | None = None, timeout: float = 30,
) -> Reply:
    req = urllib.request.Request(url, data=data, method=method)
    if accept:
        req.add_header("Accept", accept)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Reply(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.headers, exc.read())


def http_from(source: str, url: str, accept: str | None = None, timeout: float = 30) -> Reply:
    """GET `url` from the loopback source address `source` (another client to the server)."""
    import http.client

    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target, headers={"Accept": accept} if accept else {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


def to_canonical(graph: Graph, public: str) -> set[tuple[object, object, object]]:
    def fix(t: object) -> object:
        if isinstance(t, URIRef) and str(t).startswith(public):
            return URIRef(CANONICAL + str(t)[len(public) :])
        return t

    return {(fix(s), fix(p), fix(o)) for s, p, o in graph}


def expected_description(dataset: Dataset, iri: str) -> set[tuple[object, object, object]]:
    """Triples about `iri` (as subject or object) plus those of the Evidence nodes of both
    (the records of the statements about it and of those that point to it)."""
    node = URIRef(iri)
    out = set(dataset.triples((node, None, None))) | set(dataset.triples((None, None, node)))
    owl = "http://www.w3.org/2002/07/owl#"
    for role in (RDF.subject, RDF.object, URIRef(owl + "annotatedSource"),
                 URIRef(owl + "annotatedTarget")):
        for ev in dataset.subjects(role, node):
            out |= set(dataset.triples((ev, None, None)))
    return {(s, p, o) for s, p, o in out}
