"""HTML documentation of the ontology with pyLODE.

pyLODE 3.3.4's OntPub takes every skos:ConceptScheme in the file for the document it describes:
it merged the titles of okg:RequirementLevels, okg:StatisticKinds and okg:Units into the page
header ("Occupation Knowledge Graph Ontologyrequirement levelsstatistic kindsunits") and made
the last one the page <title>. `OkgOntPub` takes the title and metadata from the owl:Ontology
alone and lists the concept schemes, with their members, in a section of their own.

It also gives every okg term the fragment id of its local name (`#Occupation`,
`#renewalFrequency`), so the hash IRI `.../ontology#Occupation` opened in a browser lands on
its documentation (pyLODE would derive the ids from the labels: `#occupation`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kg.errors import KgError

OKG = "https://w3id.org/occupation-kg/ontology#"


def write_ontology_html(ontology_ttl: Path, destination: Path) -> None:
    """Run pyLODE (through kg.build.pylode_runner) in a child process with a fixed hash seed.

    pyLODE orders parts of its page by iterating Python sets: of strings, which a fixed hash
    seed makes stable, and of HTML elements, which the runner sorts. Both are needed for a
    byte-identical build.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "kg.build.pylode_runner", str(ontology_ttl), "-o", str(destination)],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0 or not destination.is_file():
        raise KgError(f"pyLODE failed on {ontology_ttl}: {done.stderr.strip()[-2000:]}")


def render(ontology_ttl: Path, destination: Path) -> None:
    """Write the page (called in the child process that kg.build.pylode_runner prepares)."""
    page_class()(str(ontology_ttl)).make_html(destination=destination)


