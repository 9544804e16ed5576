"""Request routing: one function per route, each returning a Response."""

from __future__ import annotations

import os
import re
import threading
from email.message import Message
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pyoxigraph import Literal, NamedNode

from kg.serve import described, humanize
from kg.serve import negotiation as neg
from kg.serve.compression import compressible_download, gzip_body, gzips_download, with_vary
from kg.serve.conditional import http_date, not_modified, not_modified_answer
from kg.serve.cors import methods_for
from kg.serve.downloads import download_bytes, graph_title, lookup
from kg.serve.entities import kind_names, local_name
from kg.serve.onet_profile import ProfileReader
from kg.serve.pages import resource_href
from kg.serve.responses import Response
from kg.serve.sparql_endpoint import (
    ProtocolError,
    Result,
    protocol_query,
    result_media,
    serialize,
)

if TYPE_CHECKING:
    from kg.serve.app import App

HTML = "text/html; charset=utf-8"
# The licences a build's files come under (the graph's, and the crosswalks' publishers')
LICENSE_LABELS = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://opensource.org/licenses/MIT": "MIT",
    "https://creativecommons.org/publicdomain/mark/1.0/": "Public domain",
}
QUERY_FORMATS = [
    ("html", "HTML table"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
    ("tsv", "TSV"), ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"),
    ("json-ld", "JSON-LD (CONSTRUCT/DESCRIBE)"),
]


# RFC 3986 6.2.2.2: a percent-encoded unreserved character is that character (`/%64ownloads`
# is /downloads); /download/ decoded them and /kind/, /queries/ and the routes' names did not
# (session 30's attack).
_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")


def _unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char.isalnum() or char in "-._~" else match.group(0)


def dispatch(app: App, method: str, target: str, headers: Message, body: bytes) -> Response:
    url = urlsplit(target)
    url = url._replace(path=_UNRESERVED_ESCAPE.sub(_unreserved, url.path))
    path = url.path
    params = parse_qs(url.query, keep_blank_values=True)
    if method not in ("GET", "HEAD", "POST"):
        # what this path takes, as its OPTIONS says (the second audit: every path named POST)
        return Response.text(405, f"{method} is not allowed", Allow=methods_for(path))
    if path == "/reconcile" or path.startswith("/reconcile/"):
        from kg.serve.reconcile_route import reconcile

        return reconcile(app, method, path, params, headers, body)
    if method == "POST" and path != "/sparql":
        return Response.text(405, "POST is only accepted at /sparql and /reconcile",
                             Allow=methods_for(path))
    if path == "/sparql":
        return sparql(app, method, headers, params, body)
    if path.startswith("/id/"):
        return entity(app, url.path[len("/id/") :], headers)
    if path == "/resource" or path.startswith("/resource."):
        ext = path[len("/resource."):] if path != "/resource" else ""
        return resource(app, ext or None, params, headers)
    # url.path, not the raw target: an absolute-form target (GET http://host/download/...)
    # was sliced as if it began with the path (a 404; session 29's attack)
    if path.startswith("/download/"):
        return download(app, url.path[len("/download/") :], headers)
    if path.startswith("/mappings/"):
        # a mapping set's mapping_set_id (…/mappings/NAME.sssom.tsv) is the file itself
        return download(app, url.path[1:], headers)
    if path.startswith("/static/"):
        return static(app, path[len("/static/") :])
    if path in ("/", "/index.html"):
        return index(app)
    if path.startswith("/kind/"):
        return kind(app, path[len("/kind/") :], params, headers)
    if path == "/query":
        return query_page(app, params)
    if path in ("/queries", "/queries/"):
        return queries_page(app)
    if path.startswith("/queries/"):
        return stored_query(app, path[len("/queries/") :], params, headers)
    if path == "/downloads":
        return downloads_page(app)
    if path == "/search":
        return search_page(app, params)
    if path == "/favicon.ico":
        return static(app, "favicon.svg")
    if path == "/void.ttl":
        return download(app, "void.ttl", headers)
    if path == "/.well-known/void":
        return Response(200, described.served_void(app), "text/turtle; charset=utf-8",
                        {"Cache-Control": "max-age=300", "Link": '</void.ttl>; rel="alternate"; '
                         'type="text/turtle"'})
    if path in ("/ontology", "/ontology/"):
        return ontology_root(app, headers)
    if path.startswith("/ontology."):
        return ontology_document(app, path[len("/ontology.") :], headers)
    if path.startswith("/ontology/"):
        return ontology(app, path[len("/ontology/") :], headers)
    return error(app, 404, f"nothing at {path}", headers)


def error(app: App, status: int, message: str, headers: Message | None = None) -> Response:
    accept = headers.get("Accept") if headers is not None else None
    if neg.negotiate(accept, ("text/plain", "text/html")) == "text/html" and accept:
        reason = HTTPStatus(status).phrase
        page = app.pages.render("error.html", status=status, reason=reason, message=message)
        return Response(status, page, HTML)
    return Response.text(status, message)


# --- entities ------------------------------------------------------------------------------------


def _formats(app: App, iri: str) -> list[tuple[str, str, str]]:
    names = {"html": "HTML", "ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples",
             "rdf": "RDF/XML"}
    if not iri.startswith(app.mapping.public):  # an IRI described here, minted elsewhere
        return [(names[ext], media, resource_href(iri, ext))
                for ext, (media, _) in neg.ENTITY_FORMATS.items()]
    doc = "/id/" + iri[len(app.mapping.public) :]
    return [(names[ext], media, f"{doc}.{ext}") for ext, (media, _) in neg.ENTITY_FORMATS.items()]


def _links(app: App, iri: str, media: str) -> str:
    """The Link header of a description document: the IRI it describes and its other formats.
    A JSON-LD document lists no other formats: PyLD 3.3's loader reads rel="alternate" as one
    link and failed on an entity's several (session 36's client audit)."""
    links = [f'<{iri}>; rel="describes"']
    if media != neg.JSONLD:
        links += [f'<{url}>; rel="alternate"; type="{m}"'
                  for _, m, url in _formats(app, iri) if m != media]
    return ", ".join(links)


def resource(app: App, ext: str | None, params: dict[str, list[str]],
             headers: Message) -> Response:
    """/resource?iri=IRI (303 to a document by Accept) and /resource.EXT?iri=IRI: what the
    graph holds about an IRI it does not mint, such as an ESCO occupation or skill or an ISCO
    group, as the imported edition has it (the publisher's own page shows its latest one).
    Only IRIs the graph describes are served: no other IRI is looked up or fetched."""
    given = params.get("iri") or []
    if len(given) != 1 or not given[0]:
        return error(app, 400, "name one IRI: /resource?iri=IRI", headers)
    iri = given[0]
    ext = ext.lower() if ext is not None else None  # as /id/ reads a suffix
    for base in (app.mapping.public, app.mapping.data):  # minted here: its own path
        if iri.startswith(base):
            suffix = f".{ext}" if ext in neg.ENTITY_FORMATS else ""
            return Response.redirect("/id/" + quote(iri[len(base):]) + suffix, 301)
    if not app.index.describes_external(iri):
        return error(app, 404, f"the graph does not describe {iri}", headers)
    if ext is None:
        offered = tuple(media for media, _ in neg.ENTITY_FORMATS.values())
        media = neg.negotiate(headers.get("Accept"), offered, neg.MEDIA_ALIASES)
        if media is None:
            return Response.text(406, f"available as {', '.join(offered)}", Vary="Accept")
        ext = next(e for e, (m, _) in neg.ENTITY_FORMATS.items() if m == media)
        return Response.redirect(resource_href(iri, ext), 303, Vary="Accept")
    if ext not in neg.ENTITY_FORMATS:
        return error(app, 404, f"no /resource.{ext}: the formats are "
                               f"{', '.join(neg.ENTITY_FORMATS)}", headers)
    return entity_document(app, iri, ext)


def entity(app: App, rest: str, headers: Message) -> Response:
    iri = app.mapping.public + rest
    try:  # a bad %-escape or a raw "|", "^" or "%" makes no IRI: nothing can be there
        NamedNode(iri)
    except ValueError:
        return error(app, 404, f"no entity at /id/{rest}: not a valid IRI path", headers)
    if app.index.exists(iri):
        offered = tuple(media for media, _ in neg.ENTITY_FORMATS.values())
        media = neg.negotiate(headers.get("Accept"), offered, neg.MEDIA_ALIASES)
        if media is None:
            return Response.text(
                406, f"available as {', '.join(offered)}", Vary="Accept"
            )
        ext = next(e for e, (m, _) in neg.ENTITY_FORMATS.items() if m == media)
        # 303 See Other: the IRI names a thing (an occupation), not a document (httpRange-14).
        return Response.redirect(f"/id/{quote(rest)}.{ext}", 303, Vary="Accept")
    if described.kind_of(app, iri) is not None:  # a named graph or a void.ttl node
        return _see_document(rest, headers)
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in neg.ENTITY_FORMATS and app.index.exists(app.mapping.public + stem):
        return entity_document(app, app.mapping.public + stem, ext)
    if dot and ext in neg.ENTITY_FORMATS:
        kind_ = described.kind_of(app, app.mapping.public + stem)
        if kind_ is not None:
            return described_document(app, app.mapping.public + stem, ext, kind_)
    # O*NET writes its content-model IDs in capitals (2.A.1.e), its IRIs here are lower-case:
    # a link built from a published ID goes to the entity (regression, session 27's audit: 404)
    lower = rest.lower()
    if lower != rest and (app.index.exists(app.mapping.public + lower) or (
            dot and ext.lower() in neg.ENTITY_FORMATS
            and app.index.exists(app.mapping.public + stem.lower()))):
        return Response.redirect(f"/id/{quote(lower)}", 301)
    return error(app, 404, f"no entity with the IRI {iri}", headers)


def _see_document(rest: str, headers: Message) -> Response:
    """303 See Other to the description document in the format `Accept` prefers."""
    offered = tuple(media for media, _ in neg.ENTITY_FORMATS.values())
    media = neg.negotiate(headers.get("Accept"), offered, neg.MEDIA_ALIASES)
    if media is None:
        return Response.text(406, f"available as {', '.join(offered)}", Vary="Accept")
    ext = next(e for e, (m, _) in neg.ENTITY_FORMATS.items() if m == media)
    return Response.redirect(f"/id/{quote(rest)}.{ext}", 303, Vary="Accept")


def described_document(app: App, iri: str, ext: str, kind_: str) -> Response:
    """A named graph (its triples, streamed from a cache file, and its void.ttl description;
    an HTML summary with counts) or a void.ttl node (its description)."""
    media = described.media_of(ext)
    headers = {"Link": _links(app, iri, media), "Cache-Control": "max-age=300"}
    if ext == "html":
        return Response(200, _described_page(app, iri, kind_), HTML, headers)
    if kind_ == "graph" and described.graph_size(app, iri) > app.config.max_results:
        # its description and where to download it, as the HTML page says
        body = described.large_graph_description(app, iri, ext)
        return Response(200, body, neg.content_type(media), headers)
    if kind_ == "graph":
        path = described.graph_file(app, iri, ext)
        return Response(200, content_type=neg.content_type(media), headers=headers, file=path)
    body = described.description(app, iri, ext)
    return Response(200, body, neg.content_type(media), headers)


def _described_page(app: App, iri: str, kind_: str) -> bytes:
    facts: dict[str, list[tuple[str, str | None]]] = {}
    for t in described.void_triples(app, iri):
        predicate, value = t.predicate.value, t.object.value
        url = value if value.startswith(("http://", "https://")) else None
        if url is not None and url.startswith(app.mapping.public):
            url = "/id/" + url[len(app.mapping.public) :]
        if isinstance(t.object, Literal):  # 5,132,607 triples, not 5132607
            text = humanize.literal(value, t.object.datatype.value, predicate)
        else:
            text = described.node_text(app, value, predicate) if url is not None else value
        name = humanize.capitalize(app.index.property_label(predicate))
        facts.setdefault(name, []).append((text, url))
    label = (app.index.labels.get(iri) or described.void_title(app, iri)
             or iri[len(app.mapping.public) :])
    if kind_ == "graph":  # what the graph holds, or its document's or dataset's title
        label = graph_title(app, app.mapping.to_data(iri))
    return app.pages.render(
        "described.html", iri=iri, label=label, formats=_formats(app, iri),
        kind="named graph" if kind_ == "graph" else "described in void.ttl",
        triples=described.graph_size(app, iri) if kind_ == "graph" else None,
        max_results=app.config.max_results,
        facts=sorted(facts.items()),
    )


# Statements pointing to an entity that its RDF document carries: a hub such as O*NET's
# importance scale (75,000 ratings) was a 14 MB document.
MAX_POINTING = 10_000

# Rendered entity documents kept, by their bodies' total size: the cache used to hold 4,096
# documents whatever their size, and a page could be 16 MB before pages were capped.
CACHE_BYTES = 256 * 1024 * 1024
_CACHE_LOCK = threading.Lock()


def entity_document(app: App, iri: str, ext: str) -> Response:
    """One description document; the data does not change while serving, so it is cached."""
    key = (iri, ext)
    cached = app.cache.get(key)
    if cached is None:
        cached = _entity_document(app, iri, ext)
        with _CACHE_LOCK:  # request threads: the byte count must not race
            if key not in app.cache and app.cache_bytes + len(cached.body) <= CACHE_BYTES:
                app.cache[key] = cached
                app.cache_bytes += len(cached.body)
    return Response(cached.status, cached.body, cached.content_type, dict(cached.headers))


def _entity_document(app: App, iri: str, ext: str) -> Response:
    media, fmt = neg.ENTITY_FORMATS[ext]
    headers = {"Link": _links(app, iri, media), "Cache-Control": "max-age=300"}
    if fmt == "html":
        onet = ProfileReader(app.index.store, app.mapping.public, app.index.labels).read(iri)
        # career transitions (engineer T): "Where this occupation can lead"
        from kg.serve.transitions_section import read_targets

        leads = read_targets(app.index.store, iri, app.index.labels,
                             public_base=app.mapping.public)
        # detailed work activities (issue 13): the DWAs the occupation's tasks are linked to
        from kg.serve.work_activities_section import read_work_activities

        activities = read_work_activities(app.index.store, iri, app.index.labels)
        # SOC 2018, O*NET-SOC 2010, ISCO-08 and ESCO through the crosswalks
        from kg.serve.equivalents_section import read_equivalents

        equivalents = read_equivalents(app.index.store, iri, app.mapping.public,
                                       app.index.labels)
        # an occupation O*NET describes by its titles alone: say so, and point to the ones
        # under its SOC code that O*NET does describe
        from kg.serve.title_only_section import read_title_only

        title_only = None if onet is not None else read_title_only(
            app.index.store, iri, app.mapping.public, app.index.labels)
        # entry requirements (BLS, through the SOC code) and O*NET's required education levels
        from kg.serve.education_section import read_education

        education = read_education(app.index.store, iri, app.mapping.public, app.index.labels)
        # an O*NET element's page: the occupations that rate it highest
        from kg.serve.element_occupations_section import read_top_occupations, unrated_note

        top = read_top_occupations(app.index.store, iri, app.mapping.public, app.index.labels)
        unrated = None if top is not None else unrated_note(
            app.index.store, iri, app.mapping.public, iri.rsplit("/", 1)[-1])
        # the national median of all occupations, named under the wage chart
        from kg.serve.all_occupations_section import read_all_occupations

        national = read_all_occupations(app.index.store, app.mapping.public)
        page = app.index.page(iri)
        if onet is not None:  # listed in the profile's own sections
            from kg.serve.onet_profile import SECTION_PREDICATES

            page.facts = [g for g in page.facts if g.predicate not in SECTION_PREDICATES]
        body = app.pages.entity(page, _formats(app, iri), onet=onet,
                                transitions=leads, activities=activities,
                                equivalents=equivalents, title_only=title_only,
                                education=education, top_occupations=top,
                                unrated=unrated, all_occupations=national)
        return Response(200, body, HTML, headers)
    most = MAX_POINTING
    graph, cut = app.index.describe(iri, most)
    if cut:
        # the rest of what points to it is a query away (the page, too, lists the first
        # ones), paged as the endpoint pages any answer over its limit (OFFSET for the next)
        listing = quote(f"SELECT ?s ?p WHERE {{ ?s ?p <{iri}> }} LIMIT {most} OFFSET 0",
                        safe="")
        headers["X-KG-Result-Limit"] = str(most)
        headers["Link"] += f', </sparql?query={listing}>; rel="related"'
    if fmt == "json-ld":
        from kg.prefixes import prefix_map

        text = graph.serialize(format="json-ld", context=prefix_map(app.mapping.public), indent=2)
    elif fmt == "turtle":
        from kg.query.results import turtle_text

        text = turtle_text(graph)
    else:
        text = graph.serialize(format=fmt)
    return Response(200, text.encode("utf-8"), neg.content_type(media), headers)


# A kind with more members than this gets a link to its own page, not a list on the index page.
LISTED_ON_INDEX = 60


def index(app: App) -> Response:
    members = app.index.members_by_kind()
    names = kind_names(members)
    kinds = [
        {"name": names[c], "label": _kind_label(app, c, names[c]), "count": len(found),
         "entities": app.index.entities_of(c) if len(found) <= LISTED_ON_INDEX else None}
        for c, found in sorted(members.items(),
                               key=lambda kv: (app.index.class_label(kv[0]).lower(), names[kv[0]]))
    ]
    return Response(200, app.pages.render("index.html", kinds=kinds, total=app.entity_total(),
                                          start=start_schemes(app)), HTML)


# Where a reader starts: the classifications' own pages, with how many codes each has (session
# 29's audit: the O*NET occupations were hidden among 15,242 concepts and 2,404 schema.org
# occupations; session 32's: ESCO and ISCO-08 could not be reached from the home page at all).
# Local ones by their path under the published base; ESCO's by its IRI (served at /resource).
START_SCHEMES = ("scheme/onet-soc2019", "scheme/soc2018",
                 "http://data.europa.eu/esco/concept-scheme/isco",
                 "http://data.europa.eu/esco/concept-scheme/occupations",
                 "http://data.europa.eu/esco/concept-scheme/skills",
                 "scheme/onet-content-model", "scheme/naics2022")


def start_schemes(app: App) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """(label, IRI, members, [(another scheme's label, members it shares)]) of the
    START_SCHEMES this build has, in that order. The shared members say what a count holds
    besides the scheme's own codes: ESCO's occupations scheme also holds the 619 ISCO-08
    groups, and its 3,626 read as a wrong number of ESCO occupations (3,007; session 36's
    client audit)."""
    in_scheme = "<http://www.w3.org/2004/02/skos/core#inScheme>"
    schemes = [(path if "://" in path else app.mapping.public + path) for path in START_SCHEMES]
    schemes = [iri for iri in schemes
               if app.index.exists(iri) or app.index.describes_external(iri)]
    found = []
    for iri in schemes:
        count = app.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {in_scheme} <{iri}> }}")
        shared = []
        for other in schemes:
            if other == iri:
                continue
            both = app.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {in_scheme} <{iri}> . "
                                   f"?s {in_scheme} <{other}> }}")
            if (n := int(next(iter(both))["n"].value)):
                shared.append((app.index.label(other), n))
        found.append((app.index.label(iri), iri, int(next(iter(count))["n"].value), shared))
    return found


