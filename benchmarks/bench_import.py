"""Time every importer on the full reference data, each in its own process (peak RSS per run);
an importer with parts (O*NET) is also timed part by part, as the build runs them in parallel.

python3 benchmarks/bench_import.py [DATA_ROOT] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys
from pathlib import Path
from kg.sources.importers import IMPORTERS, write
name, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
part = int(sys.argv[4]) if len(sys.argv) > 4 else None
imp = IMPORTERS[name]
s = write(imp, root / imp.info.folder, out / f"{name}.nt", progress=False, part=part)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
label = name if part is None else f"{name} part {part}"
print(json.dumps([label, s.rows, s.triples, round(s.seconds, 2), round(rss)]))
"""


def main() -> int:
    from kg.sources.importers import IMPORTERS

    parser = argparse.ArgumentParser()
    parser.add_argument("root", nargs="?", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-import-"))
    total = [0, 0, 0.0]
    print(f"{'dataset':22} {'rows':>9} {'triples':>10} {'seconds':>8} {'peak MB':>8}")
    for name, importer in IMPORTERS.items():
        for part in (None, *range(len(importer.parts))):
            extra = [] if part is None else [str(part)]
            result = subprocess.run([sys.executable, "-c", CHILD, name, str(args.root), str(out),
                                     *extra], check=True, capture_output=True, text=True)
            label, rows, triples, seconds, rss = json.loads(result.stdout)
            if part is None:
                total = [total[0] + rows, total[1] + triples, total[2] + seconds]
            print(f"{label:22} {rows:>9,} {triples:>10,} {seconds:>8.2f} {rss:>8}")
    print(f"{'total (whole imports)':22} {total[0]:>9,} {total[1]:>10,} {total[2]:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
