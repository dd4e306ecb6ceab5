"""Webhooks: the mail's life told to integrations, built on the core's domain events.

On each journaled change of a mail whose action an active subscription asks for, and whose
destination entity is within the subscription's entity (and below; confidential mail never
leaves), a delivery row is written **in the change's transaction** (an outbox: a crash after the
commit loses nothing, a change rolled back sends nothing), then POSTed once committed, outside
any transaction or row lock (a delivery is claimed for LEASE first, so two workers never send it
twice and a worker that dies mid-way leaves it to be sent again): JSON, with `X-Bannette-Event`,
`X-Bannette-Delivery`, `X-Bannette-Timestamp` and `X-Bannette-Signature: sha256=<HMAC-SHA256
of "<timestamp>.<body>" with the subscription's secret>`. A 2xx answer delivers it; anything
else is retried with backoff (1, 2, 4... minutes, at most six hours) up to MAX_ATTEMPTS, each
answer's code and start kept in the log, which administrators can resend from. Addresses are
checked when saved and at each connection (api.outbound): never this machine or its network,
no redirect followed.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api import outbound
from api.models import DeliveryState, WebhookDelivery, WebhookSubscription
from courrier.events import MailChanged, subscribe
from courrier.models import Mail, MailStatus
from courrier.selectors import descendant_ids
from notifications.services import backoff, run_soon

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
EVENTS = {
    "mail.registered": _("Mail registered"),
    "mail.qualified": _("Mail qualified"),
    "mail.redirected": _("Mail redirected"),
    "mail.assigned": _("Mail assigned"),
    "mail.closed": _("Mail closed"),
    "mail.reopened": _("Mail reopened"),
    "mail.sent": _("Reply sent"),
    "deadline.implicit_decision_born": _("Implicit decision born"),
}


LEASE = datetime.timedelta(minutes=5)


def connect() -> None:
    subscribe(MailChanged, on_mail_changed, in_transaction=True)


def on_mail_changed(event: MailChanged) -> None:
    if event.action not in EVENTS:
        return
    mail = (
        Mail.objects.select_related("document_type", "destination_entity")
        .filter(pk=event.mail_id)
        .first()
    )
    if mail is None:
        return
    made = []
    for subscription in WebhookSubscription.objects.filter(active=True):
        if event.action not in subscription.events or not _in_scope(subscription, mail):
            continue
        made.append(
            WebhookDelivery.objects.create(
                subscription=subscription, event=event.action, payload=payload(event, mail)
            )
        )
    if made:
        transaction.on_commit(send_soon)


def send_soon() -> None:
    """With a broker a worker posts; embedded, the notifications' sender thread does."""
    from api.tasks import send_webhooks

    run_soon(send_due, send_webhooks, "webhooks")


def payload(event: MailChanged, mail: Mail) -> dict[str, Any]:
    """What the integration is told. Before qualification nobody has decided whether the mail
    is confidential yet: its subject (read by OCR, or an e-mail's Subject) is not told then."""
    return {
        "event": event.action,
        "journal_event": event.seq,
        "occurred_at": timezone.now().isoformat(),
        "mail": {
            "id": mail.pk,
            "chrono_number": mail.chrono_number,
            "subject": None if mail.status == MailStatus.TO_QUALIFY else mail.subject,
            "category": mail.category,
            "status": mail.status,
            "channel": mail.channel,
            "document_type": mail.document_type.code if mail.document_type else None,
            "destination_entity": mail.destination_entity.code if mail.destination_entity else None,
            "arrival_date": mail.arrival_date.isoformat(),
            "due_date": mail.due_date.isoformat() if mail.due_date else None,
            "url": f"{settings.BANNETTE_PUBLIC_URL.rstrip('/')}/mails/{mail.pk}/",
        },
    }


def _in_scope(subscription: WebhookSubscription, mail: Mail | None) -> bool:
    """What a subscription may be told of, now: never confidential mail, only its entities'."""
    if mail is None or mail.confidential:
        return False
    return subscription.entity_id is None or mail.destination_entity_id in descendant_ids(
        [subscription.entity_id]
    )


def _withhold(delivery: WebhookDelivery, mail_id: int | None) -> None:
    """The mail became confidential or left the scope before the delivery went out."""
    delivery.state, delivery.error = DeliveryState.WITHHELD, ""
    delivery.payload = {"event": delivery.event, "mail": {"id": mail_id}}
    delivery.save(update_fields=["state", "error", "payload"])


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send_due(limit: int = 200) -> int:
    """POST the deliveries due now, each on its own; returns how many were delivered."""
    due = WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    return sum(deliver(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))


def deliver(pk: int) -> bool:
    """Send one due delivery: claimed in a short transaction, POSTed with no transaction open
    and no row locked, its answer recorded in another short transaction."""
    claimed = _claim(pk)
    if claimed is None:
        return False
    url, body, headers = claimed
    error, answer = "", None
    try:
        answer = outbound.post(url, body, headers)
    except ValidationError as refused:  # the address leads inside: never connected to
        error = " ".join(refused.messages)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        error = str(exc)[:1000]
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=pk)
        if answer is None:
            _retry_later(delivery, error)
        else:
            delivery.response_code, delivery.response_body = answer.status, answer.excerpt
            if 200 <= answer.status < 300:
                delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, timezone.now()
                delivery.error = ""
            elif 300 <= answer.status < 400:
                _retry_later(
                    delivery,
                    gettext("HTTP %(code)s: redirections are not followed")
                    % {"code": answer.status},
                )
            else:
                _retry_later(delivery, f"HTTP {answer.status}")
        delivery.save()
        return delivery.state == DeliveryState.DELIVERED


def _claim(pk: int) -> tuple[str, bytes, dict[str, str]] | None:
    """Take a due delivery for LEASE (counted as an attempt); what to POST, or None."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=pk, state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if delivery is None:
            return None
        mail_id = (delivery.payload.get("mail") or {}).get("id")
        mail = Mail.objects.filter(pk=mail_id).first() if mail_id is not None else None
        if not _in_scope(delivery.subscription, mail):
            _withhold(delivery, mail_id)
            return None
        body = json.dumps(delivery.payload, ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Bannette-Webhook/1",
            "X-Bannette-Event": delivery.event,
            "X-Bannette-Delivery": str(delivery.pk),
            "X-Bannette-Timestamp": stamp,
            "X-Bannette-Signature": signature(delivery.subscription.secret, stamp, body),
        }
        delivery.attempts += 1
        delivery.response_code, delivery.response_body = None, ""
        delivery.next_attempt_at = timezone.now() + LEASE
        delivery.save(
            update_fields=["attempts", "response_code", "response_body", "next_attempt_at"]
        )
        return delivery.subscription.url, body, headers


def _retry_later(delivery: WebhookDelivery, error: str) -> None:
    delivery.error = error
    delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
    logger.warning("webhook delivery %s failed: %s", delivery.pk, error)


def resend(deliveries: list[WebhookDelivery]) -> int:
    """Send these again now (the log's resend button)."""
    ids = [d.pk for d in deliveries]
    WebhookDelivery.objects.filter(pk__in=ids).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    return sum(deliver(pk) for pk in ids)
