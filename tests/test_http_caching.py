"""gzip and conditional requests on `kg serve` (kg.serve.compression, kg.serve.conditional).

Regression (carried over in earlier notes): no answer was compressed and none had a
validator other than the downloads' ETag, so a client fetched the 1 MB query-page script and
every entity document in full each time, and a crawler could not ask "changed since?".
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import time
import urllib.parse
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from kg.serve.compression import MIN_BYTES, accepts_gzip
from tests.server_support import Running, running_server

DOCUMENT = "/id/occupation/industrial-production-managers.ttl"
PAGE = "/id/occupation/industrial-production-managers.html"
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[Running]:
    with running_server(dist, workers=1, query_timeout=10.0) as srv:
        yield srv


def fetch(server: Running, path: str, method: str = "GET", body: bytes | None = None,
          **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request with exactly these headers (urllib would add its own)."""
    host, port = server.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, body=body,
                     headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def vary(headers: http.client.HTTPMessage) -> set[str]:
    return {part.strip().lower() for part in (headers.get("Vary") or "").split(",")}


def test_accept_encoding_weights() -> None:
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("x-gzip") and accepts_gzip("*")
    assert accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1")
    for refused in (None, "", "identity", "gzip;q=0", "*;q=0", "br, *;q=0.5, gzip;q=0",
                    "gzip;q=nan", "gzip;q=2"):
        assert not accepts_gzip(refused), refused


def test_an_entity_document_is_gzipped_for_a_client_that_accepts_it(server: Running) -> None:
    status, plain_headers, plain = fetch(server, DOCUMENT)
    assert status == 200 and "Content-Encoding" not in plain_headers
    status, headers, packed = fetch(server, DOCUMENT, Accept_Encoding="gzip, deflate")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(packed) < len(plain) / 3
    assert gzip.decompress(packed) == plain
    assert {"accept-encoding"} <= vary(headers) and {"accept-encoding"} <= vary(plain_headers)
    assert len(Graph().parse(data=gzip.decompress(packed), format="turtle")) > 20
    # the same bytes each time (no timestamp in the gzip header): the same ETag is true
    assert fetch(server, DOCUMENT, Accept_Encoding="gzip")[2] == packed


def test_gzip_refused_or_not_offered_gives_the_plain_body(server: Running) -> None:
    plain = fetch(server, DOCUMENT)[2]
    for header in ("identity", "gzip;q=0", "br", "*;q=0"):
        status, headers, body = fetch(server, DOCUMENT, Accept_Encoding=header)
        assert status == 200 and "Content-Encoding" not in headers and body == plain, header


def test_a_cached_document_is_not_changed_by_a_gzipped_answer(server: Running) -> None:
    """The rendered documents are cached as Response objects (kg.serve.routes.entity_document):
    one gzipped in place would go gzipped to the next client, which did not ask for it."""
    first = fetch(server, DOCUMENT)[2]
    fetch(server, DOCUMENT, Accept_Encoding="gzip")
    status, headers, again = fetch(server, DOCUMENT)
    assert "Content-Encoding" not in headers and again == first


def test_a_real_client_reads_gzipped_pages_and_results(server: Running) -> None:
    """requests sends `Accept-Encoding: gzip, deflate` and decodes what comes back."""
    page = requests.get(server.url + PAGE, timeout=60)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Industrial Production Managers" in page.text
    result = requests.post(server.url + "/sparql", data={"query": LABELS}, timeout=60,
                           headers={"Accept": "application/sparql-results+json"})
    assert result.status_code == 200 and result.headers["Content-Encoding"] == "gzip"
    assert len(result.json()["results"]["bindings"]) > 100
    script = requests.get(server.url + "/static/vendor/yasgui/yasgui.min.js", timeout=60)
    if script.status_code == 200:  # after `kg serve-assets`
        assert script.headers["Content-Encoding"] == "gzip" and "yasgui" in script.text.lower()


