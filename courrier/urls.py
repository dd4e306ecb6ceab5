from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from courrier import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("baskets/<slug:code>/", views.basket_list, name="basket"),
    path("mails/<int:pk>/", views.mail_detail, name="mail_detail"),
    path("mails/<int:pk>/file/<slug:kind>/", views.mail_file, name="mail_file"),
    path(
        "attachments/<int:pk>/versions/<int:number>/",
        views.attachment_file,
        name="attachment_file",
    ),
]
