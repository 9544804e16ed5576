"""Parameter values become one SPARQL term of their type, or a clear error: never query text."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from kg.query.engines import open_engine
from kg.query.param_binding import (
    ONET_SOC_CODE,
    SOC_CODE,
    Param,
    ParamError,
    bind_params,
    escape_string,
    parse_assignments,
    query_form,
    render_term,
)
from tests.test_engines import TRIG

XSD = "http://www.w3.org/2001/XMLSchema#"
ECHO = "# a { comment } with braces\nSELECT ?text WHERE { }"
TEXT = (Param("text", "string"),)

INJECTIONS = [
    'x" } ; DELETE WHERE { ?s ?p ?o } #',
    "x' } DELETE { ?s ?p ?o } WHERE { ?s ?p ?o",
    "a\"\"\"b'''c",
    "}>}>{<",
    "line one\nline two\r\n} # DELETE",
    'back\\slash\\" tab\t',
    "# just a comment",
    "<http://evil.example/> } DROP ALL",
    "",
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    trig = tmp_path_factory.mktemp("bind") / "kg.trig"
    trig.write_text(TRIG, encoding="utf-8")
    return {name: open_engine(name, trig) for name in ("oxigraph", "rdflib")}


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_stays_one_literal(value: str, engines) -> None:
    bound = bind_params(ECHO, TEXT, {"text": value})
    prepareQuery(bound)  # still one well-formed query
    for name, engine in engines.items():
        table = engine.select(bound)
        assert table.rows == [(Literal(value),)], name


@pytest.mark.parametrize(
    "value", INJECTIONS[:-1] + ["relative/iri", "http://a b", "http://x/\u0001"]
)
def test_injection_into_an_iri_is_refused(value: str) -> None:
    with pytest.raises(ParamError, match="not an absolute IRI"):
        bind_params(ECHO, (Param("text", "iri"),), {"text": value})


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("integer", "1 } DELETE WHERE { ?s ?p ?o }"),
        ("integer", "12.5"),
        ("integer", "1e3"),
        ("decimal", "1e3"),
        ("decimal", "1.2.3"),
        ("decimal", "NaN"),
        ("boolean", "yes"),
        ("boolean", "true }"),
    ],
)
def test_values_that_do_not_fit_the_type(type_: str, value: str) -> None:
    with pytest.raises(ParamError, match=f"is not a(n)? {type_}|is not a {type_}"):
        render_term(value, type_, "p")


def test_an_integer_beyond_64_bits_is_refused_not_silently_unmatched() -> None:
    """Regression: maxJobZoneStep=9223372036854775808 (2^63) reached pyoxigraph, whose 64-bit
    integers made the comparison an error, and transitions-from answered no rows."""
    top = 2**63 - 1
    assert render_term(str(top), "integer") == str(top)
    assert render_term(str(-top - 1), "integer") == str(-top - 1)
    # past int()'s 4,300-digit limit: a ValueError, a 500 and a traceback (session 30's attack)
    for value in (str(top + 1), str(-top - 2), "9" * 5000, "-" + "9" * 5000):
        with pytest.raises(ParamError, match="outside the 64-bit integers"):
            render_term(value, "integer", "maxJobZoneStep")
    assert render_term("0" * 5000 + "42", "integer") == "42"


def test_a_code_of_the_other_taxonomy_is_refused_with_the_code_meant() -> None:
    """Regression: `kg query transitions-from --param code=29-1141` (Registered Nurses' SOC
    2018 code, not its O*NET-SOC code 29-1141.00) answered with no rows, as if the occupation
    had no transitions."""
    assert render_term(" 29-1141.00\n", "onet_soc_code") == '"29-1141.00"'
    assert render_term("11-3051", "soc_code") == '"11-3051"'
    with pytest.raises(ParamError, match=r"'code': '29-1141' is not an O\*NET-SOC code .*"
                       r"if 29-1141 is a SOC 2018 code, its O\*NET-SOC code is 29-1141.00"):
        render_term("29-1141", "onet_soc_code", "code")
    with pytest.raises(ParamError, match=r"'soc': '11-3051.00' is not a SOC 2018 code .*"
                       r"the SOC 2018 code of O\*NET-SOC 11-3051.00 is 11-3051$"):
        render_term("11-3051.00", "soc_code", "soc")
    with pytest.raises(ParamError, match=r"did you mean 29-1141.00\?"):
        render_term("29114100", "onet_soc_code", "code")
    with pytest.raises(ParamError, match=r"did you mean 11-3051\?"):
        render_term("113051", "soc_code", "soc")
    with pytest.raises(ParamError, match=r"did you mean 11-3051.00\?"):
        render_term("113051", "onet_soc_code", "code")
    for value, type_ in (("29-1141.0", "onet_soc_code"), ('29-1141.00" }', "onet_soc_code"),
                         ("111-3051", "soc_code"), ("", "soc_code")):
        with pytest.raises(ParamError, match="is not a"):
            render_term(value, type_, "p")


def test_code_parameters_are_declared_as_codes() -> None:
    """Every stored query's parameter that takes an O*NET-SOC or SOC code says so (the
    type is what refuses the other taxonomy's code)."""
    from kg.query.catalog import list_queries, list_violation_checks

    codes = {(q.name, p.name): p.type for q in list_queries() + list_violation_checks()
             for p in q.params if p.default and (ONET_SOC_CODE.match(p.default)
                                                 or SOC_CODE.match(p.default))}
    assert len(codes) == 8
    for (query, param), type_ in codes.items():
        assert type_ in ("onet_soc_code", "soc_code"), (query, param)


