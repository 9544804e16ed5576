"""`kg load` into Virtuoso (Graph Store Protocol) and queries against a real endpoint."""

from __future__ import annotations

import base64
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.engines import LOAD_MANIFEST_GRAPH, EngineError, QueryTimeout, open_engine
from kg.remote_load import AuthError, LoadError, default_graph_store, load
from tests.conftest_virtuoso import virtuoso  # noqa: F401 - the fixture
from tests.test_engines import TRIG, run_cli, write_fixture
from tests.virtuoso import free_port

GRAPHS = [
    "https://w3id.org/occupation-kg/graph/bls-oews",
    "https://w3id.org/occupation-kg/graph/credentials",
    "https://w3id.org/occupation-kg/graph/onet-29.3",
]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    dist, queries = write_fixture(tmp_path_factory.mktemp("remote"))
    (queries / "rejected.rq").write_text(
        "# title: Rejected\n# question: Does Virtuoso refuse an ill-typed constant?\n"
        'SELECT ?x WHERE { VALUES ?x { "abc"^^<http://www.w3.org/2001/XMLSchema#integer> } }\n',
        encoding="utf-8",
    )
    return dist, queries


@pytest.fixture(scope="module")
def loaded(virtuoso, dirs):  # noqa: F811 - pytest fixture
    assert (
        run_cli(
            "load",
            "--endpoint",
            virtuoso.sparql_url,
            "--dist",
            str(dirs[0]),
            "--user",
            virtuoso.user,
            "--password",
            virtuoso.password,
        )
        == 0
    )
    return virtuoso


def count(engine) -> int:
    return int(engine.select(COUNT).rows[0][0])


def test_load_records_its_graphs_and_hides_system_graphs(loaded) -> None:
    engine = open_engine("remote", loaded.sparql_url)
    assert engine.default_graphs == GRAPHS and engine.named_graphs == GRAPHS
    assert count(engine) == 30
    # Without dataset parameters Virtuoso's default graph includes its system graphs.
    everything = open_engine("remote", loaded.sparql_url, default_graphs=[], named_graphs=[])
    assert count(everything) > 1000
    one = open_engine("remote", loaded.sparql_url, default_graphs=GRAPHS[1:2])
    assert count(one) == 5


def test_load_progress_and_environment_credentials(loaded, dirs, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KG_SPARQL_USER", loaded.user)
    monkeypatch.setenv("KG_SPARQL_PASSWORD", loaded.password)
    assert run_cli("load", "--endpoint", loaded.sparql_url, "--dist", str(dirs[0])) == 0
    err = capsys.readouterr().err
    assert f"kg load: [1/3] {GRAPHS[0]} (18 triples) ..." in err
    assert "3 graph(s), 30 triples" in err


def test_reload_replaces_graphs_and_drops_stale_ones(loaded, tmp_path) -> None:
    smaller = tmp_path / "kg.trig"
    # Keep the prefixes, drop the credentials graph, change one label.
    text = TRIG.split("<https://w3id.org/occupation-kg/graph/credentials>")[0]
    smaller.write_text(text.replace("Construction Managers", "Builders"), encoding="utf-8")
    try:
        counts = load(smaller, loaded.sparql_url, loaded.user, loaded.password, progress=False)
        assert sorted(counts) == [GRAPHS[0], GRAPHS[2]]
        engine = open_engine("remote", loaded.sparql_url)
        assert engine.default_graphs == [GRAPHS[0], GRAPHS[2]]
        assert count(engine) == 25
        raw = open_engine("remote", loaded.sparql_url, default_graphs=[], named_graphs=[])
        assert not raw.ask(f"ASK {{ GRAPH <{GRAPHS[1]}> {{ ?s ?p ?o }} }}")
        assert raw.ask('ASK { ?s ?p "Builders"@en }')
        assert not raw.ask('ASK { ?s ?p "Construction Managers"@en }')
    finally:
        trig = tmp_path / "full.trig"
        trig.write_text(TRIG, encoding="utf-8")
        load(trig, loaded.sparql_url, loaded.user, loaded.password, progress=False)


def test_auth_failure(loaded, dirs, capsys) -> None:
    argv = ["load", "--endpoint", loaded.sparql_url, "--dist", str(dirs[0])]
    assert run_cli(*argv, "--user", "dba", "--password", "wrong") == 1
    err = capsys.readouterr().err
    assert err.startswith("kg: error: authentication failed at ") and "user 'dba'" in err
    with pytest.raises(AuthError, match="no credentials"):
        load(dirs[0] / "kg.trig", loaded.sparql_url, None, None, progress=False)


def test_graph_store_http_error(loaded, dirs, capsys) -> None:
    bad = loaded.base_url + "/no-such-service"
    assert (
        run_cli(
            "load",
            "--endpoint",
            loaded.sparql_url,
            "--graph-store",
            bad,
            "--dist",
            str(dirs[0]),
            "--user",
            "dba",
            "--password",
            "dba",
        )
        == 1
    )
    assert re.search(
        f"PUT graph <{GRAPHS[0]}> at {bad} failed: HTTP [45]\\d\\d", capsys.readouterr().err
    )


def test_endpoint_rejects_query(loaded, dirs, capsys) -> None:
    dist, queries = dirs
    assert (
        run_cli("query", "rejected", "--endpoint", loaded.sparql_url, "--queries", str(queries))
        == 1
    )
    err = capsys.readouterr().err
    assert f"kg: error: SPARQL endpoint {loaded.sparql_url} rejected the query" in err
    assert "Invalid integer value" in err
    # The same query is fine for the embedded engine.
    assert run_cli("query", "rejected", "--queries", str(queries), "--dist", str(dist)) == 0


def test_three_engines_same_output_through_cli(loaded, dirs, capsys) -> None:
    dist, queries = dirs
    outs = []
    for where in (
        ["--engine", "oxigraph"],
        ["--engine", "rdflib"],
        ["--endpoint", loaded.sparql_url],
    ):
        assert (
            run_cli(
                "query",
                "totals",
                "--format",
                "tsv",
                "--queries",
                str(queries),
                "--dist",
                str(dist),
                *where,
            )
            == 0
        )
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].splitlines()[2].startswith("2021\t2\t")


