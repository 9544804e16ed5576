"""Values stated by their quotes (kg/sources/curated/value_evidence.py), derived codes,
plausibility bounds.

Regression tests for issue 9: a curated figure whose quote states another value (83920 for
"$83,290", -156100 for "about 156,100", P4Y for "every 3 years", ...) used to be published.
Each test changes one value in a copy of the records, checks the error names the file, line,
record, value and quote, and that the previous dist/ stays byte-identical.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD

from kg.build.pipeline import BuildOptions, BuildReport, build
from kg.errors import SourceError
from kg.prefixes import OKG
from kg.query.catalog import load_query, run_violation_checks
from kg.query.engines import open_engine
from kg.resources import sources_dir
from kg.sources.curated.loader import load_sources
from kg.sources.curated.value_evidence import check_values, is_value_fact, read_quote
from kg.sources.curated.vocabulary import OntologyIndex, load_ontology
from kg.sources.plausibility import BOUNDS_BY_STATISTIC, EARLIEST_YEAR, LATEST_YEAR
from tests.conftest import snapshot

IPM = "occupation/industrial-production-managers"


# The normaliser, one rule at a time (quotes from the seed documents where they have one) ------

def _numbers(quote: str) -> list[tuple[Decimal, str, bool]]:
    return [(s.value, s.mark, s.approximate) for s in read_quote(quote).numbers]


def test_thousands_separators_and_about() -> None:
    assert _numbers("Industrial production managers held about 156,100 jobs in 2008.") == [
        (Decimal(156100), "count", True), (Decimal(2008), "plain", False)]


def test_money() -> None:
    assert _numbers("Median annual wages for industrial production managers were $83,290 in "
                    "May 2008.")[0] == (Decimal(83290), "money", False)


@pytest.mark.parametrize("quote, value, approximate", [
    ("About 80 percent are employed in manufacturing industries", 80, True),
    ("Transportation equipment manufacturing 10%", 10, False),
    ("approximately 80 per cent", 80, True),
])
def test_percent_and_approximation_words(quote: str, value: int, approximate: bool) -> None:
    assert _numbers(quote) == [(Decimal(value), "percent", approximate)]


@pytest.mark.parametrize("quote, value", [("five years", 5), ("ten years", 10),
                                          ("twenty-five", 25), ("every three years", 3)])
def test_number_words(quote: str, value: int) -> None:
    assert _numbers(quote) == [(Decimal(value), "plain", False)]


def test_durations() -> None:
    renewal = read_quote("complete a set number of professional development activities every 3 "
                         "years")
    assert renewal.durations == ("P3Y",) and renewal.states_duration("P3Y")
    assert renewal.states_duration("P36M") and not renewal.states_duration("P4Y")
    experience = read_quote("at least 10 years of experience or education, 5 of which must be "
                            "in a decisionmaking position")
    assert [s.value for s in experience.numbers] == [10, 5]
    assert experience.durations == ("P10Y",)
    assert read_quote("some work more than 40 hours per week").durations == ("PT40H",)
    assert read_quote("every three years").durations == ("P3Y",)


@pytest.mark.parametrize("quote, years", [
    ("projected to grow 3 percent from 2021 to 2031", {2021, 2031}),
    ("Employment projections, 2021-31", {2021, 2031}),
    ("over the 2008-18 decade", {2008, 2018}),
    ("$83,290 in May 2008", {2008}),
    ("$2,008 and 2008 percent", set()),  # money and percents are never years
])
def test_years_and_ranges(quote: str, years: set[int]) -> None:
    assert read_quote(quote).years == years


def test_ranges_state_both_ends() -> None:
    assert _numbers("between 10-12 percent") == [(Decimal(10), "percent", False),
                                                 (Decimal(12), "percent", False)]


@pytest.mark.parametrize("quote, value", [
    ("Employment of industrial production managers is expected to decline moderately by 8 "
     "percent", -8),
    ("Employment of industrial production managers is projected to grow 3 percent", 3),
    ("the share fell to 8 percent", 8),  # a level, not a change
    ("a change of -8 percent", -8),
])
def test_sign_words(quote: str, value: int) -> None:
    assert _numbers(quote)[0][0] == value


def test_scale_words() -> None:
    assert _numbers("about 0.2 million jobs") == [(Decimal("200000.0"), "count", True)]


# Regression tests: one wrong value in a copy of the records -----------------------------------



def _replace(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of `old`; return its line number (1-based)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _fails(sources: Path, out: Path, seeds: Path, *expected: str) -> str:
    listed = (out / "SHA256SUMS").read_text(encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(SourceError) as failure:
        build(BuildOptions(out=out, documents=seeds, sources=sources, ontology_docs=False))
    message = str(failure.value)
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"
    assert (out / "SHA256SUMS").read_text(encoding="utf-8") == listed
    assert snapshot(out) == before, "a failed build changed the previous dist/"
    return message


def _row(sources: Path, row_id: str) -> tuple[int, list[str]]:
    lines = (sources / "observations.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if line.startswith(row_id + "\t"):
            return number, line.split("\t")
    raise AssertionError(row_id)


def _change_cell(sources: Path, row_id: str, column: str, value: str) -> tuple[str, str]:
    """Set one cell of an observation row; return its location and its quote."""
    path = sources / "observations.tsv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    number, cells = _row(sources, row_id)
    old = "\t".join(cells)
    cells[header.index(column)] = value
    _replace(path, old, "\t".join(cells))
    return f"{path}:{number} (record {row_id})", cells[header.index("quote")]


@pytest.mark.parametrize("row_id, value", [("wage-median-2008-05", "83920"),
                                           ("employment-2008", "-156100")])
def test_observation_value_not_in_its_quote(sources_copy: Path, previous_dist: Path,
                                            seeds_dir: Path, row_id: str, value: str) -> None:
    where, quote = _change_cell(sources_copy, row_id, "value", value)
    _fails(sources_copy, previous_dist, seeds_dir, where, f"value {value} ",
           "is not stated by its quote", repr(quote))


def test_a_year_in_the_quote_is_no_figure(sources_copy: Path, previous_dist: Path,
                                          seeds_dir: Path) -> None:
    """Regression: employment-2008 recorded as 2,008 jobs (approximate false) passed, the
    quote's "in 2008" read as a stated number; a year states the period only."""
    where, quote = _change_cell(sources_copy, "employment-2008", "value", "2008")
    _change_cell(sources_copy, "employment-2008", "approximate", "false")
    _fails(sources_copy, previous_dist, seeds_dir, where, "value 2008 ",
           "is not stated by its quote", repr(quote))