def test_rendering() -> None:
    assert render_term("https://w3id.org/x#y", "iri") == "<https://w3id.org/x#y>"
    assert render_term("<https://w3id.org/x>", "iri") == "<https://w3id.org/x>"
    assert render_term("+007", "integer") == "7"
    assert render_term("12.50", "decimal") == f'"12.5"^^<{XSD}decimal>'
    assert render_term("5", "decimal") == f'"5"^^<{XSD}decimal>'
    assert render_term("TRUE", "boolean") == "true"
    assert escape_string("a\"b\\c\nd'") == '"a\\"b\\\\c\\nd\'"'


def test_typed_values_reach_the_query(engines) -> None:
    q = "SELECT ?i ?d ?b ?u WHERE { }"
    params = (
        Param("i", "integer"),
        Param("d", "decimal"),
        Param("b", "boolean"),
        Param("u", "iri"),
    )
    bound = bind_params(q, params, {"i": "-42", "d": "3.10", "b": "false", "u": "urn:x:1"})
    for engine in engines.values():
        assert engine.select(bound).rows == [
            (
                Literal(-42),
                Literal("3.1", datatype=URIRef(XSD + "decimal")),
                Literal(False),
                URIRef("urn:x:1"),
            )
        ]


def test_unknown_and_missing_parameters() -> None:
    with pytest.raises(ParamError, match=r"unknown parameter\(s\) txt \(this query takes: text\)"):
        bind_params(ECHO, TEXT, {"txt": "a"})
    with pytest.raises(ParamError, match="missing parameter 'text'"):
        bind_params(ECHO, TEXT, {})
    assert 'SELECT ("d" AS ?text)' in bind_params(ECHO, (Param("text", "string", "d"),), {})


def test_the_lexer_finds_the_where_group() -> None:
    query = """PREFIX ask: <http://example.org/ask#>
# SELECT { in a comment
CONSTRUCT { ?s ask:p "}{" . } FROM <http://example.org/WHERE?a=b#SELECT>
WHERE { ?s ?p ?o FILTER(?o != '{' || (?p < 3 && ?p > 1)) }"""
    assert query_form(query) == "CONSTRUCT"
    bound = bind_params(query, (Param("o", "string"),), {"o": "v"})
    assert 'WHERE { ?s ?p "v" FILTER("v" != \'{\'' in bound
    assert "VALUES" not in bound  # ?o stays nowhere a variable, so nothing needs binding
    assert 'CONSTRUCT { ?s ask:p "}{" . }' in bound  # the template keeps its variables
    prepareQuery(bound)


def test_sub_select_is_wrapped(engines) -> None:
    query = "SELECT ?text WHERE { SELECT ?text WHERE { } }"
    bound = bind_params(query, TEXT, {"text": "hi"})
    prepareQuery(bound)
    assert engines["oxigraph"].select(bound).rows == [(Literal("hi"),)]


def test_short_construct_and_no_where_group() -> None:
    with pytest.raises(ParamError, match="short form"):
        bind_params("CONSTRUCT WHERE { ?s ?p ?text }", TEXT, {"text": "x"})
    with pytest.raises(ParamError, match="no WHERE group"):
        bind_params("DESCRIBE ?text", TEXT, {"text": "x"})


def test_parse_assignments() -> None:
    assert parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ParamError, match="NAME=VALUE"):
        parse_assignments(["novalue"])
    with pytest.raises(ParamError, match="given twice"):
        parse_assignments(["a=1", "a=2"])
    with pytest.raises(ParamError, match="NAME=VALUE"):
        parse_assignments(["a b=1"])


def test_parameters_become_constants_in_patterns_and_filters() -> None:
    query = """SELECT ?x (COUNT(?y) AS ?n) WHERE {
  ?x <urn:p> ?y . FILTER(?y >= ?min)
  BIND(?min AS ?copy)
} GROUP BY ?x ?min HAVING (?min > 0) ORDER BY ?min"""
    params = (Param("min", "integer"),)
    bound = bind_params(query, params, {"min": "3"})
    assert "?x <urn:p> ?y . FILTER(?y >= 3)" in bound
    assert "BIND(3 AS ?copy)" in bound
    # where a variable must stay a variable, the VALUES row binds it
    assert "VALUES (?min) { (3) }" in bound
    assert "GROUP BY ?x ?min HAVING (?min > 0) ORDER BY ?min" in bound
    prepareQuery(bound)


