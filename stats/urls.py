from __future__ import annotations

from django.urls import path

from stats import views

urlpatterns = [
    path("", views.dashboard, name="statistics"),
    path("mails/<slug:code>/", views.figure_mails, name="statistics_mails"),
    path("report.pdf", views.monthly_report, name="statistics_report"),
    path("tables/", views.statistics_tables, name="statistics_tables"),
    path("tables/<slug:code>.<slug:fmt>", views.table_export, name="statistics_export"),
]
