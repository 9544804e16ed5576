"""Career transitions: recall@10 against O*NET's Related Occupations (Primary-Short), per
component and for the blend, on the held-out half and on all; and the time of the transitions
stage as a ratio of the import time of the datasets it reads, measured in the same run.

Nothing can leak: the importers run on a copy of ../shared/data (symlinks) whose O*NET
Related Occupations.tsv keeps only its header, and the truth is read from the real file by
kg.transitions.evaluate only. The stage is the build's own (kg.transitions.stage).

    nice -n 10 python3 benchmarks/bench_transitions.py [--data ../shared/data] [--fit]
    nice -n 10 python3 benchmarks/bench_transitions.py --cli DIST [--code 11-3051.00]

--fit also fits the blend weights on the tuning half (logistic regression) and prints them, to
be copied into kg/transitions/score.py WEIGHTS.

--cli times `kg transitions CODE --dist DIST` (issue 13: < 1 s) in each --format, each a fresh
process as a user runs it: cold (the store's files dropped from the page cache first, with
posix_fadvise, so only this benchmark's files are evicted) and warm (median of the repeats),
against two baselines timed in the same run: `python3 -c pass` (the interpreter's own start) and
a plain script that imports pyoxigraph, opens the store read-only and runs the same query. It
skips the recall part.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.prefixes import DEFAULT_BASE  # noqa: E402
from kg.sources.importers import bls, esco, esco_onet, onet, onet_soc, soc  # noqa: E402
from kg.sources.importers.base import Context  # noqa: E402
from kg.transitions import components, score  # noqa: E402
from kg.transitions.evaluate import SEED, fit, read_truth, recall_at, split  # noqa: E402
from kg.transitions.profiles import read_profiles  # noqa: E402
from kg.transitions.stage import add_transitions  # noqa: E402
from kg.transitions.terms import COMPONENTS  # noqa: E402

RELATED = "Related Occupations.tsv"
IMPORTERS = [onet.IMPORTER, onet_soc.IMPORTER, esco.IMPORTER, esco_onet.IMPORTER, bls.OEWS,
             bls.PROJECTIONS, soc.IMPORTER]


def held_out_copy(data: Path, into: Path) -> Path:
    """Symlinks to every dataset file, except O*NET's Related Occupations: its header only."""
    for importer in IMPORTERS:
        source, target = data / importer.info.folder, into / importer.info.folder
        target.mkdir(exist_ok=True)
        for path in source.iterdir():
            if path.name == RELATED and importer is onet.IMPORTER:
                header = path.read_text(encoding="utf-8").splitlines(keepends=True)[0]
                (target / RELATED).write_text(header, encoding="utf-8")
            elif not (target / path.name).exists():
                (target / path.name).symlink_to(path.resolve())
    return into


def import_all(data: Path) -> tuple[ox.Store, float]:
    store = ox.Store()
    began = time.perf_counter()
    for importer in IMPORTERS:
        graph = ox.NamedNode(importer.graph_iri(DEFAULT_BASE))
        ctx = Context(progress=False, name=importer.name)
        store.extend(ox.Quad(s, p, o, graph)
                     for s, p, o in importer.triples(data / importer.info.folder, ctx))
    return store, time.perf_counter() - began


def _evict(folder: Path) -> None:
    """Drop the files of `folder` from the page cache (no root needed; only these files)."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def _seconds(argv: list[str], repeats: int,
             cold: Path | None = None) -> tuple[float, float, float]:
    """(wall s of the first run after evicting `cold`, median wall s and median CPU s of
    `repeats` warm runs) of a fresh process. CPU time (user + system of the child) is what a
    loaded machine inflates least: other processes' load stretches the wall time."""
    def once() -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return time.perf_counter() - began, cpu

    if cold is not None:
        _evict(cold)
    first = once()[0]
    warm = [once() for _ in range(repeats)]
    return (first, statistics.median(w for w, _ in warm),
            statistics.median(c for _, c in warm))


