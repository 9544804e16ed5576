"""The type registry: which entities each reconciliation type covers and how their ids read.

Each type names a SPARQL pattern binding `?s` to its entities (by scheme or class, matched on
the IRI's ending so a store under any published base works) and whether the candidate id is the
entity's code (skos:notation) or its IRI. The registry feeds the manifest's defaultTypes, the
`kg reconcile --type` choices and the index.
"""

from __future__ import annotations

from dataclasses import dataclass

SKOS = "http://www.w3.org/2004/02/skos/core#"
OKG = "https://w3id.org/occupation-kg/ontology#"
ESCO = "http://data.europa.eu/esco/model#"


@dataclass(frozen=True)
class RType:
    key: str  # the type id in the API and on the command line
    name: str
    pattern: str  # SPARQL group graph pattern binding ?s
    id_is_code: bool  # the candidate id is the skos:notation (else the IRI)
    occupation: bool = False  # takes part in occupation crosswalk votes
    ids: str = ""  # how the ids read, for the manifest documentation


def _in_scheme(ending: str) -> str:
    return (f"?s <{SKOS}inScheme> ?scheme . "
            f'FILTER(STRENDS(STR(?scheme), "{ending}"))')


TYPES: dict[str, RType] = {t.key: t for t in (
    RType("onet-occupation", "O*NET-SOC 2019 occupation", _in_scheme("/scheme/onet-soc2019"),
          True, True, "O*NET-SOC code, e.g. 11-3051.00"),
    RType("soc2018", "SOC 2018 occupation", _in_scheme("/scheme/soc2018"), True, True,
          "SOC 2018 code, e.g. 11-3051"),
    RType("esco-occupation", "ESCO occupation", f"?s a <{ESCO}Occupation> .", False, True,
          "ESCO concept URI"),
    RType("isco08", "ISCO-08 group", _in_scheme("/esco/concept-scheme/isco"), True, True,
          "ISCO-08 code, e.g. 1321"),
    RType("esco-skill", "ESCO skill", f"?s a <{ESCO}Skill> .", False, False,
          "ESCO concept URI"),
    RType("onet-element", "O*NET element (skill, knowledge, ability, work activity)",
          _in_scheme("/scheme/onet-content-model"), True, False,
          "O*NET content model element ID, e.g. 2.A.1.a"),
    RType("credential", "Credential", f"?s a <{OKG}Credential> .", False, False,
          "occupation-kg IRI"),
    RType("occupation", "occupation-kg occupation", f"?s a <{OKG}Occupation> .", False, True,
          "occupation-kg IRI"),
)}

DEFAULT_TYPE = "onet-occupation"
