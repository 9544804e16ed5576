"""Command-line values every command checks the same way (kg/cli/arguments.py): a bad one is a
usage error on one line (exit status 2), never a traceback from inside the command.
Regressions from an attack on the command line (session 21), one case per finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main

BAD_VALUES = [
    (["build", "--base", "not an iri"], "argument --base: 'not an iri' is not an IRI"),
    (["build", "--base", "http://ex.org/a b/"], "argument --base: 'http://ex.org/a b/' is not"),
    (["build", "--base", ""], "argument --base: '' is not an IRI"),
    (["build", "--base", 'http://ex.org/"<>/'], "is not an IRI (Invalid IRI code point '\"')"),
    (["build", "--base", "urn:x:"], "argument --base: 'urn:x:' is not an http(s) IRI"),
    (["build", "--base", "http://ex.org/id/?"], "has a query or fragment"),
    (["serve", "--base", "https://w3id.org/okg#"], "has a query or fragment"),
    (["import", "soc2018", ".", "--base", "not an iri"], "argument --base: 'not an iri'"),
    (["query", "issuing-bodies", "--timeout", "nan"], "argument --timeout: 'nan': give a"),
    (["query", "issuing-bodies", "--timeout", "inf"], "argument --timeout: 'inf': give a"),
    (["query", "issuing-bodies", "--timeout", "1e308"], "argument --timeout: '1e308': give a"),
    (["query", "issuing-bodies", "--timeout", "0"], "argument --timeout: '0': give a"),
    (["query", "issuing-bodies", "--timeout", "-1"], "argument --timeout: '-1': give a"),
    (["load", "--endpoint", "http://127.0.0.1:1/sparql", "--timeout", "0"],
     "argument --timeout: '0': give a"),
    (["query", "issuing-bodies", "--endpoint", "notaurl"],
     "argument --endpoint: 'notaurl' is not an http(s) URL"),
    # regression (session 29's attack): tracebacks, and a password printed back
    (["load", "--endpoint", "http://127.0.0.1:1/sparql", "--graph-store", "not a url"],
     "argument --graph-store: 'not a url' is not an http(s) URL"),
    (["load", "--endpoint", "http://127.0.0.1:1/sparql", "--update", "http://[::1"],
     "argument --update: is not an http(s) URL"),
    (["load", "--endpoint", "http://user:secret@127.0.0.1:1/sparql"],
     "argument --endpoint: holds a user or password"),
    (["serve", "--port", "99999"], "argument --port: '99999' is not a port number (0-65535)"),
    (["serve", "--port", "-1"], "argument --port: '-1' is not a port number (0-65535)"),
    (["serve", "--workers", "0"], "argument --workers: '0': give 1 to 64 worker processes"),
    # regression (session 29's attack): 100000 spawned processes until the server was stopped
    (["serve", "--workers", "100000"],
     "argument --workers: '100000': give 1 to 64 worker processes"),
    (["serve", "--query-timeout", "nan"], "argument --query-timeout: 'nan': give a"),
    (["serve", "--max-results", "-5"], "argument --max-results: '-5': must be at least 1"),
    (["serve", "--base", "ftp://ex.org/"], "argument --base: 'ftp://ex.org/' is not an http(s)"),
    (["map", "suggest", "--object-scheme", "soc2018", "--limit", "-1"],
     "argument --limit: '-1': must be at least 1"),
    (["map", "suggest", "--object-scheme", "soc2018", "--limit", "0"],
     "argument --limit: '0': must be at least 1"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_VALUES,
                         ids=[" ".join(a)[:60] for a, _ in BAD_VALUES])
def test_a_bad_value_is_a_one_line_usage_error(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith(f"kg {argv[0]}")


def test_a_parameter_that_is_not_utf8(capsys) -> None:
    """A byte that is not UTF-8 reaches Python as a lone surrogate: it raised
    UnicodeEncodeError deep in the engine."""
    assert main(["query", "label-search", "--param", "text=\udcff"]) == 2
    assert capsys.readouterr().err == "kg: error: --param text: the value is not UTF-8 text\n"


def test_a_stored_query_whose_service_fails_is_one_line(dist: Path, tmp_path: Path) -> None:
    """A SERVICE the embedded engine cannot reach ended in an OSError traceback, then
    "PyQuerySolutions is unsendable" (the results were released in another thread)."""
    (tmp_path / "remote-part.rq").write_text(
        "# title: A federated part\n# question: What does the other endpoint say?\n"
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }\n",
        encoding="utf-8")
    # Regression (session 29's attack): the rdflib engine's URLError came as a traceback
    for engine in ("oxigraph", "rdflib"):
        done = subprocess.run(
            [sys.executable, "-m", "kg.cli", "query", "remote-part", "--queries", str(tmp_path),
             "--dist", str(dist), "--engine", engine], capture_output=True, text=True,
            timeout=60, check=False)
        assert done.returncode == 1, engine
        assert done.stderr.startswith("kg: error: query failed: "), done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr


SOC_SLICE = Path(__file__).parent / "data" / "soc_2018_structure"


@pytest.mark.parametrize("argv", [
    ["import", "soc2018", str(SOC_SLICE)],
    ["map", "suggest", "--object-scheme", "soc2018", "--object-data", str(SOC_SLICE)],
], ids=["import", "map-suggest"])
def test_an_out_folder_is_refused_in_one_line(argv: list[str], tmp_path: Path, capsys) -> None:
    """Regression: `--out FOLDER` ended in IsADirectoryError tracebacks."""
    assert main([*argv, "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == \
        f"kg: error: --out {tmp_path}: is a folder; give a file name"


def test_an_imported_file_is_readable_by_everyone(tmp_path: Path) -> None:
    """Regression: `kg import` wrote its file 0600 (mkstemp's mode), unlike the build's 0644."""
    out = tmp_path / "soc.nt"
    assert main(["import", "soc2018", str(SOC_SLICE), "--out", str(out), "--quiet"]) == 0
    assert out.stat().st_mode & 0o777 == 0o644


def test_serving_an_unparsable_kg_trig_is_one_line(tmp_path: Path) -> None:
    """Regression (session 29's attack): `kg serve` on a dist/ whose kg.trig does not parse
    (no store/) ended in a SyntaxError traceback; `kg query` said it in one line."""
    (tmp_path / "kg.trig").write_text("junk\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--dist", str(tmp_path), "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert errors == [f"kg: error: {tmp_path / 'kg.trig'}: cannot load: Parser error at line 1 "
                      "between columns 1 and 5: junk is not a valid subject or graph name "
                      "(kg.trig, line 1)"], done.stderr
    assert "Traceback" not in done.stderr


def test_serve_says_which_stored_query_files_it_cannot_serve(dist: Path, tmp_path: Path) -> None:
    """Regression (session 29's attack): `kg serve --queries DIR` accepted a folder that does
    not exist (no stored query served) and left out a file that did not parse without a word."""
    missing = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--dist", str(dist), "--port", "0",
         "--queries", str(tmp_path / "nope")], capture_output=True, text=True, timeout=60,
        check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"kg: error: --queries {tmp_path / 'nope'}: no such folder"
    (tmp_path / "broken.rq").write_text("# title: x\n# question: y?\nSELECT * WHERE { ?s\n",
                                        encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--dist", str(dist), "--port", "0",
         "--queries", str(tmp_path)], stderr=subprocess.PIPE, text=True)
    try:
        first = server.stderr.readline()  # type: ignore[union-attr]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert first.startswith(f"kg: warning: {tmp_path / 'broken.rq'}:3: SPARQL does not parse")
    assert first.rstrip().endswith("not served (the others are)")


# Regressions from a new user's walk through the README (session 30), one case per finding.
@pytest.mark.parametrize("argv", [
    ["query", "documents-overview", "--foo"],
    ["serve", "--bogus"],
    ["transitions", "--bogus"],
    ["build", "--bogus"],
])
def test_an_unknown_option_shows_the_subcommands_usage(argv: list[str], capsys) -> None:
    """It showed the top parser's usage of the lazily loaded module ("usage: kg [-h]
    {queries,query,load} ..."), which names no option at all."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: kg {argv[0]} ") and "unrecognized arguments: --" in err, err


def test_kg_has_a_version(capsys) -> None:
    from kg import __version__

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out == f"kg {__version__}\n"


def test_a_mistyped_query_name_gets_a_suggestion(capsys) -> None:
    assert main(["query", "wage-percentile-chnage"]) == 2
    assert "did you mean 'wage-percentile-change'?" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--documents", "--data", "--sources"])
def test_a_missing_build_input_folder_is_named(option: str, tmp_path: Path, capsys) -> None:
    """A mistyped --documents was five "document file ... does not exist" problems, blamed on
    the packaged records."""
    assert main(["build", option, str(tmp_path / "nosuch"), "--out", str(tmp_path / "d")]) == 1
    assert capsys.readouterr().err == f"kg: error: {option} {tmp_path / 'nosuch'}: no such folder\n"
    assert not (tmp_path / "d").exists()


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    """It said only "[Errno 98] Address already in use"."""
    import socket

    (tmp_path / "kg.trig").write_text("", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "kg.cli", "serve", "--dist", str(tmp_path), "--port",
             str(port)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert f"kg: error: port {port} on 127.0.0.1 is already in use" in done.stderr, done.stderr
    assert "--port 0" in done.stderr and "Traceback" not in done.stderr


def test_a_closed_pipe_ends_the_output_quietly() -> None:
    """Regression (session 30's fresh-clone check): `kg queries | head -3` ended in a
    BrokenPipeError traceback."""
    kg = subprocess.Popen([sys.executable, "-m", "kg.cli", "queries"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    assert kg.stdout is not None and kg.stderr is not None
    kg.stdout.close()  # as `head` does once it has its lines: before kg has written any
    err = kg.stderr.read().decode()
    kg.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_a_device_given_as_a_file_is_named_so(tmp_path: Path, capsys) -> None:
    import os

    fifo = tmp_path / "titles.csv"
    os.mkfifo(fifo)
    assert main(["reconcile", str(fifo), "--column", "x"]) == 1
    assert capsys.readouterr().err == f"kg: error: {fifo}: is not a regular file\n"


def test_ctrl_c_while_the_command_loads_is_no_traceback(monkeypatch, capsys) -> None:
    """Regression (session 33's audit): Ctrl-C in the first moment of any command, while the
    parser imported the subcommand's modules, printed a KeyboardInterrupt traceback."""
    import kg.cli

    def interrupted(command: str | None = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.cli, "make_parser", interrupted)
    assert kg.cli.main(["build"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_import_out_in_a_missing_folder_is_refused(tmp_path, capsys) -> None:
    """Regression (session 33's audit): `kg import --out /nonexistent/x.nt` created the
    missing folders, where `kg reconcile` refuses them."""
    from pathlib import Path

    from kg.cli import main

    slice_ = Path(__file__).parent / "data" / "naics_2022"
    out = tmp_path / "missing" / "x.nt"
    assert main(["import", "naics2022", str(slice_), "--out", str(out), "--quiet"]) == 1
    assert f"--out {out}: the folder {out.parent} does not exist" in capsys.readouterr().err
    assert not out.parent.exists()


@pytest.mark.parametrize("argv", [
    ["import", "soc2018", "{data}"],
    ["map", "suggest", "--object-scheme", "soc2018", "--object-data", "{data}"],
], ids=["import", "map-suggest"])
def test_an_input_file_is_never_the_out_file(argv: list[str], tmp_path: Path, capsys) -> None:
    """Regression (session 36's attack): `kg import soc2018 D --out D/SOC_Structure.tsv` and
    `kg map suggest ... --object-data D --out D/SOC_Structure.tsv` replaced the publisher's
    file and exited 0."""
    import shutil

    data = tmp_path / "soc"
    shutil.copytree(SOC_SLICE, data)
    target = next(data.glob("SOC_Structure*"))
    before = target.read_bytes()
    argv = [a.replace("{data}", str(data)) for a in argv]
    assert main([*argv, "--out", str(target)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"kg: error: --out {target}: is a file of the data folder {data}; "
        "write the output elsewhere")
    assert target.read_bytes() == before


def test_import_writes_only_rdf_files(tmp_path: Path, capsys) -> None:
    """Regression (session 36's attack): any --out name was written as N-Triples."""
    out = tmp_path / "soc.tsv"
    assert main(["import", "soc2018", str(SOC_SLICE), "--out", str(out), "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"kg: error: --out {out}: give a .nt (N-Triples) or .nq (N-Quads) file")
    assert not out.exists()
