"""Webhooks against a real HTTP receiver on a loopback port: signed payloads of the mail's life,
the entity scope, retries with backoff after a refusal, the log and its resend."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from api import webhooks
from api.models import DeliveryState, WebhookDelivery, WebhookSubscription
from courrier.models import MailStatus
from courrier.services.mail import close_mail
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP server in a thread of the test process, answering the codes it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.redirect_to = ""  # a Location for 3xx answers
        self.body = b""  # the answer's body (else "merci" or "indisponible")
        self.on_post: list = []  # called with the request's headers before answering
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                for call in receiver.on_post:
                    call(dict(self.headers))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.end_headers()
                self.wfile.write(receiver.body or (b"merci" if code < 400 else b"indisponible"))

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: object, client_address: object) -> bool:
                receiver.connections += 1  # every connection, whatever is sent on it
                return True

        self.connections = 0
        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bannette"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    with Receiver() as running:
        # a receiver on this machine, on purpose: its origin is allowed (api.outbound)
        settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS = [running.url.rsplit("/", 1)[0]]
        yield running


def test_a_closed_mail_is_posted_signed_within_the_scope(receiver, org, agent):
    hook = WebhookSubscription.objects.create(
        name="Logiciel métier", url=receiver.url, events=["mail.closed"], entity=org.st
    )
    voirie = make_mail(
        subject="Nid-de-poule",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    elsewhere = make_mail(
        subject="Subvention",
        destination_entity=org.vasso,
        override={"status": MailStatus.IN_PROGRESS},
    )
    close_mail(actor=agent, mail=voirie)
    make_mail(subject="Autre", destination_entity=org.voirie)  # registered: not asked for
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["X-Bannette-Event"] == "mail.closed"
    expected = hmac.new(
        hook.secret.encode(), headers["X-Bannette-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Bannette-Signature"] == f"sha256={expected}"
    sent = json.loads(body)
    assert (
        sent["mail"]["chrono_number"] == voirie.chrono_number and sent["mail"]["status"] == "closed"
    )
    assert not WebhookDelivery.objects.filter(payload__mail__id=elsewhere.pk).exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_code, delivery.response_body) == (
        DeliveryState.DELIVERED,
        200,
        "merci",
    )


def test_a_refusal_is_retried_later_and_can_be_resent(receiver, org, agent):
    WebhookSubscription.objects.create(name="Portail", url=receiver.url, events=["mail.closed"])
    receiver.answers = [503]
    mail = make_mail(
        subject="Éclairage",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    close_mail(actor=agent, mail=mail)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_code, delivery.attempts) == (
        DeliveryState.PENDING,
        503,
        1,
    )
    assert delivery.next_attempt_at > timezone.now()  # backoff: not before a minute
    assert webhooks.send_due() == 0  # not due yet
    assert webhooks.resend([delivery]) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and len(receiver.received) == 2


def test_confidential_mail_never_leaves(receiver, org, agent):
    WebhookSubscription.objects.create(name="Portail", url=receiver.url, events=["mail.closed"])
    secret = make_mail(
        subject="Confidentiel",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS, "confidential": True},
    )
    close_mail(actor=agent, mail=secret)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_the_delivery_is_written_with_the_change_and_posted_with_no_row_locked(
    receiver, org, agent
):
    """An outbox: the delivery row is written inside the change's transaction (none is left by
    a change rolled back, nothing is sent for it); once committed, the POST runs with the row
    free (the receiver's own connection locks it without waiting while it answers)."""
    from django.db import DatabaseError, connection, transaction

    WebhookSubscription.objects.create(name="Portail", url=receiver.url, events=["mail.closed"])
    kept, undone = (
        make_mail(
            subject=subject, destination_entity=org.voirie, override={"status": "in_progress"}
        )
        for subject in ("Gardé", "Annulé")
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        close_mail(actor=agent, mail=undone)
        assert WebhookDelivery.objects.filter(payload__mail__id=undone.pk).exists()
        raise RuntimeError("the change fails after its event")
    assert not WebhookDelivery.objects.exists() and receiver.received == []

    seen: list[str] = []

    def lock_it(headers: dict[str, str]) -> None:
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update(nowait=True).get(
                    pk=int(headers["X-Bannette-Delivery"])
                )
            seen.append("free")
        except DatabaseError:
            seen.append("locked")
        finally:
            connection.close()

    receiver.on_post.append(lock_it)
    close_mail(actor=agent, mail=kept)
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["mail"]["id"] == kept.pk
    assert seen == ["free"]
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 1
