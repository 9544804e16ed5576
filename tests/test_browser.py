"""Pages in a real browser: Debian chromium, headless, driven by its --dump-dom/--screenshot CLI.

Skipped with a reason when chromium is missing, except under CI=true, where that fails.
Screenshots are saved under pytest's tmp dir (the path is printed) as test artifacts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.server_support import Running, http, running_server

OCC = "occupation/industrial-production-managers"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)")


def run_chromium(tmp: Path, *args: str, timeout: float = 90) -> str:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def server(dist: Path) -> Running:
    with running_server(dist, query_timeout=10.0, max_results=1000) as srv:
        yield srv


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser-artifacts")
    print(f"browser screenshots in {path}")
    return path


def test_occupation_page_renders_facts_sources_and_chart(
    server: Running, artifacts: Path
) -> None:
    url = f"{server.url}/id/{OCC}"  # the IRI itself: the browser follows the 303
    dom = run_chromium(artifacts, "--dump-dom", url)
    assert "<h1" in dom and "Industrial production managers" in dom
    assert re.search(r'class="fact-group"', dom)
    assert "Requires competency" in dom and "Communication skills" in dom.replace(
        "communication skills", "Communication skills")
    assert dom.count('class="source"') > 50  # each fact with its quote and document
    assert "Occupational Outlook Handbook" in dom
    svg = re.search(r'<svg[^>]*class="chart wage-chart".*?</svg>', dom, re.S)
    assert svg, "no wage chart"
    assert 'data-period="May 2008"' in svg.group(0) and 'data-period="May 2021"' in svg.group(0)
    assert "median $83,290" in svg.group(0) and "median $103,150" in svg.group(0)
    assert 'class="chart industry-chart"' in dom
    shot = artifacts / "occupation.png"
    run_chromium(artifacts, "--window-size=1200,2200", f"--screenshot={shot}", url)
    assert shot.stat().st_size > 20_000


def test_query_page_runs_a_stored_query(server: Running, artifacts: Path) -> None:
    yasgui = server.app.yasgui
    if yasgui:
        url = f"{server.url}/query?name=occupation-credentials&run=1"
        dom = run_chromium(artifacts, "--virtual-time-budget=15000", "--dump-dom", url)
        assert "yasgui" in dom
        rows = re.findall(r"<tr[^>]*>.*?</tr>", dom.split('class="yasr', 1)[-1], re.S)
        assert any("Certified in Production and Inventory Management" in r for r in rows), dom[
            -3000:]
    else:
        assert server.app.config.queries_dir is not None
        query = (server.app.config.queries_dir / "occupation-credentials.rq").read_text()
        url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query, "format": "html"})
        dom = run_chromium(artifacts, "--dump-dom", url)
        rows = re.findall(r"<tr>.*?</tr>", dom, re.S)
        assert any("Certified in Production and Inventory Management" in r for r in rows)
    shot = artifacts / "query.png"
    run_chromium(artifacts, "--window-size=1200,1400", "--virtual-time-budget=15000",
                 f"--screenshot={shot}", url)
    assert shot.stat().st_size > 10_000


def test_reconcile_form_links_each_candidate(server: Running, artifacts: Path) -> None:
    """Regression (session 25 audit): the form's candidates were plain text, so a user could
    not go on to the entity they had found."""
    deadline = time.monotonic() + 120  # the first request starts the index; 503 until it is built
    while http(f"{server.url}/reconcile?queries=%7B%7D").status == 503:
        assert time.monotonic() < deadline, "the reconciliation index was never built"
        time.sleep(0.5)
    url = f"{server.url}/reconcile/form?q=industrial+production+managers&type=occupation"
    dom = run_chromium(artifacts, "--virtual-time-budget=15000", "--dump-dom", url)
    links = re.findall(r'<a href="(/reconcile/preview\?id=[^"]+)">([^<]+)</a>', dom)
    assert links, dom[-3000:]
    # the codes the data extension gives: the curated occupation states SOC 11-3051
    first_row = re.search(r"<tbody><tr>(.*?)</tr>", dom, re.S)
    assert first_row and "<td>11-3051</td>" in first_row.group(1), dom[-3000:]
    href, name = links[0]
    card = server.url + href.replace("&amp;", "&")
    import urllib.request

    with urllib.request.urlopen(card, timeout=30) as reply:  # noqa: S310 - the test server
        text = reply.read().decode("utf-8")
    assert name in text


def test_stored_query_page_without_javascript(server: Running, artifacts: Path) -> None:
    url = f"{server.url}/queries/occupation-credentials"
    dom = run_chromium(artifacts, "--dump-dom", url)
    assert "<script" not in dom  # the page is plain HTML: nothing needs JavaScript
    rows = re.findall(r"<tr>.*?</tr>", dom, re.S)
    assert len(rows) > 3 and any("Six Sigma Black Belt" in r for r in rows)


@pytest.mark.parametrize(("name", "path", "expected"), [
    ("observation", "/id/observation/wage-median-2008-05", "Median annual wage, May 2008: $83,290"),
    ("certification", "/id/certification/cpim", "every 3 years"),
    ("downloads", "/downloads", "Curator assertions"),
    ("stored-query", "/queries/occupation-credentials", "Six Sigma Black Belt"),
])
def test_pages_read_as_a_person_expects(server: Running, artifacts: Path, name: str, path: str,
                                        expected: str) -> None:
    """The pages of the review (issue 10) as the browser renders them, screenshots kept."""
    url = server.url + path
    dom = run_chromium(artifacts, "--dump-dom", url)
    assert expected in dom
    assert '<link rel="icon" href="/static/favicon.svg"' in dom
    # no language tags in the text (the JSON-LD and the Turtle of void.ttl keep theirs)
    assert "@en" not in re.sub(r"<(script|pre)\b.*?</\1>", "", dom, flags=re.S)
    shot = artifacts / f"{name}.png"
    run_chromium(artifacts, "--window-size=1280,1600", f"--screenshot={shot}", url)
    assert shot.stat().st_size > 10_000
