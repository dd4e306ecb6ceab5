from __future__ import annotations

from django.urls import path

from capture.sources.webform import views

urlpatterns = [
    path("", views.citizen_form, name="citizen_form"),
    path("merci/<str:code>/", views.citizen_thanks, name="citizen_thanks"),
    path("suivi/", views.citizen_tracking, name="citizen_tracking"),
    path("suivi/<str:code>/", views.citizen_tracking, name="citizen_tracking_code"),
]
