"""A per-user cache of built rankers, so that reconciling against the same graph again takes
seconds: on the full graph, reading the index takes 20 s and training the re-ranker 1.5-2 min
(2:15 in all for a three-row `kg reconcile`), while unpickling the trained ranker (280 MB)
takes a second.

The cache lives outside dist/ (dist/ is a download, and a pickle in a download would be code
execution for whoever opens it): in $KG_CACHE_DIR, else $XDG_CACHE_HOME/occupation-kg, else
~/.cache/occupation-kg; KG_CACHE_DIR=off turns it off. An entry's name is a SHA-256 over what
the ranker is built from: the bytes of every source file (or of the server's store's SHA256SUMS
and public base), this package's reconciliation code, the versions of the numeric libraries and
whether sentence embeddings are on. Any change gives a new entry; the KEEP newest are kept. An
entry that cannot be read is removed and the ranker built again.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.reconcile.rank import Ranker

CACHE_ENV = "KG_CACHE_DIR"
OFF = ("off", "0", "false", "no")
KEEP = 2  # entries kept: the graph in use and the one before it (280 MB each on the full graph)
PREFIX = "ranker-"
# The libraries whose objects the pickle holds (vectorisers, sparse matrices, the re-ranker).
LIBRARIES = ("numpy", "scipy", "scikit-learn")
_CHUNK = 1 << 22


def cache_dir() -> Path | None:
    """The folder of the cache, or None when KG_CACHE_DIR turns it off."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "occupation-kg"


def _code_fingerprint(digest: hashlib._Hash) -> None:
    # The whole reconciliation package: a change of a weight or a feature is a new ranker.
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?\0".encode())


def ranker_key(parts: Iterable[bytes | Path], semantic: bool) -> str:
    """The entry name for a ranker built from `parts` (file contents are read in chunks)."""
    digest = hashlib.sha256()
    _code_fingerprint(digest)
    digest.update(b"semantic" if semantic else b"plain")
    for part in parts:
        if isinstance(part, Path):
            digest.update(b"\0file\0")
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        else:
            digest.update(b"\0bytes\0" + part)
    return digest.hexdigest()


def load(key: str) -> Ranker | None:
    """The cached ranker, or None (no cache, no entry, or an entry that cannot be read)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{PREFIX}{key}.pkl"
    try:
        with path.open("rb") as handle:
            ranker = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: build again
        print(f"kg: ignoring the cached ranker {path}: {exc}", file=sys.stderr)
        path.unlink(missing_ok=True)
        return None
    os.utime(path)  # the newest use is kept longest
    return ranker


def save(key: str, ranker: Ranker) -> Path | None:
    """Writes the ranker (without its sentence encoder and store, which are reloaded) under
    `key`, atomically; removes older entries beyond KEEP. Returns the path, or None when the
    cache is off or cannot be written (the ranker is then simply not kept)."""
    folder = cache_dir()
    if folder is None:
        return None
    kept = copy.copy(ranker)
    kept.encoder = None
    kept._pair_cache = {}
    kept.index = copy.copy(ranker.index)
    kept.index.store = None
    path = folder / f"{PREFIX}{key}.pkl"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as handle:
            try:
                pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
        os.replace(handle.name, path)
    except OSError as exc:
        print(f"kg: the ranker could not be cached in {folder}: {exc.strerror}", file=sys.stderr)
        return None
    entries = sorted(folder.glob(f"{PREFIX}*.pkl"), key=lambda p: p.stat().st_mtime_ns,
                     reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
    return path


def cached_ranker(key_parts: Iterable[bytes | Path], build: Callable[[], Ranker],
                  say: Callable[[str], None] = lambda _: None) -> Ranker:
    """The ranker for `key_parts` from the cache, else built by `build()` and cached."""
    from kg.reconcile.semantic import encoder

    model = encoder()
    folder = cache_dir()
    key = ranker_key(key_parts, semantic=model is not None) if folder is not None else ""
    ranker = load(key) if folder is not None else None
    if ranker is not None:
        ranker.encoder = model
        say(f"read the trained ranker from {folder}")
        return ranker
    ranker = build()
    if folder is not None and save(key, ranker) is not None:
        say(f"kept the trained ranker in {folder} for the next run")
    return ranker
