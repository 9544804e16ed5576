"""The `--out` folder of `kg build`: what may be replaced, by whom, and how, without losing data.

Rules (README, "A build is all or nothing"):

- `--out` is replaced only when it does not exist, is empty, or was written by `kg build`: it
  holds the marker `kg-build.json` (or, from releases before the marker, `SHA256SUMS` and
  `void.ttl`) and no file that its `SHA256SUMS` does not list. Anything else is refused before
  any work is done, so a typo cannot delete an unrelated folder.
- The marker records the tool, its version and a digest of the curated inputs and options; it
  holds no time, so it is listed in `SHA256SUMS` and two builds stay byte-identical.
- Builds into one `--out` are serialised by `fcntl.flock` on `.<name>.kg-lock` beside it, held
  while the build writes and swaps its files in; a second build waits and says so.
- Staging folders are `.kg-build-<name>-<pid>-<hex>` beside `--out`. Whoever holds the lock is
  the only build writing there, so any staging folder of the same `--out` found then was left
  by a build that died, and is removed; so are the older releases' leftovers (`.kg-build-*`,
  `.kg-import-*` with random suffixes, `.<name>-old-*`) once they are an hour old. Either only
  when it holds the build's marker, is a whole dist/ or is empty: a folder of that name with
  anything else in it is someone's, and is left.
- The published folder is world-readable (folders 0755, files 0644) whatever the umask.
- A read-only or non-writable parent, or less free space than the previous build took (at
  least SPACE_FLOOR), is refused first thing; a disk-full or permission error while writing is
  one line, and the previous folder is left as it was.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg import __version__
from kg.errors import KgError
from kg.resources import ontology_files, shapes_files
from kg.sources.curated.loader import OBSERVATIONS_FILE
from kg.sources.sssom_mappings import MAPPINGS_DIR

if TYPE_CHECKING:
    from kg.build.options import BuildOptions

MARKER = "kg-build.json"
MAX_NAME_BYTES = 200
STORE_PREFIX = "store/"  # the on-disk build store: kg.build.store.STORE_DIR
GENERATOR = "occupation-kg kg build"
# The files RocksDB writes into a database folder (tables, logs, manifest, options, lock).
ROCKSDB_FILE = re.compile(r"\d+\.(sst|log|blob)|CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?"
                          r"|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?")
# Free space a build needs at least when there is no previous build to measure (the seed
# build's dist/ is about 4 MB).
SPACE_FLOOR = 8 * 1024 * 1024
# With reference data a build needs about 64 times the data files while it runs: the
# staging folder of a full build from the 98.8 MB of ../shared/data peaked at 6.07 GB (the
# store, the import files, the sorted kg.nt and the downloads side by side) and left 3.95 GB
# (store/ 2.1 GB), sampled each second (session 30). It was 12, from the downloads alone, so a
# disk with 1.2 GB free passed the check and filled up halfway (session 30's new-user audit).
REFERENCE_DATA_GROWTH = 64
# Leftovers named by releases before this module carry no process id; give a build of such a
# release this long to finish before its folders count as abandoned.
LEGACY_AGE_SECONDS = 3600.0
# Named in every void.ttl kg build writes (the vocabulary it describes the graph by).
ONTOLOGY_IRI = "https://w3id.org/occupation-kg/ontology"

_SPACE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_WRITE_ERRORS = (errno.EROFS, errno.EACCES, errno.EPERM)


class OutputFolderError(KgError):
    """`--out` must not or cannot be written."""


def _log(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr, flush=True)


# --- what may be replaced ----------------------------------------------------------------


def _listed_files(folder: Path) -> set[str] | None:
    """The file names SHA256SUMS lists, or None when it is missing or not a checksum list."""
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return None
    try:
        lines = sums.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    names = set()
    for line in lines:
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
            return None
        names.add(name)
    return names


def _is_our_void(path: Path) -> bool:
    """A void.ttl that kg build wrote: it describes the graph by the project's ontology. Any
    other dump may carry a void.ttl and a SHA256SUMS (a folder holding mydata.nt, void.ttl and
    SHA256SUMS was deleted as an old dist/)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError:
        return False
    return ONTOLOGY_IRI.encode() in head


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None


