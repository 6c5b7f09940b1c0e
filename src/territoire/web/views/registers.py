"""The registers citizens read: the GDPR article 30 register and the register of public
algorithms, each a list, an entry page and its exports. Only the public fields are shown
(``registers.exports``); only published entries for the public."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from territoire.core.errors import NotFound
from territoire.registers import exports, history
from territoire.registers import selectors as registers

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "json": ("application/json; charset=utf-8", "json"),
}


def _download(body: bytes, name: str, fmt: str) -> HttpResponse:
    content_type, ext = FORMATS[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


def registers_home(request):
    return render(request, "web/registers/home.html")


def processing_list(request):
    entries = list(registers.processing_list_for_actor(request.user))
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return _download(exports.as_csv(entries, exports.PROCESSING_COLUMNS), "registre-rgpd", fmt)
    if fmt == "ods":
        body = exports.as_ods(entries, exports.PROCESSING_COLUMNS, "Registre RGPD")
        return _download(body, "registre-rgpd", fmt)
    if fmt:
        raise Http404
    rows = [(e, exports.dpia_verdict(e)) for e in entries]
    return render(request, "web/registers/processing_list.html", {"rows": rows})


def processing_detail(request, slug: str):
    try:
        entry = registers.processing_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    record = exports.as_records([entry], exports.PROCESSING_COLUMNS)[0]
    hidden = {"dpia", "datasets", "reference"}  # said apart, with links
    fields = [
        (c.label, isinstance(record[c.key], list), record[c.key])
        for c in exports.PROCESSING_COLUMNS
        if c.key not in hidden
    ]
    return render(
        request,
        "web/registers/processing_detail.html",
        {
            "entry": entry,
            "fields": fields,
            "verdict": exports.dpia_verdict(entry),
            "algorithms": [a for a in entry.algorithms.all() if a.is_published],
            "history": history.public_history(entry),
        },
    )


def algorithm_list(request):
    entries = list(registers.algorithm_list_for_actor(request.user))
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        body = exports.as_csv(entries, exports.ALGORITHM_COLUMNS)
        return _download(body, "registre-algorithmes", fmt)
    if fmt == "ods":
        body = exports.as_ods(entries, exports.ALGORITHM_COLUMNS, "Algorithmes publics")
        return _download(body, "registre-algorithmes", fmt)
    if fmt == "json":
        return _download(exports.algorithms_json(entries), "registre-algorithmes", fmt)
    if fmt:
        raise Http404
    return render(request, "web/registers/algorithm_list.html", {"entries": entries})


def algorithm_detail(request, slug: str):
    try:
        entry = registers.algorithm_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "web/registers/algorithm_detail.html",
        {
            "entry": entry,
            "mention": exports.explicit_mention(entry, request.build_absolute_uri()),
            "history": history.public_history(entry),
        },
    )
