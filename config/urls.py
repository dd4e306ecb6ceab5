"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # browsers ask for it on every page without a <link rel="icon"> (the admin's)
    path("favicon.ico", RedirectView.as_view(url=static("courrier/favicon.svg")), name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("capture/", include("capture.urls")),
    path("search/", include("indexing.urls")),
    path("templates/", include("templates_office.urls")),
    path("visa/", include("visa.urls")),
    path("settings/", include("administration.urls")),
    path("notifications/", include("notifications.urls")),
    path("statistics/", include("stats.urls")),
    path("archives/", include("archives.urls")),
    path("api/", include("api.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("demarches/", include("capture.sources.webform.urls")),
    path("", include("courrier.urls")),
]
