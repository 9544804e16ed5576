"""Title normalisation: case, punctuation, plurals, abbreviations, gendered forms and British
spellings.

Two job titles that differ only in these ways ("Sr. Production Mgrs", "senior production
manager"; "Construction Labourers", "construction laborer") normalise to the same string, so
exact matches are found before any similarity. British spellings become American ones by
breame's word list (Apache-2.0, 1,730 words, from the Wikipedia lists of spelling
differences): O*NET writes American, ESCO British, and a UK user's "Labourer" scored 21.76
against 94.52 for "Laborer", "Anaesthetist" found nurse anesthetists by character n-grams
only (session 30's job-title audit).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

# Abbreviations seen in HR exports and job postings, to the word O*NET and ESCO spell out.
ABBREVIATIONS: dict[str, str] = {
    "mgr": "manager", "mngr": "manager", "mgmt": "management", "mgt": "management",
    "sr": "senior", "snr": "senior", "jr": "junior", "jnr": "junior",
    "asst": "assistant", "asst.": "assistant", "assoc": "associate", "admin": "administrator",
    "exec": "executive", "dir": "director", "eng": "engineer", "engr": "engineer",
    "tech": "technician", "techs": "technician", "spec": "specialist", "coord": "coordinator",
    "supv": "supervisor", "supvr": "supervisor", "rep": "representative",
    "reps": "representative", "dept": "department", "svc": "service", "svcs": "service",
    "ops": "operations", "op": "operator", "opr": "operator", "acct": "accountant",
    "hr": "human resources", "it": "information technology", "qa": "quality assurance",
    "qc": "quality control", "rn": "registered nurse", "lpn": "licensed practical nurse",
    "cna": "certified nursing assistant", "vp": "vice president", "ceo": "chief executive",
    "cfo": "chief financial officer", "cto": "chief technology officer", "dev": "developer",
    "prod": "production", "mfg": "manufacturing", "maint": "maintenance", "sw": "software",
    "hw": "hardware", "sys": "systems", "intl": "international",
    "natl": "national", "gen": "general", "govt": "government", "med": "medical",
}

# Gendered forms to the neutral word the taxonomies use.
GENDERED: dict[str, str] = {
    "chairman": "chairperson", "chairwoman": "chairperson", "chair": "chairperson",
    "salesman": "salesperson", "saleswoman": "salesperson", "salesmen": "salesperson",
    "saleswomen": "salesperson", "foreman": "supervisor", "forewoman": "supervisor",
    "foremen": "supervisor", "waitress": "server", "waiter": "server",
    "stewardess": "flight attendant", "steward": "flight attendant", "actress": "actor",
    "policeman": "police officer", "policewoman": "police officer", "fireman": "firefighter",
    "firewoman": "firefighter", "postman": "mail carrier", "mailman": "mail carrier",
    "cameraman": "camera operator", "camerawoman": "camera operator",
    "businessman": "businessperson", "businesswoman": "businessperson",
    "craftsman": "craftsperson", "craftswoman": "craftsperson", "repairman": "repairer",
    "handyman": "maintenance worker", "workman": "worker", "seamstress": "sewer",
    "headmaster": "principal", "headmistress": "principal",
    "landlady": "landlord", "hostess": "host", "barman": "bartender", "barmaid": "bartender",
}

# ESCO writes gendered pairs as "x/y" (e.g. "manager/manageress"); the slash is kept as a
# separator, so each form is a token and the feminine one maps through GENDERED or plurals.
_NON_WORD = re.compile(r"[^a-z0-9+#]+")
_SINGULAR_KEEP = {"sales", "business", "glass", "press", "process", "gas", "bus", "class",
                  "news", "analysis", "series", "species", "chassis", "boss", "logistics",
                  "mathematics", "economics", "physics", "statistics", "ethics", "athletics",
                  "operations", "services", "systems", "goods", "arts", "relations", "affairs",
                  "communications", "electronics", "graphics", "plastics", "textiles", "us"}


def singular(word: str) -> str:
    """A plural English noun to its singular (the usual suffix rules; no dictionary)."""
    if len(word) <= 3 or word in _SINGULAR_KEEP or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("men") and len(word) > 4:
        return word[:-3] + "man"
    if word.endswith("s"):
        return word[:-1]
    return word


def american(word: str) -> str:
    """A British spelling's American form ("labourer" -> "laborer"); other words as they are."""
    return BRITISH_ENGLISH_SPELLINGS.get(word, word)


def tokens(text: str) -> list[str]:
    """The normalised words of a title."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ")
    out: list[str] = []
    for raw in _NON_WORD.split(text):
        if not raw:
            continue
        word = ABBREVIATIONS.get(raw) or ABBREVIATIONS.get(singular(raw), raw)
        for part in word.split():
            part = american(part)  # a plural of the list ("programmes") before singular()
            part = singular(GENDERED.get(part, part))
            part = american(GENDERED.get(part, part))
            out.append(part)
    return out


@lru_cache(maxsize=1 << 16)  # labels and queries repeat (ESCO and O*NET share many titles)
def normalise(text: str) -> str:
    """A title in the form the index compares: normalised words joined by single spaces."""
    return " ".join(tokens(text))
