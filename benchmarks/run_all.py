"""Run every benchmark in this folder, one after the other (`make bench`).

Each bench_*.py prints its own table of timings and ratios against a baseline measured
in the same run, and records its figures in benchmarks/README.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        code = subprocess.call([sys.executable, str(script), *sys.argv[1:]], cwd=HERE.parent)
        if code:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
