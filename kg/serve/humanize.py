"""Words and figures for people: property names, numbers, money, percents, durations.

The pages show RDF values; this module turns the raw forms (`obsValue`, `156100`, `P3Y`) into
what a reader expects (`value`, `156,100`, `every 3 years`). Nothing here touches the data.
"""

from __future__ import annotations

import calendar
import re
from decimal import Decimal, InvalidOperation

import isodate

XSD = "http://www.w3.org/2001/XMLSchema#"
OKG = "https://w3id.org/occupation-kg/ontology#"

# Properties from other vocabularies that the data uses directly; the published vocabularies
# label them for specialists ("Observation", "is in scheme"), these say it for readers.
EXTERNAL_LABELS = {
    "http://purl.org/linked-data/sdmx/2009/measure#obsValue": "value",
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "reference period",
    "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure": "unit of measure",
    "http://purl.org/linked-data/cube#dataSet": "data set",
    "http://purl.org/linked-data/cube#structure": "structure",
    "http://www.w3.org/2004/02/skos/core#notation": "code",
    "http://www.w3.org/2004/02/skos/core#inScheme": "in scheme",
    "http://www.w3.org/2004/02/skos/core#broader": "broader concept",
    "http://www.w3.org/2004/02/skos/core#narrower": "narrower concept",
    "http://www.w3.org/2004/02/skos/core#related": "related concept",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "exact match",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "close match",
    "http://www.w3.org/2004/02/skos/core#broadMatch": "broader match",
    "http://www.w3.org/2004/02/skos/core#narrowMatch": "narrower match",
    "http://www.w3.org/2004/02/skos/core#relatedMatch": "related match",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
    "http://www.w3.org/2004/02/skos/core#altLabel": "also known as",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    "http://www.w3.org/ns/dcat#startDate": "start date",
    "http://www.w3.org/ns/dcat#endDate": "end date",
    "http://purl.org/dc/terms/temporal": "period",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/description": "description",
    "http://purl.org/dc/terms/publisher": "publisher",
    "http://purl.org/dc/terms/creator": "creator",
    "http://purl.org/dc/terms/license": "license",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "is a",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject": "subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate": "property",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object": "value",
    "http://www.w3.org/2000/01/rdf-schema#comment": "comment",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": "see also",
    "http://rdfs.org/ns/void#sparqlEndpoint": "SPARQL endpoint",
    "http://rdfs.org/ns/void#uriSpace": "URI space",
    "http://rdfs.org/ns/void#dataDump": "data dump",
    "http://rdfs.org/ns/void#entities": "entities",
    "http://www.w3.org/ns/dcat#landingPage": "landing page",
    "http://xmlns.com/foaf/0.1/page": "documentation page",
    # Two vocabularies' "Dataset": an entity page's kinds said "Dataset" twice.
    "http://rdfs.org/ns/void#Dataset": "VoID dataset",
    "http://www.w3.org/ns/dcat#Dataset": "DCAT dataset",
}

