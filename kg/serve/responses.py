"""A response value the handlers return and the HTTP layer writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # streamed instead of `body` when set
    file_fd: int | None = None  # or an open file, read at offsets (a download)
    file_range: tuple[int, int] | None = None  # of the file: first and last byte (a 206)
    gzipped: bytes | None = None  # `body` gzipped ahead (a static asset's, cached)
    gzip_file: bool = False  # the whole `file_fd`, gzipped as it is sent (a download)

    @classmethod
    def text(cls, status: int, message: str, **headers: str) -> Response:
        return cls(status, (message.rstrip("\n") + "\n").encode("utf-8"), headers=dict(headers))

    @classmethod
    def redirect(cls, location: str, status: int = 303, **headers: str) -> Response:
        return cls(
            status, f"See {location}\n".encode(), headers={"Location": location, **headers}
        )
