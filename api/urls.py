from __future__ import annotations

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import desk, intake, lookup, reference, screens, views

router = DefaultRouter()
router.register("mails", views.MailViewSet, basename="api-mail")
router.register("entities", views.EntityViewSet, basename="api-entity")
router.register("document-types", views.DocumentTypeViewSet, basename="api-document-type")
router.register("baskets", views.BasketViewSet, basename="api-basket")
router.register("contacts", lookup.ContactViewSet, basename="api-contact")
router.register("capture-inputs", intake.CaptureInputViewSet, basename="api-capture-input")

urlpatterns = [
    path("tokens/", screens.my_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", screens.revoke, name="api_token_revoke"),
    path("service-accounts/", screens.service_accounts, name="api_service_accounts"),
    path("service-accounts/<int:pk>/", screens.service_account, name="api_service_account"),
    path("v1/", include(router.urls)),
    path("v1/search/", lookup.SearchView.as_view(), name="api-search"),
    path("v1/statistics/", lookup.StatisticsView.as_view(), name="api-statistics"),
    path("v1/registers/", desk.RegisterView.as_view(), name="api-registers"),
    path("v1/following/", desk.FollowingView.as_view(), name="api-following"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI with its set-up script served apart: the Content-Security-Policy refuses inline
    # scripts (the page stayed blank).
    path(
        "v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html"
        ),
        name="api_docs",
    ),
    path("v1/reference/", reference.reference, name="api_reference"),
    # Redoc (English, inline styles) gave way to the French reference.
    path(
        "v1/redoc/",
        RedirectView.as_view(pattern_name="api_reference", permanent=True),
        name="api_redoc",
    ),
]
