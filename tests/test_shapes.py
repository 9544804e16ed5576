"""SHACL shapes (shapes/occupation-kg-shapes.ttl) on small inline samples and on the output of
the reference-data importers run on their test slices (tests/data).

Independent of the builder: only rdflib, pyshacl, the ontology, the shapes and kg.sources.importers.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from kg.sources.importers import IMPORTERS, write
from kg.sources.plausibility import BOUNDS_BY_STATISTIC, EARLIEST_YEAR, LATEST_YEAR

ROOT = Path(__file__).resolve().parents[1]
OKG = Namespace("https://w3id.org/occupation-kg/ontology#")
ID = Namespace("https://w3id.org/occupation-kg/id/")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DATA = Path(__file__).parent / "data"

PREFIXES = """
@base <https://w3id.org/occupation-kg/id/> .
@prefix okg: <https://w3id.org/occupation-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
"""

# A small graph in the shape the builder emits: an occupation, a credential with its issuer,
# an education requirement, code concepts, a period, a dataset with two wage observations
# and one piece of evidence.
CONFORMING = f"""{PREFIXES}
<document/ooh-2022-profile> a okg:SourceDocument ;
    dcterms:title "Industrial Production Managers (OOH profile)"@en ;
    okg:fileName "003_c2a45da24f5be17b.txt" ;
    okg:sha256 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" ;
    okg:documentKind "Occupational Outlook Handbook profile"@en ;
    okg:referenceYear 2021, 2031 .

<occupation/industrial-production-managers> a okg:Occupation ;
    skos:prefLabel "Industrial production managers"@en ;
    skos:altLabel "plant managers"@en ;
    okg:socCode "11-3051" ;
    okg:relevantCredential <credential/cpim> ;
    okg:hasEducationRequirement <education-requirement/bachelors> ;
    okg:employedInIndustry <industry/transportation-equipment-manufacturing> ;
    skos:exactMatch <soc2018/11-3051> ;
    prov:wasDerivedFrom <document/ooh-2022-profile> .

<education-requirement/bachelors> a okg:EducationRequirement ;
    skos:prefLabel "bachelor's degree (typical)"@en ;
    okg:degree <credential/bachelors-degree> ;
    okg:requirementLevel okg:Typical ;
    okg:appliesWhen "at large plants"@en .
<credential/bachelors-degree> a okg:BachelorDegree ; skos:prefLabel "bachelor's degree"@en .
<credential/cpim> a okg:Certification ;
    skos:prefLabel "Certified in Production and Inventory Management"@en ;
    okg:offeredBy <issuing-body/apics> ;
    okg:renewalFrequency "P3Y"^^xsd:duration .
<issuing-body/apics> a okg:IssuingBody ; skos:prefLabel "APICS"@en .
<industry/transportation-equipment-manufacturing> a okg:Industry ;
    skos:prefLabel "Transportation equipment manufacturing"@en ;
    okg:naicsCode "336" ;
    skos:exactMatch <naics2022/336> .
<industry/all-industries> a okg:Industry ; skos:prefLabel "all industries"@en .

<soc2018/11-3051> a skos:Concept ; skos:notation "11-3051" ; skos:inScheme <scheme/soc2018> .
<naics2022/336> a skos:Concept ; skos:notation "336" ; skos:inScheme <scheme/naics2022> .

<period/2021-05> a okg:ReferencePeriod ; skos:prefLabel "May 2021"@en ;
    okg:startYear 2021 ; okg:endYear 2021 ;
    dcat:startDate "2021-05-01"^^xsd:date ; dcat:endDate "2021-05-31"^^xsd:date .

<dataset/ooh-2022-profile> a okg:StatisticalDataset ;
    qb:structure okg:occupationStatisticsStructure ;
    prov:wasDerivedFrom <document/ooh-2022-profile> .

<observation/ipm-2021-p10> a okg:Observation ;
    okg:occupation <occupation/industrial-production-managers> ;
    okg:industry <industry/all-industries> ;
    okg:statistic okg:annualWagePercentile10 ;
    sdmx-dimension:refPeriod <period/2021-05> ;
    sdmx-measure:obsValue 62000.0 ;
    sdmx-attribute:unitMeasure okg:USDollarsPerYear ;
    qb:dataSet <dataset/ooh-2022-profile> ;
    prov:wasDerivedFrom <document/ooh-2022-profile> ;
    okg:quote "The lowest 10 percent earned less than $62,000" .

