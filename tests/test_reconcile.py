"""The reconciliation service and `kg reconcile`, on the seed build plus the tests/data slices.

Every response kind is validated against the published W3C Reconciliation API v0.2 JSON Schemas
(../shared/vocab/reconciliation-0.2/); the expected codes, titles and figures come from the slice
files (tests/data)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import threading
import urllib.parse
from email.message import Message
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyoxigraph as ox
import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from kg.errors import KgError
from kg.reconcile import rank
from kg.reconcile.cli import reconcile_file
from kg.reconcile.index import LABEL_WEIGHTS, Index, from_files, from_store
from kg.reconcile.normalise import normalise
from kg.reconcile.rank import Ranker
from kg.reconcile.reference import import_reference
from kg.reconcile.service import (
    MAX_PROPERTIES,
    PROPERTIES,
    SHOULD_FACTOR,
    BadRequest,
    Service,
    documentation,
)
from kg.reconcile.suggest import PrefixSuggester
from kg.reconcile.types import TYPES
from kg.serve import reconcile_route
from kg.serve.responses import Response
from tests.conftest import SHARED
from tests.server_support import http, running_server, slices_with_oews_row_changed
from tests.triples import onet_occupations, store_of, turtle_store

DATA = Path(__file__).parent / "data"
SCHEMAS = SHARED / "vocab" / "reconciliation-0.2"
ALTERNATE = DATA / "onet_db_29_3" / "Alternate Titles.tsv"
ROOT = "http://example.org/reconcile"
ID = "https://w3id.org/occupation-kg/id/"


def _validator(name: str) -> Draft7Validator:
    if not SCHEMAS.is_dir():
        pytest.skip(f"the reconciliation schemas are not at {SCHEMAS}")
    # The schemas refer to each other by URL ("type.json"); resolve those to the local copies.
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(schema["$id"], DRAFT7.create_resource(schema))
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=registry)


def value_of(value: dict) -> object:
    """A data extension value, whatever its form: the id, the text or the number."""
    return value.get("id", value.get("str", value.get("int", value.get("float"))))


def valid(name: str, instance: object) -> None:
    errors = [e.message for e in _validator(name).iter_errors(instance)]
    assert not errors, errors


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return import_reference(DATA, tmp_path_factory.mktemp("reconcile-slices"))


@pytest.fixture(scope="module")
def index(slices: list[Path], dist: Path) -> Index:
    return from_files([*slices, dist / "kg.trig"])


@pytest.fixture(scope="module")
def service(index: Index) -> Service:
    return Service(index, ROOT, "{{id}}")


@pytest.fixture(scope="module")
def mixed_dist(slices: list[Path], dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed build with the slices merged into its kg.trig, for `kg serve`."""
    out = tmp_path_factory.mktemp("reconcile-dist")
    store = ox.Store()
    for path in [*slices, dist / "kg.trig"]:
        fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.N_QUADS
        store.bulk_load(path=str(path), format=fmt)
    store.dump(output=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    shutil.copy(dist / "void.ttl", out / "void.ttl")
    return out


def _batch(service: Service, queries: dict[str, object]) -> dict[str, object]:
    valid("reconciliation-query-batch.json", queries)
    answer = service.queries(json.dumps(queries))
    valid("reconciliation-result-batch.json", answer)
    return answer


def test_normalisation_folds_case_punctuation_plurals_abbreviations_and_gender() -> None:
    assert normalise("Sr. Production Mgrs") == normalise("senior production manager")
    assert normalise("Asst. Plant Mgr") == "assistant plant manager"
    assert normalise("Chairwoman") == normalise("chairman") == "chairperson"
    assert normalise("Sales & Marketing Directors") == "sales and marketing director"
    # British spellings (breame's list) to American ones, plurals too: a UK user's "Labourer"
    # scored 21.76 against 94.52 for "Laborer" (session 30's job-title audit)
    assert normalise("Construction Labourers") == normalise("construction laborer")
    assert normalise("Programme Managers") == "program manager"
    assert normalise("Movie Theatre Manager") == normalise("Movie Theater Manager")
    assert normalise("Paediatrician") == "pediatrician"


def test_manifest_validates_and_lists_every_type(service: Service) -> None:
    manifest = service.manifest()
    valid("manifest.json", manifest)
    assert [t["id"] for t in manifest["defaultTypes"]] == list(TYPES)
    for t in manifest["defaultTypes"]:
        valid("type.json", t)
    # Regression (session 29's audit): documentation was a paragraph, which OpenRefine showed
    # as a broken link; it is the form page's URL, and the page holds the paragraph. The view
    # was the 400x200 preview card; it leads to the entity's page.
    assert manifest["documentation"] == ROOT + "/form"
    assert "O*NET-SOC code, e.g. 11-3051.00" in documentation()
    assert manifest["view"]["url"] == ROOT + "/view?id={{id}}"
    assert service.entity_iris("11-3051.00") == [
        (ID + "onet-soc2019/11-3051.00", "Industrial Production Managers",
         "O*NET-SOC 2019 occupation")]
    assert service.entity_iris("99-9999.00") == []
    # ISCO-08's major group 1 and O*NET's content-model element 1 share the id: both are
    # offered (the second audit: the view led to ISCO's for O*NET's)
    shared = {kind for _, _, kind in service.entity_iris("1")}
    assert shared == {"ISCO-08 group", "O*NET element (skill, knowledge, ability, work activity)"}


def test_abbreviated_title_finds_its_onet_occupation(service: Service) -> None:
    # "Production Manager" is an alternate title of 11-3051.00 in the slice.
    answer = _batch(service, {"q0": {"query": "Sr. Production Mgr", "type": "onet-occupation"},
                              "q1": {"query": "11-3051.00", "limit": 3}})
    best = answer["q0"]["result"][0]  # type: ignore[index]
    assert (best["id"], best["name"]) == ("11-3051.00", "Industrial Production Managers")
    assert best["type"] == [{"id": "onet-occupation", "name": TYPES["onet-occupation"].name}]
    assert answer["q1"]["result"][0]["match"] is True  # type: ignore[index]


def test_esco_label_votes_for_the_onet_occupation_it_maps_to(service: Service,
                                                              index: Index) -> None:
    # "manufacturing manager" is the ESCO preferred label of the occupation the Nesta
    # crosswalk slice maps to 11-3051.00; drop the O*NET title of that wording to see the vote.
    esco = [e for e in index.entities if e.type == "esco-occupation"
            and e.name == "manufacturing manager"]
    assert esco and "11-3051.00" in [e.id for e in index.linked(index.entities.index(esco[0]),
                                                                 "onet-occupation")]
    answer = _batch(service, {"q": {"query": "manufacturing manager",
                                    "type": "esco-occupation"}})
    assert answer["q"]["result"][0]["id"] == esco[0].id  # type: ignore[index]


def test_match_only_when_clearly_ahead(service: Service) -> None:
    # kg/sources/curated/records: certification/cpim is labelled "Certified in Production and
    # Inventory
    # Management"; no other credential comes close.
    answer = _batch(service, {"a": {"query": "Certified in Production and Inventory Management",
                                    "type": "credential"},
                              "b": {"query": "manager", "type": "onet-occupation"}})
    assert answer["a"]["result"][0]["id"].endswith("/certification/cpim")  # type: ignore[index]
    assert answer["a"]["result"][0]["match"] is True  # type: ignore[index]
    assert not any(c["match"] for c in answer["b"]["result"])  # type: ignore[index]
    assert all(c["match"] is False for c in answer["a"]["result"][1:])  # type: ignore[index]


def test_other_types_answer(service: Service) -> None:
    answer = _batch(service, {
        "soc": {"query": "Industrial Production Managers", "type": "soc2018"},
        "cred": {"query": "six sigma black belt", "type": "credential"},
        "own": {"query": "vice president of manufacturing", "type": "occupation"},
        "skill": {"query": "Reading Comprehension", "type": "onet-element"},
    })
    ids = {k: v["result"][0]["id"] for k, v in answer.items()}  # type: ignore[index]
    assert ids["soc"] == "11-3051"  # before its broad group of that title (the next test)
    assert ids["cred"].endswith("/certification/six-sigma-black-belt")
    assert ids["own"].endswith("/occupation/vice-president-of-manufacturing")
    assert ids["skill"] == "2.A.1.a"


def test_a_title_a_group_shares_with_its_detailed_code_matches_the_detailed_code(
        service: Service) -> None:
    """Regression (the full-graph audit, session 32): "Registered Nurses" as a SOC 2018 title
    gave the broad group 29-1140 and the detailed occupation 29-1141 both at 100 and no match,
    so OpenRefine auto-matched neither; so for "electrician" (47-2110, 47-2111). The pairs are
    read from the slice of the SOC structure: a broad group and a detailed occupation in it
    with the same title."""
    rows = list(csv.reader((DATA / "soc_2018_structure" / "SOC_Structure.tsv").open(
        encoding="utf-8"), delimiter="\t"))[1:]
    codes: dict[str, list[str]] = {}  # title -> its codes, broad groups and detailed
    for row in rows:
        if row[2] or row[3]:
            codes.setdefault(row[5], []).append(row[2] or row[3])
    shared = {title: found for title, found in codes.items() if len(found) == 2}
    assert shared
    for title, (broad, detailed) in shared.items():
        assert broad.endswith("0") and broad[:6] == detailed[:6]
        result = _batch(service, {"q": {"query": title, "type": "soc2018"}})["q"]["result"]
        assert [c["id"] for c in result[:2]] == [detailed, broad], title  # type: ignore[index]
        assert result[0]["match"] is True and result[1]["match"] is False  # type: ignore[index]
        # the same as OpenRefine asks it (type_strict "should": other types ranked after),
        # with two types, and with a limit of 1 (session 32's second audit: the group came
        # first and nothing matched; with limit 1 the detailed code was not a candidate)
        for asked in ({"type": "soc2018", "type_strict": "should"},
                      {"type": "soc2018", "limit": 1}):
            result = _batch(service, {"q": {"query": title, **asked}})["q"]["result"]
            assert result[0]["id"] == detailed and result[0]["match"] is True, (  # type: ignore
                title, asked)
        # two types asked for: the order holds (an ISCO group close behind may hold the match
        # back, as the rule for types says)
        result = _batch(service, {"q": {"query": title, "type": ["soc2018", "isco08"]}})
        ids = [c["id"] for c in result["q"]["result"]]  # type: ignore[index]
        assert ids.index(detailed) < ids.index(broad), title


def test_suggest_responses_validate(service: Service) -> None:
    entity = service.suggest_entity("industrial prod", "onet-occupation")
    valid("suggest-entities-response.json", entity)
    assert entity["result"][0]["id"] == "11-3051.00"
    valid("suggest-entities-response.json", service.suggest_type("esco"))
    valid("suggest-entities-response.json", service.suggest_property("code"))


def test_extend_gives_codes_wage_and_job_zone(service: Service) -> None:
    answer = service.extend(json.dumps({"ids": ["11-3051.00"], "properties": [
        {"id": "soc2018"}, {"id": "median-wage"}, {"id": "job-zone"}, {"id": "esco"}]}))
    row = answer["rows"]["11-3051.00"]
    # Typed as the 0.2 data extension allows. Regression (session 29's audit): every value was
    # {"str"}, so OpenRefine made text columns only: the codes are ids of this service's
    # types (a reconciled column) and the figures numbers.
    assert row["soc2018"] == [{"id": "11-3051", "name": "Industrial Production Managers"}]
    # national_M2024_dl.tsv: 11-3051 A_MEDIAN 121440; Job Zones.tsv: 11-3051.00 zone 4.
    assert row["median-wage"] == [{"float": 121440.0}]
    assert row["job-zone"] == [{"int": 4}]
    (esco,) = row["esco"]
    assert esco["id"] == ("http://data.europa.eu/esco/occupation/"
                          "6426ada1-4d8c-4612-99e3-91bc569805ee") and esco["name"]
    types = {m["id"]: m.get("type", {}).get("id") for m in answer["meta"]}
    assert types == {"soc2018": "soc2018", "median-wage": None, "job-zone": None,
                     "esco": "esco-occupation"}
    # the 0.2 response's value forms: {"id", "name"}, {"str"}, {"int"}, {"float"} ...
    assert all(set(v) in ({"id", "name"}, {"str"}, {"int"}, {"float"})
               for values in row.values() for v in values)
    with pytest.raises(BadRequest, match="unknown property 'nope'"):
        service.extend(json.dumps({"ids": [], "properties": [{"id": "nope"}]}))


def test_a_specialtys_wage_names_the_soc_code_it_is_of(service: Service, index: Index) -> None:
    """Regression (session 35's audit): preview and extension gave an O*NET-SOC specialty
    (xx-xxxx.01, ...) its SOC code's median as a bare figure, read as its own; its page calls
    it a broader match. national_M2024_dl.tsv: 11-3051 A_MEDIAN 121440."""
    specialties = sorted(e.id for e in index.entities
                         if e.type == "onet-occupation" and e.id.startswith("11-3051.0")
                         and not e.id.endswith(".00"))
    assert specialties
    answer = service.extend(json.dumps({"ids": ["11-3051.00", *specialties],
                                        "properties": [{"id": "median-wage"}]}))
    # a number for data extension, whose property name says whose it is (session 35's review:
    # a qualified text made OpenRefine's column half text)
    for code in ["11-3051.00", *specialties]:
        assert answer["rows"][code]["median-wage"] == [{"float": 121440.0}]
    assert "of the SOC code for an O*NET-SOC occupation" in PROPERTIES["median-wage"].name
    assert "121440 (of SOC 11-3051)" in (service.preview(specialties[0]) or "")
    assert "(of SOC" not in (service.preview("11-3051.00") or "")


def test_merged_types_keep_the_raw_scores_order(service: Service) -> None:
    """Regression (session 35's review): each type's scores are out of its own best, and the
    merge sorted by them: "registered nurse" with type_strict "should" put SOC and ESCO
    entities at raw 2.5 before an O*NET occupation at 3.21. Merged by raw score (an unnamed
    type's x0.8), each type in its own order, the scores shown again on one scale."""
    for types, strict in ((("credential",), "should"),
                          (("soc2018", "onet-occupation"), "any")):
        (found,) = service._rank_types(["Industrial Production Managers"], types, strict, 10)
        assert len({c.type for c in found}) > 1
        levels, running = [], {}
        for c in reversed(found):
            running[c.type] = max(c.raw, running.get(c.type, 0.0))
            levels.append(running[c.type])
        levels.reverse()
        assert levels == sorted(levels, reverse=True), [(c.type, c.raw) for c in found]
        scores = [c.score for c in found]
        assert scores == sorted(scores, reverse=True)
        if strict == "any":
            assert scores[0] == round(100 * levels[0] / max(3.0, levels[0]), 2)


def test_an_onet_occupation_extends_with_the_isco_groups_bls_gives_its_soc_2010_code(
        service: Service) -> None:
    """Regression: the reconciliation form's ISCO column was empty for O*NET-SOC and SOC
    candidates. The groups are BLS's (soc2010_to_isco08.tsv) for the SOC 2010 code of the
    O*NET-SOC 2010 occupations O*NET's crosswalk links (2010_to_2019_Crosswalk.tsv); not the
    ESCO occupations' (the Nesta crosswalk read backwards gave wrong groups, session 22)."""
    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))

    for code in ("11-3051.00", "11-3051.01"):
        old = {r["O*NET-SOC 2010 Code"][:7] for r in rows(
            DATA / "onet_soc_2019_taxonomy" / "2010_to_2019_Crosswalk.tsv")
            if r["O*NET-SOC 2019 Code"] == code}
        groups = {r["ISCO-08 Code"] for r in rows(
            DATA / "crosswalk_isco08_soc2010_bls" / "soc2010_to_isco08.tsv")
            if r["2010 SOC Code"] in old}
        answer = service.extend(json.dumps({"ids": [code], "properties": [{"id": "isco08"}]}))
        assert groups and [value_of(v) for v in answer["rows"][code]["isco08"]] == sorted(groups)


