"""HTML documentation of the ontology with pyLODE."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kg.errors import KgError


def write_ontology_html(ontology_ttl: Path, destination: Path) -> None:
    """Run pyLODE (through kg.pylode_runner) in a child process with a fixed hash seed.

    pyLODE orders parts of its page by iterating Python sets: of strings, which a fixed hash
    seed makes stable, and of HTML elements, which the runner sorts. Both are needed for a
    byte-identical build.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "kg.pylode_runner", str(ontology_ttl), "-o", str(destination)],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0 or not destination.is_file():
        raise KgError(f"pyLODE failed on {ontology_ttl}: {done.stderr.strip()[-2000:]}")
