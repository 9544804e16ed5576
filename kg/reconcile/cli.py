"""`kg reconcile FILE --column NAME --type TYPE`: reconcile a CSV/TSV column in batch on the
embedded store (no server), writing the input with the best candidates (--limit, 2)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from kg.errors import KgError, not_a_file
from kg.reconcile.types import DEFAULT_TYPE, TYPES

BEST = ("reconciled_id", "reconciled_name", "reconciled_score", "reconciled_match")
RUNNER_UP = ("runner_up_id", "runner_up_name", "runner_up_score")


def added_columns(limit: int) -> list[str]:
    """The columns written after the input's: the best candidate, the runner-up, then
    `candidate_N_*` up to --limit candidates (it was read and ignored: two were always
    written, whatever it said)."""
    columns = list(BEST) + (list(RUNNER_UP) if limit >= 2 else [])
    for n in range(3, limit + 1):
        columns += [f"candidate_{n}_id", f"candidate_{n}_name", f"candidate_{n}_score"]
    return columns
MAX_CANDIDATES = 100  # per row, as the Reconciliation API's limit (kg.reconcile.service)
MAX_FIELD = 1 << 17  # characters in one field: csv's default limit
PROGRESS_FROM = 200  # rows; shorter files finish before a bar would tell anything


class ReconcileInputError(KgError):
    """The file to reconcile cannot be read as asked."""


def _delimiter(path: Path, sample: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    if path.suffix.lower() == ".csv":
        return ","
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _rows(path: Path, text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The rows of the file and the line each starts on (a quoted cell may hold line ends).
    Read leniently, as spreadsheets write (`"Acting" plant manager` is a cell), except a
    quoted cell never closed: it swallowed the rest of the file into one cell."""
    # csv's own limit (128 KiB a field), whatever an importer in this process set it to.
    previous = csv.field_size_limit(MAX_FIELD)
    try:
        rows: list[list[str]] = []
        starts: list[int] = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for row in reader:
                starts.append(reader.line_num - sum(cell.count("\n") for cell in row))
                rows.append(row)
        except csv.Error as exc:
            raise ReconcileInputError(f"{path}: line {reader.line_num}: {exc}") from exc
        strict = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        last = 0
        try:
            for _ in strict:
                last = strict.line_num
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise ReconcileInputError(f"{path}: line {last + 1}: a quoted cell is never "
                                          "closed (it would take in the rest of the file)"
                                          ) from exc
        return rows, starts
    finally:
        csv.field_size_limit(previous)


