"""The HTML pages read as a person expects: labels, names, figures, charts (issue 10, item 4).

Each test is one finding of the review, reproduced on the seed build. Figures come from the
seeds: OOH 2010-11 gives 156,100 jobs in 2008 and a May 2008 median of $83,290 (quartiles
$64,390 and $108,710); the OOH 2021 profile gives May 2021 p10/median/p90 only; CPIM is renewed
every 3 years; about 80 percent of the jobs were in manufacturing in 2008.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, Literal, URIRef

from tests.server_support import Running, http, running_server

DATA = Path(__file__).parent / "data"

OCC = "occupation/industrial-production-managers"
RAW_NAMES = ("dataSet", "obsValue", "refPeriod", "unitMeasure", "notation", "inScheme")


class _Text(HTMLParser):
    """The words a reader sees: text outside <script>, <style> and <title> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[Running]:
    with running_server(dist) as srv:
        yield srv


def get(server: Running, path: str) -> str:
    reply = http(server.url + path)
    assert reply.status == 200, (path, reply.status)
    return reply.text


def test_observation_pages_have_labels_names_and_formatted_figures(server: Running) -> None:
    listing = visible(get(server, "/kind/Observation"))
    assert "Median annual wage, May 2008: $83,290" in listing
    assert "Share of employment in Manufacturing, 2008: about 80%" in listing
    page = get(server, "/id/observation/employment-2008.html")
    text = visible(page)
    assert "<h1" in page and "Employment, 2008: about 156,100 jobs" in text
    assert "employment-2008" not in re.sub(r"IRI \S+", "", text)  # only in the IRI line
    assert "156100" not in text and "156,100" in text
    for raw in RAW_NAMES:
        assert raw not in text, raw
    for name in ("Reference period", "Unit of measure", "Data set", "Value"):
        assert name in text, name
    assert "Industrial production managers held about 156,100 jobs in 2008." in text  # source


def test_codes_and_durations_are_written_for_people(server: Running) -> None:
    cpim = visible(get(server, "/id/certification/cpim.html"))
    assert "Renewal frequency" in cpim and "every 3 years" in cpim and "P3Y" not in cpim
    naics = visible(get(server, "/id/naics2022/336.html"))
    assert "North American Industry Classification System" in naics or "NAICS" in naics
    assert "notation" not in naics and "inScheme" not in naics and "Code" in naics


def test_inverse_relations_are_phrased_from_the_inverse(server: Running) -> None:
    cpim = visible(get(server, "/id/certification/cpim.html"))
    occ = visible(get(server, f"/id/{OCC}.html"))
    for text in (cpim, occ):
        assert "is the object of" not in text
    assert "Relevant credential of Industrial production managers" in cpim
    # okg:advancesTo owl:inverseOf okg:advancesFrom: the page uses the inverse's label
    assert re.search(r"Related Advances from \(\d+\) First-line supervisor", occ)


def test_every_okg_object_property_has_a_heading_from_its_objects_side() -> None:
    """Regression (session 27): properties without an inverse were headed "<label> of" on the
    page of their object, which misread for the imports' records: an O*NET-SOC page said
    "Rated occupation of (213)", "Related from of (20)" and "To occupation of (61)", a tool's
    "Uses tool of". Every okg object property now has an inverse, a heading of its own, or is
    not listed as a referrer at all."""
    from rdflib import OWL, RDF

    from kg.serve import humanize
    from kg.serve.entities import SKIP_INBOUND

    ontology = Graph().parse(Path(__file__).parents[1] / "ontology" / "occupation-kg.ttl")
    inverse = {str(p) for pair in ontology.subject_objects(OWL.inverseOf) for p in pair}
    okg = "https://w3id.org/occupation-kg/ontology#"
    unheaded = sorted(str(p) for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
                      if str(p).startswith(okg) and str(p) not in inverse
                      and str(p) not in humanize.INVERSE_LABELS and str(p) not in SKIP_INBOUND)
    assert unheaded == []
    assert not any(label.endswith(" of of") for label in humanize.INVERSE_LABELS.values())
    # and the SKOS scheme's top concepts (the second audit: "Top concept of of (23)")
    assert humanize.INVERSE_LABELS["http://www.w3.org/2004/02/skos/core#topConceptOf"] == (
        "top concepts")


