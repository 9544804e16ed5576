"""Run pyLODE so that the same ontology always gives the same page (used by kg.build.ontology_docs).

pyLODE 3.3.4 collects the members of an owl:unionOf / owl:intersectionOf class expression in a
Python set of HTML elements, hashed by object identity, so their order changed from run to
run ("EducationRequirement or ExperienceRequirement" and the reverse). Sorting the members by
their rendered HTML before pyLODE joins them makes the page byte-stable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any


def main() -> None:
    import pylode.utils

    join = pylode.utils.intersperse

    def sorted_intersperse(items: Iterable[Any], separator: Any) -> list[Any]:
        return join(sorted(items, key=str), separator)

    pylode.utils.intersperse = sorted_intersperse
    # kg.build.ontology_docs's OntPub (the ontology's own title; concept schemes as a section).
    from pathlib import Path

    from kg.build.ontology_docs import render

    render(Path(sys.argv[1]), Path(sys.argv[3]))


if __name__ == "__main__":
    main()