# How the referring entity relates to this one, for properties without an owl:inverseOf:
# "Industrial production managers" has CPIM as its relevant credential, so CPIM's page says
# "relevant credential of: Industrial production managers".
INVERSE_LABELS = {
    OKG + "hasDuty": "duty of",
    OKG + "requiresCompetency": "required by",
    OKG + "usesMethodology": "used by",
    OKG + "usesTechnology": "used by",
    OKG + "coordinatesWith": "coordinated with by",
    OKG + "relevantCredential": "relevant credential of",
    OKG + "professionalAssociation": "professional association of",
    OKG + "employedInIndustry": "employs",
    OKG + "hasEducationRequirement": "education requirement of",
    OKG + "hasExperienceRequirement": "experience requirement of",
    OKG + "hasTrainingActivity": "training activity of",
    OKG + "hasWorkSetting": "work setting of",
    OKG + "hasWorkSchedule": "work schedule of",
    OKG + "requiresProtectiveEquipment": "required by",
    OKG + "hasWorkCondition": "work condition of",
    OKG + "reportsTo": "supervises",
    OKG + "offeredBy": "offers",
    OKG + "hasRequirement": "requirement of",
    OKG + "hasRenewal": "renewal requirement of",
    OKG + "certifiesMethodology": "certified by",
    OKG + "requiresExam": "required by",
    OKG + "examTopic": "topic of exam",
    OKG + "degree": "degree named in",
    OKG + "requirementLevel": "level of",
    OKG + "fieldOfStudy": "field of study in",
    OKG + "experienceIn": "experience in it required by",
    OKG + "hasTask": "task of",
    OKG + "jobZone": "job zone of",
    OKG + "unit": "unit of",
    OKG + "statistic": "statistic of",
    # The reified records of the imports, listed on the page of what they point to: "rated
    # occupation of" read as if the occupation rated something.
    OKG + "ratedOccupation": "ratings of it",
    OKG + "ratedElement": "ratings of it",
    OKG + "ratingScale": "ratings on this scale",
    OKG + "ratingCategory": "ratings in this category",
    OKG + "describedOccupation": "data collection details",
    OKG + "relatedFrom": "its related occupations (O*NET)",
    OKG + "relatedTo": "listed as related by (O*NET)",
    OKG + "relatednessTier": "related occupations in this tier",
    OKG + "fromOccupation": "career transitions from it",
    OKG + "toOccupation": "career transitions into it",
    OKG + "sharedActivity": "career transitions it helps explain",
    OKG + "sharedSkill": "career transitions it helps explain",
    OKG + "sharedEscoSkill": "career transitions it helps explain",
    OKG + "sourceWageOccupation": "career transitions whose source wage it gives",
    OKG + "targetWageOccupation": "career transitions whose target wage it gives",
    OKG + "targetOutlookOccupation": "career transitions whose target outlook it gives",
    OKG + "illustrativeOccupation": "interests it illustrates",
    OKG + "hasEmergingTask": "emerging task of",
    OKG + "revisesTask": "revised by emerging task",
    OKG + "usesTool": "used by",
    OKG + "inDemandTechnology": "in demand for",
    OKG + "task": "its work activity links",
    OKG + "activity": "task links to it",
    OKG + "detailedWorkActivity": "tasks that perform it",
    OKG + "linkedElement": "linked from",
    OKG + "anchorElement": "scale anchors",
    OKG + "anchorScale": "scale anchors",
    OKG + "categoryScale": "categories",
    OKG + "surveyElement": "survey items",
    OKG + "surveyScale": "survey items",
    OKG + "relatedWorkExperience": "occupations asking for it",
    OKG + "typicalEntryEducation": "occupations typically entered with it",
    OKG + "typicalOnTheJobTraining": "occupations with it as typical training",
    OKG + "sourceDocument": "taken from it",
    "http://purl.org/linked-data/cube#dataSet": "observations",
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "reference period of",
    "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure": "unit of",
    "http://www.w3.org/2004/02/skos/core#inScheme": "concepts",
    # the SKOS mapping properties are symmetric, or each other's inverse
    "http://www.w3.org/2004/02/skos/core#exactMatch": "exact match",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "close match",
    "http://www.w3.org/2004/02/skos/core#relatedMatch": "related match",
    "http://www.w3.org/2004/02/skos/core#broadMatch": "narrower match",
    "http://www.w3.org/2004/02/skos/core#narrowMatch": "broader match",
    "http://www.w3.org/2004/02/skos/core#broader": "narrower concepts",
    "http://www.w3.org/2004/02/skos/core#narrower": "broader concept",
    "http://www.w3.org/2004/02/skos/core#related": "related concepts",
    "http://www.w3.org/2004/02/skos/core#topConceptOf": "top concepts",  # "Top concept of of"
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": "top concept of",
    "http://www.w3.org/2004/02/skos/core#member": "member of",
    "http://data.europa.eu/esco/model#memberOfISCOGroup": "ESCO occupations in this group",
    "http://data.europa.eu/esco/model#relatedEssentialSkill": "essential for",
    "http://data.europa.eu/esco/model#relatedOptionalSkill": "optional for",
    "http://www.w3.org/2002/07/owl#annotatedSource": "mapping records from it",
    "http://www.w3.org/2002/07/owl#annotatedTarget": "mapping records to it",
    "http://www.w3.org/2000/01/rdf-schema#isDefinedBy": "terms it defines",
    "https://w3id.org/sssom/mappings": "in mapping set",
    "https://purl.org/ctdl/terms/offeredBy": "offers",
    "https://purl.org/ctdl/terms/requires": "required by",
    "https://schema.org/skills": "skill of",
    "https://schema.org/qualifications": "qualification of",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "source of",
    "https://schema.org/estimatedSalary": "estimated salary of",
}

