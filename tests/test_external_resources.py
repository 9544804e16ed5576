"""IRIs the graph describes but does not mint (ESCO's occupations and skills, ISCO groups) are
served at /resource?iri=IRI as the imported edition has them.

Regression (carried over in earlier notes: "no local ESCO pages"): a page linked an ESCO match to
ESCO's portal, which shows its latest edition, not v1.1.1 as imported, and the graph's own
statements about it (its essential skills, its ISCO group, the crosswalks) could be read only
through SPARQL. The server built on the seed with the reference slices of tests/data.
"""

from __future__ import annotations

import html
import json
import re
import time
import urllib.parse
from pathlib import Path

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from tests.server_support import CANONICAL, Running, http

ESCO = "http://data.europa.eu/esco/occupation/eb9479c6-5fdf-4f45-ace4-28b547b8c7e5"
# its broader ESCO occupation, which the Nesta crosswalk matches to O*NET 11-3051.00
MANUFACTURING = "http://data.europa.eu/esco/occupation/6426ada1-4d8c-4612-99e3-91bc569805ee"
# one of its essential skills in the slice (tests/data/esco_v1_1_1_en/occupationSkillRelations)
SKILL = "http://data.europa.eu/esco/skill/09dea77e-870c-49eb-9a97-1398bee57bd0"
ESSENTIAL = "http://data.europa.eu/esco/model#relatedEssentialSkill"


def resource(iri: str, ext: str = "") -> str:
    return f"/resource{'.' + ext if ext else ''}?iri={urllib.parse.quote(iri, safe='')}"


def test_an_onet_page_links_its_esco_equivalent_here(slices_served: Running) -> None:
    page = http(slices_served.url + "/id/onet-soc2019/11-3051.00.html").text
    assert f'href="{resource(MANUFACTURING)}"' in page
    assert f'href="{resource("http://data.europa.eu/esco/isco/C1321")}"' in page


def test_an_esco_occupation_has_a_page_of_what_the_graph_holds(slices_served: Running) -> None:
    reply = http(slices_served.url + resource(MANUFACTURING), accept="text/html")
    assert reply.status == 303 and reply.headers["Location"] == resource(MANUFACTURING, "html")
    page = http(slices_served.url + resource(MANUFACTURING, "html"))
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert '<h1 class="label">manufacturing manager</h1>' in text
    # its publisher's page is one link away; its narrower occupation and its ISCO group are
    # pages here, and the crosswalk's match leads back to O*NET
    assert f'class="publisher-page" href="{MANUFACTURING}"' in text
    assert f'href="{resource(ESCO)}"' in text
    assert f'href="{resource("http://data.europa.eu/esco/isco/C1321")}"' in text
    assert 'href="/id/onet-soc2010/11-3051.00"' in text


def test_an_isco_group_lists_its_esco_occupations_once(slices_served: Running) -> None:
    """Regression (carried over): ESCO's top occupations of an ISCO group are skos:broader to
    it and members of it (esco:memberOfISCOGroup), and the group's page listed each under
    "Narrower concepts" and again under "ESCO occupations in this group"."""
    group = "http://data.europa.eu/esco/isco/C1321"
    text = http(slices_served.url + resource(group, "html")).text
    assert text.count(f'href="{resource(MANUFACTURING)}"') == 1
    assert "ESCO occupations in this group" in text
    # the group's own narrower ISCO group stays listed on its broader group's page
    broader = http(slices_served.url + resource("http://data.europa.eu/esco/isco/C132",
                                                "html")).text
    assert "Narrower concepts" in broader and f'href="{resource(group)}"' in broader


