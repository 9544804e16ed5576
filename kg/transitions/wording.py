"""A transition's figures in words, the same on the occupation page and in `kg transitions`'s
table: the wage ratio to two decimals, the job-zone step as a move between O*NET's zones 1-5,
and the shared work activities (sentences) joined without their full stops."""

from __future__ import annotations


def wage_text(ratio: str | None, at_least: str | None = None,
              at_most: str | None = None) -> str | None:
    """The median wage ratio as a reader takes it in (the graph keeps up to 4 decimals); where
    OEWS top-codes one median, the bound the ratio is known by ("×2.56 or more")."""
    if ratio:
        return f"median wage ×{float(ratio):.2f}"
    if at_least:
        return f"median wage ×{float(at_least):.2f} or more"
    if at_most:
        return f"median wage ×{float(at_most):.2f} or less"
    return None


def job_zone_text(step: str | None) -> str | None:
    """"job zone 0" or "-1" would read as a zone; say the step instead."""
    if step is None or step == "":
        return None
    number = int(step)
    if number == 0:
        return "same job zone"
    plural = "s" if abs(number) > 1 else ""
    return f"{abs(number)} job zone{plural} {'higher' if number > 0 else 'lower'}"


def activities_text(activities: list[str]) -> str:
    """The activities are sentences: joined without their full stops, not as "x.; y."."""
    return "; ".join(a.rstrip(". ") for a in activities)


def distinct_names(items: list[tuple[str, str | None]]) -> list[str]:
    """(label, code) pairs as names a reader can tell apart: a label two of them share gets its
    code (O*NET names the skill 2.A.1.e and the knowledge area 2.C.4.a both "Mathematics")."""
    count: dict[str, int] = {}
    for label, _ in items:
        count[label] = count.get(label, 0) + 1
    return [f"{label} ({code})" if count[label] > 1 and code else label
            for label, code in items]
