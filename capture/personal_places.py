"""What capture keeps of a person about a mail: what the source handed over (the scanned
letter, the e-mail with its attachments, the web form's request), the options it came with
(the e-mail's sender and subject), the suggestions read from it, the web form's address."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from capture.models import CapturedMail, CaptureInput, WebFormRequest
from courrier.extensions import PersonalDataPlace, register_personal_data_place
from courrier.models import Mail
from courrier.personal_places import destroy_file


def _inputs(mail: Mail, removed: dict[str, str]) -> None:
    inputs = CaptureInput.objects.filter(
        Q(pk__in=CapturedMail.objects.filter(mail=mail).values("input"))
        | Q(pk__in=WebFormRequest.objects.filter(mail=mail).values("input"))
    )
    for received in inputs:
        destroy_file(received.file, f"capture {received.pk}", removed)
        received.file_name, received.source_ref, received.error = "", "", ""
        received.options = {}
        received.save()
    CapturedMail.objects.filter(mail=mail).update(suggestions={}, pages=[])


def _web_form(mail: Mail, removed: dict[str, str]) -> None:
    WebFormRequest.objects.filter(mail=mail).update(email="")


def _held_requests(mails: list[Mail]) -> list[str]:
    return [
        f"{request.tracking_code} ({request.topic.label}) : {request.email}"
        for request in WebFormRequest.objects.filter(mail__in=mails).select_related("topic")
    ]


def register() -> None:
    register_personal_data_place(
        PersonalDataPlace("capture_inputs", _("What the capture sources handed over"), _inputs)
    )
    register_personal_data_place(
        PersonalDataPlace("web_form", _("Web form requests"), _web_form, _held_requests)
    )
