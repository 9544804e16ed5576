"""Misspelt query words to the index's own words, before a query is scored.

A word no label of the index holds adds nothing to the word features and only part of its
character n-grams, so a typo loses to the titles that share the other words: "nurse practioner"
gave Registered Nurses (138 "... nurse" titles) at 100 and Nurse Practitioners at 24.44 on the
full graph (session 35). An unseen word of MIN_LENGTH letters or more has as its respellings the
label words closest to it in optimal string alignment distance (insertions, deletions,
substitutions and swaps of two neighbours, each one edit), within 1 edit for words shorter than
LONG_WORD letters and 2 from there. Short words are left alone: at 4 letters one edit reaches too
many words ("hgv", "cnc" and other abbreviations are not typos).

Which of several equally close words was meant is for the ranker to say, not the spelling: the
ranker scores each respelled query (`variants`) and keeps the one whose best candidate scores
highest. By spelling alone "electrican" is one edit from "electrical" and from "electrician",
"managre" from "manage" and "manager"; the commoner word or the fewest letters changed picked
the wrong one of the two in one case or the other.

rapidfuzz computes the distances (C++, one pass over the ~17,000 label words of the full graph
in 1-3 ms, with a cut-off); a word's respellings are kept for the next query.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 5
LONG_WORD = 9
PER_WORD = 4  # respellings of one word, the commonest first
VARIANTS = 8  # respelled queries scored for one query


def allowed_edits(word: str) -> int:
    return 1 if len(word) < LONG_WORD else 2


class Respeller:
    """The label words of an index with how many labels hold each."""

    def __init__(self, labels: Iterable[str]):
        counts: dict[str, int] = {}
        for label in labels:
            for word in set(label.split()):
                counts[word] = counts.get(word, 0) + 1
        self.counts = counts
        # Only words of letters are targets: a code or a number is never what a typo meant.
        self.targets = sorted(w for w in counts if w.isalpha())
        self._found: dict[str, list[str]] = {}

    def __getstate__(self) -> dict[str, object]:
        # the respellings kept are a cache, not part of a pickled ranker
        return {"counts": self.counts, "targets": self.targets}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._found = {}

    def words(self, word: str) -> list[str]:
        """`word` alone, or the label words it may be a misspelling of (the closest ones, the
        commonest first; at most PER_WORD)."""
        if word in self.counts or len(word) < MIN_LENGTH or not word.isalpha():
            return [word]
        found = self._found.get(word)
        if found is None:
            close = process.extract(word, self.targets, scorer=OSA.distance,
                                    score_cutoff=allowed_edits(word), limit=None)
            nearest = min((edits for _, edits, _ in close), default=0)
            found = sorted((w for w, edits, _ in close if edits == nearest),
                           key=lambda w: (-self.counts[w], w))[:PER_WORD] or [word]
            self._found[word] = found
        return found

    def variants(self, text: str) -> list[str]:
        """A normalised query as typed, or its respellings (at most VARIANTS; the commonest
        words first)."""
        options = [self.words(w) for w in text.split()]
        return [" ".join(words) for words in itertools.islice(itertools.product(*options),
                                                               VARIANTS)]
