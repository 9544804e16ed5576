"""Shared machinery of the dataset importers: table reading, terms, dataset descriptions, output.

An importer is a generator of triples over the files of one dataset edition. Rows are read
with `csv` (TSV: tab, no quoting; CSV: the default dialect, strict) from lines decoded here, so
that a corrupt file stops the import with its file, line and column: bytes that are not UTF-8,
a last line cut short, a row of the wrong width, a control character, a bidirectional control
or a cell of invisible (format) characters only, a key repeated with another value (`Key`), a
figure outside the bounds of kg.sources.plausibility (`figure`). The triples are written line by
line as
N-Triples or N-Quads (terms serialized by pyoxigraph) to a temporary file that is renamed only
when the whole import succeeded, so a failed import publishes nothing.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.errors import KgError, not_a_file
from kg.prefixes import DCAT, DCTERMS, DEFAULT_BASE, OKG, PROV, QB, SKOS, VOID

Term = NamedNode | Literal
Triple = tuple[NamedNode, NamedNode, Term]

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL_VERSION_INFO = NamedNode("http://www.w3.org/2002/07/owl#versionInfo")

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
PUBLIC_DOMAIN = "https://creativecommons.org/publicdomain/mark/1.0/"
MIT = "https://opensource.org/licenses/MIT"

PROGRESS_EVERY = 50_000
# Characters in one cell. ESCO's conceptSchemes file has cells over csv's default 128 KiB
# (627,354 characters); pyoxigraph refuses an N-Triples line over 16 MiB, and a character can
# take up to 6 bytes there (a control character's \u escape), so 1 Mi characters keep every
# line under it (8 MiB did not: 5.6 million "é" made a line of 16.8 MB).
MAX_CELL = 1 << 20
csv.field_size_limit(MAX_CELL)
# An error message quotes at most this much of its text (a value can be megabytes long).
MAX_MESSAGE = 2000


def iri(namespace: object, local: str = "") -> NamedNode:
    """A pyoxigraph IRI from an rdflib Namespace (or str) and a local name."""
    return NamedNode(f"{namespace}{local}")


def t(namespace: object) -> Callable[[str], NamedNode]:
    """A factory of IRIs in `namespace`: t(SKOS)("prefLabel")."""
    cache: dict[str, NamedNode] = {}

    def make(local: str) -> NamedNode:
        node = cache.get(local)
        if node is None:
            node = cache[local] = NamedNode(f"{namespace}{local}")
        return node

    return make


skos, okg, dcterms, dcat = t(SKOS), t(OKG), t(DCTERMS), t(DCAT)
prov, qb, void = t(PROV), t(QB), t(VOID)


def en(text: str) -> Literal:
    return Literal(text, language="en")


def plain(text: str) -> Literal:
    return Literal(text)


def typed(text: str, datatype: str) -> Literal:
    return Literal(text, datatype=NamedNode(XSD + datatype))


def boolean(value: bool) -> Literal:
    return typed("true" if value else "false", "boolean")


def split_multi(cell: str) -> list[str]:
    """ESCO's multi-valued cells: one value per line (some lines end in a comma); no duplicates."""
    seen: dict[str, None] = {}
    for part in cell.split("\n"):
        value = part.strip().rstrip(",").strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


class ImportFailed(KgError):
    """A dataset file is missing, truncated or malformed; names the file, the line and, where one
    is to blame, the column."""

    def __init__(self, path: Path | str, line: int | None, message: str,
                 column: str | None = None):
        where = f"{path}:{line}" if line is not None else str(path)
        what = f"column {column!r}: {message}" if column else message
        if len(what) > MAX_MESSAGE:
            what = f"{what[:MAX_MESSAGE]}... ({len(what):,} characters)"
        super().__init__(f"{where}: {what}")
        self.path, self.line, self.column = str(path), line, column


@dataclass(frozen=True)
class DatasetInfo:
    """What the dataset folder's README says about one edition."""

    dataset: str  # slug of the dataset ("onet")
    version: str  # slug of the edition ("29.3")
    title: str
    publisher: str
    publisher_slug: str
    license: str  # license IRI
    citation: str  # attribution text
    folder: str  # folder name under shared/data
    description: str = ""
    # How the edition's SKOS mapping triples were chosen, for its SSSOM set
    # (kg/build/crosswalk_sets.py); empty where `description` says it.
    mappings: str = ""

    @property
    def edition(self) -> str:
        return f"{self.dataset}-{self.version}"


