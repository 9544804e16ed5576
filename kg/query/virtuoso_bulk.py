"""`kg load` through Virtuoso's bulk loader (isql `ld_add` + `rdf_loader_run`) on a local server.

Used when the endpoint is on this machine, `isql-vt` is installed and the credentials let us in:
the server's own loader reads files from disk instead of every triple crossing HTTP. Steps:

1. discover(): ask the endpoint (authenticated, /sparql-auth) for its isql port, DirsAllowed and
   server root; pick an allowed folder we can write; check the isql login.
2. graph_names(): the graph names of the TriG file, from its `name {` block headers (the way
   `kg build` and pyoxigraph write TriG), so they can be cleared before the load.
3. Clear those graphs and the union graph (SQL DELETE on RDF_QUAD, unlogged with row
   autocommit, log_enable(2,1), as the bulk loader itself runs; then a checkpoint).
4. Convert kg.trig to N-Quads files in a fresh folder under the allowed folder (Virtuoso's own
   TriG reader keeps the `\\/` escapes of prefixed names in the IRIs: measured, it cannot read
   kg.trig). Each quad is written twice: in its own graph and in the union graph. So the union
   is not a second pass inside the server (INSERT ... SELECT from every graph took 138 s of a
   447 s full load, with a "Low query memory limit" warning): the loader parses it like the
   rest, a triple that several graphs hold is stored once (RDF_QUAD's key is G, S, P, O), and a
   blank node is the same node in its graph and in the union (the loader scopes blank-node
   labels to a file). `ld_add` each file as soon as it is written, with a sentinel graph
   (triples outside any graph land there and make the load fail), and run the loader beside the
   writer (then two loaders); checkpoint; read the loader's errors.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError

ISQL = "isql-vt"  # Debian's name for Virtuoso's isql (unixODBC's `isql` is another tool)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ISQL_TIMEOUT = 3600.0  # seconds for one isql step (the full graph loads in a few minutes)

_PREFIX = re.compile(rb"^(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.M | re.I)
_HEADER = re.compile(rb"^(?:GRAPH\s+)?(<[^>\s]*>|[A-Za-z][\w.-]*:\S*|:\S*|_:\S+)\s*\{\s*$",
                     re.M | re.I)
_PN_ESCAPE = re.compile(r"\\(.)")


class BulkError(KgError):
    pass


@dataclass(frozen=True)
class BulkTarget:
    """Where and how to run the bulk loader."""

    isql_address: str  # host:port
    import_dir: Path  # a folder in the server's DirsAllowed that we can write
    user: str
    password: str


def isql_binary() -> str | None:
    return shutil.which(ISQL)


def is_local(endpoint: str) -> bool:
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    return host in LOCAL_HOSTS


def _allowed_dir(dirs_allowed: str, server_root: str) -> Path | None:
    """The first DirsAllowed folder that exists and we can write (others before the server's
    own working folder ".", which holds its database)."""
    entries = [e.strip() for e in dirs_allowed.split(",") if e.strip()]
    entries.sort(key=lambda e: e == ".")
    for entry in entries:
        path = Path(entry) if os.path.isabs(entry) else Path(server_root) / entry
        if path.is_dir() and os.access(path, os.W_OK | os.X_OK):
            return path.resolve()
    return None


def run_isql(target: BulkTarget, sql: str, action: str, timeout: float = ISQL_TIMEOUT) -> str:
    """Run SQL statements through isql; any `*** Error` is a BulkError naming the action."""
    try:
        done = subprocess.run(
            [ISQL, target.isql_address, target.user, target.password, f"exec={sql}"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BulkError(f"{action}: isql at {target.isql_address} did not finish within "
                        f"{timeout:g} s") from exc
    except OSError as exc:
        raise BulkError(f"{action}: cannot run {ISQL}: {exc}") from exc
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        error = next((line for line in output.splitlines() if "*** Error" in line),
                     output.strip()[-300:])
        raise BulkError(f"{action} failed at isql {target.isql_address}: {error.strip()}")
    return done.stdout


def discover(answer_json: bytes, user: str, password: str) -> BulkTarget | str:
    """A BulkTarget from the endpoint's answer to DISCOVERY_QUERY, or why there is none."""
    try:
        row = json.loads(answer_json)["results"]["bindings"][0]
        port, dirs, root = (row[k]["value"] for k in ("port", "dirs", "root"))
    except (ValueError, KeyError, IndexError) as exc:
        return f"the endpoint did not tell its isql port and DirsAllowed ({exc!r})"
    address = port if ":" in port else f"127.0.0.1:{port}"
    folder = _allowed_dir(dirs, root)
    if folder is None:
        return f"no folder of the server's DirsAllowed ({dirs}) is writable here"
    target = BulkTarget(address, folder, user, password)
    try:
        run_isql(target, "select 1;", "isql login", timeout=30)
    except BulkError as exc:
        return str(exc)
    return target