def reconcile_file(path: Path, column: str, type_key: str, out: Path, sources: list[Path],
                   limit: int = 2, quiet: bool = False) -> int:
    """Reconciles `column` of `path` into `out`; returns the number of rows written."""
    # Imported here: scikit-learn takes a second to import, and `kg` registers this command
    # for every run.
    from tqdm import tqdm

    from kg.reconcile.cache import cached_ranker
    from kg.reconcile.index import from_files
    from kg.reconcile.rank import Ranker

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReconcileInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # the line and column, not the codec's byte offset (session 36's attack)
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ReconcileInputError(
            f"{path}: line {line}, column {column}: byte 0x{data[exc.start]:02x} is not UTF-8; "
            "save the file as UTF-8 (a spreadsheet's \"CSV UTF-8\")") from exc
    delimiter = _delimiter(path, text[:4096])
    # A file object, not text.splitlines(): that dropped the line ends inside quoted cells
    # ("Plant\nManager" became "PlantManager") and split cells at U+2028.
    rows, starts = _rows(path, text, delimiter)
    if not rows:
        raise ReconcileInputError(f"{path}: line 1: empty file (a header row is needed)")
    header = rows[0]
    if column not in header:
        raise ReconcileInputError(f"{path}: line 1: no column {column!r} "
                                  f"(columns: {', '.join(header)})")
    at = header.index(column)
    clash = [name for name in added_columns(limit) if name in header]
    if clash:
        # a reconciled file reconciled again wrote each added column twice
        raise ReconcileInputError(f"{path}: line 1: it already has the column {clash[0]!r} "
                                  "(a reconciled file?); reconcile the original, or rename it")
    if header.count(column) > 1:
        # the first was taken without a word
        raise ReconcileInputError(f"{path}: line 1: {header.count(column)} columns are named "
                                  f"{column!r}; rename all but one")
    for number, row in zip(starts[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise ReconcileInputError(f"{path}: line {number}: {len(row)} fields, the header "
                                      f"has {len(header)}")

    def say(line: str) -> None:
        if not quiet:
            print(f"kg: {line}", file=sys.stderr, flush=True)

    def build(will_keep: bool) -> Ranker:
        # The slow part, once per graph: minutes on the full graph, nothing said until now.
        say(f"building the reconciliation index from {', '.join(map(str, sources))} and "
            "training its re-ranker (minutes on the full graph"
            f"{'; kept for the next run' if will_keep else ''})")
        return Ranker(from_files(sources))

    ranker = cached_ranker(sources, build, say)
    if not any(entity.type == type_key for entity in ranker.index.entities):
        # every row came back empty with no word of why (a seed build has no O*NET-SOC codes)
        held = sorted({entity.type for entity in ranker.index.entities})
        print(f"kg: note: {', '.join(map(str, sources))} holds no {TYPES[type_key].name}; "
              f"every row is left unreconciled (a graph built without --data holds only the "
              f"curated entities; types it holds: {', '.join(held) or 'none'})", file=sys.stderr)
    if ranker.encoder is None and not quiet:
        print("note: sentence embeddings are off (pip install 'occupation-kg[semantic]' for the "
              "re-ranker's semantic terms)", file=sys.stderr)
    body = rows[1:]
    bar = tqdm(total=len(body), unit="row", desc="reconciling", file=sys.stderr,
               disable=quiet or len(body) < PROGRESS_FROM)
    # One call for the whole column: the ranker encodes a chunk's titles while it scores the
    # one before, and moves the bar after each chunk.
    results = ranker.rank([row[at] for row in body], type_key, limit, progress=bar.update)
    bar.close()
    try:
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
            writer.writerow(header + added_columns(limit))
            for row, found in zip(body, results, strict=True):
                best = found[0] if found else None
                cells = [best.id if best else "", best.name if best else "",
                         f"{best.score:g}" if best else "",
                         "true" if best and best.match else "false"]
                for n in range(1, limit):
                    other = found[n] if len(found) > n else None
                    cells += [other.id if other else "", other.name if other else "",
                              f"{other.score:g}" if other else ""]
                writer.writerow(row + cells)
    except OSError as exc:
        raise ReconcileInputError(f"--out {out}: cannot write: {exc.strerror}") from exc
    return len(body)


def _run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise ReconcileInputError(f"{path}: {not_a_file(path)}")
    sources = list(args.source) if args.source else [args.dist / "kg.trig"]
    for source in sources:
        if not source.is_file():
            raise ReconcileInputError(f"{source}: not found (run `kg build` first, or give "
                                      "--source FILE)")
    if not 1 <= args.limit <= MAX_CANDIDATES:
        # an unbounded one built a header of 3 x limit columns until the machine ran out of
        # memory (session 30's attack: --limit 10^24)
        raise ReconcileInputError(f"--limit {args.limit}: must be 1 to {MAX_CANDIDATES}")
    out: Path = args.out or path.with_name(f"{path.stem}.reconciled{path.suffix or '.csv'}")
    if out.resolve() == path.resolve() or (out.exists() and out.samefile(path)):
        raise ReconcileInputError(f"--out {out}: is the input file; choose another file")
    if out.is_dir():
        raise ReconcileInputError(f"--out {out}: is a folder; give a file name")
    if not out.parent.is_dir():
        raise ReconcileInputError(f"--out {out}: no folder {out.parent}")
    count = reconcile_file(path, args.column, args.type, out, sources, args.limit, args.quiet)
    print(f"{out}: {count} rows reconciled as {TYPES[args.type].name}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = subparsers.add_parser(
        "reconcile", help="reconcile a CSV/TSV column of titles, skills or codes to the graph")
    cmd.add_argument("file", type=Path, help="CSV or TSV file with a header row")
    cmd.add_argument("--column", required=True, help="the column to reconcile")
    cmd.add_argument("--type", choices=sorted(TYPES), default=DEFAULT_TYPE,
                     help=f"what the column holds ({DEFAULT_TYPE})")
    cmd.add_argument("--limit", type=int, default=2,
                     help="candidates written per row (2: the best and the runner-up)")
    cmd.add_argument("--out", type=Path, help="result file (FILE.reconciled.csv)")
    cmd.add_argument("--dist", type=Path, default=Path("dist"), help="built folder (dist)")
    cmd.add_argument("--source", type=Path, action="append",
                     help="reconcile against this .trig/.nq file instead (repeatable)")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    cmd.set_defaults(handler=_run)
