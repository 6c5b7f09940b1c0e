"""The demo's staff side: a relay for every service that has datasets (the mobility service keeps
none, so the dashboard shows a service without a relay), a steward on every demo dataset, and its
columns documented. Idempotent: building the demo again changes nothing."""

from __future__ import annotations

from django.db import transaction

from territoire.accounts.models import Membership, MembershipRole, Role, User
from territoire.catalog import services as catalog_services
from territoire.catalog.models import ColumnDescription, Dataset
from territoire.lake.models import DatasetLake
from territoire.organizations.models import Service

# service slug -> (username, first name, last name)
RELAYS = {
    "eau": ("relais-eau", "Sophie", "Lambert"),
    "sante-prevention": ("relais-sante", "Nadia", "Haddad"),
    "social": ("relais-social", "Paul", "Girard"),
}

# dataset slug -> column id -> (label, description, unit)
COLUMNS: dict[str, dict[str, tuple[str, str, str]]] = {
    "budget-primitif-2014": {
        "exercice": ("Exercice", "Année budgétaire du crédit.", ""),
        "i_f": ("Section", "I : investissement, F : fonctionnement.", ""),
        "d_r": ("Sens", "D : dépense, R : recette.", ""),
        "nature": ("Nature", "Compte par nature de la nomenclature comptable M14.", ""),
        "fonction": ("Fonction", "Code de la fonction (présentation fonctionnelle M14).", ""),
        "bp": ("Montant voté", "Crédit inscrit au budget primitif.", "€"),
        "libelle_fonction": ("Libellé de la fonction", "Intitulé de la fonction M14.", ""),
    },
    "deliberations-conseil-municipal": {
        "numero_de_projet_de_deliberation": (
            "Numéro de projet",
            "Numéro du projet de délibération.",
            "",
        ),
        "elu_s": ("Élu(s) rapporteur(s)", "Élus qui rapportent le projet en séance.", ""),
        "direction": ("Direction", "Direction de la collectivité qui porte le projet.", ""),
        "titre": ("Titre", "Objet de la délibération.", ""),
        "etat": ("État", "État du projet dans le circuit de validation.", ""),
        "numero_poseidon": ("Numéro Poséidon", "Identifiant dans le logiciel des actes.", ""),
        "numero_de_deliberation": ("Numéro de délibération", "Numéro de l'acte adopté.", ""),
        "date_cm": ("Date du conseil", "Date de la séance du conseil municipal.", ""),
    },
    "defibrillateurs": {
        "id": ("Identifiant", "Identifiant de l'appareil dans l'inventaire municipal.", ""),
        "nom": ("Établissement", "Nom du bâtiment ou de l'établissement équipé.", ""),
        "adresse": ("Adresse", "Adresse postale de l'établissement.", ""),
        "tel": ("Téléphone", "Standard de l'établissement.", ""),
        "coord_x": ("Longitude", "Coordonnée est-ouest (WGS 84).", "degré"),
        "coord_y": ("Latitude", "Coordonnée nord-sud (WGS 84).", "degré"),
    },
}


def _relay(service: Service, password: str) -> User:
    username, first, last = RELAYS[service.slug]
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.first_name, user.last_name = Role.STEWARD, first, last
    user.email = f"{username}@demo.territoire.local"
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(
        user=user, service=service, defaults={"role": MembershipRole.STEWARD}
    )
    return user


def _documentation(dataset: Dataset) -> dict[str, dict[str, str]]:
    """The dataset's columns to document: the table above, else each column's own label."""
    lake = DatasetLake.objects.select_related("current_version").filter(dataset=dataset).first()
    if lake is None or lake.current_version is None:
        return {}
    known = COLUMNS.get(dataset.slug, {})
    done = set(ColumnDescription.objects.filter(dataset=dataset).values_list("column", flat=True))
    wanted = {}
    for column in lake.current_version.columns or []:
        cid = column.get("id")
        if not cid or cid in done:
            continue
        label, description, unit = known.get(cid, (column.get("label") or cid, "", ""))
        wanted[cid] = {"label": label, "description": description, "unit": unit}
    return wanted


def demo_workspace(*, officer: User, services: dict[str, Service], password: str) -> list[str]:
    """Relays, stewards and column documentation; returns the relays' usernames."""
    with transaction.atomic():
        relays = {slug: _relay(services[slug], password) for slug in RELAYS if slug in services}
    stewards = {
        m.service_id: m.user
        for m in Membership.objects.filter(role=MembershipRole.STEWARD).select_related("user")
    }
    for dataset in Dataset.objects.order_by("pk"):
        if dataset.steward_id is None:
            steward = stewards.get(dataset.publisher_service_id or 0, officer)
            catalog_services.dataset_update(actor=officer, dataset=dataset, steward=steward)
        wanted = _documentation(dataset)
        if wanted:
            catalog_services.column_descriptions_set(
                actor=officer, dataset=dataset, descriptions=wanted
            )
    return [user.username for user in relays.values()]
