"""Which code and IRI parameters of a stored query name nothing in the graph: a note for an
empty answer. A well-formed code that no taxonomy holds (99-9999.00, or any code on a graph
built without the reference data), or an IRI that no triple mentions (a typo, another base),
otherwise answers with no rows, like an occupation without data.

A known O*NET-SOC code can still answer nothing because O*NET says little about that
occupation: 93 occupations of O*NET 29.3 have only titles (no tasks, ratings, technologies or
tools), 44 more have no Skills or Knowledge ratings (Legislators, 11-1031.00). The note names
which, so an empty onet-skill-gap reads as O*NET's gap, not this graph's.
"""

from __future__ import annotations

from collections.abc import Mapping

from kg.query.engines import Engine
from kg.query.param_binding import Param, escape_string, expand_prefixed

SKOS = "http://www.w3.org/2004/02/skos/core#"
OKG = "https://w3id.org/occupation-kg/ontology#"
# code type -> (scheme path under the data base, what to call it)
SCHEMES = {"onet_soc_code": ("scheme/onet-soc2019", "O*NET-SOC 2019 occupation"),
           "soc_code": ("scheme/soc2018", "SOC 2018 occupation")}


def unknown_codes(engine: Engine, params: tuple[Param, ...], values: Mapping[str, str],
                  cli: bool = True) -> list[str]:
    """A note for each code parameter whose value (or default) is no code of its scheme
    (`cli`: with the hint about `kg build --data`)."""
    notes = []
    for param in params:
        if param.type == "iri":
            iri = expand_prefixed((values.get(param.name) or param.default or "").strip())
            # Regression (session 27's audit): only codes were checked, so a mistyped IRI
            # answered as silently as a real occupation without the data.
            if iri and ">" not in iri and not engine.ask(
                    f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"):
                notes.append(f"nothing in this graph has the IRI <{iri}> (parameter "
                             f"{param.name!r})")
            continue
        if param.type not in SCHEMES:
            continue
        code = (values.get(param.name) or param.default or "").strip()
        scheme, kind = SCHEMES[param.type]
        # The scheme by the end of its IRI: the data base is the build's choice (--base).
        found = engine.ask(f"ASK {{ ?c <{SKOS}notation> {escape_string(code)} ; "
                           f"<{SKOS}inScheme> ?s . FILTER(STRENDS(STR(?s), \"/{scheme}\")) }}")
        if not found:
            hint = "; a graph built without --data holds none" if cli else ""
            notes.append(f"no {kind} has the code {code} in this graph (parameter "
                         f"{param.name!r}{hint})")
        elif param.type == "onet_soc_code":
            gap = _onet_gap(engine, code, param.name)
            if gap:
                notes.append(gap)
    return notes


def _onet_gap(engine: Engine, code: str, name: str) -> str | None:
    """What O*NET does not say about the O*NET-SOC occupation `code`, if it lacks skills and
    knowledge ratings; None when it has them."""
    occupation = (f"?c <{SKOS}notation> {escape_string(code)} ; <{SKOS}inScheme> ?s . "
                  f'FILTER(STRENDS(STR(?s), "/{SCHEMES["onet_soc_code"][0]}")) ')
    # Skills are elements 2.A and 2.B of O*NET's content model, Knowledge 2.C.
    if engine.ask(f"ASK {{ {occupation} ?r <{OKG}ratedOccupation> ?c ; "
                  f"<{OKG}ratedElement> ?e . ?e <{SKOS}notation> ?id . "
                  'FILTER(STRSTARTS(?id, "2.A.") || STRSTARTS(?id, "2.B.") '
                  '|| STRSTARTS(?id, "2.C.")) }'):
        return None
    described = engine.ask(
        f"ASK {{ {occupation} {{ ?r <{OKG}ratedOccupation> ?c }} "
        + "".join(f"UNION {{ ?c <{OKG}{p}> ?x }} "
                  for p in ("hasTask", "usesTechnology", "usesTool")) + "}")
    if not described:
        return (f"O*NET describes the O*NET-SOC occupation {code} by its titles alone: no "
                f"tasks, ratings, technologies or tools (parameter {name!r})")
    return (f"O*NET rates no skills or knowledge of the O*NET-SOC occupation {code}, so a "
            f"query over those ratings has nothing to compare (parameter {name!r})")
