"""Curated SSSOM mapping sets (kg/mappings/*.sssom.tsv): reading, checking, RDF,
suggestions.

The reader is small and strict (SSSOM 1.0 TSV: a `#`-prefixed YAML header, then a tab-separated
table). The tests also validate every set with sssom-py when it is installed.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from kg.errors import Location, SourceError
from kg.prefixes import DEFAULT_BASE, SKOS
from kg.resources import mappings_dir, sources_dir

MAPPINGS_DIR = mappings_dir()
SOURCES_DIR = sources_dir()
SSSOM = Namespace("https://w3id.org/sssom/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
# The SSSOM schema's RDF terms for mapping_set_title, license, creator_id and mapping_date.
DCTERMS = Namespace("http://purl.org/dc/terms/")
PAV = Namespace("http://purl.org/pav/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SEMAPV = "https://w3id.org/semapv/vocab/"

# The one CURIE map of the mapping sets; `okgid:` and the id/ prefixes follow --base.
CURIE_MAP: dict[str, str] = {
    "okgid": DEFAULT_BASE,
    "soc2018": DEFAULT_BASE + "soc2018/",
    "onetsoc": DEFAULT_BASE + "onet-soc2019/",
    "onet": DEFAULT_BASE + "onet-element/",
    "naics2022": DEFAULT_BASE + "naics2022/",
    "isco": "http://data.europa.eu/esco/isco/",
    "escoocc": "http://data.europa.eu/esco/occupation/",
    "escoskill": "http://data.europa.eu/esco/skill/",
    "skos": str(SKOS),
    "semapv": SEMAPV,
}
# Which importer holds the objects of each prefix (for the existence check).
PREFIX_IMPORTER = {
    "soc2018": "soc2018",
    "onetsoc": "onet-soc-2019",
    "onet": "onet",
    "isco": "isco08",
    "escoocc": "esco",
    "escoskill": "esco",
    "naics2022": "naics2022",
}
# A set's subjects: the curated records, or the concepts of an imported scheme (O*NET's
# knowledge areas to ESCO's: a bridge between two reference datasets).
SUBJECT_PREFIXES = {"okgid", *PREFIX_IMPORTER}
PREDICATES = {f"skos:{p}" for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                    "relatedMatch")}
JUSTIFICATIONS = {"semapv:ManualMappingCuration", "semapv:LexicalMatching"}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "confidence", "comment")
REQUIRED_META = ("curie_map", "mapping_set_id", "license", "creator_id", "mapping_date")
CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(\S+)$")


@dataclass(frozen=True)
class Mapping:
    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    confidence: float
    comment: str
    location: Location


@dataclass
class MappingSet:
    path: Path
    meta: dict[str, object]
    curie_map: dict[str, str]
    mappings: list[Mapping] = field(default_factory=list)

    def expand(self, curie: str, base: str = DEFAULT_BASE) -> str:
        return expand(curie, self.curie_map, base)


def expand(curie: str, curie_map: dict[str, str], base: str = DEFAULT_BASE) -> str:
    match = CURIE.match(curie)
    if not match or match[1] not in curie_map:
        raise KeyError(curie)
    namespace = curie_map[match[1]]
    if namespace.startswith(DEFAULT_BASE):
        namespace = base + namespace[len(DEFAULT_BASE):]
    return namespace + match[2]


def read_sssom(path: Path) -> MappingSet:
    """Parse and check one SSSOM TSV file; raise SourceError listing every problem."""
    problems: list[tuple[Location, str]] = []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = [line[1:] for line in lines if line.startswith("#")]
    first = len(header)
    if any(line.startswith("#") for line in lines[first:]):
        problems.append((Location(str(path)), "the # header must come before the table"))
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        raise SourceError([(Location(str(path), 1), f"bad YAML header: {exc}")]) from None
    for key in REQUIRED_META:
        if key not in meta:
            problems.append((Location(str(path), 1), f"header lacks {key}"))
    curie_map = {str(k): str(v) for k, v in (meta.get("curie_map") or {}).items()}
    result = MappingSet(path, meta, curie_map)
    reader = csv.reader(lines[first:], delimiter="\t", quoting=csv.QUOTE_NONE)
    columns = next(reader, [])
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        problems.append((Location(str(path), first + 1), f"table lacks column(s) {missing}"))
        raise SourceError(problems)
    for number, row in enumerate(reader, start=first + 2):
        where = Location(str(path), number)
        if len(row) != len(columns):
            problems.append((where, f"expected {len(columns)} columns, got {len(row)}"))
            continue
        cells = dict(zip(columns, row, strict=True))
        for col in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            match = CURIE.match(cells[col])
            if not match or match[1] not in curie_map:
                problems.append((where, f"{col} {cells[col]!r} is not a CURIE of the curie_map"))
        if cells["subject_id"].split(":", 1)[0] not in SUBJECT_PREFIXES:
            problems.append((where, "subject_id must be an okgid: identifier (a curated "
                                    "record) or one of an imported scheme "
                                    f"({', '.join(sorted(PREFIX_IMPORTER))}:)"))
        if cells["predicate_id"] not in PREDICATES:
            problems.append((where, f"predicate_id {cells['predicate_id']!r} not in "
                                    f"{sorted(PREDICATES)}"))
        if cells["mapping_justification"] not in JUSTIFICATIONS:
            problems.append((where, f"mapping_justification {cells['mapping_justification']!r} "
                                    f"not in {sorted(JUSTIFICATIONS)}"))
        try:
            confidence = float(cells["confidence"])
            if not 0.0 <= confidence <= 1.0:
                raise ValueError
        except ValueError:
            problems.append((where, f"confidence {cells['confidence']!r} is not in [0, 1]"))
            confidence = 0.0
        result.mappings.append(Mapping(**{c: cells[c] for c in COLUMNS if c != "confidence"},
                                       confidence=confidence, location=where))
    if problems:
        raise SourceError(problems)
    return result


def load_mapping_sets(folder: Path = MAPPINGS_DIR) -> list[MappingSet]:
    return [read_sssom(path) for path in sorted(folder.glob("*.sssom.tsv"))]


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def describe_mapping_set(graph: Graph, mapping_set: MappingSet, base: str = DEFAULT_BASE) -> None:
    """The set's own metadata, as the SSSOM schema maps its slots to RDF: who made the
    mappings, when, under which licence. The rows' nodes name the set by sssom:mapping_set_id;
    without this, a SPARQL user reached an IRI the graph said nothing about (the metadata was
    only in the TSV's header)."""
    meta = mapping_set.meta
    node = URIRef(str(meta["mapping_set_id"]))
    graph.add((node, RDF.type, SSSOM.MappingSet))
    if meta.get("mapping_set_title"):
        graph.add((node, DCTERMS.title, Literal(str(meta["mapping_set_title"]), lang="en")))
    if meta.get("mapping_set_description"):
        graph.add((node, DCTERMS.description,
                   Literal(str(meta["mapping_set_description"]), lang="en")))
    graph.add((node, DCTERMS.license, URIRef(str(meta["license"]))))
    creators = [URIRef(mapping_set.expand(c, base)) for c in _as_list(meta.get("creator_id"))]
    labels = _as_list(meta.get("creator_label"))
    for creator in creators:
        graph.add((node, DCTERMS.creator, creator))
    for label in labels:
        graph.add((node, SSSOM.creator_label, Literal(label)))
    if len(labels) == len(creators):  # SSSOM pairs them by position
        # The creator's IRI is under the data base: described here, it dereferences.
        for creator, label in zip(creators, labels, strict=True):
            graph.add((creator, RDF.type, PROV.Agent))
            graph.add((creator, RDFS.label, Literal(label, lang="en")))
    # mapping_date: when the mappings were asserted (YAML reads 2026-11-23 as a date)
    graph.add((node, PAV.authoredOn, Literal(str(meta["mapping_date"]), datatype=XSD.date)))
    if meta.get("mapping_set_version") is not None:
        graph.add((node, OWL.versionInfo, Literal(str(meta["mapping_set_version"]))))


def mapping_graph(sets: Iterable[MappingSet], base: str = DEFAULT_BASE) -> Graph:
    """skos:*Match triples plus one SSSOM mapping node per row (owl:annotatedSource/...), and
    each set's metadata."""
    graph = Graph()
    for mapping_set in sets:
        describe_mapping_set(graph, mapping_set, base)
        stem = mapping_set.path.name.removesuffix(".sssom.tsv")
        for m in mapping_set.mappings:
            s = URIRef(mapping_set.expand(m.subject_id, base))
            p = URIRef(mapping_set.expand(m.predicate_id, base))
            o = URIRef(mapping_set.expand(m.object_id, base))
            graph.add((s, p, o))
            digest = hashlib.sha1(f"{s} {p} {o}".encode()).hexdigest()[:16]
            node = URIRef(f"{base}mapping/{stem}-{digest}")
            graph.add((node, RDF.type, SSSOM.Mapping))
            graph.add((node, OWL.annotatedSource, s))
            graph.add((node, OWL.annotatedProperty, p))
            graph.add((node, OWL.annotatedTarget, o))
            graph.add((node, SSSOM.subject_label, Literal(m.subject_label, lang="en")))
            graph.add((node, SSSOM.object_label, Literal(m.object_label, lang="en")))
            graph.add((node, SSSOM.mapping_justification,
                       URIRef(mapping_set.expand(m.mapping_justification, base))))
            graph.add((node, SSSOM.confidence, Literal(repr(m.confidence),
                                                       datatype=XSD.double)))
            set_node = URIRef(str(mapping_set.meta["mapping_set_id"]))
            graph.add((node, SSSOM.mapping_set_id, set_node))
            graph.add((set_node, SSSOM.mappings, node))  # the schema's MappingSet -> Mapping
            if m.comment:
                # SSSOM maps its comment slot to rdfs:comment (sssom:comment is no term of it)
                graph.add((node, RDFS.comment, Literal(m.comment, lang="en")))
    return graph


# --- labels of both sides ---------------------------------------------------------------------

Labels = dict[str, tuple[str, list[str]]]  # IRI -> (preferred label, alternative labels)


def seed_labels(folder: Path = SOURCES_DIR, base: str = DEFAULT_BASE) -> Labels:
    """The curated records' labels, keyed by data IRI."""
    labels: Labels = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for record in data.get("records") or []:
            alts = [str(a["value"]) for a in record.get("alt_labels") or [] if "value" in a]
            labels[base + record["id"]] = (str(record["label"]), alts)
    return labels


def importer_labels(name: str, folder: Path, base: str = DEFAULT_BASE,
                    prefix: str | None = None, concepts_only: bool = False) -> Labels:
    """skos:prefLabel/altLabel of every subject an importer emits (streamed, nothing written);
    with `concepts_only`, of its concepts (subjects with a skos:inScheme) only, not of the
    publisher or dataset it also describes."""
    from kg.sources.importers import IMPORTERS
    from kg.sources.importers.base import Context

    pref, alt = str(SKOS.prefLabel), str(SKOS.altLabel)
    in_scheme = str(SKOS.inScheme)
    labels: dict[str, tuple[str, list[str]]] = {}
    alts: dict[str, list[str]] = defaultdict(list)
    concepts: set[str] = set()
    ctx = Context(base=base, name=name, progress=False)
    for s, p, o in IMPORTERS[name].triples(folder, ctx):
        if prefix is not None and not s.value.startswith(prefix):
            continue
        if p.value == pref:
            labels[s.value] = (o.value, alts[s.value])
        elif p.value == alt:
            alts[s.value].append(o.value)
        elif p.value == in_scheme:
            concepts.add(s.value)
    if concepts_only:
        return {s: found for s, found in labels.items() if s in concepts}
    return labels


def same_label(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).strip().casefold() == \
        unicodedata.normalize("NFC", b).strip().casefold()


def check_targets(sets: list[MappingSet], data_root: Path, base: str = DEFAULT_BASE
                  ) -> list[str]:
    """Problems: a subject not in the curated records (or, for an imported scheme's CURIE, not
    in the imported data), an object not in the imported data, or a label that differs from
    the one recorded there. `data_root` holds the dataset folders."""
    from kg.sources.importers import IMPORTERS

    problems: list[str] = []
    seeds = seed_labels(base=base)
    needed: dict[str, set[str]] = defaultdict(set)
    for mapping_set in sets:
        for m in mapping_set.mappings:
            for curie in (m.subject_id, m.object_id):
                needed[PREFIX_IMPORTER.get(curie.split(":", 1)[0], "?")].add(curie)
    data: dict[str, Labels] = {}
    for name in sorted(needed):
        if name == "?":
            continue
        importer = IMPORTERS[name]
        data[name] = importer_labels(name, data_root / importer.info.folder, base)
    for mapping_set in sets:
        for m in mapping_set.mappings:
            s = mapping_set.expand(m.subject_id, base)
            if m.subject_id.split(":", 1)[0] in PREFIX_IMPORTER:
                problems += _imported_end(m, "subject", m.subject_id, m.subject_label, s, data)
            elif s not in seeds:
                problems.append(f"{m.location}: subject {m.subject_id} is not a curated record")
            elif not same_label(seeds[s][0], m.subject_label):
                problems.append(f"{m.location}: subject_label {m.subject_label!r} != "
                                f"{seeds[s][0]!r}")
            if m.object_id.split(":", 1)[0] not in PREFIX_IMPORTER:
                problems.append(f"{m.location}: no importer holds {m.object_id}")
                continue
            problems += _imported_end(m, "object", m.object_id, m.object_label,
                                      mapping_set.expand(m.object_id, base), data)
    return problems


def _imported_end(m: Mapping, role: str, curie: str, label: str, iri: str,
                  data: dict[str, Labels]) -> list[str]:
    """Problems of one end of a mapping that an importer holds: absent, or another label."""
    name = PREFIX_IMPORTER[curie.split(":", 1)[0]]
    found = data[name].get(iri)
    if found is None:
        return [f"{m.location}: {role} {curie} is not in {name}"]
    if not same_label(found[0], label):
        return [f"{m.location}: {role}_label {label!r} != {found[0]!r} in {name}"]
    return []


# --- lexical suggestions --------------------------------------------------------------------

STOPWORDS = {"a", "an", "and", "the", "of", "to", "in", "for", "on", "with", "skill", "skills",
             "ability", "abilities"}


def tokens(label: str) -> frozenset[str]:
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text.replace("iz", "is"))
    out = set()
    for word in words:
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return frozenset(out)