def test_parameters_reach_sub_selects(engines) -> None:
    """A parameter is the same constant inside a sub-select, even one that does not project it."""
    query = """PREFIX ex: <http://example.org/>
SELECT ?label ?text WHERE {
  { SELECT ?label WHERE { ?s ?p ?label FILTER(STR(?label) = ?text) } }
  { SELECT ?text ?echo WHERE { BIND(?text AS ?echo) } }
}"""
    bound = bind_params(query, TEXT, {"text": "Construction Managers"})
    prepareQuery(bound)
    # the sub-select that projects it projects the term; the outer SELECT receives it from there
    assert '{ SELECT ("Construction Managers" AS ?text) ?echo WHERE' in bound
    assert "SELECT ?label ?text WHERE" in bound
    assert "VALUES" not in bound
    assert 'FILTER(STR(?label) = "Construction Managers")' in bound
    for name, engine in engines.items():
        rows = {tuple(str(c) for c in r) for r in engine.select(bound).rows}
        assert rows == {("Construction Managers", "Construction Managers")}, name


def test_several_parameters_share_one_values_row() -> None:
    params = (Param("a", "integer"), Param("b", "string"))
    query = "SELECT ?a ?b WHERE { } ORDER BY ?a ?b"
    bound = bind_params(query, params, {"a": "1", "b": "x"})
    assert 'VALUES (?a ?b) { (1 "x") }' in bound
    assert bind_params("SELECT ?a ?b WHERE { }", params, {"a": "1", "b": "x"}) == (
        'SELECT (1 AS ?a) ("x" AS ?b) WHERE { }'
    )


def test_projected_parameters_are_not_values_rows(engines) -> None:
    """#12, session 19: a parameter that a sub-select projects is projected as the term, not
    bound by VALUES rows. On one full-graph load of five, Virtuoso 7.2 gave no answer within
    120 s to xt-onet-skills-by-importance, whose OPTIONAL sub-select projected ?occupation
    (VALUES rows at the top and inside that sub-select); the same load answered the
    `(<iri> AS ?occupation)` form in 34-82 ms, all 70 rows."""
    query = """PREFIX ex: <http://example.org/>
SELECT ?label ?match WHERE {
  { SELECT ?text ?label WHERE { ?s ?p ?label FILTER(STR(?label) = ?text) } }
  OPTIONAL { SELECT ?text ?match WHERE { BIND(CONCAT(?text, "!") AS ?match) } }
}"""
    bound = bind_params(query, TEXT, {"text": "Construction Managers"})
    prepareQuery(bound)
    assert "VALUES" not in bound
    assert bound.count('SELECT ("Construction Managers" AS ?text)') == 2
    for name, engine in engines.items():
        rows = {tuple(str(c) for c in r) for r in engine.select(bound).rows}
        assert rows == {("Construction Managers", "Construction Managers!")}, name


def test_a_parameter_kept_elsewhere_falls_back_to_values(engines) -> None:
    """GROUP BY, HAVING, ORDER BY, VALUES headers and `AS ?x` need the variable itself: there
    the parameter stays one VALUES row, SELECT clauses included (`(t AS ?x)` beside a grouped
    ?x would be a second binding of it)."""
    query = """SELECT ?text (COUNT(?label) AS ?n) WHERE {
  { SELECT ?text ?label WHERE { ?s ?p ?label FILTER(STR(?label) = ?text) } }
} GROUP BY ?text"""
    bound = bind_params(query, TEXT, {"text": "Construction Managers"})
    prepareQuery(bound)
    assert " AS ?text)" not in bound
    assert bound.count('VALUES (?text) { ("Construction Managers") }') == 2
    for name, engine in engines.items():
        rows = [tuple(str(c) for c in r) for r in engine.select(bound).rows]
        assert rows == [("Construction Managers", "1")], name


def test_a_prefix_named_like_a_keyword_is_no_keyword() -> None:
    """Regression (session 30's attack): `PREFIX select.x: <...> CONSTRUCT ...` was read as a
    SELECT (the lexer cut the prefix at its dot), so the endpoint looked for a SELECT's media
    type (a 500, KeyError) and `SELECT *` columns were sorted by name again."""
    from kg.query.param_binding import query_form, star_ordered

    construct = "PREFIX select.x: <http://x/> CONSTRUCT { ?s ?p ?o } WHERE { ?s select.x:p ?o }"
    assert query_form(construct) == "CONSTRUCT"
    select = "PREFIX construct.x: <http://x/> SELECT * WHERE { ?s ?p ?o . ?s construct.x:q ?a }"
    assert query_form(select) == "SELECT"
    assert star_ordered(select, ("a", "o", "p", "s")) == ("s", "p", "o", "a")