def test_a_count_of_jobs_is_no_wage(sources_copy: Path, previous_dist: Path,
                                    seeds_dir: Path) -> None:
    """Regression: the quote "held about 156,100 jobs in 2008" passed as an annual median wage
    of 156,100 USD a year: a plain number was allowed in any unit, and "jobs" did not count."""
    where, quote = _change_cell(sources_copy, "employment-2008", "statistic",
                                "annualWageMedian")
    _change_cell(sources_copy, "employment-2008", "unit", "USDollarsPerYear")
    _fails(sources_copy, previous_dist, seeds_dir, where, "value 156100 (USDollarsPerYear)",
           "is not stated by its quote", repr(quote))


def test_approximate_flag_must_agree(sources_copy: Path, previous_dist: Path,
                                     seeds_dir: Path) -> None:
    where, quote = _change_cell(sources_copy, "employment-2008", "approximate", "false")
    _fails(sources_copy, previous_dist, seeds_dir, where, "approximate is false",
           repr(quote), "states about 156,100")


def test_period_must_be_the_quoted_year(sources_copy: Path, previous_dist: Path,
                                        seeds_dir: Path) -> None:
    where, quote = _change_cell(sources_copy, "employment-2008", "period", "period/2021")
    _fails(sources_copy, previous_dist, seeds_dir, where, "period period/2021 (2021)",
           repr(quote), "the year(s) 2008")


