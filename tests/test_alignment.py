"""A consumer who knows only schema.org, SKOS or CTDL finds the occupation in the downloads.

The figures are read from the seed documents: May 2021 median $103,150 and 90th percentile
$170,470 (ooh-2022-profile); CPIM is offered by APICS and CMQ/OE by the American Society for
Quality (ooh-2010-outlook).
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph

PREFIXES = """
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ceterms: <https://purl.org/ctdl/terms/>
"""


def _rows(graph: Graph, query: str) -> list[tuple]:
    return [tuple(row) for row in graph.query(PREFIXES + query)]


def test_schema_org_consumer_finds_wages(kg_turtle: Graph) -> None:
    rows = _rows(kg_turtle, """
        SELECT ?median ?p90 WHERE {
          ?o a schema:Occupation ; schema:name ?name ; schema:estimatedSalary ?d .
          FILTER(LCASE(STR(?name)) = "industrial production managers")
          ?d a schema:MonetaryAmountDistribution ; schema:currency "USD" ;
             schema:median ?median ; schema:percentile90 ?p90 .
        }""")
    assert [(Decimal(str(m)), Decimal(str(p))) for m, p in rows] == [
        (Decimal("103150"), Decimal("170470"))]


def test_schema_org_consumer_finds_credentials(kg_turtle: Graph) -> None:
    rows = _rows(kg_turtle, """
        SELECT DISTINCT ?credential WHERE {
          ?o a schema:Occupation ; schema:name ?name ; schema:qualifications ?c .
          FILTER(LCASE(STR(?name)) = "industrial production managers")
          ?c a schema:EducationalOccupationalCredential ; schema:name ?credential .
        }""")
    names = {str(r[0]) for r in rows}
    assert "Certified in Production and Inventory Management" in names
    assert any("Quality/Organizational Excellence" in n for n in names)


def test_schema_org_consumer_finds_education_requirements(kg_turtle: Graph) -> None:
    rows = _rows(kg_turtle, """
        SELECT DISTINCT ?degree WHERE {
          ?o a schema:Occupation ; schema:name ?name ; schema:educationRequirements ?e .
          FILTER(LCASE(STR(?name)) = "industrial production managers")
          ?e schema:name ?degree .
        }""")
    assert any("bachelor" in str(r[0]).lower() for r in rows)


def test_skos_consumer_finds_the_soc_code(kg_turtle: Graph) -> None:
    rows = _rows(kg_turtle, """
        SELECT ?notation WHERE {
          ?c a skos:Concept ; skos:prefLabel ?label ; skos:exactMatch ?code .
          FILTER(LCASE(STR(?label)) = "industrial production managers")
          ?code skos:notation ?notation .
        }""")
    assert [str(r[0]) for r in rows] == ["11-3051"]


def test_ctdl_consumer_finds_certifications_and_their_organizations(kg_turtle: Graph) -> None:
    rows = _rows(kg_turtle, """
        SELECT ?credential ?org ?renewal WHERE {
          ?c a ceterms:Certification ; ceterms:offeredBy ?o ; schema:name ?credential .
          ?o a ceterms:CredentialOrganization ; schema:name ?org .
          OPTIONAL { ?c ceterms:renewalFrequency ?renewal }
        }""")
    found = {(str(c), str(o), str(r) if r else None) for c, o, r in rows}
    assert ("Certified in Production and Inventory Management", "APICS", "P3Y") in found
    assert any(o == "American Society for Quality" and r == "P3Y" for _, o, r in found)
