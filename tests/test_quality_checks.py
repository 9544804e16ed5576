"""The quality checks `queries/*-violation.rq`: no rows on the real build, rows on a graph broken
on purpose (one defect per check, and a clean control graph that passes them all)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.query.catalog import list_violation_checks, run_violation_checks
from kg.query.engines import Engine, open_engine

OKG = "https://w3id.org/occupation-kg/ontology#"
CHECKS = [q.name for q in list_violation_checks()]

PREFIXES = """\
@prefix okg: <https://w3id.org/occupation-kg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix d: <https://w3id.org/occupation-kg/id/> .
"""

# A small consistent graph: an occupation, a certification with its issuer and requirement and
# a period (curated: graph/curation), and a document's graph with the one fact it states (with
# its evidence record) and two ordered wage observations. Defects that are not about quoting
# go into graph/curation, so only fact-without-evidence-violation looks at what they add.
GOOD = """
d:graph\\/ontology {
  okg:Certification rdfs:subClassOf okg:Credential .
  okg:annualWagePercentile10 okg:unit okg:USDollarsPerYear .
  okg:annualWageMedian okg:unit okg:USDollarsPerYear .
}
d:graph\\/curation {
  d:occupation\\/ipm a okg:Occupation ; skos:prefLabel "Industrial production managers"@en ;
      okg:advancesTo d:occupation\\/plant-manager .
  d:occupation\\/plant-manager a okg:Occupation ; skos:prefLabel "Plant manager"@en .
  d:issuing-body\\/apics a okg:IssuingBody ; skos:prefLabel "APICS"@en .
  d:certification\\/cpim a okg:Certification ; skos:prefLabel "CPIM"@en ;
      okg:hasRequirement d:credential-requirement\\/cpim .
  d:credential-requirement\\/cpim a okg:CredentialRequirement ; skos:prefLabel "CPIM req"@en .
  d:period\\/2021-05 a okg:ReferencePeriod ; skos:prefLabel "May 2021"@en ;
      okg:startYear 2021 ; okg:endYear 2021 .
}
d:graph\\/doc-a {
  d:document\\/doc-a a okg:SourceDocument ; skos:prefLabel "Doc A"@en .
  d:document\\/doc-b a okg:SourceDocument ; skos:prefLabel "Doc B"@en .
  d:certification\\/cpim okg:offeredBy d:issuing-body\\/apics ;
      prov:wasDerivedFrom d:document\\/doc-a .
  d:evidence\\/e1 a okg:Evidence ; rdf:subject d:certification\\/cpim ;
      rdf:predicate okg:offeredBy ; rdf:object d:issuing-body\\/apics ;
      okg:quote "is offered by APICS" ; prov:wasDerivedFrom d:document\\/doc-a .
  d:observation\\/p10 a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:annualWagePercentile10 ;
      sdmx-dimension:refPeriod d:period\\/2021-05 ; sdmx-measure:obsValue 64150.0 ;
      sdmx-attribute:unitMeasure okg:USDollarsPerYear ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "less than $64,150" .
  d:observation\\/median a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:annualWageMedian ;
      sdmx-dimension:refPeriod d:period\\/2021-05 ; sdmx-measure:obsValue 103150.0 ;
      sdmx-attribute:unitMeasure okg:USDollarsPerYear ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "was $103,150" .
}
"""

# One defect per check (the check's name -> the TriG that breaks it, added to GOOD).
DEFECTS = {
    # O*NET coverage (engineer I, issue 13): a relatedness without its skos:related link, and
    # one repeating another's index; an anchor above its scale's maximum.
    "onet-relatedness-violation": """
d:graph\\/curation {
  d:onet-relatedness\\/a-b okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 1 .
  d:onet-relatedness\\/a-c okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 1 .
}
""",
    "onet-scale-anchor-violation": """
d:graph\\/curation {
  d:onet-scale\\/lv okg:scaleMinimum 0.0 ; okg:scaleMaximum 7.0 .
  d:onet-scale-anchor\\/x okg:anchorScale d:onet-scale\\/lv ; okg:anchorValue 8.0 .
}
""",
    "evidence-incomplete-violation": """
d:graph\\/doc-a {
  d:evidence\\/empty a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ;
      okg:quote "  " ; prov:wasDerivedFrom d:document\\/doc-a .
  d:evidence\\/orphan a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ; okg:quote "x" .
}
""",
    # A statement in a document's graph with no evidence record quoting the document for it.
    "fact-without-evidence-violation": """
