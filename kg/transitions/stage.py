"""The derived build stage: the top N career transitions of every O*NET-SOC occupation as
okg:CareerTransition nodes in their own named graph (graph/transitions), with the graph's
provenance (how computed, from which dataset editions).

ESCO occupations get no transitions of their own: they reach these through the ESCO-O*NET
crosswalk (esco occupation skos:closeMatch O*NET-SOC 2010, matched to O*NET-SOC 2019 by the
O*NET crosswalk), so the graph holds one ranking per O*NET occupation, not 3,000 near-copies
of it (the stored queries take an O*NET-SOC code).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.build.store import add_quads
from kg.prefixes import DCTERMS, OKG, PROV
from kg.publisher import LICENSE, PUBLISHER_PATH
from kg.transitions.profiles import Profiles, read_profiles
from kg.transitions.terms import COMPONENTS, KEPT_PER_SOURCE, PROPERTY

DEFAULT_LIMIT = KEPT_PER_SOURCE
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCAT_DATASET = NamedNode("http://www.w3.org/ns/dcat#Dataset")
METHOD = ("Every O*NET-SOC 2019 occupation scored against every other from this graph's own "
          "data: " + "; ".join(f"{k}: {v}" for k, v in COMPONENTS.items()) + ". Each "
          "component becomes two ranks, of the target among the source's targets and of the "
          "source among the target's, each scored log(n / rank) so that being near the top "
          "counts; the score is the logistic of their weighted sum and the job-zone distance "
          "(weights fitted on half of the occupations against O*NET Related Occupations, "
          "which the scorer never reads). Wage ratio: OEWS May 2024 annual median of the "
          "target over the source's, hourly where BLS publishes only hourly wages for one of "
          "them (SOC 2018 code, else its BLS aggregate, else its broad group, named on each "
          "transition); where OEWS top-codes a median ('#') the ratio is only a bound "
          "(okg:wageRatioAtLeast or okg:wageRatioAtMost), where it top-codes both it is "
          "unknown. Target outlook: EP 2024-34 employment change and annual openings, both of "
          "one SOC 2018 code.")


@dataclass
class Transition:
    source: str
    target: str
    rank: int
    score: float
    values: dict[str, float]  # component -> raw similarity (NaN: no data)
    job_zone_step: float  # NaN: a job zone is missing
    wage_ratio: float | None
    growth: float | None
    openings: float | None
    skills: tuple[str, ...]
    activities: tuple[str, ...]
    esco_skills: tuple[str, ...]
    # "AtLeast" / "AtMost" when one median is top-coded: wage_ratio is then only that bound
    wage_bound: str | None = None
    source_wage_soc: str | None = None  # the SOC 2018 codes whose figures are shown
    target_wage_soc: str | None = None
    target_outlook_soc: str | None = None


def wage_ratio(profiles: Profiles, source: str, target: str) -> tuple[float | None, str | None]:
    """The target's median over the source's, annual where both have one, else hourly where
    both have one (BLS publishes only an hourly wage for actors), and whether it is only a
    bound: a top-coded median ("#") is a lower bound, so over an exact one the ratio is at
    least the quotient, under one at most, and between two of them unknown."""
    wages = profiles.wage.get(source), profiles.wage.get(target)
    if wages[0] is None or wages[1] is None:
        return None, None
    for basis in ("annual", "hourly"):
        low, high = getattr(wages[0], basis), getattr(wages[1], basis)
        if low and high:
            top = [getattr(w, f"{basis}_top_coded") for w in wages]
            if all(top):
                return None, None
            return high / low, "AtMost" if top[0] else "AtLeast" if top[1] else None
    return None, None


def transitions(profiles: Profiles, limit: int = DEFAULT_LIMIT) -> list[Transition]:
    """The top `limit` transitions of every occupation, sources in code order."""
    codes = profiles.codes
    if len(codes) < 2:
        return []
    # numpy/scikit-learn only when there is something to score: a seed build does not pay
    from kg.transitions import components as comp
    from kg.transitions import score
    from kg.transitions.explain import Explainer

    values = comp.compute(profiles)
    scores = score.blend(score.features(values))
    explainer = Explainer(profiles)
    out: list[Transition] = []
    for ranked in score.top(scores, codes, limit):
        source, target = codes[ranked.source], codes[ranked.target]
        why = explainer.explain(source, target)
        ratio, bound = wage_ratio(profiles, source, target)
        outlook = profiles.openings.get(target) or profiles.growth.get(target)
        out.append(Transition(
            source, target, ranked.rank, ranked.score,
            {name: float(values[name][ranked.source, ranked.target]) for name in PROPERTY},
            float(values["jobZoneStep"][ranked.source, ranked.target]), ratio,
            (profiles.growth.get(target) or (None,))[0],
            (profiles.openings.get(target) or (None,))[0],
            why.skills, why.activities, why.esco_skills, bound,
            _soc_of(profiles, source) if ratio is not None else None,
            _soc_of(profiles, target) if ratio is not None else None,
            outlook[1] if outlook else None))
    return out


def _soc_of(profiles: Profiles, code: str) -> str | None:
    wage = profiles.wage.get(code)
    return wage.soc if wage else None


def _decimal(value: float, places: int = 4) -> Literal:
    text = f"{value:.{places}f}"
    return Literal("0." + "0" * places if text.startswith("-0.") and float(text) == 0 else text,
                   datatype=NamedNode(f"{XSD}decimal"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(f"{XSD}integer"))


def quads(items: list[Transition], profiles: Profiles, base: str) -> list[Quad]:
    graph = NamedNode(f"{base}graph/transitions")
    okg = str(OKG)
    occ = f"{base}onet-soc2019/"
    out: list[Quad] = []

    def add(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        out.append(Quad(s, NamedNode(p), o, graph))

    for t in items:
        node = NamedNode(f"{base}transition/{t.source}-to-{t.target}")
        add(node, str(RDF_TYPE.value), NamedNode(okg + "CareerTransition"))
        add(node, okg + "fromOccupation", NamedNode(occ + t.source))
        add(node, okg + "toOccupation", NamedNode(occ + t.target))
        add(node, okg + "transitionRank", _integer(t.rank))
        add(node, okg + "transitionScore", _decimal(t.score))
        for name, prop in PROPERTY.items():
            if not np.isnan(t.values[name]):
                add(node, okg + prop, _decimal(t.values[name]))
        if not np.isnan(t.job_zone_step):
            add(node, okg + "jobZoneStep", _integer(int(t.job_zone_step)))
        if t.wage_ratio is not None:
            add(node, okg + "wageRatio" + (t.wage_bound or ""), _decimal(t.wage_ratio, 3))
        for prop, soc in (("sourceWageOccupation", t.source_wage_soc),
                          ("targetWageOccupation", t.target_wage_soc),
                          ("targetOutlookOccupation", t.target_outlook_soc)):
            if soc is not None:
                add(node, okg + prop, NamedNode(f"{base}soc2018/{soc}"))
        if t.growth is not None:
            add(node, okg + "targetEmploymentChange", _decimal(t.growth, 1))
        if t.openings is not None:
            add(node, okg + "targetAnnualOpenings", _decimal(t.openings, 0))
        for slug in t.skills:
            add(node, okg + "sharedSkill", NamedNode(f"{base}onet-element/{slug}"))
        for dwa in t.activities:
            add(node, okg + "sharedActivity", NamedNode(f"{base}onet-dwa/{dwa.lower()}"))
        for skill in t.esco_skills:
            add(node, okg + "sharedEscoSkill", NamedNode(skill))
        add(node, str(PROV) + "wasDerivedFrom", NamedNode(f"{base}dataset/transitions"))
    if items:
        dataset = NamedNode(f"{base}dataset/transitions")
        add(dataset, str(RDF_TYPE.value), DCAT_DATASET)
        add(dataset, str(DCTERMS) + "title", Literal("Career transitions between O*NET-SOC "
                                                     "occupations", language="en"))
        add(dataset, str(DCTERMS) + "description", Literal(METHOD, language="en"))
        # computed by the build: the project publishes it, under the licence of its inputs
        add(dataset, str(DCTERMS) + "publisher", NamedNode(base + PUBLISHER_PATH))
        add(dataset, str(DCTERMS) + "license", NamedNode(LICENSE))
        for source in _sources(profiles, base):
            add(dataset, str(PROV) + "wasDerivedFrom", NamedNode(source))
    return out


def _sources(profiles: Profiles, base: str) -> list[str]:
    from kg.sources.importers import bls, esco, esco_onet, onet, onet_soc

    editions = [onet.IMPORTER, esco.IMPORTER, esco_onet.IMPORTER, onet_soc.IMPORTER, bls.OEWS,
                bls.PROJECTIONS]
    named = {i.dataset_iri(base) for i in editions}
    return sorted(named | set(profiles.sources))


def transition_quads(store: Store, base: str, limit: int = DEFAULT_LIMIT) -> list[Quad]:
    """The top `limit` transitions of every O*NET-SOC occupation as quads of graph/transitions
    (none when the store has no O*NET data). Reads only the sources (curated and imported
    graphs), so the build may run it in a worker process on a checkpoint (kg.build.derived)."""
    began = time.perf_counter()
    profiles = read_profiles(store, base)
    items = transitions(profiles, limit)
    added = quads(items, profiles, base)
    if items:
        print(f"kg build: transitions: {len(items):,} for {len(profiles.codes):,} occupations "
              f"in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return added


def add_transitions(store: Store, base: str, limit: int = DEFAULT_LIMIT) -> int:
    """Add the top `limit` transitions of every O*NET-SOC occupation to graph/transitions;
    return the number of quads added (0 when the store has no O*NET data)."""
    return add_quads(store, transition_quads(store, base, limit))
