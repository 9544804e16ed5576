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

The graph publishes, as okg:quote, the passage as the document writes it
(`NormalisedText.verbatim`):
the normalised match mapped back to the document's own characters (after NFC), curly quotes,
line breaks and the mis-decoded "β" included. A record may type "plant's" on one line; a reader
who searches the document for the published quote finds it (session 28's audit: 77 of 830
quotes were not in their documents byte for byte).
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
    return _SPACE.sub(" ", _one_for_one(unicodedata.normalize("NFC", text))).strip()


def _one_for_one(text: str) -> str:
    """The replacements of normalisation that keep every character's position (2 and 3)."""
    return _BROKEN_APOSTROPHE.sub("'", text).translate(_TRANSLATE)


class NormalisedText:
    """A document normalised as `normalise` does, remembering where each character came from,
    so that a match in the normalised text can be read back as the document writes it."""

    def __init__(self, text: str):
        self.original = unicodedata.normalize("NFC", text)
        replaced = _one_for_one(self.original)
        chars: list[str] = []
        self._starts: list[int] = []  # per normalised character: its first original index
        self._ends: list[int] = []  # and the index after its last (a space: the whole run)
        position = 0
        for run in _SPACE.finditer(replaced):
            for i in range(position, run.start()):
                chars.append(replaced[i])
                self._starts.append(i)
                self._ends.append(i + 1)
            chars.append(" ")
            self._starts.append(run.start())
            self._ends.append(run.end())
            position = run.end()
        for i in range(position, len(replaced)):
            chars.append(replaced[i])
            self._starts.append(i)
            self._ends.append(i + 1)
        self.text = "".join(chars)

    def __contains__(self, quote: str) -> bool:
        return normalise(quote) in self.text

    def lead_in(self, quote: str, lines_back: int = 24) -> str | None:
        """The line ending with ':' that introduces the table or list `quote` is a row of: the
        first such line above the quote with only table cells (lines without a sentence's
        closing '.', '!' or '?') between. None when the quote is inside a sentence, or a
        sentence ends first."""
        wanted = normalise(quote)
        at = self.text.find(wanted) if wanted else -1
        if at < 0:
            return None
        start = self._starts[at]
        if self.original.rfind("\n", 0, start) != start - 1 and start != 0:
            return None  # the quote starts inside a line: part of a sentence
        above = self.original[:start].rstrip("\n").split("\n")[-lines_back:]
        for line in reversed(above):
            line = line.strip()
            if line.endswith(":"):
                return line
            if line.endswith((".", "!", "?")):
                return None
        return None

    def verbatim(self, quote: str) -> str | None:
        """The document's own text of the first passage that `quote` normalises to."""
        wanted = normalise(quote)
        at = self.text.find(wanted) if wanted else -1
        if at < 0:
            return None
        return self.original[self._starts[at]:self._ends[at + len(wanted) - 1]]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_quotes(sources: SourceSet, documents_dir: Path) -> None:
    """Raise SourceError listing every quote not found, and every document that changed;
    else record each quote's passage as its document writes it (sources.verbatim)."""
    problems: list[tuple[Location, str]] = []
    texts: dict[str, NormalisedText] = {}
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
        try:
            is_file, exists = path.is_file(), path.exists()
        except OSError as exc:  # a folder without read or search permission (a traceback)
            problems.append((doc.location, f"document file {path} cannot be read: "
                                           f"{exc.strerror or exc}"))
            continue
        if not is_file:
            problems.append((doc.location, f"document file {path} "
                                           f"{'is not a file' if exists else 'does not exist'}"))
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
            texts[doc.id] = NormalisedText(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:  # the quotes cannot be looked for in it
            line = raw.count(b"\n", 0, exc.start) + 1
            problems.append((doc.location, f"{path}: not UTF-8: byte 0x{raw[exc.start]:02x} "
                                           f"at line {line}, byte offset {exc.start}"))
    for quote, owner in sources.quotes():
        text = texts.get(quote.doc)
        if text is None:
            continue
        passage = text.verbatim(quote.text)
        if passage is not None:
            sources.verbatim[(quote.doc, quote.text)] = passage
            if (lead_in := text.lead_in(quote.text)) is not None:
                sources.lead_ins[(quote.doc, quote.text)] = lead_in
        else:
            problems.append(
                (
                    quote.location,
                    f"quote for {owner} not found in document {quote.doc!r}: {quote.text!r}",
                )
            )
    if problems:
        raise SourceError(problems)