d:graph\\/doc-a {
  d:occupation\\/ipm okg:advancesTo d:occupation\\/plant-manager .
}
""",
    "evidence-graph-mismatch-violation": """
d:graph\\/doc-a {
  d:evidence\\/elsewhere a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ;
      okg:quote "may advance to plant manager" ; prov:wasDerivedFrom d:document\\/doc-b .
}
""",
    "observation-incomplete-violation": """
d:graph\\/doc-a {
  d:observation\\/bare a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 83290.0 ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "$83,290" .
}
""",
    "observation-value-violation": """
d:graph\\/doc-a {
  d:observation\\/p10 sdmx-attribute:unitMeasure okg:Percent .
}
""",
    "preflabel-violation": """
d:graph\\/curation {
  d:occupation\\/plant-manager skos:prefLabel "Plant managers"@en .
  d:methodology\\/lean a okg:Methodology .
}
""",
    "certification-without-issuer-violation": """
d:graph\\/curation {
  d:certification\\/cmq-oe a okg:Certification ; skos:prefLabel "CMQ/OE"@en ;
      okg:renewalFrequency "P3Y"^^xsd:duration .
}
""",
    "self-advancement-violation": """
d:graph\\/curation {
  d:occupation\\/ipm okg:advancesTo d:occupation\\/ipm .
}
""",
    "percentile-order-violation": """
d:graph\\/doc-a {
  d:observation\\/p90 a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:annualWagePercentile90 ;
      sdmx-dimension:refPeriod d:period\\/2021-05 ; sdmx-measure:obsValue 100000.0 ;
      sdmx-attribute:unitMeasure okg:USDollarsPerYear ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "more than $100,000" .
}
""",
    "reference-period-violation": """
d:graph\\/curation {
  d:period\\/backwards a okg:ReferencePeriod ; skos:prefLabel "backwards"@en ;
      okg:startYear 2031 ; okg:endYear 2021 .
}
""",
    "implausible-value-violation": """
d:graph\\/doc-a {
  d:observation\\/p10 sdmx-measure:obsValue -64150.0 .
}
""",
    # OEWS hourly wages (engineer E, issue 13): the 10th percentile above the median.
    "bls-hourly-percentile-order-violation": """