def _kind_label(app: App, cls: str, name: str) -> str:
    """The class's label, with the vocabulary's prefix when its name needed one."""
    label = app.index.class_label(cls)
    prefix = name[: -len(local_name(cls))].rstrip("-")
    # "DCAT dataset" says its vocabulary already; "(dcat)" after it only repeated it
    return f"{label} ({prefix})" if prefix and prefix.lower() not in label.lower() else label


def kind(app: App, name: str, params: dict[str, list[str]] | None = None,
         headers: Message | None = None) -> Response:
    members = app.index.members_by_kind()
    names = kind_names(members)
    cls = next((c for c, found in names.items() if found == name), None)
    if cls is None:
        return error(app, 404, f"no entity kind {name!r}", headers)
    asked = (params or {}).get("page", ["1"])
    if len(asked) != 1 or not re.fullmatch(r"[0-9]{1,30}", asked[0], re.ASCII) \
            or int(asked[0]) < 1:
        shown = ", ".join(repr(a[:20]) for a in asked[:3])
        return error(app, 400, f"page must be one whole number from 1, got {shown}", headers)
    number = int(asked[0])
    evidence = app.index.evidence_by_fact() if name == "Evidence" else None
    entities, pages = app.index.kind_page(cls, number)
    if number > pages:
        return error(app, 404, f"{name} has {pages} page(s), not {number}", headers)
    page = app.pages.render("kind.html", label=_kind_label(app, cls, name), name=name,
                            entities=entities, total=len(members[cls]), page=number,
                            pages=pages, evidence=evidence, label_of=app.index.label)
    return Response(200, page, HTML)


