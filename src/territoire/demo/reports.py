"""The demo's reports (signalements): two services of the city for the public space, five
categories routed to them, and some forty reports across Montpellier in every status, with the
services' messages; then the open dataset. Written through the reports' services; building the
demo again adds nothing."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from territoire.accounts.models import Membership, MembershipRole, User
from territoire.organizations.models import Organization, Service
from territoire.reports import geo
from territoire.reports import services as report_services
from territoire.reports.models import Report
from territoire.reports.vocabularies import DEFAULT_CATEGORIES, ReportStatus

SERVICES = {
    "espace-public": "Direction de l'espace public",
    "proprete": "Direction de la propreté urbaine",
}
ROUTES = {"voirie": "espace-public", "eclairage": "espace-public",
          "mobilier-urbain": "espace-public", "proprete": "proprete",
          "espaces-verts": "proprete"}  # fmt: skip
TEXTS = {
    "voirie": ["Nid-de-poule profond au milieu de la chaussée, dangereux pour les vélos.",
               "Trottoir soulevé par des racines, une poussette ne passe plus.",
               "Marquage du passage piéton presque effacé devant l'école."],
    "proprete": ["Dépôt sauvage de cartons et d'un matelas au pied des conteneurs.",
                 "Tags sur la façade de la médiathèque.",
                 "Corbeille pleine depuis plusieurs jours, les déchets s'envolent."],
    "eclairage": ["Lampadaire éteint depuis une semaine, la rue est très sombre.",
                  "Éclairage allumé en plein jour dans toute la rue."],
    "mobilier-urbain": ["Banc cassé, une planche manque.",
                        "Potelet arraché sur le trottoir, des voitures s'y garent."],
    "espaces-verts": ["Branche cassée qui pend au-dessus de l'aire de jeux.",
                      "Arrosage automatique en panne, la pelouse du square jaunit."],
}  # fmt: skip
ANSWERS = {
    ReportStatus.ACKNOWLEDGED: "Merci. Une équipe est programmée dans les prochains jours.",
    ReportStatus.RESOLVED: "L'intervention a eu lieu : le problème est réglé. Merci de votre aide.",
    ReportStatus.REJECTED: "Cet emplacement relève d'un bailleur privé : nous lui avons transmis "
    "votre signalement.",
}
# The mix of statuses on the map: most recent ones new, older ones handled.
STATUSES = [ReportStatus.NEW] * 12 + [ReportStatus.ACKNOWLEDGED] * 12 + \
    [ReportStatus.RESOLVED] * 14 + [ReportStatus.REJECTED] * 4  # fmt: skip
# Montpellier's centre and its quartiers: points are drawn around these and kept if inside.
CENTRE, SPREAD = (43.6100, 3.8767), (0.022, 0.030)


def _positions(rng: random.Random, count: int) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []
    while len(found) < count:
        lat = CENTRE[0] + rng.uniform(-SPREAD[0], SPREAD[0])
        lon = CENTRE[1] + rng.uniform(-SPREAD[1], SPREAD[1])
        if geo.locate(lon, lat) is not None:
            found.append((round(lat, 6), round(lon, 6)))
    return found


def demo_reports(*, officer: User) -> int:
    """Build the demo's reports; returns how many there are. They are filed by the demo's
    citizen (« citoyen »); the demo's steward (« relais-finances ») becomes a member of the two
    services and answers them."""
    citizen = User.objects.get(username="citoyen")
    handler = User.objects.get(username="relais-finances")
    ville = Organization.objects.get(slug="ville-de-montpellier")
    services = {}
    for slug, name in SERVICES.items():
        services[slug], _ = Service.objects.update_or_create(
            organization=ville, slug=slug, defaults={"name": name}
        )
        Membership.objects.get_or_create(
            user=handler, service=services[slug], defaults={"role": MembershipRole.MEMBER}
        )
    categories = {}
    for position, (code, name, description) in enumerate(DEFAULT_CATEGORIES):
        categories[code] = report_services.category_save(
            actor=officer, code=code, name=name, description=description,
            service=services[ROUTES[code]], position=position,
        )  # fmt: skip
    if Report.objects.exists():
        return Report.objects.count()
    rng = random.Random(15)
    now = timezone.now()
    positions = _positions(rng, len(STATUSES))
    codes = list(categories)
    for index, (status, (lat, lon)) in enumerate(zip(STATUSES, positions, strict=True)):
        code = codes[index % len(codes)]
        checked = report_services.report_check(
            category=categories[code], description=rng.choice(TEXTS[code]),
            latitude=lat, longitude=lon,
        )  # fmt: skip
        report = report_services.report_file(actor=citizen, checked=checked, client=None)
        if status != ReportStatus.NEW:
            report_services.report_answer(
                actor=handler, report=report, status=ReportStatus.ACKNOWLEDGED,
                message=ANSWERS[ReportStatus.ACKNOWLEDGED], notify_followers=False,
            )  # fmt: skip
        if status in (ReportStatus.RESOLVED, ReportStatus.REJECTED):
            report_services.report_answer(
                actor=handler,
                report=report,
                status=status,
                message=ANSWERS[status],
                notify_followers=False,
            )
        # Spread over the last two months, the handled ones older (the demo only).
        age = datetime.timedelta(days=2 + index * 1.4, hours=rng.randint(0, 20))
        Report.objects.filter(pk=report.pk).update(created_at=now - age)
    report_services.reports_dataset_refresh(actor=officer)
    return Report.objects.count()
