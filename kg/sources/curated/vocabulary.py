"""What the ontology declares: the classes and properties a curated record may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from kg.prefixes import DCTERMS, OKG, SKOS, bind_prefixes
from kg.resources import ontology_files

# External properties a record may use directly, with the kind of value they take.
EXTERNAL_PROPERTIES: dict[str, tuple[URIRef, bool, URIRef | None]] = {
    # name: (IRI, is_object_property, literal datatype)
    "skos:broader": (SKOS.broader, True, None),
    "skos:related": (SKOS.related, True, None),
    "dcterms:description": (DCTERMS.description, False, RDF.langString),
}


@dataclass(frozen=True)
class PropertyInfo:
    iri: URIRef
    is_object: bool
    range: URIRef | None
    domain: URIRef | None = None


class OntologyIndex:
    """Lookup of okg classes and properties by local name."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.classes: set[str] = set()
        self.properties: dict[str, PropertyInfo] = {}
        for cls in graph.subjects(RDF.type, OWL.Class):
            if isinstance(cls, URIRef) and cls.startswith(OKG):
                self.classes.add(cls[len(OKG):])
        # okg:renewalFrequency is an annotation property (xsd:duration is outside OWL 2 DL);
        # records use it like a datatype property typed by its rdfs:range.
        for kind, is_object in ((OWL.ObjectProperty, True), (OWL.DatatypeProperty, False),
                                (OWL.AnnotationProperty, False)):
            for prop in graph.subjects(RDF.type, kind):
                if isinstance(prop, URIRef) and prop.startswith(OKG):
                    rng = graph.value(prop, RDFS.range)
                    dom = graph.value(prop, RDFS.domain)
                    # A union (blank node) domain or range is checked by SHACL, not here.
                    self.properties[prop[len(OKG):]] = PropertyInfo(
                        prop, is_object, rng if isinstance(rng, URIRef) else None,
                        dom if isinstance(dom, URIRef) else None,
                    )
        for name, (iri, is_object, datatype) in EXTERNAL_PROPERTIES.items():
            self.properties[name] = PropertyInfo(iri, is_object, datatype)
        self.individuals: set[str] = {
            str(s)[len(OKG):]
            for s in graph.subjects(RDF.type, OWL.NamedIndividual)
            if isinstance(s, URIRef) and s.startswith(OKG)
        }

    def types_of_individual(self, name: str) -> list[str]:
        return sorted(
            str(t)[len(OKG):] for t in self.graph.objects(OKG[name], RDF.type)
            if isinstance(t, URIRef) and t.startswith(OKG)
        )

    def is_subclass(self, name: str, ancestor: str) -> bool:
        """True when okg:`name` is okg:`ancestor` or below it in rdfs:subClassOf."""
        seen = {OKG[name]}
        frontier = [OKG[name]]
        while frontier:
            cls = frontier.pop()
            if cls == OKG[ancestor]:
                return True
            for parent in self.graph.objects(cls, RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        return False

    def individuals_of(self, class_name: str) -> set[str]:
        return {
            str(s)[len(OKG):]
            for s in self.graph.subjects(RDF.type, OKG[class_name])
            if isinstance(s, URIRef) and s.startswith(OKG)
        }


def load_ontology(paths: list[Path] | None = None) -> Graph:
    graph = bind_prefixes(Graph())
    for path in paths or ontology_files():
        graph.parse(path, format="turtle")
    return graph


NUMERIC_TYPES = {XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.nonNegativeInteger}
