"""What webhooks keep of a mail: each delivery's payload (its subject, among others)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from api.models import WebhookDelivery
from courrier.extensions import PersonalDataPlace, register_personal_data_place
from courrier.models import Mail


def _payloads(mail: Mail, removed: dict[str, str]) -> None:
    for delivery in WebhookDelivery.objects.filter(payload__mail__id=mail.pk):
        delivery.payload = {"event": delivery.event, "mail": {"id": mail.pk}}
        delivery.response_body = ""
        delivery.save(update_fields=["payload", "response_body"])


def register() -> None:
    register_personal_data_place(
        PersonalDataPlace("webhook_payloads", _("Webhook deliveries"), _payloads)
    )
