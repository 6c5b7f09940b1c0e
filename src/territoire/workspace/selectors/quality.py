"""The quality score of a dataset, 0–100, with its breakdown in words and what to do to improve
it. One function computes it (``quality_score``), whether for one dataset's page
(``dataset_quality``) or for the whole inventory (``selectors.inventory``), so the number is the
same everywhere.

Four criteria, their weights chosen so that what a relay controls most (the description and the
columns) counts most:

- metadata completeness (40): the DCAT-AP fields a reuser needs (description, keywords, themes,
  licence, frequency, territory, contact, period covered, steward), equal shares;
- freshness (20): the served version is younger than its frequency allows;
- schema conformity (20): the served version conforms to its declared schema (no schema: half,
  since many datasets have no standard schema to follow);
- documented columns (20): the share of the served version's columns with a label or a
  description.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.catalog.models import ColumnDescription, Dataset
from territoire.catalog.vocabularies import FREQUENCY_DAYS, Frequency
from territoire.lake.models import Conformity, DatasetLake, DatasetVersion

METADATA_POINTS = 40
FRESHNESS_POINTS = 20
SCHEMA_POINTS = 20
COLUMNS_POINTS = 20
MIN_DESCRIPTION_LENGTH = 40


@dataclass
class Criterion:
    """One line of the breakdown: points earned out of ``maximum``, why, what to do."""

    key: str
    label: str
    points: int
    maximum: int
    explanation: str
    advice: list[str] = field(default_factory=list)

    @property
    def is_full(self) -> bool:
        return self.points >= self.maximum


@dataclass
class Quality:
    score: int
    criteria: list[Criterion]

    @property
    def level(self) -> str:
        """A CSS-friendly band: good (80+), fair (50+), poor."""
        if self.score >= 80:
            return "good"
        return "fair" if self.score >= 50 else "poor"

    @property
    def advice(self) -> list[str]:
        return [item for criterion in self.criteria for item in criterion.advice]


def _metadata(dataset: Dataset, theme_count: int, territory_count: int) -> Criterion:
    checks = [
        (
            len((dataset.description or "").strip()) >= MIN_DESCRIPTION_LENGTH,
            _("Rédigez une description d'au moins %(n)s caractères : contenu, origine, usage.")
            % {"n": MIN_DESCRIPTION_LENGTH},
        ),
        (bool(dataset.keywords), _("Ajoutez des mots-clés.")),
        (theme_count > 0, _("Choisissez au moins un thème.")),
        (bool(dataset.licence), _("Choisissez une licence.")),
        (
            dataset.frequency not in {"", Frequency.UNKNOWN},
            _("Indiquez la fréquence de mise à jour."),
        ),
        (territory_count > 0, _("Indiquez le territoire couvert.")),
        (
            bool(dataset.contact_email or dataset.contact_name),
            _("Indiquez un point de contact."),
        ),
        (
            dataset.temporal_start is not None or dataset.temporal_end is not None,
            _("Indiquez la période couverte."),
        ),
        (dataset.steward_id is not None, _("Nommez un relais données.")),
    ]
    filled = sum(1 for ok, _advice in checks if ok)
    points = round(METADATA_POINTS * filled / len(checks))
    return Criterion(
        key="metadata",
        label=str(_("Fiche descriptive")),
        points=points,
        maximum=METADATA_POINTS,
        explanation=str(
            _("%(filled)s champs renseignés sur %(total)s.")
            % {"filled": filled, "total": len(checks)}
        ),
        advice=[str(advice) for ok, advice in checks if not ok],
    )


def _freshness(dataset: Dataset, version: DatasetVersion | None, now) -> Criterion:
    label = str(_("Fraîcheur"))
    days = FREQUENCY_DAYS.get(dataset.frequency)
    if version is None:
        return Criterion(
            "freshness",
            label,
            0,
            FRESHNESS_POINTS,
            str(_("Aucune donnée déposée.")),
            [str(_("Déposez le fichier du jeu de données."))],
        )
    if days is None:
        if dataset.frequency in {Frequency.IRREGULAR, Frequency.NEVER}:
            return Criterion(
                "freshness",
                label,
                FRESHNESS_POINTS,
                FRESHNESS_POINTS,
                str(_("Mis à jour sans calendrier fixe : pas de retard possible.")),
            )
        return Criterion(
            "freshness",
            label,
            FRESHNESS_POINTS // 2,
            FRESHNESS_POINTS,
            str(_("Fréquence de mise à jour inconnue : le retard ne peut pas être mesuré.")),
            [str(_("Indiquez la fréquence de mise à jour."))],
        )
    due = version.created_at + datetime.timedelta(days=days)
    if now > due:
        late = (now - due).days
        return Criterion(
            "freshness",
            label,
            0,
            FRESHNESS_POINTS,
            str(
                _("Mise à jour attendue le %(due)s : %(late)s jour(s) de retard.")
                % {"due": timezone.localtime(due).date().isoformat(), "late": late}
            ),
            [str(_("Déposez une version à jour du fichier."))],
        )
    return Criterion(
        "freshness",
        label,
        FRESHNESS_POINTS,
        FRESHNESS_POINTS,
        str(
            _("À jour : prochaine mise à jour attendue le %(due)s.")
            % {"due": timezone.localtime(due).date().isoformat()}
        ),
    )


def _schema(version: DatasetVersion | None, schema_ref: str) -> Criterion:
    label = str(_("Conformité au schéma"))
    if version is None:
        return Criterion(
            "schema",
            label,
            0,
            SCHEMA_POINTS,
            str(_("Aucune version à valider.")),
            [str(_("Déposez le fichier du jeu de données."))],
        )
    if version.conformity == Conformity.VALID:
        return Criterion(
            "schema",
            label,
            SCHEMA_POINTS,
            SCHEMA_POINTS,
            str(
                _("La version servie est conforme au schéma %(schema)s.")
                % {"schema": version.schema_ref or schema_ref}
            ),
        )
    if version.conformity == Conformity.INVALID:
        return Criterion(
            "schema",
            label,
            0,
            SCHEMA_POINTS,
            str(
                _("La version servie n'est pas conforme au schéma %(schema)s.")
                % {"schema": version.schema_ref or schema_ref}
            ),
            [
                str(
                    _(
                        "Corrigez les erreurs du rapport de validation et déposez le fichier corrigé."
                    )
                )
            ],
        )
    return Criterion(
        "schema",
        label,
        SCHEMA_POINTS // 2,
        SCHEMA_POINTS,
        str(_("Aucun schéma déclaré.")),
        [
            str(
                _(
                    "Si un schéma existe pour ces données (SCDL, schema.data.gouv.fr), "
                    "déclarez-le dans les réglages du fichier."
                )
            )
        ],
    )


def _columns(version: DatasetVersion | None, documented: set[str]) -> Criterion:
    label = str(_("Colonnes documentées"))
    columns = [c.get("id") for c in (version.columns if version is not None else []) or []]
    if not columns:
        return Criterion(
            "columns",
            label,
            0,
            COLUMNS_POINTS,
            str(_("Aucune colonne à documenter.")),
            [str(_("Déposez le fichier du jeu de données."))],
        )
    done = sum(1 for c in columns if c in documented)
    points = round(COLUMNS_POINTS * done / len(columns))
    advice = []
    if done < len(columns):
        advice.append(
            str(
                _("Donnez un libellé ou une description aux %(n)s colonnes qui n'en ont pas.")
                % {"n": len(columns) - done}
            )
        )
    return Criterion(
        "columns",
        label,
        points,
        COLUMNS_POINTS,
        str(
            _("%(done)s colonne(s) documentée(s) sur %(total)s.")
            % {"done": done, "total": len(columns)}
        ),
        advice,
    )


def quality_score(
    dataset: Dataset,
    *,
    version: DatasetVersion | None,
    schema_ref: str,
    documented: set[str],
    theme_count: int,
    territory_count: int,
    now=None,
) -> Quality:
    """The score and its breakdown, from what the caller already read (no query)."""
    now = now or timezone.now()
    criteria = [
        _metadata(dataset, theme_count, territory_count),
        _freshness(dataset, version, now),
        _schema(version, schema_ref),
        _columns(version, documented),
    ]
    return Quality(score=sum(c.points for c in criteria), criteria=criteria)


def documented_columns(dataset_ids: list[int]) -> dict[int, set[str]]:
    """The columns with a label or a description, by dataset."""
    result: dict[int, set[str]] = {}
    rows = (
        ColumnDescription.objects.filter(dataset_id__in=dataset_ids)
        .exclude(label="", description="")
        .values_list("dataset_id", "column")
    )
    for dataset_id, column in rows:
        result.setdefault(dataset_id, set()).add(column)
    return result


def dataset_quality(dataset: Dataset) -> Quality:
    """The quality of one dataset (its workspace page)."""
    lake = DatasetLake.objects.select_related("current_version").filter(dataset=dataset).first()
    return quality_score(
        dataset,
        version=lake.current_version if lake else None,
        schema_ref=lake.schema_ref if lake else "",
        documented=documented_columns([dataset.pk]).get(dataset.pk, set()),
        theme_count=dataset.themes.count(),
        territory_count=dataset.territories.count(),
    )