UNIT_FORMATS = {  # okg:Unit -> how a value of that unit is written
    OKG + "USDollarsPerYear": "money",
    OKG + "Percent": "percent",
    OKG + "Jobs": "jobs",
    OKG + "JobOpeningsPerYear": "openings",
    OKG + "USDollarsPerHour": "hourly",  # BLS OEWS hourly wages (engineer E)
    OKG + "WorkersPerYear": "workers",
}
# Figures stated by a property rather than an observation's unit (a career transition's)
PROPERTY_UNITS = {
    OKG + "targetEmploymentChange": OKG + "Percent",
    OKG + "targetAnnualOpenings": OKG + "JobOpeningsPerYear",
    # the schema.org wage distributions the build derives (kg/build/derived_views.py) are
    # annual, in US dollars; session 29's audit: "Median 93,600", no dollar sign
    **{"https://schema.org/" + name: OKG + "USDollarsPerYear" for name in (
        "percentile10", "percentile25", "median", "percentile75", "percentile90")},
}
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger",
                                    "positiveInteger", "unsignedInt", "unsignedLong")}
_NUMBER_TYPES = _INTEGER_TYPES | {XSD + "decimal", XSD + "double", XSD + "float"}


def split_camel(name: str) -> str:
    """`obsValue` -> `obs value`, `hasSOCCode` -> `has SOC code` (a fallback label)."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name) or [name]
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def statistic_name(label: str) -> str:
    """`annual wage, median` -> `Median annual wage` (the ontology names measures noun-first)."""
    head, sep, tail = label.partition(", ")
    return capitalize(f"{tail} {head}" if sep else label)


def number(value: Decimal | str) -> str:
    """Thousands separators; decimals keep their digits (`156100` -> `156,100`)."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,f}"


def money(value: Decimal | str) -> str:
    return "$" + number(value)


def cents(value: Decimal | str) -> str:
    try:
        return f"${Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def percent(value: Decimal | str) -> str:
    return number(value) + "%"


def figure(value: Decimal | str, unit: str, approximate: bool = False) -> str:
    """A statistic with its unit: `$83,290`, `80%`, `about 156,100 jobs`."""
    kind = UNIT_FORMATS.get(unit)
    if kind == "money":
        text = money(value)
    elif kind == "percent":
        text = percent(value)
    elif kind == "jobs":
        text = f"{number(value)} jobs"
    elif kind == "openings":
        text = f"{number(value)} openings a year"
    elif kind == "hourly":  # in cents, as BLS writes them: "$23.80", not "$23.8"
        text = f"{cents(value)} an hour"
    elif kind == "workers":
        text = f"{number(value)} workers a year"
    else:
        text = number(value)
    return f"about {text}" if approximate else text


def duration(lexical: str, every: bool = False) -> str:
    """`P3Y` -> `3 years` (or `every 3 years`); an unreadable value is returned as given."""
    try:
        parsed = isodate.parse_duration(lexical)
    except (isodate.ISO8601Error, ValueError):
        return lexical
    parts: list[tuple[int | float, str]] = []
    years = getattr(parsed, "years", 0)
    months = getattr(parsed, "months", 0)
    delta = getattr(parsed, "tdelta", parsed)
    parts += [(years, "year"), (months, "month")]
    days = delta.days
    parts += [(days // 7, "week") if days % 7 == 0 and days else (days, "day")]
    seconds = delta.seconds
    parts += [(seconds // 3600, "hour"), (seconds % 3600 // 60, "minute")]
    words = [f"{n:g} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    if not words:
        return lexical
    text = " ".join(words)
    if every:
        # "every 1 year" reads badly: "every year"
        text = text[2:] if text.startswith("1 ") and len(words) == 1 else text
        return f"every {text}"
    return text


def literal(lexical: str, datatype: str | None, predicate: str = "") -> str:
    """A literal value as a reader wants it, given its datatype and the property it is of."""
    if datatype == XSD + "duration":
        return duration(lexical, every=predicate.endswith("Frequency"))
    if datatype == XSD + "boolean":
        return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(lexical, lexical)
    if datatype in _NUMBER_TYPES:
        name = re.split(r"[#/]", predicate)[-1]
        if name.endswith("Year") or name == "order":  # 2008 is a year, not 2,008
            return lexical
        if predicate in PROPERTY_UNITS:
            return figure(lexical, PROPERTY_UNITS[predicate])
        return number(lexical)
    if datatype == XSD + "gYearMonth":  # O*NET dates its rows by month: "November 2023"
        found = re.fullmatch(r"(\d{4})-(\d{2})", lexical)
        if found and 1 <= int(found[2]) <= 12:
            return f"{calendar.month_name[int(found[2])]} {found[1]}"
    return lexical
