"""Load CSV files into DuckDB the way the ingestion engine leaves them, and run frictionless too."""

from __future__ import annotations

import collections
import copy
import csv
import io
import re
from pathlib import Path

import duckdb
import pyarrow as pa
from frictionless import Schema, validate

from territoire.schemas.validation import validate_table


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path}: neither UTF-8 nor CP1252")


def load_with_duckdb(
    con: duckdb.DuckDBPyConnection, path: Path, table: str = "raw", *, scratch: Path | None = None
) -> list[dict]:
    """DuckDB read_csv, every column VARCHAR, plus __line__ (header = line 1, as frictionless
    numbers rows). Column ids are safe names; labels are the header as written. A file that is
    not plain UTF-8 (Latin-1, BOM) is first converted into `scratch`."""
    text = read_text(path)
    source = path
    if text.encode("utf-8") != path.read_bytes():
        assert scratch is not None, (
            f"{path} is not plain UTF-8: give a scratch folder to convert it"
        )
        source = scratch / (path.stem + ".utf8.csv")
        source.write_text(text, encoding="utf-8")
    delimiter = con.execute("SELECT Delimiter FROM sniff_csv(?)", [str(source)]).fetchone()[0]
    labels = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    ids = [f"c{i}" for i in range(len(labels))]
    con.execute(
        f"CREATE OR REPLACE TABLE {table}_data AS SELECT * FROM read_csv(?, all_varchar=true, header=true, "  # noqa: S608
        f"delim=?, quote='\"', escape='\"', names={ids!r}, null_padding=true, parallel=false)",
        [str(source), delimiter],
    )
    con.execute(
        f"CREATE OR REPLACE VIEW {table} AS SELECT rowid + 2 AS __line__, * FROM {table}_data"
    )  # noqa: S608
    return [
        {"id": i, "label": label, "type": "string"} for i, label in zip(ids, labels, strict=True)
    ]


def load_with_python(
    con: duckdb.DuckDBPyConnection, text: str, table: str = "raw", delimiter: str = ","
) -> list[dict]:
    """Python's csv module, record by record like frictionless (a blank line is a row, a short row
    has fewer cells): __line__ is the record number, __cells the number of cells it had."""
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    labels = records[0]
    ids = [f"c{i}" for i in range(len(labels))]
    data = {name: [] for name in ids}
    lines, cells = [], []
    for number, record in enumerate(records[1:], start=2):
        lines.append(number)
        cells.append(len(record))
        for position, name in enumerate(ids):
            data[name].append(
                record[position] if position < len(record) and record[position] != "" else None
            )
    arrow = pa.table(
        {
            "__line__": pa.array(lines, pa.int64()),
            "__cells__": pa.array(cells, pa.int64()),
            **{name: pa.array(values, pa.string()) for name, values in data.items()},
        }
    )
    con.register(f"{table}_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table}_arrow")  # noqa: S608
    con.unregister(f"{table}_arrow")
    return [
        {"id": i, "label": label, "type": "string"} for i, label in zip(ids, labels, strict=True)
    ]


def frictionless_report(path: Path, schema: dict):
    return validate(
        path.name,
        basepath=str(path.parent),
        schema=Schema.from_descriptor(copy.deepcopy(schema)),
        limit_errors=1_000_000,
    )


def frictionless_counts(report) -> dict:
    """{(kind, column): count} from a frictionless report, keyed like ValidationReport.counts()."""
    counts: dict = collections.Counter()
    for task in report.tasks:
        for error in task.errors:
            if error.type in ("extra-label", "blank-label", "duplicate-label"):
                column = error.label if error.type != "blank-label" else error.field_name
            elif error.type in ("blank-row", "primary-key"):
                column = None
            else:
                column = getattr(error, "field_name", None)
            counts[(error.type, column)] += 1
    for error in report.errors:
        counts[(error.type, None)] += 1
    return dict(counts)


def repaired_for_frictionless(schema: dict) -> dict:
    """The schema with the metadata slips frictionless refuses outright fixed the way we read them
    (descriptor.normalize_schema): constraints written beside `constraints`, a name with capitals
    or spaces, an `example` that does not match its type. Data rules are left untouched."""
    fixed = copy.deepcopy(schema)
    if isinstance(fixed.get("name"), str) and not re.match(r"^[-a-z0-9._/]+$", fixed["name"]):
        fixed["name"] = re.sub(r"[^-a-z0-9._/]+", "-", fixed["name"].lower())
    for field in fixed["fields"]:
        for key in (
            "required",
            "unique",
            "pattern",
            "enum",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
        ):
            if key in field:
                field.setdefault("constraints", {}).setdefault(key, field.pop(key))
        field.pop("example", None)
    return fixed


def compare_text(tmp_path: Path, text: str, schema: dict, *, name: str = "data.csv", **options):
    """Validate a CSV text with both tools; returns (our report, frictionless counts, frictionless valid)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    con = duckdb.connect()
    columns = load_with_python(con, text)
    ours = validate_table(con, "raw", schema, columns, cells_column="__cells__", **options)
    theirs = frictionless_report(path, schema)
    return ours, frictionless_counts(theirs), theirs.valid
