"""`kg import NAME DIR --out FILE` and `kg map suggest`; the choices come from the registry."""

from __future__ import annotations

import argparse
import datetime
import resource
import sys
from pathlib import Path

from kg.cli.arguments import base_iri, positive_integer
from kg.errors import KgError
from kg.prefixes import DEFAULT_BASE
from kg.sources.importers import IMPORTERS, write


def _import(args: argparse.Namespace) -> int:
    folder: Path = args.dir
    if not folder.is_dir():
        raise KgError(f"{folder}: no such folder")
    out: Path = args.out or Path(f"{args.name}.nt")
    _check_out_file(out, inputs=[folder])
    if out.suffix not in (".nt", ".nq"):
        # regression (session 36's attack): --out DIR/SOC_Structure.tsv replaced the
        # publisher's file with N-Triples and reported success
        raise KgError(f"--out {out}: give a .nt (N-Triples) or .nq (N-Quads) file")
    try:
        stats = write(IMPORTERS[args.name], folder, out, base=args.base,
                      progress=not args.quiet)
    except OSError as exc:
        raise KgError(f"--out {out}: cannot write: {exc.strerror}") from exc
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{stats.name}: {stats.rows:,} rows, {stats.triples:,} triples -> {out} "
          f"({stats.seconds:.2f} s, peak RSS {peak:.0f} MB)", file=sys.stderr)
    if not args.quiet:
        for name, rows in stats.files.items():
            print(f"  {name}: {rows:,} rows", file=sys.stderr)
    return 0


def _check_out_file(out: Path, inputs: list[Path | None]) -> None:
    if out.is_dir():
        raise KgError(f"--out {out}: is a folder; give a file name")
    if not out.parent.is_dir():
        # as `kg reconcile` does: a mistyped path made folders (/nonexistent/; audit)
        raise KgError(f"--out {out}: the folder {out.parent} does not exist")
    # A file of a data folder the command reads is never written over: it is a publisher's file
    # (session 36's attack: `kg import` and `kg map suggest` replaced one and exited 0).
    for folder in inputs:
        if folder is not None and out.exists() and out.resolve().is_relative_to(folder.resolve()):
            raise KgError(f"--out {out}: is a file of the data folder {folder}; "
                          "write the output elsewhere")


def _labels(scheme: str, data: Path | None, base: str, prefix: str | None
            ) -> dict[str, tuple[str, list[str]]]:
    from kg.sources.sssom_mappings import importer_labels, seed_labels

    if scheme == "okg":
        labels = seed_labels(base=base)
        return {k: v for k, v in labels.items() if prefix is None or k.startswith(prefix)}
    if data is None:
        raise KgError(f"scheme {scheme} needs its data folder (--subject-data/--object-data)")
    return importer_labels(scheme, data, base, prefix, concepts_only=True)


def _suggest(args: argparse.Namespace) -> int:
    from kg.sources.sssom_mappings import suggest, suggestions_tsv

    if args.out:  # before the matching, which takes a while
        _check_out_file(args.out, inputs=[args.subject_data, args.object_data])
    subject_prefix = args.base + args.subject_kind + "/" if args.subject_kind else None
    subjects = _labels(args.subject_scheme, args.subject_data, args.base, subject_prefix)
    objects = _labels(args.object_scheme, args.object_data, args.base, args.object_prefix)
    rows = suggest(subjects, objects, limit=args.limit, min_confidence=args.min_confidence)
    set_id = (f"https://w3id.org/occupation-kg/mappings/suggested-{args.subject_scheme}-"
              f"{args.object_scheme}.sssom.tsv")
    lines = suggestions_tsv(rows, set_id, datetime.date.today().isoformat(), args.base)
    if args.out:
        try:
            args.out.write_text("".join(lines), encoding="utf-8")
        except OSError as exc:
            raise KgError(f"--out {args.out}: cannot write: {exc.strerror}") from exc
    else:
        sys.stdout.writelines(lines)
    print(f"{len(rows)} candidate mapping(s) for {len(subjects)} subject(s)", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schemes = ["okg", *IMPORTERS]
    imp = sub.add_parser("import", help="import a public reference dataset to N-Triples/N-Quads")
    imp.add_argument("name", choices=list(IMPORTERS), help="dataset")
    imp.add_argument("dir", type=Path, help="folder holding the dataset's files")
    imp.add_argument("--out", type=Path,
                     help="output file; .nq writes N-Quads in the edition's named graph "
                     "(default NAME.nt)")
    imp.add_argument("--base", type=base_iri, default=DEFAULT_BASE,
                     help=f"data IRI base ({DEFAULT_BASE})")
    imp.add_argument("--quiet", action="store_true", help="no progress lines")
    imp.set_defaults(handler=_import)

    mapping = sub.add_parser("map", help="cross-taxonomy mappings")
    mapsub = mapping.add_subparsers(dest="map_command", required=True)
    sug = mapsub.add_parser("suggest", help="propose mappings by label matching (SSSOM TSV)")
    sug.add_argument("--subject-scheme", choices=schemes, default="okg")
    sug.add_argument("--object-scheme", choices=schemes, required=True)
    sug.add_argument("--subject-data", type=Path, help="data folder of the subject scheme")
    sug.add_argument("--object-data", type=Path, help="data folder of the object scheme")
    sug.add_argument("--subject-kind", help="only subjects of this kind (skill, methodology...)")
    sug.add_argument("--object-prefix", help="only objects whose IRI starts with this")
    sug.add_argument("--limit", type=positive_integer, default=3,
                     help="candidates per subject (3)")
    sug.add_argument("--min-confidence", type=float, default=0.5)
    sug.add_argument("--base", type=base_iri, default=DEFAULT_BASE)
    sug.add_argument("--out", type=Path, help="output file (stdout)")
    sug.set_defaults(handler=_suggest)
