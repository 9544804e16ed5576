"""The files of dist/ as downloads: listing (size, media type, SHA-256, license) and safe lookup.

A download is looked up by NAME in the listing made at start-up (the files of dist/, relative
paths with "/"), never by joining a request path onto the folder, so `..`, `%2e%2e`, absolute
paths, backslashes or symlinks cannot reach anything else.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from rdflib import Graph, URIRef

if TYPE_CHECKING:
    from kg.serve.app import App

MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".html": "text/html",
    ".json": "application/json",
}
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
# The graphs the build itself writes (kg/build/pipeline.py); the others are one per source document
# (`graph/<doc>`, titled by the document) or per imported dataset edition (by the dataset).
BUILD_GRAPHS = {
    "curation": "Curator assertions (SOC and NAICS codes, not from a document)",
    "derived": "Derived views (salary distributions, search texts)",
    "inferred": "Entailed alignment triples (OWL RL closure)",
    "ontology": "The occupation-kg ontology",
    "mappings": "Curated SSSOM mappings to SOC, O*NET, ISCO, ESCO and NAICS",
}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


@dataclass(frozen=True)
class Download:
    name: str  # relative to dist/, "/"-separated
    path: Path
    size: int
    media_type: str
    sha256: str
    checksum_listed: bool  # found in SHA256SUMS (else computed here)
    license: str
    # Opened at start-up and kept: a rebuild into the served dist/ swaps new files in, and
    # reading by path sent them with the old ETag, size and digest (a resumed download got the
    # new file's tail on the old one's head; session 30's attack). The server serves the build
    # it started with, as its store does, until it is restarted.
    fd: int = -1
    description: str = ""  # the distribution's dcterms:description in void.ttl


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if name.endswith("SHA256SUMS"):
        return "text/plain"
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _checksums(dist: Path) -> dict[str, str]:
    sums = dist / "SHA256SUMS"
    out: dict[str, str] = {}
    if sums.is_file():
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if digest and name:
                out[name.strip()] = digest.strip()
    return out


def _licenses(void: Graph | None) -> tuple[dict[str, str], str]:
    """License per distribution title (file name) and the dataset's license, from void.ttl."""
    per_file: dict[str, str] = {}
    default = CC_BY
    if void is None:
        return per_file, default
    lic = URIRef(DCTERMS + "license")
    per_file = _per_distribution(void, lic)
    for s in void.subjects(URIRef(DCAT + "distribution"), None):
        value = void.value(s, lic)
        if value is not None:
            default = str(value)
    return per_file, default


def _per_distribution(void: Graph, predicate: URIRef) -> dict[str, str]:
    """A value of each downloadable distribution, by its title (the file name)."""
    found: dict[str, str] = {}
    for dist_node in void.subjects(URIRef(DCAT + "downloadURL"), None):
        title = void.value(dist_node, URIRef(DCTERMS + "title"))
        value = void.value(dist_node, predicate)
        if title is not None and value is not None:
            found[str(title)] = str(value)
    return found


def list_downloads(dist: Path, void: Graph | None) -> dict[str, Download]:
    sums = _checksums(dist)
    per_file, default = _licenses(void)
    # what each file is, as void.ttl says (the downloads page shows it)
    described = {} if void is None else _per_distribution(void, URIRef(DCTERMS + "description"))
    root = dist.resolve()
    found: dict[str, Download] = {}
    for path in sorted(dist.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        real = path.resolve()
        if root not in real.parents:
            continue
        name = path.relative_to(dist).as_posix()
        if not _SAFE_NAME.match(name) or name.startswith("store/"):
            continue  # store/: the server's persistent database (kg serve), not a download
        listed = name in sums
        fd = os.open(real, os.O_RDONLY)
        digest = sums.get(name) or _sha256(fd)
        title = name.replace("/", "-")
        found[name] = Download(
            name=name, path=real, size=os.fstat(fd).st_size, media_type=media_type(name),
            sha256=digest, checksum_listed=listed,
            license=per_file.get(name) or per_file.get(title) or default, fd=fd,
            description=described.get(name) or described.get(title, ""),
        )
    return found


def _sha256(fd: int) -> str:
    digest, offset = hashlib.sha256(), 0
    while chunk := os.pread(fd, 1 << 20, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def download_bytes(downloads: dict[str, Download], name: str) -> bytes | None:
    """A download's bytes as the server started with them (read from the file it holds open),
    or None: what the server says about its build (void.ttl's statements, the SHA256SUMS that
    names its reconciliation cache entry) must be of the build it serves, not of one written
    into dist/ since (session 30's second audit: a rebuild under the server changed its VoID
    and poisoned the cache entry of the new build with the old index)."""
    item = downloads.get(name)
    if item is None:
        return None
    chunks, offset = [], 0
    while chunk := os.pread(item.fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def close_downloads(downloads: dict[str, Download]) -> None:
    for item in downloads.values():
        if item.fd >= 0:
            os.close(item.fd)


def lookup(downloads: dict[str, Download], raw_path: str) -> Download | None:
    """The download a request path names (`raw_path`: after /download/, still %-encoded), or
    None. Anything that decodes to a traversal, an absolute path or an unknown name is None."""
    name = raw_path
    for _ in range(3):  # double-encoded input is decoded too, then checked
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return downloads.get(name)


def graph_title(app: App, iri: str) -> str:
    """A named graph's title: what the build says the graph holds, the title of the source
    document or dataset it comes from, or else its IRI."""
    base = app.mapping.data + "graph/"
    if not iri.startswith(base):
        return iri
    name = iri[len(base):]
    if name in BUILD_GRAPHS:
        return BUILD_GRAPHS[name]
    for kind in ("document", "dataset"):
        entity = app.mapping.to_public(f"{app.mapping.data}{kind}/{name}")
        if entity in app.index.labels:
            return app.index.labels[entity]
    return iri
