"""Misspelt query words to the index's own words, before a query is scored.

A word no label of the index holds adds nothing to the word features and only part of its
character n-grams, so a typo loses to the titles that share the other words: "nurse practioner"
gave Registered Nurses (138 "... nurse" titles) at 100 and Nurse Practitioners at 24.44 on the
full graph (session 35). An unseen word of MIN_LENGTH letters or more that is not an English word
has as its respellings the label words closest to it in optimal string alignment distance
(insertions, deletions, substitutions and swaps of two neighbours, each one edit), within 1 edit
for words shorter than LONG_WORD letters and 2 from there. Short words are left alone: at 4
letters one edit reaches too many words ("hgv", "cnc" and other abbreviations are not typos).
English words are left alone too: 520 of 1,230 real words of O*NET's task and tool statements
that no label holds were one edit from a label word ("commuter rail engineer" became
"computer rail engineer", Software Developers; session 35's review). pyspellchecker's English
word list (160,000 words with their frequencies, in its wheel; nothing is downloaded) says what
is a word; it knows none of the misspellings of the benchmark's examples. At most LOOKUPS words
of a query are looked up (a job title has few; a query of 20 unknown words took 33 ms), and the
answers kept are forgotten past KEPT words.

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
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

MIN_LENGTH = 5
LONG_WORD = 9
PER_WORD = 3  # respellings of one word, the commonest first
VARIANTS = 4  # respelled queries scored for one query
LOOKUPS = 3  # unknown words of one query looked up, from the left
KEPT = 50_000  # looked-up words whose respellings are kept


@lru_cache(maxsize=1)
def english() -> SpellChecker:
    """pyspellchecker's English word list (0.2 s to read, once a process)."""
    return SpellChecker(language="en", distance=1)


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
        # By length: a word n edits away is at most n letters longer or shorter, so one lookup
        # reads a few thousand words, not all of them.
        self.by_length: dict[int, list[str]] = {}
        for word in sorted(w for w in counts if w.isalpha()):
            self.by_length.setdefault(len(word), []).append(word)
        self._found: dict[str, list[str]] = {}

    def __getstate__(self) -> dict[str, object]:
        # the respellings kept are a cache, not part of a pickled ranker
        return {"counts": self.counts, "by_length": self.by_length}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._found = {}

    def unknown(self, word: str) -> bool:
        """A word to respell: long enough, of letters, in no label and no English word."""
        return (len(word) >= MIN_LENGTH and word.isalpha() and word not in self.counts
                and word not in english())

    def words(self, word: str) -> list[str]:
        """`word` alone, or the label words it may be a misspelling of (the closest ones, the
        commonest first; at most PER_WORD)."""
        if not self.unknown(word):
            return [word]
        found = self._found.get(word)
        if found is None:
            if len(self._found) >= KEPT:
                self._found.clear()
            edits = allowed_edits(word)
            close = [found for n in range(len(word) - edits, len(word) + edits + 1)
                     for found in process.extract(word, self.by_length.get(n, ()),
                                                  scorer=OSA.distance, score_cutoff=edits,
                                                  limit=None)]
            nearest = min((edits for _, edits, _ in close), default=0)
            found = sorted((w for w, edits, _ in close if edits == nearest),
                           key=lambda w: (-self.counts[w], w))[:PER_WORD] or [word]
            self._found[word] = found
        return found

    def variants(self, text: str) -> list[str]:
        """A normalised query as typed, or its respellings (at most VARIANTS; the commonest
        words first)."""
        options: list[list[str]] = []
        looked_up = 0
        for word in text.split():
            if looked_up < LOOKUPS and self.unknown(word):
                looked_up += 1
                options.append(self.words(word))
            else:
                options.append([word])
        return [" ".join(words) for words in itertools.islice(itertools.product(*options),
                                                               VARIANTS)]
