"""The schema.org salary of an occupation that BLS publishes under another code: an O*NET-SOC
occupation (or a curated one) gets schema:estimatedSalary to the latest wage distribution of
its own and of the SOC 2018 codes it is an exact or close match of; failing those, of its
broader SOC occupation (skos:broadMatch), of the BLS aggregate that combines it or its match
(skos:narrowMatch), or of its SOC group (skos:broader), in that order, as its page charts
them (kg.serve.entities.EntityIndex.matched_statistics).

Before, the pages' embedded schema.org JSON-LD gave such a salary while the graph had no such
statement: none of the 1,016 O*NET-SOC occupations had a schema:estimatedSalary, and the
curated occupation's page embedded May 2024's distribution of SOC 11-3051 where the graph held
only its own May 2021 one (session 34's audit: "a triple the server denies"). The pages now
embed what this stage states. A derived stage of kg.build.derived, after
kg.build.derived_views (whose distributions it links): it reads the union of the named graphs
and writes into graph/derived.
"""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad, Store

from kg.build.store import add_quads
from kg.prefixes import OKG, SCHEMA, SKOS

_DISTRIBUTIONS = f"""
SELECT ?occupation ?distribution ?start WHERE {{
  ?occupation <{SCHEMA.estimatedSalary}> ?distribution .
  ?distribution <http://purl.org/dc/terms/temporal> ?period .
  OPTIONAL {{ ?period <http://www.w3.org/ns/dcat#startDate> ?start }}
}}
"""
_HAS_FIGURES = f"SELECT DISTINCT ?occupation WHERE {{ ?obs <{OKG.occupation}> ?occupation }}"


def link_matched_salaries(store: Store, base: str) -> int:
    """Add schema:estimatedSalary from each O*NET-SOC 2019 and curated occupation to the
    distribution its page shows when that is another code's; return the quads added."""
    latest: dict[str, tuple[str, str]] = {}  # occupation -> its latest (period start, dist)
    for row in store.query(_DISTRIBUTIONS, use_default_graph_as_union=True):
        found = ("" if row["start"] is None else row["start"].value, row["distribution"].value)
        key = row["occupation"].value
        latest[key] = max(latest.get(key, found), found)
    with_figures = {row["occupation"].value for row in store.query(
        _HAS_FIGURES, use_default_graph_as_union=True)}
    soc = base + "soc2018/"

    def objects(subject: str, predicate: str) -> list[str]:
        return sorted({q.object.value for q in store.quads_for_pattern(
            NamedNode(subject), NamedNode(predicate), None, None)
            if isinstance(q.object, NamedNode)})

    def subjects(predicate: str, obj: str) -> list[str]:
        return sorted({q.subject.value for q in store.quads_for_pattern(
            None, NamedNode(predicate), NamedNode(obj), None)
            if isinstance(q.subject, NamedNode)})

    def chosen(occupation: str) -> str | None:
        """The distribution the occupation's page shows (None: none, or its own)."""
        matches = sorted(set(objects(occupation, SKOS.exactMatch)
                             + subjects(SKOS.exactMatch, occupation)
                             + objects(occupation, SKOS.closeMatch)
                             + subjects(SKOS.closeMatch, occupation)) - {occupation})
        # the latest; of two as recent, its own, then the first match by IRI
        views = [(latest[m][0], -n, m) for n, m in enumerate([occupation, *matches])
                 if m in latest and (n == 0 or m.startswith(soc))]
        if views:
            owner = max(views)[2]
            return None if owner == occupation else latest[owner][1]
        bare = [] if occupation in with_figures else [occupation]
        bare += [m for m in matches if m not in with_figures]
        broader = [m for m in objects(occupation, SKOS.broadMatch) if m != occupation]
        for match in broader:
            if match.startswith(soc) and match in latest:
                return latest[match][1]
        bare += [m for m in broader if m not in with_figures]
        for entity in bare:  # the aggregate that combines it, then its group
            for match in [*subjects(SKOS.narrowMatch, entity), *objects(entity, SKOS.broader)]:
                if match.startswith(soc) and match in latest:
                    return latest[match][1]
        return None

    occupations = {q.subject.value for q in store.quads_for_pattern(
        None, NamedNode(SKOS.inScheme), NamedNode(base + "scheme/onet-soc2019"), None)}
    occupations |= {q.subject.value for q in store.quads_for_pattern(
        None, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        NamedNode(OKG.Occupation), None)}
    graph = NamedNode(base + "graph/derived")
    quads = [Quad(NamedNode(o), NamedNode(SCHEMA.estimatedSalary), NamedNode(d), graph)
             for o in sorted(occupations) if (d := chosen(o)) is not None]
    return add_quads(store, quads)
