"""The registers' controlled vocabularies: the CNIL's model of the article 30 register, the
EDPB's nine DPIA criteria (WP248 rev.01), the CNIL's list of processing that always needs a DPIA
(délibération n° 2018-327), and the degree of automation of a public algorithm."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalBasis(models.TextChoices):
    """GDPR article 6(1)."""

    CONSENT = "consent", _("consentement de la personne (art. 6-1-a)")
    CONTRACT = "contract", _("exécution d'un contrat (art. 6-1-b)")
    LEGAL_OBLIGATION = "legal_obligation", _("obligation légale (art. 6-1-c)")
    VITAL_INTERESTS = "vital_interests", _("sauvegarde des intérêts vitaux (art. 6-1-d)")
    PUBLIC_TASK = (
        "public_task",
        _("mission d'intérêt public ou exercice de l'autorité publique (art. 6-1-e)"),
    )
    LEGITIMATE_INTERESTS = "legitimate_interests", _("intérêts légitimes (art. 6-1-f)")


class DataCategory(models.TextChoices):
    """The CNIL model's categories of personal data (non-sensitive)."""

    CIVIL_STATUS = "civil_status", _("état civil, identité, données d'identification, images")
    PERSONAL_LIFE = "personal_life", _("vie personnelle (habitudes de vie, situation familiale…)")
    PROFESSIONAL_LIFE = (
        "professional_life",
        _("vie professionnelle (CV, situation professionnelle, formation…)"),
    )
    ECONOMIC = (
        "economic",
        _("informations d'ordre économique et financier (revenus, situation financière…)"),
    )
    CONNECTION = "connection", _("données de connexion (adresse IP, journaux…)")
    LOCATION = "location", _("données de localisation (déplacements, données GPS…)")
    NIR = "nir", _("numéro de sécurité sociale (NIR)")
    OTHER = "other", _("autres catégories (précisées)")


class SensitiveCategory(models.TextChoices):
    """GDPR article 9 (and article 10: offences), as the CNIL model lists them."""

    ORIGIN = "origin", _("origine raciale ou ethnique")
    POLITICS = "politics", _("opinions politiques")
    BELIEFS = "beliefs", _("convictions religieuses ou philosophiques")
    UNION = "union", _("appartenance syndicale")
    GENETIC = "genetic", _("données génétiques")
    BIOMETRIC = "biometric", _("données biométriques aux fins d'identifier une personne")
    HEALTH = "health", _("données concernant la santé")
    SEX_LIFE = "sex_life", _("vie sexuelle ou orientation sexuelle")
    OFFENCES = "offences", _("condamnations pénales ou infractions (art. 10)")


class Safeguard(models.TextChoices):
    """Grounds of a transfer outside the European Union (GDPR chapter V)."""

    ADEQUACY = "adequacy", _("décision d'adéquation de la Commission (art. 45)")
    SCC = "scc", _("clauses contractuelles types (art. 46)")
    BCR = "bcr", _("règles d'entreprise contraignantes (art. 47)")
    CODE = "code", _("code de conduite ou certification (art. 46)")
    DEROGATION = "derogation", _("dérogation pour une situation particulière (art. 49)")


class SecurityMeasure(models.TextChoices):
    """The CNIL model's security measures."""

    ACCESS_CONTROL = "access_control", _("contrôle d'accès des utilisateurs")
    TRACEABILITY = "traceability", _("mesures de traçabilité")
    SOFTWARE = "software", _("mesures de protection des logiciels")
    BACKUP = "backup", _("sauvegarde des données")
    ENCRYPTION = "encryption", _("chiffrement des données")
    PROCESSORS = "processors", _("contrôle des sous-traitants")
    OTHER = "other", _("autres mesures")


class DpiaCriterion(models.TextChoices):
    """The EDPB's nine criteria (WP248 rev.01): two or more, and a DPIA is required."""

    EVALUATION = "evaluation", _("évaluation ou notation, y compris le profilage")
    AUTOMATED_DECISION = (
        "automated_decision",
        _("décision automatisée avec effet juridique ou effet similaire significatif"),
    )
    MONITORING = "monitoring", _("surveillance systématique")
    SENSITIVE = "sensitive", _("données sensibles ou à caractère hautement personnel")
    LARGE_SCALE = "large_scale", _("traitement à grande échelle")
    MATCHING = "matching", _("croisement ou combinaison d'ensembles de données")
    VULNERABLE = (
        "vulnerable",
        _("personnes vulnérables (enfants, patients, demandeurs d'asile, agents…)"),
    )
    INNOVATIVE = "innovative", _("usage innovant ou application de nouvelles technologies")
    PREVENTS_RIGHT = (
        "prevents_right",
        _("traitement empêchant d'exercer un droit ou de bénéficier d'un service ou d'un contrat"),
    )


class CnilMandatory(models.TextChoices):
    """The CNIL's list of kinds of processing for which a DPIA is always required
    (délibération n° 2018-327 du 11 octobre 2018)."""

    HEALTH_INSTITUTIONS = (
        "health_institutions",
        _("données de santé traitées par les établissements de santé ou médico-sociaux"),
    )
    GENETIC = "genetic", _("données génétiques de personnes vulnérables")
    HR_PROFILING = (
        "hr_profiling",
        _("profilage de personnes à des fins de gestion des ressources humaines"),
    )
    EMPLOYEE_MONITORING = (
        "employee_monitoring",
        _("surveillance constante de l'activité des employés"),
    )
    ALERTS = "alerts", _("gestion des alertes et signalements en matière sociale et sanitaire")
    PROFESSIONAL_ALERTS = (
        "professional_alerts",
        _("gestion des alertes et signalements professionnels"),
    )
    SOCIAL_HEALTH = (
        "social_health",
        _("données de santé nécessaires à la constitution d'un entrepôt ou d'un registre"),
    )
    PROFILING_EXCLUSION = (
        "profiling_exclusion",
        _(
            "profilage pouvant aboutir à exclure une personne du bénéfice d'un contrat ou à le suspendre"
        ),
    )
    SHARED_BREACHES = "shared_breaches", _("mutualisation des manquements contractuels constatés")
    EXTERNAL_PROFILING = (
        "external_profiling",
        _("profilage faisant appel à des données de provenance externe"),
    )
    BIOMETRIC = (
        "biometric",
        _("données biométriques aux fins de reconnaissance des personnes vulnérables"),
    )
    SOCIAL_HOUSING = (
        "social_housing",
        _("instruction des demandes et gestion des logements sociaux"),
    )
    SOCIAL_SUPPORT = "social_support", _("accompagnement social ou médico-social des personnes")
    LOCATION_LARGE_SCALE = "location_large_scale", _("données de localisation à large échelle")


class Automation(models.TextChoices):
    """What a public algorithm does in the decision (CRPA R311-3-1-2, 2°)."""

    ASSIST = "assist", _("aide à la décision : un agent décide")
    DECIDE = "decide", _("décision entièrement automatisée")


DPIA_THRESHOLD = 2