def test_an_esco_occupation_page_gives_its_us_codes(slices_served: Running) -> None:
    """Regression (session 34's audit): an ESCO occupation's page named only the O*NET-SOC
    2010 code of the Nesta crosswalk (ESCO "welder": the retired 51-4121.06), while the
    reconciliation preview of the same IRI gave its SOC 2018 and O*NET-SOC 2019 codes and a
    wage. The slices: Nesta matches "manufacturing manager" to O*NET-SOC 2010 11-3051.00,
    O*NET's crosswalk takes that to 2019's 11-3051.00 (a merge, so close), filed under SOC
    11-3051 (close: its specialties share the code); "industrial production manager" below
    it inherits the match as broader."""
    def equivalents(iri: str) -> str:
        text = http(slices_served.url + resource(iri, "html")).text
        start = text.index('id="equivalents"')
        return text[start:text.index("</section>", start)]

    def rows(section: str) -> dict[str, tuple[str, str]]:
        """The linked entry of each row -> (its match, the row's last cell)."""
        out = {}
        for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            if len(cells) >= 4:
                entry = re.search(r'href="([^"]+)"', cells[-3])
                out[entry[1] if entry else ""] = (cells[-2], cells[-1])
        return out

    # named near the top too, where a reader from the reconciliation service looks first
    text = http(slices_served.url + resource(MANUFACTURING, "html")).text
    line = re.search(r'<p class="us-codes">(.*?)</p>', text, re.S)
    assert line is not None and text.index('class="us-codes"') < text.index('id="facts"')
    assert '<a href="/id/soc2018/11-3051">SOC 2018 <code>11-3051</code></a> (nearly the same)' \
        in line[1] and 'href="/id/onet-soc2019/11-3051.00"' in line[1]
    found = rows(equivalents(MANUFACTURING))
    assert found["/id/onet-soc2019/11-3051.00"][0] == "close"
    assert 'href="/id/onet-soc2010/11-3051.00"' in found["/id/onet-soc2019/11-3051.00"][1]
    assert found["/id/soc2018/11-3051"][0] == "close"
    # the occupation below it inherits Nesta's match as broader (kg.build.inherited_matches)
    assert rows(equivalents(ESCO))["/id/soc2018/11-3051"][0] == "broad"


def test_an_isco_group_page_gives_its_us_codes(slices_served: Running) -> None:
    """Regression (session 36's client audit): an ISCO-08 group's page named no US code,
    though dist/mappings/isco08-soc2018-chained.sssom.tsv maps the group to SOC 2018. The
    codes expected are composed from the slices' source files: BLS's SOC 2010 codes of group
    1321, the O*NET-SOC 2010 codes under them, and O*NET's 2010 to 2018 SOC crosswalk."""
    import csv

    data = Path(__file__).parent / "data"

    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))

    group = "1321"
    soc2010 = {r["2010 SOC Code"] for r in rows(
        data / "crosswalk_isco08_soc2010_bls" / "soc2010_to_isco08.tsv")
        if r["ISCO-08 Code"] == group}
    crosswalk = rows(data / "onet_soc_2019_taxonomy" / "2010_to_2018_SOC_Crosswalk.tsv")
    soc2018 = {r[list(r)[2]] for r in crosswalk if r[list(r)[0]][:7] in soc2010}
    assert soc2010 and soc2018
    text = http(slices_served.url + resource("http://data.europa.eu/esco/isco/C" + group,
                                             "html")).text
    line = re.search(r'<p class="us-codes">(.*?)</p>', text, re.S)
    assert line is not None, "no US codes on the ISCO group's page"
    shown = set(re.findall(r"SOC 2018 <code>([0-9-]+)</code>", line[1]))
    assert shown == soc2018
    section = text[text.index('id="equivalents"'):]
    assert "This ISCO-08 group's US codes" in section
    for code in soc2010:
        assert f'href="/id/soc2010/{code}"' in section


def test_its_rdf_documents_are_the_graphs_statements(slices_served: Running) -> None:
    reply = http(slices_served.url + resource(ESCO), accept="text/turtle")
    assert reply.status == 303 and reply.headers["Location"] == resource(ESCO, "ttl")
    turtle = http(slices_served.url + resource(ESCO, "ttl"))
    assert turtle.status == 200 and turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.body, format="turtle")
    assert (URIRef(ESCO), SKOS.prefLabel, Literal("industrial production manager", lang="en")) \
        in graph
    assert (URIRef(ESCO), URIRef(ESSENTIAL), URIRef(SKILL)) in graph
    assert f'<{ESCO}>; rel="describes"' in turtle.headers["Link"]
    # JSON-LD read by a real processor (PyLD)
    document = http(slices_served.url + resource(ESCO, "jsonld"))
    expanded = jsonld.expand(json.loads(document.body))
    assert ESCO in {node.get("@id") for node in expanded}


