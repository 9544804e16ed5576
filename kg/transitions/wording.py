"""A transition's figures in words, the same on the occupation page and in `kg transitions`'s
table: the wage ratio to two decimals, the job-zone step as a move between O*NET's zones 1-5,
and the shared work activities (sentences) joined without their full stops."""

from __future__ import annotations


def wage_text(ratio: str | None) -> str | None:
    """The median wage ratio as a reader takes it in (the graph keeps up to 4 decimals)."""
    return None if not ratio else f"median wage ×{float(ratio):.2f}"


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
