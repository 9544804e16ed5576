"""The sentence-embedding terms of the re-ranker (kg/reconcile/semantic.py, rank.py) on the
tests/data slices: the packaged model loads with the hub off, the terms are the cosines of the
query's and the labels' vectors with leave-one-out titles hidden, and they find an occupation
by meaning where no word is shared. Expected values are computed here from the model's vectors
and the slices' label texts.

The checks run in one spawned child process with the embeddings switched on (tests/conftest.py
switches them off for the workers), all four in it, once per module: PyTorch and the model
(~0.5 GB) are loaded once and leave with the child. Spawned, not forked: a fork of a worker whose
other threads hold locks (servers, OpenMP) can hang. Each test reports its own check's result."""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import tempfile
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from kg.reconcile import rank as rank_module
from kg.reconcile import rerank
from kg.reconcile.index import Index, from_files
from kg.reconcile.normalise import normalise
from kg.reconcile.rank import Ranker
from kg.reconcile.reference import import_reference
from kg.reconcile.semantic import SWITCH, encoder

# Looked up, not imported: importing sentence-transformers here would load PyTorch into every
# worker that collects this module (~300 MB each).
# tests/conftest.py runs this module in the Virtuoso group's worker before its server starts
# (BEFORE_VIRTUOSO): the child never meets Virtuoso or Chromium.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None,
                                reason="the `semantic` extra is not installed")

DATA = Path(__file__).parent / "data"
TYPE = "onet-occupation"


def _run_checks(names: list[str]) -> dict[str, str | None]:
    """In the child: each named check, None when it passed, else its traceback."""
    results: dict[str, str | None] = {}
    for name in names:
        try:
            globals()[name]()
            results[name] = None
        except Exception:  # reported by the test that owns the check
            results[name] = traceback.format_exc()
    return results


@pytest.fixture(scope="module")
def checked() -> dict[str, str | None]:
    """Every check's result, from one spawned child."""
    names = [n for n in globals() if n.startswith("_check_")]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_run_checks, names).result(timeout=900)


def _passed(checked: dict[str, str | None], check: Callable[[], None]) -> None:
    failure = checked[check.__name__]
    assert failure is None, failure


def _index() -> Index:
    os.environ[SWITCH] = "on"
    return from_files(import_reference(DATA, Path(tempfile.mkdtemp(prefix="semantic-"))))


def _check_model_loads_offline() -> None:
    os.environ[SWITCH] = "on"
    found = encoder()
    assert found is not None
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    vectors = found.encode(["plant manager", "factory manager", "plant manager"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])  # one vector per distinct text


def _check_masked_titles_hidden() -> None:
    index = _index()
    rerank.MIN_TITLES = 50  # the slices hold ~160 titles of O*NET occupations
    ranker = Ranker(index, rerank=False)
    part = ranker.part(TYPE)
    assert part.rows is not None and ranker.encoder is not None
    texts, truth, masks = rerank.training_titles(ranker, TYPE)
    texts, truth, masks = texts[:40], truth[:40], masks[:40]
    assert len(texts) == 40
    masked = ranker.evidence(texts, TYPE, masks)
    plain = ranker.evidence(texts, TYPE)
    labels = ranker.encoder.encode([ranker.index.label_text[r] for r in part.rows])
    queries = ranker.encoder.encode(texts)
    for q in range(len(texts)):
        hidden = set(masks[q].tolist())
        for i in range(len(part.entities)):
            own = [c for c in range(part.starts[i], part.starts[i] + part.sizes[i])
                   if c not in hidden]
            cosines = labels[own] @ queries[q]
            assert abs(masked.semantic[q, i] - cosines.max()) < 1e-4, (q, i)
            assert abs(masked.semantic_mean[q, i] - cosines.mean()) < 1e-4, (q, i)
            if q < 3:  # unmasked (as a query is ranked), every label counts
                every = labels[part.starts[i]:part.starts[i] + part.sizes[i]] @ queries[q]
                assert abs(plain.semantic[q, i] - every.max()) < 1e-4, (q, i)
                assert abs(plain.semantic_mean[q, i] - every.mean()) < 1e-4, (q, i)
        # Unmasked, a title finds itself among its owner's labels; masked, it does not.
        assert abs(plain.semantic[q, truth[q]] - 1.0) < 1e-4, texts[q]
        assert masked.semantic[q, truth[q]] < 1.0 - 1e-3, texts[q]


