"""Curated source records: loading and structural checks (before any triple is made)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import Any

from kg.errors import Location, SourceError
from kg.sources.curated.literals import finite_decimal, is_calendar_date
from kg.sources.curated.vocabulary import OntologyIndex
from kg.sources.curated.yaml_lines import LINE_KEY, item_line, key_line, load_yaml, show

SLUG = r"[a-z0-9][a-z0-9.-]*"
RECORD_ID = re.compile(rf"^(?P<kind>[a-z][a-z-]*)/(?P<slug>{SLUG})$")
DOC_ID = re.compile(rf"^{SLUG}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ONTOLOGY_REF = "okg:"  # a `ref` may name an ontology individual, e.g. okg:Required
OBSERVATION_COLUMNS = [
    "id",
    "doc",
    "statistic",
    "occupation",
    "industry",
    "period",
    "value",
    "unit",
    "approximate",
    "quote",
]


def kind_of(class_name: str) -> str:
    """`PersonalQuality` -> `personal-quality`: the IRI path segment for a class."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", class_name).lower()


@dataclass(frozen=True)
class Quote:
    doc: str
    text: str
    location: Location


@dataclass(frozen=True)
class Fact:
    prop: str
    inverse: bool
    ref: str | None
    value: Any
    quote: Quote | None
    curated: str | None
    location: Location
    # How a value no text states follows from checked data, e.g. {mapping: x.sssom.tsv};
    # checked by kg/sources/curated/value_evidence.py.
    derived: dict[str, Any] | None = None


@dataclass
class Record:
    id: str
    type: str
    also_types: list[str]
    label: str
    evidence: list[Quote]
    alt_labels: list[tuple[str, Quote | None]]
    definition: tuple[str, Quote | None] | None
    facts: list[Fact]
    location: Location


@dataclass(frozen=True)
class Document:
    id: str
    file: str
    sha256: str
    title: str
    kind: str
    reference_years: tuple[int, ...]
    publisher: str | None
    location: Location


@dataclass(frozen=True)
class Period:
    id: str
    label: str
    start: str
    end: str
    location: Location


@dataclass(frozen=True)
class ObservationRow:
    id: str
    doc: str
    statistic: str
    occupation: str
    industry: str
    period: str
    value: Decimal
    unit: str
    approximate: bool
    quote: Quote
    location: Location


@dataclass
class SourceSet:
    documents: dict[str, Document] = field(default_factory=dict)
    periods: dict[str, Period] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    observations: list[ObservationRow] = field(default_factory=list)
    # (document id, quote as the record types it) -> the passage as the document writes it;
    # filled by kg.sources.curated.quotes.check_quotes (empty without --documents)
    verbatim: dict[tuple[str, str], str] = field(default_factory=dict)
    # (document id, quote) -> the line that introduces the table or list the quote is a row of
    # ("... median annual wages ... were as follows:"), which names the figures of its rows;
    # filled by check_quotes for quotes that are such rows
    lead_ins: dict[tuple[str, str], str] = field(default_factory=dict)

    def quotes(self) -> list[tuple[Quote, str]]:
        """Every quote with the id of the record or observation it supports."""
        found: list[tuple[Quote, str]] = []
        for record in self.records.values():
            found += [(q, record.id) for q in record.evidence]
            found += [(q, record.id) for _, q in record.alt_labels if q]
            if record.definition and record.definition[1]:
                found.append((record.definition[1], record.id))
            found += [(f.quote, record.id) for f in record.facts if f.quote]
        found += [(o.quote, o.id) for o in self.observations]
        return found


