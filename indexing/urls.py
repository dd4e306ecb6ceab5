from __future__ import annotations

from django.urls import path

from indexing import views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("quick/", views.quick_search, name="quick_search"),
    path("saved/", views.save_search, name="save_search"),
    path("saved/<int:pk>/delete/", views.delete_search, name="delete_search"),
]