def test_evidence_is_listed_under_the_facts_it_supports(server: Running) -> None:
    listing = get(server, "/kind/Evidence")
    text = visible(listing)
    assert not re.search(r"\b[0-9a-f]{16}\b", text)  # no hex ids to read
    assert "is a: Skill" in text or "is a: skill" in text
    assert "requires competency: Ability to negotiate" in text
    record = re.search(r'href="(/id/evidence/[0-9a-f]{16})"', listing)
    assert record
    page = visible(get(server, record.group(1) + ".html"))
    assert "This record supports the fact:" in page
    index = visible(get(server, "/"))
    assert "evidence records, under the facts they support" in index


def test_wage_chart_states_years_and_missing_percentiles(server: Running) -> None:
    page = get(server, f"/id/{OCC}.html")
    svg = re.search(r'<svg[^>]*class="chart wage-chart".*?</svg>', page, re.S)
    assert svg
    rows = re.findall(r'<g class="wage-row" data-period="([^"]+)">(.*?)</g>', svg.group(0), re.S)
    assert [period for period, _ in rows] == ["May 2008", "May 2021"]
    assert "no p25, p75 reported" in rows[1][1] and "reported" not in rows[0][1]
    assert 'class="box"' in rows[0][1] and 'class="box"' not in rows[1][1]
    text = visible(page)
    assert ("May 2021: 10th percentile, median and 90th percentile; the sources do not give the "
            "25th percentile and 75th percentile (so no box is drawn).") in text
    # No two value labels share space: the 2008 p25 ($64,390) sat on the 2021 p10 ($64,150).
    labels = [(float(x), float(y), len(t)) for x, y, t in re.findall(
        r'<text class="value[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)</text>', svg.group(0))]
    assert len(labels) == 8
    for i, (x1, y1, n1) in enumerate(labels):
        for x2, y2, n2 in labels[i + 1:]:
            apart = abs(x1 - x2) >= (n1 + n2) * 6.4 / 2 or abs(y1 - y2) >= 14
            assert apart, (x1, y1, x2, y2)


def test_industry_charts_keep_each_year_apart(server: Running) -> None:
    page = get(server, f"/id/{OCC}.html")
    charts = dict(re.findall(
        r'<svg[^>]*class="chart industry-chart"[^>]*data-period="(\d{4})".*?>(.*?)</svg>',
        page, re.S))
    assert sorted(charts) == ["2008", "2021"]
    assert "Manufacturing<" not in charts["2021"] and "80%" not in charts["2021"]
    assert "Manufacturing<" in charts["2008"] and "80%" in charts["2008"]
    assert "Fabricated metal product manufacturing" in charts["2021"]
    assert "$98,490" in charts["2021"] and "10%" in charts["2021"]


def test_downloads_page_names_graphs_and_keeps_media_types_whole(server: Running,
                                                                  dist: Path) -> None:
    page = get(server, "/downloads")
    text = visible(page)
    assert '<td class="media"><code>application/ld+json</code>' in page
    css = get(server, "/static/style.css")
    assert re.search(r"td\.media code[^{]*\{[^}]*white-space: nowrap", css)
    assert "Curator assertions" in text and "Entailed alignment triples" in text
    assert "Industrial Production Managers (Occupational Outlook Handbook profile, 2021 data)" in (
        text)
    void = Graph().parse(dist / "void.ttl")
    entities = next(void.objects(None, URIRef("http://rdfs.org/ns/void#entities")))
    figure = f"{int(entities):,}"
    assert f"Entities {figure}" in text
    assert f"{figure} entities of" in visible(get(server, "/"))  # the same count on both pages
    # each file says what it is, as void.ttl describes its distribution (the page listed bare
    # file names: mappings/onet-soc-2019.sssom.tsv did not say whose crosswalk it holds)
    dct = "http://purl.org/dc/terms/"
    node = next(void.subjects(URIRef(dct + "title"), Literal("kg.nt")))
    about = str(void.value(node, URIRef(dct + "description")))
    assert about.startswith("Every triple of the graph")
    assert re.search(r'href="/download/kg\.nt">kg\.nt</a><br><small class="file-about">'
                     + re.escape(html.escape(about, quote=False)), page)