def test_head_announces_the_length_get_sends(server: Running) -> None:
    for encoding in ("gzip", "identity"):
        _, got, body = fetch(server, PAGE, Accept_Encoding=encoding)
        status, head, empty = fetch(server, PAGE, "HEAD", Accept_Encoding=encoding)
        assert status == 200 and empty == b""
        assert head["Content-Length"] == got["Content-Length"] == str(len(body))
        assert head.get("Content-Encoding") == got.get("Content-Encoding")


def test_each_encoding_has_its_own_etag_and_if_none_match_gives_304(server: Running) -> None:
    _, plain, _ = fetch(server, DOCUMENT)
    _, packed, _ = fetch(server, DOCUMENT, Accept_Encoding="gzip")
    assert plain["ETag"] and packed["ETag"] and plain["ETag"] != packed["ETag"]
    status, headers, body = fetch(server, DOCUMENT, Accept_Encoding="gzip",
                                  If_None_Match=packed["ETag"])
    assert (status, body) == (304, b"")
    assert headers["ETag"] == packed["ETag"] and "accept-encoding" in vary(headers)
    assert headers["Cache-Control"] == "max-age=300"
    # W/ is ignored (weak comparison, RFC 9110 13.1.2), a list is searched
    assert fetch(server, DOCUMENT, If_None_Match=f'"x", W/{plain["ETag"]}')[0] == 304
    # the plain variant's tag does not stand for the gzipped one, nor the reverse
    assert fetch(server, DOCUMENT, Accept_Encoding="gzip", If_None_Match=plain["ETag"])[0] == 200
    assert fetch(server, DOCUMENT, If_None_Match=packed["ETag"])[0] == 200


def test_a_download_is_dated_by_its_file_and_its_conditions_come_before_its_range(
        server: Running, dist: Path) -> None:
    stamp = int(os.stat(dist / "kg.nt").st_mtime)
    dated = formatdate(stamp, usegmt=True)
    _, headers, _ = fetch(server, "/download/kg.nt", "HEAD")
    assert headers["Last-Modified"] == dated
    assert fetch(server, "/download/kg.nt", If_Modified_Since=dated)[0] == 304
    assert fetch(server, "/download/kg.nt", If_Modified_Since=formatdate(stamp - 3600,
                                                                       usegmt=True))[0] == 200
    # RFC 9110 13.2.2: If-Modified-Since before Range (audit: a 206 came back)
    status, headers, body = fetch(server, "/download/kg.nt", Range="bytes=0-9",
                                  If_Modified_Since=dated)
    assert (status, body) == (304, b"")
    assert headers["Accept-Ranges"] == "bytes" and headers["Last-Modified"] == dated
    # the date names the file in If-Range as well as its ETag (a date sent the whole file)
    status, _, part = fetch(server, "/download/kg.nt", Range="bytes=0-9", If_Range=dated)
    assert status == 206 and len(part) == 10
    status, _, _ = fetch(server, "/download/kg.nt", Range="bytes=0-9",
                         If_Range=formatdate(stamp - 60, usegmt=True))
    assert status == 200
    # asctime's form and "-0000" are dates too (RFC 9110 5.6.7: GMT)
    asctime = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(stamp))
    assert fetch(server, "/download/kg.nt", If_Modified_Since=asctime)[0] == 304
    assert fetch(server, "/download/kg.nt",
                 If_Modified_Since=dated.replace("GMT", "-0000"))[0] == 304


def test_no_date_on_answers_the_build_does_not_date(server: Running) -> None:
    """Audit (session 31): with the build's time as Last-Modified, /queries answered 304 to a
    client holding the list from before a stored query was added, and a query reading the
    clock (also as /%73parql) answered 304. Only a body's hash validates them."""
    future = formatdate(time.time() + 86400 * 365, usegmt=True)
    for path in ("/queries", DOCUMENT, PAGE,
                 "/sparql?" + urllib.parse.urlencode({"query": "SELECT (NOW() AS ?now) {}"}),
                 "/%73parql?" + urllib.parse.urlencode({"query": "SELECT (NOW() AS ?n) {}"})):
        status, headers, _ = fetch(server, path, Accept="application/sparql-results+json",
                                   If_Modified_Since=future)
        assert status == 200 and headers["ETag"] and "Last-Modified" not in headers, path