def test_an_isco_group_extends_with_the_codes_bls_gives_it(service: Service) -> None:
    """Regression (session 36's client audit): extending ISCO-08 groups gave empty SOC 2018,
    O*NET-SOC, median wage and job zone cells, though extend/propose offers them and the
    chained SSSOM set maps 2655 Actors to 27-2011. The groups' codes are the O*NET-SOC and SOC
    occupations whose ISCO column (the test above) names the group."""
    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))

    old = {r["O*NET-SOC 2010 Code"][:7] for r in rows(
        DATA / "onet_soc_2019_taxonomy" / "2010_to_2019_Crosswalk.tsv")
        if r["O*NET-SOC 2019 Code"] == "11-3051.00"}
    groups = sorted({r["ISCO-08 Code"] for r in rows(
        DATA / "crosswalk_isco08_soc2010_bls" / "soc2010_to_isco08.tsv")
        if r["2010 SOC Code"] in old})
    served = [g for g in groups if g in service.any_id]
    assert served, (groups, "no ISCO group of the slice")
    wanted = [{"id": p} for p in ("soc2018", "onet", "median-wage", "job-zone")]
    answer = service.extend(json.dumps({"ids": served, "properties": wanted}))
    for group in served:
        cells = {p: [value_of(v) for v in answer["rows"][group][p]] for p in
                 ("soc2018", "onet", "median-wage", "job-zone")}
        assert "11-3051" in cells["soc2018"] and "11-3051.00" in cells["onet"], (group, cells)
        assert cells["median-wage"] and cells["job-zone"], (group, cells)