def test_quote_without_year_takes_the_documents_reference_years(
        sources_copy: Path, previous_dist: Path, seeds_dir: Path) -> None:
    where, quote = _change_cell(sources_copy, "wage-p25-2008-05", "period", "period/2021-05")
    assert not read_quote(quote).years
    _fails(sources_copy, previous_dist, seeds_dir, where, repr(quote), "states no year",
           "reference_years of document ooh-2010-outlook (2008, 2018)")


def test_implausible_observation(sources_copy: Path, previous_dist: Path,
                                 seeds_dir: Path) -> None:
    share = BOUNDS_BY_STATISTIC["employmentShare"].maximum
    assert share is not None
    value = str(share + 80)
    where, quote = _change_cell(sources_copy, "employment-share-2008-manufacturing", "value",
                                value)
    _fails(sources_copy, previous_dist, seeds_dir, where,
           f"employmentShare {value} is above {share}", f"value {value} (Percent)", repr(quote))


@pytest.mark.parametrize("old, new, stated", [
    ('{p: "renewalFrequency", value: "P3Y", doc: "ooh-2010-outlook", quote: "complete a set '
     'number of professional development activities',
     '{p: "renewalFrequency", value: "P4Y", doc: "ooh-2010-outlook", quote: "complete a set '
     'number of professional development activities', "renewalFrequency 'P4Y'"),
    ('{p: "yearsOfExperienceOrEducation", value: 10,',
     '{p: "yearsOfExperienceOrEducation", value: 12,',
     "yearsOfExperienceOrEducation 12"),
])
def test_fact_value_not_in_its_quote(sources_copy: Path, previous_dist: Path, seeds_dir: Path,
                                     old: str, new: str, stated: str) -> None:
    path = sources_copy / "credentials.yaml"
    line = _replace(path, old, new)
    quote = re.search(r'quote: "([^"]*)"', path.read_text().splitlines()[line - 1])
    assert quote is not None
    _fails(sources_copy, previous_dist, seeds_dir, f"{path}:{line} (record ", stated,
           "is not stated by its quote", repr(quote[1]))


def test_derived_code_must_equal_the_mapping(sources_copy: Path, previous_dist: Path,
                                             seeds_dir: Path) -> None:
    path = sources_copy / "occupations.yaml"
    line = _replace(path, '{p: "socCode", value: "11-3051"', '{p: "socCode", value: "11-3052"')
    _fails(sources_copy, previous_dist, seeds_dir, f"{path}:{line} (record {IPM})",
           "socCode '11-3052'", "derived from occupations.sssom.tsv",
           "skos:exactMatch to soc2018 11-3051")


def test_derived_names_an_existing_mapping_set(sources_copy: Path, previous_dist: Path,
                                               seeds_dir: Path) -> None:
    path = sources_copy / "industries.yaml"
    line = _replace(path, '"336", derived: {mapping: "industries.sssom.tsv"}',
                    '"336", derived: {mapping: "no-such.sssom.tsv"}')
    _fails(sources_copy, previous_dist, seeds_dir, f"{path}:{line} (record industry/",
           "'no-such.sssom.tsv', which is not a mapping set")


def test_code_neither_quoted_nor_derived(sources_copy: Path, previous_dist: Path,
                                         seeds_dir: Path) -> None:
    path = sources_copy / "industries.yaml"
    line = _replace(path, '"311", derived: {mapping: "industries.sssom.tsv"}',
                    '"311", curated: "the curator knows"')
    _fails(sources_copy, previous_dist, seeds_dir,
           f"{path}:{line} (record industry/food-manufacturing)",
           "naicsCode '311' is a value no quote states")


# Coverage and counts -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ontology() -> OntologyIndex:
    return OntologyIndex(load_ontology())


def test_build_reports_the_counts(built: tuple[Path, BuildReport],
                                  ontology: OntologyIndex) -> None:
    sources = load_sources(sources_dir(), ontology)
    facts = [f for r in sources.records.values() for f in r.facts]
    quoted = [f for f in facts if is_value_fact(f, ontology) and f.quote is not None]
    derived = [f for f in facts if f.derived is not None]
    value_facts = [f for f in facts if is_value_fact(f, ontology)]
    assert built[1].values == {"value-verified": len(quoted) + len(sources.observations),
                               "derived": len(derived)}
    # every numeric and code fact is in one of the two
    assert len(quoted) + len(derived) == len(value_facts)
    assert {f.prop for f in derived} == {"socCode", "naicsCode"}