def test_a_static_asset_is_dated_by_its_file(server: Running) -> None:
    _, headers, _ = fetch(server, "/static/style.css", Accept_Encoding="gzip")
    assert headers["Content-Encoding"] == "gzip" and headers["Last-Modified"]
    assert fetch(server, "/static/style.css", If_Modified_Since=headers["Last-Modified"])[0] \
        == 304


def test_a_date_that_does_not_parse_is_ignored(server: Running) -> None:
    """Audit (session 31): a year of 20 digits raised OverflowError outside the handler's
    guard, and the connection closed with no answer."""
    for nonsense in ("Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
                     "Mon, 01 Jan 2026 99999999999999999999:00:00 GMT",
                     "Mon, 01 Jan 2026 00:00:00 +99999999999999999999",
                     "yesterday", "", "Sun, 99 Foo 2026 99:99:99 GMT"):
        for path in ("/", "/download/kg.nt", "/static/style.css"):
            assert fetch(server, path, "HEAD", If_Modified_Since=nonsense)[0] == 200, nonsense
            assert fetch(server, path, "HEAD", If_Range=nonsense,
                         Range="bytes=0-1")[0] in (200, 206), nonsense


def test_header_lists_and_their_letter_case(server: Running) -> None:
    """Audit (session 31): `q` is case-insensitive, and a list header may come as several
    lines (RFC 9110 5.3, 12.4.2); `W/*` is not `*`."""
    assert fetch(server, DOCUMENT, Accept_Encoding="gzip;Q=1")[1]["Content-Encoding"] == "gzip"
    host, port = server.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.putrequest("GET", DOCUMENT, skip_accept_encoding=True)
        conn.putheader("Accept-Encoding", "br")
        conn.putheader("Accept-Encoding", "gzip")
        conn.endheaders()
        reply = conn.getresponse()
        reply.read()
        assert reply.headers["Content-Encoding"] == "gzip"
        tag = reply.headers["ETag"]
        conn.putrequest("GET", DOCUMENT, skip_accept_encoding=True)
        conn.putheader("Accept-Encoding", "gzip")
        conn.putheader("If-None-Match", '"other"')
        conn.putheader("If-None-Match", tag)
        conn.endheaders()
        again = conn.getresponse()
        again.read()
        assert again.status == 304
    finally:
        conn.close()
    assert fetch(server, DOCUMENT, If_None_Match="W/*")[0] == 200
    assert fetch(server, DOCUMENT, If_None_Match="*")[0] == 304


def test_a_small_answer_is_sent_as_it_is(server: Running) -> None:
    path = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, headers, body = fetch(server, path, Accept="application/sparql-results+json",
                                  Accept_Encoding="gzip")
    assert status == 200 and len(body) < MIN_BYTES and "Content-Encoding" not in headers
    assert json.loads(body)["boolean"] is True
    assert "accept-encoding" in vary(headers)


