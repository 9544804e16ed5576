"""The site's search box (/search?q=): every entity with a preferred or alternative label, found
by a case-insensitive part of any of its labels. Before it a reader of the pages had no way to
find an occupation by name: the label-search stored query covers only entities with an okg
class (tasks, tools, the curated records), not the O*NET, SOC, ESCO or ISCO concepts, and a
scheme's page lists its first 300 members. Machines have the Reconciliation API (/reconcile),
which ranks by meaning as well; this is plain text matching, ordered so that a reader finds an
occupation first: whole label, then whole words, then parts of words; within each, occupations
before skills before everything else; within whole words, the preferred label's before another
label's first words before its other words; preferred labels before alternative ones.

The labels (about 270,000 on the full graph) are read from the store's default graph, the union
of the named graphs, on the first search, and held in memory; a search is a scan of them."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.reconcile.normalise import singular

if TYPE_CHECKING:
    from kg.serve.entities import EntityIndex

SKOS = "http://www.w3.org/2004/02/skos/core#"
OKG = "https://w3id.org/occupation-kg/ontology#"
ESCO_OCCUPATIONS = "http://data.europa.eu/esco/concept-scheme/occupations"
ESCO_SKILLS = "http://data.europa.eu/esco/concept-scheme/skills"
ISCO = "http://data.europa.eu/esco/concept-scheme/isco"
SOC_GROUP = re.compile(r"[0-9]{2}-[0-9]{3}0")  # broad, minor and major groups end in 0
SHORTEST = 2  # characters: one letter matches most of the graph
SHOWN = 50  # hits on one page
# The jobs an entity holds: its own employment figures or those of the SOC code it is an exact or
# close match of (the largest: the Employment Projections' employment counts the self-employed,
# OEWS's wage and salary employment does not, and OEWS has a few codes EP has not). Equal
# matches are ordered by it, so that "doctor", an alternative title of twelve O*NET-SOC
# occupations, lists the physicians most people are before Therapists, All Other (session 27's
# audit: the order was the codes').
_JOBS = """PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
SELECT ?entity (MAX(?jobs) AS ?most) WHERE {
  VALUES ?statistic { okg:employment okg:wageAndSalaryEmployment }
  { ?obs okg:statistic ?statistic ; okg:occupation ?entity ; sdmx-measure:obsValue ?jobs }
  UNION
  { ?obs okg:statistic ?statistic ; okg:occupation ?soc ; sdmx-measure:obsValue ?jobs .
    ?entity skos:exactMatch|skos:closeMatch ?soc }
} GROUP BY ?entity"""


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str  # the preferred label
    matched: str  # the label that matched, when it is another (an alternative title)
    code: str
    group: str  # the key of what it is: its concept scheme or class


@dataclass
class Found:
    hits: list[Hit] = field(default_factory=list)  # SHOWN of them, page `page`, best first
    total: int = 0  # entities that match, in the chosen group
    groups: list[tuple[str, str, int]] = field(default_factory=list)  # (key, name, count)
    page: int = 1
    pages: int = 1


class SiteSearch:
    """Built on first use from the served entity index's store (thread-safe)."""

    def __init__(self, index: EntityIndex, public_base: str):
        self.index, self.base = index, public_base
        self._lock = threading.Lock()
        self._labels: list[tuple[str, str, bool]] | None = None  # (lower label, IRI, preferred)
        self.group_of: dict[str, str] = {}
        self.code_of: dict[str, str] = {}
        self.group_names: dict[str, str] = {}
        self.preferred: dict[str, str] = {}  # IRI -> its preferred label, as matched
        self.jobs: dict[str, float] = {}  # IRI -> the employment it is ordered by (_JOBS)
        # occupations first, then skills and knowledge, then everything else
        self.rank_of = {
            OKG + "Occupation": 0, public_base + "scheme/onet-soc2019": 0,
            public_base + "scheme/soc2018": 1, ESCO_OCCUPATIONS: 1,
            ISCO: 2,
            public_base + "scheme/onet-soc2010": 2, public_base + "scheme/soc2010": 2,
            ESCO_SKILLS: 3, public_base + "scheme/onet-content-model": 3, OKG + "Skill": 3,
            OKG + "Knowledge": 3, OKG + "Competency": 3,
            # O*NET's Technology Skills: a skill, so that among skills the one named "Python"
            # comes before an ESCO skill also called so (session 28's skills audit; putting
            # names before other labels ahead of the kind put ESCO entries before the O*NET
            # occupation for 19 of 56 job words, the second audit)
            OKG + "Technology": 3,
        }

    def _build(self) -> list[tuple[str, str, bool]]:
        with self._lock:
            if self._labels is not None:
                return self._labels
            store, mapping = self.index.store.store, self.index.store.mapping
            labels: set[tuple[str, str, bool]] = set()
            shared: dict[str, str] = {}  # one string per IRI, not one per label (~25 MB)
            for name, preferred in (("prefLabel", True), ("altLabel", False)):
                quads = store.quads_for_pattern(None, ox.NamedNode(SKOS + name), None,
                                                ox.DefaultGraph())
                for q in mapping.quads(quads):
                    if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal) \
                            and q.object.language in (None, "", "en"):
                        iri = shared.setdefault(q.subject.value, q.subject.value)
                        # spaced as the query is: 1,521 ESCO labels hold a double or
                        # non-breaking space (the second audit: not found by their own names)
                        labels.add((" ".join(q.object.value.lower().split()), iri, preferred))
                        if preferred:
                            self.preferred[iri] = " ".join(q.object.value.lower().split())
            entities = {iri for _, iri, _ in labels}
            schemes: dict[str, list[str]] = {}
            for q in mapping.quads(store.quads_for_pattern(
                    None, ox.NamedNode(SKOS + "inScheme"), None, ox.DefaultGraph())):
                if q.subject.value in entities and isinstance(q.object, ox.NamedNode):
                    schemes.setdefault(q.subject.value, []).append(q.object.value)
            for q in mapping.quads(store.quads_for_pattern(
                    None, ox.NamedNode(SKOS + "notation"), None, ox.DefaultGraph())):
                if q.subject.value in entities and isinstance(q.object, ox.Literal):
                    known = self.code_of.get(q.subject.value)
                    self.code_of[q.subject.value] = min(known or q.object.value, q.object.value)
            for iri in entities:
                kinds = self.index.kinds.get(iri, [])
                # an ISCO-08 group is in ESCO's occupations scheme too: the narrower scheme
                found = sorted(schemes.get(iri, []), key=lambda s: (s != ISCO, self._rank(s), s))
                group = kinds[0] if kinds and kinds[0].startswith(OKG) else (
                    found[0] if found else (kinds[0] if kinds else ""))
                self.group_of[iri] = group
                if group not in self.group_names:
                    self.group_names[group] = (self.index.class_label(group) if group in kinds
                                               else self.index.label(group)) if group else "Other"
            for row in store.query(_JOBS):
                if isinstance(row["entity"], ox.NamedNode) and row["most"] is not None:
                    self.jobs[mapping.to_public(row["entity"].value)] = float(row["most"].value)
            self._labels = sorted(labels)  # one order whatever the store's
            return self._labels

    def _rank(self, group: str) -> int:
        return self.rank_of.get(group, 4)

    def search(self, text: str, group: str = "", page: int = 1) -> Found:
        """The entities with a label that holds `text` (case-insensitive), best first; only
        those of `group` (a key of Found.groups) when it is given; SHOWN a page."""
        needle = " ".join(text.lower().split())
        # The text as typed and with its words singular: a plural finds the singular titles
        # too (session 34's audit: "welders" found 40 entities and no ESCO occupation, "welder"
        # 74; "truck drivers" 12 against 34).
        # The singular only as whole words: "lens" is not "len" in "calendar" (session 34's
        # review: "lens" found what "len" finds, 653 entities).
        needles = list(dict.fromkeys([needle, " ".join(singular(w) for w in needle.split())]))
        either = "(?:" + "|".join(re.escape(n) for n in needles) + ")"
        labels = self._build()
        word = re.compile(r"\b" + re.escape(needle))
        # a plural counts as the word: "registered nurse" is the title "Registered Nurses"
        whole = re.compile(r"\b" + either + r"(?:s|es)?\b")
        best: dict[str, tuple[int, int, int, int, str]] = {}
        matched: dict[str, str] = {}
        # One substring test a label where the singular is part of the text as typed (a label
        # holding "welders" holds "welder"), two only where it is not ("secretaries").
        single = needles[-1]
        found = ((row for row in labels if single in row[0]) if single in needle else
                 (row for row in labels if single in row[0] or needle in row[0]))
        for lower, iri, preferred in found:
            if needle not in lower and not whole.search(lower):
                continue  # the singular inside another word
            # the whole label; whole words of the preferred label (Registered Nurses); whole
            # words of another label, its first words first (Microsoft Excel); then parts of
            # words (Excelsior Cutter), first at the start, then at a word's start, then
            # anywhere. Regression (session 29's audit): "nurses" listed Nursing Assistants
            # (also "Nurses' Aide") and Managers, All Other (also "Nurses' Association
            # Executive Director") before Registered Nurses, any label's first words counting
            # before the preferred label's other words.
            # Within whole words, which label holds them is ranked after the kind: the second
            # audit found "it support" giving the technology "SAIC government services and IT
            # support software" before Computer User Support Specialists (also "IT Support
            # Tech") when the preferred label's words counted first for every kind.
            start = lower.startswith(tuple(needles))
            tier, within = ((0, 0) if whole.fullmatch(lower) else
                            (1, 0 if preferred else 1 if start else 2) if whole.search(lower)
                            else (4, 0) if start else (5, 0) if word.search(lower) else (6, 0))
            key = (tier, within, 0 if preferred else 1, len(lower), lower)
            if iri not in best or key < best[iri]:
                best[iri], matched[iri] = key, lower
        if any(ch.isdigit() for ch in needle):  # a code: 15-1252, 29-1141.00, 2.a.1.e
            for iri, code in self.code_of.items():
                if code.lower() == needle or code.lower().startswith(needle):
                    key = (0 if code.lower() == needle else 1, 0, 0, len(code), code.lower())
                    if iri not in best or key < best[iri]:
                        best[iri], matched[iri] = key, self.preferred.get(iri, "")
        counts = Counter(self.group_of.get(iri, "") for iri in best)
        chosen = [iri for iri in best if not group or self.group_of.get(iri, "") == group]
        # Among equal matches, occupations before skills before the rest, then one whose
        # preferred label holds the text as words (Heavy and Tractor-Trailer Truck Drivers
        # before Freight Forwarders, whose alternative titles hold "Truck Driver" too), then
        # the occupation more people hold.
        # Regression (session 29's audit): the preferred label's words counted before the
        # kind, so "police officer" listed ESCO's, SOC's and ISCO's before O*NET's Police and
        # Sheriff's Patrol Officers (also "Police Officer").
        chosen.sort(key=lambda iri: (best[iri][0],
                                     self._rank(self.group_of.get(iri, "")),
                                     best[iri][1],
                                     0 if whole.search(self.preferred.get(iri, "")) else 1,
                                     # a SOC code's broad group (29-1140) after the code itself
                                     bool(SOC_GROUP.fullmatch(self.code_of.get(iri, ""))),
                                     best[iri][2], -self.jobs.get(iri, 0.0),
                                     best[iri][3:], iri))
        hits = []
        for iri in chosen[(page - 1) * SHOWN:page * SHOWN]:
            label = self.index.label(iri)
            same = matched[iri] == " ".join(label.lower().split())
            hits.append(Hit(iri, label, "" if same else self._original(iri, matched[iri]),
                            self.code_of.get(iri, ""), self.group_of.get(iri, "")))
        groups = sorted(((g, self.group_names.get(g, g), n) for g, n in counts.items()),
                        key=lambda g: (self._rank(g[0]), -g[2], g[1]))
        return Found(hits, len(chosen), groups, page, max(1, -(-len(chosen) // SHOWN)))

    def _original(self, iri: str, lower: str) -> str:
        """The matched label as the data writes it (the index keeps it lower-cased)."""
        node = ox.NamedNode(iri)
        for name in ("altLabel", "prefLabel"):
            for q in self.index.store.quads_for_pattern(node, ox.NamedNode(SKOS + name), None):
                if isinstance(q.object, ox.Literal) \
                        and " ".join(q.object.value.lower().split()) == lower:
                    return q.object.value
        return lower
