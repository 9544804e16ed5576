"""Validate SSSOM mapping sets with sssom-py, the reference implementation of the SSSOM standard.

kg/sources/sssom_mappings.py reads the curated sets for the graph; this module asks sssom-py
whether each file
is valid SSSOM: its JSON Schema (required columns and metadata, value types), a prefix for every
CURIE (prefix map completeness) and well-formed CURIEs. The full build publishes only sets that
pass, and fails naming the file and each problem otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

from kg.errors import KgError

CHECKS = ("JsonSchema", "PrefixMapCompleteness", "StrictCurieFormat")


class MappingSetInvalid(KgError):
    """sssom-py found problems in a mapping set."""


def problems_in(path: Path) -> list[str]:
    """sssom-py's messages for one SSSOM TSV file ([] when it is valid)."""
    # Imported here: sssom pulls in pandas and linkml, which only this step needs.
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    kinds = [SchemaValidationType[name] for name in CHECKS]
    with warnings.catch_warnings():
        # sssom-py 0.4.21 uses pandas options that pandas 3 deprecates: noise for our users.
        warnings.filterwarnings("ignore", module=r"sssom\.")
        try:
            msdf = parse_sssom_table(path)
        except Exception as exc:  # sssom-py raises many unrelated types for unreadable tables
            return [f"cannot be read as SSSOM: {exc}"]
        reports = validate(msdf, kinds, fail_on_error=False)
    return [f"{kind.name}: {result.message}" for kind, report in reports.items()
            for result in report.results]


def validate_mapping_sets(paths: Iterable[Path]) -> int:
    """Validate every file; raise MappingSetInvalid listing all problems, or return the count."""
    found: list[str] = []
    count = 0
    for path in paths:
        count += 1
        found += [f"{path}: {message}" for message in problems_in(path)]
    if found:
        raise MappingSetInvalid(
            f"{len(found)} problem(s) in the SSSOM mapping sets (sssom-py):\n" + "\n".join(found)
        )
    return count