# --- SPARQL ------------------------------------------------------------------------------------


def _html_result(app: App, query: str, result: Result | None, err: ProtocolError | None,
                 fmt: str = "html") -> Response:
    triples = sorted(result.graph) if result is not None and result.graph is not None else []
    page = app.pages.render(
        "query.html", yasgui=False, stored=_stored(app), stored_json="[]", query_text=query,
        formats=QUERY_FORMATS, format=fmt, result=result, triples=triples,
        labels=app.index.labels, error=str(err) if err else None,
        error_status=err.status if err else None, max_results=app.config.max_results,
    )
    return Response(err.status if err else 200, page, HTML, {"Vary": "Accept", **(
        err.headers if err else {})})


def sparql(
    app: App, method: str, headers: Message, params: dict[str, list[str]], body: bytes
) -> Response:
    ctype = headers.get("Content-Type", "")
    if method == "POST" and ctype.split(";")[0].strip().lower() == (
        "application/x-www-form-urlencoded"
    ):
        for key, values in parse_qs(body.decode("utf-8", "replace"), True).items():
            params.setdefault(key, []).extend(values)
    if method != "POST" and "query" not in params and "update" not in params:
        # RDF clients get the SPARQL service description, browsers the query page.
        from kg.serve.service_description import service_document

        sd_doc = service_document(app, headers.get("Accept"))
        return sd_doc if sd_doc is not None else query_page(app, params)
    fmt = (params.get("format") or params.get("output") or [None])[0]
    try:
        query = protocol_query(method, ctype, params, body)
        form = app.sparql.query_form(query)
        media = result_media(form, headers.get("Accept"), fmt)
    except ProtocolError as exc:
        return exc.response()
    try:
        result = app.sparql.run(
            query, tuple(params.get("default-graph-uri", [])),
            tuple(params.get("named-graph-uri", [])),
        )
    except ProtocolError as exc:
        if media == neg.HTML:
            return _html_result(app, query, None, exc)
        return exc.response()
    if media == neg.HTML:
        return _html_result(app, query, result, None)
    return serialize(result, media, app.config.max_results)


