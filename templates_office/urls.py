from __future__ import annotations

from django.urls import path

from templates_office import views

urlpatterns = [
    path("<int:pk>/preview.<slug:fmt>", views.preview, name="template_preview"),
]
