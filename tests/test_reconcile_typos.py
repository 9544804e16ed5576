"""Misspelt job titles and the spread of scores (kg/reconcile/respell.py, rank.py). The titles
are O*NET 29.3's (Occupation Data.txt, Alternate Titles.txt of onet_db_29_3)."""

from __future__ import annotations

from kg.reconcile.index import Index, from_store
from kg.reconcile.rank import Ranker
from kg.reconcile.respell import LOOKUPS, VARIANTS, Respeller
from tests.triples import onet_occupations, turtle_store


def _index(turtle: str) -> Index:
    return from_store(turtle_store(turtle))


# Registered Nurses hold many "... nurse" titles, Nurse Practitioners few.
_NURSES = onet_occupations({
    "29-1141.00": ("Registered Nurses", "Charge Nurse", "Flight Nurse", "Field Nurse",
                   "Dialysis Nurse", "Staff Nurse", "Circulating Nurse", "Forensic Nurse",
                   "Geriatric Nurse", "Industrial Nurse", "Delivery Nurse"),
    "29-1171.00": ("Nurse Practitioners", "Family Nurse Practitioner"),
    "47-2111.00": ("Electricians", "Electrician"),
    "17-2071.00": ("Electrical Engineers", "Electrical Project Engineer",
                   "Electrical Design Engineer", "Electrical Controls Engineer"),
    "41-2011.00": ("Cashiers", "Cashier", "Head Cashier", "Cashier Clerk", "Checker"),
    "41-2012.00": ("Gambling Change Persons and Booth Cashiers", "Cashier", "Casino Cashier",
                   "Booth Cashier", "Change Person"),
})


def test_a_misspelt_word_has_the_closest_label_words_as_respellings() -> None:
    respeller = Respeller(["electrician", "electrical engineer", "electrical design engineer",
                           "nurse practitioner", "registered nurse", "cnc operator",
                           "manager", "manage staff", "11 3051 00"])
    # one edit from both; the ranker picks (the commoner first)
    assert respeller.words("electrican") == ["electrical", "electrician"]
    assert respeller.words("managre") == ["manage", "manager"]  # a letter dropped, two swapped
    assert respeller.variants("nurse practioner") == ["nurse practitioner"]  # 2 edits, 10 letters
    assert respeller.variants("registred nurse") == ["registered nurse"]
    assert respeller.variants("electrican managre") == [
        "electrical manage", "electrical manager", "electrician manage", "electrician manager"]
    # words the labels hold, short words, numbers and words too far away stay as typed
    for typed in ("cnc operator", "hgv driver", "11 3051 00", "electr", "zzzzzzzz"):
        assert respeller.variants(typed) == [typed]


def test_an_english_word_no_label_holds_is_not_a_typo() -> None:
    """Regression (session 35's review): 520 of 1,230 real words of O*NET's task and tool
    statements that no label holds were respelled: "commuter rail engineer" became "computer
    rail engineer" (Software Developers), "toner" "tower", "injured" "insured"."""
    respeller = Respeller(["computer engineer", "rail engineer", "tower technician",
                           "insured", "nurse practitioner"])
    for typed in ("commuter rail engineer", "toner technician", "injured"):
        assert respeller.variants(typed) == [typed]
    assert respeller.variants("commuter nurse practioner") == ["commuter nurse practitioner"]


def test_a_long_query_of_unknown_words_is_looked_up_only_so_far() -> None:
    """Regression (session 35's review): every unknown word was looked up (1-3 ms each on the
    full graph), so 1,000 queries of 20 random words took 33 s inside the service's lock, and
    every combination of respellings was scored."""
    respeller = Respeller(["electrician", "electrical engineer", "manager", "manage staff"])
    typed = "electrican managre electrican managre electrican"
    variants = respeller.variants(typed)
    assert len(variants) == VARIANTS
    # the first LOOKUPS unknown words are respelled, the rest stay as typed
    assert all(v.split()[LOOKUPS:] == typed.split()[LOOKUPS:] for v in variants)
    assert all(v.split()[0] in ("electrical", "electrician") for v in variants)


def test_a_misspelt_title_finds_its_occupation_but_never_matches() -> None:
    """Regression (session 35): "nurse practioner" gave Registered Nurses at 100 and Nurse
    Practitioners at 24.44 on the full graph: the unseen word added nothing but some character
    n-grams, and the many "... nurse" titles won."""
    ranker = Ranker(_index(_NURSES))
    for rerank in (True, False):
        found = ranker.rank(["nurse practioner", "electrican"], "onet-occupation",
                            rerank=rerank)
        assert [answer[0].id for answer in found] == ["29-1171.00", "47-2111.00"], found
        # a respelled word is a guess: no `match`, which a client may accept unseen
        assert not any(answer[0].match for answer in found)
    typed_right = ranker.rank(["Nurse Practitioner"], "onet-occupation")[0]
    assert typed_right[0].id == "29-1171.00" and typed_right[0].match


def test_scores_spread_below_the_best_instead_of_piling_up_at_100() -> None:
    """Regression (session 35): scores were 100 x raw / 3 capped at 100, so "cashier" gave
    Cashiers and Gambling Change Persons and Booth Cashiers both 100 on the full graph."""
    ranker = Ranker(_index(_NURSES))
    for rerank in (True, False):
        found = ranker.rank(["cashier"], "onet-occupation", limit=4, rerank=rerank)[0]
        raws = [c.raw for c in found]
        scores = [c.score for c in found]
        assert found[0].id == "41-2011.00" and scores[0] == 100.0
        assert raws[1] > 3.0  # SCORE_FULL: both first ones were shown at 100
        assert scores == sorted(scores, reverse=True)
        assert all(s < 100.0 for s in scores[1:]), scores
        # out of the best raw score: the second's share of the first's
        assert abs(scores[1] - round(100 * raws[1] / raws[0], 2)) <= 0.01