# Asked at the endpoint's authenticated twin: only the DBA may read the server's configuration.
DISCOVERY_QUERY = (
    "SELECT (bif:cfg_item_value(bif:virtuoso_ini_path(), 'Parameters', 'ServerPort') AS ?port) "
    "(bif:cfg_item_value(bif:virtuoso_ini_path(), 'Parameters', 'DirsAllowed') AS ?dirs) "
    "(bif:server_root() AS ?root) {}"
)


def graph_names(path: Path) -> list[str]:
    """The named graphs of a TriG file, sorted, read from its `name {` block headers."""
    data = path.read_bytes()
    prefixes = {(m[1] or b"").decode(): m[2].decode() for m in _PREFIX.finditer(data)}
    names: set[str] = set()
    for match in _HEADER.finditer(data):
        token = match[1].decode("utf-8")
        if token.startswith("<"):
            names.add(token[1:-1])
        elif token.startswith("_:"):
            raise BulkError(f"{path}: graph {token} is a blank node; it cannot be addressed")
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                raise BulkError(f"{path}: graph {token} uses an undeclared prefix {prefix!r}")
            names.add(prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local))
    return sorted(names)


def _sql_iri(iri: str) -> str:
    return "'" + iri.replace("'", "''") + "'"


def clear_graphs(target: BulkTarget, graphs: list[str], action: str) -> None:
    """Empty graphs in one unlogged pass (row autocommit: no huge transaction), checkpoint."""
    if not graphs:
        return
    deletes = " ".join(f"DELETE FROM DB.DBA.RDF_QUAD WHERE G = iri_to_id({_sql_iri(g)}, 0);"
                       for g in graphs)
    run_isql(target, f"log_enable(2,1); {deletes} checkpoint;", action)


def _rows(output: str, marker: str) -> list[list[str]]:
    """The result rows isql printed for a `select 'MARKER', ...` (whitespace-separated)."""
    return [line.split()[1:] for line in output.splitlines() if line.startswith(marker)]


CHUNK_QUADS = 400_000  # quads per N-Quads file: several files let two loaders share the work


def write_chunks(trig: Path, folder: Path, union: str | None = None
                 ) -> Iterator[tuple[Path, set[str]]]:
    """Convert `trig` to N-Quads files in `folder`, a chunk of quads at a time (pyoxigraph parses
    and writes; Virtuoso's TriG reader keeps escapes such as `\\/` in prefixed names, so it
    cannot read kg.trig itself). With `union`, every quad is also written into that graph.
    Yields each file once written, with the graph names of the quads read (not `union`).
    Quads with a blank node all go into one last file: the loader scopes blank-node labels to a
    file, and TriG writes most blank nodes as `[ ]` or `( )`, so the text cannot tell."""
    quads = ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
    union_term = f"<{union}> .\n".encode() if union is not None else None
    with_blank: list[ox.Quad] = []

    def write(chunk: list[ox.Quad], name: str) -> tuple[Path, set[str]]:
        graphs = {g.value if isinstance(g, ox.NamedNode) else "" for g in
                  {q.graph_name for q in chunk}}
        text = ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)
        path = folder / name
        with path.open("wb") as out:
            out.write(text)
            # The union copy: each line's graph IRI (its last term; no literal holds a line
            # end in N-Quads) swapped, not a second serialization; one bytes.replace per graph
            # of the chunk (a regex over every line took 9 of the 31 s of the full graph's
            # conversion). A chunk with default-graph triples gets none: the load fails on them.
            if union_term is not None and "" not in graphs:
                for name in graphs:
                    text = text.replace(f"<{name}> .\n".encode(), union_term)
                out.write(text)
        os.chmod(path, 0o644)  # the server may run as another user
        return path, graphs

    for n in itertools.count():
        chunk = list(itertools.islice(quads, CHUNK_QUADS))
        if not chunk:
            break
        plain = [q for q in chunk if not _has_blank(q)]
        if len(plain) < len(chunk):
            with_blank += [q for q in chunk if _has_blank(q)]
        if plain:
            yield write(plain, f"kg-{n:04d}.nq")
    if with_blank:
        yield write(with_blank, "kg-blank-nodes.nq")


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode) \
        or isinstance(quad.graph_name, ox.BlankNode)