d:graph\\/ontology {
  okg:hourlyWagePercentile10 okg:unit okg:USDollarsPerHour .
  okg:hourlyWageMedian okg:unit okg:USDollarsPerHour .
}
d:graph\\/doc-a {
  d:observation\\/h10 a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:hourlyWagePercentile10 ;
      sdmx-dimension:refPeriod d:period\\/2021-05 ; sdmx-measure:obsValue 60.0 ;
      sdmx-attribute:unitMeasure okg:USDollarsPerHour ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "$60.00" .
  d:observation\\/h50 a okg:Observation ; okg:occupation d:occupation\\/ipm ;
      okg:industry d:industry\\/all ; okg:statistic okg:hourlyWageMedian ;
      sdmx-dimension:refPeriod d:period\\/2021-05 ; sdmx-measure:obsValue 49.59 ;
      sdmx-attribute:unitMeasure okg:USDollarsPerHour ; qb:dataSet d:dataset\\/doc-a ;
      prov:wasDerivedFrom d:document\\/doc-a ; okg:quote "$49.59" .
}
""",
}


def _engine(tmp_path: Path, name: str, body: str, engine: str = "oxigraph") -> Engine:
    path = tmp_path / f"{name}.trig"
    path.write_text(PREFIXES + body, encoding="utf-8")
    return open_engine(engine, path)


def test_every_check_has_a_defect() -> None:
    assert len(CHECKS) >= 8
    assert sorted(DEFECTS) == sorted(CHECKS)


def test_checks_pass_on_the_build(dist: Path) -> None:
    """On the embedded store; tests/test_stored_queries.py (test_three_engines_agree) runs
    every check on this kg.trig with rdflib and Virtuoso too and compares their rows with
    these (running them with rdflib here as well took 25 s)."""
    failures = run_violation_checks(open_engine("oxigraph", dist / "kg.trig"))
    assert failures == {}, {k: v.as_dicts()[:3] for k, v in failures.items()}


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_checks_pass_on_a_clean_graph(tmp_path: Path, engine: str) -> None:
    assert run_violation_checks(_engine(tmp_path, "good", GOOD, engine)) == {}


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("check", sorted(DEFECTS))
def test_check_finds_its_defect(tmp_path: Path, check: str, engine: str) -> None:
    failures = run_violation_checks(_engine(tmp_path, check, GOOD + DEFECTS[check], engine))
    assert check in failures, f"{check} found nothing"
    assert len(failures[check].rows) > 0
    # The defect trips its own check and no unrelated one (the checks are specific).
    assert set(failures) == {check}, sorted(failures)


def test_defect_details(tmp_path: Path) -> None:
    def found(check: str) -> list[dict[str, str | None]]:
        engine = _engine(tmp_path, check, GOOD + DEFECTS[check])
        table = run_violation_checks(engine)[check]
        return [{k: None if v is None else str(v) for k, v in r.items()} for r in table.as_dicts()]

    problems = {r["problem"] for r in found("evidence-incomplete-violation")}
    assert problems == {"empty quote", "no source document"}
    assert {r["missing"] for r in found("observation-incomplete-violation")} == {
        "reference period",
        "unit",
    }
    assert {r["problem"] for r in found("preflabel-violation")} == {
        "two prefLabels in one language",
        "no prefLabel",
    }
    percentiles = found("percentile-order-violation")
    # The 90th percentile (100,000) is below the median (103,150), not below the 10th (64,150).
    assert [(r["lowerStatistic"], r["higherStatistic"]) for r in percentiles] == [
        (OKG + "annualWageMedian", OKG + "annualWagePercentile90")
    ]


# --- every branch of the checks rewritten for speed (engineer Q, issue 12) ---------------------
# Each rewrite must still report each kind of problem: one observation without each of the eight
# properties, one from a source document without its quote, and the three prefLabel problems.
_OBSERVATION_PROPERTIES = {
    "sdmx-measure:obsValue 1.0": "value",
    "sdmx-attribute:unitMeasure okg:USDollarsPerYear": "unit",
    "sdmx-dimension:refPeriod d:period\\/2021-05": "reference period",
    "okg:statistic okg:annualWageMean": "statistic",
    "okg:occupation d:occupation\\/ipm": "occupation",
    "okg:industry d:industry\\/all": "industry",
    "qb:dataSet d:dataset\\/doc-a": "dataset",
    "prov:wasDerivedFrom d:document\\/doc-a": "source document",
}


def _observation_without(left_out: str) -> str:
    kept = " ; ".join(p for p in _OBSERVATION_PROPERTIES if p != left_out)
    name = _OBSERVATION_PROPERTIES[left_out].replace(" ", "-")
    return f'  d:observation\\/no-{name} a okg:Observation ; {kept} ; okg:quote "1" .\n'


EVERY_BRANCH = {
    "observation-incomplete-violation": (
        "d:graph\\/doc-a {\n"
        + "".join(_observation_without(p) for p in _OBSERVATION_PROPERTIES)
        + "  d:observation\\/unquoted a okg:Observation ; "
        + " ; ".join(_OBSERVATION_PROPERTIES) + " .\n}\n",
        "missing",
        {*_OBSERVATION_PROPERTIES.values(), "quote"},
    ),
    "preflabel-violation": (
        """
d:graph\\/doc-a {
  d:occupation\\/plant-manager skos:prefLabel "Plant managers"@EN .
  d:methodology\\/lean a okg:Methodology .
  d:methodology\\/six-sigma a okg:Methodology ; skos:prefLabel "Six Sigma" .
  d:observation\\/p10 skos:prefLabel "p10"@en .
}
""",
        "problem",
        {"two prefLabels in one language", "prefLabel without a language tag", "no prefLabel"},
    ),
}


# --- the checks rewritten with MINUS and a class list (engineer Q1, issue 12) ------------------
# Each kind of problem of the rewritten checks is still reported: every evidence problem, every
# reference-period problem, and "no prefLabel" for an entity of every class the list names.
EVERY_BRANCH_MINUS = {
    "evidence-incomplete-violation": (
        """
