from __future__ import annotations

from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("bell/", views.bell, name="notification_bell"),
    path("read/", views.mark_read, name="notifications_read"),
    path("preferences/", views.preferences, name="notification_preferences"),
]
