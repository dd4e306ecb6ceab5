from __future__ import annotations

from django.urls import path

from administration import views

urlpatterns = [
    path("", views.index, name="administration"),
    path("<slug:code>/", views.section_list, name="administration_section"),
    path("<slug:code>/new/", views.edit, name="administration_new"),
    path("<slug:code>/<int:pk>/", views.edit, name="administration_edit"),
    path("<slug:code>/<int:pk>/active/", views.toggle_active, name="administration_toggle"),
]