def test_a_new_numeric_property_is_covered(sources_copy: Path) -> None:
    """The facts checked are chosen by the property's range, not by a list of names."""
    graph = load_ontology()
    graph.add((OKG.shiftsPerDay, RDF.type, OWL.DatatypeProperty))
    graph.add((OKG.shiftsPerDay, RDFS.range, XSD.integer))
    ontology = OntologyIndex(graph)
    (sources_copy / "zz-new.yaml").write_text("""records:
  - id: work-schedule/shifts
    type: WorkSchedule
    label: Shifts
    evidence: [{doc: california-directory, quote: "work more than 40 hours a week"}]
    facts:
      - p: shiftsPerDay
        value: 3
        doc: california-directory
        quote: "work more than 40 hours a week"
""")
    sources = load_sources(sources_copy, ontology)
    with pytest.raises(SourceError, match=r"zz-new.yaml:7 \(record work-schedule/shifts\): "
                                          r"shiftsPerDay 3 of work-schedule/shifts is not stated"):
        check_values(sources, ontology)


# Plausibility: the quality check states the table's numbers and finds an implausible value -----

def test_quality_check_states_the_bounds_table() -> None:
    query = load_query(None, "implausible-value-violation").text
    rows = re.findall(r"\(okg:(\w+) (-?\d+(?:\.\d+)?) (-?\d+)\)", query)
    stated = {name: (Decimal(low), Decimal(high)) for name, low, high in rows}
    table = {name: (b.minimum, b.maximum) for name, b in BOUNDS_BY_STATISTIC.items()}
    assert stated == table
    assert f"?value < {EARLIEST_YEAR} || ?value > {LATEST_YEAR}" in query


def test_quality_check_finds_an_implausible_value(tmp_path: Path, dist: Path) -> None:
    trig = tmp_path / "kg.trig"
    text = (dist / "kg.trig").read_text(encoding="utf-8")
    # The build store writes an xsd:decimal in its canonical form (kg/build/writers.py).
    assert text.count(' "156100"^^xsd:decimal ') == 1
    trig.write_text(text.replace(' "156100"^^xsd:decimal ', ' "-156100"^^xsd:decimal '),
                    encoding="utf-8")
    failures = run_violation_checks(open_engine("oxigraph", trig))
    assert set(failures) == {"implausible-value-violation"}
    rows = failures["implausible-value-violation"].as_dicts()
    jobs = BOUNDS_BY_STATISTIC["employment"]
    assert [(str(r["subject"]).rsplit("/", 1)[-1], str(r["problem"])) for r in rows] == [
        ("employment-2008", f"employment outside {jobs.minimum} to {jobs.maximum}")]


def test_a_percentile_quote_must_name_its_percentile(sources_copy: Path, previous_dist: Path,
                                                     seeds_dir: Path) -> None:
    """Regression: "the highest 10 percent earned more than $170,470" recorded as the 75th
    percentile passed: the number was stated, which figure it was not checked."""
    where, quote = _change_cell(sources_copy, "wage-p90-2021-05", "statistic",
                                "annualWagePercentile75")
    _fails(sources_copy, previous_dist, seeds_dir, where,
           "annualWagePercentile75 needs a quote that names that percentile", repr(quote))


def test_the_quartiles_are_the_ends_of_the_middle_half(sources_copy: Path,
                                                      previous_dist: Path,
                                                      seeds_dir: Path) -> None:
    """The middle 50 percent "between $64,390 and $108,710": the 25th percentile is the lower
    end; recorded as the upper one it is refused."""
    _, cells = _row(sources_copy, "wage-p25-2008-05")
    header = (sources_copy / "observations.tsv").read_text(encoding="utf-8").splitlines()[0]
    upper = _row(sources_copy, "wage-p75-2008-05")[1][header.split("\t").index("value")]
    where, _ = _change_cell(sources_copy, "wage-p25-2008-05", "value", upper)
    _fails(sources_copy, previous_dist, seeds_dir, where,
           "annualWagePercentile25 is the lower end of the middle 50 percent")