d:graph\\/doc-a {
  d:evidence\\/no-quote a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ;
      prov:wasDerivedFrom d:document\\/doc-a .
  d:evidence\\/blank a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ;
      okg:quote "\\t " ; prov:wasDerivedFrom d:document\\/doc-a .
  d:evidence\\/no-source a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ; okg:quote "x" .
  d:evidence\\/odd-source a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; rdf:object d:occupation\\/plant-manager ; okg:quote "x" ;
      prov:wasDerivedFrom d:occupation\\/ipm .
  d:evidence\\/no-object a okg:Evidence ; rdf:subject d:occupation\\/ipm ;
      rdf:predicate okg:advancesTo ; okg:quote "x" ; prov:wasDerivedFrom d:document\\/doc-a .
}
""",
        "problem",
        {"no quote", "empty quote", "no source document", "source is not a SourceDocument",
         "no subject, predicate or object"},
    ),
    "reference-period-violation": (
        """
d:graph\\/doc-a {
  d:period\\/open a okg:ReferencePeriod ; skos:prefLabel "open"@en ; okg:startYear 2021 .
  d:period\\/backwards a okg:ReferencePeriod ; skos:prefLabel "backwards"@en ;
      okg:startYear 2031 ; okg:endYear 2021 .
  d:observation\\/p10 sdmx-dimension:refPeriod d:period\\/undeclared .
}
""",
        "problem",
        {"no start or end year", "ends before it starts", "used but not declared"},
    ),
}

# onet-relatedness-violation read with one sub-select per property (2.5 s -> 70 ms on the full
# graph): both of its problems are still reported.
EVERY_BRANCH_MINUS["onet-relatedness-violation"] = (
    DEFECTS["onet-relatedness-violation"],
    "problem",
    {"no skos:related between its occupations",
     "another relatedness of the same occupation has the same index"},
)

EVERY_BRANCH.update(EVERY_BRANCH_MINUS)  # one test below runs both tables


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("check", sorted(EVERY_BRANCH))
def test_rewritten_checks_keep_every_branch(tmp_path: Path, check: str, engine: str) -> None:
    body, column, expected = EVERY_BRANCH[check]
    table = run_violation_checks(_engine(tmp_path, check, GOOD + body, engine))[check]
    assert {str(r[column]) for r in table.as_dicts()} == expected


# The classes whose instances need a prefLabel: every okg class but these reified figures.
UNLABELLED_CLASSES = {"Evidence", "Observation", "Rating", "OccupationRelatedness",
                      "OccupationMetadatum", "TaskActivity", "CareerTransition"}


def _labelled_classes_of_the_check() -> set[str]:
    text = (Path(__file__).parents[1] / "queries" / "preflabel-violation.rq").read_text()
    return set(re.findall(r"\{ \?entity a okg:(\w+) \}", text))


def test_preflabel_class_list_is_the_ontology() -> None:
    from rdflib import OWL, RDF, Graph

    ontology = Graph().parse(Path(__file__).parents[1] / "ontology" / "occupation-kg.ttl")
    declared = {str(c).removeprefix(OKG) for c in ontology.subjects(RDF.type, OWL.Class)
                if str(c).startswith(OKG)}
    assert UNLABELLED_CLASSES <= declared
    assert _labelled_classes_of_the_check() == declared - UNLABELLED_CLASSES


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_preflabel_finds_an_unlabelled_entity_of_every_class(tmp_path: Path, engine: str) -> None:
    classes = sorted(_labelled_classes_of_the_check())
    body = "d:graph\\/doc-a {\n" + "".join(
        f"  d:thing\\/{name} a okg:{name} .\n" for name in classes) + "}\n"
    table = run_violation_checks(_engine(tmp_path, "classes", GOOD + body, engine))[
        "preflabel-violation"]
    found = {str(r["entity"]).rsplit("/", 1)[1] for r in table.as_dicts()
             if str(r["problem"]) == "no prefLabel"}
    assert found == set(classes)


# --- observation-value-violation's unit branch as a MINUS of (statistic, unit) pairs (session 18,
# issue 12): the same observations are reported as with the FILTER(?unit != ?expected) it replaced.
OBSERVATION_VALUE_CASES = """
d:graph\\/ontology {
  okg:employmentShare okg:unit okg:Percent .
}
d:graph\\/doc-a {
  d:observation\\/text-value a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue "103150" ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/iri-value a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue d:period\\/2021-05 ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/wrong-unit a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 1.0 ; sdmx-attribute:unitMeasure okg:Percent .
  d:observation\\/share a okg:Observation ; okg:statistic okg:employmentShare ;
      sdmx-measure:obsValue 120.0 ; sdmx-attribute:unitMeasure okg:Percent .
  d:observation\\/unitless-statistic a okg:Observation ; okg:statistic okg:annualWageMean ;
      sdmx-measure:obsValue 1.0 ; sdmx-attribute:unitMeasure okg:Percent .
  d:not-an-observation okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue "x" ; sdmx-attribute:unitMeasure okg:Percent .
  # Session 20: numbers of other types, a second observation with the same wrong pair, a
  # statistic with two units, and a decimal written with a trailing zero (not a problem).
  d:observation\\/integer-value a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 5 ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/double-value a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 5.0E0 ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/tagged-value a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue "5"@en ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/trailing-zero a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 1.50 ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/wrong-unit-again a okg:Observation ; okg:statistic okg:annualWageMedian ;
      sdmx-measure:obsValue 2.0 ; sdmx-attribute:unitMeasure okg:Percent .
  d:observation\\/second-unit a okg:Observation ; okg:statistic okg:hourlyWageMean ;
      sdmx-measure:obsValue 2.0 ; sdmx-attribute:unitMeasure okg:USDollarsPerYear .
  d:observation\\/text-share a okg:Observation ; okg:statistic okg:employmentShare ;
      sdmx-measure:obsValue "abc" ; sdmx-attribute:unitMeasure okg:Percent .
}
d:graph\\/ontology {
  okg:hourlyWageMean okg:unit okg:USDollarsPerHour , okg:USDollarsPerYear .
}
"""


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_observation_value_reports_each_problem_of_each_observation(tmp_path: Path,
                                                                    engine: str) -> None:
    table = run_violation_checks(
        _engine(tmp_path, "values", GOOD + OBSERVATION_VALUE_CASES, engine))[
        "observation-value-violation"]
    found = {(str(r["observation"]).rsplit("/", 1)[1], str(r["problem"]))
             for r in table.as_dicts()}
    # No row for a statistic without a unit, nor for a subject that is not an Observation.
    assert found == {
        ("text-value", "value is not an xsd:decimal"),
        ("iri-value", "value is not an xsd:decimal"),
        ("wrong-unit", "unit differs from the statistic's unit"),
        ("share", "employment share outside 0-100 percent"),
        ("integer-value", "value is not an xsd:decimal"),
        ("double-value", "value is not an xsd:decimal"),
        ("tagged-value", "value is not an xsd:decimal"),
        ("wrong-unit-again", "unit differs from the statistic's unit"),
        # Not also "outside 0-100": rdflib compared the text with 0 and 100 (session 20).
        ("text-share", "value is not an xsd:decimal"),
    }


# Every node of a group that shares (occupation, index), and no other: three share (ipm, 1);
# the same index of another occupation and another index of the same occupation are fine.
RELATEDNESS_INDEX_CASES = """
d:graph\\/doc-a {
  d:occupation\\/ipm skos:related d:occupation\\/plant-manager .
  d:occupation\\/plant-manager skos:related d:occupation\\/ipm .
  d:onet-relatedness\\/one okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 1 .
  d:onet-relatedness\\/two okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 1 .
  d:onet-relatedness\\/three okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 1 .
  d:onet-relatedness\\/other-index okg:relatedFrom d:occupation\\/ipm ;
      okg:relatedTo d:occupation\\/plant-manager ; okg:relatednessIndex 2 .
  d:onet-relatedness\\/other-occupation okg:relatedFrom d:occupation\\/plant-manager ;
      okg:relatedTo d:occupation\\/ipm ; okg:relatednessIndex 1 .
}
"""


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_relatedness_reports_every_node_of_a_repeated_index(tmp_path: Path, engine: str) -> None:
    """The repeated-index branch names each node of a repeated (occupation, index) and no
    other. It groups (occupation, index) first, then looks the groups' nodes up with the
    properties written as constants. Session 19's grouping found the nodes with
    variable-predicate patterns and FILTER(sameTerm): Virtuoso 7.2 then also named
    `other-occupation` (checked again in session 20, on the full graph with these nodes in its
    union graph); the form kept here named the three."""
    table = run_violation_checks(
        _engine(tmp_path, "relatedness", GOOD + RELATEDNESS_INDEX_CASES, engine))[
        "onet-relatedness-violation"]
    found = {(str(r["relatedness"]).rsplit("/", 1)[1], str(r["problem"]))
             for r in table.as_dicts()}
    same_index = "another relatedness of the same occupation has the same index"
    assert found == {("one", same_index), ("two", same_index), ("three", same_index)}


# --- the percentile-order checks: the groups out of order first, then their pairs (session 20,
# issue 12). Every pair a lower percentile above a higher one, and no other pair, as Python
# computes it from the same figures. Groups are (occupation, industry, period).
PERCENTILE_RANKS = {"WagePercentile10": 10, "WagePercentile25": 25, "WageMedian": 50,
                    "WagePercentile75": 75, "WagePercentile90": 90}
PERCENTILE_CASES: dict[tuple[str, str, str], list[tuple[str, str]]] = {
    # Only the two ends, out of order.
    ("a", "all", "2021"): [("WagePercentile10", "90.0"), ("WagePercentile90", "80.0")],
    # Two medians: one of them above the 75th percentile.
    ("b", "all", "2021"): [("WagePercentile10", "10.0"), ("WagePercentile25", "20.0"),
                           ("WageMedian", "30.0"), ("WageMedian", "45.0"),
                           ("WagePercentile75", "40.0"), ("WagePercentile90", "50.0")],
    # In order, with equal neighbours (not a violation).
    ("c", "all", "2021"): [("WagePercentile10", "10.0"), ("WagePercentile25", "20.0"),
                           ("WageMedian", "20.0"), ("WagePercentile75", "40.0"),
                           ("WagePercentile90", "50.0")],
    # The same occupation in another industry: three pairs out of order.
    ("c", "mfg", "2021"): [("WagePercentile25", "35.0"), ("WageMedian", "30.0"),
                           ("WagePercentile75", "25.0")],
    # Another period: a value that is not a number beside a pair of numbers out of order.
    ("c", "all", "2022"): [("WagePercentile10", '"abc"'), ("WagePercentile25", "60.0"),
                           ("WageMedian", "50.0")],
    # A lone figure.
    ("d", "all", "2021"): [("WagePercentile90", "5.0")],
    # Only the top two, out of order.
    ("e", "all", "2021"): [("WagePercentile75", "60.0"), ("WagePercentile90", "55.0")],
    # Only the bottom two.
    ("f", "all", "2021"): [("WagePercentile10", "30.0"), ("WagePercentile25", "20.0"),
                           ("WageMedian", "40.0")],
}


def _percentile_body(kind: str) -> str:
    lines = []
    for number, ((occupation, industry, period), figures) in enumerate(PERCENTILE_CASES.items()):
        for index, (statistic, value) in enumerate(figures):
            lines.append(
                f"  d:observation\\/pc-{number}-{index} a okg:Observation ; "
                f"okg:occupation d:occupation\\/{occupation} ; "
                f"okg:industry d:industry\\/{industry} ; "
                f"sdmx-dimension:refPeriod d:period\\/{period} ; "
                f"okg:statistic okg:{kind}{statistic} ; sdmx-measure:obsValue {value} .\n")
    # A figure of the other kind (hourly beside annual) in the same group is not compared.
    other = "hourly" if kind == "annual" else "annual"
    lines.append(
        f"  d:observation\\/pc-other a okg:Observation ; okg:occupation d:occupation\\/c ; "
        f"okg:industry d:industry\\/all ; sdmx-dimension:refPeriod d:period\\/2021 ; "
        f"okg:statistic okg:{other}WagePercentile10 ; sdmx-measure:obsValue 1000.0 .\n")
    return "d:graph\\/doc-a {\n" + "".join(lines) + "}\n"


def _number(cell: object) -> float | None:
    try:
        return float(str(cell))
    except ValueError:
        return None


def _percentile_pairs_out_of_order() -> set[tuple[str, str, str, str, str, str, str]]:
    pairs = set()
    for (occupation, industry, period), figures in PERCENTILE_CASES.items():
        for low, low_value in figures:
            for high, high_value in figures:
                if (PERCENTILE_RANKS[low] < PERCENTILE_RANKS[high]
                        and not low_value.startswith('"') and not high_value.startswith('"')
                        and float(low_value) > float(high_value)):
                    pairs.add((occupation, industry, period, low, float(low_value), high,
                               float(high_value)))
    return pairs


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("kind,check", [("annual", "percentile-order-violation"),
                                        ("hourly", "bls-hourly-percentile-order-violation")])
def test_percentile_order_reports_every_pair_out_of_order(tmp_path: Path, kind: str, check: str,
                                                          engine: str) -> None:
    table = run_violation_checks(
        _engine(tmp_path, kind, GOOD + _percentile_body(kind), engine)).get(check)
    found = set()
    for row in table.as_dicts() if table is not None else []:
        # Numbers only, on every engine: rdflib also paired "abc" with the numbers below it
        # before the check tested isNumeric (SPARQL makes that comparison an error); the
        # rdflib cases fail without that test.
        lower, higher = _number(row["lowerValue"]), _number(row["higherValue"])
        assert lower is not None and higher is not None, row
        found.add((str(row["occupation"]).rsplit("/", 1)[1],
                   str(row["industry"]).rsplit("/", 1)[1], str(row["period"]).rsplit("/", 1)[1],
                   str(row["lowerStatistic"]).removeprefix(OKG + kind), lower,
                   str(row["higherStatistic"]).removeprefix(OKG + kind), higher))
    expected = _percentile_pairs_out_of_order()
    assert len(expected) == 8  # a: 1, b: 1, c/mfg: 3, c/2022: 1, e: 1, f: 1
    assert found == expected


# --- the rewritten checks on random graphs (session 20): oxigraph and rdflib give the same rows.
# Observations with random statistics, units and values (text, language-tagged, integer and
# double values among them, a property or the type sometimes missing) and relatedness nodes
# with random occupations and indexes; every check's rows must be the same on both engines.
_RANDOM_STATISTICS = [f"{kind}Wage{name}" for kind in ("annual", "hourly")
                      for name in ("Percentile10", "Percentile25", "Median", "Percentile75",
                                   "Percentile90")] + ["employment", "employmentShare"]
_RANDOM_UNITS = ["okg:USDollarsPerYear", "okg:USDollarsPerHour", "okg:Percent", "okg:Count"]
_ODD_VALUES = ['"abc"', "5", "5.0E0", '"7"@en', "d:x", "1.50", "-3.0", "150.0"]


def _random_graph(seed: int) -> str:
    import random

    pick = random.Random(seed)
    lines = []
    for statistic in _RANDOM_STATISTICS:
        for chance in (0.8, 0.2):
            if pick.random() < chance:
                lines.append(f"okg:{statistic} okg:unit {pick.choice(_RANDOM_UNITS)} .")
    number = 0
    for occupation in range(pick.randint(1, 4)):
        for industry in range(pick.randint(1, 2)):
            for period in range(pick.randint(1, 2)):
                for _ in range(pick.randint(0, 8)):
                    number += 1
                    value = (f"{pick.randint(1, 60)}.{pick.randint(0, 9)}" if pick.random() < 0.8
                             else pick.choice(_ODD_VALUES))
                    properties = [
                        f"okg:occupation d:occupation\\/o{occupation}",
                        f"okg:industry d:industry\\/i{industry}",
                        f"sdmx-dimension:refPeriod d:period\\/p{period}",
                        f"okg:statistic okg:{pick.choice(_RANDOM_STATISTICS)}",
                        f"sdmx-measure:obsValue {value}",
                        f"sdmx-attribute:unitMeasure {pick.choice(_RANDOM_UNITS)}",
                        "a okg:Observation"]
                    kept = [p for p in properties if pick.random() < 0.95]
                    if kept:
                        lines.append(f"d:observation\\/r{number} " + " ; ".join(kept) + " .")
    for node in range(pick.randint(0, 10)):
        source, target = pick.randint(0, 3), pick.randint(0, 3)
        lines.append(f"d:onet-relatedness\\/r{node} okg:relatedFrom d:occupation\\/o{source} ; "
                     f"okg:relatedTo d:occupation\\/o{target} ; "
                     f"okg:relatednessIndex {pick.randint(1, 3)} .")
        if pick.random() < 0.7:
            lines.append(f"d:occupation\\/o{source} skos:related d:occupation\\/o{target} .")
    return "d:graph\\/random {\n" + "\n".join(lines) + "\n}\n"


REWRITTEN_CHECKS = ["percentile-order-violation", "bls-hourly-percentile-order-violation",
                    "observation-value-violation", "onet-relatedness-violation"]


@pytest.mark.parametrize("seed", range(12))
def test_rewritten_checks_agree_on_random_graphs(tmp_path: Path, seed: int) -> None:
    body = _random_graph(seed)
    found = {}
    for engine in ("oxigraph", "rdflib"):
        failures = run_violation_checks(_engine(tmp_path, f"{engine}-{seed}", body, engine))
        found[engine] = {check: sorted(map(str, failures[check].rows)) if check in failures
                         else [] for check in REWRITTEN_CHECKS}
    assert found["oxigraph"] == found["rdflib"]
