"""Run every benchmark in turn (`make bench`); each prints its figures and appends to RESULTS.md.

python bench/run.py                 # all of them
python bench/run.py ingest records  # some of them
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = {
    "ingest": "ingest.py",  # ingestion vs sqlite-utils, DuckDB floor, CKAN xloader
    "validate": "validate.py",  # Table Schema validation vs frictionless
    "records": "records.py",  # records API vs Datasette
    "portal": "portal.py",  # portal server time and page weight
    "ratelimit": "ratelimit.py",  # cost of a counted request per rate-limit store
}


def main(names: list[str]) -> int:
    here = Path(__file__).resolve().parent
    failures = 0
    for name in names or list(BENCHES):
        if name not in BENCHES:
            print(f"unknown benchmark {name!r}; choose among {', '.join(BENCHES)}")
            return 2
        script = here / BENCHES[name]
        print(f"\n=== {name} ({script.name}) ===", flush=True)
        failures += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
