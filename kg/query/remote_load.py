"""`kg load`: put every named graph of dist/kg.trig into a remote store, switching over last.

SPARQL 1.1 Graph Store HTTP Protocol (GSP) for the data, SPARQL 1.1 Update for the switch-over:

1. Read the load manifest (kg.query.load_manifest) the previous load left; a malformed one is an
error.
2. Staged (the default for Virtuoso, or with --update URL): `PUT` each graph G under a staging
   graph S(G). If one fails, the staging graphs are dropped and the store is as before.
3. `MOVE <S(G)> TO <G>` for each graph (fast, server-side). Virtuoso does not run a multi-step
   update as one transaction (tests/test_remote.py shows it), so this is one request per graph
   and the manifest, rewritten on a failure, says which graphs are new, old or missing.
4. Delete the graphs the previous manifest listed that this build does not have; write the
   manifest: every graph "new", and the union graph.

Union graph: besides the named graphs, the set union of all of them goes into ONE graph
(engines.UNION_GRAPH, loaded last, recorded in the manifest only once every graph is "new");
engines.RemoteEngine sends it as the query's one default-graph-uri.

Bulk (the default when the endpoint is on this machine, `isql-vt` is installed and the
credentials open isql): Virtuoso's own bulk loader reads kg.trig, converted to N-Quads files
that hold every quad twice, in its graph and in the union graph, so the union costs no second
pass inside the server (kg.query.virtuoso_bulk); the manifest still goes through the Graph
Store. A graph being replaced is emptied first, so a failure leaves those graphs "missing" in
the manifest.
--loader gsp forces the Graph Store Protocol; --loader bulk fails when the bulk loader cannot
be used instead of falling back.

Direct (a --graph-store given without --update: the store may have no Update endpoint): `PUT`
each graph in place; on a failure the manifest records each graph's state and the error lists
them. Every HTTP request has a timeout (--timeout). Authentication follows the server's
challenge: HTTP Digest (Virtuoso's /sparql-graph-crud-auth and /sparql-auth) or Basic.
Credentials come from the arguments or $KG_SPARQL_USER / $KG_SPARQL_PASSWORD.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from kg.errors import KgError, not_a_file
from kg.query import virtuoso_bulk
from kg.query.engines import LOAD_MANIFEST_GRAPH, UNION_GRAPH
from kg.query.load_manifest import Manifest, parse_manifest

LOADERS = ("auto", "bulk", "gsp")

DEFAULT_TIMEOUT = 60.0  # seconds per HTTP request


class LoadError(KgError):
    pass


class AuthError(LoadError):
    pass


def _virtuoso_url(endpoint: str, suffix: str, option: str) -> str:
    parts = urllib.parse.urlsplit(endpoint)
    if not parts.path.rstrip("/").endswith("/sparql"):
        raise LoadError(f"cannot guess the {option[2:]} URL for {endpoint}; pass {option} URL")
    path = parts.path.rstrip("/") + suffix
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def default_graph_store(endpoint: str) -> str:
    """Virtuoso's convention: /sparql -> /sparql-graph-crud-auth (others need --graph-store)."""
    return _virtuoso_url(endpoint, "-graph-crud-auth", "--graph-store")


def default_update(endpoint: str) -> str:
    """Virtuoso's convention: /sparql -> /sparql-auth, the endpoint that takes updates."""
    return _virtuoso_url(endpoint, "-auth", "--update")


