"""compare(): schema changes always, rows added/removed/changed with a key."""

from __future__ import annotations

import pytest

from territoire.lake.engine import IngestError, compare

from .engine_helpers import run


def _version(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    staged, _cols = run(path, tmp_path / name)
    staged.close()
    return staged.parquet_path, [c.as_dict() for c in staged.columns]


def test_compare_with_key(tmp_path):
    old_path, old_cols = _version(
        tmp_path,
        "v1",
        "code;nom;pop;vieux\n01000;Bourg;41000;a\n34172;Montpellier;290000;b\n75056;Paris;2100000;c\n",
    )
    new_path, new_cols = _version(
        tmp_path,
        "v2",
        "code;nom;pop;ajout\n01000;Bourg-en-Bresse;41000;x\n34172;Montpellier;299000,5;y\n13055;Marseille;870000;z\n",
    )
    diff = compare(old_path, new_path, old_columns=old_cols, new_columns=new_cols, key="code")
    assert diff["rows"] == {"old": 3, "new": 3, "delta": 0}
    assert [c["id"] for c in diff["schema"]["added"]] == ["ajout"]
    assert [c["id"] for c in diff["schema"]["removed"]] == ["vieux"]
    assert diff["schema"]["retyped"] == [
        {"id": "pop", "label": "pop", "old_type": "integer", "new_type": "decimal"}
    ]
    assert diff["added"]["count"] == 1 and diff["added"]["examples"][0]["code"] == "13055"
    assert diff["removed"]["count"] == 1 and diff["removed"]["examples"][0]["nom"] == "Paris"
    assert diff["changed"]["count"] == 2
    first = diff["changed"]["examples"][0]
    assert first["key"] == "01000"
    assert first["changes"] == {"nom": {"old": "Bourg", "new": "Bourg-en-Bresse"}}
    assert diff["duplicate_keys"] == {"old": 0, "new": 0}


def test_compare_without_key_counts_rows_only(tmp_path):
    old_path, old_cols = _version(tmp_path, "v1", "a;b\n1;2\n")
    new_path, new_cols = _version(tmp_path, "v2", "a;b\n1;2\n3;4\n")
    diff = compare(old_path, new_path, old_columns=old_cols, new_columns=new_cols)
    assert diff["rows"] == {"old": 1, "new": 2, "delta": 1}
    assert diff["schema_changed"] is False
    assert "added" not in diff or isinstance(diff.get("added"), dict) is False


def test_compare_unknown_key(tmp_path):
    old_path, old_cols = _version(tmp_path, "v1", "a;b\n1;2\n")
    new_path, new_cols = _version(tmp_path, "v2", "a;c\n1;2\n")
    with pytest.raises(IngestError) as info:
        compare(old_path, new_path, old_columns=old_cols, new_columns=new_cols, key="b")
    assert info.value.issues[0].code == "unknown_key"
