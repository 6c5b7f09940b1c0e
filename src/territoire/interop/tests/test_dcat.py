"""The DCAT-AP 3 catalogue: validated by the official SHACL shapes, only public data, three
serialisations of one graph, content negotiation and paging."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EU = "http://publications.europa.eu/resource/authority/"


def turtle(client, path="/catalogue.ttl", **params) -> Graph:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=response.content, format="turtle")


def violations(data: Graph, shacl: Graph, inference: str) -> list[str]:
    """Top-level results of severity Violation (warnings of the shapes are not violations)."""
    conforms, report, text = validate(
        data, shacl_graph=shacl, inference=inference, allow_warnings=True
    )
    found = [
        f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
        for r in report.objects(None, SH.result)
        if report.value(r, SH.resultSeverity) == SH.Violation
    ]
    assert conforms == (not found), text
    return found


def shapes(shared_data, *names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(shared_data / "dcat-ap" / name, format="turtle")
    return graph


def test_catalogue_validates_against_the_official_shapes(client, catalogue, shared_data):
    data = turtle(client)
    assert len(set(data.subjects(RDF.type, DCAT.Dataset))) == 2
    # the strict mode of the SEMIC validator: mandatory/optional constraints, class ranges, and the
    # controlled vocabularies (EU authority tables, IANA media types)
    strict = shapes(shared_data, "shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
    assert violations(data, strict, "none") == []
    # the consolidated shapes file of the release, whose rdfs:Resource ranges need RDFS inference
    assert violations(data, shapes(shared_data, "dcat-ap-3.0.0-SHACL.ttl"), "rdfs") == []


def test_shapes_do_catch_a_broken_catalogue(client, catalogue, shared_data):
    """The validation above can fail: a dataset without a description is a violation."""
    data = turtle(client)
    dataset = next(data.subjects(RDF.type, DCAT.Dataset))
    data.remove((dataset, DCTERMS.description, None))
    found = violations(data, shapes(shared_data, "shapes.ttl", "range.ttl"), "none")
    assert any(str(DCTERMS.description) in v for v in found)


def test_only_public_published_datasets_appear_whoever_asks(
    client, catalogue, data_officer, token_of
):
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Bearer {token_of(data_officer)}"}):
        response = client.get("/catalogue.ttl", **headers)
        data = Graph().parse(data=response.content, format="turtle")
        titles = {str(data.value(d, DCTERMS.title)) for d in data.subjects(RDF.type, DCAT.Dataset)}
        assert titles == {d.title for d in catalogue.public}
        text = response.content.decode()
        for hidden in catalogue.hidden:
            assert hidden.title not in text and hidden.slug not in text
    assert not AuditEvent.objects.filter(action="read").exists()


def test_dataset_description(client, catalogue):
    data = turtle(client)
    budget = URIRef(f"https://data.example.fr/jeux-de-donnees/{catalogue.budget.slug}/#dataset")
    assert (URIRef("https://data.example.fr/catalogue"), DCAT.dataset, budget) in data
    assert data.value(budget, DCTERMS.title) == Literal("Budget primitif 2014", lang="fr")
    assert {str(t) for t in data.objects(budget, DCAT.theme)} == {
        EU + "data-theme/ECON",
        EU + "data-theme/GOVE",
    }
    assert {str(k) for k in data.objects(budget, DCAT.keyword)} == {"budget", "finances publiques"}
    assert data.value(budget, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/ANNUAL")
    assert data.value(budget, DCTERMS.accessRights) == URIRef(EU + "access-right/PUBLIC")
    spatial = set(data.objects(budget, DCTERMS.spatial))
    montpellier = URIRef("http://id.insee.fr/geo/commune/34172")
    assert montpellier in spatial and URIRef(EU + "country/FRA") in spatial
    assert data.value(montpellier, SKOS.prefLabel) == Literal("Montpellier", lang="fr")
    assert str(data.value(montpellier, DCAT.bbox)).startswith("POLYGON((3.8")
    period = data.value(budget, DCTERMS.temporal)
    assert str(data.value(period, DCAT.startDate)) == "2014-01-01"
    assert str(data.value(period, DCAT.endDate)) == "2014-12-31"
    assert (
        str(data.value(budget, DCAT.landingPage))
        == f"https://data.example.fr/jeux-de-donnees/{catalogue.budget.slug}/"
    )
    publisher = data.value(budget, DCTERMS.publisher)
    assert data.value(publisher, FOAF.name) == Literal("Ville de Montpellier", lang="fr")
    assert (publisher, RDF.type, FOAF.Agent) in data
    contact = data.value(budget, DCAT.contactPoint)
    assert (
        str(data.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")))
        == "mailto:finances@montpellier.fr"
    )


def test_distributions_include_the_record_exports(client, catalogue):
    data = turtle(client)
    budget = URIRef(f"https://data.example.fr/jeux-de-donnees/{catalogue.budget.slug}/#dataset")
    fountains = URIRef(
        f"https://data.example.fr/jeux-de-donnees/{catalogue.fountains.slug}/#dataset"
    )

    def formats(dataset):
        return {
            str(data.value(d, DCTERMS.format)).rsplit("/", 1)[-1]: str(
                data.value(d, DCAT.downloadURL)
            )
            for d in data.objects(dataset, DCAT.distribution)
        }

    api = "https://data.example.fr/api/explore/v2.1/catalog/datasets"
    budget_formats = formats(budget)
    assert budget_formats["PARQUET"] == f"{api}/{catalogue.budget.slug}/exports/parquet"
    assert budget_formats["JSON"] == f"{api}/{catalogue.budget.slug}/exports/json"
    assert "GEOJSON" not in budget_formats  # no location column in the budget
    assert "GEOJSON" in formats(fountains) and "XLSX" in formats(fountains)
    # the source file and the CSV export are two CSV distributions
    csv = [
        d
        for d in data.objects(budget, DCAT.distribution)
        if str(data.value(d, DCTERMS.format)).endswith("/CSV")
    ]
    assert len(csv) == 2
    for distribution in data.objects(budget, DCAT.distribution):
        assert data.value(distribution, DCTERMS.license) == URIRef(
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
        )
        assert data.value(distribution, DCAT.accessURL) is not None
    media = {str(data.value(d, DCAT.mediaType)) for d in data.objects(budget, DCAT.distribution)}
    assert "https://www.iana.org/assignments/media-types/text/csv" in media


@pytest.mark.parametrize(
    "accept,fmt", [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]
)
def test_json_ld_and_rdf_xml_are_the_same_graph(client, catalogue, accept, fmt):
    # the same URL (/catalogue), so that the paging links are the same in the three documents
    reference = turtle(client, "/catalogue")
    response = client.get("/catalogue", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    other = Graph().parse(data=response.content, format=fmt)
    assert len(other) == len(reference) > 100
    assert isomorphic(reference, other)
    # the file-like URLs serve the same serialisations
    by_extension = client.get("/catalogue." + {"json-ld": "jsonld", "xml": "rdf"}[fmt])
    assert by_extension["Content-Type"].startswith(accept)
    assert len(Graph().parse(data=by_extension.content, format=fmt)) == len(reference)


@pytest.mark.parametrize(
    "accept,media_type",
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        (
            "text/html;q=0.9, application/rdf+xml;q=0.5, application/ld+json;q=0.8",
            "application/ld+json",
        ),
        ("*/*", "text/turtle"),
        ("", "text/turtle"),
    ],
)
def test_content_negotiation(client, catalogue, accept, media_type):
    response = client.get("/catalogue", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media_type)
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


def test_unacceptable_format_is_a_bilingual_406(client, catalogue):
    response = client.get(
        "/catalogue", HTTP_ACCEPT="text/html, application/xhtml+xml;q=0.9, image/png;q=0"
    )
    assert response.status_code == 406
    body = response.json()
    assert body["error"] == "not_acceptable"
    assert "text/turtle" in body["message"] and "Format non disponible" in body["message"]
    assert body["message_en"].startswith("Format not available")


def test_paging_with_hydra_and_link_headers(client, catalogue):
    first = client.get("/catalogue.ttl", {"page_size": 1})
    assert first["X-Total-Count"] == "2"
    assert '<https://data.example.fr/catalogue.ttl?page=2&page_size=1>; rel="next"' in first["Link"]
    assert 'rel="prev"' not in first["Link"]
    data = Graph().parse(data=first.content, format="turtle")
    assert len(set(data.subjects(RDF.type, DCAT.Dataset))) == 1
    page = URIRef("https://data.example.fr/catalogue.ttl?page=1&page_size=1")
    assert (page, RDF.type, HYDRA.PagedCollection) in data
    assert data.value(page, HYDRA.totalItems).toPython() == 2
    assert (
        str(data.value(page, HYDRA.nextPage))
        == "https://data.example.fr/catalogue.ttl?page=2&page_size=1"
    )
    assert data.value(page, HYDRA.next) == URIRef(
        "https://data.example.fr/catalogue.ttl?page=2&page_size=1"
    )

    second = client.get("/catalogue.ttl", {"page_size": 1, "page": 2})
    assert (
        '<https://data.example.fr/catalogue.ttl?page=1&page_size=1>; rel="prev"' in second["Link"]
    )
    assert 'rel="next"' not in second["Link"]
    second_graph = Graph().parse(data=second.content, format="turtle")
    seen = set(data.subjects(RDF.type, DCAT.Dataset)) | set(
        second_graph.subjects(RDF.type, DCAT.Dataset)
    )
    assert len(seen) == 2

    assert client.get("/catalogue.ttl", {"page_size": 1, "page": 3}).status_code == 404
    for bad in ({"page": 0}, {"page": "x"}, {"page_size": 5000}):
        response = client.get("/catalogue.ttl", bad)
        assert response.status_code == 400
        assert response.json()["where"].startswith("query.")


def test_empty_catalogue_is_valid_rdf(client, db):
    data = turtle(client)
    assert len(set(data.subjects(RDF.type, DCAT.Catalog))) == 1
    assert not any(data.subjects(RDF.type, DCAT.Dataset))


def test_rate_limit_answers_429_with_retry_after(client, catalogue, settings):
    settings.TERRITOIRE_API_RATE = "2/60"
    assert client.get("/catalogue.ttl").status_code == 200
    assert client.get("/catalogue.ttl").status_code == 200
    response = client.get("/catalogue.ttl")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"] == "rate_limited"


def test_bad_token_is_refused(client, catalogue):
    response = client.get("/catalogue.ttl", HTTP_AUTHORIZATION="Bearer trt_not-a-token")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_catalogue_query_count(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        client.get("/catalogue.ttl")
