"""One cell of an HTML query result, safe against markup and script injection.

Result terms come from anyone's query (`BIND(IRI("javascript:alert(1)") AS ?x)` is legal
SPARQL), so a cell links only to IRIs whose scheme is http or https, checked on the raw string
(no leading spaces or control characters, any letter case of the scheme); every other IRI, blank
node and literal is escaped text. Local IRIs link to their page on this server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from markupsafe import Markup
from rdflib import BNode, Literal, URIRef

_WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f]", re.IGNORECASE)


def web_link(iri: str) -> bool:
    """True if `iri` may become an href: an absolute http(s) IRI with no control characters."""
    return bool(_WEB.match(iri)) and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in iri)


def short_name(iri: str, prefixes: list[tuple[str, str]]) -> str:
    for prefix, ns in prefixes:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def cell(
    term: Any, public_base: str, prefixes: list[tuple[str, str]],
    labels: dict[str, str] | None = None, page: Callable[[str], str | None] | None = None,
) -> Markup:
    """A result cell: IRIs with a page here (local ones; `page` gives the path of any, such as
    an ESCO IRI's /resource) link to it, other web IRIs to themselves, everything else is
    text."""
    if term is None:
        return Markup("")
    if isinstance(term, URIRef):
        iri = str(term)
        text = (labels or {}).get(iri) or short_name(iri, prefixes)
        if not web_link(iri):
            return Markup(f'<span class="iri">&lt;{escape(iri)}&gt;</span>')
        here = page(iri) if page is not None else None
        target = here or ("/id/" + iri[len(public_base):] if iri.startswith(public_base)
                          else iri)
        return Markup(f'<a href="{escape(target)}" title="{escape(iri)}">{escape(text)}</a>')
    if isinstance(term, BNode):
        return Markup(f"_:{escape(str(term))}")
    assert isinstance(term, Literal)
    lang = f'<span class="lang">@{escape(term.language)}</span>' if term.language else ""
    return Markup(f"{escape(str(term))}{lang}")
