"""The real ckanapi client against a live server: what CKAN harvesters and scripts do."""

from __future__ import annotations

import ckanapi
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def remote(live_server, catalogue):
    with ckanapi.RemoteCKAN(live_server.url, user_agent="territoire-tests") as ckan:
        yield ckan


def test_catalogue_through_ckanapi(remote, catalogue):
    assert sorted(remote.action.package_list()) == sorted(d.slug for d in catalogue.public)
    found = remote.action.package_search(
        q="budget",
        fq="organization:ville-de-montpellier",
        rows=10,
        **{"facet.field": '["tags","res_format"]'},
    )
    assert found["count"] == 1
    assert found["results"][0]["name"] == catalogue.budget.slug
    assert found["search_facets"]["res_format"]["items"][0]["count"] == 1
    everything = remote.action.package_search(rows=1000)
    assert everything["count"] == 2
    package = remote.action.package_show(id=catalogue.fountains.slug)
    assert package["title"] == catalogue.fountains.title
    assert {r["format"] for r in package["resources"]} == {
        "XLSX",
        "CSV",
        "JSON",
        "GeoJSON",
        "Parquet",
    }
    organizations = remote.action.organization_list(all_fields=True)
    assert {o["name"]: o["package_count"] for o in organizations} == {
        "ville-de-montpellier": 2,
        "montpellier-mediterranee-metropole": 0,
    }
    # GET only (what ckanapi's --get-only and read-only mirrors do)
    with ckanapi.RemoteCKAN(remote.address, get_only=True) as get_only:
        assert (
            get_only.action.package_show(id=catalogue.budget.slug)["name"] == catalogue.budget.slug
        )


def test_errors_map_to_ckanapi_exceptions(remote, catalogue, citizen, token_of):
    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id="does-not-exist")
    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id=catalogue.internal.slug)  # not visible: the same answer
    with pytest.raises(ckanapi.ValidationError) as info:
        remote.action.package_search(rows="beaucoup")
    assert info.value.error_dict["rows"] == ["Invalid integer"]
    with pytest.raises(ckanapi.SearchQueryError):
        remote.action.package_search(fq="colour:red")
    with ckanapi.RemoteCKAN(remote.address, apikey="trt_invalid") as wrong:
        with pytest.raises(ckanapi.NotAuthorized):
            wrong.action.package_list()
    with ckanapi.RemoteCKAN(remote.address, apikey=token_of(citizen)) as as_citizen:
        with pytest.raises(ckanapi.NotFound):
            as_citizen.action.package_show(id=catalogue.internal.slug)


def test_agent_token_through_ckanapi(remote, catalogue, agent, token_of):
    with ckanapi.RemoteCKAN(remote.address, apikey=token_of(agent)) as as_agent:
        assert as_agent.action.package_show(id=catalogue.internal.slug)["private"] is True


def test_datastore_through_ckanapi(remote, catalogue):
    package = remote.action.package_show(id=catalogue.budget.slug)
    resource = next(r for r in package["resources"] if r["datastore_active"])
    info = remote.action.datastore_info(id=resource["id"])
    assert info["meta"]["count"] == 1448
    assert {f["id"]: f["type"] for f in info["fields"]}["bp"] == "numeric"
    page = remote.action.datastore_search(
        resource_id=resource["id"], limit=5, filters={"d_r": "R"}, sort="bp desc"
    )
    assert page["total"] > 0 and len(page["records"]) == 5
    assert all(r["d_r"] == "R" for r in page["records"])
    amounts = [r["bp"] for r in page["records"]]
    assert amounts == sorted(amounts, reverse=True)
    assert page["fields"][0] == {"id": "_id", "type": "int"}
    assert page["fields"][1] == {"id": "exercice", "type": "int"}


def test_ckanapi_pages_every_resource_by_id(remote, catalogue):
    """A third-party client's loop over every datastore resource of every dataset:
    datastore_search with sort=_id, offset advanced by the page size until a short page.
    Every row comes once, in _id order, and the total agrees."""
    for name in remote.action.package_list():
        package = remote.action.package_show(id=name)
        resources = [r for r in package["resources"] if r["datastore_active"]]
        assert resources, name
        info = remote.action.datastore_info(id=resources[0]["id"])
        ids: list[int] = []
        offset = 0
        while True:
            page = remote.action.datastore_search(
                resource_id=resources[0]["id"], sort="_id", limit=400, offset=offset
            )
            assert page["fields"][0] == {"id": "_id", "type": "int"}
            ids.extend(r["_id"] for r in page["records"])
            offset += len(page["records"])
            if len(page["records"]) < 400:
                break
        assert ids == list(range(1, info["meta"]["count"] + 1)) == list(range(1, page["total"] + 1))


def test_help_through_ckanapi_on_the_live_host_and_port(remote, live_server, settings):
    """The envelope's help link points at the server the client called (not at
    TERRITOIRE_BASE_URL), and following it answers the action's documentation."""
    import json
    import urllib.request

    assert "q, fq" in remote.action.help_show(name="package_search")
    with urllib.request.urlopen(f"{live_server.url}/api/3/action/package_list") as response:
        envelope = json.load(response)
    assert envelope["help"] == f"{live_server.url}/api/3/action/help_show?name=package_list"
    assert not envelope["help"].startswith(settings.TERRITOIRE_BASE_URL)
    with urllib.request.urlopen(envelope["help"]) as response:
        followed = json.load(response)
    assert followed["success"] is True and followed["result"].startswith("Names of the public")


def test_ckanapi_command_line(live_server, catalogue):
    """`ckanapi action …` as a reuser types it (the console script of the ckanapi package)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    command = str(Path(sys.executable).parent / "ckanapi")

    def action(*arguments) -> object:
        done = subprocess.run(
            [command, "action", *arguments, "-r", live_server.url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    found = action("package_search", "q=fontaines")
    assert [r["name"] for r in found["results"]] == [catalogue.fountains.slug]
    page = action(
        "datastore_search",
        f"resource_id={catalogue.budget.slug}",
        "limit=3",
        'filters:{"d_r": "D"}',
    )
    assert len(page["records"]) == 3 and {r["d_r"] for r in page["records"]} == {"D"}
