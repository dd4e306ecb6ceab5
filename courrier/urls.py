from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from courrier import branding, health
from courrier.views import (
    absences,
    actions,
    contacts,
    folders,
    following,
    mail,
    outgoing,
    password,
    qualify,
    register,
    registers,
    system,
    write,
)
from courrier.views.signin import SignInView

urlpatterns = [
    path("login/", SignInView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password.PasswordChange.as_view(), name="password_change"),
    path("healthz", health.healthz, name="healthz"),
    path("brand/logo", branding.organisation_logo, name="organisation_logo"),
    path("", mail.home, name="home"),
    path("baskets/<slug:code>/", mail.basket_list, name="basket"),
    path("baskets/<slug:code>/batch/", actions.basket_batch, name="basket_batch"),
    path("mails/new/", register.register_without_file, name="register_without_file"),
    path("mails/write/", write.write_mail, name="write_mail"),
    path("mails/<int:pk>/", mail.mail_detail, name="mail_detail"),
    path("mails/<int:pk>/file/<slug:kind>/", mail.mail_file, name="mail_file"),
    path("mails/<int:pk>/qualify/", qualify.qualify, name="qualify"),
    path("mails/<int:pk>/qualify/defaults/", qualify.qualify_defaults, name="qualify_defaults"),
    path("mails/<int:pk>/actions/<slug:code>/", actions.mail_action, name="mail_action"),
    path("mails/<int:pk>/release/", actions.release_lock, name="release_lock"),
    path("mails/<int:pk>/lock/", mail.lock_status, name="lock_status"),
    path("mails/<int:pk>/lock/take/", actions.take_over_lock, name="take_over_lock"),
    path("mails/<int:pk>/notes/", actions.add_note, name="add_note"),
    path(
        "mails/<int:pk>/diffusion/template/",
        actions.apply_diffusion_template,
        name="apply_diffusion_template",
    ),
    path(
        "mails/<int:pk>/diffusion/<int:entry>/remove/",
        actions.remove_diffusion,
        name="remove_diffusion",
    ),
    path("mails/<int:pk>/attachments/", actions.add_attachment, name="add_attachment"),
    path(
        "mails/<int:pk>/attachments/<int:attachment>/versions/",
        actions.add_attachment_version,
        name="add_attachment_version",
    ),
    path(
        "mails/<int:pk>/attachments/<int:attachment>/returned/",
        actions.attachment_returned,
        name="attachment_returned",
    ),
    path(
        "attachments/<int:pk>/versions/<int:number>/", mail.attachment_file, name="attachment_file"
    ),
    path(
        "attachments/<int:pk>/versions/<int:number>/pdf/",
        mail.attachment_pdf,
        name="attachment_pdf",
    ),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_edit, name="contact_new"),
    path("contacts/merge/", contacts.contact_merge, name="contact_merge"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/options/", qualify.contact_options, name="contact_options"),
    path("contacts/duplicates/", qualify.contact_duplicates, name="contact_duplicates"),
    path("registers/", registers.register, name="registers"),
    path("following/", following.following, name="following"),
    path("mails/<int:pk>/follow/", following.toggle_follow, name="toggle_follow"),
    path("outgoing/post/", outgoing.post_register, name="post_register"),
    path("folders/", folders.folder_list, name="folders"),
    path("folders/<int:pk>/", folders.folder_detail, name="folder"),
    path("absences/", absences.absences, name="absences"),
    path("system/", system.system_status, name="system_status"),
    path("absences/<int:pk>/cancel/", absences.absence_cancel, name="absence_cancel"),
]
