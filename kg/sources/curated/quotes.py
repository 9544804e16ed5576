"""Check that every curated quote really occurs in its source document.

Normalisation, applied to both the quote and the document before a plain substring test:

1. Unicode NFC.
2. One seed was decoded with the wrong code page: each right single quote (U+2019, bytes
   E2 80 99) became Greek small beta (cp1253 reads E2 as "β") and the other two bytes were lost.
   A "β" between two Latin letters is therefore read as an apostrophe. Elsewhere it stays Greek.
3. Curly single quotes and primes (‘ ’ ‛ ′) become ', curly double quotes (“ ” „ ″) become ".
4. Dashes (‐ ‑ ‒ – — ―) become -.
5. Every run of white space (including line breaks) becomes one space; the ends are trimmed.

The match is case-sensitive: a quote must keep the document's wording and capitals.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from kg.errors import Location, SourceError
from kg.sources.curated.loader import SourceSet

_BROKEN_APOSTROPHE = re.compile(r"(?<=[A-Za-z])β(?=[A-Za-z])")
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
    }
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _BROKEN_APOSTROPHE.sub("'", text)
    text = text.translate(_TRANSLATE)
    return _SPACE.sub(" ", text).strip()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_quotes(sources: SourceSet, documents_dir: Path) -> None:
    """Raise SourceError listing every quote not found, and every document that changed."""
    problems: list[tuple[Location, str]] = []
    texts: dict[str, str] = {}
    for doc in sources.documents.values():
        path = documents_dir / doc.file
        if "\0" in doc.file:
            problems.append((doc.location, f"document file {doc.file!r} holds a NUL character"))
            continue
        # resolve() follows symlinks, so a link inside the folder that leads out is caught too.
        try:
            resolved = path.resolve()
        except (RuntimeError, OSError) as exc:  # a symbolic-link loop (RuntimeError on 3.11)
            problems.append((doc.location, f"document file {path} cannot be resolved: {exc}"))
            continue
        if not resolved.is_relative_to(documents_dir.resolve()):
            problems.append((doc.location, f"document file {doc.file!r} resolves to "
                                           f"{resolved}, outside the --documents folder"))
            continue
        if not path.is_file():
            problems.append((doc.location, f"document file {path} does not exist"))
            continue
        try:
            digest = sha256_of(path)
        except OSError as exc:
            problems.append((doc.location, f"document file {path} cannot be read: {exc}"))
            continue
        if digest != doc.sha256:
            problems.append(
                (
                    doc.location,
                    f"{path} has sha256 {digest}, the registry says "
                    f"{doc.sha256}: the document changed",
                )
            )
        raw = path.read_bytes()
        try:
            texts[doc.id] = normalise(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:  # the quotes cannot be looked for in it
            line = raw.count(b"\n", 0, exc.start) + 1
            problems.append((doc.location, f"{path}: not UTF-8: byte 0x{raw[exc.start]:02x} "
                                           f"at line {line}, byte offset {exc.start}"))
    for quote, owner in sources.quotes():
        text = texts.get(quote.doc)
        if text is not None and normalise(quote.text) not in text:
            problems.append(
                (
                    quote.location,
                    f"quote for {owner} not found in document {quote.doc!r}: {quote.text!r}",
                )
            )
    if problems:
        raise SourceError(problems)
