"""Typing curated values by the ontology's declared range, with clear errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import RDF, XSD, Literal, URIRef

# Codes whose shape is known: a malformed one is an input error, not a SHACL afterthought.
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "socCode": re.compile(r"^\d{2}-\d{4}$"),
    "naicsCode": re.compile(r"^(\d{2}-\d{2}|\d{2,6})$"),
}
_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_calendar_date(text: str) -> bool:
    """YYYY-MM-DD naming a real day (not 2008-13-31 or 2008-02-30)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(_DATE.match(text))


# The largest power of ten a published figure may have (1e+999999999 overflowed Python's
# decimal context when written out: a traceback from every importer and the curated loader,
# session 29's attack).
MAX_EXPONENT = 1000


# ASCII digits, an optional point and exponent: Python's Decimal also reads "1_200" and
# Arabic-Indic "١٢٠٠" as 1200, which no publisher's file means (session 29's attack).
_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", re.ASCII)


def finite_decimal(text: str) -> Decimal:
    """`text` as a Decimal; InvalidOperation unless it is a finite number within 10^±1000,
    written in ASCII digits."""
    if not _NUMBER.fullmatch(text):
        raise InvalidOperation(text)
    number = Decimal(text)
    if not number.is_finite() or (number and abs(number.adjusted()) > MAX_EXPONENT):
        raise InvalidOperation(text)
    return number


def decimal_literal(number: Decimal) -> Literal:
    """An xsd:decimal in canonical form ("40.0", "-8.0", "12.5").

    rdflib writes Turtle decimals with a ".0" but JSON-LD with the lexical form as given, so
    without one canonical form the downloads would not be isomorphic.
    """
    text = format(number.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def typed_literal(prop: str, value: Any, datatype: URIRef | None) -> Literal:
    """Return `value` as a literal of `datatype`; raise ValueError saying what is wrong."""
    if prop in CODE_PATTERNS and not CODE_PATTERNS[prop].match(str(value)):
        raise ValueError(f"{prop} {value!r} is malformed (expected {CODE_PATTERNS[prop].pattern})")
    if datatype in (None, RDF.langString):
        if not isinstance(value, str):
            raise ValueError(f"{prop} takes text, got {value!r}")
        return Literal(value, lang="en")
    if datatype == XSD.string:
        # RDF 1.1: a plain literal is an xsd:string; writing it plain keeps every format alike.
        return Literal(str(value))
    if datatype in (XSD.decimal, XSD.integer, XSD.nonNegativeInteger):
        if isinstance(value, bool):
            raise ValueError(f"{prop} takes a number, got {value!r}")
        try:
            number = finite_decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{prop} takes a number, got {value!r}") from None
        if datatype == XSD.decimal:
            return decimal_literal(number)
        if number != number.to_integral_value():
            raise ValueError(f"{prop} takes a whole number, got {value!r}")
        return Literal(int(number), datatype=datatype)
    if datatype == XSD.boolean:
        if not isinstance(value, bool):
            raise ValueError(f"{prop} takes true or false, got {value!r}")
        return Literal(value)
    if datatype == XSD.duration:
        if not isinstance(value, str) or not _DURATION.match(value):
            raise ValueError(f"{prop} takes an ISO 8601 duration such as P3Y, got {value!r}")
        return Literal(value, datatype=XSD.duration)
    if datatype == XSD.date:
        if not isinstance(value, str) or not is_calendar_date(value):
            raise ValueError(f"{prop} takes a date YYYY-MM-DD of the calendar, got {value!r}")
        return Literal(value, datatype=XSD.date)
    return Literal(str(value), datatype=datatype)
