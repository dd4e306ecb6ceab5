"""The search index: once the erasure is committed, the mail is indexed again as what is left
of it and the index is optimised, so that no segment keeps the erased words (a deleted
document stays in whoosh's segments until they are merged)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from courrier.extensions import PersonalDataPlace, register_personal_data_place
from courrier.models import Mail
from indexing import services


def _index(mail: Mail, removed: dict[str, str]) -> None:
    mail_id = mail.pk
    transaction.on_commit(lambda: services.purge(mail_id))


def register() -> None:
    register_personal_data_place(PersonalDataPlace("search_index", _("The search index"), _index))
