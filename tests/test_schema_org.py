"""schema.org JSON-LD in the entity pages: what extruct finds, checked against schema.org 30.0.

Every class and property of every page's JSON-LD must exist in
../shared/vocab/schemaorg-30.0-current-https.ttl, each property with a domainIncludes that fits
its subject's type and a rangeIncludes that fits its value. Figures come from the seeds: the OOH
2021 profile gives the May 2021 wages (p10 $64,150, median $103,150, p90 $170,470).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from tests.conftest import SHARED
from tests.server_support import Running, http, running_server

extruct = pytest.importorskip("extruct", reason="pip install -e '.[test]' (extruct)")

SDO = Namespace("https://schema.org/")
VOCAB = SHARED / "vocab" / "schemaorg-30.0-current-https.ttl"
DATA_DIR = Path(__file__).parent / "data"
OCC = "occupation/industrial-production-managers"
PAGES = (OCC, "certification/cpim", "issuing-body/apics", "master-degree/mba",
         "professional-association/association-for-manufacturing-excellence",
         "organization/us-bureau-of-labor-statistics", "bachelor-degree/bachelors-degree")
TEXT_RANGES = {SDO[t] for t in ("Text", "URL", "Duration", "Date", "DateTime", "Time")}
NUMBER_RANGES = {SDO[t] for t in ("Number", "Integer", "Float")}


@pytest.fixture(scope="module")
def schema() -> Graph:
    if not VOCAB.is_file():
        pytest.skip(f"the schema.org vocabulary is not at {VOCAB}")
    return Graph().parse(VOCAB)


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[Running]:
    with running_server(dist) as srv:
        yield srv


def page_jsonld(server: Running, path: str) -> list[dict[str, Any]]:
    reply = http(f"{server.url}/id/{path}.html")
    assert reply.status == 200, path
    found = extruct.extract(reply.text, base_url=f"{server.url}/id/{path}.html",
                            syntaxes=["json-ld"], uniform=False)
    return found["json-ld"]


def as_graph(items: list[dict[str, Any]]) -> Graph:
    """The JSON-LD as RDF. The "https://schema.org" context is schema.org's @vocab; it is put
    inline so that nothing is fetched."""
    import json

    graph = Graph()
    for item in items:
        doc = {**item, "@context": {"@vocab": str(SDO)}}
        graph.parse(data=json.dumps(doc), format="json-ld")
    return graph


def superclasses(schema: Graph, cls: URIRef) -> set[URIRef]:
    return set(schema.transitive_objects(cls, RDFS.subClassOf))


def check_against_vocabulary(graph: Graph, schema: Graph) -> list[str]:
    problems = []
    types = {s: set(graph.objects(s, RDF.type)) for s in set(graph.subjects())}
    for cls in set(graph.objects(None, RDF.type)):
        if (cls, RDF.type, RDFS.Class) not in schema:
            problems.append(f"class {cls} is not in schema.org 30.0")
    for s, p, o in graph:
        if p == RDF.type:
            continue
        if (p, RDF.type, RDF.Property) not in schema:
            problems.append(f"property {p} is not in schema.org 30.0")
            continue
        domains = set(schema.objects(p, SDO.domainIncludes))
        subject_classes = set().union(*(superclasses(schema, t) for t in types.get(s, ())))
        if not domains & subject_classes:
            problems.append(f"{p} on a {sorted(types.get(s, ()))}: domain is {sorted(domains)}")
        ranges = set(schema.objects(p, SDO.rangeIncludes))
        if isinstance(o, Literal):
            numeric = isinstance(o.toPython(), int | float) and o.datatype is not None
            ok = (numeric and ranges & NUMBER_RANGES) or (not numeric and ranges & TEXT_RANGES)
            if not ok:
                problems.append(f"{p} = {o!r}: range is {sorted(ranges)}")
        else:
            object_classes = set().union(*(superclasses(schema, t) for t in types.get(o, ())))
            if not ranges & object_classes:
                problems.append(f"{p} -> {sorted(types.get(o, ()))}: range is {sorted(ranges)}")
    return problems


def test_occupation_page_has_schema_org_occupation(server: Running) -> None:
    items = page_jsonld(server, OCC)
    assert len(items) == 1
    occ = items[0]
    assert occ["@type"] == "Occupation" and occ["name"] == "Industrial production managers"
    assert occ["occupationalCategory"]["@type"] == "CategoryCode"
    assert occ["occupationalCategory"]["codeValue"] == "11-3051"
    salary = occ["estimatedSalary"]
    assert salary["@type"] == "MonetaryAmountDistribution"
    assert (salary["percentile10"], salary["median"], salary["percentile90"]) == (
        64150, 103150, 170470)
    assert "percentile25" not in salary  # the 2021 profile gives no quartiles
    assert "May 2021" in salary["name"] and salary["currency"] == "USD"
    assert salary["duration"] == "P1Y"
    cpim = next(c for c in occ["qualifications"] if c["name"].startswith("Certified in Prod"))
    assert cpim["@type"] == "EducationalOccupationalCredential"
    assert [o["name"] for o in cpim["recognizedBy"]] == ["APICS"]
    assert any(c["name"] == "Bachelor's degree" for c in occ["educationRequirements"])
    assert occ["experienceRequirements"][0]["@type"] == "OccupationalExperienceRequirements"
    assert any(s["name"] == "Ability to negotiate" for s in occ["skills"])
    assert "Analyze production data" in occ["responsibilities"]


def test_credential_and_organization_pages(server: Running) -> None:
    (cpim,) = page_jsonld(server, "certification/cpim")
    assert cpim["@type"] == "EducationalOccupationalCredential"
    assert cpim["recognizedBy"][0]["@id"].endswith("/id/issuing-body/apics")
    assert cpim["validFor"] == "P3Y"  # renewed "every 3 years"
    (apics,) = page_jsonld(server, "issuing-body/apics")
    assert apics["@type"] == "Organization"
    assert page_jsonld(server, "skill/negotiation") == []  # no schema.org type fits a skill page


def test_every_term_exists_with_a_fitting_domain_and_range(server: Running,
                                                           schema: Graph) -> None:
    problems = []
    for path in PAGES:
        graph = as_graph(page_jsonld(server, path))
        assert len(graph) > 2, path
        problems += [f"{path}: {p}" for p in check_against_vocabulary(graph, schema)]
    assert problems == []


def test_the_check_finds_a_misused_term(schema: Graph) -> None:
    """The vocabulary check can fail: a made-up property, a wrong domain and a text median."""
    graph = as_graph([{
        "@type": "Occupation", "@id": "http://example.org/o", "madeUpProperty": "x",
        "recognizedBy": {"@type": "Organization", "name": "A"},
        "estimatedSalary": {"@type": "MonetaryAmountDistribution", "median": "lots"},
    }])
    problems = "\n".join(check_against_vocabulary(graph, schema))
    assert "madeUpProperty is not in schema.org" in problems
    assert "recognizedBy on a" in problems and "median = " in problems


def run_salary_stages(store: Any) -> None:
    """The build's derived stages that state the schema.org salaries, on a store joined here
    (the pages embed what they state)."""
    from kg.build.derived import DERIVED_STAGES, run_derived_stages

    run_derived_stages(store, "https://w3id.org/occupation-kg/id/",
                       [s for s in DERIVED_STAGES if "salar" in s])


@pytest.fixture(scope="module")
def imported_dist(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed build plus the O*NET, SOC and BLS OEWS slices of tests/data, as a full build
    would join them (one store, each edition in its named graph)."""
    import shutil

    import pyoxigraph as ox

    from kg.sources.importers import IMPORTERS, write

    data = Path(__file__).parent / "data"
    out = tmp_path_factory.mktemp("imported") / "dist"
    # Without the build's store/: the server then reads the kg.trig written below.
    shutil.copytree(dist, out, ignore=shutil.ignore_patterns("store"))
    store = ox.Store()
    store.bulk_extend(ox.parse(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG))
    for name, folder in (("onet", "onet_db_29_3"), ("soc2018", "soc_2018_structure"),
                         ("onet-soc-2019", "onet_soc_2019_taxonomy"),
                         ("bls-oews", "bls_oews_may2024_national")):
        nq = out.parent / f"{name}.nq"
        write(IMPORTERS[name], data / folder, nq, progress=False)
        store.bulk_extend(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    run_salary_stages(store)
    store.dump(output=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    return out


def test_imported_occupations_get_what_the_graph_has(imported_dist: Path,
                                                     schema: Graph) -> None:
    """O*NET 29.3 Occupation Data names 11-3051.00 "Industrial Production Managers" and its
    Skills.tsv rates Coordination (2.B.1.b) importance 4.00; BLS OEWS May 2024 gives 11-3051
    A_PCT10 74900, A_MEDIAN 121440."""
    with running_server(imported_dist) as srv:
        (onet,) = page_jsonld(srv, "onet-soc2019/11-3051.00")
        (soc,) = page_jsonld(srv, "soc2018/11-3051")
        curated = page_jsonld(srv, "occupation/industrial-production-managers")
        graphs = [as_graph([onet]), as_graph([soc])]
    assert onet["@type"] == "Occupation" and onet["name"] == "Industrial Production Managers"
    assert onet["occupationalCategory"]["codeValue"] == "11-3051.00"
    assert len(onet["responsibilities"]) > 5  # the O*NET task statements
    coordination = next(t for t in onet["skills"] if t["name"] == "Coordination")
    assert coordination["termCode"] == "2.B.1.b"
    assert coordination["inDefinedTermSet"]["@type"] == "DefinedTermSet"
    assert soc["occupationalCategory"]["codeValue"] == "11-3051"
    salary = soc["estimatedSalary"]
    assert (salary["percentile10"], salary["median"]) == (74900, 121440)
    assert "May 2024" in salary["name"]
    # Regression (session 27's audit): an O*NET-SOC occupation matched to its SOC code by
    # skos:closeMatch (O*NET's taxonomy slice: 11-3051.00, beside its specialties) had no
    # salary, though its page charts the SOC code's wages; exact matches had one.
    assert {k: v for k, v in onet["estimatedSalary"].items() if k != "description"} == {
        k: v for k, v in salary.items() if k != "description"}
    assert "Those of SOC 2018 11-3051" in onet["estimatedSalary"]["description"]
    assert (onet["estimatedSalary"]["percentile10"], onet["estimatedSalary"]["median"]) == (
        74900, 121440)
    # Regression (the second audit): the curated occupation gave its seeds' May 2021 salary
    # although its exact match 11-3051 has BLS's May 2024; the latest is given
    (occupation,) = [n for n in curated if n.get("@type") == "Occupation"]
    assert "May 2024" in occupation["estimatedSalary"]["name"]
    assert occupation["estimatedSalary"]["median"] == 121440
    for graph in graphs:
        assert check_against_vocabulary(graph, schema) == []


def test_the_embedded_salary_is_the_graphs(imported_dist: Path) -> None:
    """Regression (session 34's audit): the curated occupation's page embedded SOC 11-3051's
    May 2024 distribution, and each O*NET-SOC occupation's page its SOC code's, as
    schema:estimatedSalary, while the graph (its Turtle, SPARQL) stated none of them; a client
    merging page markup with the linked data got a triple the server denied. The SPARQL
    endpoint is asked about each embedded salary."""
    import json
    import urllib.parse

    with running_server(imported_dist) as srv:
        for path in ("onet-soc2019/11-3051.00", "onet-soc2019/11-3051.01", "soc2018/11-3051",
                     "occupation/industrial-production-managers"):
            (node,) = [n for n in page_jsonld(srv, path) if n.get("@type") == "Occupation"]
            ask = (f"ASK {{ <{node['@id']}> <https://schema.org/estimatedSalary> "
                   f"<{node['estimatedSalary']['@id']}> }}")
            reply = http(f"{srv.url}/sparql?query={urllib.parse.quote(ask)}",
                         "application/sparql-results+json")
            assert json.loads(reply.body)["boolean"] is True, path


def test_a_specialty_gets_the_broader_codes_salary_and_core_tasks_come_first(
        imported_dist: Path, schema: Graph) -> None:
    """Regression (session 29's audit): 176 O*NET-SOC pages charted the wages of a broader SOC
    code (the taxonomy slice files 11-3051.01 Quality Control Systems Managers under 11-3051
    by skos:broadMatch) or of its group and gave no schema.org salary; and the responsibilities
    were A-Z, a supplemental task possibly first. OEWS May 2024 11-3051: A_MEDIAN 121440."""
    with (DATA_DIR / "onet_db_29_3" / "Task Statements.tsv").open(encoding="utf-8") as handle:
        tasks = [line.rstrip("\n").split("\t") for line in handle][1:]
    kinds = {task[3]: task[4] for task in tasks if task[0] == "11-3051.00"}
    with running_server(imported_dist) as srv:
        (specialty,) = page_jsonld(srv, "onet-soc2019/11-3051.01")
        (onet,) = page_jsonld(srv, "onet-soc2019/11-3051.00")
    salary = specialty["estimatedSalary"]
    assert salary["median"] == 121440 and "May 2024" in salary["name"]
    assert "Those of the broader SOC 2018 occupation 11-3051" in salary["description"]
    assert check_against_vocabulary(as_graph([specialty]), schema) == []
    order = [kinds[text] for text in onet["responsibilities"]]
    assert order == sorted(order, key={"Core": 0, "": 1, "Supplemental": 2}.__getitem__)
    assert order[0] == "Core" and "Supplemental" in order


def test_an_occupation_bls_gives_hourly_wages_only_gets_an_hourly_salary(
        tmp_path: Path) -> None:
    """Regression (session 29's audit): Actors (OEWS 27-2011: every annual cell "*", HOURLY
    TRUE) had no schema.org salary. The OEWS slice's row: H_PCT10 14, H_MEDIAN 23.33,
    H_PCT90 97.19."""
    import pyoxigraph as ox

    from kg.query.union_graph import materialise_union
    from kg.serve.entities import EntityIndex
    from kg.serve.schema_org import SchemaOrg
    from kg.serve.store import BaseMap, MappedStore
    from kg.sources.importers import IMPORTERS, write

    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    out = tmp_path / "oews.nq"
    write(IMPORTERS["bls-oews"], DATA_DIR / "bls_oews_may2024_national", out, progress=False)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    actors = base + "soc2018/27-2011"
    graph = ox.NamedNode(base + "graph/test")
    for p, o in ((skos + "inScheme", ox.NamedNode(base + "scheme/soc2018")),
                 (skos + "notation", ox.Literal("27-2011")),
                 (skos + "prefLabel", ox.Literal("Actors", language="en"))):
        store.add(ox.Quad(ox.NamedNode(actors), ox.NamedNode(p), o, graph))
    run_salary_stages(store)
    materialise_union(store)
    mapping = BaseMap(base, base)
    node = SchemaOrg(EntityIndex(MappedStore(store, mapping), mapping)).node(actors)
    assert node is not None and node["@type"] == "Occupation"
    salary = node["estimatedSalary"]
    assert salary["duration"] == "PT1H" and "Hourly" in salary["name"]
    assert (salary["percentile10"], salary["median"], salary["percentile90"]) == (
        14, 23.33, 97.19)


def test_each_education_requirement_is_a_node_of_its_own(server: Running) -> None:
    """Regression (session 29's audit): the curated occupation's education requirements named
    their degree's IRI as @id, so read as RDF the 17 were 5 nodes, the bachelor's degree with
    six descriptions. Each is now a node of its own, the degree's page as its url."""
    (occ,) = page_jsonld(server, OCC)
    education = occ["educationRequirements"]
    assert all("@id" not in node and node["url"].startswith(server.url + "/id/")
               for node in education)
    graph = as_graph([occ])
    for degree in {node["url"] for node in education}:
        assert len(set(graph.objects(URIRef(degree), SDO.description))) == 0
    bachelor = [n for n in education if n["url"].endswith("/bachelor-degree/bachelors-degree")]
    assert len(bachelor) > 1 and len({n["description"] for n in bachelor}) == len(bachelor)
