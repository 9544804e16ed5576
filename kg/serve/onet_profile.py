"""The O*NET profile sections of an O*NET-SOC occupation's page: tasks (core first), interests
(RIASEC, with the high-points), skills and knowledge (importance and level), work styles, work
values, technologies with their "hot" and "in demand" flags, and tools, read from the served
store."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

OKG = "https://w3id.org/occupation-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RIASEC = ("1.b.1.a", "1.b.1.b", "1.b.1.c", "1.b.1.d", "1.b.1.e", "1.b.1.f")
HIGH_POINTS = ("1.b.1.g", "1.b.1.h", "1.b.1.i")  # first, second, third: 1-6 name a RIASEC


@dataclass
class Rated:
    label: str
    iri: str
    value: Decimal


@dataclass
class Leveled:
    """A skill or knowledge area: how important it is (IM, 1-5) and at what level (LV, 0-7),
    with O*NET's flags: an estimate it recommends suppressing (low precision), and a level it
    calls not relevant (the area hardly matters in the work)."""

    label: str
    iri: str
    importance: Decimal
    level: Decimal | None
    importance_suppressed: bool = False
    level_suppressed: bool = False
    level_not_relevant: bool = False


@dataclass
class Technology:
    label: str
    iri: str
    hot: bool
    in_demand: bool


@dataclass
class Task:
    label: str
    iri: str
    category: str  # O*NET's Task Type: "Core", "Supplemental" or "" (not given)


# The page's sections that list these; the generic Facts list leaves them out (session 29's
# audit: 182 tools and 43 technologies of Registered Nurses were listed twice).
SECTION_PREDICATES = frozenset(OKG + name for name in (
    "hasTask", "usesTechnology", "inDemandTechnology", "usesTool"))
# Core tasks first: O*NET rates them critical to the occupation, supplemental ones less so.
TASK_ORDER = {"Core": 0, "": 1, "Supplemental": 2}


@dataclass
class OnetProfile:
    tasks: list[Task] = field(default_factory=list)  # core first, then by text
    interests: list[Rated] = field(default_factory=list)  # RIASEC order
    high_points: list[str] = field(default_factory=list)  # labels, first to third
    interest_scale: tuple[Decimal, Decimal] = (Decimal(1), Decimal(7))
    skills: list[Leveled] = field(default_factory=list)  # 2.A basic, 2.B cross-functional
    knowledge: list[Leveled] = field(default_factory=list)  # 2.C; both most important first
    work_styles: list[Rated] = field(default_factory=list)  # most important first
    work_values: list[Rated] = field(default_factory=list)
    technologies: list[Technology] = field(default_factory=list)
    tools: list[tuple[str, str]] = field(default_factory=list)  # (label, iri)

    @property
    def empty(self) -> bool:
        return not (self.tasks or self.interests or self.skills or self.knowledge
                    or self.work_styles or self.work_values or self.technologies or self.tools)

    @property
    def holland_code(self) -> str:
        """The first letters of the high-point interests, as career counsellors write them."""
        return "".join(h[0] for h in self.high_points)


class ProfileReader:
    """Reads one occupation's profile with a few pattern lookups (no SPARQL parse per page)."""

    def __init__(self, store: ox.Store, public_base: str, labels: dict[str, str]):
        self.store, self.base, self.labels = store, public_base, labels
        self.scheme = ox.NamedNode(public_base + "scheme/onet-soc2019")

    def _objects(self, s: ox.NamedNode, p: str) -> list[ox.NamedNode | ox.Literal]:
        found: list[ox.NamedNode | ox.Literal] = []
        for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None, None):
            if q.object not in found and not isinstance(q.object, ox.BlankNode):
                found.append(q.object)
        return found

    def _one(self, s: ox.NamedNode, p: str) -> ox.NamedNode | ox.Literal | None:
        found = self._objects(s, p)
        return found[0] if found else None

    def _flag(self, rating: ox.NamedNode, name: str) -> bool:
        value = self._one(rating, OKG + name)
        return value is not None and value.value in ("true", "1")

    def _label(self, iri: str) -> str:
        return self.labels.get(iri, iri.rsplit("/", 1)[-1])

    def read(self, iri: str) -> OnetProfile | None:
        occ = ox.NamedNode(iri)
        if self.scheme not in self._objects(occ, SKOS + "inScheme"):
            return None
        profile = OnetProfile()
        element_base, scale_base = self.base + "onet-element/", self.base + "onet-scale/"
        interests: dict[str, Decimal] = {}
        high: dict[str, Decimal] = {}
        # element IRI -> scale ("im" or "lv") -> (value, suppress, not relevant), for skills
        # and knowledge
        leveled: dict[str, dict[str, tuple[Decimal, bool, bool]]] = {}
        for q in self.store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedOccupation"), occ,
                                              None):
            rating = q.subject
            if not isinstance(rating, ox.NamedNode):
                continue
            element, scale = (self._one(rating, OKG + "ratedElement"),
                              self._one(rating, OKG + "ratingScale"))
            value = self._one(rating, OKG + "ratingValue")
            if element is None or scale is None or value is None:
                continue
            element_id = element.value.removeprefix(element_base)
            scale_id = scale.value.removeprefix(scale_base)
            try:
                number = Decimal(value.value)
            except InvalidOperation:
                continue
            if scale_id == "oi" and element_id in RIASEC:
                interests[element_id] = number
            elif scale_id == "ih" and element_id in HIGH_POINTS:
                high[element_id] = number
            elif scale_id in ("im", "lv") and element_id.startswith(("2.a.", "2.b.", "2.c.")):
                leveled.setdefault(element.value, {})[scale_id] = (
                    number, self._flag(rating, "recommendSuppress"),
                    self._flag(rating, "notRelevant"))
            elif scale_id == "im" and element_id.startswith("1.c"):
                profile.work_styles.append(Rated(self._label(element.value), element.value,
                                                 number))
            elif scale_id == "ex" and element_id.startswith("1.b.2."):
                profile.work_values.append(Rated(self._label(element.value), element.value,
                                                 number))
        for element_id in RIASEC:
            if element_id in interests:
                node = element_base + element_id
                profile.interests.append(Rated(self._label(node), node, interests[element_id]))
        for element_id in HIGH_POINTS:
            number = high.get(element_id)
            if number is not None and number == number.to_integral() and 1 <= number <= 6:
                profile.high_points.append(self._label(element_base + RIASEC[int(number) - 1]))
        scale = ox.NamedNode(scale_base + "oi")
        low, top = self._one(scale, OKG + "scaleMinimum"), self._one(scale, OKG + "scaleMaximum")
        if low is not None and top is not None:
            profile.interest_scale = (Decimal(low.value), Decimal(top.value))
        for node, values in leveled.items():
            if "im" not in values:
                continue
            kind = (profile.knowledge if node.removeprefix(element_base).startswith("2.c.")
                    else profile.skills)
            importance, im_suppressed, _ = values["im"]
            level, lv_suppressed, not_relevant = values.get("lv", (None, False, False))
            kind.append(Leveled(self._label(node), node, importance, level, im_suppressed,
                                lv_suppressed, not_relevant))
        for kind in (profile.skills, profile.knowledge):
            kind.sort(key=lambda r: (-r.importance, -(r.level or 0), r.label))
        profile.work_styles.sort(key=lambda r: (-r.value, r.label))
        profile.work_values.sort(key=lambda r: (-r.value, r.label))
        demand = {t.value for t in self._objects(occ, OKG + "inDemandTechnology")}
        for tech in self._objects(occ, OKG + "usesTechnology"):
            if isinstance(tech, ox.NamedNode):
                hot = self._one(tech, OKG + "hotTechnology")
                profile.technologies.append(Technology(
                    self._label(tech.value), tech.value, hot is not None and hot.value == "true",
                    tech.value in demand))
        profile.technologies.sort(key=lambda t: (not t.in_demand, not t.hot, t.label.lower()))
        profile.tools = sorted(((self._label(t.value), t.value)
                                for t in self._objects(occ, OKG + "usesTool")
                                if isinstance(t, ox.NamedNode)), key=lambda t: t[0].lower())
        for task in self._objects(occ, OKG + "hasTask"):
            if isinstance(task, ox.NamedNode):
                category = self._one(task, OKG + "taskCategory")
                kind = category.value if category is not None else ""
                profile.tasks.append(Task(self._label(task.value), task.value,
                                          kind if kind in TASK_ORDER else ""))
        # Regression (session 29's audit): listed A-Z in Facts, a supplemental task came first
        profile.tasks.sort(key=lambda t: (TASK_ORDER.get(t.category, 1), t.label.lower(), t.iri))
        return None if profile.empty else profile