<observation/ipm-2021-median> a okg:Observation ;
    okg:occupation <occupation/industrial-production-managers> ;
    okg:industry <industry/all-industries> ;
    okg:statistic okg:annualWageMedian ;
    sdmx-dimension:refPeriod <period/2021-05> ;
    sdmx-measure:obsValue 103150.0 ;
    sdmx-attribute:unitMeasure okg:USDollarsPerYear ;
    qb:dataSet <dataset/ooh-2022-profile> ;
    prov:wasDerivedFrom <document/ooh-2022-profile> ;
    okg:quote "The median annual wage for industrial production managers was $103,150" ;
    okg:isApproximate false .

<evidence/0123456789abcdef> a okg:Evidence ;
    rdf:subject <occupation/industrial-production-managers> ;
    rdf:predicate okg:relevantCredential ;
    rdf:object <credential/cpim> ;
    okg:quote "Certified in Production and Inventory Management" ;
    prov:wasDerivedFrom <document/ooh-2022-profile> .
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "occupation-kg.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "shapes" / "occupation-kg-shapes.ttl", format="turtle")


def validate(turtle: str, shapes: Graph, ontology: Graph) -> tuple[bool, list[dict]]:
    data = Graph().parse(data=turtle, format="turtle")
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True
    )
    results = [
        {
            "focus": report.value(r, SH.focusNode),
            "path": report.value(r, SH.resultPath),
            "message": str(report.value(r, SH.resultMessage)),
        }
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return conforms, results


def test_conforming_sample(shapes: Graph, ontology: Graph) -> None:
    conforms, results = validate(CONFORMING, shapes, ontology)
    assert conforms, results


def test_codes_and_ranges_are_checked(shapes: Graph, ontology: Graph) -> None:
    turtle = (
        CONFORMING.replace('okg:socCode "11-3051"', 'okg:socCode "113051"')
        .replace("okg:offeredBy <issuing-body/apics>", "okg:offeredBy <industry/all-industries>")
        .replace('okg:naicsCode "336"', 'okg:naicsCode "3"')
        .replace('skos:prefLabel "APICS"@en', 'skos:prefLabel "APICS"@en, "APICS, Inc."@en')
    )
    conforms, results = validate(turtle, shapes, ontology)
    assert not conforms
    by_path = {(r["focus"], r["path"]): r["message"] for r in results}
    ipm = ID["occupation/industrial-production-managers"]
    assert "NN-NNNN" in by_path[(ipm, OKG.socCode)]
    assert "okg:IssuingBody" in by_path[(ID["credential/cpim"], OKG.offeredBy)]
    industry = ID["industry/transportation-equipment-manufacturing"]
    assert "2 to 6 digits" in by_path[(industry, OKG.naicsCode)]
    skos_pref = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    assert "exactly one skos:prefLabel" in by_path[(ID["issuing-body/apics"], skos_pref)]
    assert len(results) == 4, results


def test_observations_and_periods_are_checked(shapes: Graph, ontology: Graph) -> None:
    turtle = (
        CONFORMING.replace("sdmx-measure:obsValue 62000.0", "sdmx-measure:obsValue 162000.0")
        .replace(
            "okg:statistic okg:annualWageMedian ;",
            "okg:statistic okg:annualWageMedian ; sdmx-attribute:unitMeasure okg:Percent ;",
        )
        .replace("okg:startYear 2021 ;", "okg:startYear 2022 ;")
        .replace('okg:quote "Certified in Production and Inventory Management" ;', "")
    )
    conforms, results = validate(turtle, shapes, ontology)
    assert not conforms
    messages = "\n".join(r["message"] for r in results)
    # wage percentiles: p10 above the median, reported on the occupation
    order = [r for r in results if r["message"].startswith("Wage percentiles out of order")]
    assert len(order) == 1, messages
    assert order[0]["focus"] == ID["occupation/industrial-production-managers"]
    assert "annualWagePercentile10 = 162000" in order[0]["message"]
    assert "annualWageMedian = 103150" in order[0]["message"]
    # the median now has two units, one of which is not the statistic's unit
    median = [r for r in results if r["focus"] == ID["observation/ipm-2021-median"]]
    assert any(r["path"] == SDMX_ATTRIBUTE.unitMeasure for r in median), messages
    assert "must equal the okg:unit of its okg:statistic" in messages
    # period: start year after end year
    period = [r for r in results if r["focus"] == ID["period/2021-05"]]
    assert [r["path"] for r in period] == [OKG.startYear], messages
    # evidence without its quote
    evidence = [r for r in results if r["focus"] == ID["evidence/0123456789abcdef"]]
    assert [r["path"] for r in evidence] == [OKG.quote], messages


# --- imported reference data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Graph]:
    """Every importer's output on its tests/data slice, as an rdflib graph."""
    out_dir = tmp_path_factory.mktemp("imports")
    graphs = {}
    for name, importer in IMPORTERS.items():
        out = out_dir / f"{name}.nt"
        write(importer, DATA / importer.info.folder, out, base=str(ID), progress=False)
        graphs[name] = Graph().parse(out, format="nt")
    return graphs


def validate_graph(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, list[dict]]:
    """Validate `data` with the ontology added to the data graph (as kg.build.shacl_report does)."""
    combined = Graph()
    combined += data
    combined += ontology
    conforms, report, _ = pyshacl.validate(
        combined, shacl_graph=shapes, inference="none", advanced=True
    )
    results = [
        {
            "focus": report.value(r, SH.focusNode),
            "path": report.value(r, SH.resultPath),
            "message": str(report.value(r, SH.resultMessage)),
        }
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return conforms, results


# Each importer's output on its slice conforms: tests/test_import_validation.py
# (test_every_slice_conforms, through `kg build --validate-imports`'s own code; it names the
# dataset and node of any violation). Validating the slices here as well took 30 s of pySHACL.


def test_importers_use_only_declared_okg_terms(imported: dict[str, Graph], ontology: Graph) -> None:
    declared = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(OKG))}
    used: dict[URIRef, str] = {}
    for name, graph in imported.items():
        for triple in graph:
            for term in triple:
                if isinstance(term, URIRef) and str(term).startswith(str(OKG)):
                    used.setdefault(term, name)
    assert used, "expected okg terms in the import outputs"
    undeclared = {str(t): name for t, name in used.items() if t not in declared}
    assert not undeclared, f"okg terms emitted by importers but not declared: {undeclared}"


