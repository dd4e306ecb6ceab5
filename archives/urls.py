from __future__ import annotations

from django.urls import path

from archives import views

urlpatterns = [
    path("journal/", views.journal, name="archives_journal"),
    path("journal/exports/", views.exports, name="archives_exports"),
    path("eliminations/", views.eliminations, name="archives_eliminations"),
    path(
        "eliminations/certificates/<int:pk>/",
        views.certificate_download,
        name="archives_certificate",
    ),
    path("transfers/", views.transfers_screen, name="archives_transfers"),
    path("transfers/<int:pk>/<slug:which>/", views.transfer_file, name="archives_transfer_file"),
    path("personal-data/", views.personal_data, name="archives_personal_data"),
    path("personal-data/<int:pk>/access.zip", views.subject_access, name="archives_subject_access"),
    path("journal/mails/<int:pk>/evidence/", views.mail_evidence, name="archives_mail_evidence"),
    path("journal/exports/<int:pk>/", views.export_download, name="archives_export_download"),
    path("verifier/verify.py", views.verifier_download, name="archives_verifier"),
]