@dataclass(frozen=True)
class Key:
    """Columns naming what a row describes (a code, a pair of codes), and the columns that must
    agree wherever that key comes again (None: the whole row, as written). A publisher's file may
    repeat a key with the same values (OEWS lists some codes as both broad and detailed); the
    same key with another title or value is a corrupt or spliced file."""

    columns: tuple[str, ...]
    agree: tuple[str, ...] | None = None


SEP = "\x1f"  # joins the cells of a key; the unit separator does not occur in the tables


class _KeyIndex:
    """What the rows read so far said about each value of one Key."""

    def __init__(self, path: Path, key: Key, header: list[str]):
        missing = [c for c in (*key.columns, *(key.agree or ())) if c not in header]
        if missing:
            raise ImportFailed(path, 1, f"header lacks column(s) {missing}; got {header}")
        self.path, self.header = path, header
        self.key_at = [header.index(c) for c in key.columns]
        self.whole = key.agree is None
        self.agree_at = [header.index(c) for c in key.agree] if key.agree is not None else list(
            range(len(header)))
        # Joined strings, not tuples: millions of small tuples make the garbage collector crawl.
        self.said: dict[str, str] = {}
        self.line: dict[str, int] = {}

    def see(self, line: int, row: list[str]) -> None:
        key = SEP.join([row[i].strip() for i in self.key_at])
        # The whole row when every column must agree: one C call, not one strip per cell.
        said = SEP.join(row) if self.whole else SEP.join([row[i].strip() for i in self.agree_at])
        first = self.said.get(key)
        if first is None:
            self.said[key], self.line[key] = said, line
        elif first != said:
            self._conflict(line, key, first.split(SEP), said.split(SEP))

    def _conflict(self, line: int, key: str, there: list[str], here: list[str]) -> None:
        name = "/".join(self.header[i] for i in self.key_at)
        column = None
        if len(there) == len(here) == len(self.agree_at):  # else a cell held SEP itself
            at = next(i for i, (a, b) in enumerate(zip(there, here, strict=True)) if a != b)
            column, there, here = self.header[self.agree_at[at]], [there[at]], [here[at]]
        raise ImportFailed(self.path, line, f"{name} {key.replace(SEP, ' / ')!r} comes again "
                           f"(first on line {self.line[key]}) with another value: "
                           f"{SEP.join(there)!r} there, {SEP.join(here)!r} here", column=column)