def test_bad_queries_are_400_messages(service: Service) -> None:
    # Regression (session 29's attack): ids 1 and null gave rows "1" and "None"
    with pytest.raises(BadRequest, match="ids must be strings, got 1"):
        service.extend(json.dumps({"ids": [1, None], "properties": [{"id": "soc2018"}]}))
    with pytest.raises(BadRequest, match="unknown type 'planet'"):
        service.queries(json.dumps({"q": {"query": "x", "type": "planet"}}))
    with pytest.raises(BadRequest, match="not JSON"):
        service.queries("{")


@pytest.mark.parametrize(("call", "raw", "message"), [
    ("queries", '{"q0": {"query": "nurse", "type": {"id": {"a": 1}}}}', "unknown type"),
    ("queries", '{"q0": {"query": "nurse", "type": [["x"]]}}', "unknown type"),
    ("extend", '{"ids": ["11-3051.00"], "properties": [{"id": ["isco08"]}]}',
     "unknown property"),
    ("queries", '{"q0": {"query": "nurse", "properties": [{"pid": ["isco08"], "v": "1"}]}}',
     "with a string 'pid'"),
    ("queries", '{"q0": {"query": "nurse", "properties": [1]}}', "with a string 'pid'"),
    ("queries", '{"q0": {"query": "nurse", "properties": [{"pid": "isco08"}]}}', "and a 'v'"),
    ("queries", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("extend", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
], ids=["type-object", "type-nested-list", "property-list", "pid-list", "property-number",
        "property-without-v", "deep-queries", "deep-extend"])
def test_odd_json_is_a_400_not_a_500(service: Service, call: str, raw: str,
                                     message: str) -> None:
    """Regression: a type or property id that is a list or an object raised TypeError (it was
    looked up as a dict key), and deeply nested JSON RecursionError: 500s (attack, session 22).
    A property that is not an object with a pid and a v (the 0.2 query schema), such as
    `properties: [1]`, was ignored without a word (attack, session 24)."""
    with pytest.raises(BadRequest, match=message):
        getattr(service, call)(raw)


@pytest.mark.parametrize("limit", ["NaN", "Infinity", "-Infinity", "true", "2.5", "0", "-1",
                                   '"3"'])
def test_a_limit_that_is_no_positive_integer_is_a_400(service: Service, limit: str) -> None:
    """Regression: `"limit": NaN` and `Infinity` (Python's json reads them) were 500s, and
    `true` and `2.5` were taken; the Reconciliation API schema's limit is an integer."""
    with pytest.raises(BadRequest, match=r"has limit .* \(a positive integer\)"):
        service.queries('{"q": {"query": "plant manager", "limit": ' + limit + "}}")


def test_a_whole_number_limit_is_an_integer(service: Service) -> None:
    answer = service.queries('{"q": {"query": "plant manager", "limit": 2.0}}')
    assert 0 < len(answer["q"]["result"]) <= 2  # type: ignore[index]


def test_server_get_post_preview_and_cors(mixed_dist: Path) -> None:
    queries = {"q0": {"query": "Sr. Production Mgr", "type": "onet-occupation", "limit": 3}}
    with running_server(mixed_dist) as srv:
        manifest = http(f"{srv.url}/reconcile")
        assert manifest.status == 200
        assert manifest.headers["Access-Control-Allow-Origin"] == "*"
        valid("manifest.json", json.loads(manifest.body))
        get = http(f"{srv.url}/reconcile?queries="
                   + urllib.parse.quote(json.dumps(queries)))
        form = urllib.parse.urlencode({"queries": json.dumps(queries)}).encode()
        post = http(f"{srv.url}/reconcile", data=form, method="POST",
                    content_type="application/x-www-form-urlencoded")
        for reply in (get, post):
            assert reply.status == 200, reply.text
            assert reply.headers["Access-Control-Allow-Origin"] == "*"
            answer = json.loads(reply.body)
            valid("reconciliation-result-batch.json", answer)
            assert answer["q0"]["result"][0]["id"] == "11-3051.00"
        suggest = http(f"{srv.url}/reconcile/suggest/entity?prefix=production+manager")
        valid("suggest-entities-response.json", json.loads(suggest.body))
        preview = http(f"{srv.url}/reconcile/preview?id=11-3051.00")
        assert preview.status == 200 and "Industrial Production Managers" in preview.text
        assert "11-3051" in preview.text
        bad = http(f"{srv.url}/reconcile?queries=%7B")
        assert bad.status == 400 and "not JSON" in json.loads(bad.body)["error"]
        # Regression: a repeated parameter kept its last value, dropping a batch unanswered.
        twice = urllib.parse.urlencode([("queries", json.dumps(queries))] * 2)
        for reply in (http(f"{srv.url}/reconcile?{twice}"),
                      http(f"{srv.url}/reconcile?{twice.split('&')[0]}", data=form,
                           method="POST", content_type="application/x-www-form-urlencoded")):
            assert reply.status == 400
            assert "'queries' given 2 times" in json.loads(reply.body)["error"]
        # queries and extend in one request: one of them went unanswered
        extend = json.dumps({"ids": ["11-3051.00"], "properties": [{"id": "soc2018"}]})
        both = http(f"{srv.url}/reconcile?queries={urllib.parse.quote(json.dumps(queries))}"
                    f"&extend={urllib.parse.quote(extend)}")
        assert both.status == 400 and "not both" in json.loads(both.body)["error"]
        # the form page only prefills its fields: a repeated one is no error
        assert http(f"{srv.url}/reconcile/form?q=a&q=b").status == 200
        # Regression (session 30's attack): an extension request POSTed as JSON was read as
        # a query batch ("'ids' has no string 'query'")
        posted = http(f"{srv.url}/reconcile", data=extend.encode(), method="POST",
                      content_type="application/json")
        assert posted.status == 200 and "11-3051.00" in json.loads(posted.body)["rows"]
        # Regression (session 30's attack): str.isdigit() holds for "²", which int() refuses,
        # and 5,000 nines are past int()'s digit limit: 500s
        for bad_number in ("%C2%B2", "9" * 5000):
            for path in (f"suggest/entity?prefix=pro&cursor={bad_number}",
                         f"extend/propose?type=onet-occupation&limit={bad_number}"):
                reply = http(f"{srv.url}/reconcile/{path}")
                assert reply.status == 400, (path[:40], reply.status, reply.text[:200])
        assert http(f"{srv.url}/reconcile/form").status == 200
        # Regression (session 29's attack): a text/plain body was ignored (the manifest came)
        plain = http(f"{srv.url}/reconcile", data=json.dumps(queries).encode(), method="POST",
                     content_type="text/plain")
        assert plain.status == 415 and "text/plain" in json.loads(plain.body)["error"]
        # the manifest's view leads to the entity's page (session 29's client audit)
        view = http(f"{srv.url}/reconcile/view?id=11-3051.00")
        assert view.status == 303
        assert view.headers["Location"].endswith("/id/onet-soc2019/11-3051.00")
        assert http(f"{srv.url}/reconcile/view?id=99-9999.00").status == 404


def _titles() -> list[str]:
    with ALTERNATE.open(encoding="utf-8") as handle:
        return [row["Alternate Title"] for row in csv.DictReader(handle, delimiter="\t")]


def test_kg_reconcile_writes_a_thousand_rows_with_a_progress_bar(
        slices: list[Path], dist: Path, tmp_path: Path) -> None:
    titles = _titles()
    source = tmp_path / "titles.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "job title"])
        for n in range(1000):
            writer.writerow([n, titles[n % len(titles)]])
    out = tmp_path / "out.csv"
    args = [sys.executable, "-m", "kg.cli", "reconcile", str(source), "--column", "job title",
            "--type", "onet-occupation", "--out", str(out)]
    for path in [*slices, dist / "kg.trig"]:
        args += ["--source", str(path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1000/1000" in done.stderr  # the tqdm bar
    assert f"{out}: 1000 rows reconciled" in done.stdout
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1000
    assert rows[0]["job title"] == titles[0]
    assert all(r["reconciled_id"] for r in rows)
    # Titles the index holds are found again, each as its own occupation.
    with ALTERNATE.open(encoding="utf-8") as handle:
        code_of = {r["Alternate Title"]: r["O*NET-SOC Code"]
                   for r in csv.DictReader(handle, delimiter="\t")}
    hits = sum(r["reconciled_id"] == code_of[r["job title"]] for r in rows)
    assert hits / len(rows) > 0.9


def test_kg_reconcile_names_a_missing_column(slices: list[Path], tmp_path: Path) -> None:
    source = tmp_path / "t.tsv"
    source.write_text("title\tn\nplant manager\t1\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"t\.tsv: line 1: no column 'job' \(columns: title, n\)"):
        reconcile_file(source, "job", "onet-occupation", tmp_path / "o.tsv", slices)


def test_kg_reconcile_names_the_line_of_a_byte_that_is_not_utf8(slices: list[Path],
                                                                 tmp_path: Path) -> None:
    """Regression (session 36's attack): a Latin-1 file gave the codec's message, "can't
    decode byte 0xe9 in position 17", a byte offset and no line."""
    source = tmp_path / "t.csv"
    source.write_bytes("Job title\nplant manager\ning\u00e9nieur\n".encode("latin-1"))
    with pytest.raises(KgError, match=r"t\.csv: line 3, column 4: byte 0xe9 is not UTF-8; save "
                                      r"the file as UTF-8"):
        reconcile_file(source, "Job title", "onet-occupation", tmp_path / "o.csv", slices)


@pytest.mark.parametrize(("extra", "message"), [
    (["--out", "{source}"], "--out {source}: is the input file; choose another file"),
    (["--out", "{folder}"], "--out {folder}: is a folder; give a file name"),
    (["--out", "{folder}/no/such.csv"], "--out {folder}/no/such.csv: no folder {folder}/no"),
    (["--limit", "0"], "--limit 0: must be 1 to 100"),
    (["--limit", "999999999999999999999999"], "--limit 999999999999999999999999: must be 1 to 100"),
], ids=["out-is-the-input", "out-is-a-folder", "out-folder-missing", "limit-0", "limit-huge"])
def test_kg_reconcile_refuses_an_output_it_cannot_or_must_not_write(
        slices: list[Path], tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    """Regression: `--out` naming the input replaced the input with the results, and a folder
    or a missing folder as `--out` ended in a traceback; `--limit 0` was taken silently."""
    from kg.cli import main

    source = tmp_path / "t.csv"
    source.write_text("job\nplant manager\n", encoding="utf-8")
    names = {"source": str(source), "folder": str(tmp_path)}
    args = ["reconcile", str(source), "--column", "job", "--type", "onet-occupation",
            "--source", str(slices[0]), *[a.format(**names) for a in extra]]
    assert main(args) == 1
    assert capsys.readouterr().err == f"kg: error: {message.format(**names)}\n"
    assert source.read_text(encoding="utf-8") == "job\nplant manager\n"


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_kg_reconcile_writes_as_many_candidates_as_its_limit(
        slices: list[Path], tmp_path: Path, limit: int) -> None:
    """Regression (session 30's new-user audit): --limit was read and ignored, the best and
    the runner-up written whatever it said."""
    source = tmp_path / "t.csv"
    source.write_text("job\nplant manager\nnurse\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    reconcile_file(source, "job", "onet-occupation", out, slices, limit=limit, quiet=True)
    with out.open(encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header[:5] == ["job", "reconciled_id", "reconciled_name", "reconciled_score",
                          "reconciled_match"]
    assert len(header) == 5 + 3 * (limit - 1) and all(len(r) == len(header) for r in rows)
    assert ("runner_up_id" in header) == (limit >= 2)
    assert ("candidate_4_name" in header) == (limit == 4)
    assert len(rows) == 2 and all(r[1] for r in rows)
    # the slices hold plant managers enough for every column
    assert all(rows[0][k] for k in range(5, len(header), 3))


def test_kg_reconcile_says_when_the_graph_holds_none_of_the_type(
        dist: Path, tmp_path: Path, capsys) -> None:
    """Regression (session 30's new-user audit): on a seed build every row came back empty,
    with no word of why."""
    source = tmp_path / "t.csv"
    source.write_text("job\nplant manager\n", encoding="utf-8")
    reconcile_file(source, "job", "onet-occupation", tmp_path / "o.csv", [dist / "kg.trig"],
                   quiet=True)
    err = capsys.readouterr().err
    assert "holds no O*NET-SOC 2019 occupation; every row is left unreconciled" in err
    assert "types it holds: " in err and "occupation" in err.split("types it holds: ")[1]


def test_kg_reconcile_keeps_line_ends_inside_quoted_cells(dist: Path, tmp_path: Path) -> None:
    """Regression (session 30's attack): text.splitlines() fed the csv reader, so a quoted
    "Plant\nManager" was reconciled as "PlantManager" and written back so, a U+2028 in a
    cell split it, and an unclosed quote swallowed the rest of the file silently."""
    source = tmp_path / "t.csv"
    source.write_text('job,note\n"Plant\nmanager","a\nb"\nnurse,"x\u2028y"\n', encoding="utf-8")
    out = tmp_path / "o.csv"
    reconcile_file(source, "job", "occupation", out, [dist / "kg.trig"], quiet=True)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["job"], r["note"]) for r in rows] == [("Plant\nmanager", "a\nb"),
                                                     ("nurse", "x\u2028y")]
    assert rows[0]["reconciled_name"] == "Plant manager"
    source.write_text('job\n"Plant manager\nnurse\n', encoding="utf-8")
    with pytest.raises(KgError, match=r"t\.csv: line 2: a quoted cell is never closed"):
        reconcile_file(source, "job", "occupation", out, [dist / "kg.trig"], quiet=True)
    # but a quote inside a cell is read as spreadsheets write it (the second audit: a strict
    # reader refused a TSV row `"Acting" plant manager<TAB>1` that was read before)
    tsv = tmp_path / "t.tsv"
    tsv.write_text('job\tn\n"Acting" plant manager\t1\n', encoding="utf-8")
    reconcile_file(tsv, "job", "occupation", tmp_path / "o.tsv", [dist / "kg.trig"], quiet=True)
    # and a reconciled file is not reconciled again (each added column came twice)
    with pytest.raises(KgError, match=r"o\.tsv: line 1: it already has the column "
                                      r"'reconciled_id'"):
        reconcile_file(tmp_path / "o.tsv", "job", "occupation", tmp_path / "o2.tsv",
                       [dist / "kg.trig"], quiet=True)
    # a row's line is the line it starts on, past cells that hold line ends
    source.write_text('job,note\n"Plant\nmanager","a\nb"\nnurse\n', encoding="utf-8")
    with pytest.raises(KgError, match=r"t\.csv: line 5: 1 fields, the header has 2"):
        reconcile_file(source, "job", "occupation", out, [dist / "kg.trig"], quiet=True)


def test_kg_reconcile_refuses_an_ambiguous_column(dist: Path, tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("job,job\nnurse,plant manager\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"line 1: 2 columns are named 'job'"):
        reconcile_file(source, "job", "occupation", tmp_path / "o.csv", [dist / "kg.trig"])


def test_kg_reconcile_names_the_line_of_an_oversized_field(slices: list[Path],
                                                          tmp_path: Path) -> None:
    """Regression: a field over csv's 128 KB limit ended in a csv.Error traceback."""
    source = tmp_path / "t.csv"
    source.write_text("job\nplant manager\n" + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"t\.csv: line 3: field larger than field limit"):
        reconcile_file(source, "job", "onet-occupation", tmp_path / "o.csv", slices)


def _small_index(turtle: str) -> Index:
    return from_store(turtle_store(turtle))


_SMALL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix okg: <https://w3id.org/occupation-kg/ontology#> .
@prefix id: <https://w3id.org/occupation-kg/id/> .
id:onet-soc2019\\/47-2121.00 skos:inScheme id:scheme\\/onet-soc2019 ; skos:notation "47-2121.00" ;
    skos:prefLabel "Glaziers"@en ; skos:altLabel "Installer"@en ;
    okg:reportedTitle "Glass Installer"@en ; okg:hasTask id:onet-task\\/1 .
id:onet-task\\/1 skos:prefLabel "Install mirrors and glass panes in frames."@en .
id:onet-soc2019\\/49-2097.00 skos:inScheme id:scheme\\/onet-soc2019 ;
    skos:notation "49-2097.00" ; skos:prefLabel "Audiovisual Equipment Installers"@en ;
    skos:altLabel "Installer"@en ; okg:hasTask id:onet-task\\/2 .
id:onet-task\\/2 skos:prefLabel "Install televisions and speakers."@en .
"""


def test_reported_titles_are_their_own_label_kind_even_when_entailed_as_alt_labels() -> None:
    # okg:reportedTitle is a sub-property of skos:altLabel: a build's closure states both.
    entailed = 'id:onet-soc2019\\/47-2121.00 skos:altLabel "Glass Installer"@en .'
    index = _small_index(_SMALL + entailed)
    weights = {(index.entities[e].id, t): w for e, t, w in zip(
        index.label_entity, index.label_text, index.label_weight, strict=True)}
    assert weights[("47-2121.00", "glass installer")] == LABEL_WEIGHTS["reportedTitle"]
    assert weights[("47-2121.00", "installer")] == LABEL_WEIGHTS["altLabel"]


def test_tasks_are_weak_context_for_longer_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    index = _small_index(_SMALL)
    assert index.context[index.by_id[("onet-occupation", "47-2121.00")]] == [
        "Install mirrors and glass panes in frames."]
    ranker = Ranker(index)

    def lead(query: str) -> float:  # the glaziers' raw score minus the other's
        found = {c.id: c.raw for c in ranker.rank([query], "onet-occupation")[0]}
        return found["47-2121.00"] - found["49-2097.00"]

    # Both occupations have the label "Installer"; only the glaziers' task names mirrors.
    with_context = lead("installer of bathroom mirrors")
    monkeypatch.setattr(rank, "CONTEXT_SHARE", 0.0)
    assert with_context > 0 and with_context > lead("installer of bathroom mirrors")


def test_an_occupation_comes_before_its_specialties_that_share_a_title() -> None:
    """Regression (session 30's new-user audit): six O*NET occupations are "Plant Manager";
    the raw score, all but tied, put Biofuels Production Managers (11-3051.03) before
    Industrial Production Managers (11-3051.00). A title that names no specialty is the
    occupation's; holders under other codes keep the raw order."""
    index = _small_index(onet_occupations({
        "11-3051.00": ("Industrial Production Managers", "Plant Manager"),
        "11-3051.03": ("Biofuels Production Managers", "Plant Manager", "Biofuels Plant Manager",
                       "Plant Manager, Biofuels"),
        "11-9013.00": ("Farmers, Ranchers, and Other Agricultural Managers", "Plant Manager"),
    }))
    ranker = Ranker(index)
    raw = ranker.rank(["plant manager"], "onet-occupation", rerank=False)[0]
    ids = [c.id for c in raw]
    assert ids.index("11-3051.00") < ids.index("11-3051.03"), ids
    # the farmers' place among the holders is the raw score's, not moved by the rule
    scores = {c.id: c.raw for c in raw}
    assert ids.index("11-9013.00") == 0 or scores["11-9013.00"] <= max(
        scores["11-3051.00"], scores["11-3051.03"])


def test_type_strict_any_all_should(service: Service) -> None:
    title = "Industrial Production Managers"
    answer = _batch(service, {
        "any": {"query": title, "type": ["soc2018", "onet-occupation"], "type_strict": "any",
                "limit": 4},
        "all": {"query": title, "type": ["soc2018", "onet-occupation"], "type_strict": "all"},
        "should": {"query": title, "type": "credential", "type_strict": "should", "limit": 3},
    })
    kinds = {c["type"][0]["id"] for c in answer["any"]["result"]}  # type: ignore[index]
    assert kinds == {"soc2018", "onet-occupation"}
    assert answer["all"]["result"] == []  # type: ignore[index]  # no IRI is of both types
    should = answer["should"]["result"]  # type: ignore[index]
    # The title names an occupation, so an occupation of an unasked type leads, scaled and
    # never a match.
    assert should[0]["type"][0]["id"] != "credential" and should[0]["match"] is False
    assert should[0]["score"] <= 100 * SHOULD_FACTOR
    with pytest.raises(BadRequest, match="type_strict 'most'"):
        service.queries(json.dumps({"q": {"query": "x", "type_strict": "most"}}))


def test_own_occupations_extend_with_their_stated_codes(dist: Path) -> None:
    # Regression: the form's SOC column was empty for the project's occupations when the
    # reference data was not loaded (okg:socCode was not read by data extension).
    own = Service(from_files([dist / "kg.trig"]), ROOT, "{{id}}")
    iri = next(e.iri for e in own.index.entities
               if e.type == "occupation" and e.iri.endswith("/industrial-production-managers"))
    answer = own.extend(json.dumps({"ids": [iri], "properties": [{"id": "soc2018"}]}))
    assert answer["rows"][iri]["soc2018"] == [{"str": "11-3051"}]


def test_coverage_rewards_a_candidate_whose_titles_hold_every_query_word(
        monkeypatch: pytest.MonkeyPatch) -> None:
    index = _small_index("""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix id: <https://w3id.org/occupation-kg/id/> .
id:onet-soc2019\\/17-2051.00 skos:inScheme id:scheme\\/onet-soc2019 ; skos:notation "17-2051.00" ;
    skos:prefLabel "Civil Engineers"@en ; skos:altLabel "Road Engineer"@en, "Design Engineer"@en .
id:onet-soc2019\\/17-3022.00 skos:inScheme id:scheme\\/onet-soc2019 ; skos:notation "17-3022.00" ;
    skos:prefLabel "Civil Engineering Technologists"@en ;
    skos:altLabel "Road Design Technician"@en .
""")
    ranker = Ranker(index)

    def lead() -> float:
        found = {c.id: c.raw for c in ranker.rank(["Road Design Engineer"], "onet-occupation")[0]}
        return found["17-2051.00"] - found["17-3022.00"]

    with_coverage = lead()
    monkeypatch.setattr(rank, "COVERAGE_SHARE", 0.0)
    assert with_coverage > 0 and with_coverage > lead()


class _SlowStore:
    """A store whose first query waits for `release`, then fails: the index build in between."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def query(self, query: str, **_: object) -> list[object]:
        self.release.wait(10)
        raise OSError("the store went away")


def test_queries_during_the_index_build_get_503_then_the_build_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = _SlowStore()
    app = SimpleNamespace(store=store, mapping=SimpleNamespace(public="http://x.org/id/"))
    monkeypatch.setattr(reconcile_route, "WAIT", 0.0)
    ask = urllib.parse.quote(json.dumps({"q": {"query": "plant manager"}}))

    def get(params: str) -> Response:
        return reconcile_route.reconcile(app, "GET", "/reconcile",  # type: ignore[arg-type]
                                         urllib.parse.parse_qs(params), Message(), b"")

    manifest = get("")  # needs no index; starts the build
    assert manifest.status == 200 and json.loads(manifest.body)["versions"] == ["0.2"]
    busy = get(f"queries={ask}")
    assert busy.status == 503 and busy.headers["Retry-After"] == "30"
    store.release.set()
    reconcile_route.building(app).done.wait(10)  # type: ignore[arg-type]
    failed = get(f"queries={ask}")
    assert failed.status == 500
    assert "index could not be built: the store went away" in json.loads(failed.body)["error"]


def test_knn_support_equals_the_full_partition(index: Index,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The KNN support partitions only the labels above KNN_FLOOR when enough are: the sums must
    # be those of the KNN nearest labels of the whole row, on both roads.
    monkeypatch.setattr(rank, "KNN", 4)
    ranker = Ranker(index)
    part = ranker.part("onet-occupation")
    with ALTERNATE.open(encoding="utf-8") as handle:
        titles = [row["Alternate Title"] for row in csv.DictReader(handle, delimiter="\t")][:60]
    vecs, _ = ranker.vectors([normalise(t) for t in titles])
    sims = (vecs @ part.labels).toarray() * part.weights
    owner = np.searchsorted(part.starts, np.arange(sims.shape[1]), side="right") - 1
    roads = set()
    for floor in (0.05, 0.3, 0.9):
        monkeypatch.setattr(rank, "KNN_FLOOR", floor)
        fast = rank._knn_support(sims, part.starts)
        for q, row in enumerate(sims):
            order = np.argsort(-row, kind="stable")
            if row[order[3]] == row[order[4]]:
                continue  # a tie at the 4th nearest: either label is one of the 4 nearest
            roads.add(int(np.sum(row >= floor) > 4))
            expected = np.zeros(len(part.starts))
            np.add.at(expected, owner[order[:4]], row[order[:4]] ** 3)
            assert np.allclose(fast[q], expected, atol=1e-6), titles[q]
    assert roads == {0, 1}  # both the floor road and the whole-row road were taken


def test_a_top_coded_median_wage_extends_as_a_lower_bound(
        dist: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Regression (session 25 audit): the data extension gave Anesthesiologists' median as
    "239200", an exact-looking figure for what BLS publishes only as its top code "#" ($239,200
    or more; the pages said so). Here the OEWS slice's 11-3051 row is top-coded from its median
    up, as BLS does for 29-1211."""
    work = tmp_path_factory.mktemp("top-coded")
    data = slices_with_oews_row_changed(
        work, "11-3051", {"A_MEDIAN": "#", "A_PCT75": "#", "A_PCT90": "#"})
    slices = import_reference(data, work / "slices")
    service = Service(from_files([*slices, dist / "kg.trig"]), ROOT, "{{id}}")
    answer = service.extend(json.dumps({"ids": ["11-3051.00"],
                                        "properties": [{"id": "median-wage"}]}))
    assert answer["rows"]["11-3051.00"]["median-wage"] == [{"str": "239200 or more"}]
    assert "239200 or more" in (service.preview("11-3051.00") or "")


def test_a_property_value_puts_the_candidate_that_has_it_first(service: Service) -> None:
    """Regression (session 27's audit): a property value added 10 points, capped at 100, so it
    moved nothing when the leaders were at 100 ("nurse" with soc2018=29-2061 left Licensed
    Practical Nurses fourth on the full graph), and a candidate past the limit was never seen."""
    def ask(limit: int, **props: str) -> list[dict]:
        query = {"query": "manager", "type": "onet-occupation", "limit": limit,
                 "properties": [{"pid": k, "v": v} for k, v in props.items()]}
        return service.queries(json.dumps({"q": query}))["q"]["result"]

    plain = ask(10)
    codes = [c["id"] for c in plain]
    assert len(codes) > 2
    # the last candidate's SOC 2018 code, which the first does not have
    answer = service.extend(json.dumps({"ids": codes, "properties": [{"id": "soc2018"}]}))
    soc = {i: {value_of(v) for v in row["soc2018"]} for i, row in answer["rows"].items()}
    last = next(c for c in reversed(codes) if not soc[c] & soc[codes[0]])
    (code,) = sorted(soc[last])
    lifted = ask(10, soc2018=code)
    assert lifted[0]["id"] in {c for c in codes if code in soc[c]}
    assert [c["id"] for c in lifted if code in soc[c["id"]]] == [
        c for c in codes if code in soc[c]]  # in their order by name
    assert not any(c["match"] for c in lifted[1:])
    # scores follow the order (the second audit: 95.61 listed before 100.0)
    assert [c["score"] for c in lifted] == sorted((c["score"] for c in lifted), reverse=True)
    # past the limit: with limit 1 the name alone gives the first; the value brings its holder
    assert ask(1)[0]["id"] == codes[0]
    assert ask(1, soc2018=code)[0]["id"] == lifted[0]["id"]


def test_a_code_brings_its_holder_even_when_the_title_does_not_find_it(service: Service,
                                                                      index: Index) -> None:
    """Regression (session 35's audit): a code given with a query only reordered the
    candidates its text had found: "x" with onet=29-1171.00 never gave 29-1171.00."""
    onet = sorted(e.id for e in index.entities if e.type == "onet-occupation")
    zones = service.extend(json.dumps({"ids": onet, "properties": [{"id": "job-zone"}]}))

    def ask(query: str, **props: str) -> list[str]:
        q = {"query": query, "type": "onet-occupation", "limit": 3,
             "properties": [{"pid": k, "v": v} for k, v in props.items()]}
        return [c["id"] for c in service.queries(json.dumps({"q": q}))["q"]["result"]]

    found = ask("zzz")
    # an occupation "zzz" does not find, with a job zone
    far = next(c for c in reversed(onet) if c not in found and zones["rows"][c]["job-zone"])
    assert ask("zzz", onet=far)[0] == far
    # it is shown at the 10 points a value adds, not lifted to the best text score, and
    # the others at most as high (session 35's review: Chief Executives at 100 for
    # "registered nurse" with soc2018=11-1011)
    q = {"query": "Registered Nurses", "type": "onet-occupation", "limit": 3,
         "properties": [{"pid": "onet", "v": far}]}
    shown = service.queries(json.dumps({"q": q}))["q"]["result"]
    assert shown[0]["id"] == far and shown[0]["score"] <= 10.0 + 1e-9
    assert all(c["score"] <= shown[0]["score"] for c in shown[1:])
    # type_strict "all": only entities of every type asked (the review: O*NET-only ones came
    # back for an O*NET-and-ESCO query)
    q = {"query": "zzz", "type": ["onet-occupation", "esco-occupation"], "type_strict": "all",
         "properties": [{"pid": "onet", "v": far}]}
    assert service.queries(json.dumps({"q": q}))["q"]["result"] == []
    # a figure is held by many and brings no one who was not found by name
    (held,) = zones["rows"][far]["job-zone"]
    assert set(ask("zzz", **{"job-zone": str(value_of(held))})) == set(found)


def test_extension_gives_a_groups_median_where_bls_publishes_only_the_group(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Regression (session 27's audit): median-wage was empty for 59 O*NET-SOC occupations
    whose SOC code BLS publishes only as its broader group (31-1121 within 31-1120), though
    their pages show the group's median. Here the OEWS slice's 11-3051 row is moved to its
    group 11-3050, as BLS does for 13-1021 within 13-1020."""
    with (DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv").open(
            encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle, delimiter="\t") if r["OCC_CODE"] == "11-3051")
    work = tmp_path_factory.mktemp("group-only")
    # "detailed", as OEWS lists a group it publishes no detailed code of (13-1020 comes as
    # broad and as detailed): a broad row alone is a file cut short (session 36)
    data = slices_with_oews_row_changed(work, "11-3051", {"OCC_CODE": "11-3050",
                                                          "O_GROUP": "detailed"})
    # the slices alone: the seed graph's own 11-3051 figures would give the code a median
    service = Service(from_files(import_reference(data, work / "slices")), ROOT, "{{id}}")
    answer = service.extend(json.dumps({"ids": ["11-3051.00"],
                                        "properties": [{"id": "median-wage"}]}))
    median = row["A_MEDIAN"].replace(",", "")
    assert answer["rows"]["11-3051.00"]["median-wage"] == [
        {"str": f"{median} (of its group, SOC 11-3050)"}]


def test_extension_gives_esco_through_any_2010_match() -> None:
    """Regression (session 27's audit): the esco property followed the ranker's links, which
    leave relatedMatch out, so Software Developers (15-1252.00, O*NET's many-to-many match of
    15-1132.00 and 15-1133.00) and 377 more O*NET-SOC occupations got no ESCO occupation,
    though their pages list the Nesta crosswalk's."""
    from kg.reconcile.index import _esco_through_onet2010
    from kg.reconcile.service import PROPERTIES

    skos, base = "http://www.w3.org/2004/02/skos/core#", "https://w3id.org/occupation-kg/id/"
    esco = "http://data.europa.eu/esco/occupation/"
    lines = [f"<{base}onet-soc2010/15-1132.00> <{skos}relatedMatch> "
             f"<{base}onet-soc2019/15-1252.00> .",
             f"<{base}onet-soc2010/15-1133.00> <{skos}relatedMatch> "
             f"<{base}onet-soc2019/15-1252.00> .",
             f"<{esco}aaaa-1> <{skos}closeMatch> <{base}onet-soc2010/15-1132.00> .",
             f"<{esco}bbbb-2> <{skos}broadMatch> <{base}onet-soc2010/15-1133.00> ."]
    found = _esco_through_onet2010(store_of(lines))
    assert found == {f"{base}onet-soc2019/15-1252.00": [f"{esco}aaaa-1", f"{esco}bbbb-2"]}
    index = SimpleNamespace(
        entities=[SimpleNamespace(type="onet-occupation", iri=f"{base}onet-soc2019/15-1252.00",
                                  id="15-1252.00")],
        esco_of=found, links={}, stated={}, codes=lambda e, t: [])
    assert PROPERTIES["esco"].value(index, 0) == [f"{esco}aaaa-1", f"{esco}bbbb-2"]


def test_extension_lends_only_a_broad_groups_annual_median() -> None:
    """Regression (session 27's second audit): the group fallback climbed to minor and major
    groups (Disc Jockeys got 27-2000's $54,870, Fishing and Hunting Workers 45-0000's) and
    replaced a published hourly median (Actors, $23.33 an hour in OEWS, got 27-2010's
    $78,000 a year, mostly Producers and Directors). Figures as in OEWS May 2024."""
    from kg.reconcile.service import PROPERTIES

    codes = ("27-2011.00", "27-2091.00", "45-3031.00", "31-1121.00")
    index = SimpleNamespace(
        entities=[SimpleNamespace(type="onet-occupation", id=c, iri=c) for c in codes],
        median_wage={"27-2010": 78000.0, "27-2000": 54870.0, "45-0000": 36750.0,
                     "31-1120": 34900.0},
        median_wage_at_least=set(), hourly_only={"27-2011", "27-2091"},
        soc_group={"27-2011": "27-2010", "27-2091": "27-2000", "45-3031": "45-0000",
                   "31-1121": "31-1120"})
    wage = PROPERTIES["median-wage"].value
    assert [wage(index, n) for n in range(len(codes))] == [
        [], [], [], ["34900 (of its group, SOC 31-1120)"]]


def test_an_entity_with_several_soc_codes_names_the_code_of_each_median() -> None:
    """Regression (session 36's review): ISCO 0310 (armed forces occupations, other ranks)
    reaches nine SOC codes, of which only 17-3029 (Engineering Technicians) has a median,
    77390, which extension gave bare, as the soldiers' wage; 2652 gave one median for two codes.
    OEWS May 2024 figures; 27-2042 and 55-3011 have none ("*", and no military rows)."""
    from kg.reconcile.service import PROPERTIES

    index = SimpleNamespace(
        entities=[SimpleNamespace(type="isco08", id="0310", iri="isco/C0310", code="0310"),
                  SimpleNamespace(type="soc2018", id="17-3029", iri="soc/17-3029"),
                  SimpleNamespace(type="soc2018", id="55-3011", iri="soc/55-3011"),
                  SimpleNamespace(type="soc2018", id="27-2041", iri="soc/27-2041")],
        holders_of_isco={"0310": [1, 2]}, codes=lambda e, t: [],
        median_wage={"17-3029": 77390.0, "27-2041": 63670.0}, median_wage_at_least=set(),
        hourly_only=set(), soc_group={"55-3011": "55-3010"}, soc_aggregate={})
    wage = PROPERTIES["median-wage"].value
    assert wage(index, 0) == ["77390 (of SOC 17-3029)"]
    assert wage(index, 3) == ["63670"]  # one code: a number, as before


def test_extension_takes_the_bls_aggregate_before_the_group() -> None:
    """Regression (session 34's audit): SOC 53-1042, which OEWS publishes only within the
    aggregate 53-1047 (A_MEDIAN 61890) and the broad group 53-1040 (61900), was extended with
    the group's median where its pages chart the aggregate's. OEWS May 2024 figures."""
    from kg.reconcile.service import PROPERTIES

    index = SimpleNamespace(
        entities=[SimpleNamespace(type="soc2018", id="53-1042", iri="53-1042")],
        median_wage={"53-1040": 61900.0, "53-1047": 61890.0}, median_wage_at_least=set(),
        hourly_only=set(), soc_group={"53-1042": "53-1040"},
        soc_aggregate={"53-1042": "53-1047"})
    assert PROPERTIES["median-wage"].value(index, 0) == [
        "61890 (of the BLS aggregate SOC 53-1047)"]


def test_a_property_value_matches_an_annotated_figure_by_its_number(service: Service) -> None:
    """Regression (session 27's second audit): median-wage values carry words ("239200 or
    more", "42210 (of its group, SOC 51-2090)"), and a query's plain number matched none."""
    from kg.reconcile.service import _comparable

    assert "239200" in _comparable(["239200 or more"])
    assert "42210" in _comparable(["42210 (of its group, SOC 51-2090)"])
    answer = service.extend(json.dumps({"ids": ["11-3051.00"],
                                        "properties": [{"id": "median-wage"}]}))
    (wage,) = [str(value_of(v)) for v in answer["rows"]["11-3051.00"]["median-wage"]]
    query = {"query": "manager", "type": "onet-occupation", "limit": 10,
             "properties": [{"pid": "median-wage", "v": wage.split(" ")[0]}]}
    result = service.queries(json.dumps({"q": query}))["q"]["result"]
    assert result[0]["id"].startswith("11-3051")


def test_a_skill_named_as_the_query_comes_before_skills_that_contain_it() -> None:
    """Regression (session 28's skills audit): on ESCO v1.1.1, "customer service" as an ESCO
    skill gave "manage customer service" and "teach customer service techniques" before the
    skill named "customer service" (7 of 300 preferred labels so). Labels here are ESCO's
    (CC BY 4.0), fewer of them."""
    index = _small_index("""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix esco: <http://data.europa.eu/esco/model#> .
@prefix s: <http://data.europa.eu/esco/skill/> .
s:z a esco:Skill ; skos:prefLabel "customer service"@en ; skos:altLabel "customer care"@en,
    "client support"@en, "patron care"@en, "buyer satisfaction"@en, "well being of clients"@en .
s:b a esco:Skill ; skos:prefLabel "manage customer service"@en ; skos:altLabel
    "customer service"@en, "customer service manager"@en, "customer service management"@en,
    "managing customer service"@en, "customer service supervision"@en,
    "customer service oversight"@en, "customer service lead"@en .
s:e a esco:Skill ; skos:prefLabel "customer relations"@en .
""")
    found = Ranker(index, rerank=False, semantic=False).rank(["Customer Service"], "esco-skill",
                                                              limit=3)[0]
    # the skill named so first, then the one also called so (the second audit: "court
    # administrator" came after two ESCO occupations with it as an alternative label)
    assert [c.name for c in found][:2] == ["customer service", "manage customer service"]
    assert found[0].score >= found[1].score  # the scores keep the answer's order


def test_suggest_completes_the_word_being_typed(service: Service, index: Index) -> None:
    """Type-ahead: every suggested entity has a label holding the typed words, the last as a
    word's beginning, and labels that begin with the text come first. Regression (session 34's
    audit, on the full graph: tests/test_full_build.py): the half-typed word was ranked as a
    word, and "regist" suggested court clerks without Registered Nurses."""
    def labels_of(entity_id: str) -> list[str]:
        entity = next(n for n, e in enumerate(index.entities)
                      if e.id == entity_id and e.type == "onet-occupation")
        return [t for t, e in zip(index.label_text, index.label_entity, strict=True)
                if e == entity]

    for typed, words in (("qualit", ["qualit"]), ("production man", ["production", "man"]),
                         ("plant ", ["plant"]), ("Manag", ["manag"])):
        found = [r["id"] for r in service.suggest_entity(typed, "onet-occupation")["result"]]
        assert found, typed
        holding = [i for i in found if any(
            all(any(w.startswith(x) for w in label.split()) for x in words)
            for label in labels_of(i))]
        # the labels that hold the words come first (the ranker's guesses may follow)
        assert found[:len(holding)] == holding and holding, typed
    # a title several occupations share ties; the ranker's order breaks the tie (session 34's
    # review: A-Z put Freight Forwarders first for "truck driver")
    suggester = PrefixSuggester(index)
    sharing = [n for n, e in enumerate(index.entities) if e.type == "onet-occupation" and any(
        t == "plant manager" for t, m in zip(index.label_text, index.label_entity, strict=True)
        if m == n)]
    assert len(sharing) > 1
    for ranked in (sharing, sharing[::-1]):
        found = suggester.suggest("plant manager", "onet-occupation", ranked)
        assert [e for e in found if e in sharing] == ranked
    # an abbreviation of several words is those words too: "qc" begins "quality control"
    # (the review: "rn" put Surgical Assistants, "RNFA", before Registered Nurses)
    assert index.entities[suggester.suggest("qc", "onet-occupation")[0]].name == \
        "Quality Control Systems Managers"
    first = service.suggest_entity("qualit", "onet-occupation")["result"][0]
    assert first["name"] == "Quality Control Systems Managers"
    # a finished word is a word: "plant " is not "plantation"
    assert service.suggest_entity("manager ", "onet-occupation")["result"]


def test_proposals_suggestions_and_mixed_types_as_the_spec_says(service: Service,
                                                               index: Index) -> None:
    """Regressions (session 29's audit of the 0.2 API): extend/propose offered the six
    occupation properties for every type (they extended a skill with nothing) and ignored
    `limit`; suggest ignored `cursor` and suggested nothing for an id's beginning; with
    type_strict "should" the candidates were not in the order of their scores."""
    assert [p["id"] for p in service.propose("onet-occupation")["properties"]] == list(
        PROPERTIES)
    assert service.propose("esco-skill")["properties"] == []
    two = service.propose("soc2018", "2")
    assert len(two["properties"]) == 2 and two["limit"] == 2
    with pytest.raises(BadRequest, match="limit 'x'"):
        service.propose("soc2018", "x")
    coded = service.suggest_entity("11-3051", "onet-occupation")["result"]
    codes = [r["id"] for r in coded]
    with (DATA / "onet_soc_2019_taxonomy" / "2019_Occupations.tsv").open(
            encoding="utf-8") as handle:
        expected = sorted(line.split("\t", 1)[0] for line in handle
                          if line.startswith("11-3051"))
    assert codes == expected[:10] and len(codes) > 1
    assert [r["id"] for r in service.suggest_entity("11-3051", "onet-occupation", 1)[
        "result"]] == expected[1:11]
    first = [r["id"] for r in service.suggest_entity("manager", "onet-occupation")["result"]]
    later = [r["id"] for r in service.suggest_entity("manager", "onet-occupation", 2)["result"]]
    assert len(first) > 3 and later[:len(first) - 2] == first[2:]
    # pages of one ranking: none repeats or skips an entity (the second audit: each page was
    # ranked with its own limit, and the order moved with it)
    pages = [[r["id"] for r in service.suggest_entity("manager", "esco-occupation", n)[
        "result"]] for n in range(0, 40, 10)]
    joined = [i for page in pages for i in page]
    assert len(joined) == len(set(joined))
    ranked = [c["id"] for c in service.queries(json.dumps({"q": {
        "query": "manager", "type": "esco-occupation", "limit": 100}}))["q"]["result"]]
    # the labels holding the typed words first, then the query's ranking (session 34)
    typed = [index.entities[e].id for e in PrefixSuggester(index).suggest(
        "manager", "esco-occupation",
        [c.entity for c in service.ranker.rank(["manager"], "esco-occupation", 100)[0]])]
    assert joined == list(dict.fromkeys([*typed, *ranked]))[:len(joined)]
    answer = service.queries(json.dumps({"q": {
        "query": "manager", "type": ["soc2018", "isco08"], "type_strict": "should",
        "limit": 8}}))
    scores = [c["score"] for c in answer["q"]["result"]]
    assert len(scores) > 2 and scores == sorted(scores, reverse=True)


def test_a_query_of_property_values_alone(service: Service) -> None:
    """Regression (session 29's audit): a query with properties and no text was refused (400),
    though Reconciliation API 0.2 asks for "at least one of query or properties". The O*NET-SOC
    occupations the taxonomy slice files under SOC 11-3051 all hold it: none alone."""
    answer = _batch(service, {
        "q0": {"properties": [{"pid": "soc2018", "v": "11-3051"}], "type": "onet-occupation",
               "limit": 10},
        "q1": {"properties": [{"pid": "onet", "v": "11-3051.00"}], "type": "soc2018"}})
    with (DATA / "onet_soc_2019_taxonomy" / "2019_Occupations.tsv").open(
            encoding="utf-8") as handle:
        filed = sorted(line.split("\t", 1)[0] for line in handle if line.startswith("11-3051"))
    found = answer["q0"]["result"]  # type: ignore[index]
    assert [c["id"] for c in found] == filed[:10] and len(filed) > 1
    assert all(c["score"] == 100 and c["match"] is False for c in found)
    (soc,) = answer["q1"]["result"]  # type: ignore[index]
    assert soc["id"] == "11-3051" and soc["match"] is True
    with pytest.raises(BadRequest, match="no string 'query'"):
        service.queries(json.dumps({"q": {"type": "soc2018"}}))


def test_a_query_gives_at_most_fifty_property_values(service: Service) -> None:
    """Regression (session 30's attack): 30,000 property values in one query took 111 s of
    one request, every property evaluated on every entity of the type; its second audit: a
    list of values under one property counted once."""
    many = [{"pid": "isco08", "v": str(n)} for n in range(MAX_PROPERTIES + 1)]
    listed = [{"pid": "isco08", "v": [str(n) for n in range(MAX_PROPERTIES + 1)]}]
    for q in ({"properties": many, "type": "soc2018"},
              {"query": "nurse", "properties": many},
              {"properties": listed, "type": "soc2018"}):
        with pytest.raises(BadRequest, match=f"gives {MAX_PROPERTIES + 1} property values; "
                                             f"at most {MAX_PROPERTIES}"):
            service.queries(json.dumps({"q": q}))
    # a whole-number limit is one for both kinds of query (2.0 was refused for this one)
    answer = _batch(service, {"q": {"properties": [{"pid": "soc2018", "v": "11-3051"}],
                                    "type": "onet-occupation", "limit": 2.0}})
    assert len(answer["q"]["result"]) == 2  # type: ignore[index]


def test_the_first_letters_of_http_are_no_id_prefix(service: Service) -> None:
    """Regression (session 30's attack): suggesting ESCO occupations for "h" (or "ht", "http")
    took the id branch, which every ESCO URI matches, and listed them in UUID order."""
    for prefix in ("h", "ht", "http", "http://", "http://data.europa.eu/esco/",
                   "http://data.europa.eu/esco/occupation/"):
        ranked = service.suggest_entity(prefix, "esco-occupation")["result"]
        ids = [c["id"] for c in ranked]
        assert ids != sorted(ids) or not ids, prefix
    # an IRI past its host is still an id's beginning
    some = service.index.entities[next(n for n, e in enumerate(service.index.entities)
                                       if e.type == "esco-occupation")].id
    found = service.suggest_entity(some[:-4], "esco-occupation")["result"]
    assert found and found[0]["id"].startswith(some[:-4])


def test_a_british_spelling_finds_the_american_title(service: Service) -> None:
    """The slice's 11-1021.00 is also "Movie Theater Manager" and "Program Manager"."""
    for uk, us in (("Movie Theatre Manager", "Movie Theater Manager"),
                   ("Programme Manager", "Program Manager")):
        (best_uk,) = _batch(service, {"q": {"query": uk, "limit": 1}})["q"]["result"]
        (best_us,) = _batch(service, {"q": {"query": us, "limit": 1}})["q"]["result"]
        assert best_uk["id"] == best_us["id"] == "11-1021.00", uk
        assert best_uk["score"] == best_us["score"]


def test_an_unambiguous_preferred_title_is_a_match(service: Service) -> None:
    """Regression (session 29's audit): not one of 25 O*NET preferred titles was a match
    ("Baristas" at 100, the runner-up at 5.3), so OpenRefine's auto-match did nothing for the
    default type. A title that is one entity's preferred label and no other's label of any
    kind now is one; a title another occupation also has is left to the ranking rule."""
    with (DATA / "onet_db_29_3" / "Occupation Data.tsv").open(encoding="utf-8") as handle:
        titles = {line.split("\t")[0]: line.split("\t")[1] for line in list(handle)[1:]}
    held: dict[str, set[str]] = {}  # normalised title -> the occupations that have it
    with (DATA / "onet_db_29_3" / "Alternate Titles.tsv").open(encoding="utf-8") as handle:
        for line in list(handle)[1:]:
            held.setdefault(normalise(line.split("\t")[2]), set()).add(line.split("\t")[0])
    for code, title in titles.items():
        held.setdefault(normalise(title), set()).add(code)
    unique = [code for code, title in titles.items() if held[normalise(title)] == {code}]
    assert unique
    for code in unique:
        (best,) = _batch(service, {"q": {"query": titles[code], "limit": 1}})["q"]["result"]
        assert best["id"] == code and best["match"] is True, code
    # an alternative title (the slice's "Production Manager" of 11-3051.00) is no name
    assert "11-3051.00" in held[normalise("Production Manager")]
    assert service.ranker._named_only(normalise("Production Manager"),
                                      "onet-occupation") is None


def test_a_limit_of_one_keeps_the_most_specific_holder_of_a_title() -> None:
    """Regression (session 32's second audit): with `limit` 1 the candidates were cut to the
    two best by raw score before the holders of an exact title were put in order, so ISCO's
    "Commissioned armed forces officers" (the major group 0, sub-major 01, minor 011 and unit
    0110 in ISCO-08) answered 01 and no match. Three levels of one title, as ISCO has them."""
    title = "Commissioned armed forces officers"
    store = ox.Store()
    scheme = ox.NamedNode("http://data.europa.eu/esco/concept-scheme/isco")
    skos = "http://www.w3.org/2004/02/skos/core#"
    for code in ("01", "011", "0110"):
        node = ox.NamedNode(f"http://data.europa.eu/esco/isco/C{code}")
        for p, o in ((ox.NamedNode(skos + "inScheme"), scheme),
                     (ox.NamedNode(skos + "notation"), ox.Literal(code)),
                     (ox.NamedNode(skos + "prefLabel"), ox.Literal(title, language="en")),
                     (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode(skos + "Concept"))):
            store.add(ox.Quad(node, p, o, ox.NamedNode("https://example.org/graph/isco")))
    service = Service(from_store(store), ROOT, "{{id}}")
    for limit in (1, 2, 5):
        result = _batch(service, {"q": {"query": title, "type": "isco08", "limit": limit}})
        ids = [c["id"] for c in result["q"]["result"]]  # type: ignore[index]
        assert ids == ["0110", "011", "01"][:limit], limit
        assert result["q"]["result"][0]["match"] is True  # type: ignore[index]