def test_a_download_is_gzipped_as_it_streams_and_a_range_gets_the_file_bytes(
        server: Running, dist: Path) -> None:
    """Regression (carried over in earlier notes): downloads were never compressed, so the
    full graph's kg.nt went out as 918 MB (71 MB gzipped at level 1). A whole download is
    gzipped for a client that accepts it, chunked; a Range gets the file's own bytes, which is
    where a client that stored the decoded file resumes."""
    whole = (dist / "kg.nt").read_bytes()
    sha = (dist / "SHA256SUMS").read_text(encoding="utf-8").split("  kg.nt")[0].split()[-1]
    status, headers, body = fetch(server, "/download/kg.nt", Accept_Encoding="gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in headers
    assert gzip.decompress(body) == whole and len(body) < len(whole) / 5
    assert headers["ETag"] == f'"{sha}-gzip"' and "accept-encoding" in vary(headers)
    assert fetch(server, "/download/kg.nt", Accept_Encoding="gzip")[2] == body  # same bytes
    status, headers, part = fetch(server, "/download/kg.nt", Accept_Encoding="gzip",
                                  Range="bytes=100-199")
    assert status == 206 and part == whole[100:200] and "Content-Encoding" not in headers
    assert headers["ETag"] == f'"{sha}"'
    # without Accept-Encoding: the file as it is, with its length
    status, headers, body = fetch(server, "/download/kg.nt")
    assert status == 200 and body == whole and "Content-Encoding" not in headers
    assert headers["Content-Length"] == str(len(whole)) and headers["ETag"] == f'"{sha}"'


def test_a_gzipped_download_has_its_own_validator_and_head(server: Running) -> None:
    _, headers, _ = fetch(server, "/download/kg.nt", Accept_Encoding="gzip")
    tag = headers["ETag"]
    status, headers, body = fetch(server, "/download/kg.nt", Accept_Encoding="gzip",
                                  If_None_Match=tag)
    assert status == 304 and body == b"" and headers["ETag"] == tag
    # the identity variant's holder gets the file again (it asked for another encoding)
    status, _, _ = fetch(server, "/download/kg.nt", If_None_Match=tag)
    assert status == 200
    status, headers, body = fetch(server, "/download/kg.nt", "HEAD", Accept_Encoding="gzip")
    assert status == 200 and body == b"" and headers["Content-Encoding"] == "gzip"


def test_a_gzipped_downloads_tag_resumes_it_and_the_ontology_varies_by_both(
        server: Running, dist: Path) -> None:
    """Regression (session 32's second audit): a client that decoded a gzipped download holds
    the file's first bytes under the -gzip tag, and its If-Range never matched, so a resume
    started over; /ontology, negotiated, said "Vary: Accept" over gzipped bytes."""
    whole = (dist / "kg.ttl").read_bytes()
    _, headers, _ = fetch(server, "/download/kg.ttl", Accept_Encoding="gzip")
    status, _, part = fetch(server, "/download/kg.ttl", Accept_Encoding="gzip",
                            Range="bytes=100-199", If_Range=headers["ETag"])
    assert headers["ETag"].endswith('-gzip"') and status == 206 and part == whole[100:200]
    status, headers, body = fetch(server, "/ontology", Accept="text/turtle",
                                  Accept_Encoding="gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert {"accept", "accept-encoding"} <= vary(headers)
    assert Graph().parse(data=gzip.decompress(body), format="turtle")
    status, headers, _ = fetch(server, "/ontology", Accept="text/turtle",
                               Accept_Encoding="gzip", If_None_Match=headers["ETag"])
    assert status == 304 and {"accept", "accept-encoding"} <= vary(headers)


def test_real_clients_read_a_gzipped_download(server: Running, dist: Path) -> None:
    """requests and curl --compressed decode it; an HTTP/1.0 client gets it up to the
    connection's close; a keep-alive connection serves the next request after the chunks."""
    import shutil
    import socket
    import subprocess

    whole = (dist / "kg.nt").read_bytes()
    answer = requests.get(server.url + "/download/kg.nt", timeout=60)
    assert answer.headers["Content-Encoding"] == "gzip" and answer.content == whole
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-s", "--compressed", server.url + "/download/kg.nt"],
                             capture_output=True, timeout=60, check=True).stdout
        assert out == whole
    host, port = server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(b"GET /download/kg.nt HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        raw = b"".join(iter(lambda: sock.recv(1 << 16), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Encoding: gzip" in head and b"Transfer-Encoding" not in head
    assert gzip.decompress(body) == whole
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("GET", "/download/kg.nt", headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(conn.getresponse().read()) == whole
        conn.request("GET", "/download/void.ttl")
        assert conn.getresponse().read() == (dist / "void.ttl").read_bytes()
    finally:
        conn.close()


def test_errors_and_posts_get_no_validators(server: Running) -> None:
    status, headers, _ = fetch(server, "/id/occupation/no-such-thing.ttl")
    assert status == 404 and "ETag" not in headers and "Last-Modified" not in headers
    status, headers, _ = fetch(server, "/sparql", "POST", body=LABELS.encode(),
                               Content_Type="application/sparql-query",
                               Accept="application/sparql-results+json",
                               If_None_Match="*")
    assert status == 200 and "ETag" not in headers  # If-None-Match applies to GET and HEAD
