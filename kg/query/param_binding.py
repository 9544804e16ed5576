"""Bind stored-query parameters safely.

A value never becomes query text: it is rendered as ONE SPARQL term of the declared type (an IRI
checked against the IRIREF rule, a literal escaped with the ECHAR rules, a number checked against
its grammar). A small lexer, which skips strings, IRIs and comments, then

- puts that term in place of the parameter's variable wherever the variable stands in a triple
  pattern or an expression, so that query planners see a constant: oxigraph picks its join order
  from which pattern positions are bound, and applies a FILTER early only when every variable in
  it is bound by one pattern (measured: a 3-second query on the full graph fell to 85 ms);
- where a SELECT clause projects it, projects the term instead: `(t AS ?a)` (the innermost
  SELECT that projects it does; the enclosing ones receive it from there);
- and, where a variable must stay a variable otherwise (CONSTRUCT templates, `AS ?x`, VALUES
  headers, GROUP BY, HAVING and ORDER BY), binds it with one `VALUES (?a ?b) { (t t) }` row at
  the start of the outermost WHERE group and of each sub-select where that happens.

A parameter is thus the same constant in every scope of the query, sub-selects included. A
projected parameter is not a VALUES row because Virtuoso 7.2 mis-planned those on the full
graph: one inside an OPTIONAL sub-select got no answer within 120 s on some loads
(xt-onet-skills-by-importance), one at the top lost a row of a UNION branch
(facts-about-entity).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kg.errors import KgError
from kg.query.results import canonical_decimal

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean", "onet_soc_code", "soc_code")
# Codes are plain strings in the graph (skos:notation), so a code of the other taxonomy, or one
# cut short, matched nothing and the query answered with no rows: "29-1141" for Registered
# Nurses' O*NET-SOC code 29-1141.00. The two code types say what was meant instead.
# How forms and listings name each type (a reader need not know the type names).
TYPE_LABELS = {"onet_soc_code": "O*NET-SOC code, like 29-1141.00",
               "soc_code": "SOC 2018 code, like 29-1141", "iri": "IRI"}
ONET_SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$")
SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")
VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# SPARQL 1.1 IRIREF: '<' ([^<>"{}|^`\]-[#x00-#x20])* '>'; we also require a scheme (absolute).
_IRI_BODY = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*$')
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
INTEGER_RANGE = (-(2**63), 2**63 - 1)
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
# Only ", \, LF and CR must be escaped in "..."; \' is legal ECHAR but rdflib's parser rejects it.
_ECHAR = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


class ParamError(KgError):
    """A parameter is unknown, missing, or its value does not fit its declared type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    description: str = ""


def escape_string(value: str) -> str:
    """A SPARQL STRING_LITERAL_QUOTE for `value` (ECHAR escapes; nothing else can end it)."""
    return '"' + "".join(_ECHAR.get(ch, ch) for ch in value) + '"'


def render_term(value: str, type_: str, name: str = "value") -> str:
    """Render a user-supplied value as one SPARQL term of `type_`, or raise ParamError."""
    v = value.strip() if type_ != "string" else value
    if type_ == "iri":
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        else:
            v = expand_prefixed(v)
        if not _IRI_BODY.match(v):
            raise ParamError(
                f"parameter {name!r}: {value!r} is not an absolute IRI "
                "(no spaces, quotes, <>{}|^`\\ or control characters allowed)"
            )
        return f"<{v}>"
    if type_ == "string":
        return escape_string(v)
    if type_ == "integer":
        if not _INTEGER.match(v):
            raise ParamError(f"parameter {name!r}: {value!r} is not an integer")
        # beyond 20 digits it is outside the range anyway, and int() of over 4,300 digits
        # raised a ValueError (a 500, a traceback; session 30's attack)
        digits = v.lstrip("+-").lstrip("0") or "0"
        number = (-1 if v.startswith("-") else 1) * int(digits) if len(digits) <= 20 else (
            INTEGER_RANGE[1] + 1)
        # pyoxigraph's xsd:integer is 64-bit: a larger literal compares as an error, so a
        # FILTER on it silently keeps nothing (maxJobZoneStep=2^63 gave no transitions)
        if not INTEGER_RANGE[0] <= number <= INTEGER_RANGE[1]:
            raise ParamError(f"parameter {name!r}: {value!r} is outside the 64-bit integers "
                             "the query engines compare (-9223372036854775808 to "
                             "9223372036854775807)")
        return str(number)
    if type_ == "decimal":
        if not _DECIMAL.match(v):
            raise ParamError(f"parameter {name!r}: {value!r} is not a decimal number")
        # Typed form: a bare "5" would be read as xsd:integer.
        return f'"{canonical_decimal(v)}"^^<{XSD}decimal>'
    if type_ in CODE_TYPES:
        return escape_string(_code(type_, v, value, name))
    if type_ == "boolean":
        low = v.lower()
        if low not in ("true", "false", "1", "0"):
            raise ParamError(f"parameter {name!r}: {value!r} is not a boolean (true/false)")
        return "true" if low in ("true", "1") else "false"
    raise ParamError(f"parameter {name!r}: unknown type {type_!r} (expected {PARAM_TYPES})")


