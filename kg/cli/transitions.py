"""The `kg transitions` subcommand: the career transitions of one O*NET-SOC occupation (or of
all) read from the built graph in --dist, as a table, CSV or JSON.

It reads graph/transitions, which the build's derived stage wrote, from the build's persistent
store (dist/store/, opened read-only; its default graph already holds the union of the named
graphs, so queries read it directly), else from kg.trig in memory as `kg query` does. It imports
only pyoxigraph to start: rdflib and the query engines cost more than the answer (issue 13 wants
< 1 s; benchmarks/bench_transitions.py measures it).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path

import pyoxigraph as ox

from kg.cli.arguments import positive_integer
from kg.errors import KgError
from kg.transitions.shared_order import Importances, strongest_first
from kg.transitions.terms import KEPT_PER_SOURCE, PROPERTY
from kg.transitions.terms import OKG_IRI as OKG
from kg.transitions.terms import SKOS_IRI as SKOS
from kg.transitions.wording import distinct_names

ONET_CODE = re.compile(r"[0-9]{2}-[0-9]{4}\.[0-9]{2}")
FIGURES = {"job_zone_step": "jobZoneStep", "wage_ratio": "wageRatio",
           "wage_ratio_at_least": "wageRatioAtLeast", "wage_ratio_at_most": "wageRatioAtMost",
           "target_growth_pct": "targetEmploymentChange",
           "target_openings": "targetAnnualOpenings"}
# the SOC 2018 code whose figures stand for an occupation (its own, a BLS aggregate or a group)
FIGURE_CODES = {"source_wage_soc": "sourceWageOccupation",
                "target_wage_soc": "targetWageOccupation",
                "target_outlook_soc": "targetOutlookOccupation"}
SHARED = {"shared_skills": "sharedSkill", "shared_activities": "sharedActivity",
          "shared_esco_skills": "sharedEscoSkill"}
COLUMNS = (["from_code", "from_title", "to_code", "to_title", "rank", "score"]
           + list(PROPERTY) + list(FIGURES) + list(FIGURE_CODES) + list(SHARED))


def _query(code: str | None, limit: int) -> str:
    optional = "\n".join(
        [f"OPTIONAL {{ ?t okg:{prop} ?{name} }}"
         for name, prop in (*PROPERTY.items(), *FIGURES.items())]
        + [f"OPTIONAL {{ ?t okg:{prop} ?{name} }}" for name, prop in FIGURE_CODES.items()])
    source = f'?from skos:notation "{code}" .' if code else ""
    return f"""PREFIX okg: <{OKG}> PREFIX skos: <{SKOS}>
SELECT DISTINCT ?t ?from ?to ?from_code ?from_title ?to_code ?to_title ?rank ?score
       {' '.join('?' + n for n in (*PROPERTY, *FIGURES, *FIGURE_CODES))} WHERE {{
  {source}
  ?t okg:fromOccupation ?from ; a okg:CareerTransition ; okg:toOccupation ?to ;
     okg:transitionRank ?rank ; okg:transitionScore ?score .
  FILTER(?rank <= {limit})
  ?from skos:notation ?from_code ; skos:prefLabel ?from_title .
  ?to skos:notation ?to_code ; skos:prefLabel ?to_title .
  FILTER(LANG(?from_title) = "en" && LANG(?to_title) = "en")
  {optional}
}} ORDER BY ?from_code ?rank"""


def _shared_query(nodes: list[str] | None) -> str:
    values = "VALUES ?t { " + " ".join(f"<{n}>" for n in nodes) + " }" if nodes else ""
    kinds = " UNION ".join(f"{{ {values} ?t okg:{p} ?x . BIND(okg:{p} AS ?kind) }}"
                           for p in SHARED.values())
    return f"""PREFIX okg: <{OKG}> PREFIX skos: <{SKOS}>
