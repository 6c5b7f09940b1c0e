"""The territory's open-data duties and what the catalogue shows of them, per publisher.

Every duty cites its text; nothing here is legal advice beyond what those texts say. A duty with
a Table Schema (the SCDL's) is checked against the catalogue: a dataset of the publisher that
declares the schema, published and public, whose served version conforms and is not late, fulfils
it. Duties without a schema the platform carries are listed « à vérifier »: the platform cannot
tell, and says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import AccessLevel
from territoire.indicators.models import Indicator
from territoire.lake.models import Conformity
from territoire.organizations.models import Organization
from territoire.registers.models import Algorithm

# Open data by default (CRPA art. L312-1-1, written by art. 6 of loi n° 2016-1321 du 7 octobre
# 2016): its last paragraph leaves out « les collectivités territoriales de moins de 3 500
# habitants »; its first leaves out bodies with fewer agents than a decree's threshold, which
# décret n° 2016-1922 du 28 décembre 2016 sets at 50 agents or employees in full-time equivalents.
# Both read in the CADA's opinions 20191789 and 20192116 (cada.data.gouv.fr). An EPCI is not a
# « collectivité territoriale »: only the 50-agent threshold applies to it.
POPULATION_THRESHOLD = 3_500
AGENTS_THRESHOLD = 50

DONE, PARTIAL, MISSING, UNKNOWN = "done", "partial", "missing", "unknown"
NOT_CONCERNED = "not_concerned"
STATUS_LABELS = {
    DONE: _("fait"),
    PARTIAL: _("incomplet"),
    MISSING: _("manquant"),
    UNKNOWN: _("à vérifier"),
    NOT_CONCERNED: _("non concerné"),
}


@dataclass(frozen=True)
class Duty:
    key: str
    title: object
    text: object
    sources: tuple[str, ...]
    schemas: tuple[str, ...] = ()  # bundled schema names (or schema.data.gouv.fr ids)
    is_law: bool = True  # False: a recommendation (the SCDL), not an obligation
    # words in a title that suggest a dataset holds these data without declaring the schema
    hints: tuple[str, ...] = ()
    # the duty binds publishers of more than this many inhabitants only (0: whatever their size)
    above_population: int = 0


DUTIES: tuple[Duty, ...] = (
    Duty(
        key="deliberations",
        title=_("Délibérations"),
        text=_(
            "Les actes réglementaires et les délibérations sont publiés sous forme électronique "
            "sur le site internet de la commune (depuis le 1er juillet 2022). Format recommandé : "
            "schéma SCDL « Délibérations »."
        ),
        sources=(
            "CGCT, art. L2131-1",
            "Ordonnance n° 2021-1310 et décret n° 2021-1311 du 7 octobre 2021",
        ),
        schemas=("scdl-deliberations", "scdl/deliberations"),
        hints=("délibération",),
    ),
    Duty(
        key="subventions",
        title=_("Subventions de plus de 23 000 €"),
        text=_(
            "L'autorité qui attribue une subvention de plus de 23 000 € par an (montant au-delà "
            "duquel une convention est obligatoire) rend accessibles sous forme électronique, dans "
            "un standard ouvert, les données essentielles de la convention, au plus tard trois "
            "mois après sa signature. Format : schéma SCDL « Subventions »."
        ),
        sources=(
            "Loi n° 2000-321 du 12 avril 2000, art. 10",
            "Décret n° 2001-495 du 6 juin 2001, art. 1er (seuil de 23 000 €)",
            "Décret n° 2017-779 du 5 mai 2017",
            "Arrêté du 17 novembre 2017 (format des données)",
        ),
        schemas=("scdl-subventions", "scdl/subventions"),
        hints=("subvention",),
    ),
    Duty(
        key="budget",
        title=_("Budget et documents budgétaires"),
        text=_(
            "Dans les communes de 3 500 habitants et plus, la présentation brève et synthétique "
            "jointe au budget primitif et au compte administratif et le rapport du débat "
            "d'orientation budgétaire sont mis en ligne sur le site internet de la commune dans "
            "le mois qui suit leur adoption. Format recommandé : schéma SCDL « Budget »."
        ),
        sources=(
            "CGCT, art. L2313-1",
            "Décret n° 2016-834 du 23 juin 2016",
        ),
        schemas=("scdl-budget", "scdl/budget"),
        hints=("budget",),
    ),
    Duty(
        key="commande-publique",
        title=_("Données essentielles de la commande publique"),
        text=_(
            "Depuis le 1er janvier 2024, l'acheteur publie les données essentielles de ses "
            "marchés de 40 000 € HT ou plus sur le portail national des données ouvertes "
            "(data.gouv.fr), dans les deux mois qui suivent leur notification. Leur format est "
            "celui du référentiel des données essentielles de la commande publique, que la "
            "plateforme ne porte pas : vérifiez leur publication sur data.gouv.fr."
        ),
        sources=(
            "Code de la commande publique, art. L2196-2 et R2196-1",
            "Arrêté du 22 décembre 2022 relatif aux données essentielles des marchés publics "
            "(modifié le 22 décembre 2023)",
        ),
    ),
    Duty(
        key="adresses",
        title=_("Adresses (Base adresse nationale)"),
        text=_(
            "Le conseil municipal dénomme les voies et lieux-dits, y compris les voies privées "
            "ouvertes à la circulation ; la commune met à disposition ces dénominations et la "
            "numérotation (Base adresse locale), qui alimentent la Base adresse nationale, donnée "
            "de référence. La plateforme ne porte pas le format de la Base adresse locale : "
            "vérifiez sa publication sur adresse.data.gouv.fr."
        ),
        sources=(
            "CGCT, art. L2121-30 (loi n° 2022-217 du 21 février 2022, art. 169)",
            "CRPA, art. L321-4 (données de référence)",
        ),
    ),
    Duty(
        key="hautes-remunerations",
        title=_("Dix plus hautes rémunérations"),
        text=_(
            "Les collectivités de plus de 40 000 habitants publient chaque année sur leur site "
            "internet la somme des dix rémunérations les plus élevées de leurs agents, avec le "
            "nombre de femmes et d'hommes parmi eux (seuil de 80 000 habitants jusqu'en 2022). "
            "Format : schéma « Hautes rémunérations » (schema.data.gouv.fr)."
        ),
        sources=(
            "Code général de la fonction publique, art. L716-1",
            "Loi n° 2019-828 du 6 août 2019, art. 37 ; loi n° 2023-623 du 19 juillet 2023, art. 10",
        ),
        schemas=("hautes-remunerations", "etalab/schema-hautes-remunerations"),
        hints=("rémunération",),
        above_population=40_000,
    ),
    Duty(
        key="equipements",
        title=_("Équipements publics"),
        text=_(
            "Recommandation du socle commun des données locales (SCDL), non une obligation "
            "particulière : liste des équipements publics de la collectivité."
        ),
        sources=("SCDL, schéma « Équipements » (schema.data.gouv.fr)",),
        schemas=("scdl-equipements", "scdl/equipements"),
        hints=("équipement",),
        is_law=False,
    ),
    Duty(
        key="prenoms",
        title=_("Prénoms des nouveau-nés"),
        text=_(
            "Recommandation du socle commun des données locales (SCDL), non une obligation "
            "particulière : prénoms déclarés à l'état civil (sans données personnelles)."
        ),
        sources=("SCDL, schéma « Prénoms » (schema.data.gouv.fr)",),
        schemas=("scdl-prenoms", "scdl/prenoms"),
        hints=("prénom",),
        is_law=False,
    ),
)


@dataclass
class DutyStatus:
    duty: Duty
    status: str
    datasets: list[Dataset] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class PublisherDuties:
    organization: Organization
    population: int | None
    is_concerned: bool | None  # None: population unknown
    published: int
    declared: int
    duties: list[DutyStatus]
    algorithms_published: int


def _gaps(dataset: Dataset, overdue: set[int]) -> list[str]:
    version = getattr(getattr(dataset, "lake", None), "current_version", None)
    gaps = []
    if not (dataset.is_published and dataset.access_level == AccessLevel.PUBLIC):
        gaps.append(str(_("« %(t)s » n'est pas publié en accès public.") % {"t": dataset.title}))
    if version is None:
        gaps.append(str(_("« %(t)s » n'a aucune donnée déposée.") % {"t": dataset.title}))
    elif version.conformity != Conformity.VALID:
        gaps.append(str(_("« %(t)s » n'est pas conforme à son schéma.") % {"t": dataset.title}))
    if dataset.pk in overdue:
        gaps.append(str(_("« %(t)s » est en retard de mise à jour.") % {"t": dataset.title}))
    return gaps


def _status(
    duty: Duty,
    datasets: list[Dataset],
    overdue: set[int],
    candidates: list[Dataset],
    population: int | None,
) -> DutyStatus:
    if duty.above_population and population is not None and population <= duty.above_population:
        return DutyStatus(duty, NOT_CONCERNED)
    if not duty.schemas:
        return DutyStatus(duty, UNKNOWN)
    if not datasets:
        if candidates:
            return DutyStatus(
                duty,
                PARTIAL,
                datasets=candidates,
                gaps=[
                    str(
                        _("« %(t)s » ne déclare pas le schéma attendu (%(s)s).")
                        % {"t": d.title, "s": duty.schemas[0]}
                    )
                    for d in candidates
                ],
            )
        return DutyStatus(
            duty,
            MISSING,
            gaps=[str(_("Aucun jeu de données ne déclare ce schéma."))],
        )
    per_dataset = [(d, _gaps(d, overdue)) for d in datasets]
    if any(not gaps for _d, gaps in per_dataset):
        return DutyStatus(duty, DONE, datasets=datasets)
    return DutyStatus(
        duty, PARTIAL, datasets=datasets, gaps=[g for _d, gaps in per_dataset for g in gaps]
    )


def legal_duties(rows) -> list[PublisherDuties]:
    """Per publisher with datasets in the inventory (``selectors.inventory`` rows, which carry
    the late flag): whether the 3,500-inhabitant rule concerns it, and each duty's status."""
    overdue = {r.dataset.pk for r in rows if r.is_overdue}
    by_publisher: dict[int, list[Dataset]] = {}
    for row in rows:
        by_publisher.setdefault(row.dataset.publisher_id, []).append(row.dataset)
    organizations = Organization.objects.filter(pk__in=by_publisher).select_related("territory")
    algorithms = _published_algorithms_by_organization(list(by_publisher))
    # an indicator's series is computed from other datasets: never the data a duty expects
    series = set(Indicator.objects.filter(series__isnull=False).values_list("series_id", flat=True))
    result = []
    for organization in organizations.order_by("name"):
        datasets = by_publisher[organization.pk]
        territory = organization.territory
        population = territory.population if territory is not None else None
        duties = []
        for duty in DUTIES:
            matching = [d for d in datasets if _schema_of(d) in duty.schemas]
            candidates = [
                d
                for d in datasets
                if d.pk not in series
                and not _schema_of(d)
                and any(h in d.title.lower() for h in duty.hints)
            ]
            duties.append(_status(duty, matching, overdue, candidates, population))
        result.append(
            PublisherDuties(
                organization=organization,
                population=population,
                is_concerned=None if population is None else population >= POPULATION_THRESHOLD,
                published=sum(
                    1 for d in datasets if d.is_published and d.access_level == AccessLevel.PUBLIC
                ),
                declared=len(datasets),
                duties=duties,
                algorithms_published=algorithms.get(organization.pk, 0),
            )
        )
    return result


def _schema_of(dataset: Dataset) -> str:
    lake = getattr(dataset, "lake", None)
    return (lake.schema_ref or "").strip() if lake is not None else ""


def _published_algorithms_by_organization(organization_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for org_id in Algorithm.objects.filter(
        is_published=True, service__organization_id__in=organization_ids
    ).values_list("service__organization_id", flat=True):
        counts[org_id] = counts.get(org_id, 0) + 1
    return counts
