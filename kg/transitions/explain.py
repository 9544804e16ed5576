"""What explains a transition: the few strongest things both occupations share.

- skills: O*NET Skills/Knowledge elements both rate important (IM >= 3, "important" on the 1-5
  scale), strongest first by the lower of the two importances;
- activities: detailed work activities both perform, rarest first (a DWA few occupations share
  says more than "Maintain operational records");
- ESCO skills: skills both ESCO counterparts need, essential in both first, then rarest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.transitions.profiles import ESSENTIAL, SKILL_BRANCHES, Profiles

IMPORTANT = 3.0
SHOWN = 3


@dataclass(frozen=True)
class Explanation:
    skills: tuple[str, ...]  # element slugs (2.a.1.a)
    activities: tuple[str, ...]  # DWA IDs
    esco_skills: tuple[str, ...]  # ESCO skill IRIs


class Explainer:
    def __init__(self, profiles: Profiles):
        self.profiles = profiles
        self.dwa_df: dict[str, int] = {}
        for counts in profiles.dwas.values():
            for dwa in counts:
                self.dwa_df[dwa] = self.dwa_df.get(dwa, 0) + 1
        self.esco_df: dict[str, int] = {}
        for skills in profiles.esco.values():
            for skill in skills:
                self.esco_df[skill] = self.esco_df.get(skill, 0) + 1
        self.important = {
            code: {e: v for (e, s), v in ratings.items()
                   if s == "IM" and v >= IMPORTANT and e.startswith(SKILL_BRANCHES)}
            for code, ratings in profiles.ratings.items()}

    def explain(self, source: str, target: str, shown: int = SHOWN) -> Explanation:
        p = self.profiles
        a, b = self.important.get(source, {}), self.important.get(target, {})
        skills = sorted(a.keys() & b.keys(), key=lambda e: (-min(a[e], b[e]), e))[:shown]
        shared = p.dwas.get(source, {}).keys() & p.dwas.get(target, {}).keys()
        activities = sorted(shared, key=lambda d: (self.dwa_df[d], d))[:shown]
        ea, eb = p.esco.get(source, {}), p.esco.get(target, {})
        both = ea.keys() & eb.keys()

        def esco_key(skill: str) -> tuple[int, float, str]:
            essential = ea[skill] == ESSENTIAL and eb[skill] == ESSENTIAL
            return (0 if essential else 1, math.log(self.esco_df[skill]), skill)

        esco = sorted(both, key=esco_key)[:shown]
        return Explanation(tuple(skills), tuple(activities), tuple(esco))