@dataclass(frozen=True)
class Suggestion:
    subject_id: str
    subject_label: str
    object_id: str
    object_label: str
    predicate_id: str
    confidence: float
    comment: str


def suggest(subjects: Labels, objects: Labels, limit: int = 3,
            min_confidence: float = 0.5) -> list[Suggestion]:
    """Candidates by normalised label: equal token sets of preferred labels 0.9, of a preferred
    and an alternative label 0.8, else Jaccard overlap scaled to at most 0.7."""
    index: dict[str, set[tuple[str, str, bool]]] = defaultdict(set)
    for iri, (pref, alts) in objects.items():
        for label, is_pref in ((pref, True), *((a, False) for a in alts)):
            for token in tokens(label):
                index[token].add((iri, label, is_pref))
    out: list[Suggestion] = []
    for s_iri, (s_pref, s_alts) in sorted(subjects.items()):
        best: dict[str, tuple[float, str]] = {}
        for s_label, s_is_pref in ((s_pref, True), *((a, False) for a in s_alts)):
            s_tokens = tokens(s_label)
            candidates: set[tuple[str, str, bool]] = set()
            for token in s_tokens:
                candidates |= index.get(token, set())
            for o_iri, o_label, o_is_pref in candidates:
                if o_iri == s_iri:  # an entity is no mapping of itself
                    continue
                o_tokens = tokens(o_label)
                if s_tokens == o_tokens:
                    score = 0.9 if (s_is_pref and o_is_pref) else 0.8
                    why = f"normalised labels equal: {s_label!r} / {o_label!r}"
                else:
                    jaccard = len(s_tokens & o_tokens) / len(s_tokens | o_tokens)
                    score = round(0.7 * jaccard, 3)
                    why = f"token overlap {jaccard:.2f}: {s_label!r} / {o_label!r}"
                if score >= min_confidence and score > best.get(o_iri, (0.0, ""))[0]:
                    best[o_iri] = (score, why)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        for o_iri, (score, why) in ranked:
            out.append(Suggestion(s_iri, s_pref, o_iri, objects[o_iri][0],
                                  "skos:exactMatch" if score >= 0.8 else "skos:closeMatch",
                                  score, why))
    return out


