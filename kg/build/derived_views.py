"""Views derived by rule from the observations, for consumers of schema.org.

For each occupation, the cross-industry annual wage percentiles of the latest reference period
(the hourly ones where BLS gives no annual wages) become one schema:MonetaryAmountDistribution on
schema:estimatedSalary, and the occupation a
schema:Occupation where nothing says so yet. The observations stay
the record; this view only repeats their values. A derived stage of kg.build.derived: it reads
the build store (the union of its named graphs) and writes into graph/derived.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, Store
from rdflib import RDF, XSD

from kg.build.store import add_quads
from kg.prefixes import DCTERMS, OKG, PROV, SCHEMA, SDMX_DIMENSION, SDMX_MEASURE, SKOS
from kg.sources.curated.builder import WAGE_PERCENTILES
from kg.sources.importers.bls import TOTAL_CODE

_QUERY = f"""
SELECT ?occupation ?statistic ?value ?period ?end ?obs ?label WHERE {{
  ?obs a <{OKG.Observation}> ; <{OKG.occupation}> ?occupation ; <{OKG.statistic}> ?statistic ;
       <{OKG.industry}> ?industry ; <{SDMX_DIMENSION.refPeriod}> ?period ;
       <{SDMX_MEASURE.obsValue}> ?value .
  ?period <{OKG.endYear}> ?end .
  OPTIONAL {{ ?period <{SKOS.prefLabel}> ?label }}
  FILTER(STRENDS(STR(?industry), "/industry/all-industries"))
  FILTER NOT EXISTS {{ ?obs <{OKG.isLowerBound}> true }}  # an OEWS top code is no percentile
}}
"""


# The hourly wage percentiles, for the occupations BLS gives no annual wages
HOURLY_WAGE_PERCENTILES = {name.replace("annual", "hourly"): prop
                           for name, prop in WAGE_PERCENTILES.items()}


def _n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


def add_salary_distributions(store: Store, base: str) -> int:
    """Add the schema.org wage distributions to graph/derived (and the schema:Occupation type
    of what has one); return the quads added."""
    rows = store.query(_QUERY, use_default_graph_as_union=True)
    # occupation -> (end year, period) -> statistic -> (value, observation); labels by period
    table: dict[str, dict[tuple[int, str], dict[str, tuple[Literal, str]]]] = {}
    hourly: dict[str, dict[tuple[int, str], dict[str, tuple[Literal, str]]]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        statistic = row["statistic"].value
        name = statistic[len(str(OKG)):]
        if name not in WAGE_PERCENTILES and name not in HOURLY_WAGE_PERCENTILES:
            continue
        period = row["period"].value
        if row["label"] is not None:
            labels[period] = min(labels.get(period, row["label"].value), row["label"].value)
        key = (int(row["end"].value), period)
        (table if name in WAGE_PERCENTILES else hourly).setdefault(
            row["occupation"].value, {}).setdefault(key, {})[statistic] = (
            row["value"], row["obs"].value)
    # BLS gives a few occupations hourly wages only (Actors, 27-2011: every annual cell "*");
    # their distribution is hourly (schema:duration PT1H), which their pages embedded while
    # the graph had none (session 34's audit).
    table.update({o: periods for o, periods in hourly.items() if o not in table})
    graph = NamedNode(base + "graph/derived")
    quads: list[Quad] = []
    rdf_type, own_class = _n(RDF.type), _n(OKG.Occupation)
    for occupation, periods in sorted(table.items()):
        if occupation == f"{base}soc2018/{TOTAL_CODE}":
            continue  # all occupations together, BLS's national total, is no occupation
        (_, period), stats = max(periods.items())
        slug = occupation.rsplit("/", 1)[-1] + "-" + period.rsplit("/", 1)[-1]
        node = NamedNode(f"{base}salary-distribution/{slug}")
        per_hour = any(s[len(str(OKG)):] in HOURLY_WAGE_PERCENTILES for s in stats)
        name = (f"{'Hourly' if per_hour else 'Annual'} wage distribution, "
                f"{labels.get(period, 'None')}")
        subject = NamedNode(occupation)
        triples = []
        # What has a salary is a schema:Occupation to schema.org consumers, as the pages'
        # JSON-LD says: a SOC 2018 code with BLS figures is otherwise only a skos:Concept, and
        # `?o a schema:Occupation ; schema:estimatedSalary ?d` found 1 of 1,389 (session 25
        # audit). The project's own occupations are one already (okg:Occupation's superclass).
        if not any(store.quads_for_pattern(subject, rdf_type, own_class, None)):
            triples.append((subject, rdf_type, _n(SCHEMA.Occupation)))
        triples += [
            (subject, _n(SCHEMA.estimatedSalary), node),
            (node, _n(RDF.type), _n(SCHEMA.MonetaryAmountDistribution)),
            (node, _n(SCHEMA.name), Literal(name, language="en")),
            (node, _n(SCHEMA.currency), Literal("USD")),
            (node, _n(SCHEMA.duration),
             Literal("PT1H" if per_hour else "P1Y", datatype=_n(XSD.duration))),
            (node, _n(DCTERMS.temporal), NamedNode(period)),
        ]
        percentiles = HOURLY_WAGE_PERCENTILES if per_hour else WAGE_PERCENTILES
        for statistic, (value, obs) in sorted(stats.items()):
            triples.append((node, _n(percentiles[statistic[len(str(OKG)):]]), value))
            triples.append((node, _n(PROV.wasDerivedFrom), NamedNode(obs)))
        quads += [Quad(s, p, o, graph) for s, p, o in triples]
    return add_quads(store, quads)