_STORED_CACHE: dict[str, tuple[tuple[Any, ...], list[Any]]] = {}
_STORED_LOCK = threading.Lock()  # rdflib's (pyparsing's) query parser is not thread-safe


def _stored(app: App) -> list[Any]:
    """list_queries(), re-read whenever a file of the folder changes (the catalogue can change
    while serving); if one file is broken, the others are still listed."""
    from kg.query.catalog import queries_dir

    folder = app.config.queries_dir or queries_dir()
    try:
        stamp = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.rq"))
        )
    except OSError:
        stamp = ()
    with _STORED_LOCK:
        cached = _STORED_CACHE.get(str(folder))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        found = _read_stored(app, folder)
        _STORED_CACHE[str(folder)] = (stamp, found)
        return found


def _read_stored(app: App, folder: Any) -> list[Any]:
    from kg.query.catalog import VIOLATION_SUFFIX, list_queries, parse_query_file

    try:
        return list_queries(app.config.queries_dir)
    except Exception:  # a broken query file must not take the query page down
        pass
    found = []
    for path in sorted(folder.glob("*.rq")):
        if path.stem.endswith(VIOLATION_SUFFIX):
            continue
        try:
            found.append(parse_query_file(path))
        except Exception:  # noqa: S112 - skipped, the rest are served
            continue
    return found