def test_imports_together_conform(
    imported: dict[str, Graph], shapes: Graph, ontology: Graph
) -> None:
    """Imported observations point at SOC concepts of the soc2018 import: checked when merged."""
    merged = Graph()
    for name in ("soc2018", "bls-oews", "bls-projections"):
        merged += imported[name]
    conforms, results = validate_graph(merged, shapes, ontology)
    assert conforms, results[:20]


def test_imported_observations_and_ratings_are_checked(
    imported: dict[str, Graph], shapes: Graph, ontology: Graph, progress: Callable[[str], None]
) -> None:
    data = Graph()
    data += imported["bls-oews"]
    data += imported["onet"]
    obs = next(iter(data.subjects(RDF.type, OKG.Observation)))
    # an observation deriving from something that is neither a document nor a dataset
    data.set((obs, PROV.wasDerivedFrom, ID["period/2024-05"]))
    # an observation about a typed node that is not a skos:Concept
    obs2 = next(o for o in data.subjects(RDF.type, OKG.Observation) if o != obs)
    data.set((obs2, OKG.occupation, ID["period/2024-05"]))
    # a rating value above its scale's maximum, and a rating without a scale
    ratings = sorted(data.subjects(RDF.type, OKG.Rating))
    high, no_scale = ratings[0], ratings[1]
    data.set((high, OKG.ratingValue, Literal("1000.0", datatype=XSD.decimal)))
    data.remove((no_scale, OKG.ratingScale, None))
    # a technology on a node that is not a concept
    data.add((ID["period/2024-05"], OKG.usesTechnology,
              next(iter(data.subjects(RDF.type, OKG.Technology)))))
    progress(f"pySHACL over {len(data)} triples (bls-oews + onet slices, 5 defects)")
    conforms, results = validate_graph(data, shapes, ontology)
    assert not conforms
    messages = "\n".join(r["message"] for r in results)
    by_focus: dict = {}
    for r in results:
        by_focus.setdefault(r["focus"], []).append(r)
    assert [r["path"] for r in by_focus[obs]] == [PROV.wasDerivedFrom], messages
    assert [r["path"] for r in by_focus[obs2]] == [OKG.occupation], messages
    scale = data.value(high, OKG.ratingScale)
    assert any(str(high) in r["message"] and "outside its scale" in r["message"]
               for r in by_focus[scale]), messages
    assert [r["path"] for r in by_focus[no_scale]] == [OKG.ratingScale], messages
    assert any("skos:Concept" in r["message"] for r in by_focus[ID["period/2024-05"]]), messages
    assert len(results) == 5, messages


