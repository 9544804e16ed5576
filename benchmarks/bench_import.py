"""Time every importer on the full reference data, each in its own process (peak RSS per run).

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
imp = IMPORTERS[name]
s = write(imp, root / imp.info.folder, out / f"{name}.nt", progress=False)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps([name, s.rows, s.triples, round(s.seconds, 2), round(rss)]))
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
    for name in IMPORTERS:
        result = subprocess.run([sys.executable, "-c", CHILD, name, str(args.root), str(out)],
                                check=True, capture_output=True, text=True)
        name, rows, triples, seconds, rss = json.loads(result.stdout)
        total = [total[0] + rows, total[1] + triples, total[2] + seconds]
        print(f"{name:22} {rows:>9,} {triples:>10,} {seconds:>8.2f} {rss:>8}")
    print(f"{'total':22} {total[0]:>9,} {total[1]:>10,} {total[2]:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
