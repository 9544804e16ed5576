"""The HTTP server and its routes (stdlib ThreadingHTTPServer).

Routes:
  /                      index of entity kinds and entities
  /kind/NAME             all entities of one kind
  /id/PATH               an entity IRI: 303 See Other to /id/PATH.{html,ttl,jsonld,nt,rdf}
                         chosen by Accept (Vary: Accept); 404 for unknown IRIs
  /id/PATH.EXT           the description document in one format (200)
  /sparql                SPARQL 1.1 Protocol endpoint (GET, POST form, POST sparql-query)
  /query                 query page (YASGUI when installed, else a plain form)
  /queries, /queries/N   stored queries; N runs with ?param=value (HTML or any result format)
  /downloads             the files of dist/ with size, media type, SHA-256, license; VoID
  /download/NAME         one file of dist/ (looked up by name: no path traversal)
  /ontology/             the pyLODE documentation (Turtle by Accept)
  /static/...            stylesheet, query-page script, vendored YASGUI (git-ignored)
"""

from __future__ import annotations

import shutil
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rdflib import Graph

from kg.server.downloads import Download, list_downloads
from kg.server.entities import EntityIndex
from kg.server.pages import Pages
from kg.server.query_pool import QueryPool
from kg.server.responses import Response
from kg.server.sparql_endpoint import SparqlService
from kg.server.store import BaseMap, data_base_of, load_store

STATIC = Path(__file__).parent / "static"
YASGUI_DIR = STATIC / "vendor" / "yasgui"
MAX_BODY = 1_000_000
LICENSE_LABELS = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}


@dataclass
class ServerConfig:
    dist: Path = Path("dist")
    host: str = "127.0.0.1"
    port: int = 8000
    base: str | None = None  # published data base; default http://HOST:PORT/id/
    query_timeout: float = 10.0
    max_results: int = 10_000
    workers: int = 2
    queries_dir: Path | None = None
    quiet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def public_base(self, port: int) -> str:
        if self.base:
            return self.base if self.base.endswith("/") else self.base + "/"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/id/"


class App:
    """Everything a request needs; built once, shared by the handler threads."""

    def __init__(self, config: ServerConfig, port: int):
        dist = config.dist
        if not (dist / "kg.trig").is_file():
            raise FileNotFoundError(f"{dist}/kg.trig not found (run `kg build` first)")
        self.config = config
        self.mapping = BaseMap(data_base_of(dist), config.public_base(port))
        self.store = load_store(dist, self.mapping)
        self.index = EntityIndex(self.store, self.mapping)
        self.void = Graph().parse(dist / "void.ttl") if (dist / "void.ttl").is_file() else None
        self.downloads: dict[str, Download] = list_downloads(dist, self.void)
        self.statics = {
            p.relative_to(STATIC).as_posix(): p
            for p in STATIC.rglob("*")
            if p.is_file() and "node_modules" not in p.parts
        }
        self.pool = QueryPool(dist, self.mapping, config.workers, config.query_timeout).start()
        self.sparql = SparqlService(self.pool, self.mapping, config.max_results)
        endpoint = self.mapping.public.rsplit("/id/", 1)[0] + "/sparql"
        site = {
            "title": "occupation-kg",
            "description": "A knowledge graph of occupations: duties, skills, credentials, "
            "industries and time-qualified statistics, each fact with its source and quote.",
            "public_base": self.mapping.public,
            "data_base": self.mapping.data,
            "endpoint": endpoint,
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "license_label": "CC BY 4.0",
            "query_timeout": f"{config.query_timeout:g}",
            "max_results": config.max_results,
        }
        self.pages = Pages(self.mapping.public, site)
        self.cache: dict[tuple[str, str], Response] = {}  # rendered entity documents

    def close(self) -> None:
        self.pool.close()

    @property
    def yasgui(self) -> bool:
        return (YASGUI_DIR / "yasgui.min.js").is_file()


class Handler(BaseHTTPRequestHandler):
    server_version = "kg-serve/0.1"
    protocol_version = "HTTP/1.1"
    app: App  # set on the subclass made by make_server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if not self.app.config.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        from kg.server import routes

        body = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(Response.text(413, f"request body over {MAX_BODY} bytes"), method)
            self.close_connection = True
            return
        if length:
            body = self.rfile.read(length)
        try:
            response = routes.dispatch(self.app, method, self.path, self.headers, body)
        except Exception as exc:  # a bug must not kill the connection silently
            self.log_error("internal error: %r", exc)
            response = Response.text(500, f"internal server error: {type(exc).__name__}")
        try:
            self._send(response, method)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away

    def _send(self, response: Response, method: str) -> None:
        size = response.file.stat().st_size if response.file else len(response.body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(size))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method == "HEAD":
            return
        if response.file:
            with response.file.open("rb") as fh:
                shutil.copyfileobj(fh, self.wfile, 64 * 1024)
        else:
            self.wfile.write(response.body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(config: ServerConfig) -> tuple[Server, App]:
    """Bind first (port 0 picks a free port), then load: the default base needs the port."""
    handler = type("BoundHandler", (Handler,), {})
    server = Server((config.host, config.port), handler)
    try:
        app = App(config, server.server_address[1])
    except BaseException:
        server.server_close()
        raise
    handler.app = app  # type: ignore[attr-defined]
    return server, app


def serve_in_thread(config: ServerConfig) -> tuple[Server, App, threading.Thread]:
    server, app = make_server(config)
    thread = threading.Thread(target=server.serve_forever, name="kg-serve", daemon=True)
    thread.start()
    return server, app, thread

