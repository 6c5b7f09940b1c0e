"""The portal's reports (signalements): the public map and list with filters, a report's page
(status timeline, the service's messages, follow, flag abuse), the photo, the form to file one
(point picked on the map with JavaScript, typed coordinates without), and the one-click
unsubscribe. Reads go through the reports' selectors, writes through their services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from territoire.core import ratelimit
from territoire.core.errors import NotFound, TerritoireError
from territoire.reports import photos
from territoire.reports import selectors as report_selectors
from territoire.reports import services as report_services
from territoire.reports.vocabularies import ReportStatus

from .. import maps, picker
from ..boundaries import home_boundaries
from ..report_forms import ReasonForm, ReportForm

PAGE_SIZE = 20
MAP_WIDTH, MAP_HEIGHT = 640, 480
# The map to click without JavaScript (an <input type="image">): drawn at its natural size, so
# that the click's pixel is the drawing's pixel; 360 px fits a phone.
IMAGE_WIDTH, IMAGE_HEIGHT = 360, 270


def _filters(request) -> dict[str, str]:
    """The list's filters, bounded: unknown values are ignored, not echoed into queries."""
    categories = {c.code for c in report_selectors.category_list(active_only=False)}
    areas = {t.code for t in report_selectors.quartier_choices()}
    chosen = {
        "categorie": request.GET.get("categorie", "")[:60],
        "statut": request.GET.get("statut", "")[:20],
        "quartier": request.GET.get("quartier", "")[:32],
    }
    return {
        "categorie": chosen["categorie"] if chosen["categorie"] in categories else "",
        "statut": chosen["statut"] if chosen["statut"] in ReportStatus.values else "",
        "quartier": chosen["quartier"] if chosen["quartier"] in areas else "",
    }