def query_page(app: App, params: dict[str, list[str]]) -> Response:
    import json

    stored = _stored(app)
    text = (params.get("query") or [""])[0]
    name = (params.get("name") or [""])[0]
    chosen = next((q for q in stored if q.name == name), None)
    if chosen is not None and not text:
        text = _with_defaults(chosen)
    if not text and stored:
        text = _with_defaults(stored[0])
    if not text:
        text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
    stored_json = json.dumps(
        [{"name": q.name, "title": q.title, "query": _with_defaults(q)} for q in stored]
    ).replace("</", "<\\/")
    page = app.pages.render(
        "query.html", yasgui=app.yasgui, stored=stored, stored_json=stored_json,
        query_text=text, formats=QUERY_FORMATS, format="html", result=None, error=None,
    )
    return Response(200, page, HTML)


def _with_defaults(q: Any) -> str:
    """The stored query with its parameters bound to their defaults (as it runs)."""
    from kg.query.param_binding import ParamError, bind_params

    try:
        return bind_params(q.text, q.params, {})
    except ParamError:
        return str(q.text)


def search_page(app: App, params: dict[str, list[str]]) -> Response:
    """The search box's answer: the entities whose labels hold the text (kg.serve.site_search),
    in one group of them when `in` names it."""
    from kg.serve.site_search import SHORTEST

    text = " ".join((params.get("q") or [""])[0].split())
    group = (params.get("in") or [""])[0]
    asked = (params.get("page") or ["1"])[0]
    found, problem = None, ""
    if not re.fullmatch(r"[1-9][0-9]{0,5}", asked, re.ASCII):
        problem = "page must be a whole number from 1."
    elif len(text) >= SHORTEST:
        found = app.site_search.search(text, group, int(asked))
    elif text:
        problem = f"Type at least {SHORTEST} characters."
    page = app.pages.render("search.html", text=text, group=group, found=found,
                            problem=problem, search_text=text,
                            link=lambda **q: "/search?" + urlencode(q))
    return Response(400 if problem else 200, page, HTML)


