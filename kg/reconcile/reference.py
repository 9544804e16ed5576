"""Import the reference datasets the reconciliation index reads straight to N-Quads, without a
full build (the tests use the data slices, the benchmark a held-out copy of O*NET)."""

from __future__ import annotations

from pathlib import Path

from kg.sources.importers import IMPORTERS, write

# The editions with labels, crosswalks, job zones or wages the index reads.
NAMES = ("soc2018", "onet-soc-2019", "isco08", "isco08-soc2010-bls", "onet", "esco",
         "esco-onet-crosswalk", "bls-oews")


def import_reference(data_root: Path, out_dir: Path,
                     folders: dict[str, Path] | None = None) -> list[Path]:
    """One .nq file per edition in `out_dir`; `folders` overrides a dataset's folder by name."""
    written = []
    for name in NAMES:
        importer = IMPORTERS[name]
        folder = (folders or {}).get(name, data_root / importer.info.folder)
        out = out_dir / f"{name}.nq"
        write(importer, folder, out, progress=False)
        written.append(out)
    return written