@dataclass(frozen=True)
class _Kind:
    """What the value of a key must be: a test, and the words a message uses for it."""

    words: str
    test: Callable[[Any], bool]


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Characters in one text value: a label, quote or definition is far shorter, and a text over
# 16 MiB stopped the build in pyoxigraph's parser with a traceback.
MAX_TEXT = 100_000
TEXT = _Kind("text", _is_text)
LIST = _Kind("a list", lambda v: isinstance(v, list))
MAPPING = _Kind("a mapping", lambda v: isinstance(v, dict))
TEXT_LIST = _Kind("a list of text", lambda v: isinstance(v, list) and all(map(_is_text, v)))
YEARS = _Kind("a list of whole years", lambda v: isinstance(v, list) and all(map(_is_year, v)))
SCALAR = _Kind("text, a number or true/false", lambda v: isinstance(v, str | bool) or _is_number(v))
DATE = _Kind("a date YYYY-MM-DD", _is_text)
HASH = _Kind("64 lowercase hex digits, written as quoted text", _is_text)

# The keys each kind of mapping may have; anything else is a typo the loader reports.
DOCUMENT_KEYS = {"id": TEXT, "file": TEXT, "sha256": HASH, "title": TEXT, "kind": TEXT,
                 "reference_years": YEARS, "publisher": TEXT}
PERIOD_KEYS = {"id": TEXT, "label": TEXT, "start": DATE, "end": DATE}
RECORD_KEYS = {"id": TEXT, "type": TEXT, "also_types": TEXT_LIST, "label": TEXT,
               "evidence": LIST, "alt_labels": LIST, "definition": MAPPING, "facts": LIST}
EVIDENCE_KEYS = {"doc": TEXT, "quote": TEXT}
LABEL_KEYS = {"value": TEXT, "doc": TEXT, "quote": TEXT}
FACT_KEYS = {"p": TEXT, "ref": TEXT, "value": SCALAR, "doc": TEXT, "quote": TEXT,
             "curated": TEXT, "derived": MAPPING}


class _Collector:
    """Gathers every problem so one run reports them all."""

    def __init__(self) -> None:
        self.problems: list[tuple[Location, str]] = []
        # Ids of entries left out for their own problems, and the top-level keys (`documents`,
        # `periods`, `records`) of files that could not be read: a reference to what they held
        # would only repeat the problem.
        self.dropped: set[str] = set()
        self.unreadable: set[str] = set()

    def add(self, location: Location, message: str) -> None:
        self.problems.append((location, message))

    def count(self) -> int:
        return len(self.problems)

    def drop(self, item: Any) -> None:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            self.dropped.add(item["id"])

    def raise_if_any(self) -> None:
        if self.problems:
            raise SourceError(self.problems)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, RuntimeError, OSError):  # outside cwd; a symbolic-link loop
        return str(path)


def _item_loc(items: list[Any], index: int, parent: Location) -> Location:
    """Where item `index` of a parsed list starts (the record comes from a text `id`)."""
    item = items[index]
    line = item_line(items, index) or parent.line
    record = item.get("id") if isinstance(item, dict) else None
    return replace(parent, line=line, record=record if isinstance(record, str) else parent.record)


def _shape(
    item: Any, keys: dict[str, _Kind], what: str, loc: Location, problems: _Collector
) -> dict[str, Any] | None:
    """The keys of mapping `item` that are allowed and of the right kind; report the others."""
    if not isinstance(item, dict):
        problems.add(loc, f"{what} must be a mapping, got {show(item)}")
        return None
    clean: dict[str, Any] = {}
    for key, value in item.items():
        if key == LINE_KEY:
            continue
        line = key_line(item, key)
        at = replace(loc, line=line) if line else loc
        kind = keys.get(key) if isinstance(key, str) else None
        if kind is None:
            problems.add(at, f"unknown key {key!r} in {what} (allowed: {', '.join(keys)})")
        elif not kind.test(value):
            # a list of the wrong items names the first (session 29's attack: "reference_years
            # must be a list of whole years, got a list" for [abc])
            item = next((v for v in value if not (_is_year(v) if kind is YEARS else _is_text(v))),
                        None) if isinstance(value, list) and kind in (YEARS, TEXT_LIST) else None
            got = f"a list holding {show(item)}" if item is not None else show(value)
            problems.add(at, f"{key} must be {kind.words}, got {got}")
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problems.add(at, f"{key} is {len(value):,} characters long; at most {MAX_TEXT:,}")
        else:
            clean[key] = value
    return clean


