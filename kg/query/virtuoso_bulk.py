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
   kg.trig), with Debian's serdi when it is installed (Serd, a streaming C parser: the full
   graph in 12 s, against 41 s through pyoxigraph's Python objects), else pyoxigraph. Each
   quad is written twice: in its own graph and in the union graph. So the union
   is not a second pass inside the server (INSERT ... SELECT from every graph took 138 s of a
   447 s full load, with a "Low query memory limit" warning): the loader parses it like the
   rest, a triple that several graphs hold is stored once (RDF_QUAD's key is G, S, P, O), and a
   blank node is the same node in its graph and in the union (the loader scopes blank-node
   labels to a file). `ld_add` each file as soon as it is written, with a sentinel graph
   (triples outside any graph land there and make the load fail), and run the loader beside the
   writer (then two loaders); checkpoint; read the loader's errors.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
    prefixes = {(m[1] or b"").decode(): m[2].decode()
                for m in _line_matches(data, _PREFIX, data.lower(), b"prefix")}
    names: set[str] = set()
    for match in _line_matches(data, _HEADER, data, b"{"):
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


def _line_matches(data: bytes, pattern: re.Pattern[bytes], haystack: bytes,
                  needle: bytes) -> Iterator[re.Match[bytes]]:
    """`pattern`'s matches on the lines of `data` where `haystack` (data, or data lowered)
    holds `needle`: a plain substring search finds the few candidate lines (a multi-line regex
    over the whole full-graph kg.trig took 1.3-1.5 s per pattern, this under 0.1 s)."""
    at = haystack.find(needle)
    while at >= 0:
        line_start = data.rfind(b"\n", 0, at) + 1
        line_end = data.find(b"\n", at)
        line_end = len(data) if line_end < 0 else line_end
        match = pattern.match(data, line_start, line_end)
        if match:
            yield match
        at = haystack.find(needle, line_end)


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


CHUNK_BYTES = 48 << 20  # N-Quads bytes per file (~400,000 quads): two loaders share the files
PARSE_QUADS = 400_000  # quads per pyoxigraph parse-and-serialize step, without serdi
SERDI = "serdi"  # Debian's serdi: Serd's command-line TriG -> N-Quads converter


def write_chunks(trig: Path, folder: Path, union: str | None = None
                 ) -> Iterator[tuple[Path, Counter[str]]]:
    """Convert `trig` to N-Quads files in `folder` (Virtuoso's TriG reader keeps escapes such
    as `\\/` in prefixed names, so it cannot read kg.trig itself), CHUNK_BYTES at a time. With
    `union`, every quad is also written into that graph. Yields each file once written, with
    its quads per graph name (not `union`). Lines with a blank node all go into one last
    file: the loader scopes blank-node labels to a file, and TriG writes most blank nodes as
    `[ ]` or `( )`, so only the N-Quads text shows them."""
    union_term = f" <{union}> .\n".encode() if union is not None else None
    with_blank: list[bytes] = []

    def write(text: bytes, name: str) -> tuple[Path, Counter[str]]:
        union_copy, graphs = _union_copy(text, union_term or b" <> .\n")
        path = folder / name
        with path.open("wb") as out:
            out.write(text)
            if union_term is not None:
                out.write(union_copy)
        os.chmod(path, 0o644)  # the server may run as another user
        return path, graphs

    n = 0
    for chunk in _split_at_lines(_nquads_blocks(trig), CHUNK_BYTES):
        if b"_:" in chunk:  # a literal may hold "_:" too: that line just goes to the last file
            lines = chunk.splitlines(keepends=True)
            with_blank += [line for line in lines if b"_:" in line]
            chunk = b"".join(line for line in lines if b"_:" not in line)
        if chunk:
            yield write(chunk, f"kg-{n:04d}.nq")
            n += 1
    if with_blank:
        yield write(b"".join(with_blank), "kg-blank-nodes.nq")


def _union_copy(text: bytes, union_term: bytes) -> tuple[bytes, Counter[str]]:
    """`text` (whole N-Quads lines) with every line's graph, its last term, swapped for
    `union_term`; and the lines per graph name read. The lines come in runs of one graph (TriG
    is written graph block by graph block), so each run is one bytes.replace, checked: the
    run's lines must all end in its graph term (a regex over every line took 17 s of the full
    graph's conversion, this about 3 s). A default-graph triple (three terms) reads as its
    object in a graph of that name: it lands in the sentinel graph either way, and the load
    fails on it."""
    pieces: list[bytes] = []
    graphs: Counter[str] = Counter()
    start = 0
    while start < len(text):
        first_end = text.index(b"\n", start) + 1
        term = b" <" + text[start:first_end].rpartition(b" <")[2]  # b" <graph> .\n"
        end = text.rfind(term) + len(term)
        lines = text.count(b"\n", start, end)
        if text.count(term, start, end) != lines:
            # Graphs interleave: the rest line by line, each split before its last term.
            parts = [line.rpartition(b" <") for line in text[start:].split(b"\n")[:-1]]
            graphs.update(tail[:-3].decode("utf-8") for _, _, tail in parts)
            pieces.append(union_term.join(part[0] for part in parts) + union_term)
            break
        graphs[term[2:-4].decode("utf-8")] += lines
        pieces.append(text[start:end].replace(term, union_term))
        start = end
    return b"".join(pieces), graphs


def _nquads_blocks(trig: Path) -> Iterator[bytes]:
    """`trig` as N-Quads text, in blocks of whole or partial lines. serdi (C, streaming) when it
    is installed: on the full graph it converts kg.trig in a few seconds, where pyoxigraph's
    parser, which hands Python one object per quad to serialize again, took 28 s on the one
    core the loader leaves. The two write the same quads (tested: isomorphic datasets)."""
    serdi = shutil.which(SERDI)
    if serdi is None:
        yield from _nquads_blocks_pyoxigraph(trig)
        return
    process = subprocess.Popen([serdi, "-b", "-i", "trig", "-o", "nquads", str(trig)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    # A thread drains the pipe so serdi never waits for us: it parses while we write (with the
    # pipe's 64 KiB alone, the two took turns: 14 s instead of 9 on the full graph).
    blocks: queue.Queue[bytes] = queue.Queue(maxsize=8)
    reader = threading.Thread(target=_drain, args=(process.stdout, blocks), daemon=True)
    reader.start()
    try:
        while block := blocks.get():
            yield block
        errors = process.stderr.read().decode("utf-8", "replace")
    finally:
        if process.poll() is None:
            process.kill()
        while reader.is_alive():  # unblock a reader waiting for room in the queue
            with contextlib.suppress(queue.Empty):
                blocks.get(timeout=0.1)
        process.wait()
    if process.returncode != 0:
        first = next((line for line in errors.splitlines() if line.strip()), "no message")
        raise BulkError(f"{trig}: cannot parse: {first.removeprefix('error: ')}")


def _drain(pipe: IO[bytes], blocks: queue.Queue[bytes]) -> None:
    """Put what `pipe` gives into `blocks`, 8 MiB at a time; b"" at its end."""
    while block := pipe.read(8 << 20):
        blocks.put(block)
    blocks.put(b"")


def _nquads_blocks_pyoxigraph(trig: Path) -> Iterator[bytes]:
    quads = ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
    try:
        while chunk := list(itertools.islice(quads, PARSE_QUADS)):
            yield ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise BulkError(f"{trig}: cannot parse: {exc}") from exc


def _split_at_lines(blocks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Regroup `blocks` into pieces of `size` bytes or a little more (the last may be less),
    each cut after a line end."""
    parts: list[bytes] = []
    held = 0
    for block in blocks:
        parts.append(block)
        held += len(block)
        if held < size:
            continue
        data = b"".join(parts)
        start = 0
        while (cut := data.find(b"\n", start + size - 1) + 1) > 0:
            yield data[start:cut]
            start = cut
        parts, held = [data[start:]], len(data) - start
    if held:
        yield b"".join(parts)


def _loader(target: BulkTarget) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ISQL, target.isql_address, target.user, target.password, "exec=rdf_loader_run();"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(loader: subprocess.Popen[str]) -> None:
    output, _ = loader.communicate()
    if loader.returncode != 0 or "*** Error" in output:
        error = next((line for line in output.splitlines() if "*** Error" in line), output[-300:])
        raise BulkError(f"rdf_loader_run() failed: {error.strip()}")


def load_files(target: BulkTarget, files: Iterable[tuple[Path, Counter[str]]], sentinel: str,
               loaders: int = 2) -> tuple[list[Path], Counter[str]]:
    """Register each file with the bulk loader as it comes and keep `loaders` loaders running
    while files are written, then checkpoint. Returns the files and the quads per graph name
    they held."""
    running: list[subprocess.Popen[str]] = []
    paths: list[Path] = []
    graphs: Counter[str] = Counter()
    try:
        for path, names in files:
            run_isql(target, f"ld_add({_sql_iri(str(path))}, {_sql_iri(sentinel)});",
                     f"registering {path.name} with the bulk loader")
            paths.append(path)
            graphs.update(names)
            for done in [p for p in running if p.poll() is not None]:
                running.remove(done)
                _finish(done)
            # Both loaders from the first file on, beside the writer (with one until the files
            # were written, the full load took 63.7 s against the bulk loader's 52.1 s; with
            # two, 60.4 s against 52.6 s). A loader that found the list empty has ended; another
            # replaces it.
            while len(running) < min(loaders, len(paths)):
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
    return {graph IRI: quads loaded into it}, as counted in the files. The server is asked only
    whether each graph holds something (counting its ten million rows took 3 s of a 66 s
    full load)."""
    folder = target.import_dir / f"kg-load-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o755)
    try:
        clear_graphs(target, [*graphs, union, sentinel], "clearing the graphs before the load")
        files, counts = load_files(target, write_chunks(trig, folder, union), sentinel)
        file_list = ", ".join(_sql_iri(str(f)) for f in files)
        probed = [*graphs, union, sentinel]
        out = run_isql(
            target,
            "select 'KG-LOAD-ERROR', ll_error from DB.DBA.LOAD_LIST "
            f"where ll_file in ({file_list}) and ll_error is not null; "
            f"delete from DB.DBA.LOAD_LIST where ll_file in ({file_list}); "
            + " ".join(f"select top 1 'KG-HAS', {i} from DB.DBA.RDF_QUAD "
                       f"where G = iri_to_id({_sql_iri(g)}, 0);" for i, g in enumerate(probed)),
            "reading the bulk loader's result",
        )
        errors = [line.split("KG-LOAD-ERROR", 1)[1].strip()
                  for line in out.splitlines() if line.startswith("KG-LOAD-ERROR")]
        if errors:
            raise BulkError(f"{trig}: Virtuoso's bulk loader refused it: {errors[0]}")
        held = {probed[int(row[0])] for row in _rows(out, "KG-HAS") if len(row) == 1}
        if sentinel in held:
            clear_graphs(target, [sentinel], "removing default-graph triples")
            raise BulkError(f"{trig}: has default-graph triples; only named graphs can be loaded")
        # After the sentinel test: a default-graph triple's object reads as a graph name here.
        if set(counts) - set(graphs):
            extra = sorted(set(counts) - set(graphs))
            raise BulkError(f"{trig}: graph <{extra[0]}> was not seen in the graph headers")
        empty = [g for g in [*graphs, union] if g not in held]
        if empty:
            raise BulkError(f"{trig}: the bulk loader put nothing into graph <{empty[0]}>")
        counts = Counter({g: counts[g] for g in graphs})
        return counts
    finally:
        shutil.rmtree(folder, ignore_errors=True)
