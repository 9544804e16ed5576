"""The session-scoped `virtuoso` fixture (import it into tests/conftest.py).

Without virtuoso-t the tests that use it SKIP, unless CI=true, where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.virtuoso import Virtuoso, acquire, release, virtuoso_binary


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    if virtuoso_binary() is None:
        reason = "virtuoso-t is not installed (Debian package virtuoso-opensource)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    server = acquire(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        release()