def replaceable(out: Path) -> str | None:
    """None when `kg build` may replace `out`; otherwise why not (one phrase)."""
    here = Path.cwd()
    if out.name == "..":  # its parent and name would be those of a folder inside it
        return "ends in '..'; name the folder itself"
    if not out.name or out.resolve() in (here, *here.parents):
        return "is the current folder or one of its parents"
    if out.is_symlink():
        return "is a symbolic link"
    if os.path.ismount(out):
        return "is a mount point, which cannot be swapped by a rename (build into a sub-folder)"
    if not out.exists():
        return None
    if not out.is_dir():
        return "is not a folder"
    entries = list(out.rglob("*"))  # does not descend into linked folders
    files = {p.relative_to(out).as_posix() for p in entries
             if p.is_symlink() or not p.is_dir()}
    folders = {p.relative_to(out).as_posix() for p in entries
               if p.is_dir() and not p.is_symlink()}
    if not files:
        return None  # empty (or only empty sub-folders)
    listed = _listed_files(out)
    marked = _read_marker(out) is not None
    legacy = listed is not None and _is_our_void(out / "void.ttl") and "kg.trig" in listed
    if not marked and not legacy:
        return (f"was not written by kg build (no {MARKER}, no SHA256SUMS and void.ttl of "
                "this project)")
    # The build store (kg.build.store) is not in SHA256SUMS: RocksDB files are not byte-stable;
    # only the names RocksDB gives its files count as the build's.
    store = {name for name in files
             if name.startswith(STORE_PREFIX) and ROCKSDB_FILE.fullmatch(name[len(STORE_PREFIX):])}
    kept = (listed or set()) | {"SHA256SUMS"} | store
    # an empty folder is someone's too (a link to a folder counts as a file above)
    filled = {parent.as_posix() for name in kept | files for parent in Path(name).parents}
    empty = {f"{name}/" for name in folders - filled if f"{name}/" != STORE_PREFIX}
    foreign = sorted((files - kept) | empty)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5
                                          else "")
        return f"holds files kg build did not write ({shown})"
    return None


