"""The e-mails sent to agents about a mail repeat its subject: once its personal data is
erased, the copies kept of those e-mails (the notification's, the digests that listed it) go."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import PersonalDataPlace, register_personal_data_place
from courrier.models import Mail
from notifications.models import EmailDelivery, Notification


def _emails(mail: Mail, removed: dict[str, str]) -> None:
    keys = [
        f"notification:{pk}"
        for pk in Notification.objects.filter(mail=mail).values_list("pk", flat=True)
    ]
    EmailDelivery.objects.filter(key__in=keys).delete()
    if mail.chrono_number:
        EmailDelivery.objects.filter(
            key__startswith="digest:", text__contains=mail.chrono_number
        ).delete()


def register() -> None:
    register_personal_data_place(
        PersonalDataPlace("agent_emails", _("E-mails sent to agents"), _emails)
    )