def _onet_soc_hint(code: str) -> str:
    if re.fullmatch(r"[0-9]{8}", code):
        return f"did you mean {code[:2]}-{code[2:6]}.{code[6:]}?"
    if re.fullmatch(r"[0-9]{6}", code):
        return f"did you mean {code[:2]}-{code[2:]}.00?"
    if SOC_CODE.match(code) and code.endswith("0"):
        # a group or total: O*NET describes detailed occupations only (session 36's review:
        # 00-0000, BLS's all-occupations total, was said to be O*NET-SOC 00-0000.00)
        return (f"{code} is a SOC group or total, not an occupation: O*NET-SOC codes are of "
                "detailed occupations (xx-xxxx.00, the last SOC digit 1-9)")
    if SOC_CODE.match(code):
        # Said conditionally: the format alone does not say the code exists, nor that it is a
        # SOC 2018 code and not a SOC 2010 one (15-1132 became 15-1252 and 15-1253)
        return (f"if {code} is a SOC 2018 code, its O*NET-SOC code is {code}.00 (and, where "
                f"O*NET has specialties, {code}.01 and up)")
    return ""


def _soc_hint(code: str) -> str:
    if re.fullmatch(r"[0-9]{6}", code):
        return f"did you mean {code[:2]}-{code[2:]}?"
    if ONET_SOC_CODE.match(code):
        return f"the SOC 2018 code of O*NET-SOC {code} is {code[:7]}"
    return ""


# code type -> (its format, what it is, the hint for a value that does not fit)
CODE_TYPES: dict[str, tuple[re.Pattern[str], str, Callable[[str], str]]] = {
    "onet_soc_code": (ONET_SOC_CODE, "an O*NET-SOC code (NN-NNNN.NN, such as 29-1141.00)",
                      _onet_soc_hint),
    "soc_code": (SOC_CODE, "a SOC 2018 code (NN-NNNN, such as 11-3051)", _soc_hint),
}


def _code(type_: str, code: str, value: str, name: str) -> str:
    pattern, what, hint = CODE_TYPES[type_]
    if pattern.match(code):
        return code
    said = hint(code)
    raise ParamError(f"parameter {name!r}: {value!r} is not {what}{'; ' + said if said else ''}")


def expand_prefixed(value: str) -> str:
    """`id:occupation/x` -> the full IRI, for the project's prefixes (the names `kg query`
    tables print); anything else is returned as given. Without this, `id:...` would pass as an
    absolute IRI of a scheme "id" and match nothing."""
    from kg.prefixes import prefix_map

    prefix, sep, rest = value.partition(":")
    namespace = prefix_map().get(prefix) if sep else None
    return namespace + rest if namespace else value


# --- a small SPARQL lexer ----------------------------------------------------------------------
# The endpoint's read-only checks (no SERVICE, bounded nesting) trust this lexer, so it must end
# comments and strings where SPARQL does. A prefixed name may hold escapes (PN_LOCAL_ESC: `ex:p\#`
# is the name "p#", not a comment) and non-ASCII letters; a backslash anywhere else is a syntax
# error, which `stray_backslash` lets the endpoint refuse before the engine sees it. A word runs
# on through a dot followed by a name character (`select.x:` is one prefix, not the keyword
# SELECT), one character at a time: a rule that looked ahead for the colon rescanned the rest
# of `a.a.a...` at every dot (64 KB of it took 9 s; session 30's second audit).

