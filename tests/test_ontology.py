"""Checks on the okg ontology (ontology/occupation-kg.ttl) and its use of external vocabularies.

Independent of the builder: only rdflib, owlrl, the ontology, the shapes and MODEL.md.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path

import owlrl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "occupation-kg.ttl"
SHAPES_FILE = ROOT / "shapes" / "occupation-kg-shapes.ttl"
MODEL_FILE = ROOT / "ontology" / "MODEL.md"
VOCAB_DIR = Path(__file__).resolve().parents[2] / "shared" / "vocab"

OKG = Namespace("https://w3id.org/occupation-kg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/occupation-kg/ontology")
SCHEMA = Namespace("https://schema.org/")
ID = Namespace("https://w3id.org/occupation-kg/id/")

# namespace -> vendored file(s) that declare its terms
EXTERNAL_VOCABS: dict[str, tuple[str, ...]] = {
    "https://schema.org/": ("schemaorg-30.0-current-https.ttl",),
    "https://purl.org/ctdl/terms/": ("ctdl-terms.ttl",),
    "http://www.w3.org/2004/02/skos/core#": ("skos.ttl",),
    "http://www.w3.org/ns/prov#": ("prov.ttl",),
    "http://purl.org/linked-data/cube#": ("qb-cube.ttl",),
    "http://purl.org/linked-data/sdmx/2009/dimension#": ("sdmx-dimension.ttl",),
    "http://purl.org/linked-data/sdmx/2009/measure#": ("sdmx-measure.ttl",),
    "http://purl.org/linked-data/sdmx/2009/attribute#": ("sdmx-attribute.ttl",),
    "http://www.w3.org/ns/dcat#": ("dcat3.ttl",),
    "http://purl.org/dc/terms/": ("dcterms.ttl",),
    "https://w3id.org/sssom/": ("sssom-schema-1.0.0.owl.ttl",),
    # PAV's terms that SSSOM uses (mapping_date is pav:authoredOn) are declared by its schema
    "http://purl.org/pav/": ("sssom-schema-1.0.0.owl.ttl",),
}
ESCO_NS = "http://data.europa.eu/esco/model#"
ESCO_FILE = "esco-model-v1.0-2014-terms-EXTRACT.ttl"

needs_vocab = pytest.mark.skipif(
    not VOCAB_DIR.is_dir(),
    reason=f"external vocabulary definitions not found at {VOCAB_DIR}",
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def vocab() -> dict[str, Graph]:
    """One graph per external namespace, parsed from ../shared/vocab."""
    graphs: dict[str, Graph] = {}
    for ns, files in [*EXTERNAL_VOCABS.items(), (ESCO_NS, (ESCO_FILE,))]:
        g = Graph()
        for name in files:
            g.parse(VOCAB_DIR / name, format="turtle")
        graphs[ns] = g
    return graphs


def okg_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and s.startswith(str(OKG))}


def external_terms(*graphs: Graph) -> dict[str, set[URIRef]]:
    """Every IRI used in the graphs, grouped by the external namespace it belongs to."""
    found: dict[str, set[URIRef]] = {ns: set() for ns in [*EXTERNAL_VOCABS, ESCO_NS]}
    for g in graphs:
        for triple in g:
            for term in triple:
                if not isinstance(term, URIRef):
                    continue
                for ns in found:
                    if term.startswith(ns) and len(term) > len(ns):
                        found[ns].add(term)
    return found


def test_ontology_parses_and_has_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    dcterms = Namespace("http://purl.org/dc/terms/")
    for prop in (dcterms.title, dcterms.description, dcterms.license, dcterms.creator):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, f"ontology header lacks {prop}"


def english(g: Graph, term: URIRef, prop: URIRef) -> list[Literal]:
    return [o for o in g.objects(term, prop) if isinstance(o, Literal) and o.language == "en"]


def test_every_okg_term_has_english_label_and_definition(ontology: Graph) -> None:
    problems = []
    for term in sorted(okg_terms(ontology)):
        labels = english(ontology, term, RDFS.label)
        definitions = english(ontology, term, SKOS.definition)
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} English rdfs:label")
        if len(definitions) != 1 or len(str(definitions[0]).split()) < 4:
            problems.append(f"{term}: needs one English skos:definition sentence")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"{term}: no rdfs:isDefinedBy the ontology")
    assert not problems, "\n".join(problems)


def model_terms() -> tuple[set[str], set[str], set[str]]:
    """Class, property and individual local names that MODEL.md promises."""
    text = MODEL_FILE.read_text(encoding="utf-8")
    classes, properties = set(), set()
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        elif line.startswith("| ") and not line.startswith("| ---"):
            cell = line.split("|")[1].strip()
            if cell in {"class", "property", "prefix"} or cell.startswith("("):
                continue
            names = [n.strip() for n in cell.split("/")]
            if section.startswith("## Classes"):
                classes.update(names)
            elif section.startswith("## Properties"):
                properties.update(names)
    individuals = set(re.findall(r"okg:([A-Z][A-Za-z]+)\b", text)) - classes
    stat_kinds = re.search(r"StatisticKind individuals \(okg:\):(.*?)Each has", text, re.S)
    assert stat_kinds, "MODEL.md no longer lists the StatisticKind individuals"
    individuals |= set(re.findall(r"`([a-zA-Z0-9]+)`", stat_kinds.group(1)))
    return classes, properties, individuals


def test_every_model_term_is_declared(ontology: Graph) -> None:
    classes, properties, individuals = model_terms()
    assert len(classes) > 30 and len(properties) > 40
    missing = [c for c in classes if (OKG[c], RDF.type, OWL.Class) not in ontology]
    missing += [
        p
        for p in properties
        if (OKG[p], RDF.type, OWL.ObjectProperty) not in ontology
        and (OKG[p], RDF.type, OWL.DatatypeProperty) not in ontology
        and (OKG[p], RDF.type, OWL.AnnotationProperty) not in ontology
    ]
    missing += [i for i in individuals if (OKG[i], RDF.type, OWL.NamedIndividual) not in ontology]
    assert not missing, f"declared in MODEL.md but not in the ontology: {sorted(missing)}"


def test_individuals_are_concepts_in_okg_schemes(ontology: Graph) -> None:
    for cls, scheme in (
        (OKG.RequirementLevel, OKG.RequirementLevels),
        (OKG.StatisticKind, OKG.StatisticKinds),
        (OKG.Unit, OKG.Units),
    ):
        members = set(ontology.subjects(RDF.type, cls))
        assert members, f"no individuals of {cls}"
        assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
        for member in members:
            assert (member, SKOS.inScheme, scheme) in ontology
            assert ontology.value(member, SKOS.prefLabel) is not None
    for kind in ontology.subjects(RDF.type, OKG.StatisticKind):
        assert (ontology.value(kind, OKG.unit), RDF.type, OKG.Unit) in ontology, kind


def test_data_structure_definition(ontology: Graph) -> None:
    qb = Namespace("http://purl.org/linked-data/cube#")
    dsd = OKG.occupationStatisticsStructure
    assert (dsd, RDF.type, qb.DataStructureDefinition) in ontology
    dims = {ontology.value(c, qb.dimension) for c in ontology.objects(dsd, qb.component)}
    assert {OKG.occupation, OKG.industry, OKG.statistic} <= dims
    assert URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod") in dims
    for dim in (OKG.occupation, OKG.industry, OKG.statistic):
        assert (dim, RDF.type, qb.DimensionProperty) in ontology


def test_owl_rl_entailments(ontology: Graph) -> None:
    data = """
    @base <https://w3id.org/occupation-kg/id/> .
    @prefix okg: <https://w3id.org/occupation-kg/ontology#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    <occupation/ipm> a okg:Occupation ;
        skos:prefLabel "Industrial production managers"@en ;
        okg:hasEducationRequirement <education-requirement/ba> ;
        okg:advancesTo <occupation/top-executives> .
    <education-requirement/ba> a okg:EducationRequirement ; okg:degree <credential/ba> .
    <credential/ba> a okg:BachelorDegree .
    """
    g = Graph().parse(data=data, format="turtle")
    g += ontology
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    ipm = ID["occupation/ipm"]
    assert (ipm, RDF.type, SCHEMA.Occupation) in g
    assert (ipm, SCHEMA.name, Literal("Industrial production managers", lang="en")) in g
    assert (ipm, SCHEMA.educationRequirements, ID["credential/ba"]) in g
    assert (ID["credential/ba"], RDF.type, SCHEMA.EducationalOccupationalCredential) in g
    assert (ID["occupation/top-executives"], OKG.advancesFrom, ipm) in g


def test_owl_rl_keeps_imported_concepts_out_of_okg_occupation(ontology: Graph) -> None:
    """Imported data use okg properties on classification concepts (SOC 2018, O*NET-SOC):
    their domains and ranges must not make those concepts okg:Occupation."""
    data = """
    @base <https://w3id.org/occupation-kg/id/> .
    @prefix okg: <https://w3id.org/occupation-kg/ontology#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    <observation/o1> okg:occupation <soc2018/11-3051> ; okg:industry <industry/all-industries> .
    <onet-soc2019/11-3051.00> okg:usesTechnology <onet-technology/sap> ;
        okg:hasTask <onet-task/39> ; okg:jobZone <onet-job-zone/4> .
    <onet-rating/r1> okg:ratedOccupation <onet-soc2019/11-3051.00> ;
        okg:ratedElement <onet-element/2.b.1.b> ; okg:ratingScale <onet-scale/im> ;
        okg:ratingCategory <onet-category/c1> .
    """
    g = Graph().parse(data=data, format="turtle")
    g += ontology
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    for concept in ("soc2018/11-3051", "onet-soc2019/11-3051.00", "onet-element/2.b.1.b",
                    "onet-job-zone/4", "onet-category/c1"):
        assert (ID[concept], RDF.type, OKG.Occupation) not in g, concept
        assert (ID[concept], RDF.type, SKOS.Concept) in g, concept
    assert (ID["observation/o1"], RDF.type, OKG.Observation) in g
    assert (ID["onet-technology/sap"], RDF.type, OKG.Technology) in g
    assert (ID["onet-task/39"], RDF.type, OKG.Duty) in g
    assert (ID["onet-rating/r1"], RDF.type, OKG.Rating) in g
    assert (ID["onet-scale/im"], RDF.type, OKG.RatingScale) in g


@needs_vocab
def test_external_terms_are_declared(ontology: Graph, shapes: Graph, vocab: dict) -> None:
    used = external_terms(ontology, shapes)
    assert used["https://schema.org/"], "expected schema.org terms in the ontology"
    undeclared = []
    for ns in EXTERNAL_VOCABS:
        declared = vocab[ns]
        undeclared += [t for t in sorted(used[ns]) if (t, RDF.type, None) not in declared]
    assert not undeclared, f"external terms not declared by their publisher: {undeclared}"


@needs_vocab
def test_the_mapping_graph_uses_declared_terms(vocab: dict) -> None:
    """Regression: the SSSOM mappings' comments were written as sssom:comment, which the SSSOM
    schema does not define (its comment slot is rdfs:comment)."""
    from kg.sources.sssom_mappings import load_mapping_sets, mapping_graph

    used = external_terms(mapping_graph(load_mapping_sets()))
    assert used["https://w3id.org/sssom/"]
    undeclared = [t for ns in EXTERNAL_VOCABS for t in sorted(used[ns])
                  if (t, RDF.type, None) not in vocab[ns]]
    assert not undeclared, f"terms not declared by their publisher: {undeclared}"


def test_each_mapping_set_is_described_in_the_graph() -> None:
    """Regression: the mapping rows named their set by sssom:mapping_set_id, but the graph said
    nothing about that IRI: its title, licence, creator and date were only in the TSV header
    (session 24's audit). Checked against each curated file's own header."""
    import yaml
    from rdflib.namespace import DCTERMS, XSD

    from kg.sources.sssom_mappings import PAV, SSSOM, load_mapping_sets, mapping_graph

    sets = load_mapping_sets()
    graph = mapping_graph(sets)
    assert len(sets) == 5
    for mapping_set in sets:
        header = yaml.safe_load("\n".join(line[1:] for line in
                                          mapping_set.path.read_text().splitlines()
                                          if line.startswith("#")))
        node = URIRef(header["mapping_set_id"])
        assert (node, RDF.type, SSSOM.MappingSet) in graph
        assert (node, DCTERMS.title, Literal(header["mapping_set_title"], lang="en")) in graph
        assert (node, DCTERMS.license, URIRef(header["license"])) in graph
        assert set(graph.objects(node, DCTERMS.creator)) == {
            URIRef(mapping_set.expand(c)) for c in header["creator_id"]}
        assert set(graph.objects(node, SSSOM.creator_label)) == {
            Literal(c) for c in header["creator_label"]}
        for creator_id, label in zip(header["creator_id"], header["creator_label"], strict=True):
            creator = URIRef(mapping_set.expand(creator_id))  # dereferenceable: described
            assert (creator, RDFS.label, Literal(label, lang="en")) in graph
            assert (creator, RDF.type, URIRef("http://www.w3.org/ns/prov#Agent")) in graph
        assert (node, PAV.authoredOn, Literal(str(header["mapping_date"]),
                                              datatype=XSD.date)) in graph
        assert (node, OWL.versionInfo, Literal(str(header["mapping_set_version"]))) in graph
        rows = set(graph.subjects(SSSOM.mapping_set_id, node))
        assert len(rows) == len(mapping_set.mappings)
        assert set(graph.objects(node, SSSOM.mappings)) == rows  # the schema's own link


@needs_vocab
def test_esco_terms_against_2014_extract(ontology: Graph, shapes: Graph, vocab: dict) -> None:
    used = external_terms(ontology, shapes)[ESCO_NS]
    missing = [t for t in sorted(used) if (t, RDF.type, None) not in vocab[ESCO_NS]]
    for term in missing:
        warnings.warn(
            f"{term} is not in the 2014 ESCO model extract; it may exist in the current model",
            stacklevel=1,
        )


def _superclasses(g: Graph, cls: URIRef) -> set:
    return set(g.transitive_objects(cls, RDFS.subClassOf))


@needs_vocab
def test_external_super_properties_fit_domain_and_range(ontology: Graph, vocab: dict) -> None:
    """An okg sub-property's domain (and object range) must fall under the parent's expectations."""
    combined = Graph()
    combined += ontology
    for g in vocab.values():
        combined += g
    problems = []
    for prop, parent in ontology.subject_objects(RDFS.subPropertyOf):
        if not prop.startswith(str(OKG)) or parent.startswith(str(OKG)):
            continue
        is_object = (prop, RDF.type, OWL.ObjectProperty) in ontology
        checks = [(RDFS.domain, (RDFS.domain, SCHEMA.domainIncludes))]
        if is_object:
            checks.append((RDFS.range, (RDFS.range, SCHEMA.rangeIncludes)))
        for own, theirs in checks:
            mine = ontology.value(prop, own)
            if mine is None or isinstance(mine, BNode):
                continue
            expected = {c for pred in theirs for c in combined.objects(parent, pred)}
            if expected and not (_superclasses(combined, mine) & expected):
                problems.append(f"{prop} {own}: {mine} is not under any of {sorted(expected)}")
    assert not problems, "\n".join(problems)


# --- OWL 2 DL: a DL reasoner (HermiT, through owlready2) loads the ontology ------------------

needs_java = pytest.mark.skipif(
    shutil.which("java") is None and os.environ.get("CI") != "true",
    reason="java is not installed (HermiT runs on the JVM)",
)


@needs_java
def test_hermit_loads_the_ontology_and_a_credential(tmp_path: Path) -> None:
    """Regression: okg:renewalFrequency had rdfs:range xsd:duration as a datatype property;
    xsd:duration is outside the OWL 2 datatype map, and HermiT refused the ontology
    ("HermiT supports all and only the datatypes of the OWL 2 datatype map")."""
    owlready2 = pytest.importorskip("owlready2")
    from kg.resources import ontology_files

    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    # The seed graph's own renewal triple (CPIM, "every 3 years") must load with it.
    graph.parse(data="""
        @prefix okg: <https://w3id.org/occupation-kg/ontology#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/occupation-kg/id/certification/cpim> a okg:Certification ;
            okg:renewalFrequency "P3Y"^^xsd:duration .
        """, format="turtle")
    nt = tmp_path / "ontology.nt"  # owlready2 reads RDF/XML, OWL/XML and N-Triples, not Turtle
    graph.serialize(nt, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(nt.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    assert (OKG.renewalFrequency, RDF.type, OWL.AnnotationProperty) in graph


# --- the pyLODE page ---------------------------------------------------------------------------


class _Page(HTMLParser):
    """The <title>, the <h1> texts and every element id of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.title = ""
        self.h1: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag in ("title", "h1"):
            self._in = tag
            if tag == "h1":
                self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1[-1] += data


def test_pylode_page_has_the_ontology_title_and_scheme_sections(dist: Path) -> None:
    """Regression: pyLODE merged the three concept schemes into the header
    ("Occupation Knowledge Graph Ontologyrequirement levelsstatistic kindsunits") and titled
    the page after the last one (<title>units</title>)."""
    html = (dist / "ontology" / "index.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert page.title == "Occupation Knowledge Graph Ontology"
    assert [h.strip() for h in page.h1] == ["Occupation Knowledge Graph Ontology"]
    assert len(page.ids) == len(set(page.ids)), "duplicate fragment ids"
    ontology = Graph().parse(dist / "ontology.ttl", format="turtle")
    schemes = sorted(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) >= 3
    start = html.index('id="conceptschemes"')
    for scheme in schemes:
        assert f'id="{scheme[len(OKG):]}"' in html[start:], scheme
        assert str(ontology.value(scheme, SKOS.prefLabel)) in html[start:], scheme


def test_every_okg_class_property_and_concept_has_its_local_name_as_anchor(dist: Path) -> None:
    """`.../ontology#Occupation` opened in a browser lands on the term's documentation."""
    page = _Page()
    page.feed((dist / "ontology" / "index.html").read_text(encoding="utf-8"))
    ontology = Graph().parse(dist / "ontology.ttl", format="turtle")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             SKOS.ConceptScheme, OWL.NamedIndividual)
    terms = {s for k in kinds for s in ontology.subjects(RDF.type, k) if s.startswith(OKG)}
    assert len(terms) > 100
    missing = sorted(t[len(OKG):] for t in terms if t[len(OKG):] not in page.ids)
    assert not missing, f"no anchor on the ontology page: {missing}"