def test_favicon_and_yasgui_buttons(server: Running) -> None:
    page = get(server, "/")
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    for path in ("/favicon.ico", "/static/favicon.svg"):
        reply = http(server.url + path)
        assert reply.status == 200 and reply.body.startswith(b"<svg")
    css = get(server, "/static/style.css")
    # A bare `button {` rule also styled YASGUI's editor buttons, which then covered the query.
    assert not re.search(r"(^|\n)\s*button\s*\{", css)
    # ... and YASQE's floating share/run buttons get a column the query text does not enter.
    assert re.search(r"#yasgui \.yasqe \.CodeMirror-lines \{ padding-right: \d+px", css)


def test_stored_query_cells_show_plain_labels(server: Running) -> None:
    page = get(server, "/queries/occupation-credentials")
    assert "Certified in Production and Inventory Management" in page
    assert 'class="lang"' not in page and "@en" not in visible(page)


def test_code_parameters_say_what_they_take() -> None:
    """Regression (session 26's audit): the form and the listing labelled a parameter with
    its type's name, "(onet_soc_code)"; they now say what to type. (The test server serves
    tests/server_queries, so the project's own queries are rendered here.)"""
    from kg.query.catalog import load_query
    from kg.serve.pages import Pages

    pages = Pages("https://w3id.org/occupation-kg/id/", {"title": "occupation-kg"})
    chain = load_query(None, "transitions-chain")
    form = pages.render("stored_query.html", q=chain, values={}, format_links=[],
                        result=None, error=None).decode()
    assert "<small>(O*NET-SOC code, like 29-1141.00)" in form
    assert "<small>(onet_soc_code" not in form
    listing = pages.render("queries.html", stored=[
        chain, load_query(None, "xt-soc-isco-esco-crosswalk-chain")]).decode()
    assert "(SOC 2018 code, like 29-1141)" in listing and "(soc_code)" not in listing


def test_an_empty_answer_names_the_code_the_graph_lacks(dist: Path) -> None:
    """Like `kg query`, a stored query's page whose answer is empty says which well-formed code
    the graph holds no occupation for (the seed graph holds no O*NET-SOC occupation at all)."""
    from kg.query.catalog import queries_dir

    with running_server(dist, workers=1, queries_dir=queries_dir()) as srv:
        reply = http(f"{srv.url}/queries/transitions-from?code=99-9999.00",
                     accept="text/html")
        assert reply.status == 200
        assert "No O*NET-SOC 2019 occupation has the code 99-9999.00 in this graph" in reply.text
        assert "0 rows" in reply.text
        answered = http(f"{srv.url}/queries/documents-overview", accept="text/html").text
        assert "documents-overview" in answered and 'class="note" role="status"' not in answered
        # Regression (session 27's audit): a mistyped IRI answered as silently; a known IRI
        # with an empty answer still gets no note
        typo = srv.url + "/id/occupation/industrial-production-manager"
        reply = http(f"{srv.url}/queries/wage-percentile-change?" + urlencode(
            {"occupation": typo}), accept="text/html")
        assert f"Nothing in this graph has the IRI &lt;{typo}&gt;" in reply.text
        known = srv.url + "/id/occupation/industrial-production-managers"
        reply = http(f"{srv.url}/queries/wage-percentile-change?" + urlencode(
            {"occupation": known, "year1": "1999"}), accept="text/html")
        assert "0 rows" in reply.text and "Nothing in this graph" not in reply.text


