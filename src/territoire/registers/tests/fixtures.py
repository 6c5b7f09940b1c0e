"""Register entries made through the services, for the registers' and the workspace's tests."""

import pytest

from territoire.registers import services


@pytest.fixture
def processing_values():
    """A real-looking entry: the school canteen's registrations (CNIL model fields)."""
    return {
        "name": "Inscriptions à la restauration scolaire",
        "purposes": ["Inscrire les enfants à la cantine", "Facturer les repas aux familles"],
        "legal_bases": ["public_task"],
        "legal_basis_detail": "Code de l'éducation, art. L212-4 ; délibération du 12 mars 2024",
        "data_categories": ["civil_status", "economic"],
        "sensitive_categories": ["health"],
        "people_categories": ["Enfants scolarisés", "Responsables légaux"],
        "recipients": ["Service restauration", "Trésorerie municipale"],
        "transfers": [
            {
                "recipient": "Hébergeur du portail famille",
                "country": "Suisse",
                "safeguard": "adequacy",
            }
        ],
        "retention": [{"category": "Dossier d'inscription", "period": "1 an après la scolarité"}],
        "security_measures": ["access_control", "traceability", "backup"],
        "security_detail": "Bastion SSH sur 10.2.3.4, comptes nominatifs",
        "controller_name": "Ville de Montpellier, représentée par son maire",
        "controller_contact": "1 place Georges Frêche, 34267 Montpellier",
        "dpo_name": "Délégué mutualisé de la Métropole",
        "dpo_contact": "dpo@example.fr",
        "dpia_criteria": ["sensitive", "vulnerable"],
        "internal_notes": "Contrat prestataire à renégocier en 2027",
    }


@pytest.fixture
def make_processing(data_officer, service, processing_values):
    def make(*, actor=None, publish=True, datasets=None, **values):
        merged = {**processing_values, **values}
        return services.processing_create(
            actor=actor or data_officer,
            service=merged.pop("service", service),
            datasets=datasets,
            is_published=publish,
            **merged,
        )

    return make


@pytest.fixture
def algorithm_values():
    return {
        "name": "Attribution des places en crèche",
        "purpose": "Classer les demandes de place en crèche avant la commission d'attribution.",
        "decision": "Attribution d'une place en établissement d'accueil du jeune enfant",
        "legal_basis": "Code de l'action sociale et des familles, art. L214-2 ; règlement de 2023",
        "automation": "assist",
        "parameters": [
            {"name": "Quotient familial", "description": "Tranche de revenus", "weight": 3},
            {"name": "Fratrie déjà accueillie", "description": "", "weight": "1,5"},
            {
                "name": "Domicile dans la commune",
                "description": "Condition d'accès",
                "weight": None,
            },
        ],
        "human_oversight": "La commission d'attribution décide ; le score n'est qu'indicatif.",
        "how_to_contest": "Recours gracieux auprès du maire dans les deux mois.",
        "contact": "petite-enfance@example.fr",
        "internal_notes": "Pondérations revues chaque année",
    }


@pytest.fixture
def make_algorithm(data_officer, service, algorithm_values):
    def make(*, actor=None, publish=True, **values):
        merged = {**algorithm_values, **values}
        return services.algorithm_create(
            actor=actor or data_officer,
            service=merged.pop("service", service),
            is_published=publish,
            **merged,
        )

    return make
