"""Time `kg build` stage by stage and its peak memory, against an in-process baseline.

The baseline is loading the build's own kg.nt into an in-memory pyoxigraph Store, measured in
the same run on the same machine: the issue's goal is a full build within 3.5x of it and a peak
of at most 3 GB. Each build and each baseline runs in a child process; memory is the peak of
the sum of the resident sets of the process and its children (the import workers), sampled
from /proc every 0.1 s. Stage times come from the build's own `kg: stages:` log line.

`--store-floor` also times, in a child process on the same machine, what writing the build's
on-disk store costs by itself with pyoxigraph's fastest road: kg.trig bulk-loaded into an empty
on-disk Store in one call (the named graphs), kg.nt into its default graph in one call (the
union), then `optimize()`. No build that publishes that store (`kg serve` opens it read-only)
can take less than this, whatever else it does.

    python -m benchmarks.bench_build --documents ../shared/seeds --runs 3
    nice -n 10 python -m benchmarks.bench_build --documents ../shared/seeds \\
        --data ../shared/data --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
BASELINE = ("import sys; from pyoxigraph import RdfFormat, Store; "
            "Store().load(path=sys.argv[1], format=RdfFormat.N_TRIPLES)")
STORE_FLOOR = ("import sys; from pyoxigraph import DefaultGraph, RdfFormat, Store; "
               "store = Store(sys.argv[2]); "
               "store.bulk_load(path=sys.argv[1] + '/kg.trig', format=RdfFormat.TRIG); "
               "store.bulk_load(path=sys.argv[1] + '/kg.nt', format=RdfFormat.N_TRIPLES, "
               "to_graph=DefaultGraph()); store.flush(); store.optimize()")


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_measured(command: list[str]) -> tuple[float, int, str]:
    """Run `command`; return (seconds, peak bytes of its process tree, stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{err}")
    return seconds, peak[0], err


def stages_of(log: str) -> dict[str, float]:
    for line in log.splitlines():
        if line.startswith("kg: stages: "):
            return {k: float(v) for k, v in json.loads(line[len("kg: stages: "):]).items()}
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="also import the reference data (full graph)")
    parser.add_argument("--keep", type=Path,
                        help="build into this folder and keep it (for bench_queries/bench_serve)")
    parser.add_argument("--store-floor", action="store_true",
                        help="also time writing the build's on-disk store alone (see above)")
    args = parser.parse_args()

    builds: list[float] = []
    peaks: list[int] = []
    stages: dict[str, list[float]] = {}
    loads: list[float] = []
    load_peaks: list[int] = []
    floors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep if args.keep is not None else Path(tmp) / "dist"
        command = [sys.executable, "-m", "kg.cli", "build", "--out", str(out), "--documents",
                   str(args.documents), "--no-ontology-docs"]
        if args.data is not None:
            command += ["--data", str(args.data)]
        for _ in range(args.runs):  # build, then the baseline on its kg.nt, alternating
            seconds, peak, err = run_measured(command)
            builds.append(seconds)
            peaks.append(peak)
            for stage, value in stages_of(err).items():
                stages.setdefault(stage, []).append(value)
            seconds, peak, _ = run_measured([sys.executable, "-c", BASELINE,
                                             str(out / "kg.nt")])
            loads.append(seconds)
            load_peaks.append(peak)
            if args.store_floor:
                with tempfile.TemporaryDirectory(dir=tmp) as folder:
                    seconds, _, _ = run_measured([sys.executable, "-c", STORE_FLOOR, str(out),
                                                  folder])
                floors.append(seconds)
        lines = sum(1 for _ in (out / "kg.nt").open("rb"))
    base = statistics.median(loads)
    print(f"triples in kg.nt: {lines}")
    print(f"baseline (pyoxigraph Store().load(kg.nt), own process): {base:.2f} s median of "
          f"{args.runs}, peak {max(load_peaks) / 1e9:.2f} GB")
    print(f"{'stage':<16}{'median s':>10}{'x baseline':>12}")
    for stage, values in stages.items():
        median = statistics.median(values)
        print(f"{stage:<16}{median:>10.2f}{median / base:>12.2f}")
    total = statistics.median(builds)
    print(f"{'build (process)':<16}{total:>10.2f}{total / base:>12.2f}")
    print(f"peak memory of the build (process tree): {max(peaks) / 1e9:.2f} GB")
    if floors:
        floor = statistics.median(floors)
        print(f"{'store alone':<16}{floor:>10.2f}{floor / base:>12.2f}  (kg.trig and kg.nt "
              "bulk-loaded into an on-disk Store, optimized)")


if __name__ == "__main__":
    main()
