"""Stored journal-export packages hold the personal part of the events they cover: when a
mail's personal data is erased, every stored package covering its events is withdrawn (its
file deleted, the export marked so); the archivist builds a new one, without what was erased."""

from __future__ import annotations

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archives.models import ExportStatus, JournalExport
from courrier.extensions import PersonalDataPlace, register_personal_data_place
from courrier.models import JournalLink, Mail
from courrier.personal_places import destroy_file


def _exports(mail: Mail, removed: dict[str, str]) -> None:
    span = JournalLink.objects.filter(event__mail=mail).aggregate(
        first=Min("position"), last=Max("position")
    )
    if span["first"] is None:
        return
    covering = JournalExport.objects.filter(
        status=ExportStatus.READY, first_seq__lte=span["last"], last_seq__gte=span["first"]
    )
    for export in covering:
        destroy_file(export.file, f"journal export {export.pk}", removed)
        export.status = ExportStatus.WITHDRAWN
        export.error = gettext(
            "Personal data it held was erased on %(day)s: build a new package for this period."
        ) % {"day": date_format(timezone.localdate(), "DATE_FORMAT")}
        export.save(update_fields=["status", "error", "file"])


def register() -> None:
    register_personal_data_place(
        PersonalDataPlace("journal_exports", _("Stored journal exports"), _exports)
    )
