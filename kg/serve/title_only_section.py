"""The note on the page of an O*NET-SOC occupation that O*NET describes by its titles alone (no
tasks, ratings, technologies or tools: in O*NET 29.3 the 77 "All Other" occupations and the 16
military ones), with the occupations under the same SOC 2018 code that O*NET does describe.
Without it such a page simply ends after its titles and wages, and a reader cannot tell a gap in
O*NET from a gap in this graph, nor find the specific occupations of that work. Read with
pattern lookups from the served store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.prefixes import OKG

SKOS = "http://www.w3.org/2004/02/skos/core#"
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
# O*NET's importer files each O*NET-SOC occupation under its SOC 2018 code with one of these.
SOC_MATCHES = [ox.NamedNode(SKOS + name)
               for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")]
# What O*NET says about an occupation it describes, beyond its titles; any one of them will do.
DESCRIBING = [ox.NamedNode(OKG + name) for name in ("hasTask", "usesTechnology", "usesTool")]
RATED_OCCUPATION = ox.NamedNode(OKG + "ratedOccupation")


@dataclass
class Coded:
    iri: str
    code: str
    label: str


@dataclass
class TitleOnly:
    soc: list[Coded] = field(default_factory=list)  # the SOC 2018 codes it is filed under
    described: list[Coded] = field(default_factory=list)  # O*NET's profiled ones under them


def _any(quads: object) -> bool:
    return next(iter(quads), None) is not None  # type: ignore[call-overload]


def _described(store: ox.Store, node: ox.NamedNode) -> bool:
    return (any(_any(store.quads_for_pattern(node, p, None, None)) for p in DESCRIBING)
            or _any(store.quads_for_pattern(None, RATED_OCCUPATION, node, None)))


def _coded(iri: str, labels: dict[str, str]) -> Coded:
    code = iri.rsplit("/", 1)[-1]
    return Coded(iri, code, labels.get(iri, code))


def read_title_only(store: ox.Store, iri: str, public_base: str,
                    labels: dict[str, str]) -> TitleOnly | None:
    """None unless `iri` is an O*NET-SOC 2019 occupation that O*NET describes by title alone."""
    node = ox.NamedNode(iri)
    scheme = ox.NamedNode(public_base + "scheme/onet-soc2019")
    if not _any(store.quads_for_pattern(node, IN_SCHEME, scheme, None)) \
            or _described(store, node):
        return None
    soc_base, onet_base = public_base + "soc2018/", public_base + "onet-soc2019/"
    soc = {q.object.value for p in SOC_MATCHES for q in store.quads_for_pattern(node, p, None, None)
           if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(soc_base)}
    siblings = {q.subject.value for code in soc for p in SOC_MATCHES
                for q in store.quads_for_pattern(None, p, ox.NamedNode(code), None)
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(onet_base)
                and q.subject.value != iri}
    described = [_coded(s, labels) for s in siblings if _described(store, ox.NamedNode(s))]
    return TitleOnly(sorted((_coded(s, labels) for s in soc), key=lambda c: c.code),
                     sorted(described, key=lambda c: c.code))
