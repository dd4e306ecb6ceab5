from __future__ import annotations

from django.urls import path

from capture import views

urlpatterns = [
    path("upload/", views.upload, name="capture_upload"),
    path("errors/", views.capture_errors, name="capture_errors"),
    path("errors/<int:pk>/retry/", views.retry, name="capture_retry"),
    path("errors/<int:pk>/set-aside/", views.set_aside, name="capture_set_aside"),
    path("errors/<int:pk>/original/", views.input_original, name="capture_input_original"),
    path("separators/", views.separator_sheet, name="separator_sheet"),
]
