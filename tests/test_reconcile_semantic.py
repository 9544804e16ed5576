"""The sentence-embedding terms of the re-ranker (kg/reconcile/semantic.py, rank.py) on the
tests/data slices: the packaged model loads with the hub off, the terms are the cosines of the
query's and the labels' vectors with leave-one-out titles hidden, and they find an occupation
by meaning where no word is shared. Expected values are computed here from the model's vectors
and the slices' label texts. Each test runs in a forked child with the embeddings switched on
(tests/conftest.py switches them off): PyTorch's memory leaves with the child."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sentence_transformers", reason="the `semantic` extra is not installed")

from kg.reconcile import rerank  # noqa: E402
from kg.reconcile.index import Index, from_files  # noqa: E402
from kg.reconcile.normalise import normalise  # noqa: E402
from kg.reconcile.rank import Ranker  # noqa: E402
from kg.reconcile.reference import import_reference  # noqa: E402
from kg.reconcile.semantic import SWITCH, encoder  # noqa: E402

DATA = Path(__file__).parent / "data"
TYPE = "onet-occupation"
pytestmark = pytest.mark.forked


@pytest.fixture(autouse=True)
def semantic_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SWITCH, "on")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return from_files(import_reference(DATA, tmp_path_factory.mktemp("semantic-slices")))


@pytest.fixture()
def ranker(index: Index, semantic_on: None) -> Ranker:
    return Ranker(index, rerank=False)


def test_the_packaged_model_loads_with_the_hub_offline() -> None:
    found = encoder()
    assert found is not None
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    vectors = found.encode(["plant manager", "factory manager", "plant manager"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])  # one vector per distinct text


def test_semantic_terms_hide_the_masked_titles(ranker: Ranker, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.setattr(rerank, "MIN_TITLES", 50)
    part = ranker.part(TYPE)
    assert part.rows is not None and ranker.encoder is not None
    texts, truth, masks = rerank.training_titles(ranker, TYPE)
    texts, truth, masks = texts[:40], truth[:40], masks[:40]
    masked = ranker.evidence(texts, TYPE, masks)
    plain = ranker.evidence(texts, TYPE)
    labels = ranker.encoder.encode([ranker.index.label_text[r] for r in part.rows])
    queries = ranker.encoder.encode(texts)
    for q in range(len(texts)):
        for i in range(len(part.entities)):
            own = [c for c in range(part.starts[i], part.starts[i] + part.sizes[i])
                   if c not in set(masks[q].tolist())]
            cosines = labels[own] @ queries[q]
            assert masked.semantic[q, i] == pytest.approx(float(cosines.max()), abs=1e-4)
            assert masked.semantic_mean[q, i] == pytest.approx(float(cosines.mean()), abs=1e-4)
        # Unmasked, a title finds itself among its owner's labels.
        assert plain.semantic[q, truth[q]] == pytest.approx(1.0, abs=1e-4)
        assert masked.semantic[q, truth[q]] < 1.0 - 1e-3


def test_a_title_sharing_no_word_is_found_by_meaning(ranker: Ranker, index: Index) -> None:
    query = normalise("dam electricity boss")
    part = ranker.part(TYPE)
    hydro = next(i for i, e in enumerate(part.entities)
                 if index.entities[int(e)].name == "Hydroelectric Production Managers")
    words = {w for c in range(part.starts[hydro], part.starts[hydro] + part.sizes[hydro])
             for w in index.label_text[int(part.rows[c])].split()}  # type: ignore[index]
    assert not set(query.split()) & words
    ev = ranker.evidence([query], TYPE)
    assert int(np.argmax(ev.semantic[0])) == hydro
    assert int(np.argmax(ev.score()[0])) != hydro  # the n-gram terms alone miss it


def test_without_the_encoder_the_terms_are_zero(index: Index,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    plain = Ranker(index, rerank=False, semantic=False)
    ev = plain.evidence([normalise("dam electricity boss")], TYPE)
    assert plain.encoder is None and not ev.semantic.any() and not ev.semantic_mean.any()
    monkeypatch.setenv(SWITCH, "off")  # as the test suite runs and a user may
    assert encoder() is None and Ranker(index, rerank=False).encoder is None