# One character of a prefixed name's local part: a name character or an escape (PN_LOCAL_ESC).
_LOCAL = r"(?:[A-Za-z0-9_\-.:%\u00b7\u00c0-\uffff]|\\[_~.\-!$&'()*+,;=/?\#@%])"
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_\u00c0-\uffff]
              (?:[A-Za-z0-9_\-\u00b7\u00c0-\uffff]|\.(?=[A-Za-z0-9_\-\u00b7\u00c0-\uffff]))*
              (?::{local}*)?)
  | (?P<pname>:{local}*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """.replace("{local}", _LOCAL),
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> Iterator[Token]:
    """Significant tokens (whitespace and comments dropped)."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield Token(kind, m.group(), m.start(), m.end())


def stray_backslash(query: str) -> bool:
    """A backslash outside strings and prefixed names: never valid SPARQL, and the one way the
    lexer and the engine could read a `#` or a quote differently."""
    return any(tok.kind == "other" and tok.text == "\\" for tok in tokens(query))


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (the first such keyword outside strings/IRIs)."""
    for tok in tokens(query):
        if tok.kind == "word" and tok.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return tok.text.upper()
    raise ParamError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE keyword")


def star_ordered(query: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` (a SELECT's variables as pyoxigraph gives them) in the order they first appear
    in the query when it is `SELECT *`; pyoxigraph sorts them by name. Regression (session
    29's client audit): `SELECT * { ?s ?p ?o }` answered o, p, s, and rdflib's SPARQLConnector
    user unpacking `for s, p, o in rows` got them reversed; Jena, rdflib and Virtuoso list
    them as they appear."""
    toks = list(tokens(query))
    start = next((i for i, t in enumerate(toks)
                  if t.kind == "word" and t.text.upper() == "SELECT"), None)
    if start is None:
        return names
    after = start + 1
    if after < len(toks) and toks[after].kind == "word" and toks[after].text.upper() in (
            "DISTINCT", "REDUCED"):
        after += 1
    if after >= len(toks) or toks[after].text != "*":
        return names
    seen = list(dict.fromkeys(t.text[1:] for t in toks[after + 1:] if t.kind == "var"))
    rank = {name: n for n, name in enumerate(seen)}
    return tuple(sorted(names, key=lambda name: (rank.get(name, len(rank)), names.index(name))))


def variables(query: str) -> set[str]:
    return {tok.text[1:] for tok in tokens(query) if tok.kind == "var"}


def _where_group(toks: list[Token], query: str) -> int:
    """Index of the `{` token that opens the query's outermost WHERE group."""
    form = query_form(query)
    i = next(i for i, t in enumerate(toks) if t.kind == "word" and t.text.upper() == form)
    i += 1
    if form == "CONSTRUCT" and i < len(toks) and toks[i].kind == "open":
        depth = 0  # skip the CONSTRUCT template, a balanced group
        for j in range(i, len(toks)):
            depth += {"open": 1, "close": -1}.get(toks[j].kind, 0)
            if depth == 0:
                i = j + 1
                break
        else:
            raise ParamError("unbalanced braces in the CONSTRUCT template")
    elif form == "CONSTRUCT":
        # CONSTRUCT WHERE { triples }: the group is also the template, so VALUES cannot go in.
        raise ParamError("parameters cannot be bound in the short form CONSTRUCT WHERE { ... }")
    for k in range(i, len(toks)):
        if toks[k].kind == "open":
            return k
    raise ParamError("the query has no WHERE group to bind parameters into")


def _matching_close(toks: list[Token], k: int) -> Token:
    depth = 0
    for tok in toks[k:]:
        depth += {"open": 1, "close": -1}.get(tok.kind, 0)
        if depth == 0:
            return tok
    raise ParamError("unbalanced braces in the WHERE group")


def bind_params(query: str, declared: Sequence[Param], values: Mapping[str, str]) -> str:
    """Return `query` with every declared parameter bound to its value (or its default)."""
    known = {p.name for p in declared}
    unknown = sorted(set(values) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise ParamError(f"unknown parameter(s) {', '.join(unknown)} (this query takes: {listed})")
    terms: dict[str, str] = {}
    for p in declared:
        value = values.get(p.name, p.default)
        if value is None:
            raise ParamError(f"missing parameter {p.name!r} ({p.type}): pass --param {p.name}=...")
        terms[p.name] = render_term(value, p.type, p.name)
    if not terms:
        return query
    toks = list(tokens(query))
    k = _where_group(toks, query)
    kept = _variable_positions(toks, k)
    edits: list[tuple[int, int, str]] = []
    for i in range(k + 1, len(toks)):
        tok = toks[i]
        if tok.kind == "var" and tok.text[1:] in terms and i not in kept:
            edits.append((tok.start, tok.end, terms[tok.text[1:]]))
    if query_form(query) == "SELECT":
        projected = _projections(toks, terms, kept)
        for i, as_constant in projected.items():
            if as_constant:
                name = toks[i].text[1:]
                edits.append((toks[i].start, toks[i].end, f"({terms[name]} AS ?{name})"))
        kept -= set(projected)
    # VALUES only where a variable stays: a needless one-row VALUES is a separate join component,
    # which can mislead a planner about where to start.
    outer = [n for n in terms if any(toks[i].text[1:] == n for i in kept if toks[i].kind == "var")]
    if outer:
        edits += _values_edits(toks, k, terms, outer)
    for j in range(k + 1, len(toks)):
        if toks[j].kind == "word" and toks[j].text.upper() == "SELECT":
            where = next((w for w in range(j, len(toks)) if toks[w].kind == "open"), None)
            if where is None:
                raise ParamError("a sub-select has no WHERE group")
            used = _params_kept_in_sub_select(toks, j, terms, kept)
            if used:
                edits += _values_edits(toks, where, terms, used)
    out = query
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _values_edits(
    toks: list[Token], k: int, terms: Mapping[str, str], names: Sequence[str]
) -> list[tuple[int, int, str]]:
    """Edits that put one VALUES row binding `names` at the start of the group opened at `k`."""
    names = sorted(set(names), key=list(terms).index)
    block = (
        f" VALUES ({' '.join('?' + n for n in names)}) "
        f"{{ ({' '.join(terms[n] for n in names)}) }}\n"
    )
    at = toks[k].end
    if k + 1 < len(toks) and toks[k + 1].kind == "word" and toks[k + 1].text.upper() == "SELECT":
        # `{ SELECT ... }` is a sub-select, which cannot share its group: wrap it.
        end = _matching_close(toks, k).start
        return [(at, at, block + "{"), (end, end, "}\n")]
    return [(at, at, block)]


def _params_kept_in_sub_select(
    toks: list[Token], j: int, terms: Mapping[str, str], kept: set[int]
) -> list[str]:
    """Parameters that stay variables in the sub-select whose SELECT keyword is token `j`."""
    depth = 0
    used = []
    for i in range(j, len(toks)):
        tok = toks[i]
        depth += {"open": 1, "close": -1}.get(tok.kind, 0)
        if depth < 0:  # the brace that closes the group around the sub-select
            break
        if tok.kind == "var" and tok.text[1:] in terms and i in kept:
            used.append(tok.text[1:])
    return used


def _projections(toks: list[Token], terms: Mapping[str, str], kept: set[int]) -> dict[int, bool]:
    """The plain `?param` items of SELECT clauses (token index -> whether it becomes `(t AS
    ?param)`), for the parameters that stay a variable nowhere else; an item whose sub-select
    projects the same parameter receives it from there and stays as it is."""
    clauses: list[tuple[int, int, int]] = []  # (first item, end of clause, end of its WHERE group)
    for j, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "SELECT":
            where = next((w for w in range(j, len(toks)) if toks[w].kind == "open"), len(toks))
            close = _matching_close(toks, where) if where < len(toks) else toks[-1]
            clauses.append((j + 1, where, toks.index(close)))
    plain: dict[int, tuple[int, int]] = {}  # token -> its clause's (where, close)
    for first, where, close in clauses:
        depth = 0
        for i in range(first, where):
            tok = toks[i]
            depth += {"(": 1, ")": -1}.get(tok.text, 0) if tok.kind == "other" else 0
            if tok.kind == "var" and tok.text[1:] in terms and depth == 0:
                plain[i] = (where, close)
    elsewhere = {toks[i].text[1:] for i in kept if toks[i].kind == "var" and i not in plain}
    out: dict[int, bool] = {}
    for i, (where, close) in plain.items():
        name = toks[i].text[1:]
        if name in elsewhere:
            continue
        inner = any(toks[m].text[1:] == name and where < m < close for m in plain)
        out[i] = not inner
    return out


_MODIFIERS = ("GROUP", "HAVING", "ORDER")
_MODIFIER_ENDS = ("LIMIT", "OFFSET", "VALUES", "GROUP", "HAVING", "ORDER")


def _variable_positions(toks: list[Token], k: int) -> set[int]:
    """Indexes of variable tokens that must stay variables (see the module docstring)."""
    kept = set(range(k))  # the query form's clause: SELECT list, CONSTRUCT template, ...
    i = k
    while i < len(toks):
        word = toks[i].text.upper() if toks[i].kind == "word" else ""
        if word == "SELECT" or word == "VALUES":
            i += 1
            while i < len(toks) and toks[i].kind != "open":
                kept.add(i)
                i += 1
            continue
        if word == "AS" and i + 1 < len(toks):
            kept.add(i + 1)
        elif word in _MODIFIERS:
            i += 1
            while i < len(toks) and toks[i].kind not in ("open", "close"):
                if toks[i].kind == "word" and toks[i].text.upper() in _MODIFIER_ENDS:
                    break
                kept.add(i)
                i += 1
            continue
        i += 1
    return kept


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """`key=value` strings from the command line into a dict."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not VARNAME.match(key):
            raise ParamError(f"--param expects NAME=VALUE, got {item!r}")
        if key in out:
            raise ParamError(f"parameter {key!r} given twice")
        try:  # a byte that is not UTF-8 comes from the shell as a lone surrogate
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ParamError(f"--param {key}: the value is not UTF-8 text") from None
        out[key] = value
    return out
