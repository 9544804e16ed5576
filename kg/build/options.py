"""What a build is asked to do (BuildOptions), what it reports (BuildReport), and its log."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from kg.prefixes import DEFAULT_BASE
from kg.resources import sources_dir


@dataclass
class BuildOptions:
    out: Path = Path("dist")
    documents: Path | None = None
    base: str = DEFAULT_BASE
    sources: Path = field(default_factory=sources_dir)
    ontology_docs: bool = True
    # The folder holding the reference datasets (../shared/data); None builds the seed graph.
    data: Path | None = None
    # With data: also validate every imported dataset graph with pySHACL (minutes; see
    # kg/build/import_validation.py).
    validate_imports: bool = False


@dataclass
class BuildReport:
    triples: dict[str, int]
    graphs: dict[str, int]
    seconds: float
    quotes_checked: bool
    stages: dict[str, float] = field(default_factory=dict)
    # Curated values checked against their quotes, and values derived by a checked rule.
    values: dict[str, int] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr, flush=True)
