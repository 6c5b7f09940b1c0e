"""The portal's participation pages (included by web/urls.py, in the ``web`` namespace)."""

from django.urls import path

from .views import participants, participation

urlpatterns = [
    path("participer/", participation.hub, name="participation"),
    path("participer/inscription/", participants.signup, name="participant_signup"),
    path("participer/confirmation/<str:token>/", participants.confirm, name="participant_confirm"),
    path(
        "participer/desinscription/<str:token>/",
        participants.unsubscribe,
        name="participant_unsubscribe",
    ),
    path("participer/mon-espace/", participants.account, name="participant_account"),
    path("participer/mon-espace/mes-donnees.json", participants.export, name="participant_export"),
    path("participer/mon-espace/suppression/", participants.delete, name="participant_delete"),
    path("participer/confidentialite/", participants.privacy, name="participation_privacy"),
    path(
        "participer/signaler/<str:kind>/<int:pk>/",
        participants.report_content,
        name="participation_report",
    ),
    path(
        "participer/suivre/<str:kind>/<int:pk>/", participation.follow, name="participation_follow"
    ),
    path("projets/<slug:slug>/", participation.project_detail, name="project"),
    path("projets/<slug:slug>/questions/", participation.project_question, name="project_question"),
    path("consultations/<slug:slug>/", participation.consultation_detail, name="consultation"),
    path("propositions/", participation.proposal_list, name="proposals"),
    path("propositions/nouvelle/", participation.proposal_new, name="proposal_new"),
    path("propositions/<int:pk>/", participation.proposal_detail, name="proposal"),
    path("propositions/<int:pk>/soutien/", participation.proposal_support, name="proposal_support"),
    path(
        "propositions/<int:pk>/commentaires/",
        participation.proposal_comment,
        name="proposal_comment",
    ),
]
