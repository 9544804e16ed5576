"""Where the ontology, shapes, queries and curated sources live (checkout or installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the top-level folder `name` (ontology, shapes, queries).

    In a checkout (editable install) it is beside the package; a wheel carries a copy in
    kg/_resources.
    """
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to {_PACKAGE}")


def sources_dir() -> Path:
    """The curated records: one YAML file per kind of entity, periods, observations.tsv."""
    return _PACKAGE / "sources" / "curated" / "records"


def mappings_dir() -> Path:
    """The curated SSSOM mapping sets (kg/mappings/*.sssom.tsv)."""
    return _PACKAGE / "mappings"


def ontology_files() -> list[Path]:
    return sorted(resource_dir("ontology").glob("*.ttl"))


def shapes_files() -> list[Path]:
    return sorted(resource_dir("shapes").glob("*.ttl"))
