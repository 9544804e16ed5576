"""Errors that name the file, the line or record, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    record: str | None = None
    column: int | None = None  # 1-based, where the parser knows it

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        return f"{where} (record {self.record})" if self.record else where


class KgError(Exception):
    """Base class for errors shown to the user without a traceback."""


class SourceError(KgError):
    """Bad curated input; carries every problem found, each with its location."""

    def __init__(self, problems: list[tuple[Location, str]]):
        self.problems = problems
        lines = [f"{loc}: {msg}" for loc, msg in problems]
        super().__init__(f"{len(problems)} problem(s) in the source records:\n" + "\n".join(lines))


class ValidationFailed(KgError):
    """The built graph does not conform to the SHACL shapes or a quality check."""


def not_a_file(path: Path) -> str:
    """Why `path` cannot be read as a file: a folder given where a file belongs was reported
    as "no such file", which sent the user looking for a missing file."""
    if path.is_dir():
        return "is a folder, not a file"
    return "is not a regular file" if path.exists() else "no such file"


def not_a_folder(path: Path) -> str:
    """Why `path` cannot be read as a folder."""
    return "is a file, not a folder" if path.exists() else "no such folder"
