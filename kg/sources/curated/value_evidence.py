"""Check that the quote of every curated figure, duration and code states that very value.

A quote proves a text fact by containing it; for a value (83290, -8, P3Y, "11-3051") the build
also reads the quote and requires the value among what it states. `read_quote` is the one
normaliser; after the normalisation of `kg/sources/curated/quotes.py` (dashes made `-`, spaces
folded) it reads:

- Numbers: digits with thousands separators (`156,100` = 156100) and decimals (`12.5`); the
  words zero to twenty, thirty to ninety and their compounds (`twenty-five`); a following
  `thousand`, `million` or `billion` multiplies. A `-` right before the digits, not after a word
  or number, is a minus sign.
- Money, percent and counts: `$83,290` is money; `80 percent`, `80 per cent`, `10%` are
  percents; a number followed by `jobs`, `openings`, `workers`, `employees` or `people` is a
  count; any other number is plain. Money is stated only for a dollar unit, a percent only for
  the percent unit, a count only for a unit of jobs, openings or workers ("156,100 jobs" is no
  wage); a plain number may be in any unit ("Chemical manufacturing 8" in a table of percents).
- Approximation: `about`, `approximately`, `around`, `roughly`, `nearly`, `almost` or
  `estimated` right before a number (or range) marks it approximate. An observation's
  `approximate` column must agree with how the quote states its value.
- Ranges: `2021-31`, `2008-18`, `2021 to 2031`, `10-12`, `$5 to $7`, `2021 through 2031` state
  both ends; a two-digit end after a four-digit start keeps the start's century (2021-31 = 2031).
  Percent, money and time units written after a range apply to both ends.
- Durations: a number followed by `year(s)`, `month(s)`, `week(s)`, `day(s)` or `hour(s)` states
  that number and the duration (`every 3 years` = 3 and P3Y, `10 years` = 10 and P10Y, `40 hours`
  = PT40H, weeks are counted in days); `every year`, `each year` and `annually` state P1Y.
- Sign words: a number (not a year) with one of the words `decline`, `decrease`, `fall`, `drop`,
  `shrink`, `lose`, `loss` (any inflection in NEGATIVE below) at most three words before it, with
  no number between, is negative: "decline moderately by 8 percent" states -8, not 8; "fell to
  8 percent" (`to` right before the number) states the level 8. Growth words (grow, increase,
  rise, gain) leave the number positive.
- Which figure: a wage percentile's quote must say which one ("lowest 10 percent" or "10th
  percentile" for the 10th; "highest 10 percent" or "90th percentile" for the 90th; "middle 50
  percent" or "25th"/"75th percentile" for the quartiles, the lower end of the range the 25th
  and the upper the 75th), and a projected change's quote its direction (a growth or a decline
  word), so a quote cut to "by 8 percent" cannot carry a decline as +8. Every other statistic
  must be named by its quote or by the line introducing the table or list the quote is a row
  of (`STATISTIC_NAMES`: "median" and an annual word for the annual median, "openings", "wage
  and salary", ...), so a figure cannot be re-typed as a neighbouring statistic.
- Years: whole numbers written with four digits and no separator, within the plausible years
  of `kg/sources/plausibility.py` (1900-2100), neither money nor percent, and the ends of year
  ranges. A year states a period, never an observation's value ("156,100 jobs in 2008" does not
  state 2,008 jobs).

Which facts are checked is decided by the range of the fact's property in the ontology, so a new
property is covered without a list here: every literal fact whose range is not text
(rdf:langString) or a boolean. Numbers (xsd:decimal, xsd:integer, ...) must be stated numbers;
xsd:duration values stated durations (compared as durations: P3Y = P36M); xsd:gYear values
stated years; xsd:string values (classification codes) must occur in the quote as a whole token.
A datatype without a reader here fails the build, so nothing numeric is skipped in silence.
Every observation is checked: its value, its `approximate` flag, and its period: the period's
start and end years must be years the quote states, or, when the quote states no year, years
in the document's `reference_years`.

A value no text states is `derived:` instead of quoted, in a form the build checks:
`derived: {mapping: industries.sssom.tsv}` says the code equals the code of the concept that the
curated SSSOM set `kg/mappings/industries.sssom.tsv` maps this record to with
skos:exactMatch
(the full build checks each SSSOM object, with its label, against the imported data).

The curated observations are also held to the plausibility bounds of `kg/sources/plausibility.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import isodate
from rdflib import RDF, XSD, URIRef

from kg.errors import Location, SourceError
from kg.prefixes import DEFAULT_BASE
from kg.sources.curated.builder import CODE_SCHEMES
from kg.sources.curated.loader import Fact, ObservationRow, Record, SourceSet
from kg.sources.curated.quotes import normalise
from kg.sources.curated.vocabulary import NUMERIC_TYPES, OntologyIndex
from kg.sources.curated.yaml_lines import LINE_KEY
from kg.sources.plausibility import EARLIEST_YEAR, LATEST_YEAR, implausibility, implausible_year
from kg.sources.sssom_mappings import MAPPINGS_DIR, read_sssom

APPROXIMATE = frozenset({"about", "approximately", "around", "roughly", "nearly", "almost",
                         "estimated"})
NEGATIVE = frozenset({"decline", "declines", "declined", "declining", "decrease", "decreases",
                      "decreased", "decreasing", "fall", "falls", "fell", "falling", "drop",
                      "drops", "dropped", "dropping", "shrink", "shrinks", "shrank", "shrinking",
                      "lose", "loses", "lost", "losing", "loss"})
SIGN_WINDOW = 3  # words allowed between a sign word and its number ("decline moderately by 8")
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen twenty").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_SMALL)} | _TENS
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Time unit word -> (ISO 8601 designator, multiplier): weeks are days, xsd:duration has no W.
TIME_UNITS = {"year": ("Y", 1), "month": ("M", 1), "week": ("D", 7), "day": ("D", 1),
              "hour": ("TH", 1)}
YEARLY = ("every year", "each year", "annually")
# The units an observation's `unit` column may name, and the mark a stated number may carry in it.
UNIT_MARKS = {"USDollarsPerYear": "money", "USDollarsPerHour": "money", "Percent": "percent",
              "Jobs": "count", "JobOpeningsPerYear": "count", "WorkersPerYear": "count"}
# A number followed by one of these words (singular or plural) counts them: a "count".
COUNT_WORDS = frozenset({"job", "opening", "worker", "employee", "people", "person"})
TEXT_TYPES = {RDF.langString, XSD.boolean}

_TOKEN = re.compile(
    r"(?P<money>\$)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+(?:-[A-Za-z]+)*)|(?P<percent>%)|(?P<dash>-)"
)


@dataclass(frozen=True)
class Stated:
    """One value a quote states."""

    value: Decimal
    mark: str  # "money", "percent", "count" or "plain"
    approximate: bool
    text: str  # as written, for messages
    year: bool = False  # a plain four-digit year (or a year range's end)

    def describe(self) -> str:
        # the sign a decline word gives is the value's, so it is shown: "decline moderately by
        # 8 percent" states -8 percent ("it states 8 percent" misled; audit)
        sign = "-" if self.value < 0 and not self.text.lstrip("$").startswith("-") else ""
        return f"{'about ' if self.approximate else ''}{sign}{self.text}"


@dataclass(frozen=True)
class QuoteValues:
    """Everything `read_quote` found in one quote."""

    numbers: tuple[Stated, ...]
    years: frozenset[int]
    durations: tuple[str, ...]

    def numbers_equal(self, value: Decimal) -> list[Stated]:
        return [s for s in self.numbers if s.value == value]

    def states_duration(self, value: str) -> bool:
        wanted = isodate.parse_duration(value)
        return any(isodate.parse_duration(d) == wanted for d in self.durations)

    def summary(self) -> str:
        parts = [s.describe() for s in self.numbers] + list(self.durations)
        return ", ".join(parts) if parts else "no value"


@dataclass(frozen=True)
class _Token:
    kind: str  # number, word, percent, dash
    text: str
    start: int
    end: int
    value: Decimal | None = None
    money: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        if m["number"]:
            tokens.append(_Token("number", m[0], m.start(), m.end(),
                                 Decimal(m["number"].replace(",", "")), bool(m["money"])))
        elif m["word"]:
            word = m["word"].lower()
            value = _word_number(word)
            if value is not None:
                tokens.append(_Token("number", m[0], m.start(), m.end(), Decimal(value)))
            else:
                tokens.append(_Token("word", word, m.start(), m.end()))
        else:
            kind = "percent" if m["percent"] else "dash"
            tokens.append(_Token(kind, m[0], m.start(), m.end()))
    return tokens


def _word_number(word: str) -> int | None:
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    tens, _, unit = word.partition("-")
    if tens in _TENS and unit in NUMBER_WORDS and 0 < NUMBER_WORDS[unit] < 10:
        return _TENS[tens] + NUMBER_WORDS[unit]
    return None


def _is_year(token: _Token) -> bool:
    return (token.kind == "number" and re.fullmatch(r"\d{4}", token.text) is not None
            and EARLIEST_YEAR <= int(token.text) <= LATEST_YEAR)


def _word_at(tokens: list[_Token], i: int) -> str | None:
    return tokens[i].text if 0 <= i < len(tokens) and tokens[i].kind == "word" else None


def read_quote(quote: str) -> QuoteValues:
    """The numbers, years and durations `quote` states, by the rules of the module docstring."""
    text = normalise(quote)
    tokens = _tokens(text)
    numbers: list[Stated] = []
    years: set[int] = set()
    durations: list[str] = [] if not any(y in text.lower() for y in YEARLY) else ["P1Y"]
    i = 0
    while i < len(tokens):
        first = tokens[i]
        if first.kind != "number":
            i += 1
            continue
        ends, j = [first], i + 1
        # A range: "2021-31", "2021 to 2031", "$5 to $7".
        if j + 1 < len(tokens) and tokens[j + 1].kind == "number" and (
            tokens[j].kind == "dash" or tokens[j].text in ("to", "through")
        ):
            ends.append(tokens[j + 1])
            j += 2
        values = [t.value for t in ends if t.value is not None]
        if len(ends) == 2 and _is_year(first) and re.fullmatch(r"\d{2}", ends[1].text):
            values[1] = Decimal(first.text[:2] + ends[1].text)
        if _word_at(tokens, j) in SCALES:
            values = [v * SCALES[str(_word_at(tokens, j))] for v in values]
            j += 1
        mark = "money" if any(t.money for t in ends) else "plain"
        if j < len(tokens) and (tokens[j].kind == "percent" or tokens[j].text == "percent"):
            mark, j = "percent", j + 1
        elif _word_at(tokens, j) == "per" and _word_at(tokens, j + 1) == "cent":
            mark, j = "percent", j + 2
        elif mark == "plain" and (_word_at(tokens, j) or "").removesuffix("s") in COUNT_WORDS:
            mark = "count"  # the word stays for what follows (no time unit can)
        unit = (_word_at(tokens, j) or "").removesuffix("s")
        if unit in TIME_UNITS:
            designator, factor = TIME_UNITS[unit]
            for v in values:
                amount = format((v * factor).normalize(), "f")
                durations.append(f"PT{amount}H" if designator == "TH" else f"P{amount}{designator}")
        is_year = _is_year(first) and mark == "plain"
        if is_year:
            years.update(int(v) for v in values)
        elif _negative(tokens, i, text):
            values = [-v for v in values]
        approximate = _word_at(tokens, i - 1) in APPROXIMATE
        written = text[first.start:tokens[j - 1].end]
        numbers += [Stated(v, mark, approximate, written, is_year) for v in values]
        i = j
    return QuoteValues(tuple(numbers), frozenset(years), tuple(durations))


def _negative(tokens: list[_Token], i: int, text: str) -> bool:
    """A minus sign right before the digits, or a decline word shortly before the number."""
    if i > 0 and tokens[i - 1].kind == "dash" and tokens[i - 1].end == tokens[i].start:
        before = tokens[i - 2] if i > 1 else None
        dash = tokens[i - 1]
        if before is None or before.kind not in ("number", "word") or before.end < dash.start:
            return True
    if _word_at(tokens, i - 1) == "to":
        return False  # "fell to 8 percent" states a level, not a change
    for back in range(1, SIGN_WINDOW + 2):
        if i - back < 0 or tokens[i - back].kind == "number":
            return False
        if tokens[i - back].text in NEGATIVE:
            return True
    return False


@dataclass
class ValueEvidence:
    """What the check found: counts for the build log and report."""

    verified: int = 0
    derived: int = 0
    problems: list[tuple[Location, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"value-verified": self.verified, "derived": self.derived}


def is_value_fact(fact: Fact, ontology: OntologyIndex) -> bool:
    """True for a literal fact whose value is a number, duration, year, code, ...: not text."""
    info = ontology.properties[fact.prop]
    return not info.is_object and info.range is not None and info.range not in TEXT_TYPES


def check_values(sources: SourceSet, ontology: OntologyIndex, base: str = DEFAULT_BASE,
                 mappings_dir: Path = MAPPINGS_DIR) -> ValueEvidence:
    """Check every value fact and observation; raise SourceError listing every problem."""
    found = ValueEvidence()
    mappings = _MappingIndex(mappings_dir, base)
    for record in sources.records.values():
        for fact in record.facts:
            if fact.derived is not None:
                _check_derived(record, fact, mappings, base, found)
            elif is_value_fact(fact, ontology):
                _check_fact(record, fact, ontology.properties[fact.prop].range, found)
    for row in sources.observations:
        _check_observation(row, sources, found)
    if found.problems:
        raise SourceError(found.problems)
    return found


def _check_fact(record: Record, fact: Fact, datatype: URIRef | None, found: ValueEvidence
                ) -> None:
    if fact.quote is None:
        found.problems.append((fact.location, f"{fact.prop} {fact.value!r} is a value no quote "
                               "states: give the doc and quote that state it, or `derived:` "
                               "saying how it follows from checked data"))
        return
    stated = read_quote(fact.quote.text)
    ok: bool
    if datatype in NUMERIC_TYPES:
        ok = bool(stated.numbers_equal(_decimal(fact.value)))
    elif datatype == XSD.duration:
        ok = _duration_stated(stated, fact.value)
    elif datatype == XSD.gYear:
        ok = str(fact.value).isdigit() and int(str(fact.value)) in stated.years
    elif datatype == XSD.string:
        ok = _token_in(str(fact.value), normalise(fact.quote.text))
    else:
        found.problems.append((fact.location, f"{fact.prop} has the datatype {datatype}, which "
                               "kg/sources/curated/value_evidence.py cannot read from a quote yet"))
        return
    if not ok:
        found.problems.append((fact.location, f"{fact.prop} {fact.value!r} of {record.id} is not "
                               f"stated by its quote {fact.quote.text!r} (it states "
                               f"{stated.summary()})"))
        return
    found.verified += 1


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")  # never equal to a stated number; the builder names the bad value


def _duration_stated(stated: QuoteValues, value: Any) -> bool:
    try:
        return stated.states_duration(str(value))
    except isodate.ISO8601Error:
        return False  # the builder reports the malformed duration


def _token_in(value: str, text: str) -> bool:
    """`value` occurs as a whole token: "336" is in "NAICS 336." but not in "3361"."""
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\w)", text) is not None


def _check_observation(row: ObservationRow, sources: SourceSet, found: ValueEvidence) -> None:
    problems = found.problems
    before = len(problems)
    where = f"observation {row.id}"
    if (implausible := implausibility(row.statistic, row.value)) is not None:
        problems.append((row.location, f"{where}: {row.statistic} {implausible}"))
    stated = read_quote(row.quote.text)
    mark = UNIT_MARKS.get(row.unit)
    candidates = [s for s in stated.numbers_equal(row.value)
                  if s.mark in ("plain", mark) and not s.year]
    if not candidates:
        problems.append((row.location, f"{where}: value {row.value} ({row.unit}) is not stated "
                         f"by its quote {row.quote.text!r} (it states {stated.summary()})"))
    elif not any(s.approximate == row.approximate for s in candidates):
        problems.append((row.location, f"{where}: approximate is "
                         f"{str(row.approximate).lower()}, but the quote {row.quote.text!r} "
                         f"states {candidates[0].describe()}"))
    if candidates and (wrong := _which_figure(row, stated, candidates)) is not None:
        problems.append((row.location, f"{where}: {wrong}"))
    if (unnamed := _names_statistic(row, sources)) is not None:
        problems.append((row.location, f"{where}: {unnamed}"))
    if _NEXT_SENTENCE.search(normalise(row.quote.text).rstrip(".!? ")):
        problems.append((row.location, f"{where}: its quote {row.quote.text!r} holds more than "
                         "one sentence; quote the one sentence, clause or table row that states "
                         "the figure"))
    period = sources.periods.get(row.period)
    if period is not None:
        wanted = sorted({int(period.start[:4]), int(period.end[:4])})
        for year in wanted:
            if (implausible := implausible_year(year)) is not None:
                problems.append((row.location, f"{where}: period {row.period}: {implausible}"))
        document = sources.documents.get(row.doc)
        if stated.years:
            if not set(wanted) <= stated.years:
                problems.append((row.location, f"{where}: period {row.period} ({_years(wanted)}) "
                                 f"is not what its quote {row.quote.text!r} states (the year(s) "
                                 f"{_years(stated.years)})"))
        elif document is not None and not set(wanted) <= set(document.reference_years):
            problems.append((row.location, f"{where}: the quote {row.quote.text!r} states no "
                             f"year, and period {row.period} ({_years(wanted)}) is not among the "
                             f"reference_years of document {row.doc} "
                             f"({_years(document.reference_years) or 'none'})"))
    if len(problems) == before:
        found.verified += 1


# A wage percentile's words: (statistic suffix, phrases that name it, which end of a range).
PERCENTILE_WORDS = {
    "Percentile10": (("lowest 10 percent", "10th percentile"), None),
    "Percentile90": (("highest 10 percent", "top 10 percent", "90th percentile"), None),
    "Percentile25": (("middle 50 percent", "25th percentile"), 0),
    "Percentile75": (("middle 50 percent", "75th percentile"), 1),
}
# The words that name each statistic: the quote, or the line introducing the table or list it is
# a row of (sources.lead_ins), must hold one of the first group (and, where there is one, one of
# the second), and the quote none of the third, which name a neighbouring statistic. A median
# quoted as "The middle 50 percent earned between $64,390 and $108,710", or employment re-typed
# as wage and salary employment under "held about 156,100 jobs", was published (session 33's
# audit). Checked only where the document was read (--documents): a table row's quote alone does
# not say what its column is.
ANNUAL = ("annual", "a year", "per year", "yearly", "annually", "salary", "salaries")
HOURLY = ("hourly", "an hour", "per hour")
PROJECTION = ("projected", "projection", "expected to", "forecast")
# The phrases that name a wage percentile (PERCENTILE_WORDS below), which a median's or mean's
# quote must not hold: "Median annual wages were $83,290. The middle 50 percent earned between
# $64,390 and $108,710." made 64390 a median (session 33's review). "50th percentile" is the
# median's own name.
OTHER_PERCENTILES = ("lowest 10 percent", "highest 10 percent", "top 10 percent",
                     "middle 50 percent", "10th percentile", "25th percentile",
                     "75th percentile", "90th percentile")
STATISTIC_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "employment": (("jobs", "employment", "employed", "workers"), (),
                   ("wage and salary", "openings", *PROJECTION)),
    "wageAndSalaryEmployment": (("wage and salary",), (), PROJECTION),
    "projectedEmployment": (PROJECTION, ("jobs", "employment", "employed", "workers"), ()),
    "employmentShare": (("employed in", "employers", "by industry", "employment in"), (),
                        ("of total employment", "self-employed")),
    "shareOfTotalEmployment": (("of total employment", "of all jobs", "of all employment",
                                "of all workers", "workforce", "of total"), (), ()),
    "selfEmployedShare": (("self-employed", "self employed"), (), ()),
    "annualAverageOpenings": (("openings", "vacancies"), (), ()),
    "annualWageMedian": (("median",), ANNUAL, ("mean", "average wage", *OTHER_PERCENTILES)),
    "hourlyWageMedian": (("median",), HOURLY, ("mean", "average wage", *OTHER_PERCENTILES)),
    "annualWageMean": (("mean", "average"), ANNUAL, ("median", *OTHER_PERCENTILES)),
    "hourlyWageMean": (("mean", "average"), HOURLY, ("median", *OTHER_PERCENTILES)),
    "laborForceExitRate": (("exit", "exits"), (), ()),
    "laborForceExits": (("exit", "exits"), (), ()),
    "occupationalTransferRate": (("transfer", "transfers"), (), ()),
    "occupationalTransfers": (("transfer", "transfers"), (), ()),
    "occupationalSeparationsRate": (("separation", "separations"), (), ()),
    "occupationalSeparations": (("separation", "separations"), (), ()),
    "employmentRelativeStandardError": (("standard error",), (), ()),
    "wageMeanRelativeStandardError": (("standard error",), (), ()),
}


def _says(text: str, phrase: str) -> bool:
    """`phrase` as whole words of `text` ("mean" is not in "meaning")."""
    return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) is not None


# Two sentences in one quote let a figure borrow its name from the next sentence (a median
# quote extended over "The middle 50 percent earned between $64,390 and ..."): an observation
# is quoted by one sentence, clause or table row. A capital after a stop that does not follow a
# capital ("U.S. Bureau") starts a new sentence.
_NEXT_SENTENCE = re.compile(r"(?<![A-Z])[.!?]\s+(?=[A-Z])")


GROWTH = frozenset({"grow", "grows", "growing", "grew", "increase", "increases", "increased",
                    "increasing", "rise", "rises", "rising", "rose", "gain", "gains", "gained",
                    "add", "adds", "added"})
CHANGE_STATISTICS = ("projectedEmploymentChange", "projectedEmploymentChangeNumeric")


def _names_statistic(row: ObservationRow, sources: SourceSet) -> str | None:
    """Why neither the quote nor its table's lead-in names the statistic, or None."""
    names = STATISTIC_NAMES.get(row.statistic)
    key = (row.quote.doc, row.quote.text)
    if names is None or key not in sources.verbatim:
        return None  # no words listed (percentiles, changes: _which_figure) or no document read
    needed, also, excluded = names
    quote = normalise(row.quote.text).lower()
    lead_in = sources.lead_ins.get(key)
    context = quote + " " + normalise(lead_in or "").lower()
    where = f"its quote {row.quote.text!r}" + (f" or the line above its table {lead_in!r}"
                                               if lead_in else "")
    for group in (needed, also):
        if group and not any(_says(context, word) for word in group):
            return (f"{row.statistic} needs {where} to name it "
                    f"({' or '.join(repr(w) for w in group)})")
    if clash := next((word for word in excluded if _says(quote, word)), None):
        return (f"{row.statistic} is not what its quote {row.quote.text!r} names: {clash!r} "
                "names another statistic (quote only the clause that states this one)")
    return None


