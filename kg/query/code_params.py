"""Which code and IRI parameters of a stored query name nothing in the graph: a note for an
empty answer. A well-formed code that no taxonomy holds (99-9999.00, or any code on a graph
built without the reference data), or an IRI that no triple mentions (a typo, another base),
otherwise answers with no rows, like an occupation without data.
"""

from __future__ import annotations

from collections.abc import Mapping

from kg.query.engines import Engine
from kg.query.param_binding import Param, escape_string, expand_prefixed

SKOS = "http://www.w3.org/2004/02/skos/core#"
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
    return notes