def test_document_observations_still_need_a_quote(shapes: Graph, ontology: Graph) -> None:
    turtle = CONFORMING.replace(
        'okg:quote "The lowest 10 percent earned less than $62,000" .',
        "okg:isApproximate false .",
    )
    conforms, results = validate(turtle, shapes, ontology)
    assert not conforms
    p10 = [r for r in results if r["focus"] == ID["observation/ipm-2021-p10"]]
    assert len(p10) == 1 and "must have exactly one non-empty okg:quote" in p10[0]["message"]
    assert len(results) == 1, results


# --- plausibility bounds (kg/sources/plausibility.py)
# --------------------------------------------------


def _bounds_in_shapes(shapes: Graph) -> dict[str, tuple[Decimal, Decimal]]:
    """statistic kind -> (sh:minInclusive, sh:maxInclusive) of the shape that bounds its values:
    a node shape whose sh:or is (not [statistic in (...)], [obsValue within bounds])."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for shape, alternatives in shapes.subject_objects(SH["or"]):
        members = list(Collection(shapes, alternatives))
        if len(members) != 2:
            continue
        excluded = shapes.value(members[0], SH["not"])
        if excluded is None or shapes.value(excluded, SH.path) != OKG.statistic:
            continue
        assert shapes.value(members[1], SH.path) == SDMX_MEASURE.obsValue, shape
        low = shapes.value(members[1], SH.minInclusive)
        high = shapes.value(members[1], SH.maxInclusive)
        for kind in Collection(shapes, shapes.value(excluded, SH["in"])):
            name = str(kind)[len(str(OKG)):]
            assert name not in found, f"{name} is bounded twice"
            found[name] = (Decimal(str(low)), Decimal(str(high)))
    return found


def test_shapes_state_the_plausibility_table(shapes: Graph, ontology: Graph) -> None:
    table = {name: (b.minimum, b.maximum) for name, b in BOUNDS_BY_STATISTIC.items()}
    assert _bounds_in_shapes(shapes) == table
    kinds = {str(s)[len(str(OKG)):] for s in ontology.subjects(RDF.type, OKG.StatisticKind)}
    assert kinds <= set(table), f"statistic kinds without bounds: {kinds - set(table)}"
    for path in (OKG.startYear, OKG.endYear):
        years = {(shapes.value(p, SH.minInclusive), shapes.value(p, SH.maxInclusive))
                 for p in shapes.subjects(SH.path, path)} - {(None, None)}
        assert {(int(low), int(high)) for low, high in years} == {(EARLIEST_YEAR, LATEST_YEAR)}


def test_implausible_observation_value_is_a_violation(shapes: Graph, ontology: Graph) -> None:
    turtle = CONFORMING.replace("sdmx-measure:obsValue 62000.0", "sdmx-measure:obsValue -62000.0")
    conforms, results = validate(turtle, shapes, ontology)
    assert not conforms
    p10 = [r for r in results if r["focus"] == ID["observation/ipm-2021-p10"]]
    assert len(p10) == 1 and "An annual wage" in p10[0]["message"], results
    assert len(results) == 1, results
