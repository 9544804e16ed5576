"""SSSOM tables written from the graph: the set descriptions, CURIEs under the build's base,
and the writer (sssom-py), shared by kg.build.crosswalk_sets and kg.build.chained_matches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal

from kg.errors import KgError
from kg.prefixes import DEFAULT_BASE
from kg.publisher import PUBLISHER_NAME, PUBLISHER_PATH
from kg.sources.sssom_mappings import CURIE_MAP

SEMAPV = "https://w3id.org/semapv/vocab/"
MANUAL = SEMAPV + "ManualMappingCuration"
SIMILARITY_MEASURE = "cosine similarity"  # Nesta's semantic_similarity (its README)
MATCHES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
# The namespaces the crosswalks use beyond the curated sets' (kg/sources/sssom_mappings.py).
EXTRA_PREFIXES = {
    "soc2010": DEFAULT_BASE + "soc2010/",
    "onetsoc2010": DEFAULT_BASE + "onet-soc2010/",
}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "mapping_provider", "confidence", "similarity_score",
           "similarity_measure", "comment")


@dataclass(frozen=True)
class CrosswalkSet:
    """One named graph's mappings, published as one SSSOM file."""

    graph: str  # the named graph's IRI
    file_name: str  # under dist/mappings/
    title: str
    description: str
    license: str
    creator_label: str
    version: str | None
    provider: str | None  # mapping_provider of the rows without a mapping node


@dataclass(frozen=True)
class WrittenSet:
    """What the catalogue says of a written file (kg/build/void.py)."""

    name: str  # relative to dist/
    title: str
    license: str
    rows: int


def prefixes_for(base: str) -> dict[str, str]:
    """CURIE prefix -> namespace under this build's base (longest namespaces first)."""
    rebased = {}
    for prefix, namespace in {**CURIE_MAP, **EXTRA_PREFIXES}.items():
        if namespace.startswith(DEFAULT_BASE):
            namespace = base + namespace[len(DEFAULT_BASE):]
        rebased[prefix] = namespace
    return dict(sorted(rebased.items(), key=lambda item: -len(item[1])))


def compress_iri(iri: str, prefixes: dict[str, str], used: set[str], where: str) -> str:
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            used.add(prefix)
            return f"{prefix}:{iri[len(namespace):]}"
    raise KgError(f"{where}: no CURIE prefix for {iri} (add one to "
                  "kg/build/crosswalk_sets.py EXTRA_PREFIXES)")


def literal_text(term: object) -> str:
    return term.value if isinstance(term, Literal) else ""


def write_set(spec: CrosswalkSet, rows: list[dict[str, object]], used: set[str],
           prefixes: dict[str, str], folder: Path, base: str, site_root: str) -> WrittenSet:
    """One SSSOM TSV file with its header, written by sssom-py."""
    # Imported here: sssom-py pulls in pandas and linkml, which only a build with reference
    # data needs.
    import pandas as pd
    from curies import Converter
    from sssom.util import MappingSetDataFrame
    from sssom.writers import write_table

    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    frame = pd.DataFrame(rows, columns=columns)
    metadata: dict[str, object] = {
        "mapping_set_id": f"{site_root}mappings/{spec.file_name}",
        "mapping_set_title": spec.title,
        "mapping_set_description": spec.description,
        "license": spec.license,
        "creator_label": [spec.creator_label],
    }
    if spec.creator_label == PUBLISHER_NAME:
        metadata["creator_id"] = [compress_iri(base + PUBLISHER_PATH, prefixes, used,
                                            spec.file_name)]
    if spec.version:
        metadata["mapping_set_version"] = spec.version
    converter = Converter.from_prefix_map({p: prefixes[p] for p in sorted(used)})
    folder.mkdir(parents=True, exist_ok=True)
    write_table(MappingSetDataFrame.with_converter(converter, frame, metadata),
                folder / spec.file_name, condense=False)
    return WrittenSet(f"{folder.name}/{spec.file_name}", spec.title, spec.license, len(rows))
