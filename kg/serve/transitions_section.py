"""The "Where this occupation can lead" section of an O*NET-SOC occupation's page: its scored
career transitions (graph/transitions, written by kg.transitions.stage), each target with its
score, its wage and job-zone change in words, and the shared skills and work activities that
explain it, read by index from the served store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.prefixes import OKG
from kg.serve.education_section import typical_entry_education
from kg.transitions.shared_order import Importances, strongest_first
from kg.transitions.wording import activities_text, distinct_names, job_zone_text, wage_text

SHOWN = 10
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")


@dataclass
class Target:
    iri: str
    label: str
    rank: int
    score: float
    wage_ratio: str | None = None
    job_zone_step: str | None = None
    wage_at_least: str | None = None  # the bounds given where OEWS top-codes one median
    wage_at_most: str | None = None
    wage_stand_ins: str = ""  # "from 13-1020, to 13-1020": SOC codes whose medians stand in
    growth: str | None = None  # the target's projected employment change 2024-34, percent
    outlook_code: str | None = None  # the SOC code whose projection that is, when not its own
    skills: list[str] = field(default_factory=list)  # shared Skills/Knowledge elements
    activities: list[str] = field(default_factory=list)  # shared detailed work activities
    # the SOC 2018 code both occupations are filed under: a move to a specialty of the same
    # occupation or back from one, or between two occupations under an "All Other" code
    # (Registered Nurses' first three moves were its own specialties, listed like any move;
    # session 30's career-guidance audit)
    same_soc: str | None = None
    # BLS's typical education for entry into the target where it differs from this
    # occupation's (Registered Nurses -> Obstetricians read "1 job zone higher" only; the
    # audit: a move needing a doctoral or professional degree was shown like any other)
    entry_education: str | None = None

    @property
    def shared(self) -> list[str]:
        return self.skills + self.activities

    @property
    def wage_text(self) -> str | None:
        return wage_text(self.wage_ratio, self.wage_at_least, self.wage_at_most)

    @property
    def job_zone_text(self) -> str | None:
        return job_zone_text(self.job_zone_step)

    @property
    def activities_text(self) -> str:
        return activities_text(self.activities)


def _one(store: ox.Store, subject: ox.NamedNode, prop: str) -> ox.NamedNode | ox.Literal | None:
    for quad in store.quads_for_pattern(subject, ox.NamedNode(OKG + prop), None, None):
        return quad.object  # type: ignore[return-value]
    return None


def read_targets(store: ox.Store, iri: str, labels: dict[str, str],
                 shown: int = SHOWN, public_base: str | None = None) -> list[Target]:
    """The best `shown` moves from `iri`; with `public_base`, each with the target's typical
    entry education where it differs from this occupation's."""
    found: dict[str, Target] = {}
    source = ox.NamedNode(iri)
    importance = Importances(store)

    for quad in store.quads_for_pattern(None, ox.NamedNode(OKG + "fromOccupation"), source, None):
        node = quad.subject
        if not isinstance(node, ox.NamedNode) or node.value in found:
            continue
        target, rank, score = (_one(store, node, "toOccupation"),
                               _one(store, node, "transitionRank"),
                               _one(store, node, "transitionScore"))
        if target is None or rank is None or score is None or int(rank.value) > shown:
            continue
        wage, step = _one(store, node, "wageRatio"), _one(store, node, "jobZoneStep")
        row = Target(target.value, labels.get(target.value, target.value.rsplit("/", 1)[-1]),
                     int(rank.value), float(score.value), wage.value if wage else None,
                     step.value if step else None)
        # the codes whose medians stand in for either side, as `kg transitions` names them
        sides = []
        for side, prop, own in (("from", "sourceWageOccupation", iri),
                                ("to", "targetWageOccupation", target.value)):
            soc = _one(store, node, prop)
            stand_in = soc.value.rsplit("/", 1)[-1] if soc is not None else ""
            if stand_in and stand_in != own.rsplit("/", 1)[-1][:7]:
                sides.append(f"{side} {stand_in}")
        row.wage_stand_ins = ", ".join(sides)
        soc = iri.rsplit("/", 1)[-1][:7]
        row.same_soc = soc if target.value.rsplit("/", 1)[-1][:7] == soc else None
        # the target's outlook, as `kg transitions` gives it (the page had none: the audit)
        growth = _one(store, node, "targetEmploymentChange")
        row.growth = growth.value if growth is not None else None
        outlook = _one(store, node, "targetOutlookOccupation")
        code = outlook.value.rsplit("/", 1)[-1] if outlook is not None else None
        row.outlook_code = code if code and code != target.value.rsplit("/", 1)[-1][:7] else None
        for prop in ("wageRatioAtLeast", "wageRatioAtMost"):
            bound = _one(store, node, prop)
            if bound is not None:
                setattr(row, "wage_at_least" if prop.endswith("Least") else "wage_at_most",
                        bound.value)
        for prop, kept in (("sharedSkill", row.skills), ("sharedActivity", row.activities)):
            named: dict[str, tuple[str, str | None]] = {}  # by IRI: two skills, one label
            for shared in store.quads_for_pattern(node, ox.NamedNode(OKG + prop), None, None):
                label = labels.get(shared.object.value)
                if label and shared.object.value not in named:
                    code = next(store.quads_for_pattern(shared.object, NOTATION, None, None),
                                None)
                    named[shared.object.value] = (label, code.object.value if code else None)
            if prop == "sharedSkill" and len(named) > 1:  # as the build chose them
                order = strongest_first(named, importance(iri), importance(target.value))
                named = {e: named[e] for e in order}
            kept.extend(distinct_names(list(named.values())))
        found[node.value] = row
    if public_base is not None and found:
        own = typical_entry_education(store, iri, public_base, labels)
        for row in found.values():
            theirs = typical_entry_education(store, row.iri, public_base, labels)
            row.entry_education = theirs if theirs != own else None
    return sorted(found.values(), key=lambda t: (t.rank, t.iri))
