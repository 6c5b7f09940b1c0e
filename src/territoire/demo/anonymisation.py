"""The demo's anonymised derived dataset: the CCAS's file of beneficiaries (invented people,
``data/ccas-beneficiaires/generate.py``, flagged personal) anonymised by a recorded plan, checked
(k = 11 on age band × sex × commune, l = 2 on the kind of aid) and published as open data
through the publication rule, without a « publier tel quel » decision."""

from __future__ import annotations

from pathlib import Path

from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.lake import services as lake_services
from territoire.lake.selectors import dataset_current_version

DATA = Path(__file__).resolve().parent / "data" / "ccas-beneficiaires"
FILE = DATA / "beneficiaires-aides-facultatives.csv"
SOURCE = "beneficiaires-aides-sociales"
PLAN = [
    {
        "op": "drop",
        "columns": ["nom", "prenom", "telephone", "adresse", "date_de_naissance", "code_commune"],
    },
    {"op": "pseudonymise", "column": "n_dossier", "context": "ccas-aides"},
    {"op": "age_bands", "column": "age", "edges": [18, 35, 55, 70]},
    {
        "op": "rare_categories",
        "column": "commune",
        "min_count": 150,
        "replacement": "Autres communes",
    },
    {"op": "generalise_date", "column": "date_de_la_demande", "to": "month"},
    {"op": "top_code", "column": "montant_accorde", "quantile": 0.99},
]
QUASI_IDENTIFIERS = ["age", "sexe", "commune"]
SENSITIVE = ["aide"]


def demo_spec() -> lake_services.AnonymisationSpec:
    return lake_services.AnonymisationSpec.build(
        plan=PLAN, quasi_identifiers=QUASI_IDENTIFIERS, k=11, l=2, sensitive=SENSITIVE
    )


def demo_anonymisation(*, officer) -> Dataset:
    """Load the file into the personal dataset (unchanged on a second run), anonymise it, open
    the derived dataset and publish it. Idempotent."""
    source = Dataset.objects.get(slug=SOURCE)
    lake_services.dataset_ingest(
        actor=officer, dataset=source, source=FILE, original_name=FILE.name
    )
    current = dataset_current_version(source)
    derived = Dataset.objects.filter(slug=lake_services.derived_slug(source)).first()
    served = dataset_current_version(derived) if derived else None
    if served is None or (served.lineage or {}).get("source", {}).get("version_id") != current.pk:
        derived = lake_services.dataset_anonymise(
            actor=officer, dataset=source, spec=demo_spec()
        ).dataset
    if derived.access_level != "public":
        catalog_services.dataset_update(
            actor=officer, dataset=derived, access_level="public", licence="etalab-2.0"
        )
    if not derived.is_published:
        catalog_services.dataset_publish(
            actor=officer,
            dataset=derived,
            reason="version anonymisée, contrôle de k-anonymat passé",
        )
    return derived
