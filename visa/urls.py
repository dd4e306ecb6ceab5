from __future__ import annotations

from django.urls import path

from visa import book, views

urlpatterns = [
    path("mails/<int:pk>/reply/draft/", views.new_draft, name="reply_draft"),
    path("mails/<int:pk>/reply/convert/", views.retry_conversion, name="reply_convert"),
    path("mails/<int:pk>/reply/circuit/", views.start_circuit, name="reply_circuit"),
    path("mails/<int:pk>/reply/<slug:decision>/", views.decide, name="reply_decide"),
    path("mails/<int:pk>/reply-send/", views.send, name="reply_send"),
    path("mails/<int:pk>/reply-parapheur/", views.to_parapheur, name="reply_parapheur"),
    path("mails/<int:pk>/opinions/ask/", views.ask_opinion, name="ask_opinion"),
    path("mails/<int:pk>/opinions/give/", views.give_opinion, name="give_opinion"),
    path("mails/<int:pk>/opinions/<int:request_id>/recall/", views.recall, name="recall_opinion"),
    path("signing-key/", views.signing_key, name="signing_key"),
    path("book/", book.signature_book, name="signature_book"),
    path("book/decide/", book.signature_book_batch, name="signature_book_batch"),
    path("book/mails/<int:pk>/", book.signature_book_mail, name="signature_book_mail"),
    path("mails/<int:pk>/annotations/", book.annotate_draft, name="annotate_draft"),
]