def _missing(raw: dict[str, Any], item: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Required keys absent or blank (a key of the wrong kind was reported already)."""
    return [k for k in keys if k not in raw or (k in item and not str(item[k]).strip())]


def _load_list(path: Path, key: str, problems: _Collector) -> list[Any]:
    """The list under the one top-level `key:` of a curated YAML file."""
    name = _rel(path)
    before = problems.count()
    items: list[Any] = []
    try:
        data = load_yaml(path, name)
    except SourceError as exc:
        problems.problems += exc.problems
        data = None
    else:
        if data is None:
            problems.add(Location(name), f"the file is empty: expected a top-level `{key}:` list")
        elif not isinstance(data, dict):
            problems.add(Location(name), f"expected a top-level `{key}:` list, got {show(data)}")
        else:
            loc = Location(name, data.get(LINE_KEY))
            items = (_shape(data, {key: LIST}, "the top level", loc, problems) or {}).get(key, [])
            if key not in data:
                problems.add(loc, f"expected a top-level `{key}:` list")
    if problems.count() > before and not items:
        problems.unreadable.add(key)
    return items


def _quote(
    item: dict[str, Any], loc: Location, problems: _Collector, required: bool = False
) -> Quote | None:
    doc, text = item.get("doc"), item.get("quote")
    if doc is None and text is None and not required:
        return None
    if doc is None or text is None or not text.strip():
        problems.add(loc, "evidence needs both `doc` and a non-empty `quote`")
        return None
    return Quote(doc, text, loc)


def _load_documents(path: Path, problems: _Collector) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    items = _load_list(path, "documents", problems)
    for index, raw in enumerate(items):
        loc = _item_loc(items, index, Location(_rel(path)))
        before = problems.count()
        item = _shape(raw, DOCUMENT_KEYS, "a document entry", loc, problems)
        if item is None:
            continue
        required = ("id", "file", "sha256", "title", "kind")
        missing = _missing(raw, item, required)
        if missing:
            problems.add(loc, f"document entry lacks {', '.join(missing)}")
        if any(k not in item for k in required) or missing:
            problems.drop(raw)
            continue
        if not DOC_ID.match(item["id"]):
            problems.add(loc, f"document id {item['id']!r} is not a lowercase slug")
        if not SHA256.match(item["sha256"]):
            problems.add(loc, f"sha256 must be {HASH.words}, got {item['sha256']!r}")
        file = PurePath(item["file"])
        if file.is_absolute() or ".." in file.parts:
            problems.add(loc, f"file must be a path inside the --documents folder, "
                              f"got {item['file']!r}")
        if item["id"] in documents:
            problems.add(loc, f"duplicate document id {item['id']!r}")
        if problems.count() > before:
            if item["id"] not in documents:
                problems.drop(raw)
            continue
        documents[item["id"]] = Document(
            item["id"],
            item["file"],
            item["sha256"],
            item["title"],
            item["kind"],
            tuple(item.get("reference_years", ())),
            item.get("publisher"),
            loc,
        )
    return documents


def _load_periods(path: Path, problems: _Collector) -> dict[str, Period]:
    periods: dict[str, Period] = {}
    items = _load_list(path, "periods", problems)
    for index, raw in enumerate(items):
        loc = _item_loc(items, index, Location(_rel(path)))
        item = _shape(raw, PERIOD_KEYS, "a period", loc, problems)
        if item is None:
            continue
        missing = _missing(raw, item, tuple(PERIOD_KEYS))
        if missing:
            problems.add(loc, f"period lacks {', '.join(missing)}")
        if len(item) < len(PERIOD_KEYS) or missing:
            problems.drop(raw)
            continue
        period = Period(item["id"], item["label"], item["start"], item["end"], loc)
        match = RECORD_ID.match(period.id)
        if not match or match["kind"] != "period":
            problems.add(loc, f"period id {period.id!r} must look like period/<slug>")
        dates_ok = True
        for value in (period.start, period.end):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                problems.add(loc, f"period date {value!r} is not YYYY-MM-DD")
                dates_ok = False
            elif not is_calendar_date(value):
                problems.add(loc, f"period date {value!r} is not a day of the calendar")
                dates_ok = False
        if dates_ok and period.start > period.end:
            problems.add(loc, f"period starts ({period.start}) after it ends ({period.end})")
        if period.id in periods:
            problems.add(loc, f"duplicate period id {period.id!r}")
        periods[period.id] = period
    return periods


def _entries(
    item: dict[str, Any], key: str, what: str, keys: dict[str, _Kind], loc: Location,
    problems: _Collector,
) -> list[tuple[dict[str, Any], Location]]:
    """The well-shaped mappings of the list under `key`, each with where it starts."""
    items = item.get(key, [])
    found = []
    for index, raw in enumerate(items):
        at = _item_loc(items, index, loc)
        before = problems.count()
        entry = _shape(raw, keys, what, at, problems)
        if entry is not None and problems.count() == before:
            found.append((entry, at))
    return found


def _parse_record(
    raw: Any, loc: Location, ontology: OntologyIndex, problems: _Collector
) -> Record | None:
    before = problems.count()
    item = _shape(raw, RECORD_KEYS, "a record", loc, problems)
    if item is None:
        return None
    required = ("id", "type", "label")
    for key in _missing(raw, item, required):
        problems.add(loc, f"record lacks `{key}`")
    if any(k not in item or not item[k].strip() for k in required):
        problems.drop(raw)
        return None
    match = RECORD_ID.match(item["id"])
    if not match:
        problems.add(loc, f"id {item['id']!r} must look like <kind>/<lowercase-slug>")
        problems.drop(raw)
        return None
    types = [item["type"], *item.get("also_types", [])]
    for name in types:
        if name not in ontology.classes:
            problems.add(loc, f"type {name!r} is not a class of the ontology")
    if match["kind"] != kind_of(item["type"]):
        problems.add(
            loc,
            f"id kind {match['kind']!r} does not match type {item['type']!r} "
            f"(expected {kind_of(item['type'])}/...)",
        )
    evidence = [
        q
        for e, at in _entries(item, "evidence", "an evidence entry", EVIDENCE_KEYS, loc, problems)
        if (q := _quote(e, at, problems, required=True))
    ]
    alt_labels = []
    for alt, at in _entries(item, "alt_labels", "an alt_labels entry", LABEL_KEYS, loc, problems):
        if not alt.get("value", "").strip():
            problems.add(at, "alt_labels entries need a non-empty text `value`")
            continue
        alt_labels.append((alt["value"], _quote(alt, at, problems)))
    definition = None
    if "definition" in item:
        line = key_line(raw, "definition")
        at = replace(loc, line=line) if line else loc
        d = _shape(item["definition"], LABEL_KEYS, "the definition", at, problems)
        if d is not None and not d.get("value", "").strip():
            problems.add(at, "the definition needs a non-empty text `value`")
        elif d is not None:
            definition = (d["value"], _quote(d, at, problems))
    facts = []
    for index, fact_raw in enumerate(item.get("facts", [])):
        at = _item_loc(item["facts"], index, loc)
        if (fact := _parse_fact(fact_raw, at, ontology, problems)) is not None:
            facts.append(fact)
    # After a problem inside the record its evidence may be incomplete: say nothing more.
    if problems.count() == before and not evidence and not any(
        f.curated or f.derived for f in facts
    ):
        problems.add(loc, "record has no evidence and no curated fact: where does it come from?")
    return Record(
        item["id"],
        item["type"],
        list(item.get("also_types", [])),
        item["label"],
        evidence,
        alt_labels,
        definition,
        facts,
        loc,
    )


def _parse_fact(
    raw: Any, loc: Location, ontology: OntologyIndex, problems: _Collector
) -> Fact | None:
    before = problems.count()
    item = _shape(raw, FACT_KEYS, "a fact", loc, problems)
    if item is None:
        return None
    if "p" not in raw:
        problems.add(loc, "a fact needs a property `p`")
    if problems.count() > before:
        return None
    name = item["p"]
    inverse = name.startswith("^")
    name = name.lstrip("^")
    info = ontology.properties.get(name)
    if info is None:
        problems.add(loc, f"property {name!r} is not declared in the ontology")
        return None
    has_ref, has_value = "ref" in item, "value" in item
    if has_ref and has_value:
        problems.add(loc, f"{name}: give `ref` or `value`, not both")
        return None
    if info.is_object and not has_ref:
        problems.add(loc, f"{name} links to an entity: give `ref`, not `value`")
        return None
    if not info.is_object and (not has_value or inverse):
        problems.add(loc, f"{name} takes a literal `value` (and cannot be inverted)")
        return None
    quote = _quote(item, loc, problems)
    curated = item.get("curated")
    derived = item.get("derived")
    if quote is None and not curated and not derived:
        problems.add(loc, f"fact {item['p']} has neither doc+quote nor a `curated` reason "
                          "nor a `derived` rule")
    return Fact(name, inverse, item.get("ref"), item.get("value"), quote, curated, loc, derived)


def _decoded_lines(path: Path, name: str, problems: _Collector) -> list[str]:
    """The lines of a UTF-8 text file; a line with other bytes is reported and left empty."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(Location(name), f"cannot read the file: {exc.strerror}")
        return []
    lines = []
    offset = 0
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
            problems.add(
                Location(name, line_no, column=column),
                f"not UTF-8: byte 0x{raw[exc.start]:02x} at byte offset {offset + exc.start}",
            )
            lines.append("")
        offset += len(raw) + 1
    return lines


def _load_observations(path: Path, problems: _Collector) -> list[ObservationRow]:
    rows: list[ObservationRow] = []
    name = _rel(path)
    lines = _decoded_lines(path, name, problems)
    if not lines:  # unreadable, reported
        return rows
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header != OBSERVATION_COLUMNS:
        problems.add(
            Location(name, 1), f"header must be {' '.join(OBSERVATION_COLUMNS)}, got {header}"
        )
        return rows
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(Location(name, reader.line_num), f"unreadable row: {exc}")
            continue
        line_no = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        loc = Location(name, line_no, cells[0] if cells else None)
        if len(cells) != len(OBSERVATION_COLUMNS):
            problems.add(
                loc,
                f"expected {len(OBSERVATION_COLUMNS)} tab-separated cells, got {len(cells)}",
            )
            continue
        cell = dict(zip(OBSERVATION_COLUMNS, cells, strict=True))
        try:
            value = finite_decimal(cell["value"])
        except InvalidOperation:
            problems.add(loc, f"value {cell['value']!r} is not a number")
            continue
        if cell["approximate"] not in ("true", "false"):
            problems.add(loc, f"approximate must be true or false, got {cell['approximate']!r}")
            continue
        if not RECORD_ID.match("observation/" + cell["id"]):
            problems.add(loc, f"observation id {cell['id']!r} is not a lowercase slug")
        rows.append(
            ObservationRow(
                cell["id"],
                cell["doc"],
                cell["statistic"],
                cell["occupation"],
                cell["industry"],
                cell["period"],
                value,
                cell["unit"],
                cell["approximate"] == "true",
                Quote(cell["doc"], cell["quote"], loc),
                loc,
            )
        )
    return rows


OBSERVATIONS_FILE = "observations.tsv"


def load_sources(directory: Path, ontology: OntologyIndex) -> SourceSet:
    """Read every curated file in `directory` and check what can be checked without documents."""
    problems = _Collector()
    sources = SourceSet()
    sources.documents = _load_documents(directory / "documents.yaml", problems)
    periods_file = directory / "periods.yaml"
    if periods_file.exists():
        sources.periods = _load_periods(periods_file, problems)
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        # What the loader does not read would be dropped without a word (credentials.yml,
        # a sub-folder: 20 records gone); hidden files (editors' swap files) are not records.
        if not path.name.startswith(".") and (path.suffix != ".yaml" or path.is_dir()) and \
                path.name != OBSERVATIONS_FILE:
            problems.add(Location(_rel(path)), "not read: the records are the folder's *.yaml "
                         f"files and {OBSERVATIONS_FILE}; rename or move it")
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("documents.yaml", "periods.yaml"):
            continue
        items = _load_list(path, "records", problems)
        for index in range(len(items)):
            record = _parse_record(
                items[index], _item_loc(items, index, Location(_rel(path))), ontology, problems
            )
            if record is None:
                continue
            if record.id in sources.records:
                first = sources.records[record.id].location
                problems.add(
                    record.location,
                    f"duplicate id {record.id!r} (first defined at {first.file}:{first.line})",
                )
                continue
            sources.records[record.id] = record
    observations = directory / OBSERVATIONS_FILE
    if observations.exists():
        sources.observations = _load_observations(observations, problems)
    _check_references(sources, ontology, problems)
    problems.raise_if_any()
    return sources


def _check_references(sources: SourceSet, ontology: OntologyIndex, problems: _Collector) -> None:
    docs, dropped, unreadable = sources.documents, problems.dropped, problems.unreadable
    for quote, _ in sources.quotes():
        if quote.doc not in docs and quote.doc not in dropped and "documents" not in unreadable:
            problems.add(quote.location, f"unknown document {quote.doc!r}")
    for record in sources.records.values():
        for fact in record.facts:
            if fact.ref is None or fact.ref in dropped or "records" in unreadable:
                continue
            if fact.ref.startswith(ONTOLOGY_REF):
                if fact.ref[len(ONTOLOGY_REF):] not in ontology.individuals:
                    problems.add(fact.location, f"{fact.prop} refers to {fact.ref!r}, which is not "
                                                "an individual of the ontology")
            elif fact.ref not in sources.records:
                problems.add(fact.location, f"{fact.prop} refers to undefined entity {fact.ref!r}")
    stats = ontology.individuals_of("StatisticKind")
    units = ontology.individuals_of("Unit")
    seen: set[str] = set()
    # One document states one figure for a (statistic, occupation, industry, period); a second
    # row for it ("Food manufacturing 7" as another chemical-industry share) is a slip.
    # Documents may disagree with each other: figures-differing-across-documents reports that.
    figures: dict[tuple[str, ...], ObservationRow] = {}
    known = sources.periods.keys() | sources.records.keys() | dropped
    for row in sources.observations:
        if row.id in seen:
            problems.add(row.location, f"duplicate observation id {row.id!r}")
        seen.add(row.id)
        key = (row.doc, row.statistic, row.occupation, row.industry, row.period)
        first_row = figures.setdefault(key, row)
        if first_row is not row:
            problems.add(row.location, f"observation {row.id}: {row.doc} already gives "
                         f"{row.statistic} of {row.occupation} in {row.industry} for "
                         f"{row.period} (observation {first_row.id}, line "
                         f"{first_row.location.line})")
        checks = [
            (row.statistic in stats, f"unknown statistic {row.statistic!r}"),
            (row.unit in units, f"unknown unit {row.unit!r}"),
            (row.period in known or "periods" in unreadable, f"undefined period {row.period!r}"),
            (row.occupation in known or "records" in unreadable,
             f"undefined occupation {row.occupation!r}"),
            (row.industry in known or "records" in unreadable,
             f"undefined industry {row.industry!r}"),
        ]
        for ok, message in checks:
            if not ok:
                problems.add(row.location, message)