def contract(iri: str, base: str = DEFAULT_BASE) -> str:
    """The CURIE of `iri` under the longest matching CURIE_MAP namespace (or <iri>)."""
    best = ""
    for prefix, namespace in CURIE_MAP.items():
        if namespace.startswith(DEFAULT_BASE):
            namespace = base + namespace[len(DEFAULT_BASE):]
        if iri.startswith(namespace) and len(namespace) > len(CURIE_MAP.get(best, "")):
            best = prefix
    if not best:
        raise KeyError(f"no CURIE prefix for {iri}")
    namespace = CURIE_MAP[best]
    if namespace.startswith(DEFAULT_BASE):
        namespace = base + namespace[len(DEFAULT_BASE):]
    return f"{best}:{iri[len(namespace):]}"


def suggestions_tsv(rows: list[Suggestion], set_id: str, date: str,
                    base: str = DEFAULT_BASE) -> Iterator[str]:
    """The suggestions as an SSSOM TSV document, line by line, for review."""
    yield "#curie_map:\n"
    for prefix, namespace in CURIE_MAP.items():
        yield f"#  {prefix}: {namespace}\n"
    yield f"#mapping_set_id: {set_id}\n"
    yield "#license: https://creativecommons.org/licenses/by/4.0/\n"
    yield "#creator_id:\n#  - okgid:organization/occupation-kg-curators\n"
    yield f"#mapping_date: {date}\n"
    yield "\t".join(COLUMNS) + "\n"
    for r in rows:
        cells = (contract(r.subject_id, base), r.subject_label, r.predicate_id,
                 contract(r.object_id, base), r.object_label.strip(), "semapv:LexicalMatching",
                 f"{r.confidence:.3g}", r.comment)
        yield "\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells) + "\n"
