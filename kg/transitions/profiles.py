"""Read what career transitions are scored from out of a built pyoxigraph store: for every
O*NET-SOC 2019 occupation its titles, description and task statements, Skills/Knowledge and
Interests ratings, detailed work activities (through its tasks), ESCO skills (through the
ESCO-O*NET crosswalk and the O*NET-SOC 2010 -> 2019 crosswalk), job zone, OEWS median wage and
EP outlook. Never skos:related or any other relatedness data: that is the held-out truth.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.prefixes import DEFAULT_BASE, OKG, SKOS

ESCOM = "http://data.europa.eu/esco/model#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
QB = "http://purl.org/linked-data/cube#"
SKILL_SCALES = ("IM", "LV")
INTEREST_SCALE = "OI"
# Content-model branches read as "skills": 2.A basic skills, 2.B cross-functional skills,
# 2.C knowledge. Interests are 1.B.1.a-f (RIASEC).
SKILL_BRANCHES = ("2.a.", "2.b.", "2.c.")
INTEREST_BRANCH = "1.b.1."
ESSENTIAL, OPTIONAL = 1.0, 0.5  # weight of an ESCO skill in an occupation's skill vector


@dataclass(frozen=True)
class Wage:
    """The OEWS May 2024 medians of the SOC 2018 code whose figures stand for an occupation;
    BLS publishes only an hourly wage for some (actors, dancers: not year-round work) and
    only an annual one for others (teachers). A top-coded median ("#", okg:isLowerBound) is
    only a lower bound."""

    soc: str
    annual: float | None = None
    hourly: float | None = None
    annual_top_coded: bool = False
    hourly_top_coded: bool = False


@dataclass
class Profiles:
    """Everything the scorer needs, keyed by O*NET-SOC code (e.g. 11-3051.00)."""

    codes: list[str]
    titles: dict[str, str]
    text: dict[str, list[str]] = field(default_factory=dict)  # description + task statements
    names: dict[str, list[str]] = field(default_factory=dict)  # title + alternate titles
    ratings: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    element_names: dict[str, str] = field(default_factory=dict)  # element ID -> name
    dwas: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> DWA -> task count
    dwa_titles: dict[str, str] = field(default_factory=dict)  # DWA ID -> title
    esco: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> skill IRI -> w
    esco_labels: dict[str, str] = field(default_factory=dict)
    job_zone: dict[str, int] = field(default_factory=dict)
    wage: dict[str, Wage] = field(default_factory=dict)
    growth: dict[str, tuple[float, str]] = field(default_factory=dict)  # % change 2024-34
    openings: dict[str, tuple[float, str]] = field(default_factory=dict)  # per year
    sources: list[str] = field(default_factory=list)  # dataset IRIs the figures came from


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    prefixes = (f"PREFIX okg: <{OKG}> PREFIX skos: <{SKOS}> PREFIX esco: <{ESCOM}> "
                f"PREFIX sdmx-measure: <{SDMX_MEASURE}> PREFIX qb: <{QB}>\n")
    return list(store.query(prefixes + query, use_default_graph_as_union=True))


def _local(node: ox.NamedNode | ox.Literal, prefix: str) -> str:
    return node.value[len(prefix):]


def read_profiles(store: ox.Store, base: str = DEFAULT_BASE) -> Profiles:
    occ_prefix = f"{base}onet-soc2019/"
    element_prefix = f"{base}onet-element/"
    scheme = f"<{base}scheme/onet-soc2019>"
    titles: dict[str, str] = {}
    profiles = Profiles([], titles)
    for row in _rows(store, f"""
        SELECT ?o ?title ?def WHERE {{ ?o skos:inScheme {scheme} ; skos:prefLabel ?title .
          OPTIONAL {{ ?o skos:definition ?def }} }}"""):
        code = _local(row["o"], occ_prefix)
        titles.setdefault(code, row["title"].value)
        profiles.names.setdefault(code, [row["title"].value])
        if row["def"] is not None:
            profiles.text.setdefault(code, []).append(row["def"].value)
    profiles.codes = sorted(titles)
    for code in profiles.codes:  # one description however many graphs state it
        profiles.text[code] = sorted(set(profiles.text.get(code, [])))
    for row in _rows(store, f"""SELECT ?o ?alt WHERE {{ ?o skos:inScheme {scheme} ;
                                 skos:altLabel ?alt }}"""):
        profiles.names[_local(row["o"], occ_prefix)].append(row["alt"].value)
    for code in profiles.codes:
        profiles.names[code] = [profiles.names[code][0]] + sorted(set(profiles.names[code][1:]))
    tasked = _tasks(store, profiles, occ_prefix, base)
    _ratings(store, profiles, occ_prefix, element_prefix)
    _esco(store, profiles, occ_prefix, base)
    _job_zones(store, profiles, occ_prefix, base)
    _figures(store, profiles, base)
    # Only occupations O*NET describes (tasks or ratings): the 2019 taxonomy also lists codes
    # the database has no content for, which would only rank by their titles.
    profiles.codes = [c for c in profiles.codes if c in profiles.ratings or c in tasked]
    return profiles


def _tasks(store: ox.Store, profiles: Profiles, occ_prefix: str, base: str) -> set[str]:
    """Task statements and their DWAs; returns the codes that have tasks."""
    tasks: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, """SELECT ?o ?task ?text WHERE { ?o okg:hasTask ?task .
                               ?task skos:prefLabel ?text }"""):
        if row["o"].value.startswith(occ_prefix):
            code = _local(row["o"], occ_prefix)
            if code in profiles.titles:
                tasks[code].add(row["text"].value)
    for code, texts in tasks.items():
        profiles.text[code] = profiles.text.get(code, []) + sorted(texts)
    dwa_prefix = f"{base}onet-dwa/"
    for row in _rows(store, """SELECT ?o ?task ?dwa ?notation ?title WHERE {
            ?o okg:hasTask ?task . ?task okg:detailedWorkActivity ?dwa .
            ?dwa skos:notation ?notation ; skos:prefLabel ?title }"""):
        code = _local(row["o"], occ_prefix)
        if code not in profiles.titles or not row["dwa"].value.startswith(dwa_prefix):
            continue
        dwa = row["notation"].value
        profiles.dwa_titles[dwa] = row["title"].value
        counts = profiles.dwas.setdefault(code, {})
        counts[dwa] = counts.get(dwa, 0) + 1
    return set(tasks)


def _pattern(store: ox.Store, predicate: str, subject: ox.NamedNode | None = None,
             obj: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
    """Quads of every graph (the union the SPARQL queries see), by index: far faster than a
    SPARQL join over the 120,000 rating nodes."""
    return store.quads_for_pattern(subject, ox.NamedNode(predicate), obj)


def _ratings(store: ox.Store, profiles: Profiles, occ_prefix: str, element_prefix: str) -> None:
    """IM and LV ratings of Skills and Knowledge, OI of Interests (okg:Rating nodes)."""
    scale_prefix = element_prefix.replace("onet-element/", "onet-scale/")
    scale_of: dict[str, str] = {}
    for scale in (*SKILL_SCALES, INTEREST_SCALE):
        node = ox.NamedNode(scale_prefix + scale.lower())
        for quad in _pattern(store, f"{OKG}ratingScale", obj=node):
            scale_of[quad.subject.value] = scale
    occupation = {q.subject.value: q.object.value
                  for q in _pattern(store, f"{OKG}ratedOccupation")
                  if q.subject.value in scale_of}
    element = {q.subject.value: q.object.value for q in _pattern(store, f"{OKG}ratedElement")
               if q.subject.value in scale_of}
    for quad in _pattern(store, f"{OKG}ratingValue"):
        rating = quad.subject.value
        scale = scale_of.get(rating)
        if scale is None or rating not in occupation or rating not in element:
            continue
        code = occupation[rating][len(occ_prefix):]
        slug = element[rating][len(element_prefix):]
        branch = INTEREST_BRANCH if scale == INTEREST_SCALE else SKILL_BRANCHES
        if code in profiles.titles and slug.startswith(branch):
            profiles.ratings.setdefault(code, {})[(slug, scale)] = float(quad.object.value)
            profiles.element_names.setdefault(slug, "")
    for slug in profiles.element_names:
        for quad in _pattern(store, f"{SKOS}prefLabel", ox.NamedNode(element_prefix + slug)):
            profiles.element_names[slug] = quad.object.value


# Every SKOS match the O*NET 2010 -> 2019 crosswalk importer writes: 1:1 exact, shared
# close/broad, split narrow, many-to-many related (15-1132.00 and 15-1133.00 -> 15-1252.00).
MATCHES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"


def esco_occupations(store: ox.Store, codes: set[str], base: str) -> dict[str, set[str]]:
    """The ESCO occupations of each O*NET-SOC 2019 code in `codes`: those the Nesta crosswalk
    matches (skos:closeMatch) to an O*NET-SOC 2010 code, carried to 2019 by the O*NET 2010 ->
    2019 crosswalk (any of its SKOS matches)."""
    occ_prefix, old_prefix = f"{base}onet-soc2019/", f"{base}onet-soc2010/"
    to_2019: dict[str, set[str]] = defaultdict(set)
    for kind in MATCHES:
        for quad in _pattern(store, f"{SKOS}{kind}"):
            s, o = quad.subject.value, quad.object.value
            if s.startswith(old_prefix) and o.startswith(occ_prefix):
                to_2019[s].add(o[len(occ_prefix):])
    esco_of: dict[str, set[str]] = defaultdict(set)
    for quad in _pattern(store, f"{SKOS}closeMatch"):
        s, o = quad.subject.value, quad.object.value
        if s.startswith(ESCO_OCCUPATION) and o in to_2019:
            for code in to_2019[o]:
                if code in codes:
                    esco_of[code].add(s)
    return esco_of


def _esco(store: ox.Store, profiles: Profiles, occ_prefix: str, base: str) -> None:
    """ESCO skills of each occupation's ESCO occupations (esco_occupations), essential ones
    weighing more."""
    esco_of = esco_occupations(store, set(profiles.titles), base)
    skills_of: dict[str, dict[str, float]] = {}
    for occupation in sorted({e for es in esco_of.values() for e in es}):
        skills: dict[str, float] = {}
        for rel, weight in (("relatedOptionalSkill", OPTIONAL),
                            ("relatedEssentialSkill", ESSENTIAL)):
            for quad in _pattern(store, ESCOM + rel, ox.NamedNode(occupation)):
                skills[quad.object.value] = max(skills.get(quad.object.value, 0.0), weight)
        skills_of[occupation] = skills
    for code, occupations in esco_of.items():
        merged = profiles.esco.setdefault(code, {})
        for occupation in occupations:
            for skill, weight in skills_of[occupation].items():
                merged[skill] = max(merged.get(skill, 0.0), weight)
    for skill in sorted({s for m in profiles.esco.values() for s in m}):
        for quad in _pattern(store, f"{SKOS}prefLabel", ox.NamedNode(skill)):
            if getattr(quad.object, "language", None) == "en":
                profiles.esco_labels[skill] = quad.object.value


def _job_zones(store: ox.Store, profiles: Profiles, occ_prefix: str, base: str) -> None:
    zone_prefix = f"{base}onet-job-zone/"
    for row in _rows(store, "SELECT ?o ?z WHERE { ?o okg:jobZone ?z }"):
        if row["o"].value.startswith(occ_prefix) and row["z"].value.startswith(zone_prefix):
            code = _local(row["o"], occ_prefix)
            if code in profiles.titles:
                profiles.job_zone[code] = int(_local(row["z"], zone_prefix))


def _figures(store: ox.Store, profiles: Profiles, base: str) -> None:
    """OEWS May 2024 median wages and EP 2024-34 growth and openings of the SOC 2018
    code an O*NET-SOC code refines (11-3051.00 -> 11-3051). Where BLS publishes no figure for
    that code, the figure of the BLS aggregate that combines it (skos:narrowMatch), else of
    its SOC broad group (skos:broader), stands in; the SOC code used is kept (the transitions
    name it). The two outlook figures come from one code, the first that has either, so a
    growth and an openings figure never describe two different groups."""
    soc_prefix = f"{base}soc2018/"
    by_soc: dict[str, dict[str, float]] = defaultdict(dict)
    top_coded: set[tuple[str, str]] = set()  # (statistic, SOC code)
    datasets: set[str] = set()
    for row in _rows(store, """SELECT ?soc ?stat ?v ?ds ?low WHERE { ?obs okg:statistic ?stat ;
            okg:occupation ?soc ; sdmx-measure:obsValue ?v ; qb:dataSet ?ds .
            VALUES ?stat { okg:annualWageMedian okg:hourlyWageMedian
                           okg:projectedEmploymentChange okg:annualAverageOpenings }
            OPTIONAL { ?obs okg:isLowerBound ?low } }"""):
        if row["soc"].value.startswith(soc_prefix):
            stat, soc = _local(row["stat"], str(OKG)), _local(row["soc"], soc_prefix)
            by_soc[stat][soc] = float(row["v"].value)
            if row["low"] is not None and row["low"].value == "true":
                top_coded.add((stat, soc))
            datasets.add(row["ds"].value)
    profiles.sources = sorted(datasets)
    stand_in: dict[str, list[str]] = defaultdict(list)
    for row in _rows(store, f"""SELECT ?soc ?other WHERE {{
            {{ ?agg skos:narrowMatch ?soc . BIND(?agg AS ?other) }}
            UNION {{ ?soc skos:broader ?other . ?soc skos:inScheme <{base}scheme/soc2018> }} }}
            ORDER BY ?soc ?other"""):
        if row["soc"].value.startswith(soc_prefix) and row["other"].value.startswith(soc_prefix):
            stand_in[_local(row["soc"], soc_prefix)].append(_local(row["other"], soc_prefix))
    wages = ("annualWageMedian", "hourlyWageMedian")
    outlook = {"projectedEmploymentChange": profiles.growth,
               "annualAverageOpenings": profiles.openings}
    for code in profiles.codes:
        soc = code[:7]
        # the aggregate (its code does not end in 0) before the broad group (it does)
        chain = [soc] + sorted(stand_in.get(soc, []), key=lambda c: (c.endswith("0"), c))
        # an hourly-only code keeps its own hourly median: its broad group's annual one
        # describes other occupations (Actors' 27-2010 is mostly Producers and Directors)
        for candidate in chain:
            if any(candidate in by_soc[stat] for stat in wages):
                profiles.wage[code] = Wage(
                    candidate, by_soc["annualWageMedian"].get(candidate),
                    by_soc["hourlyWageMedian"].get(candidate),
                    ("annualWageMedian", candidate) in top_coded,
                    ("hourlyWageMedian", candidate) in top_coded)
                break
        for candidate in chain:
            if any(candidate in by_soc[stat] for stat in outlook):
                for stat, target in outlook.items():
                    if candidate in by_soc[stat]:
                        target[code] = (by_soc[stat][candidate], candidate)
                break
