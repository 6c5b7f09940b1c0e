from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from territoire.accounts.views import LoginView
from territoire.api.api import api

admin.site.site_header = _("Territoire — back-office")
admin.site.site_title = _("Territoire")
admin.site.index_title = _("Administration des données du territoire")

urlpatterns = [
    # The back-office signs in through the portal's login (its limits and audit), not its own form.
    path("admin/login/", LoginView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("territoire.accounts.urls")),
    path("espace/", include("territoire.workspace.urls")),
    path("espace/", include("territoire.lake.urls")),
    path("open311/v2/", include("territoire.reports.urls")),
    path("", include("territoire.interop.urls")),
    path("", include("territoire.web.urls")),
]

# The site's error pages, in its layout and the visitor's language; JSON under /api/.
handler400 = "territoire.web.views.errors.bad_request"
handler403 = "territoire.web.views.errors.permission_denied"
handler404 = "territoire.web.views.errors.page_not_found"
handler500 = "territoire.web.views.errors.server_error"
