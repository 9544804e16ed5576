"""The derived stages: views computed from the store after every source is in it.

Each stage is a function `(store, base) -> number of quads it added`, named here by its dotted
path and imported only when the build runs it (so a stage's module may import anything without
an import cycle). The stages run in this order, before the closure, so their triples are
reasoned over like any other; each reads the union of the named graphs
(`use_default_graph_as_union=True`: the default graph is still empty) and writes into its own
named graph. To add a stage, add one line.

A stage that reads only the sources (the curated and imported graphs, no other stage's output)
and is slow goes into SOURCE_STAGES instead: `(store, base) -> quads`, which
kg.build.stage_worker runs in a worker process on a checkpoint taken after the imports, beside
the stages above and the closure's first pass, and whose quads are added after both (and in
that order in-process on a small store, so both roads give the same graph).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pyoxigraph import Quad, Store

DerivedStage = Callable[[Store, str], int]

DERIVED_STAGES: list[str] = [
    "kg.build.derived_views.add_salary_distributions",  # schema.org wage distributions
    # ... and of the code BLS publishes an occupation under (an O*NET-SOC one's SOC code)
    "kg.build.matched_salaries.link_matched_salaries",
    "kg.build.search_text.add_search_texts",  # okg:searchText for label search
    # ESCO occupations below Nesta's level: their ancestor's O*NET match, as skos:broadMatch
    "kg.build.inherited_matches.add_inherited_matches",
    # the members of the observations' code lists (Data Cube qb:codeList)
    "kg.build.code_lists.add_code_list_members",
]

SourceStage = Callable[[Store, str], list[Quad]]

SOURCE_STAGES: list[str] = [
    "kg.transitions.stage.transition_quads",  # career transitions, graph/transitions (45 s)
]


def resolve(path: str) -> Callable[[Store, str], Any]:
    """The stage function named by `path` (a DerivedStage or a SourceStage)."""
    module, _, name = path.rpartition(".")
    stage: Callable[[Store, str], Any] = getattr(importlib.import_module(module), name)
    return stage


def run_derived_stages(store: Store, base: str,
                       stages: list[str] | None = None) -> dict[str, int]:
    """Run every registered stage; return quads added per stage (its dotted path)."""
    return {path: resolve(path)(store, base) for path in (stages or DERIVED_STAGES)}