def test_a_median_quoted_from_the_middle_half_is_refused(sources_copy: Path,
                                                         previous_dist: Path,
                                                         seeds_dir: Path) -> None:
    """Regression (session 33's audit): the 2008 median set to 64390 and quoted "The middle 50
    percent earned between $64,390 and $108,710." was published: the number was stated, and
    nothing asked the quote to say "median"."""
    where, _ = _change_cell(sources_copy, "wage-median-2008-05", "value", "64390")
    _change_cell(sources_copy, "wage-median-2008-05", "quote",
                 "The middle 50 percent earned between $64,390 and $108,710.")
    _fails(sources_copy, previous_dist, seeds_dir, where,
           "annualWageMedian needs its quote 'The middle 50 percent earned between $64,390 and "
           "$108,710.' to name it ('median')")


@pytest.mark.parametrize("row_id, statistic, expected", [
    # the quote says "Median annual wages ... were $83,290"
    ("wage-median-2008-05", "annualWageMean",
     "annualWageMean needs its quote 'Median annual wages for industrial production managers "
     "were $83,290 in May 2008.' to name it ('mean' or 'average')"),
    # "held about 156,100 jobs in 2008": all jobs, not wage and salary jobs, and no projection
    ("employment-2008", "wageAndSalaryEmployment",
     "wageAndSalaryEmployment needs its quote"),
    ("employment-2008", "projectedEmployment", "projectedEmployment needs its quote"),
    # "About 80 percent are employed in manufacturing industries": a share by industry
    ("employment-share-2008-manufacturing", "shareOfTotalEmployment",
     "shareOfTotalEmployment needs its quote"),
])
def test_a_quote_must_name_its_statistic(sources_copy: Path, previous_dist: Path,
                                         seeds_dir: Path, row_id: str, statistic: str,
                                         expected: str) -> None:
    """Regression (session 33's audit): a curated figure re-typed as a neighbouring statistic,
    its quote unchanged, was published."""
    where, _ = _change_cell(sources_copy, row_id, "statistic", statistic)
    _fails(sources_copy, previous_dist, seeds_dir, where, expected)


def test_a_table_row_takes_its_statistic_from_the_line_above_the_table(
        sources_copy: Path, previous_dist: Path, seeds_dir: Path) -> None:
    """ "Chemical manufacturing $125,480" names no statistic; the line introducing its table
    ("the median annual wages ... were as follows:") does, so the median passes and a mean
    does not."""
    where, _ = _change_cell(sources_copy, "wage-median-2021-05-chemical-manufacturing",
                            "statistic", "annualWageMean")
    _fails(sources_copy, previous_dist, seeds_dir, where,
           "annualWageMean needs its quote 'Chemical manufacturing $125,480' or the line above "
           "its table 'In May 2021, the median annual wages for industrial production managers "
           "in the top industries in which they worked were as follows:' to name it")


def test_a_change_quote_must_say_its_direction(sources_copy: Path, previous_dist: Path,
                                               seeds_dir: Path) -> None:
    """Regression: the decline "decline moderately by 8 percent" cut to the quote "by 8
    percent" and recorded as +8 passed."""
    where, _ = _change_cell(sources_copy, "projected-change-2008-2018", "value", "8")
    _change_cell(sources_copy, "projected-change-2008-2018", "quote", "by 8 percent")
    _fails(sources_copy, previous_dist, seeds_dir, where,
           "projectedEmploymentChange needs a quote that says the direction of the change")


def test_one_document_gives_one_figure_per_key(sources_copy: Path, previous_dist: Path,
                                               seeds_dir: Path) -> None:
    """Regression: "Food manufacturing 7" recorded as a second 2021 share of chemical
    manufacturing passed, giving that industry 8 % and 7 % for one period."""
    where, quote = _change_cell(sources_copy, "employment-share-2021-food-manufacturing",
                                "industry", "industry/chemical-manufacturing")
    assert quote == "Food manufacturing 7"
    _fails(sources_copy, previous_dist, seeds_dir, where, "already gives employmentShare of",
           "(observation employment-share-2021-chemical-manufacturing, line")