# --- no Virtuoso needed ---------------------------------------------------------------------


def test_unreachable_endpoint(dirs, capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    dist, queries = dirs
    assert run_cli("query", "labels", "--endpoint", url, "--queries", str(queries)) == 1
    assert f"kg: error: cannot reach SPARQL endpoint {url}" in capsys.readouterr().err
    assert (
        run_cli("load", "--endpoint", url, "--dist", str(dist), "--user", "u", "--password", "p")
        == 1
    )
    assert f"cannot reach the graph store {url}-graph-crud-auth" in capsys.readouterr().err


def test_remote_timeout() -> None:
    with socket.socket() as server:  # accepts connections (backlog) but never answers
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/sparql"
        with pytest.raises(QueryTimeout, match="no answer within 1 s"):
            open_engine("remote", url, timeout=1)


def test_default_graph_store() -> None:
    assert default_graph_store("http://h:8890/sparql") == "http://h:8890/sparql-graph-crud-auth"
    with pytest.raises(LoadError, match="pass --graph-store"):
        default_graph_store("http://h:7878/query")
    with pytest.raises(EngineError, match="unknown engine"):
        open_engine("fuseki", "http://h/sparql")


class _BasicStore(BaseHTTPRequestHandler):
    """A Graph Store that wants HTTP Basic auth and remembers what it was sent."""

    graphs: dict[str, bytes] = {}
    token = base64.b64encode(b"alice:s3cret").decode()

    def log_message(self, *args: object) -> None:
        pass

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Basic {self.token}":
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _graph(self) -> str:
        from urllib.parse import parse_qs, urlsplit

        return parse_qs(urlsplit(self.path).query)["graph"][0]

    def _reply(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self._authorised():
            self._reply(404)

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self._authorised():
            self.graphs[self._graph()] = body
            self._reply(201)


@pytest.fixture()
def basic_store() -> Iterator[str]:
    _BasicStore.graphs = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BasicStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()
    server.server_close()


def test_basic_auth_graph_store(basic_store, dirs) -> None:
    counts = load(
        dirs[0] / "kg.trig",
        "http://unused/sparql",
        "alice",
        "s3cret",
        graph_store_url=basic_store,
        progress=False,
    )
    assert sorted(counts) == GRAPHS
    assert set(_BasicStore.graphs) == {*GRAPHS, LOAD_MANIFEST_GRAPH}
    assert _BasicStore.graphs[GRAPHS[1]].count(b"\n") == 5
    with pytest.raises(AuthError, match="authentication failed"):
        load(
            dirs[0] / "kg.trig",
            "http://unused/sparql",
            "alice",
            "nope",
            graph_store_url=basic_store,
            progress=False,
        )