def _check_complete(path: Path) -> None:
    """Every publisher file ends with a line end, so a last line without one was cut short.
    Checked before any row is read: a truncated file imports nothing."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 or UTF-32 byte order mark
            raise ImportFailed(path, 1, "the file is UTF-16 or UTF-32 (it starts with a byte "
                               "order mark); the publisher's files are UTF-8: save it as UTF-8")
        if handle.seek(0, os.SEEK_END) == 0:
            return  # empty: the header check says so
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        lines = 0
        returns = False
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            returns = returns or b"\r" in chunk
    if lines == 0 and returns:
        # a file saved with carriage returns alone was "cut short at line 1" (audit)
        raise ImportFailed(path, 1, "the lines end with a carriage return alone (classic Mac "
                           "line ends): save the file with LF or CRLF line ends")
    raise ImportFailed(path, lines + 1, "the last line has no line end: the file is cut short "
                       "(truncated download or copy?)")


def _undecodable(path: Path) -> ImportFailed:
    """The error for the first byte of `path` that is not UTF-8: its line and byte offset (and
    for TSV, whose cells hold no tabs, its column)."""
    offset = 0
    header: list[str] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and path.suffix == ".tsv":
                header = raw.decode("utf-8-sig", "replace").rstrip("\r\n").split("\t")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                tabs = raw.count(b"\t", 0, exc.start)
                column = header[tabs] if number > 1 and tabs < len(header) else None
                return ImportFailed(path, number, f"byte 0x{raw[exc.start]:02x} at byte offset "
                                    f"{offset + exc.start} is not UTF-8 ({exc.reason})",
                                    column=column)
            offset += len(raw)
    return ImportFailed(path, None, "not UTF-8")  # the decoder and this scan disagree


@dataclass
class Context:
    """Per-run state: the data IRI base, row counting and progress reporting."""

    base: str = DEFAULT_BASE
    name: str = "import"
    progress: bool = True
    rows: int = 0
    files: dict[str, int] = field(default_factory=dict)  # file name -> data rows read

    def id(self, kind: str, slug: str) -> NamedNode:
        return NamedNode(f"{self.base}{kind}/{slug}")

    def report(self, path: Path, count: int, done: bool = False) -> None:
        if self.progress:
            state = "done" if done else "..."
            print(f"kg import {self.name}: {path.name}: {count:,} rows {state}", file=sys.stderr)

    def warn(self, path: Path, line: int | None, message: str) -> None:
        """A fault of the source that the importer works around, named where it is."""
        where = f"{path}:{line}" if line is not None else str(path)
        print(f"kg import {self.name}: warning: {where}: {message}", file=sys.stderr)

    def table(
        self,
        path: Path,
        required: Sequence[str],
        *,
        tsv: bool,
        keys: Sequence[Key] = (),
        pad: bool = False,
        allow_empty: bool = False,
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield (line, row) for every data row of a UTF-8 table with a header.

        Checks, each failing with the file, line and column: the bytes are UTF-8, the last line
        is complete, the header has the `required` columns, every row has the header's width
        (`pad`: a row may leave out empty trailing cells, as skillsHierarchy_en.csv does) and no
        row contradicts an earlier one on any of `keys`; and a file has data rows, unless
        `allow_empty` (a file cut down to its header imported as an empty dataset).
        """
        try:
            if not path.is_file():
                raise ImportFailed(path, None, not_a_file(path))
            _check_complete(path)
            opened = path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            # an unreadable input is the input's fault: `kg import` blamed --out, and a build
            # "cannot write the new build (Permission denied: .../national_M2024_dl.tsv)"
            raise ImportFailed(path, None, f"cannot be read: {exc.strerror or exc}") from None
        header: list[str] = []
        count = 0
        started = 1
        with opened as handle:
            if tsv:
                reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            else:
                reader = csv.reader(handle, strict=True)
            try:
                header.extend(next(reader, None) or ())
                if not header:
                    raise ImportFailed(path, 1, "empty file (no header row)")
                missing = [c for c in required if c not in header]
                if missing:
                    raise ImportFailed(path, 1, f"header lacks column(s) {missing}; got {header}")
                indexes = [_KeyIndex(path, key, header) for key in keys]
                width = len(header)
                started = reader.line_num + 1  # where the next row starts (a cell may span lines)
                for row in reader:
                    # A row is named by the line it starts on: a CSV cell may span lines, and
                    # an ESCO row whose description ran over 17 lines was reported at its last
                    line, started = started, reader.line_num + 1
                    if len(row) != width:
                        if pad and 0 < len(row) < width:
                            row = row + [""] * (width - len(row))
                        elif len(row) < width:
                            raise ImportFailed(path, line, f"expected {width} columns, got "
                                               f"{len(row)} (truncated or malformed row)",
                                               column=header[len(row)])
                        else:
                            raise ImportFailed(path, line, f"expected {width} columns, got "
                                               f"{len(row)} (a stray separator?)",
                                               column=header[-1])
                    if _CONTROL.search("\t".join(row)):
                        column = next(h for h, cell in zip(header, row, strict=True)
                                      if _CONTROL.search(cell))
                        found = _CONTROL.search(next(c for c in row if _CONTROL.search(c)))
                        raise ImportFailed(path, line, f"control character "
                                           f"U+{ord(found[0]):04X} in a cell (a damaged "
                                           "file?)", column=column)
                    if _FORMAT.search("\t".join(row)):
                        _check_format(path, line, header, row)
                    for index in indexes:
                        index.see(line, row)
                    count += 1
                    self.rows += 1
                    if count % PROGRESS_EVERY == 0:
                        self.report(path, count)
                    yield line, dict(zip(header, row, strict=True))
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise ImportFailed(path, reader.line_num, f"a cell longer than "
                                       f"{MAX_CELL:,} characters") from None
                # The row that could not be read starts where the last good one ended: an
                # unclosed quote is only noticed lines (or the whole file) later.
                at = started if header else 1
                later = f" (noticed at line {reader.line_num})" if reader.line_num > at else ""
                raise ImportFailed(path, at, f"CSV syntax error in the row starting here{later}: "
                                   f"{exc}") from None
            except UnicodeDecodeError:
                raise _undecodable(path) from None
        if count == 0 and not allow_empty:
            raise ImportFailed(path, 2, "no data rows, only the header (a file cut short?)")
        self.files[path.name] = self.files.get(path.name, 0) + count
        if count >= PROGRESS_EVERY:
            self.report(path, count, done=True)


