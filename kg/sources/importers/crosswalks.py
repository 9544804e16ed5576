"""Choosing a SKOS mapping property for the rows of a code-to-code crosswalk, by cardinality."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def match_kinds(pairs: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str], str]:
    """pairs: (source code, source title, target code, target title) -> SKOS property local name.

    1:1 -> exactMatch. A target shared by several sources: closeMatch for the source with the
    target's own title (O*NET's ".00" occupation), broadMatch for the others. A source split
    over several targets -> narrowMatch. Many-to-many -> relatedMatch.
    """
    rows = list(dict.fromkeys(pairs))
    out_degree = Counter(source for source, _, _, _ in rows)
    in_degree = Counter(target for _, _, target, _ in rows)
    kinds: dict[tuple[str, str], str] = {}
    for source, source_title, target, target_title in rows:
        many_out, many_in = out_degree[source] > 1, in_degree[target] > 1
        if not many_out and not many_in:
            kind = "exactMatch"
        elif many_in and not many_out:
            same = source_title.strip().casefold() == target_title.strip().casefold()
            kind = "closeMatch" if same else "broadMatch"
        elif many_out and not many_in:
            kind = "narrowMatch"
        else:
            kind = "relatedMatch"
        kinds[(source, target)] = kind
    return kinds
