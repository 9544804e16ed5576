"""The curated SSSOM mapping sets: format, RDF, existence of every target, suggestions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.errors import SourceError
from kg.prefixes import SKOS
from kg.sources.sssom_mappings import (
    CURIE_MAP,
    check_targets,
    importer_labels,
    load_mapping_sets,
    mapping_graph,
    read_sssom,
    seed_labels,
    suggest,
    suggestions_tsv,
)
from kg.sources.sssom_validation import MappingSetInvalid, validate_mapping_sets

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SLICES = Path(__file__).parent / "data"
ID = "https://w3id.org/occupation-kg/id/"


def test_sets_parse_and_cover_the_seed_occupation():
    sets = load_mapping_sets()
    assert {s.path.name for s in sets} == {"competencies.sssom.tsv", "industries.sssom.tsv",
                                          "methodologies.sssom.tsv", "occupations.sssom.tsv",
                                          "onet-knowledge-esco.sssom.tsv"}
    rows = {(m.subject_id, m.predicate_id, m.object_id) for s in sets for m in s.mappings}
    ipm = "okgid:occupation/industrial-production-managers"
    assert (ipm, "skos:exactMatch", "soc2018:11-3051") in rows
    assert (ipm, "skos:closeMatch", "onetsoc:11-3051.00") in rows
    assert (ipm, "skos:closeMatch", "isco:C1321") in rows
    assert ("okgid:skill/decision-making-skills", "skos:closeMatch", "onet:2.b.4.e") in rows
    assert ("okgid:industry/manufacturing", "skos:exactMatch", "naics2022:31-33") in rows


def test_subjects_are_curated_records_with_their_labels():
    seeds = seed_labels()
    for mapping_set in load_mapping_sets():
        for m in mapping_set.mappings:
            if not m.subject_id.startswith("okgid:"):
                continue  # an imported scheme's concept: test_onet_knowledge_areas_...
            iri = mapping_set.expand(m.subject_id)
            assert iri in seeds, m.location
            assert seeds[iri][0] == m.subject_label, m.location


def test_mapping_rdf():
    sets = load_mapping_sets()
    graph = mapping_graph(sets)
    ipm = URIRef(ID + "occupation/industrial-production-managers")
    assert (ipm, SKOS.exactMatch, URIRef(ID + "soc2018/11-3051")) in graph
    assert (ipm, SKOS.closeMatch, URIRef(
        "http://data.europa.eu/esco/occupation/eb9479c6-5fdf-4f45-ace4-28b547b8c7e5")) in graph
    rows = sum(len(s.mappings) for s in sets)
    assert len(set(graph.subjects(predicate=URIRef(
        "http://www.w3.org/2002/07/owl#annotatedSource")))) == rows
    other = mapping_graph(sets, base="http://localhost:8000/id/")
    assert (URIRef("http://localhost:8000/id/occupation/industrial-production-managers"),
            SKOS.exactMatch, URIRef("http://localhost:8000/id/soc2018/11-3051")) in other


def test_bad_rows_are_reported_with_file_and_line(tmp_path: Path):
    good = (Path(__file__).parents[1] / "kg" / "mappings" / "industries.sssom.tsv").read_text()
    lines = good.splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if ln.startswith("okgid:"))
    cells = lines[first].split("\t")
    cells[2], cells[6] = "owl:sameAs", "1.5"
    lines[first] = "\t".join(cells)
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text("".join(lines))
    with pytest.raises(SourceError) as info:
        read_sssom(bad)
    text = str(info.value)
    assert f"bad.sssom.tsv:{first + 1}" in text
    assert "predicate_id" in text and "confidence" in text


def test_sssom_py_validates_every_set():
    import sssom.parsers

    sets = load_mapping_sets()
    assert validate_mapping_sets(m.path for m in sets) == len(sets) == 5
    for mapping_set in sets:  # sssom-py reads the same rows as kg/sources/sssom_mappings.py
        assert len(sssom.parsers.parse_sssom_table(mapping_set.path).df) == len(
            mapping_set.mappings)


def test_sssom_py_problems_name_the_file(tmp_path: Path):
    """Regression: a set with an undeclared CURIE prefix must stop the full build."""
    text = (Path(__file__).parents[1] / "kg" / "mappings" / "industries.sssom.tsv").read_text()
    assert "\tnaics2022:" in text
    bad = tmp_path / "undeclared-prefix.sssom.tsv"
    bad.write_text(text.replace("\tnaics2022:", "\tNOSUCHPREFIX:", 1), encoding="utf-8")
    with pytest.raises(MappingSetInvalid, match=r"undeclared-prefix\.sssom\.tsv: .*NOSUCHPREFIX"):
        validate_mapping_sets([bad])


@pytest.mark.fullscale
def test_every_target_exists_in_the_full_data():
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_DATA} is missing under CI")
        pytest.skip(f"{SHARED_DATA} is not here")
    assert check_targets(load_mapping_sets(), SHARED_DATA) == []


def test_existence_check_reports_a_missing_target(tmp_path: Path):
    text = (Path(__file__).parents[1] / "kg" / "mappings" / "industries.sssom.tsv").read_text()
    bad = tmp_path / "x.sssom.tsv"
    bad.write_text(text.replace("naics2022:336\t", "naics2022:999\t"))
    problems = check_targets([read_sssom(bad)], SLICES)
    assert any("naics2022:999 is not in naics2022" in p for p in problems)


def test_onet_knowledge_areas_map_to_esco_with_their_labels(tmp_path: Path):
    """The bridge between O*NET's 33 knowledge areas and ESCO's knowledge concepts: every
    subject is an O*NET 29.3 knowledge area (content model 2.C) with O*NET's own name, checked
    on the O*NET slice (its content model is whole); every area is mapped."""
    path = Path(__file__).parents[1] / "kg" / "mappings" / "onet-knowledge-esco.sssom.tsv"
    mapping_set = read_sssom(path)
    reference = (SLICES / "onet_db_29_3" / "Content Model Reference.tsv").read_text(
        encoding="utf-8").splitlines()
    areas = {}
    for line in reference[1:]:
        element, name = line.split("\t")[:2]
        if element.startswith("2.C."):
            areas[element] = name
    areas = {e: n for e, n in areas.items() if not any(o.startswith(e + ".") for o in areas)}
    assert len(areas) == 33
    mapped = {m.subject_id for m in mapping_set.mappings}
    assert all(m.subject_id.startswith("onet:2.c.") and m.object_id.startswith("escoskill:")
               for m in mapping_set.mappings)
    assert mapped == {f"onet:{e.lower()}" for e in areas}
    subject_problems = [p for p in check_targets([mapping_set], SLICES) if ": subject" in p]
    assert subject_problems == []
    # a wrong subject label is caught (the slice holds O*NET's whole content model)
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(path.read_text(encoding="utf-8").replace(
        "onet:2.c.4.a\tMathematics", "onet:2.c.4.a\tMaths"), encoding="utf-8")
    assert any("subject_label 'Maths' != 'Mathematics' in onet" in p
               for p in check_targets([read_sssom(bad)], SLICES))


def test_suggest_on_the_slices():
    objects = importer_labels("esco", SLICES / "esco_v1_1_1_en",
                              prefix="http://data.europa.eu/esco/skill/")
    subjects = {k: v for k, v in seed_labels().items() if "/methodology/" in k}
    rows = suggest(subjects, objects)
    found = {(r.subject_id.rsplit("/", 1)[1], r.object_label.strip()) for r in rows}
    assert ("lean-production", "lean manufacturing") in found  # via an altLabel
    text = "".join(suggestions_tsv(rows, "https://example.org/x.sssom.tsv", "2025-01-01"))
    assert "semapv:LexicalMatching" in text and "escoskill:82fea746" in text
    assert set(CURIE_MAP) >= {"okgid", "escoskill"}


def test_suggestions_are_concepts_of_the_object_scheme_and_never_the_subject(capsys):
    """Regression: `kg map suggest --object-scheme soc2018` proposed
    `organization/us-bureau-of-labor-statistics skos:exactMatch` itself: the SOC importer also
    describes its publisher, which the curated records describe too."""
    from kg.cli import main

    soc = SLICES / "soc_2018_structure"
    every = importer_labels("soc2018", soc)
    concepts = importer_labels("soc2018", soc, concepts_only=True)
    publisher = "https://w3id.org/occupation-kg/id/organization/us-bureau-of-labor-statistics"
    assert publisher in every and publisher not in concepts and publisher in seed_labels()
    assert set(concepts) == {iri for iri in every if "/soc2018/" in iri}
    assert main(["map", "suggest", "--object-scheme", "soc2018", "--object-data", str(soc),
                 "--limit", "2", "--min-confidence", "0.5"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()
            if line and not line.startswith(("#", "subject_id"))]
    assert rows and all(r[3].startswith("soc2018:") for r in rows)
    assert all(r[0] != r[3] for r in rows)
    assert ["okgid:occupation/industrial-production-managers", "soc2018:11-3051"] in \
        [[r[0], r[3]] for r in rows]
    # The same entity on both sides is never proposed, whatever the labels hold.
    assert suggest({publisher: every[publisher]}, {publisher: every[publisher]}) == []


def test_the_build_check_looks_in_the_imported_graphs_only(dist: Path, tmp_path: Path) -> None:
    """Regression: `kg build --data` checked a mapping target by any triple about it, and the
    curated graph mints a concept (type, scheme, notation) for every NAICS and SOC code a record
    names, so the check passed with NAICS 336 or SOC 11-3051 dropped from the data (8 of the 72
    mapping rows could never fail)."""
    import shutil

    import pyoxigraph as ox

    from kg.build.imports import check_mappings
    from kg.errors import ValidationFailed
    from kg.prefixes import DEFAULT_BASE
    from kg.sources.importers import IMPORTERS, write

    naics = "naics_2022/2-6_digit_2022_Codes.tsv"
    data = tmp_path / "data"
    shutil.copytree(SLICES, data, ignore=shutil.ignore_patterns("*.py", "*.md"))
    lines = (data / naics).read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.split("\t")[1].strip() != "336"]
    assert len(kept) == len(lines) - 1  # the slice has NAICS 336

    def problems() -> str:
        store = ox.Store()
        store.bulk_load(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)  # curated graphs
        graphs = []
        for name, importer in IMPORTERS.items():
            out = tmp_path / f"{name}.nt"
            write(importer, data / importer.info.folder, out, progress=False)
            graphs.append(importer.graph_iri(DEFAULT_BASE))
            store.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(graphs[-1]))
        with pytest.raises(ValidationFailed) as error:  # the slices hold few ESCO targets
            check_mappings(store, DEFAULT_BASE, graphs)
        return str(error.value)

    assert "naics2022:336 is not in the imported data" not in problems()
    (data / naics).write_text("".join(kept), encoding="utf-8")
    assert "industries.sssom.tsv" in problems() and \
        "naics2022:336 is not in the imported data" in problems()


def test_every_namespace_of_the_mapping_graph_has_a_prefix():
    """Regression: the JSON-LD context had no sssom prefix, so kg.jsonld spelled 7,120 keys
    (sssom:confidence, mapping_justification, ...) as full IRIs on the full graph."""
    from rdflib import RDF

    from kg.prefixes import prefix_map

    graph = mapping_graph(load_mapping_sets())
    terms = set(graph.predicates()) | set(graph.objects(predicate=RDF.type))
    namespaces = {str(t)[: max(str(t).rfind("#"), str(t).rfind("/")) + 1] for t in terms}
    assert "https://w3id.org/sssom/" in namespaces
    assert namespaces <= set(prefix_map().values())


def test_the_build_check_finds_an_imported_subject_with_another_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kg build --data` checks the subjects of the O*NET-to-ESCO set against the O*NET graph
    as it checks objects: a subject renamed in the set (or gone from the data) stops the
    build."""
    import pyoxigraph as ox

    import kg.sources.sssom_mappings as sssom_mappings
    from kg.build.imports import check_mappings
    from kg.errors import ValidationFailed
    from kg.prefixes import DEFAULT_BASE
    from kg.sources.importers import IMPORTERS, write

    path = Path(__file__).parents[1] / "kg" / "mappings" / "onet-knowledge-esco.sssom.tsv"
    bad = tmp_path / "onet-knowledge-esco.sssom.tsv"
    bad.write_text(path.read_text(encoding="utf-8").replace(
        "onet:2.c.4.a\tMathematics", "onet:2.c.4.a\tMaths").replace(
        "onet:2.c.4.b\tPhysics", "onet:2.c.99\tPhysics"), encoding="utf-8")
    monkeypatch.setattr(sssom_mappings, "load_mapping_sets", lambda: [read_sssom(bad)])
    store = ox.Store()
    importer = IMPORTERS["onet"]
    out = tmp_path / "onet.nt"
    write(importer, SLICES / importer.info.folder, out, progress=False)
    graph = importer.graph_iri(DEFAULT_BASE)
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    with pytest.raises(ValidationFailed) as error:  # no ESCO here: every object is missing too
        check_mappings(store, DEFAULT_BASE, [graph])
    text = str(error.value)
    assert "onet:2.c.4.a is labelled 'Mathematics' in the data, not 'Maths'" in text
    assert "onet:2.c.99 is not in the imported data" in text
    assert "onet:2.c.4.c" not in text  # Chemistry is there, under its own name
