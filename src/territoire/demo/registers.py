"""The demo's registers: one processing of personal data (the CCAS's optional social aid) and one
public algorithm (the social water tariff), linked to the demo's datasets. Written through the
registers' services; building the demo again changes nothing."""

from __future__ import annotations

from territoire.catalog.models import Dataset
from territoire.registers import services as register_services
from territoire.registers.models import Algorithm, ProcessingActivity

PROCESSING = {
    "slug": "aides-sociales-facultatives",
    "name": "Instruction des aides sociales facultatives",
    "purposes": [
        "Instruire les demandes d'aides sociales facultatives du CCAS",
        "Verser les aides accordées et en suivre l'emploi",
    ],
    "legal_bases": ["public_task"],
    "legal_basis_detail": "Code de l'action sociale et des familles, art. L123-5 ; règlement "
    "des aides facultatives voté par le conseil d'administration du CCAS.",
    "data_categories": ["civil_status", "personal_life", "economic"],
    "sensitive_categories": ["health"],
    "people_categories": ["Demandeurs d'aide", "Membres de leur foyer"],
    "recipients": ["Agents instructeurs du CCAS", "Commission des aides", "Trésorerie"],
    "transfers": [],
    "retention": [
        {"category": "Dossier de demande", "period": "2 ans après la dernière aide"},
        {"category": "Pièces comptables", "period": "10 ans (archives publiques)"},
    ],
    "security_measures": ["access_control", "traceability", "backup", "encryption"],
    "controller_name": "Centre communal d'action sociale de Montpellier, représenté par son "
    "président",
    "controller_contact": "ccas@demo.territoire.local",
    "dpo_name": "Délégué à la protection des données de la Ville",
    "dpo_contact": "dpo@demo.territoire.local",
    "dpia_criteria": ["sensitive", "vulnerable"],
    "dpia_mandatory": ["social_support"],
    "dpia_reference": "AIPD CCAS-2025-01",
    "is_published": True,
}

ALGORITHM = {
    "slug": "tarification-sociale-eau",
    "name": "Tarification sociale de l'eau",
    "purpose": "Calculer la réduction de la facture d'eau accordée aux foyers à faibles revenus.",
    "decision": "Attribution et montant de la réduction sur la part fixe de la facture d'eau.",
    "legal_basis": "Code général des collectivités territoriales, art. L2224-12-1-1 ; "
    "délibération du conseil de la Métropole.",
    "automation": "assist",
    "parameters": [
        {"name": "Quotient familial", "description": "Revenus du foyer / parts", "weight": 3},
        {"name": "Personnes au foyer", "description": "Nombre d'occupants", "weight": 1},
        {"name": "Abonné de la régie", "description": "Condition d'accès", "weight": None},
    ],
    "human_oversight": "Un agent du CCAS vérifie chaque dossier avant l'envoi à la régie.",
    "how_to_contest": "Recours gracieux auprès du président du CCAS dans les deux mois, puis "
    "recours devant le tribunal administratif de Montpellier.",
    "contact": "ccas@demo.territoire.local",
    "is_published": True,
}


def demo_registers(*, officer, services: dict) -> None:
    social = services["social"]
    datasets = list(Dataset.objects.filter(slug="beneficiaires-aides-sociales"))
    processing = ProcessingActivity.objects.filter(slug=PROCESSING["slug"]).first()
    values = {k: v for k, v in PROCESSING.items() if k != "slug"}
    if processing is None:
        processing = register_services.processing_create(
            actor=officer, service=social, slug=PROCESSING["slug"], datasets=datasets, **values
        )
    else:
        processing = register_services.processing_update(
            actor=officer, entry=processing, service=social, datasets=datasets, **values
        )
    algorithm = Algorithm.objects.filter(slug=ALGORITHM["slug"]).first()
    values = {k: v for k, v in ALGORITHM.items() if k != "slug"}
    links = {"datasets": datasets, "processing_activities": [processing]}
    if algorithm is None:
        register_services.algorithm_create(
            actor=officer, service=social, slug=ALGORITHM["slug"], **links, **values
        )
    else:
        register_services.algorithm_update(
            actor=officer, entry=algorithm, service=social, **links, **values
        )
