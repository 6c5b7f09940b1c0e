"""Bundled schemas, files and URLs (served on 127.0.0.1: the tests never touch the internet)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from territoire.core.errors import NotFound, SourceFileError, ValidationFailed
from territoire.schemas import registry
from territoire.schemas.registry import schema_list, schema_load


def test_every_table_schema_of_shared_data_is_bundled(shared_data):
    bundled = {item["name"]: item for item in schema_list()}
    for folder in (shared_data / "schemas").iterdir():
        schema_file = folder / "schema.json"
        if not schema_file.is_file():
            continue
        descriptor = json.loads(schema_file.read_text(encoding="utf-8"))
        if "fields" not in descriptor:
            assert folder.name not in bundled  # JSON Schemas (zfe, amenagements-cyclables) are not
            continue
        assert bundled[folder.name]["version"] == descriptor.get("version")
        assert schema_load(folder.name) == descriptor
        assert (registry.DATA_DIR / folder.name / "SOURCE.txt").is_file()
    assert (registry.DATA_DIR / "LICENCE.txt").read_text(encoding="utf-8").count(
        "licence :"
    ) == len(bundled)


def test_list_gives_name_title_version_source():
    items = {item["name"]: item for item in schema_list()}
    assert len(items) == 27
    deliberations = items["scdl-deliberations"]
    assert deliberations["title"] == "Délibérations"
    assert deliberations["version"] == "2.1.5"
    assert deliberations["source"].startswith("https://github.com/datagouv/schema.data.gouv.fr")
    assert items["stationnement"]["source"] == "https://github.com/etalab/schema-stationnement"
    assert deliberations["identifier"] == "scdl/deliberations"
    assert items["catalogue-donnees-etalab"]["identifier"] is None  # not on schema.data.gouv.fr


def test_load_by_schema_data_gouv_identifier():
    assert schema_load("scdl/deliberations") == schema_load("scdl-deliberations")
    assert schema_load("etalab/schema-irve-statique") == schema_load("irve-statique")


def test_load_from_a_path(tmp_path):
    path = tmp_path / "mon-schema.json"
    path.write_text(json.dumps({"fields": [{"name": "a", "type": "integer"}]}), encoding="utf-8")
    assert schema_load(str(path))["fields"][0]["name"] == "a"


def test_unknown_name_bad_json_and_not_a_table_schema(tmp_path, shared_data):
    with pytest.raises(NotFound) as error:
        schema_load("scdl-inexistant")
    assert (
        "introuvable" in error.value.message_fr and "scdl-deliberations" in error.value.message_fr
    )
    assert "not found" in error.value.message_en
    broken = tmp_path / "broken.json"
    broken.write_text('{"fields": [', encoding="utf-8")
    with pytest.raises(ValidationFailed) as error:
        schema_load(str(broken))
    assert "pas un JSON valide (ligne 1, colonne 13)" in error.value.message_fr
    with pytest.raises(ValidationFailed) as error:
        schema_load(str(shared_data / "schemas" / "zfe" / "schema.json"))
    assert "JSON Schema, pas un Table Schema" in error.value.message_fr
    assert "JSON Schema, not a Table Schema" in error.value.message_en
    with pytest.raises(ValidationFailed):
        schema_load("")


@pytest.fixture
def server():
    """A local HTTP server answering /schema.json, /big.json, /bad.json, and 404 elsewhere."""
    pages = {
        "/schema.json": json.dumps({"fields": [{"name": "id", "type": "string"}]}).encode(),
        "/bad.json": b"<html>not json</html>",
        "/big.json": b'{"fields": [], "x": "' + b"a" * (registry.MAX_SCHEMA_BYTES + 10) + b'"}',
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            if body is not None:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_load_from_a_url(server):
    assert schema_load(f"{server}/schema.json") == {"fields": [{"name": "id", "type": "string"}]}
    with pytest.raises(SourceFileError) as error:
        schema_load(f"{server}/absent.json")
    assert "HTTP 404" in error.value.message_fr
    with pytest.raises(ValidationFailed):
        schema_load(f"{server}/bad.json")
    with pytest.raises(SourceFileError) as error:
        schema_load(f"{server}/big.json")
    assert "téléchargement arrêté" in error.value.message_fr


def test_unreachable_url_is_a_clear_error():
    with pytest.raises(SourceFileError) as error:
        schema_load("http://127.0.0.1:9/schema.json")
    assert "n'a pas pu être téléchargé" in error.value.message_fr