class _Auth:
    """Answers a WWW-Authenticate challenge (Digest MD5 / qop=auth, or Basic), then reuses it."""

    def __init__(self, user: str | None, password: str | None):
        self.user, self.password = user, password
        self.scheme: str | None = None
        self.params: dict[str, str] = {}
        self.nc = 0

    @property
    def has_credentials(self) -> bool:
        return self.user is not None and self.password is not None

    def learn(self, challenge: str) -> None:
        scheme, _, rest = challenge.strip().partition(" ")
        self.scheme = scheme.lower()
        self.params = {
            k.lower(): v1 or v2
            for k, v1, v2 in re.findall(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]*))', rest)
        }
        self.nc = 0
        if self.scheme == "digest" and self.params.get("algorithm", "MD5").upper() != "MD5":
            raise AuthError(f"unsupported digest algorithm {self.params['algorithm']!r}")
        if self.scheme not in ("digest", "basic"):
            raise AuthError(f"unsupported authentication scheme {scheme!r}")

    def header(self, method: str, url: str) -> str | None:
        if not self.has_credentials or self.scheme is None:
            return None
        user, password = self.user or "", self.password or ""
        if self.scheme == "basic":
            return "Basic " + b64encode(f"{user}:{password}".encode()).decode("ascii")
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        realm, nonce = self.params.get("realm", ""), self.params.get("nonce", "")

        def md5(text: str) -> str:
            return hashlib.md5(text.encode("utf-8")).hexdigest()

        ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri}
        if "auth" in self.params.get("qop", "").split(","):
            self.nc += 1
            nc, cnonce = f"{self.nc:08x}", secrets.token_hex(8)
            fields["response"] = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            fields["response"] = md5(f"{ha1}:{nonce}:{ha2}")
            extra = ""
        if "opaque" in self.params:
            fields["opaque"] = self.params["opaque"]
        quoted = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        return f"Digest {quoted}, algorithm=MD5{extra}"


@dataclass
class _Response:
    status: int
    body: bytes
    challenge: str | None = None


