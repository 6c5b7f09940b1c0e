"""What each structure of the serving file costs at ingestion and buys at read (issue 10).

Protocol (``python bench/structures.py [--rows N] [--repeat 15]``): the benchmark table of
``bench/records.py`` is ingested once per set of structures (``TERRITOIRE_SERVING_STRUCTURES``:
all of them, all but one for each, none), each under its own slug, with
``territoire ingest … --publish --json`` (its report says what each structure took). Then one
``territoire serve`` (default workers) answers the queries of ``bench/records.py`` on every
version: for each query and version, the first request, then the median of ``--repeat`` requests
after 2 warm-up requests, each with a new connection. The versions share the server, so a
query's later versions find the process warmer than its first: read the warm medians, and the
first requests as one sample each.

Nothing here is a pass/fail test; figures go to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import records as rb  # noqa: E402 - the records benchmark's table, servers and queries
import serving  # noqa: E402 - its home set-up and server start

ALL = ("sorted", "geo", "words", "values", "clustered", "rows")


def structure_sets() -> dict[str, str]:
    sets = {"all": ",".join(ALL)}
    sets.update({f"no-{s}": ",".join(x for x in ALL if x != s) for s in ALL})
    sets["none"] = "none"
    return sets


def ingest(home: Path, csv_path: Path, slug: str, structures: str) -> dict:
    started = time.monotonic()
    report = serving._ingest(home, csv_path, slug, {"TERRITOIRE_SERVING_STRUCTURES": structures})
    timings = report["timings"]
    return {
        "wall": time.monotonic() - started,
        "serving": timings.get("serving"),
        "steps": timings.get("serving_steps") or {},
    }


def reads(port: int, slugs: dict[str, str], rows: int, repeat: int) -> dict:
    out: dict[str, dict] = {}
    for case in rb.cases(rows):
        for name, slug in slugs.items():

            def url(i, slug=slug, case=case):
                return case.territoire(i).replace(f"/datasets/{rb.SLUG}/", f"/datasets/{slug}/")

            status, _, first = serving._once(port, url(5000))
            assert status == 200, (case.name, name, status)
            for i in range(2):
                serving._once(port, url(9000 + i))
            warm = [serving._once(port, url(i))[2] * 1000 for i in range(repeat)]
            out.setdefault(case.name, {})[name] = {
                "first": first * 1000,
                "warm": statistics.median(warm),
            }
        print(f"  {case.name:40}", "  ".join(
            f"{n} {v['first']:.1f}/{v['warm']:.1f}" for n, v in out[case.name].items()
        ), flush=True)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    home, files, _ = serving.setup(args.rows, 0)
    sets = structure_sets()
    built = {}
    for name, structures in sets.items():
        built[name] = ingest(home, files["csv"], f"s-{name}", structures)
        print(f"  {name:14} ingestion {built[name]['wall']:.1f} s, serving file "
              f"{built[name]['serving']:.2f} s {built[name]['steps']}", flush=True)  # fmt: skip
    port = rb._free_port()
    server = serving._start_t(home, port, None)
    try:
        answered = reads(port, {n: f"s-{n}" for n in sets}, args.rows, args.repeat)
    finally:
        rb.stop(server)
    out = rb.ROOT / "out" / "structures.json"
    out.write_text(json.dumps({"ingestion": built, "reads": answered}, indent=1))
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