def _check_found_by_meaning() -> None:
    index = _index()
    ranker = Ranker(index, rerank=False)
    query = normalise("dam electricity boss")
    part = ranker.part(TYPE)
    assert part.rows is not None
    hydro = next(i for i, e in enumerate(part.entities)
                 if index.entities[int(e)].name == "Hydroelectric Production Managers")
    words = {w for c in range(part.starts[hydro], part.starts[hydro] + part.sizes[hydro])
             for w in index.label_text[int(part.rows[c])].split()}
    assert not set(query.split()) & words
    ev = ranker.evidence([query], TYPE)
    assert int(np.argmax(ev.semantic[0])) == hydro
    assert int(np.argmax(ev.score()[0])) != hydro  # the n-gram terms alone miss it


def _check_pipelined_batch_ranks_as_one_chunk_at_a_time() -> None:
    """A batch of several chunks has its next chunk encoded in a thread while one is scored: the
    answers are those of each chunk ranked alone."""
    index = _index()
    rerank.MIN_TITLES = 50  # the slices hold ~160 titles of O*NET occupations
    ranker = Ranker(index)  # the re-ranker reads the semantic terms (the raw score does not)
    assert TYPE in ranker.rerankers
    labels = sorted({index.label_text[int(r)] for r in ranker.rows[TYPE]})
    queries = [f"{text} {suffix}" for suffix in ("lead", "assistant", "trainee", "senior")
               for text in labels][:600]
    assert len(queries) > 2 * rank_module._CHUNK  # three chunks
    together = ranker.rank(queries, TYPE, 5)
    alone = [answer for start in range(0, len(queries), rank_module._CHUNK)
             for answer in ranker.rank(queries[start:start + rank_module._CHUNK], TYPE, 5)]
    assert [[(c.id, c.score, c.match) for c in a] for a in together] == \
        [[(c.id, c.score, c.match) for c in a] for a in alone]
    assert sum(bool(a) for a in together) > 500


def _check_switched_off() -> None:
    index = _index()
    plain = Ranker(index, rerank=False, semantic=False)
    ev = plain.evidence([normalise("dam electricity boss")], TYPE)
    assert plain.encoder is None and not ev.semantic.any() and not ev.semantic_mean.any()
    os.environ[SWITCH] = "off"  # as the test suite runs, and as a user may
    assert encoder() is None and Ranker(index, rerank=False).encoder is None


def test_the_packaged_model_loads_with_the_hub_offline(checked: dict[str, str | None]) -> None:
    _passed(checked, _check_model_loads_offline)


def test_semantic_terms_hide_the_masked_titles(checked: dict[str, str | None]) -> None:
    _passed(checked, _check_masked_titles_hidden)


def test_a_title_sharing_no_word_is_found_by_meaning(checked: dict[str, str | None]) -> None:
    _passed(checked, _check_found_by_meaning)


def test_a_pipelined_batch_ranks_as_one_chunk_at_a_time(checked: dict[str, str | None]) -> None:
    _passed(checked, _check_pipelined_batch_ranks_as_one_chunk_at_a_time)


def test_without_the_encoder_the_terms_are_zero(checked: dict[str, str | None]) -> None:
    _passed(checked, _check_switched_off)


def test_loading_the_model_prints_no_progress_bar() -> None:
    """Regression: `kg reconcile --quiet` (and every server start) printed transformers'
    "Loading weights" bar on stderr while the packaged model loaded."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != SWITCH}
    done = subprocess.run(
        [sys.executable, "-c", "from kg.reconcile.semantic import encoder; "
                               "assert encoder() is not None"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Loading weights" not in done.stderr
    assert done.stderr.strip() == ""