def check(pattern: re.Pattern[str], value: str, path: Path, line: int, what: str) -> str:
    if not pattern.fullmatch(value):
        raise ImportFailed(path, line, f"malformed {what} {value!r} (expected {pattern.pattern})")
    return value


TriplesFn = Callable[[Path, Context], Iterable[Triple]]


@dataclass(frozen=True)
class Importer:
    name: str  # registry name, the `kg import NAME` choice
    info: DatasetInfo
    produce: TriplesFn
    files: tuple[str, ...]  # the files read, relative to the folder
    statistical: bool = False  # the dataset holds okg:Observation rows
    # Producers whose triples together are `produce`'s, for a build to run them in parallel
    # worker processes (empty: the import is one job).
    parts: tuple[TriplesFn, ...] = ()

    def graph_iri(self, base: str = DEFAULT_BASE) -> str:
        return f"{base}graph/{self.info.edition}"

    def dataset_iri(self, base: str = DEFAULT_BASE) -> str:
        return f"{base}dataset/{self.info.edition}"

    def triples(self, folder: Path, ctx: Context, part: int | None = None) -> Iterator[Triple]:
        """Every triple, or with `part` those of `parts[part]` (the first part also gives the
        dataset description)."""
        if part is None or part == 0:
            yield from describe(self, ctx)
        yield from (self.produce if part is None else self.parts[part])(folder, ctx)


def describe(importer: Importer, ctx: Context) -> Iterator[Triple]:
    """The dataset description node (DCAT + VoID) and its publisher."""
    info = importer.info
    node = NamedNode(importer.dataset_iri(ctx.base))
    publisher = ctx.id("organization", info.publisher_slug)
    yield node, RDF_TYPE, dcat("Dataset")
    yield node, RDF_TYPE, void("Dataset")
    yield node, dcterms("title"), en(info.title)
    yield node, skos("prefLabel"), en(info.title)
    yield node, dcterms("identifier"), plain(info.edition)
    yield node, dcat("version"), plain(info.version)
    yield node, OWL_VERSION_INFO, plain(info.version)
    yield node, dcterms("publisher"), publisher
    yield node, dcterms("license"), NamedNode(info.license)
    yield node, dcterms("bibliographicCitation"), en(info.citation)
    if info.description:
        yield node, dcterms("description"), en(info.description)
    yield publisher, RDF_TYPE, okg("Organization")
    yield publisher, skos("prefLabel"), en(info.publisher)
    if importer.statistical:
        yield node, RDF_TYPE, okg("StatisticalDataset")
        yield node, qb("structure"), okg("occupationStatisticsStructure")


def scheme(node: NamedNode, label: str) -> Iterator[Triple]:
    yield node, RDF_TYPE, skos("ConceptScheme")
    yield node, skos("prefLabel"), en(label)


def code_concept(node: NamedNode, in_scheme: NamedNode, code: str, label: str,
                 definition: str = "", kind: NamedNode | None = None) -> Iterator[Triple]:
    """A code of a scheme: its class (skos:Concept unless `kind`), scheme, notation, English
    label and, when there is one, English definition. Runs of white space in the label and
    definition are one space: two editions of one code must give one text, and O*NET's 2019
    taxonomy file and its 29.3 database differ only by a double space in 29-2012.01's
    description (session 34's audit: two definitions of one occupation)."""
    yield node, RDF_TYPE, kind or skos("Concept")
    yield node, skos("inScheme"), in_scheme
    yield node, skos("notation"), plain(code)
    yield node, skos("prefLabel"), en(single_spaced(label))
    if definition:
        yield node, skos("definition"), en(single_spaced(definition))