def queries_page(app: App) -> Response:
    return Response(200, app.pages.render("queries.html", stored=_stored(app)), HTML)


def stored_query(
    app: App, name: str, params: dict[str, list[str]], headers: Message
) -> Response:
    from kg.query.param_binding import ParamError, bind_params

    stored = {q.name: q for q in _stored(app)}
    q = stored.get(name)
    if q is None:
        return error(app, 404, f"no stored query {name!r}", headers)
    repeated = sorted(k for k, v in params.items() if len(v) > 1)
    if repeated:  # year1=2008&year1=2021 used the first without a word (session 30's attack)
        return error(app, 400, f"parameter {repeated[0]!r} given {len(params[repeated[0]])} "
                               "times; give it once", headers)
    fmt = (params.get("format") or [None])[0]
    values = {k: v[0] for k, v in params.items() if k != "format" and v}
    try:
        media = result_media(q.form, headers.get("Accept"), fmt)
    except ProtocolError as exc:
        return exc.response()
    err: ProtocolError | None = None
    result: Result | None = None
    try:
        result = app.sparql.run(bind_params(q.text, q.params, values))
    except ParamError as exc:
        err = ProtocolError(400, str(exc))
    except ProtocolError as exc:
        err = exc
    if media != neg.HTML:
        if err is not None:
            return err.response()
        assert result is not None
        return serialize(result, media, app.config.max_results)
    names = ["json", "xml", "csv", "tsv"] if q.form in ("SELECT", "ASK") else ["turtle", "json-ld"]
    format_links = [
        (n.upper(), f"/queries/{q.name}?" + urlencode({**values, "format": n})) for n in names
    ]
    triples = sorted(result.graph) if result is not None and result.graph is not None else []
    notes: list[str] = []
    if result is not None and result.table is not None and not result.table.rows:
        # as `kg query` notes: a well-formed code that the graph holds no occupation for
        from kg.query.code_params import unknown_codes

        class _Asking:
            def ask(self, query: str) -> bool:
                return bool(app.sparql.run(query).boolean)

        notes = unknown_codes(_Asking(), q.params, values, cli=False)  # type: ignore[arg-type]
    page = app.pages.render(
        "stored_query.html", q=q, values=values, result=result, triples=triples, notes=notes,
        labels=app.index.labels, error=str(err) if err else None,
        error_status=err.status if err else None, format_links=format_links,
        max_results=app.config.max_results,
    )
    return Response(err.status if err else 200, page, HTML, {"Vary": "Accept", **(
        err.headers if err else {})})