def report_list(request):
    chosen = _filters(request)
    reports = report_selectors.report_list_public(
        category=chosen["categorie"] or None,
        status=chosen["statut"] or None,
        area=chosen["quartier"] or None,
    )
    points = [
        (lon, lat, name)
        for lon, lat, name in reports.values_list("longitude", "latitude", "category__name")
    ]
    feature_map = maps.feature_map(
        points, [], home_boundaries(), width=MAP_WIDTH, height=MAP_HEIGHT,
        tile_url=settings.TERRITOIRE_TILE_URL,
    )  # fmt: skip
    page = Paginator(
        reports.select_related("category", "commune", "quartier").only(
            *report_selectors.LIST_FIELDS
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page", "1")[:6])
    carried = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render(
        request,
        "web/reports/list.html",
        {
            "feature_map": feature_map,
            "page": page,
            "total": len(points),
            "chosen": chosen,
            "carried": carried,
            "categories": report_selectors.category_list(),
            "statuses": ReportStatus.choices,
            "areas": report_selectors.quartier_choices(),
        },
    )


def _report(request, pk: int):
    try:
        return report_selectors.report_get(request.user, pk)
    except NotFound:
        raise Http404 from None


def _detail_context(request, report, **extra) -> dict:
    feature_map = maps.feature_map(
        [(report.longitude, report.latitude, report.category.name)], [], home_boundaries(),
        tile_url=settings.TERRITOIRE_TILE_URL,
    )  # fmt: skip
    return {
        "report": report,
        "events": report_selectors.report_timeline(report),
        "feature_map": feature_map,
        "follow": report_selectors.follow_get(request.user, report),
        "may_handle": report_selectors.may_handle(request.user, report),
        "flag_form": extra.pop("flag_form", None) or ReasonForm(),
        **extra,
    }


def report_detail(request, pk: int):
    report = _report(request, pk)
    report_services.report_read_record(
        actor=request.user, report=report, channel="portail",
        ip_address=ratelimit.client_ip(request),
    )  # fmt: skip
    return render(request, "web/reports/detail.html", _detail_context(request, report))


def report_photo(request, pk: int):
    """The photo under a fixed content type and a name of the platform's choosing."""
    report = _report(request, pk)
    if not report.photo:
        raise Http404
    try:
        handle = report.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photos.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="signalement-{report.pk}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if report.is_visible else "private"
    return response


def _picker(boundaries) -> dict | None:
    """The map to pick a point on (the shared picker: web/picker.py, static picker.js)."""
    return picker.point_picker(boundaries, width=MAP_WIDTH, height=MAP_HEIGHT)


def _image_frame() -> maps.Frame | None:
    points = [p for g, _name in home_boundaries() for p in maps.geometry_points(g)]
    if not points:
        return None
    frame = maps.fit(points, width=IMAGE_WIDTH, height=IMAGE_HEIGHT)
    assert isinstance(frame, maps.Frame)  # no tiles in an image: the plain projection
    return frame


def _number(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw[:20].replace(",", "."))
    except ValueError:
        return None
    return value if low <= value <= high else None


def report_picker_image(request):
    """The communes as an SVG image, with the chosen point when ``lat``/``lon`` are given; the
    form's no-JavaScript map. Drawn by the platform: no script, no outside resource."""
    frame = _image_frame()
    if frame is None:
        raise Http404
    items = [(g, name, None) for g, name in home_boundaries()]
    drawn = maps.svg_map(items, width=IMAGE_WIDTH, height=IMAGE_HEIGHT)
    lat = _number(request.GET.get("lat", ""), -90, 90)
    lon = _number(request.GET.get("lon", ""), -180, 180)
    point = frame.xy(lon, lat) if lat is not None and lon is not None else None
    response = render(
        request,
        "web/reports/picker.svg",
        {"map": drawn, "point": point},
        content_type="image/svg+xml; charset=utf-8",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _clicked(request, categories):
    """The form again after a click on the no-JavaScript map: the point placed, what was typed
    kept, nothing filed."""
    frame = _image_frame()
    x = _number(request.POST.get("carte.x", ""), 0, IMAGE_WIDTH)
    y = _number(request.POST.get("carte.y", ""), 0, IMAGE_HEIGHT)
    values = {k: request.POST.get(k, "") for k in ("category", "description", "address")}
    if frame is not None and x is not None and y is not None:
        latitude = frame.max_lat - (y - frame.off_y) / frame.scale
        longitude = frame.min_lon + (x - frame.off_x) / (frame.kx * frame.scale)
        values["latitude"], values["longitude"] = f"{latitude:.6f}", f"{longitude:.6f}"
        messages.info(request, _where_placed(report_selectors.place_at(latitude, longitude)))
    form = ReportForm(initial=values, categories=categories)
    return _render_new(request, form, 200)


def _where_placed(place) -> str:
    """What the no-JavaScript map tells after a click: the commune and quartier found for the
    point (reverse lookup), or that it is outside the territory."""
    again = _("Si vous aviez choisi une photo, choisissez-la à nouveau.")
    if place is None:
        where = _("Ce point est en dehors du territoire : cliquez à nouveau sur la carte.")
    elif place.quartier is not None:
        where = _(
            "Point placé à %(commune)s, quartier %(quartier)s : vérifiez-le, puis envoyez le "
            "signalement."
        ) % {"commune": place.commune.name, "quartier": place.quartier.name}
    else:
        where = _("Point placé à %(commune)s : vérifiez-le, puis envoyez le signalement.") % {
            "commune": place.commune.name
        }
    return f"{where} {again}"


def _render_new(request, form, status: int):
    initial = form.initial if not form.is_bound else form.data
    lat, lon = initial.get("latitude", ""), initial.get("longitude", "")
    return render(
        request,
        "web/reports/new.html",
        {
            "form": form,
            "picker": _picker(home_boundaries()),
            "image": {"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "lat": lat, "lon": lon},
        },
        status=status,
    )


@login_required
def report_new(request):
    categories = list(report_selectors.category_list())
    if request.method == "POST" and "carte.x" in request.POST:
        return _clicked(request, categories)
    form = ReportForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("website"):
            form.add_error(None, _("Envoi refusé : un champ réservé aux robots a été rempli."))
        else:
            report = _file(request, form, categories)
            if report is not None:
                messages.success(
                    request,
                    _("Merci ! Votre signalement n° %(n)s est enregistré ; vous le suivez.")
                    % {"n": report.pk},
                )
                return redirect("web:report", pk=report.pk)
    return _render_new(request, form, 400 if request.method == "POST" else 200)


def _file(request, form, categories):
    data = form.cleaned_data
    category = next((c for c in categories if c.code == data["category"]), None)
    upload = data.get("photo")
    try:
        checked = report_services.report_check(
            category=category, description=data["description"], address=data["address"],
            latitude=data["latitude"], longitude=data["longitude"],
            photo=upload.read() if upload else None,
        )  # fmt: skip
        return report_services.report_file(
            actor=request.user, checked=checked, client=ratelimit.client_bucket(request)
        )
    except TerritoireError as exc:
        form.refuse(exc)
        return None


@require_POST
@login_required
def report_follow(request, pk: int):
    report = _report(request, pk)
    try:
        report_services.write_throttle(
            actor=request.user, client=ratelimit.client_bucket(request), kind="report-follow"
        )
    except TerritoireError as exc:
        messages.error(request, exc.localized())
        return redirect("web:report", pk=report.pk)
    follow = report_selectors.follow_get(request.user, report)
    if follow is None:
        report_services.report_follow(actor=request.user, report=report)
        messages.success(
            request, _("Vous suivez ce signalement : chaque changement vous sera écrit.")
        )
    else:
        report_services.report_unfollow(token=follow.token)
        messages.success(request, _("Vous ne suivez plus ce signalement."))
    return redirect("web:report", pk=report.pk)


@require_POST
def report_flag(request, pk: int):
    report = _report(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            report_services.report_flag(
                actor=request.user, report=report, reason=form.cleaned_data["reason"],
                client=ratelimit.digest(ratelimit.client_bucket(request)),
            )  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Merci : la modération examinera ce contenu."))
            return (
                redirect("web:reports")
                if not _visible(report)
                else redirect("web:report", pk=report.pk)
            )
    context = _detail_context(request, report, flag_form=form, flag_open=True)
    return render(request, "web/reports/detail.html", context, status=400)


def _visible(report) -> bool:
    report.refresh_from_db(fields=["moderation"])
    return report.is_visible


@csrf_exempt  # the link's secret token is the credential (RFC 8058 one-click POST from mail apps)
def report_unsubscribe(request, token: str):
    done = None
    if request.method == "POST":
        done = report_services.report_unfollow(token=token[:64])
        if done is None:
            raise Http404
    return render(
        request,
        "web/reports/unsubscribe.html",
        {
            "token": token[:64],
            "done": done,
            "action": reverse("web:report_unsubscribe", args=[token[:64]]),
        },
    )
