"""Stored SPARQL queries: `queries/NAME.rq`, each with a comment header.

    # title: Credentials for an occupation
    # question: Which credentials are relevant to an occupation, ...?
    # param: occupation (iri) = https://w3id.org/occupation-kg/id/occupation/x -- the occupation
    # param: year (integer) = 2021 -- the reference year
    SELECT ...

Quality checks are `NAME-violation.rq`: they must return no rows.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib.plugins.sparql import prepareQuery

from kg.errors import KgError, Location
from kg.query.engines import Engine
from kg.query.param_binding import (
    PARAM_TYPES,
    VARNAME,
    Param,
    ParamError,
    bind_params,
    query_form,
    render_term,
)
from kg.query.param_binding import variables as query_variables
from kg.query.results import Table
from kg.resources import resource_dir

VIOLATION_SUFFIX = "-violation"
HEADER_FIELDS = ("title", "question", "param")
_FIELD = re.compile(r"^#\s*([A-Za-z][\w-]*)\s*:\s?(.*)$")
_PARAM = re.compile(
    r"^(?P<name>\S+)\s*\(\s*(?P<type>\w+)\s*\)\s*(?:=\s*(?P<default>.*?))?\s*(?:--\s*(?P<desc>.*))?$"
)


class QueryFileError(KgError):
    """A stored query file is malformed; the message names the file and line."""

    def __init__(self, location: Location, message: str):
        self.location = location
        super().__init__(f"{location}: {message}")


class UnknownQuery(KgError):
    pass


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: Path
    title: str
    question: str
    params: tuple[Param, ...]
    text: str  # the whole file; the header is SPARQL comments, so this is the query
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE

    @property
    def is_violation_check(self) -> bool:
        return self.name.endswith(VIOLATION_SUFFIX)


def queries_dir() -> Path:
    """$KG_QUERIES_DIR, else the repository's (or the installed wheel's) queries/ folder."""
    env = os.environ.get("KG_QUERIES_DIR")
    return Path(env) if env else resource_dir("queries")


def _parse_header(path: Path, text: str) -> tuple[str, str, tuple[Param, ...]]:
    fields: dict[str, str] = {}
    params: list[Param] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break  # the header ends at the first line of SPARQL
        m = _FIELD.match(line)
        if not m:
            continue  # free comment
        key, value = m.group(1).lower(), m.group(2).strip()
        where = Location(str(path), lineno)
        if key not in HEADER_FIELDS:
            raise QueryFileError(
                where, f"unknown header field {key!r} (expected {', '.join(HEADER_FIELDS)})"
            )
        if key != "param":
            if key in fields:
                raise QueryFileError(where, f"duplicate header field {key!r}")
            if not value:
                raise QueryFileError(where, f"empty {key!r}")
            fields[key] = value
            continue
        p = _PARAM.match(value)
        if not p:
            raise QueryFileError(
                where, f"malformed param {value!r}: expected `NAME (TYPE) [= DEFAULT] [-- text]`"
            )
        name, type_, default = p.group("name"), p.group("type").lower(), p.group("default")
        if not VARNAME.match(name):
            raise QueryFileError(where, f"parameter name {name!r} is not a SPARQL variable name")
        if type_ not in PARAM_TYPES:
            raise QueryFileError(
                where, f"parameter {name!r}: unknown type {type_!r} ({', '.join(PARAM_TYPES)})"
            )
        if any(q.name == name for q in params):
            raise QueryFileError(where, f"parameter {name!r} declared twice")
        if default is not None and default != "":
            try:
                render_term(default, type_, name)
            except ParamError as exc:
                raise QueryFileError(where, f"bad default: {exc}") from exc
        else:
            default = None
        params.append(Param(name, type_, default, (p.group("desc") or "").strip()))
    for key in ("title", "question"):
        if key not in fields:
            raise QueryFileError(Location(str(path), 1), f"header has no `# {key}:` line")
    return fields["title"], fields["question"], tuple(params)


@lru_cache(maxsize=512)
def _sparql_problem(text: str) -> tuple[int | None, str] | None:
    """Where and why rdflib's SPARQL parser refuses `text`, or None. Cached by the text: the
    parse takes up to 0.2 s for a long check (about a second for the catalog's checks), and the
    catalog is listed again by every check run, `kg query --list` and the server."""
    try:
        prepareQuery(text)
    except Exception as exc:  # pyparsing.ParseException carries the line
        return getattr(exc, "lineno", None), getattr(exc, "msg", None) or str(exc)
    return None


def parse_query_file(path: Path) -> StoredQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(Location(str(path)), f"cannot read: {exc}") from exc
    title, question, params = _parse_header(path, text)
    problem = _sparql_problem(text)
    if problem is not None:
        line, msg = problem
        raise QueryFileError(Location(str(path), line), f"SPARQL does not parse: {msg}")
    used = query_variables(text)
    for p in params:
        if p.name not in used:
            raise QueryFileError(Location(str(path)), f"parameter ?{p.name} is not in the query")
    return StoredQuery(path.stem, path, title, question, params, text, query_form(text))


def _all(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise KgError(f"{directory}: no such queries folder")
    return sorted(directory.glob("*.rq"))


def list_queries(directory: Path | None = None) -> list[StoredQuery]:
    """The stored queries (not the violation checks), sorted by name."""
    return [
        parse_query_file(p)
        for p in _all(directory or queries_dir())
        if not p.stem.endswith(VIOLATION_SUFFIX)
    ]


def list_violation_checks(directory: Path | None = None) -> list[StoredQuery]:
    return [
        parse_query_file(p)
        for p in _all(directory or queries_dir())
        if p.stem.endswith(VIOLATION_SUFFIX)
    ]


def load_query(directory: Path | None, name: str) -> StoredQuery:
    directory = directory or queries_dir()
    path = directory / f"{name}.rq"
    if "/" in name or "\\" in name or not path.is_file():
        names = [p.stem for p in _all(directory)]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownQuery(f"unknown query {name!r} in {directory}; {hint}"
                           f"(available: {', '.join(names) or 'none'})")
    return parse_query_file(path)


def run_violation_checks(engine: Engine, directory: Path | None = None) -> dict[str, Table]:
    """Run every `*-violation.rq` (parameters at their defaults); return the offending rows of
    each check that found any (an empty dict means the data passed)."""
    failures: dict[str, Table] = {}
    for check in list_violation_checks(directory):
        if check.form != "SELECT":
            raise QueryFileError(Location(str(check.path)), "a violation check must be a SELECT")
        table = engine.select(bind_params(check.text, check.params, {}))
        if table.rows:
            failures[check.name] = table
    return failures