def _which_figure(row: ObservationRow, stated: QuoteValues,
                  candidates: list[Stated]) -> str | None:
    """Why the quote does not say that its number is this statistic, or None."""
    text = normalise(row.quote.text).lower()
    for suffix, (phrases, end) in PERCENTILE_WORDS.items():
        if not row.statistic.endswith(suffix):
            continue
        if not any(phrase in text for phrase in phrases):
            return (f"{row.statistic} needs a quote that names that percentile "
                    f"({' or '.join(repr(p) for p in phrases)}); {row.quote.text!r} does not")
        # "the lowest 10 percent earned less than $74,000, and the highest 10 percent earned
        # more than $190,000" passed as a 10th percentile of 190000 (session 33's review)
        others = {p for other, (words, _) in PERCENTILE_WORDS.items() if other != suffix
                  for p in words} - set(phrases)
        if clash := next((p for p in sorted(others) if p in text), None):
            return (f"{row.statistic} is not what its quote {row.quote.text!r} names alone: "
                    f"{clash!r} names another percentile (quote only the clause that states "
                    "this one)")
        if end is not None and "middle 50 percent" in text:
            money = [s.value for s in stated.numbers if s.mark == "money"]
            if len(money) >= 2 and row.value != money[end]:
                return (f"{row.statistic} is the {'lower' if end == 0 else 'upper'} end of the "
                        f"middle 50 percent, {money[end]} in {row.quote.text!r}, not {row.value}")
    if row.statistic in CHANGE_STATISTICS:
        words = set(re.findall(r"[a-z]+", text))
        if not words & (GROWTH | NEGATIVE):
            return (f"{row.statistic} needs a quote that says the direction of the change (a "
                    f"growth or a decline word); {row.quote.text!r} does not")
    return None