class _Client:
    """HTTP with the challenge-driven authentication and a timeout on every request."""

    what = "the graph store"  # for messages

    def __init__(self, url: str, user: str | None, password: str | None, timeout: float):
        self.url, self.timeout = url, timeout
        self.auth = _Auth(user, password)

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> _Response:
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        auth = self.auth.header(method, url)
        if auth:
            req.add_header("Authorization", auth)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return _Response(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            return _Response(exc.code, exc.read(), exc.headers.get("WWW-Authenticate"))
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out() from exc
            raise LoadError(f"cannot reach {self.what} {self.url}: {exc.reason}") from exc
        except TimeoutError as exc:
            raise self._timed_out() from exc
        except OSError as exc:
            raise LoadError(f"cannot reach {self.what} {self.url}: {exc}") from exc

    def _timed_out(self) -> LoadError:
        return LoadError(
            f"{self.what} {self.url} did not answer within {self.timeout:g} s "
            "(pass --timeout SECONDS to wait longer)"
        )

    def call(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> _Response:
        resp = self._send(method, url, body, headers)
        # One retry with a fresh challenge: first contact, or a stale Digest nonce.
        if resp.status == 401 and self.auth.has_credentials and resp.challenge:
            self.auth.learn(resp.challenge)
            resp = self._send(method, url, body, headers)
        if resp.status == 401:
            who = f"user {self.auth.user!r}" if self.auth.has_credentials else "no credentials"
            raise AuthError(
                f"authentication failed at {self.url} ({who}); pass --user/--password or set "
                "KG_SPARQL_USER and KG_SPARQL_PASSWORD"
            )
        return resp


class GraphStore(_Client):
    """A minimal Graph Store Protocol client."""

    def __init__(
        self, url: str, user: str | None, password: str | None, timeout: float = DEFAULT_TIMEOUT
    ):
        super().__init__(url, user, password, timeout)

    def request(
        self,
        method: str,
        graph: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> _Response:
        url = f"{self.url}?{urllib.parse.urlencode({'graph': graph})}"
        return self.call(method, url, body, headers or {})


class UpdateEndpoint(_Client):
    """A SPARQL 1.1 Update endpoint (POST application/sparql-update)."""

    what = "the SPARQL Update endpoint"

    def run(self, update: str, action: str) -> None:
        resp = self.call("POST", self.url, update.encode("utf-8"),
                         {"Content-Type": "application/sparql-update"})
        _check(resp, action, self.url)


def _check(resp: _Response, action: str, url: str, ok: tuple[int, ...] = ()) -> None:
    if 200 <= resp.status < 300 or resp.status in ok:
        return
    excerpt = resp.body[:400].decode("utf-8", "replace").strip()
    raise LoadError(f"{action} at {url} failed: HTTP {resp.status}: {excerpt}")


def _staging_graph(graph: str) -> str:
    return f"{LOAD_MANIFEST_GRAPH}/staging/{hashlib.sha256(graph.encode()).hexdigest()[:16]}"


def _previous_manifest(store: GraphStore) -> Manifest:
    resp = store.request("GET", LOAD_MANIFEST_GRAPH, headers={"Accept": "application/n-triples"})
    if resp.status == 404:
        return Manifest()
    _check(resp, "reading the load manifest", store.url)
    return parse_manifest(resp.body, store.url)


class _Load:
    """One run of `kg load`: what is in the store so far, for the report when a step fails."""

    def __init__(self, store: GraphStore, update: UpdateEndpoint | None, previous: Manifest,
                 graphs: list[str], out: TextIO | None):
        self.store, self.update, self.out = store, update, out
        self.previous = previous
        # Before anything is replaced: previously loaded graphs hold old content.
        self.state = {g: ("old" if g in previous.graphs else "missing") for g in graphs}
        self.state.update({g: "old" for g in previous.graphs if g not in self.state})
        self.staging = set(previous.staging)

    def say(self, message: str) -> None:
        if self.out:
            print(f"kg load: {message}", file=self.out, flush=True)

    def put_manifest(self, manifest: Manifest) -> None:
        resp = self.store.request("PUT", LOAD_MANIFEST_GRAPH, manifest.to_ntriples(),
                                  {"Content-Type": "application/n-triples"})
        _check(resp, "PUT the load manifest", self.store.url)

    def unchanged(self, exc: LoadError) -> LoadError:
        """A failure before any live graph was touched: drop what was staged."""
        note = "nothing in the store changed; the previous load stays"
        try:
            for staged in sorted(self.staging - self.previous.staging):
                self.store.request("DELETE", staged)
            self.put_manifest(Manifest(dict(self.previous.graphs), set(self.previous.staging),
                                       self.previous.union))
        except LoadError as cleanup:
            note += f" (staging graphs were not all removed: {cleanup})"
        return LoadError(f"{exc}\n{note}")

    def mixed(self, exc: LoadError) -> LoadError:
        """A failure after some live graphs were replaced: record and report each one's state."""
        lines = [str(exc), "the store now mixes this load and the previous one:"]
        for state in ("new", "old", "missing"):
            names = sorted(g for g, s in self.state.items() if s == state)
            shown = ", ".join(f"<{g}>" for g in names) if names else "none"
            lines.append(f"  {state} ({len(names)}): {shown}")
        try:
            self.put_manifest(Manifest(dict(self.state), set(self.staging)))
            lines.append(f"the load manifest <{LOAD_MANIFEST_GRAPH}> records this; "
                         "run kg load again to finish")
        except LoadError as failed:
            lines.append(f"the load manifest could not be updated either: {failed}")
        return LoadError("\n".join(lines))


def load(
    trig_path: str | Path,
    endpoint: str,
    user: str | None = None,
    password: str | None = None,
    graph_store_url: str | None = None,
    *,
    update_url: str | None = None,
    progress: TextIO | bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    loader: str = "auto",
) -> dict[str, int]:
    """Replace each named graph of `trig_path` in the store and the union graph; return
    {graph IRI: triples} (the named graphs).

    loader "auto": Virtuoso's bulk loader when the endpoint is local and isql answers (and no
    --graph-store / --update was given), else the Graph Store Protocol; "bulk" or "gsp" force
    one. GSP loads are staged through `update_url` (default for Virtuoso when no graph store URL
    is given: the endpoint's -auth twin), else direct. Progress goes to stderr (progress=True),
    to a given stream, or nowhere (False).
    """
    if not timeout > 0:
        raise LoadError(f"--timeout must be a number of seconds above 0, not {timeout:g}")
    if loader not in LOADERS:
        raise LoadError(f"--loader must be one of {', '.join(LOADERS)}, not {loader!r}")
    out = sys.stderr if progress is True else (None if progress is False else progress)
    user = user if user is not None else os.environ.get("KG_SPARQL_USER")
    password = password if password is not None else os.environ.get("KG_SPARQL_PASSWORD")
    explicit_urls = update_url is not None or graph_store_url is not None
    if update_url is None and graph_store_url is None:
        update_url = default_update(endpoint)
    gsp = graph_store_url or default_graph_store(endpoint)
    path = Path(trig_path)
    if not path.is_file():
        raise LoadError(f"{path}: {not_a_file(path)} (run `kg build` first)")
    store = GraphStore(gsp, user, password, timeout)
    if loader == "bulk" or (loader == "auto" and not explicit_urls):
        target = _bulk_target(endpoint, user, password, timeout, out, loader == "bulk")
        if target is not None:
            previous = _previous_manifest(store)
            return _load_bulk(path, target, store, previous, out)
    data = ox.Store()
    try:
        data.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    except (SyntaxError, ValueError, OSError) as exc:
        raise LoadError(f"{path}: cannot parse: {exc}") from exc
    if any(True for _ in data.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        raise LoadError(f"{path}: has default-graph triples; only named graphs can be loaded")
    graphs = sorted(data.named_graphs(), key=lambda g: str(g.value))
    if any(not isinstance(g, ox.NamedNode) for g in graphs):
        raise LoadError(f"{path}: a graph is named by a blank node; it cannot be addressed")

    previous = _previous_manifest(store)  # also learns the auth challenge cheaply
    update = UpdateEndpoint(update_url, user, password, timeout) if update_url else None
    if update is not None:  # fail here, before the long part, if updates are refused
        update.run(f"DROP SILENT GRAPH <{_staging_graph('probe')}>", "a test update")
    run = _Load(store, update, previous, [g.value for g in graphs], out)
    counts: dict[str, int] = {}
    total = len(graphs)
    if update is not None:
        run.staging |= {_staging_graph(g) for g in [*(g.value for g in graphs), UNION_GRAPH]}
        try:  # a killed load leaves its staging graphs listed, for the next load to drop
            run.put_manifest(Manifest(dict(previous.graphs), set(run.staging)))
        except LoadError as exc:
            raise LoadError(f"{exc}\nnothing in the store changed") from exc
    for i, g in enumerate(graphs, start=1):
        body = data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        n = body.count(b"\n")  # one line per triple
        target = g.value if update is None else _staging_graph(g.value)
        run.say(f"[{i}/{total}] {g.value} ({n} triples) ...")
        try:
            resp = store.request("PUT", target, body, {"Content-Type": "application/n-triples"})
            _check(resp, f"PUT graph <{g.value}>", gsp)
        except LoadError as exc:
            raise (run.unchanged(exc) if update is not None else run.mixed(exc)) from exc
        counts[g.value] = n
        if update is None:
            run.state[g.value] = "new"
    # The union graph last: until it is replaced too, the manifest names no union graph.
    data.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    union_body = data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    union_target = UNION_GRAPH if update is None else _staging_graph(UNION_GRAPH)
    union_size = union_body.count(b"\n")
    run.say(f"union graph {UNION_GRAPH} ({union_size} triples) ...")
    try:
        resp = store.request("PUT", union_target, union_body,
                             {"Content-Type": "application/n-triples"})
        _check(resp, f"PUT graph <{UNION_GRAPH}>", gsp)
    except LoadError as exc:
        raise (run.unchanged(exc) if update is not None else run.mixed(exc)) from exc
    if update is not None:
        run.say(f"all {total} graph(s) and the union staged; switching over")
        for g in [*(g.value for g in graphs), UNION_GRAPH]:
            try:
                update.run(f"MOVE <{_staging_graph(g)}> TO <{g}>", f"MOVE into graph <{g}>")
            except LoadError as exc:
                raise run.mixed(exc) from exc
            if g in run.state:
                run.state[g] = "new"
            run.staging.discard(_staging_graph(g))
    try:
        for stale in sorted(set(previous.graphs) - set(counts)):
            run.say(f"deleting graph {stale} (not in this build)")
            _check(store.request("DELETE", stale), f"DELETE graph <{stale}>", gsp, ok=(404,))
            del run.state[stale]
        for leftover in sorted(run.staging - {_staging_graph(g) for g in [*counts, UNION_GRAPH]}):
            _check(store.request("DELETE", leftover), f"DELETE graph <{leftover}>", gsp,
                   ok=(404,))
        run.staging.clear()
        run.put_manifest(Manifest(dict.fromkeys(counts, "new"), union=UNION_GRAPH))
    except LoadError as exc:
        raise run.mixed(exc) from exc
    run.say(f"{total} graph(s), {sum(counts.values())} triples into {gsp}, and their union")
    return counts


def _bulk_target(endpoint: str, user: str | None, password: str | None, timeout: float,
                 out: TextIO | None, required: bool) -> virtuoso_bulk.BulkTarget | None:
    """Where to run Virtuoso's bulk loader, or None (saying why) to use the Graph Store."""
    def why_not(reason: str) -> None:
        if required:
            raise LoadError(f"--loader bulk: {reason}")
        if out:
            print(f"kg load: not using the bulk loader: {reason}; using the Graph Store "
                  "Protocol", file=out, flush=True)

    if not virtuoso_bulk.is_local(endpoint):
        return why_not(f"{endpoint} is not on this machine")
    if virtuoso_bulk.isql_binary() is None:
        return why_not(f"{virtuoso_bulk.ISQL} is not installed")
    if user is None or password is None:
        return why_not("no credentials (--user/--password)")
    try:
        url = default_update(endpoint)
    except LoadError as exc:
        return why_not(str(exc))
    client = _Client(url, user, password, timeout)
    client.what = "the SPARQL endpoint"
    body = urllib.parse.urlencode({"query": virtuoso_bulk.DISCOVERY_QUERY}).encode()
    try:  # wrong credentials fail here, as they would on the Graph Store
        resp = client.call("POST", url, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
    except AuthError:
        raise
    except LoadError as exc:
        return why_not(str(exc))
    if not 200 <= resp.status < 300:
        return why_not(f"{url} did not tell its isql port (HTTP {resp.status})")
    found = virtuoso_bulk.discover(resp.body, user, password)
    if isinstance(found, str):
        return why_not(found)
    return found


def _load_bulk(path: Path, target: virtuoso_bulk.BulkTarget, store: GraphStore,
               previous: Manifest, out: TextIO | None) -> dict[str, int]:
    try:
        graphs = virtuoso_bulk.graph_names(path)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc}") from exc
    if not graphs:
        raise LoadError(f"{path}: has no named graphs; only named graphs can be loaded")
    run = _Load(store, None, previous, graphs, out)
    run.say(f"bulk loading {path} ({len(graphs)} graph(s)) through isql at "
            f"{target.isql_address}, the file linked under {target.import_dir}")
    # Written before anything is emptied, so a killed load leaves a manifest that is true.
    run.state.update(dict.fromkeys(graphs, "missing"))
    run.put_manifest(Manifest(dict(run.state), set(previous.staging)))
    sentinel = f"{LOAD_MANIFEST_GRAPH}/default-graph-triples"
    try:
        counts = virtuoso_bulk.bulk_load(target, path, graphs, UNION_GRAPH, sentinel)
    except virtuoso_bulk.BulkError as exc:
        raise run.mixed(LoadError(str(exc))) from exc
    run.state.update(dict.fromkeys(graphs, "new"))
    try:
        stale = sorted(set(previous.graphs) - set(graphs))
        for g in stale:
            run.say(f"deleting graph {g} (not in this build)")
        virtuoso_bulk.clear_graphs(target, [*stale, *sorted(previous.staging)],
                                   "deleting graphs not in this build")
        for g in stale:
            del run.state[g]
        run.put_manifest(Manifest(dict.fromkeys(graphs, "new"), union=UNION_GRAPH))
    except (LoadError, virtuoso_bulk.BulkError) as exc:
        raise run.mixed(LoadError(str(exc))) from exc
    for i, g in enumerate(graphs, start=1):
        run.say(f"[{i}/{len(graphs)}] {g} ({counts[g]} triples)")
    run.say(f"{len(graphs)} graph(s), {sum(counts.values())} triples bulk-loaded, and their "
            "union")
    return counts