# --- files ---------------------------------------------------------------------------------------


def downloads_page(app: App) -> Response:
    void_info = None
    if app.void is not None:
        void_info = _void_summary(app)
    page = app.pages.render(
        "downloads.html", downloads=list(app.downloads.values()), void=void_info,
        license_labels=LICENSE_LABELS,
    )
    return Response(200, page, HTML)


def _void_summary(app: App) -> dict[str, Any]:
    from rdflib import URIRef

    void = app.void
    assert void is not None
    v, dct = "http://rdfs.org/ns/void#", "http://purl.org/dc/terms/"
    ds = next(iter(void.subjects(URIRef(v + "uriSpace"), None)), None)
    facts = []
    if ds is not None:
        for label, pred in (("Title", dct + "title"), ("Description", dct + "description"),
                            ("License", dct + "license"), ("Triples", v + "triples"),
                            ("Entities", v + "entities"), ("Classes", v + "classes"),
                            ("Properties", v + "properties"), ("URI space", v + "uriSpace")):
            value = void.value(ds, URIRef(pred))
            if value is not None:
                facts.append((label, str(value)))
    subsets = []
    for sub in sorted(void.objects(ds, URIRef(v + "subset"))) if ds is not None else []:
        n = void.value(sub, URIRef(v + "triples"))
        subsets.append((str(sub), str(n) if n is not None else "", graph_title(app, str(sub))))
    text = (download_bytes(app.downloads, "void.ttl") or b"").decode("utf-8")
    return {"facts": facts, "subsets": subsets, "text": text}


