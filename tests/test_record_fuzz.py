"""Property-based: whatever one curated file holds, the loader answers with located problems.

Hypothesis mutates one file of a copy of kg/sources/curated/records (random bytes, a truncation,
two lines or
two field values swapped) and `load_sources` must either load correctly or raise a SourceError
whose problems point into the sources - at the mutated file, unless every problem is a reference
the mutation left dangling in another file. Any other exception is a bug.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import SourceError
from kg.sources.curated.loader import load_sources
from kg.sources.curated.vocabulary import OntologyIndex, load_ontology

SOURCES = Path(__file__).resolve().parents[1] / "kg" / "sources" / "curated" / "records"
FILES = sorted(p.name for p in SOURCES.iterdir() if p.suffix in (".yaml", ".tsv"))
ORIGINAL = {name: (SOURCES / name).read_bytes() for name in FILES}
# A value after `key: ` in YAML (quoted, or plain up to a flow delimiter), or a TSV cell.
YAML_VALUE = re.compile(rb'(?<=: )("[^"\n]*"|[^,{}\[\]\n#"]+)')
TSV_CELL = re.compile(rb"[^\t\n]+")
# Problems another file may show when the mutation removed what it refers to.
DANGLING = re.compile(r"^(unknown document|undefined (entity|period|occupation|industry)|"
                      r"\S+ refers to undefined entity)")


@pytest.fixture(scope="module")
def ontology() -> OntologyIndex:
    return OntologyIndex(load_ontology())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "sources"
    shutil.copytree(SOURCES, target)
    return target


def _swap(data: bytes, spans: list[tuple[int, int]], i: int, j: int) -> bytes:
    (a, b), (c, d) = sorted((spans[i], spans[j]))
    return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]


@st.composite
def mutations(draw: Callable) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FILES))
    data = ORIGINAL[name]
    kind = draw(st.sampled_from(["bytes", "truncate", "swap-lines", "swap-values"]))
    if kind == "bytes":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.binary(min_size=1, max_size=16))
        overwrite = draw(st.booleans())
        return name, data[:at] + junk + data[at + (len(junk) if overwrite else 0):]
    if kind == "truncate":
        return name, data[: draw(st.integers(0, len(data) - 1))]
    if kind == "swap-lines":
        starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
        spans = [(s, e - 1) for s, e in zip(starts, starts[1:], strict=False)]
    else:
        pattern = TSV_CELL if name.endswith(".tsv") else YAML_VALUE
        spans = [m.span() for m in pattern.finditer(data)]
    index = st.integers(0, len(spans) - 1)
    return name, _swap(data, spans, draw(index), draw(index))


@settings(max_examples=40, deadline=None, database=None)
@given(mutation=mutations())
def test_the_loader_answers_any_mutation_with_located_problems(
    mutation: tuple[str, bytes], workspace: Path, ontology: OntologyIndex
):
    name, data = mutation
    target = workspace / name
    target.write_bytes(data)
    try:
        sources = load_sources(workspace, ontology)
    except SourceError as exc:
        assert exc.problems
        for location, message in exc.problems:
            assert Path(location.file).name in FILES and message, (location, message)
            assert location.line is None or location.line >= 1
        named = [m for loc, m in exc.problems if Path(loc.file).name == name]
        assert named or all(DANGLING.match(m) for _, m in exc.problems), exc.problems
    else:
        # A correct load: every reference the loader checks resolves.
        assert all(q.doc in sources.documents for q, _ in sources.quotes())
        for record in sources.records.values():
            for fact in record.facts:
                assert fact.ref is None or fact.ref in sources.records or fact.ref.startswith(
                    "okg:")
    finally:
        target.write_bytes(ORIGINAL[name])