def test_a_decline_is_shown_with_its_sign() -> None:
    """Regression (session 33's audit): "value 8 (Percent) is not stated by its quote '...
    decline moderately by 8 percent' (it states 8 percent)" contradicted itself: the quote
    states -8."""
    quote = "Employment of industrial production managers is expected to decline moderately " \
            "by 8 percent"
    assert read_quote(quote).summary() == "-8 percent"
    assert read_quote("grow 3 percent").summary() == "3 percent"


# Session 33's review of the statistic-name check: figures it still let through, and
# statements it refused that say what they mean ---------------------------------------------

MEDIAN_2008 = "Median annual wages for industrial production managers were $83,290 in May 2008."
MIDDLE_2008 = "The middle 50 percent earned between $64,390 and $108,710."


@pytest.mark.parametrize("row_id, cells, expected", [
    # the median's quote stretched over the next sentence, which holds the value
    ("wage-median-2008-05", {"value": "64390", "quote": f"{MEDIAN_2008} {MIDDLE_2008}"},
     "holds more than one sentence"),
    # a quote over two sentences, the way employment was re-typed as projected employment
    # (stretched to the next paragraph's "Employment is expected to decline moderately")
    ("employment-2008", {"quote": "Industrial production managers held about 156,100 jobs in "
                                  "2008. About 80 percent are employed in manufacturing "
                                  "industries"},
     "holds more than one sentence"),
    # one sentence naming two percentiles: the 90th's figure as the 10th
    ("wage-p10-2021-05", {"value": "170470",
                          "quote": "The lowest 10 percent earned less than $64,150, and the "
                                   "highest 10 percent earned more than $170,470."},
     "'highest 10 percent' names another percentile"),
])
def test_a_figure_cannot_borrow_its_name_from_a_neighbour(
        sources_copy: Path, previous_dist: Path, seeds_dir: Path, row_id: str,
        cells: dict[str, str], expected: str) -> None:
    """Regression (session 33's review): each of these passed the statistic-name check."""
    where = ""
    for column, value in cells.items():
        where, _ = _change_cell(sources_copy, row_id, column, value)
    _fails(sources_copy, previous_dist, seeds_dir, where, expected)


def test_statistic_words_are_whole_words() -> None:
    """ "meaning" is not "mean", "means" is not "median"'s neighbour, and "50th percentile"
    names the median itself (each refused a median before; session 33's review)."""
    from kg.sources.curated.value_evidence import OTHER_PERCENTILES, STATISTIC_NAMES, _says

    assert not _says("$121,440 in may 2024, meaning half earned more", "mean")
    assert _says("the mean annual wage was", "mean")
    excluded = STATISTIC_NAMES["annualWageMedian"][2]
    text = "the median (50th percentile) annual wage was $121,440"
    assert not any(_says(text, word) for word in excluded)
    assert "50th percentile" not in OTHER_PERCENTILES
    assert _says("the median salary was $121,440", "salary")  # a salary is annual


def test_an_hourly_wage_can_be_curated() -> None:
    """Regression (session 33's review): USDollarsPerHour had no mark, so "$58.39" never
    stated an hourly wage and no hourly figure could be curated."""
    from decimal import Decimal

    from kg.errors import Location
    from kg.sources.curated.loader import ObservationRow, Quote, SourceSet

    where = Location("observations.tsv", 2)
    row = ObservationRow("wage-hourly", "doc", "hourlyWageMedian", IPM,
                         "industry/all-industries", "period/2024-05", Decimal("58.39"),
                         "USDollarsPerHour", False,
                         Quote("doc", "The median hourly wage was $58.39 in May 2024.", where),
                         where)
    sources = SourceSet(observations=[row])
    found = check_values(sources, OntologyIndex(load_ontology()))
    assert found.verified == 1
