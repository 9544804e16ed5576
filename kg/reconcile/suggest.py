"""Type-ahead for the suggest service: the entities with a label that holds every typed word,
the last one as the beginning of a word ("regist" -> "registered nurse").

The ranker scores whole titles, so a word being typed was scored as a word: "regist" found
court clerks, "accou" Musicians and Singers first, and "account" missed Accountants and
Auditors (session 34's audit). Here a label's words are looked up by their beginnings
(a sorted word list and bisect), and the entities are ordered: labels that begin with the
typed text first, then labels that hold the words elsewhere; within each, preferred labels
before alternate, reported and hidden ones (the index's label weights), then shorter labels,
then the ranker's order for the text (a title several occupations share).
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from kg.reconcile.index import Index
from kg.reconcile.normalise import tokens


def _folded_words(text: str) -> list[str]:
    """Lower-case ASCII words as typed, before the index's normalisation (which expands
    "tech" to "technician" and would then miss "technology")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return [w for w in "".join(c if c.isalnum() or c in "+#" else " "
                               for c in text.lower()).split() if w]


class PrefixSuggester:
    """Every label of an index by its normalised words, for look-ups by a word's beginning."""

    def __init__(self, index: Index):
        self.index = index
        self.label_words = [text.split() for text in index.label_text]
        postings: dict[str, list[int]] = defaultdict(list)
        for number, words in enumerate(self.label_words):
            for word in set(words):
                postings[word].append(number)
        self.postings = dict(postings)
        self.words = sorted(self.postings)

    def _starting(self, beginning: str) -> set[int]:
        """The labels with a word that begins with `beginning`."""
        found: set[int] = set()
        at = bisect.bisect_left(self.words, beginning)
        while at < len(self.words) and self.words[at].startswith(beginning):
            found.update(self.postings[self.words[at]])
            at += 1
        return found

    def suggest(self, text: str, type_key: str, ranked: Sequence[int] = ()) -> list[int]:
        """The entities (index numbers) of `type_key` whose labels match `text` as it is
        being typed, best first; entities whose best labels tie (an alternate title several
        occupations share: O*NET gives "Truck Driver" to five) in the order of `ranked`, the
        ranker's for the text (session 34's review: A-Z put Freight Forwarders first)."""
        typed = _folded_words(text)
        if not typed:
            return []
        finished = text[-1:].isspace()
        complete = tokens(" ".join(typed if finished else typed[:-1]))
        variants = [(complete, [])] if finished else []
        if not finished:
            last, normalised = typed[-1], tokens(typed[-1])
            if len(normalised) <= 1:
                variants.append((complete, sorted({last, *normalised})))
            else:  # an abbreviation of several words: "rn" is "registered nurse" and "rn..."
                variants.append((complete, [last]))
                variants.append(([*complete, *normalised[:-1]], normalised[-1:]))
        best: dict[int, tuple[int, float, int]] = {}
        for words, partial in variants:
            for entity, key in self._matching(words, partial, type_key).items():
                if entity not in best or key < best[entity]:
                    best[entity] = key
        position = {entity: n for n, entity in enumerate(ranked)}
        return sorted(best, key=lambda e: (best[e], position.get(e, len(position)),
                                           self.index.entities[e].name,
                                           self.index.entities[e].id))

    def _matching(self, complete: list[str], partial: list[str],
                  type_key: str) -> dict[int, tuple[int, float, int]]:
        """Entity -> the key of its best label holding the `complete` words and a word that
        begins with one of `partial`: (0 if the label begins with the words, else 1; its
        weight, negated; its number of words)."""
        labels: set[int] | None = None
        for word in dict.fromkeys(complete):
            having = set(self.postings.get(word, ()))
            labels = having if labels is None else labels & having
            if not labels:
                return {}
        if partial:
            having = set().union(*(self._starting(p) for p in partial))
            labels = having if labels is None else labels & having
        beginnings = [" ".join([*complete, p]) for p in partial] or [" ".join(complete)]
        best: dict[int, tuple[int, float, int]] = {}
        for number in labels or ():
            entity = self.index.label_entity[number]
            if self.index.entities[entity].type != type_key:
                continue
            label = self.index.label_text[number]
            key = (0 if any(label.startswith(b) for b in beginnings) else 1,
                   -self.index.label_weight[number], len(self.label_words[number]))
            if entity not in best or key < best[entity]:
                best[entity] = key
        return best
