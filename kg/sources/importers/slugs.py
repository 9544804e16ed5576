"""Stable, readable slugs for free-text names (technology examples)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-") or "x"


class Slugger:
    """Gives each distinct text one slug; texts that slugify alike get a short hash suffix."""

    def __init__(self) -> None:
        self.by_text: dict[str, str] = {}
        self.taken: set[str] = set()

    def slug(self, text: str) -> tuple[str, bool]:
        """(slug, whether the text is new)."""
        known = self.by_text.get(text)
        if known is not None:
            return known, False
        slug = slugify(text)
        if slug in self.taken:
            slug = f"{slug}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
        self.taken.add(slug)
        self.by_text[text] = slug
        return slug, True
