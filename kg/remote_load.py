"""`kg load`: put every named graph of dist/kg.trig into a remote store.

SPARQL 1.1 Graph Store HTTP Protocol: one `PUT ?graph=G` per graph (N-Triples), which replaces
the graph. Then the manifest graph (engines.LOAD_MANIFEST_GRAPH) is replaced with the list of
loaded graphs, which is what the remote engine queries as its dataset; graphs listed by the
previous manifest but absent from this build are deleted. Authentication follows the server's
challenge: HTTP Digest (Virtuoso's /sparql-graph-crud-auth) or Basic. Credentials come from the
arguments or $KG_SPARQL_USER / $KG_SPARQL_PASSWORD; nothing is hard-coded.
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

from kg.engines import LOAD_MANIFEST_GRAPH, SD
from kg.errors import KgError

DEFAULT_TIMEOUT = 300.0


class LoadError(KgError):
    pass


class AuthError(LoadError):
    pass


def default_graph_store(endpoint: str) -> str:
    """Virtuoso's convention: /sparql -> /sparql-graph-crud-auth (others need --graph-store)."""
    parts = urllib.parse.urlsplit(endpoint)
    if not parts.path.rstrip("/").endswith("/sparql"):
        raise LoadError(
            f"cannot guess the Graph Store Protocol URL for {endpoint}; pass --graph-store URL"
        )
    path = parts.path.rstrip("/") + "-graph-crud-auth"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


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


class GraphStore:
    """A minimal Graph Store Protocol client."""

    def __init__(
        self, url: str, user: str | None, password: str | None, timeout: float = DEFAULT_TIMEOUT
    ):
        self.url, self.timeout = url, timeout
        self.auth = _Auth(user, password)

    def _graph_url(self, graph: str) -> str:
        return f"{self.url}?{urllib.parse.urlencode({'graph': graph})}"

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
            raise LoadError(f"cannot reach the graph store {self.url}: {exc.reason}") from exc
        except (TimeoutError, OSError) as exc:
            raise LoadError(f"cannot reach the graph store {self.url}: {exc}") from exc

    def request(
        self,
        method: str,
        graph: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> _Response:
        url = self._graph_url(graph)
        resp = self._send(method, url, body, headers or {})
        # One retry with a fresh challenge: first contact, or a stale Digest nonce.
        if resp.status == 401 and self.auth.has_credentials and resp.challenge:
            self.auth.learn(resp.challenge)
            resp = self._send(method, url, body, headers or {})
        if resp.status == 401:
            who = f"user {self.auth.user!r}" if self.auth.has_credentials else "no credentials"
            raise AuthError(
                f"authentication failed at {self.url} ({who}); pass --user/--password or set "
                "KG_SPARQL_USER and KG_SPARQL_PASSWORD"
            )
        return resp


def _check(resp: _Response, action: str, url: str, ok: tuple[int, ...] = ()) -> None:
    if 200 <= resp.status < 300 or resp.status in ok:
        return
    excerpt = resp.body[:400].decode("utf-8", "replace").strip()
    raise LoadError(f"{action} at {url} failed: HTTP {resp.status}: {excerpt}")


def _manifest(graphs: list[str]) -> bytes:
    m = f"<{LOAD_MANIFEST_GRAPH}>"
    lines = [f"{m} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SD}Dataset> ."]
    for i, g in enumerate(graphs):
        node = f"_:g{i}"
        lines += [f"{m} <{SD}namedGraph> {node} .", f"{node} <{SD}name> <{g}> ."]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _previous_manifest(store: GraphStore) -> set[str]:
    resp = store.request("GET", LOAD_MANIFEST_GRAPH, headers={"Accept": "application/n-triples"})
    if resp.status == 404:
        return set()
    _check(resp, "reading the load manifest", store.url)
    graph = ox.Store()
    try:
        graph.load(resp.body, format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError):
        try:
            graph.load(resp.body, format=ox.RdfFormat.TURTLE)  # some stores ignore Accept
        except (SyntaxError, ValueError):
            return set()
    name = ox.NamedNode(SD + "name")
    return {
        q.object.value
        for q in graph.quads_for_pattern(None, name, None)
        if isinstance(q.object, ox.NamedNode)
    }


def load(
    trig_path: str | Path,
    endpoint: str,
    user: str | None = None,
    password: str | None = None,
    graph_store_url: str | None = None,
    *,
    progress: TextIO | bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, int]:
    """Replace each named graph of `trig_path` in the store; return {graph IRI: triples}.

    Progress goes to stderr (progress=True), to a given stream, or nowhere (False).
    """
    out = sys.stderr if progress is True else (None if progress is False else progress)
    user = user if user is not None else os.environ.get("KG_SPARQL_USER")
    password = password if password is not None else os.environ.get("KG_SPARQL_PASSWORD")
    gsp = graph_store_url or default_graph_store(endpoint)
    path = Path(trig_path)
    if not path.is_file():
        raise LoadError(f"{path}: no such file (run `kg build` first)")
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

    store = GraphStore(gsp, user, password, timeout)
    previous = _previous_manifest(store)  # also learns the auth challenge cheaply
    counts: dict[str, int] = {}
    total = len(graphs)
    for i, g in enumerate(graphs, start=1):
        body = data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        n = sum(1 for _ in data.quads_for_pattern(None, None, None, g))
        if out:
            print(f"kg load: [{i}/{total}] {g.value} ({n} triples) ...", file=out, flush=True)
        resp = store.request("PUT", g.value, body, {"Content-Type": "application/n-triples"})
        _check(resp, f"PUT graph <{g.value}>", gsp)
        counts[g.value] = n
    for stale in sorted(previous - set(counts)):
        if out:
            print(f"kg load: deleting graph {stale} (not in this build)", file=out, flush=True)
        _check(store.request("DELETE", stale), f"DELETE graph <{stale}>", gsp, ok=(404,))
    resp = store.request(
        "PUT",
        LOAD_MANIFEST_GRAPH,
        _manifest(list(counts)),
        {"Content-Type": "application/n-triples"},
    )
    _check(resp, "PUT the load manifest", gsp)
    if out:
        print(
            f"kg load: {total} graph(s), {sum(counts.values())} triples into {gsp}",
            file=out,
            flush=True,
        )
    return counts