def _years(years: Any) -> str:
    return ", ".join(str(y) for y in sorted(years))


class _MappingIndex:
    """The curated SSSOM sets, read on first use: file name -> (subject IRI -> exactMatch IRIs)."""

    def __init__(self, folder: Path, base: str):
        self.folder = folder
        self.base = base
        self._sets: dict[str, dict[str, list[str]]] = {}

    def exact_matches(self, file_name: str) -> dict[str, list[str]] | None:
        if file_name not in self._sets:
            path = self.folder / file_name
            if Path(file_name).name != file_name or not path.is_file():
                return None
            mapping_set = read_sssom(path)
            index: dict[str, list[str]] = {}
            for m in mapping_set.mappings:
                if m.predicate_id == "skos:exactMatch":
                    index.setdefault(mapping_set.expand(m.subject_id, self.base), []).append(
                        mapping_set.expand(m.object_id, self.base))
            self._sets[file_name] = index
        return self._sets[file_name]


def _check_derived(record: Record, fact: Fact, mappings: _MappingIndex, base: str,
                   found: ValueEvidence) -> None:
    """`derived: {mapping: FILE}`: the code is that of the record's exactMatch in FILE."""
    problems = found.problems
    derived = fact.derived
    if fact.quote is not None:
        problems.append((fact.location, f"{fact.prop} of {record.id} is both quoted and "
                         "`derived`: give one"))
        return
    keys = set(derived) - {LINE_KEY} if isinstance(derived, dict) else None
    if keys != {"mapping"}:
        shown = {k: v for k, v in derived.items() if k != LINE_KEY} if isinstance(
            derived, dict) else derived
        problems.append((fact.location, f"`derived` of {fact.prop} must be {{mapping: "
                         f"<file in kg/mappings>}}, got {shown!r}"))
        return
    if fact.prop not in CODE_SCHEMES:
        problems.append((fact.location, f"{fact.prop} is not a classification code "
                         f"({', '.join(sorted(CODE_SCHEMES))}): it cannot be derived from a "
                         "mapping"))
        return
    file_name = str(derived["mapping"])  # type: ignore[index]
    index = mappings.exact_matches(file_name)
    if index is None:
        problems.append((fact.location, f"`derived` names {file_name!r}, which is not a mapping "
                         f"set in {mappings.folder}"))
        return
    segment = CODE_SCHEMES[fact.prop][0]
    concept = f"{base}{segment}/{fact.value}"
    targets = [t for t in index.get(base + record.id, []) if t.startswith(f"{base}{segment}/")]
    if targets != [concept]:
        stated = ", ".join(t[len(base) + len(segment) + 1:] for t in targets) or "nothing"
        problems.append((fact.location, f"{fact.prop} {fact.value!r} of {record.id} is derived "
                         f"from {file_name}, but that set maps {record.id} with skos:exactMatch "
                         f"to {segment} {stated}"))
        return
    found.derived += 1