def bench_cli(dist: Path, code: str, repeats: int) -> None:
    from kg.cli.transitions import _query  # the command's own query, for the plain baseline

    plain = ("import pyoxigraph as ox, sys; s = ox.Store.read_only(sys.argv[1]); "
             "print(len(list(s.query(sys.argv[2]))))")
    store = dist / "store"
    print(f"kg transitions {code} --dist {dist}; fresh process each; load average "
          f"{os.getloadavg()[0]:.2f}")
    base_cold, base, base_cpu = _seconds([sys.executable, "-c", "pass"], repeats)
    ox_cold, ox_warm, ox_cpu = _seconds(
        [sys.executable, "-c", plain, str(store), _query(code, 10)], repeats, cold=store)
    print(f"{'':<30}{'cold s':>8}{'warm s':>8}{'cpu s':>8}{'cpu / python':>14}"
          f"{'cpu / plain ox':>16}")

    def line(label: str, cold: float, warm: float, cpu: float) -> None:
        print(f"{label:<30}{cold:>8.3f}{warm:>8.3f}{cpu:>8.3f}{cpu / base_cpu:>14.2f}"
              f"{cpu / ox_cpu:>16.2f}")

    line("python3 -c pass", base_cold, base, base_cpu)
    line("pyoxigraph open + query", ox_cold, ox_warm, ox_cpu)
    for fmt in ("table", "csv", "json"):
        line(f"kg transitions --format {fmt}", *_seconds(
            [sys.executable, "-m", "kg.cli", "transitions", code, "--format", fmt, "--dist",
             str(dist)], repeats, cold=store))
    line("kg transitions --all csv", *_seconds(
        [sys.executable, "-m", "kg.cli", "transitions", "--all", "--limit", "20", "--format",
         "csv", "--dist", str(dist)], 1, cold=store))

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--fit", action="store_true", help="fit the weights on the tuning half")
    parser.add_argument("--cli", type=Path, metavar="DIST",
                        help="time `kg transitions` on this built folder instead")
    parser.add_argument("--code", default="11-3051.00", help="the occupation --cli asks for")
    parser.add_argument("--repeats", type=int, default=5, help="warm runs per command (5)")
    args = parser.parse_args()
    if args.cli:
        bench_cli(args.cli, args.code, args.repeats)
        return 0
    truth = read_truth(args.data / onet.IMPORTER.info.folder / RELATED)
    tuning, held = split(truth)
    with tempfile.TemporaryDirectory(prefix="bench-transitions-") as tmp:
        store, import_seconds = import_all(held_out_copy(args.data, Path(tmp)))
    related = ox.NamedNode("http://www.w3.org/2004/02/skos/core#related")
    assert not any(True for _ in store.quads_for_pattern(None, related, None)), "truth leaked"
    began = time.perf_counter()
    quads = add_transitions(store, DEFAULT_BASE)
    stage_seconds = time.perf_counter() - began
    print(f"import of the {len(IMPORTERS)} datasets: {import_seconds:.1f} s; transitions stage "
          f"(read, score, write {quads:,} quads): {stage_seconds:.1f} s; ratio "
          f"{stage_seconds / import_seconds:.3f}")

    profiles = read_profiles(store, DEFAULT_BASE)
    codes = profiles.codes
    values = components.compute(profiles)
    feats = score.features(values)
    print(f"\n{len(codes)} occupations; {len(truth)} with Primary-Short related occupations; "
          f"split seed {SEED}: {len(tuning)} tuning, {len(held)} held out")
    print(f"{'recall@10':<28}{'held out':>10}{'all':>8}")
    for name in COMPONENTS:
        sim = np.nan_to_num(values[name], nan=-1.0)
        print(f"{name:<28}{recall_at(sim, codes, truth, held):>10.3f}"
              f"{recall_at(sim, codes, truth):>8.3f}")
    zone = -np.nan_to_num(np.abs(values["jobZoneStep"]), nan=9.0)
    print(f"{'jobZone (same zone)':<28}{recall_at(zone, codes, truth, held):>10.3f}"
          f"{recall_at(zone, codes, truth):>8.3f}")
    present = ~np.isnan(values["skills"])
    baseline = 0.9 * np.where(present, values["skills"], 0) + 0.1 * np.nan_to_num(
        values["activities"])
    print(f"{'baseline (0.9 cos + 0.1 DWA)':<28}{recall_at(baseline, codes, truth, held):>10.3f}"
          f"{recall_at(baseline, codes, truth):>8.3f}")
    blended = score.blend(feats)
    print(f"{'blend (score.WEIGHTS)':<28}{recall_at(blended, codes, truth, held):>10.3f}"
          f"{recall_at(blended, codes, truth):>8.3f}"
          f"   tuning half {recall_at(blended, codes, truth, tuning):.3f}")
    if args.fit:
        weights = fit(feats, codes, truth, tuning)
        refit = score.blend(feats, weights)
        print(f"{'blend (refitted)':<28}{recall_at(refit, codes, truth, held):>10.3f}"
              f"{recall_at(refit, codes, truth):>8.3f}")
        print("WEIGHTS =", {k: weights[k] for k in sorted(weights)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
