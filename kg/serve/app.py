"""The HTTP server and its routes (stdlib ThreadingHTTPServer, hardened).

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
  /search?q=TEXT         the search box: entities by a part of a label (kg.serve.site_search)
  /download/NAME         one file of dist/ (looked up by name: no path traversal)
  /ontology/             the pyLODE documentation (Turtle by Accept)
  /static/...            stylesheet, query-page script, vendored YASGUI (git-ignored)
  OPTIONS on any path    CORS preflight (204); every answer carries Access-Control-Allow-Origin

The HTTP layer (this module and kg.serve.http_limits) validates Content-Length (400 for a
malformed or negative one, 411 for a chunked body), reads or drains a refused body before it
answers 413, times idle and slow connections out (`idle_timeout`), caps connections per client
address, and names the client for the per-client query limits (kg.serve.fairness).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

from rdflib import Graph
from rdflib.namespace import VOID

from kg.serve import http_limits
from kg.serve.compression import gzip_chunks
from kg.serve.conditional import finish
from kg.serve.cors import cors_headers, preflight
from kg.serve.downloads import Download, close_downloads, list_downloads
from kg.serve.entities import EntityIndex
from kg.serve.fairness import ClientGate, current_client
from kg.serve.pages import Pages
from kg.serve.query_pool import QueryPool
from kg.serve.responses import Response
from kg.serve.site_search import SiteSearch
from kg.serve.sparql_endpoint import SparqlService
from kg.serve.store import BaseMap, data_base_of, open_store, store_dir

STATIC = Path(__file__).parent / "static"
YASGUI_DIR = STATIC / "vendor" / "yasgui"
MAX_BODY = http_limits.MAX_BODY
_LOG_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}
LICENSE_LABELS = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}


def ascii_target(target: str) -> str:
    """The request target with every non-ASCII byte percent-encoded. http.server reads the
    request line as Latin-1, so a raw UTF-8 `café` in a path or query (curl sends it as typed)
    became `cafÃ©`; encoded, the routes decode it as UTF-8 like a browser's `caf%C3%A9`."""
    if target.isascii():
        return target
    return "".join(c if ord(c) < 128 else f"%{ord(c):02X}" for c in target)


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
    # Hardening (see the module docstring); None means "derived from `workers`".
    worker_memory_mb: int = 1024  # address space each query worker may add after loading
    per_client_queries: int | None = None  # running queries per client: max(1, workers - 1)
    per_client_queue: int | None = None  # waiting queries per client: 8 * workers
    connections_per_client: int = 64
    idle_timeout: float = 15.0  # seconds a connection may stay idle or stall mid-request
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
        # The persistent store (dist/store/) opens read-only in a moment; kg.trig is only read
        # for a dist built without one.
        if store_dir(dist) is None and not (dist / "kg.trig").is_file():
            raise FileNotFoundError(f"{dist}/kg.trig not found (run `kg build` first, or name "
                                    "the built folder with --dist)")
        self.config = config
        self.mapping = BaseMap(data_base_of(dist), config.public_base(port))
        self.store = open_store(dist, self.mapping)
        # The entity index (labels, kinds, evidence) takes a while on the full graph: it is built
        # in the background, so the SPARQL endpoint and the downloads answer at once; a page
        # that needs it waits for it (`index`).
        self._index: EntityIndex | None = None
        self._index_error: BaseException | None = None
        self._index_ready = threading.Event()
        self._site_search: SiteSearch | None = None
        self._search_lock = threading.Lock()
        threading.Thread(target=self._build_index, name="kg-entity-index", daemon=True).start()
        self.void = Graph().parse(dist / "void.ttl") if (dist / "void.ttl").is_file() else None
        self.downloads: dict[str, Download] = list_downloads(dist, self.void)
        self.statics = {
            p.relative_to(STATIC).as_posix(): p
            for p in STATIC.rglob("*")
            if p.is_file() and "node_modules" not in p.parts
        }
        self.pool = QueryPool(
            dist, self.mapping, config.workers, config.query_timeout,
            memory_mb=config.worker_memory_mb,
        ).start()
        gate = ClientGate(
            config.per_client_queries or max(1, config.workers - 1),
            8 * config.workers if config.per_client_queue is None else config.per_client_queue,
            config.query_timeout,
        )
        self.sparql = SparqlService(self.pool, self.mapping, config.max_results, gate)
        self._graph_sizes: dict[str, int] | None = None
        endpoint = self.mapping.public.rsplit("/id/", 1)[0] + "/sparql"
        self.endpoint = endpoint
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
        self.pages.described_elsewhere = self.describes_external
        self.cache: dict[tuple[str, str], Response] = {}  # rendered entity documents
        self.cache_bytes = 0  # their bodies' total size (kg.serve.routes.CACHE_BYTES at most)
        # static assets as read, by path: (mtime_ns, size) when read, body, body gzipped
        self.static_cache: dict[str, tuple[tuple[int, int], bytes, bytes]] = {}

    def _build_index(self) -> None:
        try:
            self._index = EntityIndex(self.store, self.mapping)
        except BaseException as exc:  # handed to every request that needs the index
            self._index_error = exc
        finally:
            self._index_ready.set()
        if self._index is not None:  # the kind pages' lists and the search box's labels,
            self._index.entities_by_kind()  # before anyone asks
            self.site_search.search("--")

    def describes_external(self, iri: str) -> bool:
        """An IRI the graph describes but does not mint, once the entity index is built (a
        page rendered before links to the IRI itself)."""
        return self._index is not None and self._index.describes_external(iri)

    def entity_total(self) -> int:
        """Distinct published subjects: void:entities of the build's void.ttl (the same count),
        else counted in the store (15 s on the full graph)."""
        if self.void is not None:
            found = {int(n) for n in self.void.objects(None, VOID.entities)}
            if len(found) == 1:
                return found.pop()
        return self.index.entity_count()

    @property
    def site_search(self) -> SiteSearch:
        """The search box's label index, made on the first search (kg.serve.site_search)."""
        with self._search_lock:
            if self._site_search is None:
                self._site_search = SiteSearch(self.index, self.mapping.public)
            return self._site_search

    @property
    def index(self) -> EntityIndex:
        """The entity index; waits while it is being built."""
        self._index_ready.wait()
        if self._index is None:
            raise RuntimeError(f"the entity index could not be built: {self._index_error!r}")
        return self._index

    def close(self) -> None:
        self.pool.close()
        close_downloads(self.downloads)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph (for the service description), counted once."""
        if self._graph_sizes is None:
            rows = self.store.query(
                "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
            self._graph_sizes = {
                row["g"].value: int(row["n"].value) for row in rows  # type: ignore[index]
            }
        return self._graph_sizes

    @property
    def yasgui(self) -> bool:
        return (YASGUI_DIR / "yasgui.min.js").is_file()


class Handler(BaseHTTPRequestHandler):
    server_version = "kg-serve/0.1"
    protocol_version = "HTTP/1.1"
    app: App  # set on the subclass made by make_server
    timeout = 15.0  # socket timeout: idle keep-alive and stalled requests end (set per server)

    def setup(self) -> None:
        super().setup()
        self.rfile = http_limits.RequestClock(  # type: ignore[assignment]
            self.rfile, self.connection, self.timeout)

    def handle_one_request(self) -> None:
        self.rfile.done()  # type: ignore[attr-defined]  # a request answered by the stdlib
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if not self.app.config.quiet:
            # the request line is the client's: control characters (an ESC sequence repainting
            # the operator's terminal) are written escaped, as the standard library's own
            # log_message does
            line = (format % args).translate(_LOG_ESCAPES)
            sys.stderr.write(f"{self.address_string()} - {line}\n")

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

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, CONNECT, FOO, a lower-case get) is answered 405 by the
        router, as PUT is. Regression (session 29's attack): the stdlib's 501 HTML page."""
        if name.startswith("do_") and name != "do_OPTIONS":
            return lambda: self._handle(name[3:])
        raise AttributeError(name)

    def do_OPTIONS(self) -> None:
        length = self._body_length()
        if length is None:
            return
        if length and self._read_body(length) is None:
            return
        self._send(preflight(self.path.split("?", 1)[0], self.headers), "OPTIONS")

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it (curl waits for 100)."""
        length = self._body_length()
        if length is None:
            return False
        if length > MAX_BODY:
            self._refuse(http_limits.too_large(length))
            return False
        return super().handle_expect_100()

    def send_response_only(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response_only(code, message)

    def end_headers(self) -> None:
        # CORS on every final answer, also the standard library's own errors (400, 414, 501).
        if getattr(self, "_status", 0) >= 200:
            for key, value in cors_headers().items():
                self.send_header(key, value)
        super().end_headers()

    def _refuse(self, response: Response) -> None:
        """Answer an unusable request and close: after it the stream cannot be trusted."""
        self.close_connection = True
        response.headers["Connection"] = "close"
        try:
            self._send(response, "GET")
        except OSError:
            pass

    def _body_length(self) -> int | None:
        """The declared body length; None after answering a request with a bad one."""
        try:
            return http_limits.body_length(self.headers)
        except http_limits.BadLength as exc:
            self._refuse(Response.text(exc.status, str(exc)))
            return None

    def _read_body(self, length: int) -> bytes | None:
        if length > MAX_BODY:
            # Read (and drop) what the client sends first, so it is not reset before it can
            # read the 413; a body far over the drain limit is not waited for.
            http_limits.drain(self.rfile, length, self.connection)
            self._refuse(http_limits.too_large(length))
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self._refuse(Response.text(408, "the request body did not arrive in time"))
            return None
        if len(body) < length:
            self.close_connection = True  # the client closed mid-body: nothing to answer
            return None
        return body

    def _handle(self, method: str) -> None:
        from kg.serve import routes

        current_client.set(self.client_address[0])
        length = self._body_length()
        if length is None:
            return
        body = self._read_body(length) if length else b""
        if body is None:
            return
        try:
            response = routes.dispatch(self.app, method, ascii_target(self.path), self.headers,
                                       body)
            response = finish(response, method, self.headers)
        except Exception as exc:  # a bug must not kill the connection silently
            self.log_error("internal error: %r", exc)
            response = Response.text(500, f"internal server error: {type(exc).__name__}")
        try:
            self._send(response, method)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away or stopped reading

    def _send(self, response: Response, method: str) -> None:
        self.rfile.done()  # type: ignore[attr-defined]  # writes get the idle timeout again
        if (response.file or response.file_fd is not None) and response.file_range:
            first, last = response.file_range
            size = last - first + 1
        elif response.file_fd is not None:
            size = os.fstat(response.file_fd).st_size
        else:
            size = response.file.stat().st_size if response.file else len(response.body)
        # a download gzipped as it goes: its length is known at the end only
        chunked = response.gzip_file and self.request_version == "HTTP/1.1"
        if response.gzip_file and not chunked:
            self.close_connection = True  # HTTP/1.0: the body ends where the connection does
            response.headers["Connection"] = "close"
        self.send_response(response.status)
        if response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            elif not response.gzip_file:
                self.send_header("Content-Length", str(size))
        for key, value in response.headers.items():
            self.send_header(key, value)
        # error bodies echo the request as text/plain: no browser may sniff them into HTML
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if method in ("HEAD", "OPTIONS") or response.status in (204, 304):
            return
        if response.file_fd is not None and response.gzip_file:
            for piece in gzip_chunks(_file_chunks(response.file_fd, size)):
                self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        elif response.file_fd is not None:
            # pread: several requests read one descriptor at their own offsets
            offset = response.file_range[0] if response.file_range else 0
            end = offset + size
            while offset < end and (chunk := os.pread(response.file_fd,
                                                      min(64 * 1024, end - offset), offset)):
                self.wfile.write(chunk)
                offset += len(chunk)
        elif response.file:
            with response.file.open("rb") as fh:
                if response.file_range:
                    fh.seek(response.file_range[0])
                    _copy_bytes(fh, self.wfile, size)
                else:
                    shutil.copyfileobj(fh, self.wfile, 64 * 1024)
        else:
            self.wfile.write(response.body)


def _file_chunks(fd: int, size: int) -> Iterator[bytes]:
    """The first `size` bytes of an open file, read at offsets (pread: several requests read
    one descriptor)."""
    offset = 0
    while offset < size and (chunk := os.pread(fd, min(256 * 1024, size - offset), offset)):
        yield chunk
        offset += len(chunk)


def _copy_bytes(source: BinaryIO, target: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = source.read(min(count, 64 * 1024))
        if not chunk:
            break
        target.write(chunk)
        count -= len(chunk)


class Server(http_limits.ConnectionCap, ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(config: ServerConfig) -> tuple[Server, App]:
    """Bind first (port 0 picks a free port), then load: the default base needs the port."""
    handler = type("BoundHandler", (Handler,), {"timeout": config.idle_timeout})
    server = Server((config.host, config.port), handler)
    server.per_client = config.connections_per_client
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