SELECT DISTINCT ?t ?kind ?x ?label ?code WHERE {{ {kinds}
  ?x skos:prefLabel ?label . FILTER(LANG(?label) = "en")
  OPTIONAL {{ ?x skos:notation ?code }} }} ORDER BY ?t ?kind ?x"""


def open_dist(dist: Path) -> ox.Store:
    """The built graph of `dist`; either way its default graph is the union of the graphs."""
    persistent = dist / "store"
    if (persistent / "CURRENT").is_file():
        try:
            return ox.Store.read_only(str(persistent))
        except OSError as exc:
            raise KgError(f"{persistent}: cannot open the store read-only: {exc}") from exc
    # No store (an older build, or a copied kg.trig): load the file as `kg query` does.
    from kg.cli.query import _dist_file
    from kg.query.engines import open_engine

    engine = open_engine("oxigraph", _dist_file(dist), timeout=None)
    return engine.store  # type: ignore[attr-defined,no-any-return]


def read_transitions(dist: Path, code: str | None, limit: int) -> list[dict[str, str]]:
    store = open_dist(dist)
    rows: dict[str, dict[str, str]] = {}
    ends: dict[str, tuple[str, str]] = {}  # transition -> (from, to) IRIs
    plain = [c for c in COLUMNS if c not in SHARED]
    for solution in store.query(_query(code, limit)):
        node = solution["t"].value
        ends[node] = (solution["from"].value, solution["to"].value)
        if node not in rows:  # a second label (graph) of the same occupation says nothing new
            rows[node] = {c: (solution[c].value if solution[c] is not None else "")
                          for c in plain}
            for name in FIGURE_CODES:  # the SOC 2018 concept's IRI ends in its code
                rows[node][name] = rows[node][name].rsplit("/", 1)[-1]
    # (transition, property) -> shared IRI -> (label, code): two skills may share a label
    shared: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {}
    if rows:
        query = _shared_query(sorted(rows) if code else None)
        for solution in store.query(query):
            key = (solution["t"].value, solution["kind"].value[len(str(OKG)):])
            code_term = solution["code"]
            shared.setdefault(key, {}).setdefault(solution["x"].value, (
                solution["label"].value, code_term.value if code_term is not None else None))
    importance = Importances(store)
    if code is None:
        importance.read_all()
    for node, row in rows.items():
        for name, prop in SHARED.items():
            named = shared.get((node, prop), {})
            if prop == "sharedSkill":  # strongest first, as the build chose them (was A-Z)
                order = strongest_first(named, *(importance(iri) for iri in ends[node]))
                row[name] = "; ".join(distinct_names([named[e] for e in order]))
            else:
                row[name] = "; ".join(sorted(distinct_names(list(named.values()))))
    return list(rows.values())


def occupation_title(dist: Path, code: str) -> str | None:
    """The English title of the O*NET-SOC occupation `code` in the graph, if it has one."""
    query = (f'PREFIX skos: <{SKOS}> SELECT ?title WHERE {{ ?o skos:notation "{code}" ; '
             f'skos:inScheme ?scheme ; skos:prefLabel ?title . FILTER(LANG(?title) = "en" '
             f'&& STRENDS(STR(?scheme), "/scheme/onet-soc2019")) }} ORDER BY ?title LIMIT 1')
    for solution in open_dist(dist).query(query):
        return str(solution["title"].value)
    return None


def _table(rows: list[dict[str, str]]) -> str:
    from kg.transitions.wording import activities_text, job_zone_text, wage_text

    out = []
    for row in rows:
        # a figure that stands in for the target (its BLS aggregate's or group's) says whose
        outlook = row["target_outlook_soc"]
        whose = f" ({outlook})" if outlook and outlook != row["to_code"][:7] else ""
        # and so do the wages compared (regression, session 27's audit: 13-1021.00 -> 13-1022.00
        # read "median wage x1.00", both sides the one figure of their group 13-1020)
        stand_ins = [f"{side} {code}" for side, code, own in (
            ("from", row["source_wage_soc"], row["from_code"][:7]),
            ("to", row["target_wage_soc"], row["to_code"][:7])) if code and code != own]
        wages = wage_text(row["wage_ratio"], row["wage_ratio_at_least"],
                          row["wage_ratio_at_most"])
        figures = [f"score {float(row['score']):.3f}",
                   (wages + (f" ({', '.join(stand_ins)})" if stand_ins else "")) if wages
                   else "median wage ratio unknown",
                   job_zone_text(row["job_zone_step"]) or "job zone step unknown",
                   f"growth {row['target_growth_pct']}%{whose}" if row["target_growth_pct"]
                   else "growth unknown"]
        out.append(f"{row['rank']:>3}  {row['to_code']}  {row['to_title']}  "
                   + "  ".join(figures))
        for name in SHARED:
            if row[name]:
                # the CSV keeps the labels as they are; the table reads them as a list
                shared = row[name].split("; ")
                text = (activities_text(shared) if name == "shared_activities"
                        else "; ".join(shared))
                out.append(f"       {name.replace('_', ' ')}: {text}")
    return "\n".join(out) + ("\n" if out else "")


def cmd_transitions(args: argparse.Namespace) -> int:
    """Print the career transitions of CODE (or of every occupation with --all)."""
    if bool(args.code) == bool(args.all):  # a usage error (2), as a malformed CODE is
        print("kg: error: give one O*NET-SOC CODE (like 11-3051.00) or --all", file=sys.stderr)
        return 2
    # fullmatch, not "$", which matches before a final newline (the code reached SPARQL)
    if args.code and not ONET_CODE.fullmatch(args.code):
        # a usage error, as `kg query` answers the same code (exit 2), with the same hint
        from kg.query.param_binding import _onet_soc_hint

        hint = _onet_soc_hint(args.code)
        print(f"kg: error: {args.code!r} is not an O*NET-SOC code (like 11-3051.00)"
              + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 2
    # The build keeps 20 a source: any larger limit gives them all (and a SPARQL integer
    # literal past 2^63 matched nothing).
    rows = read_transitions(Path(args.dist), args.code, min(args.limit, 1000))
    if args.code and not rows:
        title = occupation_title(Path(args.dist), args.code)
        if title:  # a real code O*NET describes too thinly to compare (the military 55- codes)
            raise KgError(f"{args.code} {title} has no career transitions in {args.dist}: "
                          "O*NET gives it no task statements, skill, knowledge or work "
                          "activity ratings to compare with other occupations")
        raise KgError(f"no transitions from {args.code} in {args.dist} (unknown code, or a "
                      "build without --data)")
    if args.code and args.limit > len(rows) and len(rows) == KEPT_PER_SOURCE:
        print(f"kg: note: the build keeps {KEPT_PER_SOURCE} transitions an occupation; all "
              "are shown", file=sys.stderr)
    if args.format == "json":
        typed = [{name: _json_value(name, value) for name, value in row.items()}
                 for row in rows]
        sys.stdout.write(json.dumps(typed, indent=1, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
    else:
        if args.code:
            print(f"{rows[0]['from_code']}  {rows[0]['from_title']}: where it can lead")
        sys.stdout.write(_table(rows))
    return 0


# JSON keeps numbers as numbers and a missing figure as null (the CSV writes both as text)
INTEGER_COLUMNS = frozenset({"rank", "job_zone_step"})
NUMBER_COLUMNS = frozenset({"score", *PROPERTY, *FIGURES}) - INTEGER_COLUMNS


def _json_value(name: str, value: str) -> str | int | float | None:
    if value == "":
        return None
    if name in INTEGER_COLUMNS:
        return int(value)
    if name in NUMBER_COLUMNS:
        return float(value)
    return value


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("transitions", help="career transitions from an occupation")
    p.add_argument("code", nargs="?", metavar="CODE", help="O*NET-SOC code, like 11-3051.00")
    p.add_argument("--all", action="store_true", help="every occupation's transitions")
    p.add_argument("--limit", type=positive_integer, default=10, metavar="N",
                   help="transitions per occupation (default 10; the build keeps 20)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--dist", default="dist", metavar="DIR", help="built files (default: dist)")
    p.set_defaults(handler=cmd_transitions)  # kg.cli.main prints a KgError as one line