def test_index_page_counts_every_kind_its_page_lists(server: Running) -> None:
    """The index page counts the kinds it only links to without labelling their entities (it
    labelled all of them first: half a minute on the full graph, see bench_serve.py --startup);
    each kind's own page lists exactly that many."""
    index = get(server, "/")
    rows = re.findall(r'<tr><td><a href="#(\w+)">[^<]*</a></td><td class="num">([\d,]+)</td>',
                      index)
    assert len(rows) > 10
    big = [(name, count) for name, count in rows if int(count.replace(",", "")) > 60]
    assert big  # some kinds are only linked from the index page, not listed on it
    for name, count in rows:
        listing = get(server, f"/kind/{name}")
        assert f"<small>({count})</small></h1>" in listing, name
        if name != "Evidence":
            items = re.search(r'<ul class="entities">(.*?)</ul>', listing, re.S)
            assert items and items.group(1).count("<li>") == int(count.replace(",", "")), name


def test_a_large_kind_is_listed_a_page_at_a_time(server: Running,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: /kind/Rating listed all 185,989 O*NET ratings of the full graph on one page
    of 15 MB, labelling each. A kind of more than KIND_PAGE entities is listed by IRI, a page
    at a time (here KIND_PAGE is made small: the seed graph's kinds are small)."""
    from kg.serve import entities

    duty = "https://w3id.org/occupation-kg/ontology#Duty"
    members = sorted(server.app.index.members_by_kind()[duty])
    monkeypatch.setattr(entities, "KIND_PAGE", 7)
    pages = -(-len(members) // 7)
    assert pages >= 3
    seen = []
    for number in range(1, pages + 1):
        listing = get(server, f"/kind/Duty?page={number}")
        assert f"<small>({len(members)})</small></h1>" in listing
        assert f"Page {number} of {pages}," in listing
        assert ('rel="next"' in listing) == (number < pages)
        assert ('rel="prev"' in listing) == (number > 1)
        items = re.search(r'<ul class="entities">(.*?)</ul>', listing, re.S)
        assert items is not None
        seen += re.findall(r'<li><a href="([^"]+)">', items.group(1))
    assert [h.removeprefix("/id/") for h in seen] == [
        m.removeprefix(server.base) for m in members]
    assert http(server.url + f"/kind/Duty?page={pages + 1}").status == 404
    for bad in ("0", "x", "-1", "1" + "0" * 4400, "%C2%B2", "%EF%BC%91", "1&page=1"):
        assert http(server.url + f"/kind/Duty?page={bad}").status == 400, bad[:10]
    assert http(server.url + f"/kind/Duty?page={10**20}").status == 404
    # Regression (session 27's audit): a browser got these errors as plain text
    for path in ("/kind/Duty?page=0", "/kind/NoSuchKind", f"/kind/Duty?page={pages + 1}"):
        reply = http(server.url + path, "text/html")
        assert reply.headers["Content-Type"].startswith("text/html"), path
        assert http(server.url + path).headers["Content-Type"].startswith("text/plain")


def test_kinds_that_share_a_local_name_keep_their_own_pages() -> None:
    """Regression: dcat:Dataset and void:Dataset were both "/kind/Dataset" and "#Dataset" on the
    full graph's index page, so the second kind's page could not be reached."""
    from kg.serve.entities import kind_names

    names = kind_names(["https://w3id.org/occupation-kg/ontology#Skill", "http://www.w3.org/ns/dcat#Dataset",
                        "http://rdfs.org/ns/void#Dataset", "http://example.org/terms/Skill"])
    assert len(set(names.values())) == 4
    assert names["https://w3id.org/occupation-kg/ontology#Skill"] == "Skill"
    assert names["http://www.w3.org/ns/dcat#Dataset"] == "dcat-Dataset"
    assert names["http://rdfs.org/ns/void#Dataset"] == "void-Dataset"
    assert names["http://example.org/terms/Skill"] == "example-org-terms-Skill"
    assert kind_names(["http://www.w3.org/ns/dcat#Dataset"]) == {
        "http://www.w3.org/ns/dcat#Dataset": "Dataset"}


def test_the_dataset_description_reads_as_words_and_numbers(server: Running,
                                                            dist: Path) -> None:
    """Regression: /id/dataset/occupation-kg, the front door of the data, was headed
    "dataset/occupation-kg" and listed "entities 382737", "dataDump", "sparqlEndpoint", its
    graphs by slug, its vocabularies as "22-rdf-syntax-ns#", and "Dataset" twice as its types."""
    void_ns = "http://rdfs.org/ns/void#"
    void = Graph().parse(dist / "void.ttl", format="turtle")
    node = URIRef("https://w3id.org/occupation-kg/id/dataset/occupation-kg")
    title = str(void.value(node, URIRef("http://purl.org/dc/terms/title")))
    page = get(server, "/id/dataset/occupation-kg.html")
    text = visible(page)
    assert re.search(r"<h1>\s*(.*?)\s*</h1>", page)[1] == title
    for name in ("triples", "entities", "classes", "properties"):
        count = int(void.value(node, URIRef(void_ns + name)))
        assert f"{name.capitalize()} {count:,}" in text, name
    for words in ("Data dump", "SPARQL endpoint", "URI space", "Landing page",
                  "VoID dataset", "DCAT dataset"):
        assert words in text, words
    for raw in ("dataDump", "sparqlEndpoint", "uriSpace"):
        assert raw not in text, raw
    assert ">22-rdf-syntax-ns#<" not in page
    for vocabulary in void.objects(node, URIRef(void_ns + "vocabulary")):
        assert str(vocabulary) in text  # a namespace is shown whole
    for subset in void.objects(node, URIRef(void_ns + "subset")):
        slug = str(subset).rsplit("/", 1)[-1]
        assert f">{slug}<" not in page, slug  # a graph by its title, not its slug
    endpoint = void.value(node, URIRef(void_ns + "sparqlEndpoint"))
    assert f">{endpoint}<" in page  # an address is shown whole, not as "sparql"


def test_a_distribution_shows_its_urls_and_media_type_whole(server: Running,
                                                             dist: Path) -> None:
    """Regression: /id/distribution/kg.ttl showed "Download URL: kg.ttl" and "Media type:
    turtle"; the index headed its dataset kinds "DCAT dataset (dcat)"."""
    dcat = "http://www.w3.org/ns/dcat#"
    void = Graph().parse(dist / "void.ttl", format="turtle")
    node = URIRef("https://w3id.org/occupation-kg/id/distribution/kg.ttl")
    page = get(server, "/id/distribution/kg.ttl.html")
    for name in ("downloadURL", "accessURL"):
        for url in void.objects(node, URIRef(dcat + name)):
            assert f">{url}<" in page, name
    media = void.value(node, URIRef(dcat + "mediaType"))
    assert f">{str(media).split('/media-types/')[1]}<" in page
    index = visible(get(server, "/"))
    assert "(dcat)" not in index and "(void)" not in index


def test_the_page_cache_is_bounded_by_bytes(server: Running,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: rendered entity documents were kept 4,096 at a time whatever their size (a
    page of the full graph was 16 MB before pages were capped); the cache now holds bodies up
    to a total of CACHE_BYTES, and a page that does not fit is still served."""
    from kg.serve import routes

    app = server.app
    monkeypatch.setattr(app, "cache", {})
    monkeypatch.setattr(app, "cache_bytes", 0)
    page = get(server, f"/id/{OCC}.html")
    size = len(page.encode("utf-8"))
    assert app.cache_bytes == size and len(app.cache) == 1
    monkeypatch.setattr(routes, "CACHE_BYTES", size + 100)
    for path in ("/id/occupation/plant-manager.html", "/id/skill/negotiation.html"):
        assert get(server, path)  # served, though no longer kept
    assert app.cache_bytes <= size + 100
    assert sum(len(r.body) for r in app.cache.values()) == app.cache_bytes


def test_a_quote_keeps_its_line_breaks_on_the_page(server: Running) -> None:
    """Regression (session 28's second audit): a quote across two table lines of its document
    ("Chemical manufacturing\\n8") read "Chemical manufacturing 8" once okg:quote kept the
    document's line break: the page collapsed it."""
    page = get(server, "/id/occupation/industrial-production-managers.html")
    quotes = re.findall(r'<q class="quote">([^<]*)</q>', page)
    assert any("\n" in q for q in quotes)
    css = get(server, "/static/style.css")
    assert re.search(r"q\.quote \{[^}]*white-space: pre-line", css)


def test_a_concept_page_names_its_broader_concepts_and_its_code(slices_served: Running) -> None:
    """Regression (session 29's audit): O*NET's skill Mathematics (2.A.1.e) and its knowledge
    area Mathematics (2.C.4.a) had the same page title and nothing on the page said which is
    which; five pages were titled "Registered Nurses". The page names its skos:broader chain
    (Content Model Reference.tsv: 2 Worker Requirements, 2.A Basic Skills, 2.A.1 Content; 2.C
    Knowledge, 2.C.4 Mathematics and Science) and its title its code."""
    import csv

    path = Path(__file__).parent / "data" / "onet_db_29_3" / "Content Model Reference.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        names = {r["Element ID"]: r["Element Name"]
                 for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
    for element in ("2.A.1.e", "2.C.4.a"):
        page = http(f"{slices_served.url}/id/onet-element/{element.lower()}.html").text
        title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
        assert title.startswith(f"{names[element]} ({element}) ")
        nav = re.search(r'<nav class="broader-path"[^>]*>(.*?)</nav>', page, re.S)[1]
        parts = [re.sub(r"<[^>]+>", "", part).strip() for part in nav.split("›")]
        assert parts == [names[element[:n]] for n in (1, 3, 5)], element


def test_wage_distributions_mappings_and_empty_searches_read_well(
        slices_served: Running) -> None:
    """Session 29's audit: a wage distribution's page said "Median 103,150" (no dollar sign);
    a mapping listed "Registered Nurses" twice, not saying which taxonomy's each is; a search
    that found nothing ("electricain") said only that. The seeds' OOH 2021 profile: median
    $103,150."""
    page = http(f"{slices_served.url}/id/salary-distribution/"
                "industrial-production-managers-2021-05.html").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Median $103,150" in text
    occupation = http(f"{slices_served.url}/id/{OCC}.html").text
    mappings = occupation[occupation.index('id="mappings"'):] if 'id="mappings"' in occupation \
        else occupation
    assert "Industrial Production Managers (2018 Standard Occupational Classification 11-3051)" \
        in re.sub(r"\s+", " ", mappings)
    empty = http(f"{slices_served.url}/search?q=electricain").text
    assert 'href="/reconcile/form?q=electricain"' in empty


def test_the_home_page_says_where_to_start(slices_served: Running, server: Running) -> None:
    """Session 29's audit: the O*NET occupations were hidden among 15,242 concepts; the home
    page links the classifications' pages the graph holds, and no others. Session 32's: ESCO
    and ISCO-08 could not be reached from it; they are listed with each scheme's number of
    codes (here SOC 2018's, counted in the slice of its structure)."""
    home = http(f"{slices_served.url}/").text
    start = home[home.index('class="start-here"'):home.index("<h2>Kinds</h2>")]
    assert 'href="/id/scheme/onet-soc2019"' in start and 'href="/id/scheme/soc2018"' in start
    esco = "/resource?iri=" + quote("http://data.europa.eu/esco/concept-scheme/isco", safe="")
    assert f'href="{esco}"' in start
    with (DATA / "soc_2018_structure" / "SOC_Structure.tsv").open(encoding="utf-8") as handle:
        soc = sum(1 for row in list(csv.reader(handle, delimiter="\t"))[1:] if any(row[:4]))
    counts = dict(re.findall(r'href="([^"]+)">[^<]*</a></td><td class="num">([0-9,]+)<', start))
    assert counts["/id/scheme/soc2018"] == f"{soc:,}"
    assert "Codes, all levels" in start
    # the kinds say where the imported occupations are (the helper's audit: "Occupation (11)"
    # looked like all there is), only where the build has them
    kinds = home[home.index("<h2>Kinds</h2>"):home.index('<table class="kinds">',
                                                        home.index("<h2>Kinds</h2>"))]
    assert "Occupation (schema)" in kinds and "minted by ESCO" in kinds
    seed = http(f"{server.url}/").text
    seed_kinds = seed[seed.index("<h2>Kinds</h2>"):]
    assert "Occupation (schema)" not in seed_kinds.split("<table")[0]
    assert "minted by ESCO" not in seed_kinds
    for site in (slices_served, server):  # each link it gives leads to a page
        home = http(f"{site.url}/").text
        found = home[home.index('class="start-here"'):home.index("<h2>Kinds</h2>")]
        links = re.findall(r'href="(/[^"]+)"', found)
        assert links or site is server
        for path in links:
            reply = http(f"{site.url}{html.unescape(path)}", accept="text/html")
            if reply.status == 303:  # to the page (/id/X.html, /resource.html?iri=X)
                reply = http(site.url + reply.headers["Location"])
            assert reply.status == 200, path


def test_the_home_page_says_which_codes_a_scheme_shares_with_another() -> None:
    """Regression (session 36's client audit): "ESCO Occupations 3,626" read as a wrong count
    of ESCO occupations (ESCO's file lists 3,007): ESCO's occupations scheme also holds the
    619 ISCO-08 groups. The home page now says so (the slices hold no ESCO scheme node, so a
    small store stands in for the full graph)."""
    from types import SimpleNamespace

    import pyoxigraph as ox

    from kg.serve.routes import start_schemes

    esco, isco = ("http://data.europa.eu/esco/concept-scheme/occupations",
                  "http://data.europa.eu/esco/concept-scheme/isco")
    in_scheme = ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
    store = ox.Store()
    for member, schemes in {"isco/C2655": (esco, isco), "isco/C265": (esco, isco),
                            "occupation/a": (esco,), "occupation/b": (esco,)}.items():
        for scheme in schemes:
            store.add(ox.Quad(ox.NamedNode("http://data.europa.eu/esco/" + member), in_scheme,
                              ox.NamedNode(scheme)))
    labels = {esco: "ESCO Occupations", isco: "ISCO 2008"}
    app = SimpleNamespace(
        mapping=SimpleNamespace(public="https://w3id.org/occupation-kg/id/"), store=store,
        index=SimpleNamespace(exists=lambda iri: False,
                              describes_external=lambda iri: iri in labels,
                              label=lambda iri: labels[iri]))
    assert start_schemes(app) == [("ISCO 2008", isco, 2, [("ESCO Occupations", 2)]),
                                  ("ESCO Occupations", esco, 4, [("ISCO 2008", 2)])]


def test_an_occupations_wages_name_the_median_of_all_occupations(
        slices_served: Running) -> None:
    """Session 36's client audit: BLS's 00-0000 All Occupations was not imported, so neither an
    analyst nor a page had the national figure an occupation's wages are read against. The
    figures are the OEWS slice's 00-0000 row."""
    with (DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv").open(
            encoding="utf-8") as handle:
        total = next(r for r in csv.DictReader(handle, delimiter="\t")
                     if r["OCC_CODE"] == "00-0000")
    annual = f"${int(total['A_MEDIAN']):,} a year"
    hourly = f"${float(total['H_MEDIAN']):.2f} an hour"
    page = http(f"{slices_served.url}/id/soc2018/11-3051.html").text
    wages = page[page.index('id="wages"'):page.index("</section>", page.index('id="wages"'))]
    line = re.search(r'<p class="note all-occupations">(.*?)</p>', wages, re.S)
    assert line is not None, wages[-800:]
    text = html.unescape(re.sub(r"<[^>]+>", "", line[1]))
    assert f"{annual} ({hourly})" in text and "May 2024" in text
    assert 'href="/id/soc2018/00-0000"' in line[1]
    # the total's own page charts it and does not compare it with itself
    own = http(f"{slices_served.url}/id/soc2018/00-0000.html").text
    assert 'id="wages"' in own and 'class="note all-occupations"' not in own