def test_only_what_the_graph_describes_is_served(slices_served: Running) -> None:
    url = slices_served.url
    assert http(url + resource("http://example.org/not-in-the-graph")).status == 404
    # a vocabulary term is not data the graph describes: its page stays its publisher's
    assert http(url + resource(str(SKOS.prefLabel))).status == 404
    assert http(url + "/resource").status == 400
    assert http(url + "/resource?iri=").status == 400
    two = f"/resource?iri={urllib.parse.quote(ESCO)}&iri={urllib.parse.quote(SKILL)}"
    assert http(url + two).status == 400
    assert http(url + resource(ESCO, "xyz")).status == 404
    assert http(url + "/resource?iri=%00%ff").status == 404
    local = slices_served.base + "occupation/industrial-production-managers"
    reply = http(url + resource(local))
    assert reply.status == 301
    assert reply.headers["Location"] == "/id/occupation/industrial-production-managers"
    assert http(url + resource(ESCO, "html"), method="HEAD").status == 200


def test_search_finds_it_and_links_it_here(slices_served: Running) -> None:
    page = http(slices_served.url + "/search?q=manufacturing+manager").text
    assert f'href="{resource(MANUFACTURING)}"' in page


def test_the_reconciliation_view_of_an_esco_entity_is_its_page_here(
        slices_served: Running) -> None:
    """The manifest's view of a candidate (OpenRefine's link) went to ESCO's portal."""
    reply = http(slices_served.url + "/reconcile/view?id=" + urllib.parse.quote(MANUFACTURING))
    assert reply.status == 303 and reply.headers["Location"] == resource(MANUFACTURING)
    local = http(slices_served.url + "/reconcile/view?id=11-3051.00")
    assert local.status == 303 and local.headers["Location"] == "/id/onet-soc2019/11-3051.00"


def test_the_projects_own_iris_outside_id_are_not_anothers(slices_served: Running) -> None:
    """Audit (session 31): the SSSOM mapping sets (https://w3id.org/occupation-kg/mappings/...,
    typed in the mappings graph) had pages saying their publisher minted them elsewhere."""
    import pyoxigraph as ox

    from kg.serve.entities import EntityIndex
    from kg.serve.store import BaseMap, MappedStore

    mapping_set = CANONICAL.rsplit("id/", 1)[0] + "mappings/industries.sssom.tsv"
    store = ox.Store()
    graph = ox.NamedNode(CANONICAL + "graph/mappings")
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.add(ox.Quad(ox.NamedNode(mapping_set), kind,
                      ox.NamedNode("https://w3id.org/sssom/MappingSet"), graph))
    store.add(ox.Quad(ox.NamedNode(ESCO), kind,
                      ox.NamedNode("http://data.europa.eu/esco/model#Occupation"), graph))
    mapping = BaseMap(CANONICAL, CANONICAL)
    index = EntityIndex(MappedStore(store, mapping), mapping)
    assert index.describes_external(ESCO)
    assert not index.describes_external(mapping_set)


def test_an_iri_minted_here_goes_to_its_own_path(slices_served: Running) -> None:
    """Audit (session 31): the published (w3id) form was "not described", and a suffix was
    lost on the way to /id/."""
    for base in (slices_served.base, CANONICAL):
        iri = base + "onet-soc2019/11-3051.00"
        reply = http(slices_served.url + resource(iri, "ttl"))
        assert reply.status == 301
        assert reply.headers["Location"] == "/id/onet-soc2019/11-3051.00.ttl"
        assert http(slices_served.url + resource(iri)).headers["Location"] == \
            "/id/onet-soc2019/11-3051.00"
    assert http(slices_served.url + resource(ESCO, "TTL")).status == 200