def single_spaced(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Stats:
    name: str
    rows: int
    triples: int
    seconds: float
    out: Path
    files: dict[str, int] = field(default_factory=dict)  # file name -> data rows


def write(
    importer: Importer,
    folder: Path,
    out: Path,
    *,
    base: str = DEFAULT_BASE,
    progress: bool = True,
    part: int | None = None,
) -> Stats:
    """Import `folder` into `out` (.nq: N-Quads in the edition's graph; otherwise N-Triples);
    with `part`, only that part of `importer.parts`.

    All or nothing: the lines go to a temporary file beside `out`, renamed on success.
    """
    start = time.perf_counter()
    ctx = Context(base=base, name=importer.name, progress=progress)
    graph = f" <{importer.graph_iri(base)}>" if out.suffix == ".nq" else ""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    tmp = Path(tmp_name)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20) as handle:
            write_line = handle.write
            for s, p, o in importer.triples(folder, ctx, part):
                write_line(f"{s} {p} {o}{graph} .\n")
                count += 1
        tmp.chmod(0o644)  # mkstemp makes it 0600; the file is for everyone to read, as dist/ is
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Stats(importer.name, ctx.rows, count, time.perf_counter() - start, out,
                 dict(ctx.files))


# Control characters but tab, line feed and carriage return, as the curated loader refuses them.
# Regression (session 29's attack): a NUL at a line's end went into the published labels of
# soc2018, naics2022, onet-soc-2019 and isco08-soc2010-bls ("General and Operations
# Managers\u0000"@en).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Unicode format characters (category Cf, Unicode 14: these ranges). A cell of them and white
# space alone is an invisible text: SOC title "\u200b" was published as a prefLabel (the tester's
# attack). Bidirectional controls reorder what a reader sees ("\u202e" turns the text after it
# around). The real files have neither: their only Cf characters are U+200B (98 cells of ESCO)
# and U+00AD (1 cell), each inside a visible text.
_FORMAT = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
                     "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                     "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
                     "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
                     "\U000e0020-\U000e007f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` without white space at its ends and without format characters: empty for a text
    that shows nothing."""
    return _FORMAT.sub("", text).strip()


def _check_format(path: Path, line: int, header: list[str], row: list[str]) -> None:
    """Refuses a cell with a bidirectional control character, or one that is nothing but format
    characters and white space (run only on a row that has a format character)."""
    for column, cell in zip(header, row, strict=True):
        found = _BIDI.search(cell)
        if found:
            raise ImportFailed(path, line, f"bidirectional control character "
                               f"U+{ord(found[0]):04X} in a cell (it reorders the text a reader "
                               "sees)", column=column)
        if _FORMAT.search(cell) and not visible(cell):
            raise ImportFailed(path, line, f"a text of invisible characters only ({cell!r})",
                               column=column)


_DECIMAL_CACHE: dict[str, Literal] = {}
_DECIMAL_TYPE = NamedNode(XSD + "decimal")


def decimal(text: str, path: Path, line: int, what: str) -> Literal:
    """An xsd:decimal in the canonical form of kg.sources.curated.literals.decimal_literal ("4.0",
    "121440.0")."""
    lit = _DECIMAL_CACHE.get(text)
    if lit is None:
        from decimal import InvalidOperation

        from kg.sources.curated.literals import decimal_literal, finite_decimal

        try:
            number = finite_decimal(text)
        except InvalidOperation:
            raise ImportFailed(path, line, f"{what} is not a number: {text!r}") from None
        lit = Literal(str(decimal_literal(number)), datatype=_DECIMAL_TYPE)
        if len(_DECIMAL_CACHE) < 100_000:
            _DECIMAL_CACHE[text] = lit
    return lit


def figure(text: str, statistic: str, path: Path, line: int, column: str,
           scale: Decimal = Decimal(1)) -> Literal:
    """A published statistic as an xsd:decimal (`text` times `scale`), refused when
    kg.sources.plausibility finds it implausible for `statistic` (a negative wage, 1e400 jobs)."""
    from decimal import InvalidOperation

    from kg.sources.curated.literals import finite_decimal
    from kg.sources.plausibility import implausibility

    try:
        number = finite_decimal(text) * scale
    except InvalidOperation:
        raise ImportFailed(path, line, f"not a number: {text!r}", column=column) from None
    problem = implausibility(statistic, number)
    if problem is not None:
        raise ImportFailed(path, line, f"implausible {statistic} {text!r}: {problem}",
                           column=column)
    return decimal(str(number), path, line, column)