def _size(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def settled(out: Path) -> Path:
    """`--out` with its parent resolved: `--out new/../site` made the folder `new` on the way
    (session 30's attack). A name of '..' is kept for replaceable() to refuse."""
    return out if out.name in ("", "..") else out.parent.resolve() / out.name


def check_output(out: Path, data: Path | None = None,
                 inputs: tuple[Path | None, ...] = ()) -> None:
    """Refuse, before any long work, an `--out` that must not or cannot be replaced.

    `data` is the reference-data folder of a full build: it sizes the space check when no
    previous build shows what the new one needs. `inputs` are the folders the build reads
    (records, documents, data): an `--out` inside one would be read back by the next build."""
    for folder in (data, *inputs):
        if folder is not None and out.resolve().is_relative_to(folder.resolve()):
            raise OutputFolderError(f"--out {out}: is inside {folder}, which the build reads; "
                                    "choose a folder outside it")
    # The staging folder beside it is named `.kg-build-<name>-<pid>-<hex>-old` at most: 40
    # bytes more than the name, within the 255 a file name may have. Regression (session 29's
    # attack): a 240-byte name was an OSError traceback ("File name too long").
    if len(out.name.encode("utf-8")) > MAX_NAME_BYTES:
        raise OutputFolderError(
            f"--out {out}: its name is {len(out.name.encode('utf-8'))} bytes long; at most "
            f"{MAX_NAME_BYTES} (the build stages its files in a folder named after it)")
    why = replaceable(out)
    if why is not None:
        raise OutputFolderError(
            f"--out {out}: {why}; refusing to replace it. Choose a new or empty folder, or "
            "move that folder away yourself"
        )
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        # Creating the lock file is the probe: root passes os.access() on a read-only mount.
        _lock_path(out).touch()
    except OSError as exc:
        raise OutputFolderError(
            f"--out {out}: cannot write into {parent} ({exc.strerror})"
        ) from exc
    need = max(_size(out), SPACE_FLOOR,
               REFERENCE_DATA_GROWTH * _size(data) if data is not None else 0)
    free = shutil.disk_usage(parent).free
    if free < need:
        raise OutputFolderError(
            f"--out {out}: only {free / 1e6:.1f} MB free in {parent}, the build needs about "
            f"{need / 1e6:.1f} MB; free some space or choose another --out"
        )


# --- the marker ----------------------------------------------------------------------------


def build_marker(options: BuildOptions, base: str) -> dict[str, Any]:
    """The marker's content: tool, version, options and a digest of the curated inputs."""
    settings = {"base": base, "quotes_checked": options.documents is not None,
                "reference_data": options.data is not None,
                "ontology_docs": options.ontology_docs}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8"))
    # The files the build reads, named as the build sees them: the records by file name (not
    # by the folder they were copied to), the package's own files by their package path.
    records = sorted(options.sources.glob("*.yaml"))
    if (options.sources / OBSERVATIONS_FILE).is_file():
        records.append(options.sources / OBSERVATIONS_FILE)
    named = [(f"records/{path.name}", path) for path in records]
    package = [*ontology_files(), *shapes_files()]
    if options.data is not None:
        package += sorted(MAPPINGS_DIR.glob("*.sssom.tsv"))
    named += [(path.relative_to(path.parent.parent).as_posix(), path) for path in package]
    for name, path in named:
        digest.update(f"\0{name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return {"generator": GENERATOR, "version": __version__,
            "inputs_sha256": digest.hexdigest(), "options": settings}


# --- the lock and stale staging folders ------------------------------------------------------


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.kg-lock"


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the lock of `out`; wait (and say so) while another build holds it."""
    with open(_lock_path(out), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _log(f"another build is writing {out}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_stale(name: str, out: Path, now: float, mtime: float) -> bool:
    prefix = f".kg-build-{out.name}-"
    if name.startswith(prefix) and re.fullmatch(r"\d+-[0-9a-f]{8}(-old)?", name[len(prefix):]):
        return True  # ours: only a dead build can have left it while we hold the lock
    legacy = (r"\.kg-build-[a-z0-9_]{8}(-ready)?", r"\.kg-import-[a-z0-9_]{8}",
              rf"\.{re.escape(out.name)}-old-\d+")
    return any(re.fullmatch(p, name) for p in legacy) and now - mtime > LEGACY_AGE_SECONDS


def _written_by_kg(folder: Path) -> bool:
    """The folder holds the marker a build writes first thing, or is a whole dist/ of an older
    release, or is empty: what a crashed build can have left. Regression (session 29's
    attack): the names alone decided, so `.site-old-2024/thesis.txt` beside `--out site` and
    `.kg-import-mybackup/` were deleted with their contents. A finished dist/ (it has its
    SHA256SUMS) must also hold nothing else: with a marker, a thesis.txt put into a copy of a
    dist/ was deleted with it (session 30's attack)."""
    if _listed_files(folder) is not None:
        return replaceable(folder) is None
    return _read_marker(folder) is not None or replaceable(folder) is None


def _held_by_a_build(folder: Path) -> bool:
    """A running build holds a shared lock on its staging folder's marker (staging_folder):
    a build into another --out whose staging folder's name reads like one of ours
    (`.kg-build-site-1-20261206-...` beside `--out site`) was removed under it (session 30's
    attack)."""
    try:
        with (folder / MARKER).open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def remove_stale(out: Path) -> list[str]:
    """Remove what crashed builds left beside `out` (call with the lock held); their names.
    A folder named like a leftover but not written by kg build is left, and said."""
    now, removed, kept = time.time(), [], []
    for entry in sorted(out.parent.iterdir()):
        try:
            mtime = entry.lstat().st_mtime
        except FileNotFoundError:
            continue
        if entry.is_dir() and not entry.is_symlink() and _is_stale(entry.name, out, now, mtime):
            if _held_by_a_build(entry):
                continue
            if not _written_by_kg(entry):
                kept.append(entry.name)
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    if removed:
        _log(f"removed {len(removed)} folder(s) left by an interrupted build: "
             + ", ".join(removed))
    if kept:
        # why each is kept (the second audit: "no kg-build.json" was said of a folder that has
        # it and was kept for a file of someone's)
        _log(f"left {len(kept)} folder(s) beside --out named like an interrupted build's but "
             "not written by kg build: " + "; ".join(
                 f"{name} ({replaceable(out.parent / name) or 'holds files of its own'})"
                 for name in kept))
    return removed


# --- writing and publishing ----------------------------------------------------------------


def _explain(exc: OSError, out: Path) -> OutputFolderError | None:
    # A failed write() carries no file name; open() and mkdir() do.
    why = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    # pyoxigraph (RocksDB) reports a full disk as an OSError with the text only.
    if exc.errno is None and "No space left on device" in str(exc):
        return OutputFolderError(
            f"--out {out}: disk full while writing the new build (No space left on device: "
            f"{exc}); the previous {out.name}/ is untouched. Free some space and build again")
    if exc.errno in _SPACE_ERRORS:
        return OutputFolderError(
            f"--out {out}: disk full while writing the new build ({why}); the previous "
            f"{out.name}/ is untouched. Free some space and build again"
        )
    if exc.errno in _WRITE_ERRORS:
        return OutputFolderError(
            f"--out {out}: cannot write the new build ({why}); the previous {out.name}/ is "
            "untouched"
        )
    return None


@contextmanager
def staging_folder(out: Path, marker: dict[str, Any]) -> Iterator[Path]:
    """Lock `out`, clean up after crashed builds, and yield a fresh staging folder beside it.

    The marker is written first, so the checksums written later list it. The staging folder
    is removed on the way out; `publish` moves it into place before that.
    """
    with output_lock(out):
        remove_stale(out)
        staging = out.parent / f".kg-build-{out.name}-{os.getpid()}-{secrets.token_hex(4)}"
        held = None
        try:
            staging.mkdir(mode=0o755)
            (staging / MARKER).write_text(
                json.dumps(marker, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
            # held until the build ends (the process too): no other build takes the folder
            # for a dead build's (_held_by_a_build)
            held = (staging / MARKER).open("rb")
            fcntl.flock(held, fcntl.LOCK_SH)
            yield staging
        except OSError as exc:
            explained = _explain(exc, out)
            if explained is None:
                raise
            raise explained from exc
        finally:
            if held is not None:  # first: no file of the folder stays open while it goes
                held.close()
            shutil.rmtree(staging, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    """Folders 0755, files 0644: a published build is for everyone to read."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def publish(staging: Path, out: Path) -> None:
    """Replace `out` by `staging` with two renames, so readers never see a half-written dist/.

    Call inside `staging_folder` (the lock is held). `out` is checked again: someone may have
    put files there while the build ran.
    """
    why = replaceable(out)
    if why is not None:
        raise OutputFolderError(
            f"--out {out}: {why} (it changed while the build ran); refusing to replace it. "
            f"The new build is not published"
        )
    _make_readable(staging)
    old = staging.with_name(staging.name + "-old")
    had_old = out.exists()
    with _signals_held():
        _swap(staging, out, old, had_old)
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM until the block is done: between publish's two renames an
    interrupt left no `--out` at all (the previous build under a temporary name, the new one
    removed as an unfinished staging folder). A signal that came meanwhile acts right after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread runs Python signal handlers
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(staging: Path, out: Path, old: Path, had_old: bool) -> None:
    """`out` -> `old`, `staging` -> `out`; the previous build is put back if the second fails."""
    try:
        if had_old:
            out.rename(old)
        try:
            staging.rename(out)
        except OSError:
            if had_old:
                old.rename(out)  # put the previous build back
            raise
    except OSError as exc:
        if exc.errno in (errno.EBUSY, errno.EXDEV):  # a mount point cannot be renamed
            raise OutputFolderError(
                f"--out {out}: cannot replace it ({exc.strerror}; is it a mount point?); the "
                "new build is not published. Build into a folder inside it instead"
            ) from exc
        raise