def _loader(target: BulkTarget) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ISQL, target.isql_address, target.user, target.password, "exec=rdf_loader_run();"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(loader: subprocess.Popen[str]) -> None:
    output, _ = loader.communicate()
    if loader.returncode != 0 or "*** Error" in output:
        error = next((line for line in output.splitlines() if "*** Error" in line), output[-300:])
        raise BulkError(f"rdf_loader_run() failed: {error.strip()}")


def load_files(target: BulkTarget, files: Iterable[tuple[Path, set[str]]], sentinel: str,
               loaders: int = 2) -> tuple[list[Path], set[str]]:
    """Register each file with the bulk loader as it comes and keep loaders running while
    files are written (one while the files are still being written, `loaders` after), then
    checkpoint. Returns the files and the graph names they held."""
    running: list[subprocess.Popen[str]] = []
    paths: list[Path] = []
    graphs: set[str] = set()
    try:
        for path, names in files:
            run_isql(target, f"ld_add({_sql_iri(str(path))}, {_sql_iri(sentinel)});",
                     f"registering {path.name} with the bulk loader")
            paths.append(path)
            graphs |= names
            for done in [p for p in running if p.poll() is not None]:
                running.remove(done)
                _finish(done)
            if not running:  # one loader beside the writer: both cores busy
                running.append(_loader(target))
        while len(running) < loaders:
            running.append(_loader(target))
        for loader in running:
            _finish(loader)
        running = []
        # A file registered just as a loader found nothing left is picked up here.
        run_isql(target, "rdf_loader_run(); checkpoint;", "finishing the bulk load")
    finally:
        for loader in running:
            loader.kill()
            loader.wait()
    return paths, graphs


def bulk_load(target: BulkTarget, trig: Path, graphs: list[str], union: str,
              sentinel: str) -> dict[str, int]:
    """Load `trig` into its named graphs and their union into `union`, through the loader;
    return {graph IRI: triples} as the server counts them."""
    folder = target.import_dir / f"kg-load-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o755)
    try:
        clear_graphs(target, [*graphs, union, sentinel], "clearing the graphs before the load")
        files, found = load_files(target, write_chunks(trig, folder, union), sentinel)
        if found - set(graphs) - {""}:
            extra = sorted(found - set(graphs) - {""})
            raise BulkError(f"{trig}: graph <{extra[0]}> was not seen in the graph headers")
        file_list = ", ".join(_sql_iri(str(f)) for f in files)
        out = run_isql(
            target,
            "select 'KG-LOAD-ERROR', ll_error from DB.DBA.LOAD_LIST "
            f"where ll_file in ({file_list}) and ll_error is not null; "
            f"delete from DB.DBA.LOAD_LIST where ll_file in ({file_list}); "
            "select 'KG-COUNT', id_to_iri(G), count(*) from DB.DBA.RDF_QUAD where G in ("
            + ", ".join(f"iri_to_id({_sql_iri(g)}, 0)" for g in [*graphs, union, sentinel])
            + ") group by G;",
            "reading the bulk loader's result",
        )
        errors = [line.split("KG-LOAD-ERROR", 1)[1].strip()
                  for line in out.splitlines() if line.startswith("KG-LOAD-ERROR")]
        if errors:
            raise BulkError(f"{trig}: Virtuoso's bulk loader refused it: {errors[0]}")
        counts = {row[0]: int(row[1]) for row in _rows(out, "KG-COUNT") if len(row) == 2}
        if counts.pop(sentinel, 0) or "" in found:
            clear_graphs(target, [sentinel], "removing default-graph triples")
            raise BulkError(f"{trig}: has default-graph triples; only named graphs can be loaded")
        union_size = counts.pop(union, 0)
        empty = [g for g in graphs if not counts.get(g)]
        if empty or not union_size:
            missing = empty[0] if empty else union
            raise BulkError(f"{trig}: the bulk loader put nothing into graph <{missing}>")
        return counts
    finally:
        shutil.rmtree(folder, ignore_errors=True)
