"""The DCAT-AP 3 / DCAT-AP-FR graph of one page of the public catalogue (rdflib).

Every resource the catalogue links to carries the class the official shapes expect (with
ranges), and every concept of an EU authority table its label and concept scheme, so that the
graph validates on its own, without fetching the vocabularies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, XSD

from territoire.catalog.models import Dataset
from territoire.records import exports
from territoire.territories.selectors import SLUG_OF_KIND

from .. import common
from . import vocab
from .vocab import DCATAP, HYDRA, VCARD


def iri(url: str) -> URIRef:
    """A URL typed by a person, made a valid IRI (spaces and other unsafe characters escaped)."""
    return URIRef(quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~"))


def _datetime(value: dt.datetime | dt.date) -> Literal:
    if isinstance(value, dt.datetime):
        return Literal(value.astimezone(dt.UTC).replace(microsecond=0), datatype=XSD.dateTime)
    return Literal(value, datatype=XSD.date)


@dataclass
class Page:
    """Which page of the catalogue this graph is, and how to reach the others."""

    number: int
    size: int
    total: int
    url: Callable[[int], str]  # page number -> absolute URL of that page

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


class CatalogueGraph:
    def __init__(self):
        self.graph = Graph(bind_namespaces="core")
        for prefix, namespace in vocab.PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.base = common.base_url()
        self._agents: dict[int, URIRef] = {}
        self.bboxes: dict[int, tuple] = {}  # territory id -> bbox, filled by the view

    def add(self, *triple) -> None:
        self.graph.add(triple)

    # ------------------------------------------------------------------ catalogue
    def catalogue(
        self, *, title: str, description: str, publisher, issued, modified, territory
    ) -> URIRef:
        g, uri = self.graph, URIRef(common.absolute("/catalogue"))
        self.catalogue_uri = uri
        self.add(uri, RDF.type, DCAT.Catalog)
        self.add(uri, DCTERMS.title, Literal(title, lang="fr"))
        self.add(uri, DCTERMS.description, Literal(description, lang="fr"))
        self.add(
            uri,
            DCTERMS.publisher,
            self.agent(publisher) if publisher else self._fallback_agent(title),
        )
        self.add(uri, FOAF.homepage, vocab.document(g, self.base + "/"))
        self.add(uri, DCTERMS.language, vocab.language_french(g))
        self.add(uri, DCTERMS.license, self._licence("etalab-2.0"))
        self.add(uri, DCAT.themeTaxonomy, vocab.theme_scheme(g))
        if issued:
            self.add(uri, DCTERMS.issued, _datetime(issued))
        if modified:
            self.add(uri, DCTERMS.modified, _datetime(modified))
        if territory is not None:
            self.add(uri, DCTERMS.spatial, self._territory(territory))
        return uri

    def paging(self, page: Page) -> None:
        """hydra:PagedCollection (what ckanext-dcat and data.gouv.fr's harvester read) on the page's
        own URL, typed hydra:PartialCollectionView too, with the current Hydra links."""
        uri = URIRef(page.url(page.number))
        self.add(uri, RDF.type, HYDRA.PagedCollection)
        self.add(uri, RDF.type, HYDRA.PartialCollectionView)
        self.add(uri, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer))
        self.add(uri, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer))
        links = {"first": 1, "last": page.last}
        if page.number < page.last:
            links["next"] = page.number + 1
        if page.number > 1:
            links["previous"] = min(page.number - 1, page.last)
        for rel, number in links.items():
            self.add(uri, HYDRA[f"{rel}Page"], Literal(page.url(number)))
            self.add(uri, HYDRA[rel], URIRef(page.url(number)))

    # ------------------------------------------------------------------ agents and places
    def agent(self, organization) -> URIRef:
        if organization.pk in self._agents:
            return self._agents[organization.pk]
        g = self.graph
        uri = URIRef(common.absolute(f"/catalogue#organisation-{organization.slug}"))
        self.add(uri, RDF.type, FOAF.Agent)
        self.add(uri, RDF.type, FOAF.Organization)
        self.add(uri, FOAF.name, Literal(organization.name, lang="fr"))
        if organization.siren:
            self.add(uri, DCTERMS.identifier, Literal(organization.siren))
        if organization.territory_id:
            self.add(uri, DCTERMS.type, vocab.local_authority(g))
        if organization.website:
            self.add(uri, FOAF.homepage, vocab.document(g, str(iri(organization.website))))
        if organization.email:
            self.add(uri, FOAF.mbox, URIRef(f"mailto:{organization.email}"))
        self._agents[organization.pk] = uri
        return uri

    def _fallback_agent(self, name: str) -> URIRef:
        uri = URIRef(common.absolute("/catalogue#publisher"))
        self.add(uri, RDF.type, FOAF.Agent)
        self.add(uri, FOAF.name, Literal(name, lang="fr"))
        return uri

    def _territory(self, territory) -> URIRef:
        kind = SLUG_OF_KIND.get(territory.kind, territory.kind)
        page = common.absolute(
            reverse("web:territory", kwargs={"kind": kind, "code": territory.code})
        )
        return vocab.territory(self.graph, territory, page, self.bboxes.get(territory.pk))

    # ------------------------------------------------------------------ datasets
    def dataset(self, d: Dataset, version) -> URIRef:
        g = self.graph
        page = common.portal_page(d)
        uri = URIRef(page + "#dataset")
        self.add(self.catalogue_uri, DCAT.dataset, uri)
        self.add(uri, RDF.type, DCAT.Dataset)
        self.add(uri, DCTERMS.title, Literal(d.title, lang="fr"))
        self.add(uri, DCTERMS.description, Literal(d.description.strip() or d.title, lang="fr"))
        self.add(uri, DCTERMS.identifier, Literal(common.dataset_uuid(d)))
        self.add(uri, DCTERMS.publisher, self.agent(d.publisher))
        self.add(uri, DCAT.contactPoint, self._contact(d))
        for theme in d.themes.all():
            self.add(uri, DCAT.theme, vocab.theme(g, theme.code))
        for keyword in d.keywords or []:
            if str(keyword).strip():
                self.add(uri, DCAT.keyword, Literal(str(keyword).strip(), lang="fr"))
        territories = list(d.territories.all())
        for territory in territories:
            self.add(uri, DCTERMS.spatial, self._territory(territory))
        if territories:
            self.add(uri, DCTERMS.spatial, vocab.france(g))
        self.add(uri, DCTERMS.accrualPeriodicity, vocab.frequency(g, d.frequency))
        if d.temporal_start or d.temporal_end:
            period = BNode()
            self.add(period, RDF.type, DCTERMS.PeriodOfTime)
            if d.temporal_start:
                self.add(period, DCAT.startDate, _datetime(d.temporal_start))
            if d.temporal_end:
                self.add(period, DCAT.endDate, _datetime(d.temporal_end))
            self.add(uri, DCTERMS.temporal, period)
        self.add(
            uri,
            DCAT.landingPage,
            vocab.document(g, str(iri(d.landing_page)) if d.landing_page else page),
        )
        self.add(uri, DCTERMS.issued, _datetime(d.published_at or d.created_at))
        modified = max(filter(None, [d.modified_at, version.created_at if version else None]))
        self.add(uri, DCTERMS.modified, _datetime(modified))
        self.add(uri, DCTERMS.accessRights, vocab.access_public(g))
        self.add(uri, DCTERMS.language, vocab.language_french(g))
        for distribution in d.distributions.all():
            self.add(uri, DCAT.distribution, self._distribution(d, distribution))
        for fmt in common.export_formats(version):
            self.add(uri, DCAT.distribution, self._export(d, version, fmt))
        return uri

    def _contact(self, d: Dataset) -> BNode:
        node = BNode()
        self.add(node, RDF.type, VCARD.Kind)
        self.add(node, RDF.type, VCARD.Organization)
        service = d.publisher_service
        name = d.contact_name or (service.name if service else "") or d.publisher.name
        self.add(node, VCARD.fn, Literal(name))
        email = d.contact_email or (service.email if service else "") or d.publisher.email
        if email:
            self.add(node, VCARD.hasEmail, URIRef(f"mailto:{email}"))
        return node

    def _licence(self, code: str) -> URIRef | None:
        url = common.licence_url(code)
        return vocab.licence(self.graph, url, common.licence_title(code), code) if url else None

    def _distribution(self, d: Dataset, distribution) -> URIRef:
        g = self.graph
        uri = URIRef(
            f"{common.portal_page(d)}#distribution-{common.distribution_uuid(distribution)}"
        )
        url = common.distribution_url(distribution)
        self.add(uri, RDF.type, DCAT.Distribution)
        self.add(uri, DCTERMS.title, Literal(distribution.title, lang="fr"))
        self.add(uri, DCTERMS.identifier, Literal(common.distribution_uuid(distribution)))
        self.add(uri, DCAT.accessURL, iri(url) if url else URIRef(common.portal_page(d)))
        if url:
            self.add(uri, DCAT.downloadURL, iri(url))
        known = vocab.FILE_TYPES.get(distribution.format.upper().replace("-", "").replace(" ", ""))
        if known:
            self.add(uri, DCTERMS.format, vocab.file_type(g, known[0]))
        media = distribution.media_type or (known[1] if known else "")
        if media:
            self.add(uri, DCAT.mediaType, vocab.media_type(g, media))
        licence = self._licence(d.licence)
        if licence is not None:
            self.add(uri, DCTERMS.license, licence)
        self.add(uri, DCATAP.availability, vocab.stable(g))
        self.add(uri, DCTERMS.issued, _datetime(distribution.created_at))
        self.add(uri, DCTERMS.modified, _datetime(distribution.modified_at))
        return uri

    def _table_schema(self, d: Dataset) -> URIRef:
        """The Table Schema of the served version (its fields, labels, descriptions, units):
        what every export conforms to (dct:conformsTo, a dct:Standard)."""
        uri = URIRef(common.absolute(f"/api/v1/datasets/{quote(d.slug)}/table-schema"))
        self.add(uri, RDF.type, DCTERMS.Standard)
        self.add(uri, DCTERMS.title, Literal(f"Schéma des données — {d.title}", lang="fr"))
        return uri

    def _export(self, d: Dataset, version, fmt: exports.ExportFormat) -> URIRef:
        g = self.graph
        uri = URIRef(f"{common.portal_page(d)}#export-{fmt.code}")
        url = URIRef(common.export_url(d, fmt.code))
        self.add(uri, RDF.type, DCAT.Distribution)
        self.add(uri, DCTERMS.title, Literal(f"{d.title} — export {fmt.label}", lang="fr"))
        self.add(
            uri,
            DCTERMS.description,
            Literal(
                f"Toutes les lignes de la version {version.number}, au format {fmt.label}, produites par l'API des "
                "enregistrements (compatible OpenDataSoft Explore v2.1).",
                lang="fr",
            ),
        )
        self.add(uri, DCTERMS.identifier, Literal(common.export_uuid(d, fmt.code)))
        self.add(uri, DCAT.accessURL, url)
        self.add(uri, DCAT.downloadURL, url)
        self.add(uri, DCTERMS.conformsTo, self._table_schema(d))
        self.add(uri, DCTERMS.format, vocab.file_type(g, fmt.eu_file_type))
        self.add(uri, DCAT.mediaType, vocab.media_type(g, fmt.media_type))
        licence = self._licence(d.licence)
        if licence is not None:
            self.add(uri, DCTERMS.license, licence)
        self.add(uri, DCATAP.availability, vocab.stable(g))
        self.add(uri, DCTERMS.issued, _datetime(version.created_at))
        self.add(uri, DCTERMS.modified, _datetime(version.created_at))
        return uri
