"""Stored queries: headers, errors that name the file and line, the CLI handlers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.query.catalog import (
    QueryFileError,
    UnknownQuery,
    list_queries,
    list_violation_checks,
    load_query,
    queries_dir,
    run_violation_checks,
)
from kg.query.engines import open_engine
from kg.query.param_binding import Param
from tests.test_engines import ID, QUERIES, run_cli, write_fixture

IPM = ID + "occupation/industrial-production-managers"


@pytest.fixture()
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return write_fixture(tmp_path)


def test_list_and_load(dirs) -> None:
    _, queries = dirs
    names = [q.name for q in list_queries(queries)]
    assert names == ["card", "echo", "has-credential", "labels", "totals", "wages"]
    checks = [q.name for q in list_violation_checks(queries)]
    assert checks == ["credential-without-issuer-violation", "unlabelled-violation"]
    wages = load_query(queries, "wages")
    assert wages.title == "Wages of an occupation"
    assert wages.question.startswith("What median wages")
    assert wages.params == (Param("occupation", "iri", IPM, ""),)
    assert wages.form == "SELECT"
    assert load_query(queries, "has-credential").params == (
        Param("occupation", "iri", None, "the occupation"),
    )


def test_queries_dir_from_environment(dirs, monkeypatch) -> None:
    monkeypatch.setenv("KG_QUERIES_DIR", str(dirs[1]))
    assert queries_dir() == dirs[1]
    assert load_query(None, "echo").name == "echo"


def test_unknown_query(dirs) -> None:
    with pytest.raises(UnknownQuery, match=r"unknown query 'nope' .*available: card, "):
        load_query(dirs[1], "nope")
    with pytest.raises(UnknownQuery):
        load_query(dirs[1], "../queries/echo")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# title: T\n# question: Q\n# param: x (date) -- when\nSELECT ?x {}", 3, "unknown type"),
        ("# title: T\n# question: Q\n# param: x integer\nSELECT ?x {}", 3, "malformed param"),
        ("# title: T\n# question: Q\n# param: x (integer) = ten\nSELECT ?x {}", 3, "bad default"),
        ("# title: T\n# question: Q\n# param: 1x (iri)\nSELECT * {}", 3, "not a SPARQL variable"),
        ("# title: T\n# question: Q\n# parm: x (iri)\nSELECT ?x {}", 3, "unknown header field"),
        ("# title: T\n# title: U\n# question: Q\nSELECT * {}", 2, "duplicate header field"),
        ("# question: Q\nSELECT * {}", 1, "no `# title:` line"),
        ("# title: T\n# question: Q\n\nSELECT ?x\nWHERE { ?x ?y }", 5, "does not parse"),
        ("# title: T\n# question: Q\n# param: y (iri)\nSELECT ?x { ?x ?p ?o }", None, "?y is not"),
    ],
)
def test_malformed_files_name_file_and_line(dirs, text, line, message) -> None:
    path = dirs[1] / "broken.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryFileError, match=message.replace("?", r"\?")) as info:
        load_query(dirs[1], "broken")
    assert info.value.location.file == str(path)
    assert info.value.location.line == line
    where = f"{path}:{line}" if line else str(path)
    assert str(info.value).startswith(where + ": ")


def test_violation_checks(dirs) -> None:
    dist, queries = dirs
    for name in ("oxigraph", "rdflib"):
        failures = run_violation_checks(open_engine(name, dist / "kg.trig"), queries)
        assert list(failures) == ["credential-without-issuer-violation"]
        assert failures["credential-without-issuer-violation"].rows == [
            (URIRef(ID + "credential/cpim"),)
        ]


# --- the CLI handlers ----------------------------------------------------------------------------


def cli(dirs: tuple[Path, Path], *argv: str) -> int:
    dist, queries = dirs
    return run_cli(
        *argv, "--queries", str(queries), *(["--dist", str(dist)] if argv[0] == "query" else [])
    )


def test_cli_lists_queries(dirs, capsys) -> None:
    assert cli(dirs, "queries") == 0
    out = capsys.readouterr().out
    assert "wages  [SELECT]  Wages of an occupation" in out
    assert f"--param occupation=<iri> = {IPM}" in out
    assert "--param text=<string> (required) -- any text" in out
    assert out.index("Quality checks") < out.index("unlabelled-violation")


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_cli_select_formats(dirs, capsys, fmt) -> None:
    assert cli(dirs, "query", "wages", "--format", fmt) == 0
    out = capsys.readouterr().out
    assert "85000.5" in out
    if fmt == "json":
        assert json.loads(out)["head"]["vars"] == ["year", "value", "g"]


def test_cli_ask_and_construct(dirs, capsys) -> None:
    assert cli(dirs, "query", "has-credential", "--param", f"occupation={IPM}") == 0
    assert capsys.readouterr().out == "true\n"
    assert (
        cli(dirs, "query", "has-credential", "--param", f"occupation={IPM}x", "--format", "json")
        == 0
    )
    assert json.loads(capsys.readouterr().out) == {"head": {}, "boolean": False}
    assert cli(dirs, "query", "card", "--param", f"occupation={IPM}") == 0
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert len(graph) == 9
    assert cli(dirs, "query", "card", "--format", "json-ld") == 0
    assert len(Graph().parse(data=capsys.readouterr().out, format="json-ld")) == 3


def test_cli_echo_keeps_injection_literal(dirs, capsys) -> None:
    value = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
    assert cli(dirs, "query", "echo", "--param", f"text={value}", "--format", "csv") == 0
    assert capsys.readouterr().out == 'text\r\n"x"" } ; DELETE WHERE { ?s ?p ?o } #"\r\n'


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["query", "nope"], 2, "unknown query 'nope'"),
        (["query", "wages", "--param", "year=2021"], 2, "unknown parameter(s) year"),
        (["query", "wages", "--param", "occupation=not an iri"], 2, "not an absolute IRI"),
        (["query", "has-credential"], 2, "missing parameter 'occupation'"),
        (["query", "wages", "--param", "occupation"], 2, "--param expects NAME=VALUE"),
        (["query", "wages", "--format", "turtle"], 2, "is a SELECT query"),
        (["query", "card", "--format", "csv"], 2, "is a CONSTRUCT query"),
        (["query", "wages", "--engine", "remote"], 2, "needs --endpoint"),
    ],
)
def test_cli_usage_errors(dirs, capsys, argv, code, message) -> None:
    assert cli(dirs, *argv) == code
    err = capsys.readouterr().err
    assert err.startswith("kg: error: ") and message in err


def test_cli_malformed_file_and_missing_dist(dirs, tmp_path, capsys) -> None:
    (dirs[1] / "broken.rq").write_text("# title: T\n# question: Q\nSELEC * {}", encoding="utf-8")
    assert cli(dirs, "query", "broken") == 1
    assert f"kg: error: {dirs[1] / 'broken.rq'}:3: SPARQL does not parse" in capsys.readouterr().err
    assert (
        run_cli(
            "query",
            "echo",
            "--param",
            "text=a",
            "--queries",
            str(dirs[1]),
            "--dist",
            str(tmp_path / "nowhere"),
        )
        == 1
    )
    assert "run `kg build` first" in capsys.readouterr().err


def test_format_choices_come_from_the_registries() -> None:
    import argparse

    from kg.cli.query import register
    from kg.query.engines import ENGINES
    from kg.query.results import GRAPH_FORMATS, SELECT_FORMATS

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    query = parser._subparsers._group_actions[0].choices["query"]  # type: ignore[union-attr]
    options = {a.dest: a for a in query._actions}
    assert list(options["format"].choices) == [*SELECT_FORMATS, *GRAPH_FORMATS]
    assert list(options["engine"].choices) == list(ENGINES)
    assert QUERIES  # the shared fixture is in use


def test_cli_table_prints_names_that_param_accepts_back(dirs, capsys) -> None:
    """Regression: the table printed `label@en` and `id:occupation/...`, and passing that name
    back with --param bound the IRI <id:occupation/...> (a scheme "id") and gave 0 rows."""
    assert cli(dirs, "query", "labels") == 0
    out = capsys.readouterr().out
    assert "Industrial Production Managers" in out and "@en" not in out and "@fr" not in out
    name = re.search(r"^(id:occupation/industrial-production-managers)\s", out, re.M)
    assert name, out
    assert cli(dirs, "query", "wages", "--param", f"occupation={name.group(1)}") == 0
    by_name = capsys.readouterr().out
    assert cli(dirs, "query", "wages", "--param", f"occupation={IPM}") == 0
    assert by_name == capsys.readouterr().out
    assert "(2 rows)" in by_name  # the 2008 and 2021 medians of the fixture
