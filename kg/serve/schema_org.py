"""schema.org JSON-LD for entity pages, generated from the graph (what search engines read).

An occupation becomes a schema:Occupation with its SOC (or O*NET-SOC) code as a CategoryCode,
the latest year's wage percentiles as a MonetaryAmountDistribution, its credentials, education
and experience requirements, skills and duties; a credential becomes an
EducationalOccupationalCredential recognised by the organisation that offers it; an organisation
an Organization. Imported occupations get what the graph has: an O*NET-SOC occupation its code,
task statements and the O*NET skills it rates important, a SOC code with BLS figures its wages.
Every term used is a schema.org 30.0 term whose domain and range fit (tests/test_schema_org.py
checks each page against the published vocabulary).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from kg.serve.entities import (
    OKG,
    SCHEMA,
    SDMX_DIM,
    SDMX_MEASURE,
    SKOS,
    EntityIndex,
    local_name,
)
from kg.serve.onet_profile import TASK_ORDER

ESCO_OCCUPATION = "http://data.europa.eu/esco/model#Occupation"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
# okg wage statistics -> the schema:QuantitativeValueDistribution property for each
PERCENTILES = {
    "annualWagePercentile10": "percentile10",
    "annualWagePercentile25": "percentile25",
    "annualWageMedian": "median",
    "annualWagePercentile75": "percentile75",
    "annualWagePercentile90": "percentile90",
}
# BLS gives some occupations hourly wages only (Actors, 27-2011: every annual cell "*").
HOURLY_PERCENTILES = {
    "hourlyWagePercentile10": "percentile10",
    "hourlyWagePercentile25": "percentile25",
    "hourlyWageMedian": "median",
    "hourlyWagePercentile75": "percentile75",
    "hourlyWagePercentile90": "percentile90",
}


IMPORTANT = Decimal(3)  # O*NET importance (IM) scale runs 1-5; 3 is its middle


def _number(lexical: str) -> int | float | str:
    try:
        d = Decimal(lexical)
    except InvalidOperation:
        return lexical
    return int(d) if d == d.to_integral_value() else float(d)


class SchemaOrg:
    """Builds the JSON-LD object of one entity page from the server's store."""

    def __init__(self, index: EntityIndex):
        self.index = index
        self.store = index.store
        public = index.mapping.public
        self.onet_scheme = public + "scheme/onet-soc2019"
        self.soc_scheme = public + "scheme/soc2018"

    # --- store access --------------------------------------------------------------------------

    def _objects(self, s: str, p: str) -> list[ox.NamedNode | ox.Literal]:
        return self.index._objects(ox.NamedNode(s), p)

    def _iris(self, s: str, p: str) -> list[str]:
        return sorted({o.value for o in self._objects(s, p) if isinstance(o, ox.NamedNode)})

    def _text(self, s: str, p: str) -> str | None:
        for o in self._objects(s, p):
            if isinstance(o, ox.Literal) and o.language in ("", "en"):
                return o.value
        return None

    def _is(self, iri: str, schema_class: str) -> bool:
        for cls in self.index.kinds.get(iri, []):
            if cls == schema_class or schema_class in self.index._ancestors(cls):
                return True
        return False

    def _named(self, iri: str, type_: str, **extra: Any) -> dict[str, Any]:
        node: dict[str, Any] = {"@type": type_, "@id": iri, "name": self.index.label(iri)}
        node.update({k: v for k, v in extra.items() if v not in (None, [], "")})
        return node

    # --- what a page gets ----------------------------------------------------------------------

    def kind(self, iri: str) -> str | None:
        if self._is(iri, SCHEMA + "Occupation") or ESCO_OCCUPATION in self.index.kinds.get(
            iri, []
        ):
            return "Occupation"
        schemes = set(self._iris(iri, SKOS + "inScheme"))
        if self.onet_scheme in schemes:  # imported O*NET-SOC occupations
            return "Occupation"
        if self.soc_scheme in schemes and self._wage_observations(iri):  # BLS figures of a code
            return "Occupation"
        if self._is(iri, SCHEMA + "EducationalOccupationalCredential"):
            return "EducationalOccupationalCredential"
        if self._is(iri, SCHEMA + "Organization"):
            return "Organization"
        return None

    def node(self, iri: str) -> dict[str, Any] | None:
        kind = self.kind(iri)
        if kind is None:
            return None
        build = {
            "Occupation": self.occupation,
            "EducationalOccupationalCredential": self.credential,
            "Organization": self.organization,
        }[kind]
        return {"@context": "https://schema.org", **build(iri)}

    def script(self, iri: str) -> str:
        """The JSON text for a `<script type="application/ld+json">` (or "" for none)."""
        node = self.node(iri)
        if node is None:
            return ""
        text = json.dumps(node, indent=1, ensure_ascii=False, sort_keys=False)
        return text.replace("</", "<\\/")  # cannot close the script element

    def _common(self, iri: str) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": iri, "name": self.index.label(iri)}
        description = self._text(iri, SKOS + "definition") or self._text(
            iri, DCTERMS + "description")
        if description:
            out["description"] = description
        alt = sorted({o.value for o in self._objects(iri, SKOS + "altLabel")
                      if isinstance(o, ox.Literal)})
        if alt:
            out["alternateName"] = alt
        return out

    def occupation(self, iri: str) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": "Occupation", **self._common(iri)}
        category = self._category(iri)
        if category:
            out["occupationalCategory"] = category
        salary = self._salary(iri)
        if salary:
            out["estimatedSalary"] = salary
        credentials = [
            self._credential_node(c) for c in self._iris(iri, OKG + "relevantCredential")
        ]
        if credentials:
            out["qualifications"] = credentials
        education = []
        for req in self._iris(iri, OKG + "hasEducationRequirement"):
            for degree in self._iris(req, OKG + "degree"):
                # One node per requirement, the degree's page as its url. Regression (session
                # 29's audit): with the degree's IRI as @id, the 17 requirements were 5 nodes,
                # the bachelor's degree with six descriptions ("preferred", "alternative", ...)
                # that no longer said which requirement each qualifies.
                node = self._credential_node(degree, description=self.index.label(req))
                node["url"] = node.pop("@id")
                if node not in education:
                    education.append(node)
        if education:
            out["educationRequirements"] = education
        experience = []
        for req in self._iris(iri, OKG + "hasExperienceRequirement"):
            years = next((o.value for o in self._objects(req, OKG + "yearsOfExperience")), None)
            months = _number(str(Decimal(years) * 12)) if years is not None else None
            experience.append(self._named(req, "OccupationalExperienceRequirements",
                                          monthsOfExperience=months))
        if experience:
            out["experienceRequirements"] = experience
        skills = sorted((
            self._named(c, "DefinedTerm") for c in self._iris(iri, OKG + "requiresCompetency")
        ), key=lambda n: n["name"].lower()) + self._onet_skills(iri)
        if skills:
            out["skills"] = skills
        duties = self._iris(iri, OKG + "hasDuty") + self._iris(iri, OKG + "hasTask")
        if duties:
            # O*NET's core tasks first, as the page lists them. Regression (session 29's
            # audit): A-Z put a supplemental task first (Registered Nurses' "Administer local,
            # inhalation, intravenous, or other anesthetics.").
            order = {self.index.label(d): (TASK_ORDER.get(next(
                (o.value for o in self._objects(d, OKG + "taskCategory")), ""), 1),
                self.index.label(d)) for d in duties}
            out["responsibilities"] = sorted(order, key=lambda label: order[label])
        return out

    def credential(self, iri: str) -> dict[str, Any]:
        node = self._credential_node(iri)
        node.update({k: v for k, v in self._common(iri).items() if k not in node})
        return node

    def organization(self, iri: str) -> dict[str, Any]:
        return {"@type": "Organization", **self._common(iri)}

    # --- parts -----------------------------------------------------------------------------------

    def _credential_node(self, iri: str, description: str | None = None) -> dict[str, Any]:
        kinds = self.index.kinds.get(iri, [])
        category = self.index.class_label(kinds[0]) if kinds else None
        issuers = [self._named(o, "Organization") for o in self._iris(iri, OKG + "offeredBy")]
        renewal = next((o.value for o in self._objects(iri, OKG + "renewalFrequency")), None)
        return self._named(
            iri, "EducationalOccupationalCredential", description=description,
            credentialCategory=category, recognizedBy=issuers, validFor=renewal,
        )

    def _onet_skills(self, iri: str) -> list[dict[str, Any]]:
        """The O*NET skills (content model 2.A basic, 2.B cross-functional) an O*NET-SOC
        occupation rates important: importance (scale IM, 1 to 5) of at least 3, most important
        first."""
        rated: list[tuple[Decimal, str, str]] = []
        node = ox.NamedNode(iri)
        for q in self.store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedOccupation"), node,
                                              None):
            rating = q.subject.value
            scales = self._iris(rating, OKG + "ratingScale")
            if not any(scale.endswith("/onet-scale/im") for scale in scales):
                continue
            element = next(iter(self._iris(rating, OKG + "ratedElement")), None)
            value = next((o.value for o in self._objects(rating, OKG + "ratingValue")), None)
            code = next((o.value for o in self._objects(element, SKOS + "notation")), "") if (
                element) else ""
            if element is None or value is None or not code.startswith(("2.A.", "2.B.")):
                continue
            if Decimal(value) >= IMPORTANT:
                rated.append((Decimal(value), code, element))
        out = []
        for _, code, element in sorted(rated, key=lambda r: (-r[0], r[1])):
            scheme = next(iter(self._iris(element, SKOS + "inScheme")), None)
            term_set = {"@type": "DefinedTermSet", "@id": scheme,
                        "name": self.index.label(scheme)} if scheme else None
            out.append(self._named(element, "DefinedTerm", termCode=code,
                                   inDefinedTermSet=term_set))
        return out

    def _category(self, iri: str) -> dict[str, Any] | None:
        """The entity's own code when it is a concept of an occupation scheme (an O*NET-SOC
        code, as Google's job-posting guide asks of occupationalCategory; a SOC code), else the
        code of the SOC 2018 concept it matches, else its curated okg:socCode. Regression
        (session 27's audit): O*NET-SOC occupations with an exact SOC match gave the SOC code,
        those with a close match their own."""
        codes = [iri, *self._soc_matches(iri)]
        for concept in codes:
            code = next((o.value for o in self._objects(concept, SKOS + "notation")), None)
            schemes = self._iris(concept, SKOS + "inScheme")
            if code and schemes and (concept == iri or "/soc2018/" in concept):
                scheme = schemes[0]
                return {
                    "@type": "CategoryCode", "codeValue": code,
                    "inCodeSet": {"@type": "CategoryCodeSet", "@id": scheme,
                                  "name": self.index.label(scheme)},
                }
        soc = next((o.value for o in self._objects(iri, OKG + "socCode")), None)
        if soc:
            return {"@type": "CategoryCode", "codeValue": soc,
                    "inCodeSet": {"@type": "CategoryCodeSet",
                                  "name": "2018 Standard Occupational Classification"}}
        return None

    def _soc_matches(self, iri: str) -> list[str]:
        """The SOC 2018 concepts `iri` is an exact or close match of: an O*NET-SOC occupation
        and the SOC code O*NET files it under with the same title (closeMatch where specialties
        share the code: 29-1141.00 Registered Nurses). Regression (session 27's audit): only
        exact matches counted, so 76 O*NET-SOC pages, Registered Nurses among them, had no
        schema.org salary although the page charts those wages."""
        return [m for p in ("exactMatch", "closeMatch") for m in self._iris(iri, SKOS + p)
                if "/soc2018/" in m]

    def _salary(self, iri: str) -> dict[str, Any] | None:
        """The latest of the entity's schema:estimatedSalary distributions in the graph: its
        own (kg/build/derived_views.py) or, where BLS publishes it under another code, that
        code's (kg/build/matched_salaries.py), which the description names. Regression
        (session 34's audit): this page chose the other code's distribution by itself and
        embedded a schema:estimatedSalary the graph did not state (the curated occupation's
        May 2024 one, every O*NET-SOC occupation's)."""
        found = self._salary_view(iri)
        if found is None:
            return None
        out = found[1]
        owner = next((o for obs in self._iris(out["@id"], PROV + "wasDerivedFrom")
                      for o in self._iris(obs, OKG + "occupation")), iri)
        if owner != iri:
            relation = next((m.relation for m in self.index.matched_statistics(iri)
                             if m.iri == owner), "same")
            code = next((o.value for o in self._objects(owner, SKOS + "notation")), owner)
            whose = {"broader": "the broader SOC 2018 occupation {}",
                     "aggregate": "the BLS aggregate {}",
                     "group": "the SOC 2018 group {}"}.get(relation, "SOC 2018 {}").format(code)
            combines = ", which combines it" if relation == "aggregate" else ""
            out["description"] = out.get("description", "") + (
                f" Those of {whose}, {self.index.label(owner)}{combines}.")
        return out

    def _start(self, period: str) -> str:
        return next((o.value for o in self._objects(
            period, "http://www.w3.org/ns/dcat#startDate")), period)

    def _salary_view(self, iri: str) -> tuple[str, dict[str, Any]] | None:
        """(the period's start, the view): the latest of the entity's distributions."""
        dated = sorted((self._start(p) if (p := next(iter(self._iris(
            d, DCTERMS + "temporal")), None)) else "", d)
            for d in self._iris(iri, SCHEMA + "estimatedSalary"))
        if not dated:
            return None
        start, dist = dated[-1]
        out: dict[str, Any] = {"@type": "MonetaryAmountDistribution", "@id": dist,
                               "name": self.index.label(dist)}
        period = next(iter(self._iris(dist, DCTERMS + "temporal")), None)
        hourly = any(o.value == "PT1H" for o in self._objects(dist, SCHEMA + "duration"))
        if period and hourly:
            out["description"] = (
                f"Hourly wages for all industries, {self.index.label(period)}: the U.S. Bureau "
                "of Labor Statistics publishes no annual wages for this occupation.")
        elif period:
            out["description"] = (
                f"Annual wages for all industries, {self.index.label(period)}: "
                "percentiles of the U.S. Bureau of Labor Statistics figures."
            )
        for prop in ("currency", "duration", *PERCENTILES.values()):
            value = next((o.value for o in self._objects(dist, SCHEMA + prop)), None)
            if value is not None:
                out[prop] = _number(value) if prop in PERCENTILES.values() else value
        return start, out

    def _wage_observations(self, iri: str) -> dict[tuple[str, str], dict[str, str]]:
        """(period start, period) -> wage statistic -> value, cross-industry observations of
        the annual and hourly wage percentiles."""
        rows: dict[tuple[str, str], dict[str, str]] = {}
        node = ox.NamedNode(iri)
        for q in self.store.quads_for_pattern(None, ox.NamedNode(OKG + "occupation"), node, None):
            obs = q.subject.value
            stat = next(iter(self._iris(obs, OKG + "statistic")), "")
            name = local_name(stat)
            if name not in PERCENTILES and name not in HOURLY_PERCENTILES:
                continue
            if any(o.value == "true" for o in self._objects(obs, OKG + "isLowerBound")):
                continue  # an OEWS top code ("$239,200 or more") is no percentile value
            industry = next(iter(self._iris(obs, OKG + "industry")), "")
            if industry and not industry.endswith("/industry/all-industries"):
                continue
            value = next((o.value for o in self._objects(obs, SDMX_MEASURE + "obsValue")), None)
            period = next(iter(self._iris(obs, SDMX_DIM + "refPeriod")), "")
            if value is None or not period:
                continue
            start = next((o.value for o in self._objects(
                period, "http://www.w3.org/ns/dcat#startDate")), period)
            rows.setdefault((start, period), {})[name] = value
        return rows

