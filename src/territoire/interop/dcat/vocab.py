"""Namespaces and controlled vocabularies of DCAT-AP 3 / DCAT-AP-FR, and the small descriptions
the official SHACL shapes expect for every linked concept (class, label, concept scheme)."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

from territoire.catalog.vocabularies import EU_FREQUENCY_BASE, EU_THEME_BASE, EU_THEMES, Frequency

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")

EU = "http://publications.europa.eu/resource/authority/"
THEME_SCHEME = URIRef(EU + "data-theme")
FREQUENCY_SCHEME = URIRef(EU + "frequency")
LANGUAGE_SCHEME = URIRef(EU + "language")
ACCESS_RIGHT_SCHEME = URIRef(EU + "access-right")
FILE_TYPE_SCHEME = URIRef(EU + "file-type")
COUNTRY_SCHEME = URIRef(EU + "country")
PUBLISHER_TYPE_SCHEME = URIRef("http://purl.org/adms/publishertype/1.0")
LICENCE_TYPE_SCHEME = URIRef("http://purl.org/adms/licencetype/1.0")
AVAILABILITY_SCHEME = URIRef(EU + "planned-availability")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
INSEE_GEO = "http://id.insee.fr/geo/"

FRENCH = URIRef(EU + "language/FRA")
FRANCE = URIRef(EU + "country/FRA")
PUBLIC_ACCESS = URIRef(EU + "access-right/PUBLIC")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")

PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "skos": SKOS,
    "vcard": VCARD,
    "xsd": XSD,
    "hydra": HYDRA,
    "dcatap": DCATAP,
    "locn": LOCN,
    "rdf": RDF,
    "rdfs": RDFS,
    "gsp": GSP,
}

FREQUENCY_EN = {
    "UPDATE_CONT": "continuous",
    "HOURLY": "hourly",
    "DAILY": "daily",
    "WEEKLY": "weekly",
    "MONTHLY": "monthly",
    "QUARTERLY": "quarterly",
    "ANNUAL": "annual",
    "IRREG": "irregular",
    "NEVER": "never",
    "UNKNOWN": "unknown",
}

# Our distribution formats (free text, upper-cased) -> EU file-type code and IANA media type.
FILE_TYPES: dict[str, tuple[str, str]] = {
    "CSV": ("CSV", "text/csv"),
    "JSON": ("JSON", "application/json"),
    "GEOJSON": ("GEOJSON", "application/geo+json"),
    "JSONLD": ("JSON_LD", "application/ld+json"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "PARQUET": ("PARQUET", "application/vnd.apache.parquet"),
    "PDF": ("PDF", "application/pdf"),
    "ZIP": ("ZIP", "application/zip"),
    "XML": ("XML", "application/xml"),
    "KML": ("KML", "application/vnd.google-earth.kml+xml"),
    "SHP": ("SHP", ""),
    "GPKG": ("GPKG", "application/geopackage+sqlite3"),
    "TXT": ("TXT", "text/plain"),
    "HTML": ("HTML", "text/html"),
    "RDF": ("RDF_XML", "application/rdf+xml"),
    "TTL": ("RDF_TURTLE", "text/turtle"),
}

# The access-right concepts of the EU vocabulary, per access level (DCAT only publishes PUBLIC).
ACCESS_RIGHT_LABELS = {"PUBLIC": ("Public", "Public")}


# Licence -> its types in the ADMS licence-type vocabulary.
LICENCE_TYPES = {
    "etalab-2.0": ("Attribution",),
    "cc-by-4.0": ("Attribution",),
    "odbl-1.0": ("Attribution", "ShareAlike"),
    "cc-by-sa-4.0": ("Attribution", "ShareAlike"),
    "cc0-1.0": ("PublicDomain",),
}


def _scheme(graph: Graph, scheme: URIRef, title: str) -> None:
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal(title, lang="en")))


def _concept(
    graph: Graph, uri: URIRef, scheme: URIRef, label_fr: str, label_en: str | None, *classes
) -> URIRef:
    """Describe a concept of an authority table as the shapes expect: its classes, label and scheme."""
    graph.add((uri, RDF.type, SKOS.Concept))
    for cls in classes:
        graph.add((uri, RDF.type, cls))
    graph.add((uri, SKOS.prefLabel, Literal(label_fr, lang="fr")))
    if label_en:
        graph.add((uri, SKOS.prefLabel, Literal(label_en, lang="en")))
    graph.add((uri, SKOS.inScheme, scheme))
    return uri


def theme(graph: Graph, code: str) -> URIRef:
    fr, en = EU_THEMES.get(code, (code, code))
    return _concept(graph, URIRef(EU_THEME_BASE + code), THEME_SCHEME, fr, en)


def theme_scheme(graph: Graph) -> URIRef:
    _scheme(graph, THEME_SCHEME, "Data theme")
    graph.add((THEME_SCHEME, DCTERMS.title, Literal("Thèmes des données", lang="fr")))
    return THEME_SCHEME


def frequency(graph: Graph, code: str) -> URIRef:
    try:
        label = str(Frequency(code).label)
    except ValueError:
        label = code
    return _concept(
        graph,
        URIRef(EU_FREQUENCY_BASE + code),
        FREQUENCY_SCHEME,
        label,
        FREQUENCY_EN.get(code),
        DCTERMS.Frequency,
    )


def language_french(graph: Graph) -> URIRef:
    return _concept(graph, FRENCH, LANGUAGE_SCHEME, "français", "French", DCTERMS.LinguisticSystem)


def access_public(graph: Graph) -> URIRef:
    return _concept(
        graph, PUBLIC_ACCESS, ACCESS_RIGHT_SCHEME, "public", "public", DCTERMS.RightsStatement
    )


def local_authority(graph: Graph) -> URIRef:
    _scheme(graph, PUBLISHER_TYPE_SCHEME, "Publisher type")
    return _concept(
        graph,
        LOCAL_AUTHORITY,
        PUBLISHER_TYPE_SCHEME,
        "Collectivité territoriale",
        "Local Authority",
    )


def france(graph: Graph) -> URIRef:
    return _concept(graph, FRANCE, COUNTRY_SCHEME, "France", "France", DCTERMS.Location)


def file_type(graph: Graph, code: str) -> URIRef:
    uri = URIRef(f"{EU}file-type/{code}")
    return _concept(graph, uri, FILE_TYPE_SCHEME, code, code, DCTERMS.MediaTypeOrExtent)


def media_type(graph: Graph, value: str) -> URIRef:
    uri = URIRef(IANA_MEDIA_TYPES + value)
    graph.add((uri, RDF.type, DCTERMS.MediaType))
    graph.add((uri, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((uri, RDFS.label, Literal(value)))
    return uri


def licence(graph: Graph, url: str, title: str, code: str = "") -> URIRef:
    uri = URIRef(url)
    graph.add((uri, RDF.type, DCTERMS.LicenseDocument))
    graph.add((uri, DCTERMS.title, Literal(title, lang="fr")))
    if code in LICENCE_TYPES:
        _scheme(graph, LICENCE_TYPE_SCHEME, "Licence type")
        for name in LICENCE_TYPES[code]:
            kind = _concept(
                graph,
                URIRef(f"http://purl.org/adms/licencetype/{name}"),
                LICENCE_TYPE_SCHEME,
                name,
                name,
            )
            graph.add((uri, DCTERMS.type, kind))
    return uri


def stable(graph: Graph) -> URIRef:
    """Planned availability of a distribution: stable (it stays at its address)."""
    _scheme(graph, AVAILABILITY_SCHEME, "Planned availability")
    return _concept(
        graph, URIRef(EU + "planned-availability/STABLE"), AVAILABILITY_SCHEME, "stable", "stable"
    )


def document(graph: Graph, url: str) -> URIRef:
    uri = URIRef(url)
    graph.add((uri, RDF.type, FOAF.Document))
    return uri


TERRITORY_PATHS = {
    "region": "region",
    "departement": "departement",
    "commune": "commune",
    "commune_deleguee": "communeDeleguee",
    "commune_associee": "communeAssociee",
    "arrondissement_municipal": "arrondissementMunicipal",
    "epci": "intercommunalite",
}


def bbox(geometry) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a GeoJSON geometry."""
    xs, ys = [], []

    def walk(coordinates):
        if coordinates and isinstance(coordinates[0], int | float):
            xs.append(coordinates[0])
            ys.append(coordinates[1])
        else:
            for item in coordinates or []:
                walk(item)

    if geometry:
        if geometry.get("type") == "GeometryCollection":
            for part in geometry.get("geometries", []):
                walk(part.get("coordinates"))
        else:
            walk(geometry.get("coordinates"))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def bbox_literal(box: tuple[float, float, float, float]) -> Literal:
    x1, y1, x2, y2 = (round(v, 6) for v in box)
    wkt = f"POLYGON(({x1} {y1}, {x2} {y1}, {x2} {y2}, {x1} {y2}, {x1} {y1}))"
    return Literal(wkt, datatype=GSP.wktLiteral)


def territory(graph: Graph, territory_obj, page_url: str, box=None) -> URIRef:
    """A covered territory as a dct:Location: the INSEE geographic code URI (COG) where INSEE has one,
    else (quartiers) its page on this site."""
    path = TERRITORY_PATHS.get(territory_obj.kind)
    uri = URIRef(f"{INSEE_GEO}{path}/{territory_obj.code}" if path else page_url)
    graph.add((uri, RDF.type, DCTERMS.Location))
    graph.add((uri, SKOS.prefLabel, Literal(territory_obj.name, lang="fr")))
    graph.add((uri, DCTERMS.identifier, Literal(territory_obj.code)))
    if box is not None:
        graph.add((uri, DCAT.bbox, bbox_literal(box)))
    return uri
