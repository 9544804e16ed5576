"""Curated source records: loading and structural checks (before any triple is made)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg.errors import Location, SourceError
from kg.vocabulary import OntologyIndex
from kg.yaml_lines import LINE_KEY, load_yaml

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


class _Collector:
    """Gathers every problem so one run reports them all."""

    def __init__(self) -> None:
        self.problems: list[tuple[Location, str]] = []

    def add(self, location: Location, message: str) -> None:
        self.problems.append((location, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise SourceError(self.problems)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _quote(item: dict[str, Any], loc: Location, problems: _Collector) -> Quote | None:
    doc, text = item.get("doc"), item.get("quote")
    if doc is None and text is None:
        return None
    if not isinstance(doc, str) or not isinstance(text, str) or not text.strip():
        problems.add(loc, "evidence needs both `doc` and a non-empty `quote`")
        return None
    return Quote(doc, text, loc)


def _load_documents(path: Path, problems: _Collector) -> dict[str, Document]:
    data = _load(path, problems)
    documents: dict[str, Document] = {}
    for item in (data or {}).get("documents", []):
        loc = Location(_rel(path), item.get(LINE_KEY), item.get("id"))
        required = ("id", "file", "sha256", "title", "kind")
        missing = [k for k in required if item.get(k) in (None, "")]
        if missing:
            problems.add(loc, f"document entry lacks {', '.join(missing)}")
            continue
        if not DOC_ID.match(item["id"]):
            problems.add(loc, f"document id {item['id']!r} is not a lowercase slug")
        if not isinstance(item["sha256"], str) or not SHA256.match(item["sha256"]):
            problems.add(loc, "sha256 must be 64 lowercase hex digits, written as quoted text")
        if item["id"] in documents:
            problems.add(loc, f"duplicate document id {item['id']!r}")
        years = item.get("reference_years") or []
        if not all(isinstance(y, int) for y in years):
            problems.add(loc, f"reference_years must be whole years, got {years!r}")
            years = []
        documents[item["id"]] = Document(
            item["id"],
            item["file"],
            str(item["sha256"]),
            item["title"],
            item["kind"],
            tuple(years),
            item.get("publisher"),
            loc,
        )
    return documents


def _load_periods(path: Path, problems: _Collector) -> dict[str, Period]:
    data = _load(path, problems)
    periods: dict[str, Period] = {}
    for item in (data or {}).get("periods", []):
        loc = Location(_rel(path), item.get(LINE_KEY), item.get("id"))
        try:
            period = Period(item["id"], item["label"], str(item["start"]), str(item["end"]), loc)
        except KeyError as exc:
            problems.add(loc, f"period lacks {exc.args[0]}")
            continue
        match = RECORD_ID.match(period.id)
        if not match or match["kind"] != "period":
            problems.add(loc, f"period id {period.id!r} must look like period/<slug>")
        for value in (period.start, period.end):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                problems.add(loc, f"period date {value!r} is not YYYY-MM-DD")
        if period.start > period.end:
            problems.add(loc, f"period starts ({period.start}) after it ends ({period.end})")
        if period.id in periods:
            problems.add(loc, f"duplicate period id {period.id!r}")
        periods[period.id] = period
    return periods


def _load(path: Path, problems: _Collector) -> Any:
    try:
        return load_yaml(path)
    except ValueError as exc:
        problems.add(Location(_rel(path)), str(exc).split(": ", 1)[-1])
        return None


def _parse_record(
    item: Any, path: Path, ontology: OntologyIndex, problems: _Collector
) -> Record | None:
    if not isinstance(item, dict):
        problems.add(Location(_rel(path)), f"a record must be a mapping, got {item!r}")
        return None
    loc = Location(_rel(path), item.get(LINE_KEY), item.get("id"))
    for key in ("id", "type", "label"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            problems.add(loc, f"record lacks `{key}`")
            return None
    match = RECORD_ID.match(item["id"])
    if not match:
        problems.add(loc, f"id {item['id']!r} must look like <kind>/<lowercase-slug>")
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
        q for e in item.get("evidence", []) if (q := _quote(e, _at(path, e, loc), problems))
    ]
    alt_labels = []
    for alt in item.get("alt_labels", []):
        alt_loc = _at(path, alt, loc)
        if not isinstance(alt, dict) or not isinstance(alt.get("value"), str):
            problems.add(alt_loc, "alt_labels entries need a string `value`")
            continue
        alt_labels.append((alt["value"], _quote(alt, alt_loc, problems)))
    definition = None
    if isinstance(item.get("definition"), dict):
        d = item["definition"]
        definition = (str(d.get("value", "")), _quote(d, _at(path, d, loc), problems))
    facts = [
        f for raw in item.get("facts", []) if (f := _parse_fact(raw, path, loc, ontology, problems))
    ]
    if not evidence and not any(f.curated for f in facts):
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


def _at(path: Path, item: Any, parent: Location) -> Location:
    line = item.get(LINE_KEY) if isinstance(item, dict) else None
    return Location(parent.file, line or parent.line, parent.record)


def _parse_fact(
    raw: Any, path: Path, parent: Location, ontology: OntologyIndex, problems: _Collector
) -> Fact | None:
    loc = _at(path, raw, parent)
    if not isinstance(raw, dict) or not isinstance(raw.get("p"), str):
        problems.add(loc, f"a fact needs a property `p`, got {raw!r}")
        return None
    name = raw["p"]
    inverse = name.startswith("^")
    name = name.lstrip("^")
    info = ontology.properties.get(name)
    if info is None:
        problems.add(loc, f"property {name!r} is not declared in the ontology")
        return None
    has_ref, has_value = "ref" in raw, "value" in raw
    if info.is_object and not has_ref:
        problems.add(loc, f"{name} links to an entity: give `ref`, not `value`")
        return None
    if not info.is_object and (not has_value or inverse):
        problems.add(loc, f"{name} takes a literal `value` (and cannot be inverted)")
        return None
    quote = _quote(raw, loc, problems)
    curated = raw.get("curated")
    if quote is None and not curated:
        problems.add(loc, f"fact {raw['p']} has neither doc+quote nor a `curated` reason")
    return Fact(name, inverse, raw.get("ref"), raw.get("value"), quote, curated, loc)


def _load_observations(path: Path, problems: _Collector) -> list[ObservationRow]:
    rows: list[ObservationRow] = []
    name = _rel(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != OBSERVATION_COLUMNS:
            problems.add(
                Location(name, 1), f"header must be {' '.join(OBSERVATION_COLUMNS)}, got {header}"
            )
            return rows
        for line_no, cells in enumerate(reader, start=2):
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
                value = Decimal(cell["value"])
                if not value.is_finite():
                    raise InvalidOperation
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


def load_sources(directory: Path, ontology: OntologyIndex) -> SourceSet:
    """Read every curated file in `directory` and check what can be checked without documents."""
    problems = _Collector()
    sources = SourceSet()
    sources.documents = _load_documents(directory / "documents.yaml", problems)
    periods_file = directory / "periods.yaml"
    if periods_file.exists():
        sources.periods = _load_periods(periods_file, problems)
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("documents.yaml", "periods.yaml"):
            continue
        data = _load(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            problems.add(Location(_rel(path)), "expected a top-level `records:` list")
            continue
        for item in data["records"]:
            record = _parse_record(item, path, ontology, problems)
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
    observations = directory / "observations.tsv"
    if observations.exists():
        sources.observations = _load_observations(observations, problems)
    _check_references(sources, ontology, problems)
    problems.raise_if_any()
    return sources


def _check_references(sources: SourceSet, ontology: OntologyIndex, problems: _Collector) -> None:
    docs = sources.documents
    for quote, _ in sources.quotes():
        if quote.doc not in docs:
            problems.add(quote.location, f"unknown document {quote.doc!r}")
    for record in sources.records.values():
        for fact in record.facts:
            if fact.ref is None:
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
    for row in sources.observations:
        if row.id in seen:
            problems.add(row.location, f"duplicate observation id {row.id!r}")
        seen.add(row.id)
        checks = [
            (row.statistic in stats, f"unknown statistic {row.statistic!r}"),
            (row.unit in units, f"unknown unit {row.unit!r}"),
            (row.period in sources.periods, f"undefined period {row.period!r}"),
            (row.occupation in sources.records, f"undefined occupation {row.occupation!r}"),
            (row.industry in sources.records, f"undefined industry {row.industry!r}"),
        ]
        for ok, message in checks:
            if not ok:
                problems.add(row.location, message)
