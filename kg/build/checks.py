"""Stage `checks`: the `queries/*-violation.rq` quality checks, on the build store itself.

They run on the finished store (its default graph is the union of every named graph, the
ontology included: what `kg serve` and `kg query` see), so nothing is written and read back.
Any row of any check fails the build before anything is published.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import Store

from kg.errors import ValidationFailed
from kg.query.catalog import run_violation_checks
from kg.query.engines import OxigraphEngine


class StoreEngine(OxigraphEngine):
    """The embedded engine on an open store whose default graph already holds the union."""

    def __init__(self, store: Store, timeout: float | None = None):  # noqa: D107
        self.store = store
        self.timeout = timeout

    def _query(self, query: str) -> Any:
        return self.store.query(query)


def quality_checks(store: Store) -> int:
    """Run every check; raise ValidationFailed listing the rows found. Returns checks run."""
    from kg.query.catalog import list_violation_checks

    failures = run_violation_checks(StoreEngine(store))
    if failures:
        lines = []
        for name, table in sorted(failures.items()):
            lines.append(f"{name}: {len(table.rows)} row(s)")
            for row in table.as_dicts()[:10]:
                cells = ", ".join(f"{k}={'-' if v is None else v}" for k, v in row.items())
                lines.append(f"    {cells}")
        raise ValidationFailed("quality checks found problems:\n" + "\n".join(lines))
    return len(list_violation_checks())
