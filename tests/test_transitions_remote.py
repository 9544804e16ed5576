"""transitions-from on Virtuoso 7.2 (Debian) against the embedded store, on the slices'
transitions: most of them have no wage ratio (the OEWS slice has few codes), which the query
lets through only at minWageRatio 0 or less, with a UNION branch of FILTER NOT EXISTS (Virtuoso
7.2 dropped a NOT EXISTS beside OPTIONALs in another query: session 26)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.prefixes import DEFAULT_BASE, OKG
from kg.query.answer_compare import canonical_rows, concat_columns
from kg.query.catalog import load_query
from kg.query.engines import open_engine, run
from kg.query.param_binding import bind_params
from kg.query.remote_load import load
from kg.transitions.stage import add_transitions
from tests.conftest_virtuoso import virtuoso  # noqa: F401 - the fixture
from tests.test_transitions import slice_store, write_dist


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = slice_store()
    assert add_transitions(store, DEFAULT_BASE) > 0
    return write_dist(store, tmp_path_factory.mktemp("transitions-remote"))


def test_transitions_from_answers_alike_with_and_without_a_wage_condition(
        dist: Path, virtuoso) -> None:  # noqa: ANN001, F811 - the session fixture
    load(dist / "kg.trig", virtuoso.sparql_url, virtuoso.user, virtuoso.password,
         progress=False)
    remote = open_engine("remote", virtuoso.sparql_url)
    embedded = open_engine("oxigraph", dist / "kg.trig")
    query = load_query(None, "transitions-from")
    store = ox.Store(str(dist / "store"))
    kept = {q.subject for q in store.quads_for_pattern(  # with a job zone step (the query's)
        None, ox.NamedNode(OKG + "fromOccupation"),
        ox.NamedNode(DEFAULT_BASE + "onet-soc2019/11-3051.00"), ox.DefaultGraph())
        if next(store.quads_for_pattern(q.subject, ox.NamedNode(OKG + "jobZoneStep"), None,
                                        ox.DefaultGraph()), None)}
    unrated = {t for t in kept if not any(
        next(store.quads_for_pattern(t, ox.NamedNode(OKG + p), None, ox.DefaultGraph()), None)
        for p in ("wageRatio", "wageRatioAtLeast", "wageRatioAtMost"))}
    del store
    assert unrated and kept - unrated, "the slices must give both kinds of transition"
    counts = {}
    for low in ("0", "0.8"):
        text = bind_params(query.text, query.params, {
            "code": "11-3051.00", "minWageRatio": low, "maxJobZoneStep": "4"})
        expected = canonical_rows(run(embedded, text), concat_columns(text))
        assert canonical_rows(run(remote, text), concat_columns(text)) == expected, low
        counts[low] = len(expected) - 1
    assert counts["0"] == len(kept)  # every kept transition, those without a ratio included
    assert counts["0.8"] < counts["0"]


def test_transitions_chain_answers_alike_without_trailing_spaces(
        dist: Path, virtuoso) -> None:  # noqa: ANN001, F811 - the session fixture
    """Regression (session 27's second audit): a chain of one or two moves kept the missing
    moves' separators ("…/11-1021.00  "). The chain is now its occupations' codes, on
    Virtuoso 7.2 as on the embedded store (chains of 1, 2 and 3 moves on the slices)."""
    load(dist / "kg.trig", virtuoso.sparql_url, virtuoso.user, virtuoso.password,
         progress=False)
    remote = open_engine("remote", virtuoso.sparql_url)
    embedded = open_engine("oxigraph", dist / "kg.trig")
    query = load_query(None, "transitions-chain")
    text = bind_params(query.text, query.params, {"fromCode": "11-3051.00",
                                                  "toCode": "11-1021.00"})
    table = run(embedded, text)
    assert canonical_rows(run(remote, text), concat_columns(text)) == canonical_rows(
        table, concat_columns(text))
    column = table.variables.index("chain")
    steps = table.variables.index("steps")
    chains = {(int(str(r[steps])), str(r[column])) for r in table.rows}
    assert {n for n, _ in chains} == {1, 2, 3}
    for n, chain in chains:  # the codes of its n + 1 occupations, " > " between
        assert chain == chain.strip() and len(chain.split(" > ")) == n + 1, chain