def download(app: App, raw: str, request: Message | None = None) -> Response:
    item = lookup(app.downloads, raw)
    if item is None:
        return Response.text(404, "no such download (see /downloads)")
    if os.fstat(item.fd).st_size != item.size:
        # written in place since start-up (a build renames new files in, which the open file
        # does not see): its bytes no longer match its ETag and size (session 30's second
        # audit: a range of a truncated file announced 1,100 bytes, sent 100 and stalled)
        return Response.text(503, f"{item.name} changed on disk since the server started; "
                                  "restart kg serve")
    media = neg.content_type(item.media_type)
    etag = f'"{item.sha256}"'
    headers = {"ETag": etag, "Last-Modified": http_date(os.fstat(item.fd).st_mtime),
               "Cache-Control": "max-age=300", "Accept-Ranges": "bytes"}
    gzipped = request is not None and gzips_download(media, item.size, request)
    if compressible_download(media, item.size):
        headers["Vary"] = "Accept-Encoding"
    if gzipped:  # another representation, another tag (as for answers held in memory)
        headers["ETag"] = f'"{item.sha256}-gzip"'
        headers["Content-Encoding"] = "gzip"
    # RFC 9110 13.2.2: If-None-Match, else If-Modified-Since, before any range (the client
    # may hold this very file: 862 MiB for the full kg.nt)
    if request is not None and not_modified(request, headers):
        return not_modified_answer(headers)
    asked = request.get("Range") if request is not None else None
    whole = Response(200, content_type=media, headers=headers, file_fd=item.fd,
                     gzip_file=gzipped)
    if gzipped:
        return whole
    if_range = request.get("If-Range") if request is not None else None
    # If-Range: resume only the same file, named by its ETag or its exact date (a rebuild
    # changes both). The gzipped variant's tag names it too: a client that decoded a gzipped
    # download holds the file's first bytes under that tag (session 32's second audit: its
    # resume always started over).
    gzip_tag = f'"{item.sha256}-gzip"'
    if asked is None or if_range not in (None, etag, gzip_tag, headers["Last-Modified"]):
        return whole
    size = item.size
    wanted = byte_range(asked, size)
    if wanted == "unsatisfiable":
        return Response.text(416, f"the range {asked} lies outside the file ({size} bytes)",
                             **{"Content-Range": f"bytes */{size}"})
    if wanted is None:  # not one range of bytes: the whole file (RFC 9110 14.2 allows it)
        return whole
    headers["Content-Range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
    return Response(206, content_type=media, headers=headers, file_fd=item.fd,
                    file_range=wanted)


def byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range of a file of `size`
    bytes as (first, last); "unsatisfiable" when it starts past the end (or the file is
    empty); None when the header is not a single byte range (then the whole file is sent).
    ASCII digits only; a number longer than any file size is read as "past the end"."""
    found = _BYTE_RANGE.fullmatch(header.strip())
    if found is None or not (found["first"] or found["last"]):
        return None

    def number(digits: str) -> int:
        return int(digits) if len(digits) <= 18 else 10**18

    if size == 0:
        return "unsatisfiable"
    if not found["first"]:  # the last N bytes
        suffix = number(found["last"])
        return (max(0, size - suffix), size - 1) if suffix else "unsatisfiable"
    first = number(found["first"])
    if first >= size:
        return "unsatisfiable"
    last = number(found["last"]) if found["last"] else size - 1
    if last < first:
        return None
    return first, min(last, size - 1)


_BYTE_RANGE = re.compile(r"bytes=(?P<first>[0-9]*)-(?P<last>[0-9]*)", re.ASCII | re.IGNORECASE)


def static(app: App, raw: str) -> Response:
    item = app.statics.get(raw) if ".." not in raw and "%" not in raw else None
    if item is None:
        return Response.text(404, "no such static file")
    from kg.serve.downloads import media_type

    media = media_type(item.name)
    if item.suffix in (".css", ".js"):
        media = ("text/css" if item.suffix == ".css" else "text/javascript") + "; charset=utf-8"
    # Read into memory (the largest, YASGUI's script, is 1 MB), so it is sent gzipped; dated
    # by its own file, which a new YASGUI replaces without a rebuild.
    try:
        stat = item.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = app.static_cache.get(raw)
        if cached is None or cached[0] != key:
            # read and gzipped once (YASGUI's script is 1 MB: 35 ms of gzip a request)
            body = item.read_bytes()
            cached = app.static_cache[raw] = (key, body, gzip_body(body))
    except OSError:  # removed since start-up (`kg serve-assets` reinstalling YASGUI)
        return Response.text(404, "no such static file")
    return Response(200, cached[1], content_type=media, gzipped=cached[2],
                    headers={"Cache-Control": "max-age=3600",
                             "Last-Modified": http_date(stat.st_mtime)})


ONTOLOGY_FORMATS = {"html": neg.HTML, "ttl": neg.TURTLE, "jsonld": neg.JSONLD,
                    "nt": neg.NTRIPLES, "rdf": neg.RDFXML}


def ontology_root(app: App, headers: Message) -> Response:
    """/ontology and /ontology/: the pyLODE page or the ontology in any RDF format, by Accept."""
    media = neg.negotiate(headers.get("Accept"), tuple(ONTOLOGY_FORMATS.values()),
                          neg.MEDIA_ALIASES)
    if media is None:
        return Response.text(406, f"available as {', '.join(ONTOLOGY_FORMATS.values())}",
                             Vary="Accept")
    ext = next(e for e, m in ONTOLOGY_FORMATS.items() if m == media)
    response = ontology_document(app, ext, headers)
    # added to what it varies by already: a download gzipped varies by Accept-Encoding too
    # (session 32's second audit: gzip bytes under "Vary: Accept" alone)
    response.headers = with_vary(response.headers, "Accept")
    response.headers["Content-Location"] = f"/ontology.{ext}"
    return response


def ontology_document(app: App, ext: str, headers: Message) -> Response:
    if ext == "html":
        if lookup(app.downloads, "ontology/index.html") is not None:
            return download(app, "ontology/index.html", headers)
        return ontology_page(app)
    if ext == "ttl":
        return download(app, "ontology.ttl", headers)
    if ext not in ONTOLOGY_FORMATS:
        return error(app, 404, f"the ontology is not available as .{ext}", headers)
    media = ONTOLOGY_FORMATS[ext]
    return Response(200, described.ontology_document(app, ext), neg.content_type(media),
                    {"Cache-Control": "max-age=300"})


def ontology_page(app: App) -> Response:
    """The ontology's terms in HTML when the build has no pyLODE page (--no-ontology-docs):
    the navigation's Ontology link and /ontology/#Term anchors work either way."""
    title, description, sections = described.ontology_sections(app)
    page = app.pages.render("ontology.html", title=title, description=description,
                            sections=sections)
    return Response(200, page, HTML, {"Cache-Control": "max-age=300"})


def ontology(app: App, rest: str, headers: Message) -> Response:
    if rest == "index.html":
        return ontology_document(app, "html", headers)
    if rest in described.ontology_terms(app):
        # okg:Term: its anchor on the pyLODE page for a browser, the ontology for RDF clients.
        media = neg.negotiate(headers.get("Accept"), tuple(ONTOLOGY_FORMATS.values()),
                              neg.MEDIA_ALIASES)
        if media is None:
            return Response.text(406, "not available in that format", Vary="Accept")
        if media == neg.HTML:
            return Response.redirect(f"/ontology/#{quote(rest)}", 303, Vary="Accept")
        ext = next(e for e, m in ONTOLOGY_FORMATS.items() if m == media)
        return Response.redirect(f"/ontology.{ext}", 303, Vary="Accept")
    return download(app, "ontology/" + rest, headers)
