"""The derived stages: views computed from the store after every source is in it.

Each stage is a function `(store, base) -> number of quads it added`, named here by its dotted
path and imported only when the build runs it (so a stage's module may import anything without
an import cycle). The stages run in this order, before the closure, so their triples are
reasoned over like any other; each reads the union of the named graphs
(`use_default_graph_as_union=True`: the default graph is still empty) and writes into its own
named graph. To add a stage, add one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pyoxigraph import Store

DerivedStage = Callable[[Store, str], int]

DERIVED_STAGES: list[str] = [
    "kg.build.derived_views.add_salary_distributions",  # schema.org wage distributions
    "kg.build.search_text.add_search_texts",  # okg:searchText for label search
    "kg.transitions.stage.add_transitions",  # career transitions, graph/transitions
]


def resolve(path: str) -> DerivedStage:
    module, _, name = path.rpartition(".")
    stage: DerivedStage = getattr(importlib.import_module(module), name)
    return stage


def run_derived_stages(store: Store, base: str,
                       stages: list[str] | None = None) -> dict[str, int]:
    """Run every registered stage; return quads added per stage (its dotted path)."""
    return {path: resolve(path)(store, base) for path in (stages or DERIVED_STAGES)}
