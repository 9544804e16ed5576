"""The stored queries in queries/: their answers on the seed graph, three-engine agreement,
safe parameter binding through the CLI, and the CLI's error handling.

Every expected value below is typed from the five seed documents in ../shared/seeds (figures,
names, "every 3 years", "at least 10 years of experience ... 5 of which ...") or computed from
them by hand (83,290 -> 103,150 is +19,860, i.e. +23.84 %).
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg import cli
from kg.query.catalog import list_queries, list_violation_checks, load_query, queries_dir
from kg.query.engines import Engine, open_engine
from kg.query.param_binding import bind_params
from kg.query.remote_load import load
from kg.query.results import Table

ID = "https://w3id.org/occupation-kg/id/"
OKG = "https://w3id.org/occupation-kg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
IPM = ID + "occupation/industrial-production-managers"
# The cross-taxonomy queries (xt-*) need the reference data: tests/test_cross_taxonomy.py
# checks them on the data slices, tests/test_full_build.py on the full build.
# ... and so do the career-transition queries (transitions-*): tests/test_transitions.py, and
# those over O*NET alone (onet-*): tests/test_cross_taxonomy.py.
QUERY_NAMES = [q.name for q in list_queries()
               if not q.name.startswith(("xt-", "transitions-", "onet-"))]

Row = tuple[str | None, ...]


def short(term: object) -> str | None:
    """A cell as text: IRIs with the id:/okg: prefixes, literals as their lexical form."""
    if term is None:
        return None
    text = str(term)
    if isinstance(term, URIRef):
        for prefix, ns in (("id:", ID), ("okg:", OKG)):
            if text.startswith(ns):
                return prefix + text[len(ns) :]
    return text


def rows(table: Table) -> list[Row]:
    return [tuple(short(c) for c in row) for row in table.rows]


def column(table: Table, name: str) -> list[str | None]:
    i = table.variables.index(name)
    return [short(row[i]) for row in table.rows]


def run_stored(engine: Engine, name: str, **params: str) -> Table:
    stored = load_query(None, name)
    return engine.select(bind_params(stored.text, stored.params, params))


@pytest.fixture(scope="module")
def trig(dist: Path) -> Path:
    return dist / "kg.trig"


@pytest.fixture(scope="module")
def ox(trig: Path) -> Engine:
    return open_engine("oxigraph", trig)


@pytest.fixture(scope="module")
def rd(trig: Path) -> Engine:
    return open_engine("rdflib", trig)


@pytest.fixture(scope="module")
def remote(trig: Path, virtuoso) -> Engine:  # noqa: ANN001 - the session fixture
    load(trig, virtuoso.sparql_url, virtuoso.user, virtuoso.password, progress=False)
    return open_engine("remote", virtuoso.sparql_url)


# --- expected answers (oxigraph) --------------------------------------------------------------


def check_credentials(t: Table) -> None:
    assert t.variables == (
        "credential",
        "credentialLabel",
        "issuer",
        "issuerLabel",
        "requirement",
        "requirementLabel",
        "examLabel",
        "yearsOfExperience",
        "yearsOfExperienceOrEducation",
        "renewalPeriod",
        "renewalYears",
    )
    # "at least 10 years of experience or education": experience and education together, not
    # 10 years of work (yearsOfExperience gave 10 until an audit read the quote)
    got = {r[0]: (r[1], r[3], r[6], r[7], r[8], r[9], r[10]) for r in rows(t)}
    asq = "American Society for Quality"
    assert got == {
        "id:certification/cpim": (
            "Certified in Production and Inventory Management",
            "APICS",
            "CPIM exam series",
            None,
            None,
            "P3Y",
            "3",
        ),
        "id:certification/cmq-oe": (
            "Certified Manager of Quality/Organizational Excellence",
            asq,
            "CMQ/OE exam",
            None,
            "10",
            "P3Y",
            "3",
        ),
        "id:certification/asq-quality-control-credentials": (
            "ASQ credentials in quality control",
            asq,
            None,
            None,
            None,
            None,
            None,
        ),
        "id:certification/six-sigma-certification": (
            "Six Sigma certification",
            asq,
            None,
            None,
            None,
            None,
            None,
        ),
        "id:certification/six-sigma-green-belt": (
            "Six Sigma Green Belt",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        "id:certification/six-sigma-black-belt": (
            "Six Sigma Black Belt",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        "id:certification/lean-manufacturing-certification": (
            "Lean Manufacturing certification",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        "id:certification/pmp": (
            "Project Management Professional", None, None, None, None, None, None),
    }
    assert len(t) == 8  # one row per credential: each has at most one requirement and exam


def check_issuing_bodies(t: Table) -> None:
    assert rows(t) == [
        (
            "id:issuing-body/american-society-for-quality",
            "American Society for Quality",
            "3",
            "id:occupation/industrial-production-managers",
            "Industrial production managers",
            "3",
        ),
        (
            "id:issuing-body/apics",
            "APICS",
            "1",
            "id:occupation/industrial-production-managers",
            "Industrial production managers",
            "1",
        ),
    ]


def check_industries(t: Table) -> None:
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows(t)] == [
        ("Fabricated metal product manufacturing", "332", "10", "98490", "May 2021"),
        ("Transportation equipment manufacturing", "336", "10", "119400", "May 2021"),
        ("Chemical manufacturing", "325", "8", "125480", "May 2021"),
        ("Food manufacturing", "311", "7", "98500", "May 2021"),
        ("Machinery manufacturing", "333", "7", "101870", "May 2021"),
    ]


def check_industries_2008(t: Table) -> None:
    # "About 80 percent are employed in manufacturing industries" (2008); no wage by industry.
    assert [(r[1], r[2], r[3], r[4]) for r in rows(t)] == [("Manufacturing", "31-33", "80", None)]


def check_wage_change(t: Table) -> None:
    assert [(r[0], r[2], r[4], r[6], r[7]) for r in rows(t)] == [
        ("okg:annualWagePercentile10", "50330", "64150", "13820", "27.46"),
        ("okg:annualWageMedian", "83290", "103150", "19860", "23.84"),
        ("okg:annualWagePercentile90", "140530", "170470", "29940", "21.31"),
    ]
    assert {(r[3], r[5]) for r in rows(t)} == {(None, None)}  # no figure is a bound
    # Computed values are typed xsd:decimal on every engine.
    assert t.rows[1][7] == Literal("23.84", datatype=URIRef(XSD + "decimal"))
    assert t.rows[1][6] == Literal("19860", datatype=URIRef(XSD + "decimal"))


def check_employment(t: Table) -> None:
    assert rows(t) == [
        (
            "2008",
            "okg:employment",
            "156100",
            "true",
            "2008-18 projection decade",
            "2018",
            "-8",
            None,
            "id:document/ooh-2010-outlook",
        ),
        (
            "2021",
            "okg:employment",
            "203800",
            "true",
            "2021-31 projection decade",
            "2031",
            "3",
            "15400",
            "id:document/ooh-2022-profile",
        ),
    ]


def check_advancement(t: Table) -> None:
    assert [(r[0], r[2], r[3]) for r in rows(t)] == [
        ("into", "First-line supervisor", "3"),
        ("into", "Production worker", "2"),
        ("into", "Lower-level manager", "1"),
        ("into", "Manufacturing engineer", "1"),
        ("into", "Operations analyst", "1"),
        ("out of", "Plant manager", "3"),
        ("out of", "Consultant", "2"),
        ("out of", "Vice president of manufacturing", "2"),
        ("out of", "Director of manufacturing", "1"),
        ("out of", "Senior operations manager", "1"),
    ]


def check_experience_credentials(t: Table) -> None:
    got = [(r[0], r[2], r[3], r[4], r[5]) for r in rows(t)]
    asq = "American Society for Quality"
    # the ASQ credentials' requirement is described by two documents in their own words
    # ("generally not earned before entering", "typically are not available prior to entering")
    assert got == [
        ("id:certification/asq-quality-control-credentials", asq, None, None, None),
        ("id:certification/asq-quality-control-credentials", asq, None, None, None),
        ("id:certification/cmq-oe", asq, None, "10", "5"),  # "10 years of experience or education"
        ("id:certification/cpim", "APICS", None, None, None),
        ("id:certification/six-sigma-certification", asq, None, None, None),
        ("id:certification/six-sigma-certification", asq, None, None, None),
    ]
    assert all("experience" in text for text in column(t, "requirementText"))


def check_methodologies(t: Table) -> None:
    assert [(r[1], r[3]) for r in rows(t)] == [
        ("Continuous quality improvement", None),
        ("ISO 9000", None),
        ("Just-in-time production", None),
        ("Lean production", "Lean Manufacturing certification"),
        ("Mass production", None),
        ("Quality control", "ASQ credentials in quality control"),
        ("Six Sigma", "Six Sigma Black Belt"),
        ("Six Sigma", "Six Sigma Green Belt"),
        ("Six Sigma", "Six Sigma certification"),
        ("Total Quality Management", None),
    ]


def check_education(t: Table) -> None:
    got = rows(t)
    assert len(got) == 41
    levels = [r[0] for r in got]
    order = ["required", "typical", "preferred", "recommended", "common", "alternative"]
    assert levels == sorted(levels, key=order.index)
    pairs = {(r[0], r[3], r[4]) for r in got}
    # no major is required: "Many industrial production managers have a college degree in ..."
    assert not {p for p in pairs if p[0] == "required" and p[1] == "field of study"}
    assert {
        ("required", "degree", "College degree"),  # "a college degree is required"
        ("common", "field of study", "Business"),  # "common majors include business and ..."
        ("common", "field of study", "Engineering"),
        ("common", "field of study", "Industrial technology"),  # "Many ... have a college ..."
        ("preferred", "degree", "Master of Business Administration"),
        ("preferred", "field of study", "Industrial management"),
        ("recommended", "field of study", "Manufacturing engineering"),
        ("alternative", "degree", "High school diploma"),
        ("alternative", "field of study", "Liberal arts"),
    } <= pairs
    assert ("at large plants, where managers have more oversight responsibilities") in column(
        t, "appliesWhen"
    )


def check_facts_cpim(t: Table) -> None:
    got = {(r[1], r[2], r[3]) for r in rows(t)}
    assert len(t) == 12
    assert ("okg:offeredBy", "id:issuing-body/apics", "id:document/ooh-summary") in got
    assert ("okg:renewalFrequency", "P3Y", "id:document/ooh-2010-outlook") in got
    assert (
        "okg:relevantCredential",
        "id:certification/cpim",
        "id:document/ooh-2010-outlook",
    ) in got
    quotes = set(column(t, "quote"))
    assert "complete a set number of professional development activities every 3 years" in quotes
    assert (
        "The APICS offers a Certified in Production and Inventory Management (CPIM) credential."
        in (quotes)
    )


def check_facts_occupation(t: Table) -> None:
    got = rows(t)
    figures = {
        (r[2], r[5])
        for r in got
        if r[1] == "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
    }
    assert (
        "83290",
        "Median annual wages for industrial production managers were $83,290 in May 2008.",
    ) in figures
    assert ("203800", "Industrial production managers held about 203,800 jobs in 2021.") in figures
    assert len(figures) == 24
    assert {r[3] for r in got} == {
        f"id:document/{d}"
        for d in (
            "ooh-summary",
            "ooh-2010-outlook",
            "california-directory",
            "ooh-2022-profile",
            "career-guide",
        )
    }


def check_label_search(t: Table) -> None:
    got = {(r[0], r[1], r[3]) for r in rows(t)}
    assert len(t) == 14
    assert (
        "id:issuing-body/american-society-for-quality",
        "okg:IssuingBody",
        "American Society of Quality",  # an alternative label, from the ASQ passages
    ) in got
    assert (
        "id:occupation/industrial-production-managers",
        "okg:Occupation",
        "Quality control systems managers",
    ) in got
    assert (
        "id:methodology/total-quality-management",
        "okg:Methodology",
        "Total Quality Management",
    ) in got


def check_label_search_alt(t: Table) -> None:
    # Case-insensitive, alternative labels included: "cPiM" finds the certification by its
    # alternative label "CPIM" (its preferred label does not contain it), and the CPIM parts.
    assert {(r[0], r[1]) for r in rows(t)} == {
        ("id:certification/cpim", "okg:Certification"),
        ("id:credential-requirement/cpim", "okg:CredentialRequirement"),
        ("id:exam/cpim-exams", "okg:Exam"),
        ("id:renewal-requirement/cpim", "okg:RenewalRequirement"),
    }
    assert ("id:certification/cpim", "CPIM", "alternative") in {(r[0], r[3], r[4]) for r in rows(t)}


def check_label_search_apics(t: Table) -> None:
    assert {(r[0], r[1]) for r in rows(t)} == {
        ("id:issuing-body/apics", "okg:IssuingBody"),
        ("id:issuing-body/apics", "okg:ProfessionalAssociation"),
    }


def check_schema_qualifications(t: Table) -> None:
    got = [(r[1], r[3]) for r in rows(t)]
    assert got[:5] == [
        ("educationRequirements", "Bachelor's degree"),
        ("educationRequirements", "College degree"),  # "a college degree is required"
        ("educationRequirements", "High school diploma"),
        ("educationRequirements", "Master of Business Administration"),
        ("educationRequirements", "Master's degree in industrial management"),
    ]
    assert ("qualifications", "Certified in Production and Inventory Management") in got
    assert ("qualifications", "Project Management Professional") in got
    assert len(got) == 13


def check_schema_salary(t: Table) -> None:
    assert rows(t) == [
        (
            "id:occupation/industrial-production-managers",
            "Industrial production managers",
            "Annual wage distribution, May 2021",
            "USD",
            "64150",
            None,
            "103150",
            None,
            "170470",
        )
    ]


def check_schema_skills(t: Table) -> None:
    got = [(r[1], r[3]) for r in rows(t)]
    assert len([g for g in got if g[0] == "skills"]) == 23  # 24 until knowledge/quality-and-...
    assert len([g for g in got if g[0] == "experienceRequirements"]) == 9
    for skill in ("Leadership skills", "Problem-solving skills", "Decision sciences", "Flexible"):
        assert ("skills", skill) in got


def check_skos(t: Table) -> None:
    got = [(r[1], r[3], r[5]) for r in rows(t)]
    # Ordered by scheme label: "2018 Standard Occupational Classification" sorts before
    # "North American Industry Classification System 2022".
    assert got == [
        ("Industrial production managers", "11-3051", None),
        ("Manufacturing", "31-33", None),
        ("Food manufacturing", "311", "Manufacturing"),
        ("Chemical manufacturing", "325", "Manufacturing"),
        ("Fabricated metal product manufacturing", "332", "Manufacturing"),
        ("Machinery manufacturing", "333", "Manufacturing"),
        ("Computer and electronic product manufacturing", "334", "Manufacturing"),
        ("Transportation equipment manufacturing", "336", "Manufacturing"),
    ]


def check_duties(t: Table) -> None:
    got = rows(t)
    assert len(got) == 30
    assert got[0][1:] == ("Coordinate production activities with other departments", "3", "6")
    by_label = {r[1]: (r[2], r[3]) for r in got}
    assert by_label["Analyze production data"] == ("2", "2")
    assert by_label["Oversee customer relationships"] == ("1", "1")


def check_competencies(t: Table) -> None:
    got = rows(t)
    kinds = [r[0] for r in got]
    assert kinds.count("skill") == 11
    # 7: quality and management systems is not required ("While not required, industrial
    # production managers can earn certifications that show a higher level of competency in
    # quality or management systems"); it was, on quotes cut short of "not required"
    assert kinds.count("knowledge") == 7
    assert "Quality and management systems" not in {r[2] for r in got}
    assert kinds.count("personal quality") == 5
    by_label = {r[2]: (r[0], r[3]) for r in got}
    assert by_label["Communication skills"] == ("skill", "3")
    assert by_label["Decision sciences"] == ("knowledge", "1")
    assert by_label["Flexible"] == ("personal quality", "1")  # "personable, flexible, and eager"


def check_departments(t: Table) -> None:
    assert [r[1:] for r in rows(t)] == [
        ("Procurement", "3", "2"),  # also "(buying)" and "purchasing"
        ("Sales", "3", "0"),
        ("Research and design", "2", "0"),
        ("Warehousing", "2", "0"),
        ("Finance", "1", "0"),
        ("Logistics", "1", "0"),
    ]


def check_working_conditions(t: Table) -> None:
    got = [(r[0], r[2], r[3]) for r in rows(t)]
    assert ("protective equipment", "Helmet", None) in got
    assert ("protective equipment", "Safety goggles", None) in got
    assert ("work schedule", "More than 40 hours per week", "40") in got
    assert ("work schedule", "Weekend shifts", None) in got
    assert ("work setting", "Office", None) in got
    assert ("working condition", "Stress", None) in got
    assert len(got) == 16


def check_differing(t: Table) -> None:
    assert [(r[1], r[4], r[5], r[7], r[8]) for r in rows(t)] == [
        ("okg:annualWagePercentile10", "May 2008", "50330", "May 2021", "64150"),
        ("okg:annualWagePercentile90", "May 2008", "140530", "May 2021", "170470"),
        ("okg:annualWageMedian", "May 2008", "83290", "May 2021", "103150"),
        ("okg:employment", "2008", "156100", "2021", "203800"),
        (
            "okg:projectedEmploymentChange",
            "2008-18 projection decade",
            "-8",
            "2021-31 projection decade",
            "3",
        ),
    ]


def test_differing_figures_of_one_period_are_listed(trig: Path, tmp_path: Path) -> None:
    """Regression: figures-differing-across-documents kept only pairs of different years, so two
    documents giving different figures for one period were never listed. The seed graph has none;
    a copy gets a second 2021 employment figure (999,999) from california-directory beside
    ooh-2022-profile's 203,800."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(trig), format=pyoxigraph.RdfFormat.TRIG)
    derived = pyoxigraph.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    value = pyoxigraph.NamedNode("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    found = list(store.query(f"""SELECT ?obs ?g ?doc WHERE {{ GRAPH ?g {{
        ?obs a <{OKG}Observation> ; <{OKG}statistic> <{OKG}employment> ;
             <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> <{ID}period/2021> ;
             <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc ;
             <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v }}
        FILTER(?v = 203800) }}"""))
    assert len(found) == 1
    obs, graph, doc = found[0]["obs"], found[0]["g"], found[0]["doc"]
    other = next(d for d in store.query(
        f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?d a <{OKG}SourceDocument> }} }}")
        if d["d"] != doc)["d"]
    copy = pyoxigraph.NamedNode(obs.value + "-copy")
    for quad in list(store.quads_for_pattern(obs, None, None, graph)):
        target = quad.object
        if quad.predicate == derived:
            target = other
        elif quad.predicate == value:
            target = pyoxigraph.Literal("999999", datatype=pyoxigraph.NamedNode(XSD + "decimal"))
        store.add(pyoxigraph.Quad(copy, quad.predicate, target, graph))
    changed = tmp_path / "kg.trig"
    store.dump(str(changed), format=pyoxigraph.RdfFormat.TRIG)
    table = run_stored(open_engine("oxigraph", changed), "figures-differing-across-documents")
    same_year = [(r[4], r[5], r[7], r[8]) for r in rows(table) if r[1] == "okg:employment"
                 and r[4] == r[7]]
    assert len(same_year) == 1 and same_year[0][0] == "2021"
    assert {same_year[0][1], same_year[0][3]} == {"203800", "999999"}


def check_documents(t: Table) -> None:
    got = {r[2]: (r[3], r[4], r[5], r[7]) for r in rows(t)}
    assert got == {
        "000_88fe1801584d03cd.txt": (None, None, None, None),
        "001_6f701afb0f2d8692.txt": (None, "2008", "2018", "8"),
        "002_1a04b8402dda9b26.txt": (None, None, None, None),
        "003_c2a45da24f5be17b.txt": ("U.S. Bureau of Labor Statistics", "2021", "2031", "16"),
        "004_5f2d32c6eb7e680d.txt": (None, None, None, None),
    }
    assert all(int(n) > 0 for n in column(t, "statements"))


def check_exam_topics(t: Table) -> None:
    assert [(r[1], r[3], r[5]) for r in rows(t)] == [
        ("Certified Manager of Quality/Organizational Excellence", "CMQ/OE exam", None),
        (
            "Certified in Production and Inventory Management",
            "CPIM exam series",
            "Production operations",
        ),
        (
            "Certified in Production and Inventory Management",
            "CPIM exam series",
            "Resource planning",
        ),
        ("Certified in Production and Inventory Management", "CPIM exam series", "Scheduling"),
        (
            "Certified in Production and Inventory Management",
            "CPIM exam series",
            "Strategic planning",
        ),
        (
            "Certified in Production and Inventory Management",
            "CPIM exam series",
            "Supply chain management",
        ),
    ]


def check_industry_wage(t: Table) -> None:
    assert [r[1:] for r in rows(t)] == [
        ("Chemical manufacturing", "May 2021", "125480", "103150", "22330", "21.65"),
        (
            "Transportation equipment manufacturing",
            "May 2021",
            "119400",
            "103150",
            "16250",
            "15.75",
        ),
        ("Machinery manufacturing", "May 2021", "101870", "103150", "-1280", "-1.24"),
        ("Food manufacturing", "May 2021", "98500", "103150", "-4650", "-4.51"),
        ("Fabricated metal product manufacturing", "May 2021", "98490", "103150", "-4660", "-4.52"),
    ]


def check_experience(t: Table) -> None:
    got = [(r[0], r[3]) for r in rows(t)]
    assert len(got) == 9
    assert (
        "typical",
        "First-line supervisor",
    ) in got  # "supervisory or other leadership positions"
    assert ("alternative", "Production worker") in got  # "high school diploma and extensive ..."
    assert [g[0] for g in got] == [
        "required",
        "required",
        "typical",
        "typical",
        "preferred",
        "recommended",
        "recommended",
        "recommended",
        "alternative",
    ]


CASES: list[tuple[str, dict[str, str], Callable[[Table], None]]] = [
    ("advancement-paths", {}, check_advancement),
    ("competencies-by-kind", {}, check_competencies),
    ("credentials-for-occupation", {}, check_credentials),
    ("credentials-requiring-experience", {}, check_experience_credentials),
    ("departments-coordinated-with", {}, check_departments),
    ("documents-overview", {}, check_documents),
    ("duties-with-sources", {}, check_duties),
    ("education-and-majors", {}, check_education),
    ("employment-and-projections", {}, check_employment),
    ("exam-topics", {}, check_exam_topics),
    ("experience-requirements", {}, check_experience),
    ("facts-about-entity", {}, check_facts_cpim),
    ("facts-about-entity", {"entity": IPM}, check_facts_occupation),
    ("figures-differing-across-documents", {}, check_differing),
    ("industries-by-employment-share", {}, check_industries),
    ("industries-by-employment-share", {"year": "2008"}, check_industries_2008),
    ("industry-wage-vs-overall", {}, check_industry_wage),
    ("issuing-bodies", {}, check_issuing_bodies),
    ("label-search", {}, check_label_search),
    ("label-search", {"text": "cPiM"}, check_label_search_alt),
    ("label-search", {"text": "APICS"}, check_label_search_apics),
    ("methodologies-and-certifying-credentials", {}, check_methodologies),
    ("schema-occupation-qualifications", {}, check_schema_qualifications),
    ("schema-occupation-salary", {}, check_schema_salary),
    ("schema-occupation-skills", {}, check_schema_skills),
    ("skos-classification-matches", {}, check_skos),
    ("wage-percentile-change", {}, check_wage_change),
    ("working-conditions", {}, check_working_conditions),
]


def test_catalog_size_and_headers() -> None:
    queries = list_queries()
    assert len(queries) >= 20
    for q in queries:
        assert q.form == "SELECT", q.name
        assert q.title and q.question.endswith("?"), q.name
        for p in q.params:
            assert p.default is not None and p.description, (q.name, p.name)
    assert len(list_violation_checks()) >= 6


def test_every_stored_query_has_an_expected_answer() -> None:
    assert sorted({name for name, _, _ in CASES}) == sorted(QUERY_NAMES)


def test_schema_and_skos_queries_use_only_their_vocabulary() -> None:
    for name, ns in (
        ("schema-occupation-qualifications", "https://schema.org/"),
        ("schema-occupation-salary", "https://schema.org/"),
        ("schema-occupation-skills", "https://schema.org/"),
        ("skos-classification-matches", "http://www.w3.org/2004/02/skos/core#"),
    ):
        text = load_query(None, name).text
        prefixes = [line for line in text.splitlines() if line.startswith("PREFIX")]
        assert prefixes == [line for line in prefixes if ns in line], name
        assert "okg" not in text.replace("occupation-kg", ""), name


@pytest.mark.parametrize(
    ("name", "params", "check"), CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]
)
def test_expected_answer(ox: Engine, name: str, params: dict[str, str], check) -> None:  # noqa: ANN001
    check(run_stored(ox, name, **params))


# --- three engines agree ---------------------------------------------------------------------


def _agree(a: Table, b: Table, ordered: bool) -> bool:
    if a.variables != b.variables:
        return False
    if ordered:
        return a.rows == b.rows
    return sorted(a.rows, key=repr) == sorted(b.rows, key=repr)


@pytest.mark.parametrize(
    ("name", "params"),
    [(n, p) for n, p, _ in CASES] + [(q.name, {}) for q in list_violation_checks()],
    ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]
    + [q.name for q in list_violation_checks()],
)
def test_three_engines_agree(ox, rd, remote, name: str, params: dict[str, str]) -> None:  # noqa: ANN001
    stored = load_query(None, name)
    ordered = "ORDER BY" in stored.text.upper()
    text = bind_params(stored.text, stored.params, params)
    tables = {
        "oxigraph": ox.select(text),
        "rdflib": rd.select(text),
        "virtuoso": remote.select(text),
    }
    assert tables["oxigraph"].rows or name.endswith("-violation"), name
    assert _agree(tables["oxigraph"], tables["rdflib"], ordered), f"{name}: rdflib differs"
    assert _agree(tables["oxigraph"], tables["virtuoso"], ordered), f"{name}: Virtuoso differs"


# rdflib, the reference engine, evaluates MINUS by comparing every row of one side with every
# row of the other. evidence-incomplete-violation and fact-without-evidence-violation did that
# over every evidence record and every document statement: 3.3 and 4.1 million comparisons, 6 s
# each on the seed graph, and the 60 s timeout of test_three_engines_agree was hit once on a
# busy CI machine. Counting the comparisons (not timing them) keeps every check, and every
# stored query that uses MINUS, within a bound that grows with the graph, not with its square:
# on the seed graph fact-without-evidence-violation now needs 97,000 (its joins), the others
# under 40,000.
CHECKED_FOR_MINUS = sorted({q.name for q in list_violation_checks()}
                           | {q.name for q in list_queries() if "MINUS" in q.text})
MAX_COMPARISONS = 200_000


@pytest.mark.parametrize("name", CHECKED_FOR_MINUS)
def test_rdflib_minus_stays_linear(rd, name: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from rdflib.plugins.sparql import sparql

    compared = [0]
    compatible = sparql.FrozenDict.compatible

    def counting(self, other):  # noqa: ANN001, ANN202
        compared[0] += 1
        return compatible(self, other)

    monkeypatch.setattr(sparql.FrozenDict, "compatible", counting)
    run_stored(rd, name)
    assert compared[0] <= MAX_COMPARISONS, f"{name}: {compared[0]:,} row comparisons"


# --- parameters stay literals ---------------------------------------------------------------

INJECTIONS = [
    'x" } DELETE WHERE { ?s ?p ?o } #',
    "x' } DELETE WHERE { ?s ?p ?o } #",
    'x"""} ; DROP ALL ; #',
    'quality" ) ) } UNION { ?entity ?p ?matchedLabel } #',
    '\\" } INSERT DATA { <a> <b> <c> } #',
]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _cli_json(capsys, *argv: str) -> tuple[int, dict | None, str]:  # noqa: ANN001
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_injection_attempts_stay_literals(dist: Path, ox, capsys, engine: str) -> None:  # noqa: ANN001
    before_hash, before_count = _sha(dist / "kg.trig"), ox.select(COUNT).rows[0][0]
    for text in INJECTIONS:
        code, doc, err = _cli_json(
            capsys,
            "query", "label-search", "--param", f"text={text}", "--dist", str(dist),
            "--engine", engine, "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        assert doc is not None and doc["results"]["bindings"] == [], text
    # The same path with a benign text does find something: the binding works.
    code, doc, _ = _cli_json(
        capsys, "query", "label-search", "--param", "text=Six Sigma", "--dist", str(dist),
        "--engine", engine, "--format", "json",
    )  # fmt: skip
    assert code == 0 and doc is not None and len(doc["results"]["bindings"]) >= 4
    assert _sha(dist / "kg.trig") == before_hash
    assert open_engine("oxigraph", dist / "kg.trig").select(COUNT).rows[0][0] == before_count


def test_injection_through_the_endpoint(dist: Path, remote, virtuoso, capsys) -> None:  # noqa: ANN001
    before = remote.select(COUNT).rows[0][0]
    for text in INJECTIONS:
        code, doc, err = _cli_json(
            capsys,
            "query", "label-search", "--param", f"text={text}", "--endpoint",
            virtuoso.sparql_url, "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        assert doc is not None and doc["results"]["bindings"] == [], text
    assert remote.select(COUNT).rows[0][0] == before


@pytest.mark.parametrize(
    ("name", "param", "message"),
    [
        (
            "facts-about-entity",
            f"entity={IPM}> }} DELETE WHERE {{ ?s ?p ?o }} #",
            "not an absolute IRI",
        ),
        ("facts-about-entity", "entity=not an iri", "not an absolute IRI"),
        ("wage-percentile-change", "year1=2008 } DELETE WHERE { ?s ?p ?o } #", "not an integer"),
        ("industries-by-employment-share", "year=2021.5", "not an integer"),
    ],
)
def test_badly_typed_parameters_are_refused(
    dist: Path, capsys, name: str, param: str, message: str
) -> None:  # noqa: ANN001, E501
    code, _, err = _cli_json(capsys, "query", name, "--param", param, "--dist", str(dist))
    assert code == 2
    assert message in err and "kg: error:" in err


# --- CLI errors ------------------------------------------------------------------------------


def test_unknown_query_name(dist: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = _cli_json(capsys, "query", "no-such-query", "--dist", str(dist))
    assert code == 2
    assert "unknown query 'no-such-query'" in err and "wage-percentile-change" in err


def test_unknown_parameter(dist: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = _cli_json(
        capsys, "query", "wage-percentile-change", "--param", "yaer1=2008", "--dist", str(dist)
    )
    assert code == 2
    assert "unknown parameter(s) yaer1" in err and "year1" in err


def test_malformed_query_file(dist: Path, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "no-title.rq").write_text("# question: Why?\nSELECT * WHERE { ?s ?p ?o }\n")
    (folder / "bad-sparql.rq").write_text(
        "# title: Broken\n# question: Does this parse?\nSELECT ?s WHERE { ?s ?p }\n"
    )
    (folder / "bad-param.rq").write_text(
        "# title: Bad param\n# question: Typed?\n# param: year (date) = 2021 -- a year\n"
        "SELECT ?year WHERE { ?s ?p ?year }\n"
    )
    monkeypatch.setenv("KG_QUERIES_DIR", str(folder))
    assert queries_dir() == folder
    for name, message in (
        ("no-title", "header has no `# title:` line"),
        ("bad-sparql", "SPARQL does not parse"),
        ("bad-param", "unknown type 'date'"),
    ):
        code, _, err = _cli_json(capsys, "query", name, "--dist", str(dist))
        assert code == 1, name
        assert f"{name}.rq" in err and message in err, err


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


def test_unreachable_endpoint(capsys) -> None:  # noqa: ANN001
    url = f"http://127.0.0.1:{_closed_port()}/sparql"
    code, _, err = _cli_json(capsys, "query", "issuing-bodies", "--endpoint", url, "--timeout", "5")
    assert code == 1
    assert "cannot reach SPARQL endpoint" in err and url in err


def test_endpoint_error(remote, virtuoso, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "rejected.rq").write_text(
        "# title: Rejected\n# question: Does Virtuoso refuse an ill-typed constant?\n"
        'SELECT ?x WHERE { VALUES ?x { "abc"^^<http://www.w3.org/2001/XMLSchema#integer> } }\n'
    )
    monkeypatch.setenv("KG_QUERIES_DIR", str(folder))
    code, _, err = _cli_json(capsys, "query", "rejected", "--endpoint", virtuoso.sparql_url)
    assert code == 1
    assert "rejected the query" in err and virtuoso.sparql_url in err


def test_decimal_results_are_canonical(ox) -> None:  # noqa: ANN001
    t = run_stored(ox, "industry-wage-vs-overall")
    assert [Decimal(str(v)) for v in column(t, "differencePercent")] == [
        Decimal("21.65"),
        Decimal("15.75"),
        Decimal("-1.24"),
        Decimal("-4.51"),
        Decimal("-4.52"),
    ]