def page_class() -> type:
    """OntPub with the fixes of the module docstring (pyLODE is imported only when needed)."""
    from collections import defaultdict

    from dominate import tags as h
    from pylode import OntPub
    from pylode.rdf_elements import ONT_PROPS
    from pylode.utils import prop_obj_pair_html
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

    qb_dsd = URIRef("http://purl.org/linked-data/cube#DataStructureDefinition")
    qb_component = URIRef("http://purl.org/linked-data/cube#component")
    qb_code_list = URIRef("http://purl.org/linked-data/cube#codeList")

    def label(graph: Any, iri: Any) -> str:
        for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
            values = sorted(str(v) for v in graph.objects(iri, prop) if isinstance(v, Literal))
            if values:
                return values[0]
        return str(iri).rsplit("#", 1)[-1]

    class OkgOntPub(OntPub):  # type: ignore[misc, valid-type]
        def __init__(self, ontology: Any, sort_subjects: bool = False):
            super().__init__(ontology, sort_subjects)
            titles = sorted(
                str(t) for s in self.ont.subjects(RDF.type, OWL.Ontology)
                for t in self.ont.objects(s, DCTERMS.title)
            )
            if titles:
                self.doc.title = titles[0]
            for term in sorted({s for s in self.ont.subjects() if isinstance(s, URIRef)}):
                if str(term).startswith(OKG) and len(term) > len(OKG):
                    self.fids[str(term)] = str(term)[len(OKG):]
            self.schemes = sorted(
                s for s in self.ont.subjects(RDF.type, SKOS.ConceptScheme)
                if isinstance(s, URIRef)
            )

        def _make_metadata(self) -> None:
            """pyLODE's metadata section, from the owl:Ontology only."""
            props: dict[Any, list[Any]] = defaultdict(list)
            iri = None
            for s_ in sorted(self.ont.subjects(RDF.type, OWL.Ontology)):
                iri = s_
                for p_, o in sorted(self.ont.predicate_objects(s_)):
                    if p_ in ONT_PROPS:
                        props[p_].append(o)
            sec = h.div(h.h1(" ".join(str(t) for t in props[DCTERMS.title])), id="metadata",
                      _class="section")
            sec.appendChild(h.h2("Metadata"))
            d = h.dl(h.div(h.dt(h.strong("IRI")), h.dd(h.code(str(iri)))))
            for prop in ONT_PROPS:
                if prop in props:
                    d.appendChild(prop_obj_pair_html(
                        self.ont, self.back_onts, self.ns, "dl", prop,
                        self.props_labeled[prop]["title"],
                        self.props_labeled[prop]["description"],
                        self.props_labeled[prop]["ont_title"],
                        self.fids, props[prop],
                    ))
            sec.appendChild(d)
            self.content.appendChild(sec)

        def _make_main_sections(self) -> None:
            super()._make_main_sections()
            self._make_structures()
            if not self.schemes:
                return
            sec = h.div(h.h2("Concept Schemes"), id="conceptschemes", _class="section")
            for scheme in self.schemes:
                members = sorted(
                    (label(self.ont, m), m) for m in self.ont.subjects(SKOS.inScheme, scheme)
                    if isinstance(m, URIRef)
                )
                items = h.ul()
                for name, member in members:
                    # Individuals get no section of their own in OntPub: give them an anchor.
                    items.appendChild(h.li(h.a(name, href=str(member)), " ", h.code(str(member)),
                                         id=self.fids.get(str(member), "")))
                rows = h.table(h.tr(h.th("IRI"), h.td(h.code(str(scheme)))))
                for definition in sorted(self.ont.objects(scheme, SKOS.definition)):
                    rows.appendChild(h.tr(h.th("Definition"), h.td(str(definition))))
                rows.appendChild(h.tr(h.th("Concepts"), h.td(items)))
                sec.appendChild(h.div(h.h3(label(self.ont, scheme)), rows,
                                    id=self.fids[str(scheme)], _class="entity"))
            self.content.appendChild(sec)

        def _make_structures(self) -> None:
            """The Data Cube structures (okg:occupationStatisticsStructure, every statistical
            dataset's qb:structure): OntPub gives an individual outside a concept scheme no
            anchor, so its IRI opened the page at its top (session 28's audit)."""
            structures = sorted(s for s in self.ont.subjects(RDF.type, qb_dsd)
                                if isinstance(s, URIRef) and str(s) in self.fids)
            if not structures:
                return
            sec = h.div(h.h2("Data structure definitions"), id="structures", _class="section")
            for structure in structures:
                rows = h.table(h.tr(h.th("IRI"), h.td(h.code(str(structure)))))
                for definition in sorted(self.ont.objects(structure, SKOS.definition)):
                    rows.appendChild(h.tr(h.th("Definition"), h.td(str(definition))))
                components = h.ul()
                for component in sorted(self.ont.objects(structure, qb_component)):
                    components.appendChild(h.li(h.code(str(component))))
                rows.appendChild(h.tr(h.th("Components"), h.td(components)))
                sec.appendChild(h.div(h.h3(label(self.ont, structure)), rows,
                                    id=self.fids[str(structure)], _class="entity"))
            # the dimensions' code lists (okg:ObservedOccupations), anchored the same way
            for code_list in sorted({c for c in self.ont.objects(None, qb_code_list)
                                     if isinstance(c, URIRef) and str(c) in self.fids}):
                rows = h.table(h.tr(h.th("IRI"), h.td(h.code(str(code_list)))))
                for definition in sorted(self.ont.objects(code_list, SKOS.definition)):
                    rows.appendChild(h.tr(h.th("Definition"), h.td(str(definition))))
                of = h.ul([h.li(h.code(str(d)))
                           for d in sorted(self.ont.subjects(qb_code_list, code_list))])
                rows.appendChild(h.tr(h.th("Code list of"), h.td(of)))
                sec.appendChild(h.div(h.h3(label(self.ont, code_list)), rows,
                                    id=self.fids[str(code_list)], _class="entity"))
            self.content.appendChild(sec)

        def _make_toc(self) -> None:
            super()._make_toc()
            if not self.schemes:
                return
            first = self.doc.body.get(id="toc")[0].get("ul", _class="first")[0]
            entry = h.li(h.h4(h.a("Concept Schemes", href="#conceptschemes")))
            entry.appendChild(h.ul(
                [h.li(h.a(label(self.ont, s), href="#" + self.fids[str(s)])) for s in self.schemes],
                _class="second",
            ))
            first.children.insert(len(first.children) - 2, entry)  # before Namespaces, Legend

    return OkgOntPub
