from __future__ import annotations

from django.urls import path

from templates_office import views

urlpatterns = [
    path("<int:pk>/preview.<slug:fmt>", views.preview, name="template_preview"),
    path("acknowledgments/", views.acknowledgment_batch, name="acknowledgment_batch"),
    path(
        "mails/<int:pk>/acknowledgment.pdf",
        views.acknowledgment_letter,
        name="acknowledgment_letter",
    ),
    path("mails/<int:pk>/attestation.pdf", views.attestation, name="attestation"),
]
