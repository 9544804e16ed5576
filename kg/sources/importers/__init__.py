"""Importers of public reference datasets, one module per dataset, and their registry.

`IMPORTERS` feeds the `kg import NAME` choices, so the command line and the API cannot drift.
"""

from __future__ import annotations

from kg.sources.importers import bls, esco, esco_onet, isco, naics, onet, onet_soc, soc
from kg.sources.importers.base import Context, DatasetInfo, Importer, ImportFailed, Stats, write

IMPORTERS: dict[str, Importer] = {
    importer.name: importer
    for importer in (
        soc.IMPORTER,
        onet_soc.IMPORTER,
        isco.IMPORTER,
        isco.XW_IMPORTER,
        naics.IMPORTER,
        onet.IMPORTER,
        esco.IMPORTER,
        esco_onet.IMPORTER,
        bls.OEWS,
        bls.PROJECTIONS,
    )
}

__all__ = ["IMPORTERS", "Context", "DatasetInfo", "ImportFailed", "Importer", "Stats", "write"]
