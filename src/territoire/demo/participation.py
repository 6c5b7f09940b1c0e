"""The demo's participation: two data projects of Montpellier with their transparency sheets
(the defibrillator network, the participatory budget), demo participants, a closed consultation
with published results and an open one, proposals with supports, comments and official answers,
public questions answered, and results linked to an indicator. Written through the
participation services; building the demo again changes nothing once the projects exist."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone
from django.utils.text import slugify

from territoire.accounts.models import Role, User
from territoire.catalog.models import Dataset
from territoire.indicators.models import Indicator
from territoire.participation import services as participation
from territoire.participation.models import InvitationCode, Participant, Project
from territoire.participation.vocabularies import NotificationMode
from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.services import quartier_create
from territoire.trust.services import audited_save

PSEUDONYMS = [
    "Ines_Antigone", "Marc34", "Soleil-Boutonnet", "Yasmine.C", "Paul-Celleneuve", "Nadia_M",
    "Hugo34000", "Chloé-Arceaux", "Samir.B", "Lucie_Mosson", "Thomas-Ecusson", "Aïcha34",
    "Julien_Hopitaux", "Emma.Figuerolles", "Rachid-Millenaire", "Manon_PortMarianne",
    "Noah34080", "Sarah.Beaux-Arts", "Léo-Aiguelongue", "Zoé_Comedie", "Karim.Lemasson",
    "Anaïs-Pompignane", "Bastien34", "Fatou_Ovalie",
]  # fmt: skip

DEFIB = {
    "slug": "reseau-defibrillateurs",
    "title": "Réseau de défibrillateurs",
    "service": "sante-prevention",
    "summary": "Où sont les défibrillateurs de la ville, où en installer de nouveaux, et avec "
    "quel effet sur le délai d'accès en cas d'arrêt cardiaque.",
    "presentation": "Chaque minute sans défibrillation réduit les chances de survie d'un arrêt "
    "cardiaque d'environ **10 %**.\n\nLa Ville publie la liste de ses défibrillateurs "
    "automatisés externes (DAE) et veut compléter le réseau là où le délai d'accès dépasse "
    "4 minutes de marche.\n\n- carte des DAE existants ;\n- concertation sur les lieux "
    "prioritaires ;\n- installation de 40 nouveaux appareils.",
    "purpose": "Réduire le délai d'accès à un défibrillateur dans l'espace public.",
    "processes_personal_data": False,
    "benefits": "Plus de survies après un arrêt cardiaque ; un réseau connu des habitants et des "
    "secours.",
    "risks": "Appareils en panne ou inaccessibles la nuit : contrôle mensuel, horaires publiés "
    "dans le jeu de données ; vol ou dégradation : boîtiers d'alarme.",
    "decision_maker": "Le conseil municipal, sur proposition de la Direction de la prévention et "
    "de la santé.",
    "contact": "sante-prevention@demo.territoire.local",
    "status": "in_progress",
}
BUDGET = {
    "slug": "budget-participatif",
    "title": "Budget participatif",
    "service": "finances",
    "summary": "Une part du budget d'investissement décidée par les habitants : propositions, "
    "vote, réalisation et suivi des dépenses.",
    "presentation": "Les habitants proposent des projets d'intérêt général, la Ville en étudie "
    "la faisabilité, puis les habitants votent. Les dépenses sont suivies dans le budget publié "
    "en données ouvertes.",
    "purpose": "Associer les habitants au choix d'une part des investissements de la Ville.",
    "processes_personal_data": True,
    "personal_data_detail": "Les comptes des participants (adresse électronique, pseudonyme, "
    "commune de résidence) : pour garantir un vote par personne. Ils ne sont jamais publiés ; "
    "les résultats le sont, agrégés.",
    "benefits": "Des investissements proches des besoins ; une dépense publique plus lisible.",
    "risks": "Votes multiples : un compte confirmé par personne et un vote par compte ; "
    "sur-représentation de quelques quartiers : résultats par quartier publiés là où au moins "
    "11 personnes ont répondu.",
    "decision_maker": "Le conseil municipal vote les projets retenus par les habitants.",
    "contact": "finances@demo.territoire.local",
    "status": "in_progress",
}


def _participants(citizen: User | None) -> list[User]:
    users = []
    now = timezone.now()
    for n, pseudonym in enumerate(PSEUDONYMS, 1):
        user = User.objects.filter(username=f"participant-{n:02d}").first()
        if user is None:
            user = User(username=f"participant-{n:02d}", role=Role.CITIZEN,
                        email=f"participant-{n:02d}@demo.territoire.local")  # fmt: skip
            user.set_password(secrets.token_urlsafe(16))
            user.save()
        Participant.objects.get_or_create(user=user, defaults={
            "pseudonym": pseudonym, "email_confirmed_at": now,
            "notification_mode": NotificationMode.NONE})  # fmt: skip
        users.append(user)
    if citizen is not None:
        Participant.objects.get_or_create(user=citizen, defaults={
            "pseudonym": "Léa G.", "email_confirmed_at": now})  # fmt: skip
    return users


def _project(officer, services: dict, spec: dict, territory: Territory) -> Project:
    values = {k: v for k, v in spec.items() if k not in {"slug", "title", "service"}}
    return participation.project_create(
        actor=officer, service=services[spec["service"]], title=spec["title"], slug=spec["slug"],
        territory=territory, is_published=True, **values,
    )  # fmt: skip


def demo_participation(*, officer, services: dict) -> None:
    if Project.objects.filter(slug__in=[DEFIB["slug"], BUDGET["slug"]]).exists():
        return
    montpellier = Territory.objects.get(kind=TerritoryKind.COMMUNE, code="34172")
    people = _participants(User.objects.filter(username="citoyen").first())
    for code in ("MTP-2026-0001", "MTP-2026-0002", "MTP-2026-0003"):
        InvitationCode.objects.get_or_create(code=code, defaults={"note": "Mairie de quartier"})
    today = timezone.localdate()
    day = datetime.timedelta(days=1)

    defib = _project(officer, services, DEFIB, montpellier)
    participation.project_set_links(
        actor=officer, project=defib,
        datasets=list(Dataset.objects.filter(slug="defibrillateurs")),
    )  # fmt: skip
    for kind, start, end in [("concertation", -60, 20), ("conception", 21, 90),
                             ("mise_en_oeuvre", 91, 365), ("evaluation", 366, 730)]:  # fmt: skip
        participation.phase_set(actor=officer, project=defib, kind=kind,
                                starts_on=today + start * day, ends_on=today + end * day)  # fmt: skip
    carte = participation.milestone_add(actor=officer, project=defib,
                                        title="Carte des DAE publiée", due_on=today - 50 * day)  # fmt: skip
    participation.milestone_reach(actor=officer, milestone=carte, reached_on=today - 45 * day)
    participation.milestone_add(actor=officer, project=defib, title="40 nouveaux DAE installés",
                                due_on=today + 300 * day)  # fmt: skip
    participation.project_update(actor=officer, project=defib, progress=25)
    question = participation.question_ask(
        actor=people[0], project=defib, text="Qui vérifie que les défibrillateurs fonctionnent ?"
    )
    participation.question_answer(
        actor=officer, question=question,
        answer="Chaque appareil fait un autotest quotidien ; un technicien de la Ville le "
        "contrôle chaque mois et l'état est mis à jour dans le jeu de données.",
    )  # fmt: skip
    participation.question_ask(actor=people[1], project=defib,
                               text="Les DAE des écoles sont-ils accessibles le soir ?")  # fmt: skip
    participation.consultation_create(
        actor=officer, project=defib, slug="lieux-prioritaires-defibrillateurs",
        title="Où installer les prochains défibrillateurs ?",
        description="Aidez-nous à choisir les lieux prioritaires des 40 prochains appareils.",
        opens_at=timezone.now() - 10 * day, closes_at=timezone.now() + 20 * day,
        questions=[
            {"kind": "single", "label": "Le lieu le plus prioritaire",
             "choices": ["Équipements sportifs", "Écoles", "Arrêts de tramway", "Marchés"]},
            {"kind": "multiple", "label": "Quand l'appareil doit-il être accessible ?",
             "choices": ["En journée", "Le soir", "La nuit", "Le week-end"]},
            {"kind": "scale", "label": "Vous sentiriez-vous capable de l'utiliser ?",
             "scale_min": 1, "scale_max": 5},
            {"kind": "text", "label": "Un lieu précis à proposer ?", "is_required": False},
        ],
    )  # fmt: skip

    budget = _project(officer, services, BUDGET, montpellier)
    participation.project_set_links(
        actor=officer, project=budget,
        datasets=list(Dataset.objects.filter(slug="budget-primitif-2014")),
        indicators=list(Indicator.objects.filter(slug="depenses-budget-primitif-par-habitant")),
    )  # fmt: skip
    for kind, start, end in [("concertation", -200, -120), ("conception", -119, -60),
                             ("mise_en_oeuvre", -59, 300), ("evaluation", 301, 500)]:  # fmt: skip
        participation.phase_set(actor=officer, project=budget, kind=kind,
                                starts_on=today + start * day, ends_on=today + end * day)  # fmt: skip
    vote = participation.milestone_add(actor=officer, project=budget, title="Vote des habitants",
                                       due_on=today - 120 * day)  # fmt: skip
    participation.milestone_reach(actor=officer, milestone=vote, reached_on=today - 120 * day)
    participation.project_update(actor=officer, project=budget, progress=60)
    _closed_consultation(officer, budget, people)
    _proposals(officer, defib, budget, people)


def _closed_consultation(officer, budget: Project, people: list[User]) -> None:
    now = timezone.now()
    consultation = participation.consultation_create(
        actor=officer, project=budget, slug="priorites-budget-participatif",
        title="Vos priorités pour le budget participatif",
        opens_at=now - datetime.timedelta(days=150), closes_at=now + datetime.timedelta(days=1),
        questions=[
            {"kind": "single", "label": "Le thème à financer en premier",
             "choices": ["Nature en ville", "Mobilités douces", "Sport et jeux", "Culture"]},
            {"kind": "ranking", "label": "Classez ces projets",
             "choices": ["Jardins partagés", "Pistes cyclables", "Aires de jeux"]},
            {"kind": "scale", "label": "Satisfaction envers la démarche", "scale_min": 1,
             "scale_max": 5},
            {"kind": "text", "label": "Une remarque ?", "is_required": False},
        ],
    )  # fmt: skip
    questions = list(consultation.questions.all())
    themes = ["Nature en ville", "Mobilités douces", "Sport et jeux", "Culture"]
    rankings = [["Jardins partagés", "Pistes cyclables", "Aires de jeux"],
                ["Pistes cyclables", "Jardins partagés", "Aires de jeux"],
                ["Aires de jeux", "Jardins partagés", "Pistes cyclables"]]  # fmt: skip
    # Two quartiers of Montpellier: 12 answers in one, 11 in the other, 1 without. Showing both
    # would reveal the last one (total − both), so only the larger is detailed.
    quartiers = [
        _quartier(budget.territory, name) for name in ("Montpellier-Centre", "Port-Marianne")
    ]
    for n, user in enumerate(people):
        quartier = quartiers[0] if n < 12 else quartiers[1] if n < 23 else None
        participation.response_submit(actor=user, consultation=consultation, quartier=quartier, answers={
            questions[0].pk: themes[(n * 7) % 5 % 4], questions[1].pk: rankings[n % 3],
            questions[2].pk: 3 + n % 3,
            questions[3].pk: "Plus d'arbres dans les cours d'école." if n % 6 == 0 else "",
        })  # fmt: skip
    for answer in consultation.responses.first().answers.exclude(text=""):
        participation.answer_text_review(actor=officer, answer=answer, decision="approved")
    consultation.closes_at = now - datetime.timedelta(days=120)
    audited_save(actor=officer, instance=consultation, reason="démo : consultation close")
    participation.results_publish(actor=officer, consultation=consultation)


def _quartier(commune: Territory, name: str) -> Territory:
    existing = Territory.objects.filter(
        kind=TerritoryKind.QUARTIER, parent=commune, name=name
    ).first()
    return existing or quartier_create(commune=commune, code=f"34172-{slugify(name)}", name=name)


def _proposals(officer, defib: Project, budget: Project, people: list[User]) -> None:
    stade = participation.proposal_create(
        actor=people[2], project=defib, category="sante", title="Un défibrillateur au stade Philippidès",
        text="Le stade accueille des milliers de coureurs chaque semaine et n'a pas d'appareil "
        "accessible depuis la piste.", latitude=43.6221, longitude=3.8607,
    )  # fmt: skip
    jardins = participation.proposal_create(
        actor=people[3], category="environnement", service=budget.service,
        title="Des jardins partagés dans chaque quartier",
        text="Transformer des délaissés urbains en jardins gérés par des associations d'habitants.",
    )  # fmt: skip
    nuit = participation.proposal_create(
        actor=people[4], project=defib, category="sante", title="Des DAE accessibles la nuit",
        text="Installer les appareils à l'extérieur des bâtiments, dans des boîtiers chauffés.",
    )  # fmt: skip
    piscine = participation.proposal_create(
        actor=people[5], project=budget, category="autre", title="Une piscine olympique de plus",
        text="Construire un nouveau bassin de 50 mètres au nord de la ville.",
    )  # fmt: skip
    for proposal, supporters in [(stade, people[6:20]), (jardins, people[6:15]),
                                 (nuit, people[10:16]), (piscine, people[16:19])]:  # fmt: skip
        for user in supporters:
            participation.proposal_support(actor=user, proposal=proposal)
    first = participation.comment_add(actor=people[7], proposal=stade,
                                      text="Oui ! J'y cours trois fois par semaine.")  # fmt: skip
    participation.comment_add(actor=people[2], proposal=stade, parent=first,
                              text="Merci, c'est exactement pour ça.")  # fmt: skip
    participation.comment_add(actor=people[8], proposal=nuit,
                              text="Et un plan des appareils ouverts la nuit sur le site ?")  # fmt: skip
    participation.proposal_answer(actor=officer, proposal=stade, status="accepted",
                                  answer="Retenue : installation prévue au printemps.")  # fmt: skip
    participation.proposal_answer(actor=officer, proposal=jardins, status="accepted",
                                  project=budget, answer="Retenue : 12 jardins financés.")  # fmt: skip
    participation.proposal_answer(actor=officer, proposal=nuit, status="under_study",
                                  answer="Coût des boîtiers chauffés à l'étude.")  # fmt: skip
    participation.proposal_answer(
        actor=officer, proposal=piscine, status="rejected",
        answer="Non retenue : le coût (environ 25 M€) dépasse l'enveloppe du budget participatif "
        "(2 M€) ; la proposition est transmise au plan pluriannuel d'investissement.",
    )  # fmt: skip