def test_query_results_link_esco_iris_here(slices_served: Running) -> None:
    """Audit (session 31): /sparql's and the stored queries' HTML tables still linked ESCO's
    portal."""
    query = f"SELECT ?o WHERE {{ VALUES ?o {{ <{ESCO}> }} }}"
    page = http(slices_served.url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                accept="text/html").text
    assert f'href="{resource(ESCO)}"' in page


def test_a_long_fact_list_shows_its_first_values_and_a_query_for_all(
        slices_served: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit (session 31): ESCO's member-skills scheme page listed all 13,896 of its
    hasTopConcept values (2.0 MB). The facts of a property now stop at FACTS_SHOWN."""
    from kg.serve import entities

    monkeypatch.setattr(entities, "FACTS_SHOWN", 1)
    monkeypatch.setattr(slices_served.app, "cache", {})  # rendered anew with the limit
    page = http(slices_served.url + resource(ESCO, "html")).text
    schemes = page.split('data-predicate="http://www.w3.org/2004/02/skos/core#inScheme"')[1]
    schemes = schemes.split("</section>")[0]
    assert "(2)" in schemes and "The first 1 of\n2, by name" in schemes
    assert len(re.findall(r'<li class="fact">', schemes)) == 1
    every = re.search(r'<a href="(/sparql\?query=[^"]+)">list all', schemes)
    assert every is not None
    listing = http(slices_served.url + html.unescape(every[1]), "application/sparql-results+json")
    rows = json.loads(listing.text)["results"]["bindings"]
    assert {r["value"]["value"] for r in rows} == {
        "http://data.europa.eu/esco/concept-scheme/member-occupations",
        "http://data.europa.eu/esco/concept-scheme/occupations"}


def test_a_list_longer_than_the_endpoint_answers_links_its_first_page(
        slices_served: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (session 32's audit): "list all 14,536" under ESCO's skills scheme asked the
    endpoint for more rows than it answers (--max-results, 10,000), which it refused. Past
    that limit the link asks for the first page, LIMIT and OFFSET, and says so."""
    from kg.serve import entities

    monkeypatch.setattr(entities, "FACTS_SHOWN", 1)
    monkeypatch.setattr(slices_served.app, "cache", {})
    monkeypatch.setitem(slices_served.app.pages.site, "max_results", 1)
    page = http(slices_served.url + resource(ESCO, "html")).text
    schemes = page.split('data-predicate="http://www.w3.org/2004/02/skos/core#inScheme"')[1]
    schemes = schemes.split("</section>")[0]
    first = re.search(r'<a href="(/sparql\?query=[^"]+)">list the first 1</a>', schemes)
    assert first is not None and "(then OFFSET 1, and so on)" in schemes
    listing = http(slices_served.url + html.unescape(first[1]), "application/sparql-results+json")
    assert len(json.loads(listing.text)["results"]["bindings"]) == 1
    assert "LIMIT 1\nOFFSET 0" in urllib.parse.unquote(html.unescape(first[1]))


def test_the_reconcile_forms_esco_column_leads_here(slices_served: Running,
                                                    tmp_path: Path) -> None:
    """The form's ESCO column linked ESCO's portal; it now goes through the manifest's view,
    which leads to /resource. In chromium, as a user runs the form."""
    from tests.test_browser import run_chromium

    deadline = time.monotonic() + 120  # the first request starts the index: 503 until built
    while http(f"{slices_served.url}/reconcile?queries=%7B%7D").status == 503:
        assert time.monotonic() < deadline, "the reconciliation index was never built"
        time.sleep(0.5)
    url = (f"{slices_served.url}/reconcile/form?q=industrial+production+managers"
           "&type=onet-occupation")
    dom = run_chromium(tmp_path, "--virtual-time-budget=15000", "--dump-dom", url)
    view = "/reconcile/view?id=" + urllib.parse.quote(MANUFACTURING, safe="")
    assert f'href="{view}"' in dom, dom[-3000:]
    reply = http(slices_served.url + view)
    assert reply.status == 303 and reply.headers["Location"] == resource(MANUFACTURING)
