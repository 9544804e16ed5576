"""Registry of download formats: the build's writers (kg.build.writers), the VoID description
and the CLI all read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    file_name: str
    media_type: str
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("turtle", "kg.ttl", "text/turtle",
               "All data graphs and the entailed alignment triples, merged"),
        Format("ntriples", "kg.nt", "application/n-triples",
               "The same triples as kg.ttl, one per line"),
        Format("trig", "kg.trig", "application/trig",
               "One named graph per source document, plus curation, ontology, derived and "
               "inferred graphs"),
        Format("jsonld", "kg.jsonld", "application/ld+json",
               "The same triples as kg.ttl as compact JSON-LD (context inlined; also in "
               "context.jsonld)"),
    )
}
