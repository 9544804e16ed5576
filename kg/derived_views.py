"""Views derived by rule from the observations, for consumers of schema.org.

For each occupation, the cross-industry annual wage percentiles of the latest reference period
become one schema:MonetaryAmountDistribution on schema:estimatedSalary. The observations stay
the record; this view only repeats their values.
"""

from __future__ import annotations

from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef

from kg.builder import WAGE_PERCENTILES
from kg.prefixes import DCTERMS, OKG, PROV, SCHEMA, SDMX_DIMENSION, SDMX_MEASURE, SKOS

_QUERY = """
SELECT ?occupation ?statistic ?value ?period ?end ?obs WHERE {
  ?obs a okg:Observation ; okg:occupation ?occupation ; okg:statistic ?statistic ;
       okg:industry ?industry ; sdmx-dimension:refPeriod ?period ;
       sdmx-measure:obsValue ?value .
  ?period okg:endYear ?end .
  FILTER(STRENDS(STR(?industry), "/industry/all-industries"))
}
"""


def salary_distributions(dataset: Dataset, base: str) -> Graph:
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    rows = union.query(_QUERY, initNs={
        "okg": OKG, "sdmx-dimension": SDMX_DIMENSION, "sdmx-measure": SDMX_MEASURE,
    })
    # occupation -> period -> statistic -> (value, observation)
    table: dict[URIRef, dict[tuple[int, URIRef], dict[URIRef, tuple[Literal, URIRef]]]] = {}
    for occupation, statistic, value, period, end, obs in rows:
        if str(statistic)[len(OKG):] in WAGE_PERCENTILES:
            key = (int(end), period)
            table.setdefault(occupation, {}).setdefault(key, {})[statistic] = (value, obs)
    out = Graph()
    for occupation, periods in sorted(table.items()):
        (_, period), stats = max(periods.items())
        slug = str(occupation).rsplit("/", 1)[-1] + "-" + str(period).rsplit("/", 1)[-1]
        node = URIRef(f"{base}salary-distribution/{slug}")
        label = union.value(period, SKOS.prefLabel)
        out.add((occupation, SCHEMA.estimatedSalary, node))
        out.add((node, RDF.type, SCHEMA.MonetaryAmountDistribution))
        out.add((node, SCHEMA.name, Literal(f"Annual wage distribution, {label}", lang="en")))
        out.add((node, SCHEMA.currency, Literal("USD")))
        out.add((node, SCHEMA.duration, Literal("P1Y", datatype=XSD.duration)))
        out.add((node, DCTERMS.temporal, period))
        for statistic, (value, obs) in sorted(stats.items()):
            out.add((node, WAGE_PERCENTILES[str(statistic)[len(OKG):]], value))
            out.add((node, PROV.wasDerivedFrom, obs))
    return out
