"""Reports' services: filing (every refusal writes nothing), answering, following, moderating."""

import pytest
from django.core import mail

from territoire.core.errors import PermissionRefused, TooLarge, ValidationFailed
from territoire.reports import services
from territoire.reports.models import Report, ReportEvent, ReportFollow
from territoire.reports.vocabularies import ModerationState, ReportStatus
from territoire.trust.models import AuditEvent

from .conftest import OUTSIDE, jpeg_with_gps


def _nothing_written(tmp_path):
    assert not Report.objects.exists() and not ReportEvent.objects.exists()
    assert not AuditEvent.objects.filter(object_type="reports.report").exists()
    assert not list((tmp_path / "uploads").rglob("*.jpg"))


def test_filing_finds_the_commune_stores_a_clean_photo_and_follows(file_report, citizen):
    report = file_report(citizen, photo=jpeg_with_gps())
    assert report.commune.code == "34172" and report.status == ReportStatus.NEW
    assert report.photo.name.startswith("reports/photos/") and report.photo.name.endswith(".jpg")
    assert b"SecretCam" not in report.photo.read()
    assert ReportFollow.objects.filter(report=report, user=citizen).exists()
    assert report.events.get().status == ReportStatus.NEW
    event = AuditEvent.objects.get(object_type="reports.report", object_id=str(report.pk))
    assert event.action == "create" and event.actor == citizen


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"position": OUTSIDE}, "latitude"),
        ({"position": ("abc", "3.8")}, "latitude"),
        ({"position": ("43.6", "nan")}, "longitude"),
        ({"description": "court"}, "description"),
        ({"description": "Trou <script>alert(1)</script> ici"}, "description"),
        ({"description": "Voir <img src=x onerror=alert(1)> ici"}, "description"),
        ({"address": "<b>rue</b> de la Loge"}, "address"),
        ({"description": "x" * 2001}, "description"),
        ({"photo": b"GIF89a not a photo"}, "photo"),
    ],
)
def test_bad_input_is_refused_with_its_place_and_nothing_written(
    file_report, citizen, tmp_path, values, where
):
    with pytest.raises(ValidationFailed) as refused:
        file_report(citizen, **values)
    assert refused.value.where == where
    _nothing_written(tmp_path)


def test_oversized_photo_is_refused(file_report, citizen, tmp_path, monkeypatch):
    monkeypatch.setattr("territoire.reports.photos.MAX_BYTES", 1000)
    with pytest.raises(TooLarge):
        file_report(citizen, photo=jpeg_with_gps(300, 300))
    _nothing_written(tmp_path)


def test_anonymous_cannot_file(voirie, tmp_path):
    from django.contrib.auth.models import AnonymousUser

    checked = services.report_check(
        category=voirie, description="Lampadaire cassé rue de la Loge", latitude=43.6085,
        longitude=3.8795,
    )  # fmt: skip
    with pytest.raises(PermissionRefused):
        services.report_file(actor=AnonymousUser(), checked=checked, client="x")
    _nothing_written(tmp_path)


def test_rate_limit_per_account(file_report, citizen, settings):
    settings.TERRITOIRE_REPORT_RATE = "2/3600"
    file_report(citizen)
    file_report(citizen)
    with pytest.raises(services.RateLimitedWrite):
        file_report(citizen)
    assert Report.objects.count() == 2


def test_the_service_answers_and_followers_are_emailed_with_unsubscribe(
    file_report, citizen, steward, django_capture_on_commit_callbacks
):
    report = file_report(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_answer(
            actor=steward, report=report, status=ReportStatus.ACKNOWLEDGED,
            message="Une équipe passe jeudi.",
        )  # fmt: skip
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    (message,) = mail.outbox
    assert message.to == ["citizen@example.fr"]
    assert "Pris en charge" in message.subject and "Une équipe passe jeudi." in message.body
    token = ReportFollow.objects.get(user=citizen).token
    assert f"/signalements/desabonnement/{token}/" in message.extra_headers["List-Unsubscribe"]
    assert token in message.body
    audit = AuditEvent.objects.filter(object_id=str(report.pk), action="update").get()
    assert audit.changes["status"] == ["nouveau", "pris_en_charge"] and audit.actor == steward
    assert services.report_unfollow(token=token) is not None
    assert not ReportFollow.objects.exists()


def test_only_the_service_in_charge_answers(file_report, citizen, agent, other_service, roles):
    report = file_report(citizen)
    for who in ("citizen", "reuser"):
        with pytest.raises(PermissionRefused):
            services.report_answer(actor=roles[who], report=report, status="resolu")
    services.report_answer(actor=agent, report=report, status="resolu")  # member of the service
    services.report_answer(actor=roles["data_officer"], report=report, status="pris_en_charge")
    assert report.events.count() == 3


def test_rejecting_needs_a_reason(file_report, citizen, steward):
    report = file_report(citizen)
    with pytest.raises(ValidationFailed) as refused:
        services.report_answer(actor=steward, report=report, status=ReportStatus.REJECTED)
    assert refused.value.where == "message"
    assert Report.objects.get().status == ReportStatus.NEW and report.events.count() == 1


def test_flags_from_n_people_hide_then_a_moderator_restores(
    file_report, citizen, reuser, agent, steward, settings
):
    settings.TERRITOIRE_REPORT_FLAGS_TO_HIDE = 2
    report = file_report(citizen)
    services.report_flag(actor=reuser, report=report, reason="Propos injurieux", client="a")
    with pytest.raises(ValidationFailed):  # one flag per person
        services.report_flag(actor=reuser, report=report, reason="Encore injurieux", client="b")
    assert Report.objects.get().moderation == ModerationState.VISIBLE
    services.report_flag(actor=agent, report=report, reason="Photo d'une personne", client="c")
    assert Report.objects.get().moderation == ModerationState.PENDING
    with pytest.raises(PermissionRefused):
        services.report_moderate(actor=reuser, report=report, hide=False, reason="non")
    services.report_moderate(actor=steward, report=report, hide=False, reason="Rien d'injurieux")
    restored = Report.objects.get()
    assert restored.moderation == ModerationState.VISIBLE and restored.flag_count == 0
    audit = AuditEvent.objects.filter(object_id=str(report.pk)).order_by("-id").first()
    assert audit.reason == "Rien d'injurieux" and audit.changes["moderation"] == [
        "en_attente",
        "visible",
    ]
