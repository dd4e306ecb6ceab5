"""Webhooks never reach this machine or its network (api.outbound): addresses refused when
saved and again at each connection, no redirect followed, no answer kept beyond its status
and a short excerpt. The receivers are real HTTP servers on loopback ports; the one standing
for an internal service must never be reached."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from api import webhooks
from api.admin import SubscriptionForm
from api.models import DeliveryState, WebhookDelivery, WebhookSubscription
from api.outbound import EXCERPT
from api.tests.test_webhooks import Receiver
from courrier.models import MailStatus
from courrier.services.mail import close_mail
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = [
    ("http://127.0.0.1:5432/", "https://"),
    ("https://127.0.0.1:5432/", "127.0.0.1"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://10.0.0.1/", "10.0.0.1"),
    ("https://172.16.5.4/", "172.16.5.4"),
    ("https://192.168.1.1/", "192.168.1.1"),
    ("https://100.64.0.1/", "100.64.0.1"),
    ("https://0.0.0.0/", "0.0.0.0"),
    ("https://[::1]:8000/", "::1"),
    ("https://[fe80::1]/", "fe80::1"),
    ("https://[fd00::1]/", "fd00::1"),
    ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
    ("https://localhost/", "localhost"),
    ("https://2130706433/", "URL valide"),  # 127.0.0.1 written as one number
    ("ftp://files.example.org/", "https://"),
    ("https://user:secret@hooks.example.org/", "mot de passe"),
    ("file:///etc/passwd", "URL valide"),
]


def form(url: str) -> SubscriptionForm:
    return SubscriptionForm(
        data={"name": "Essai", "url": url, "events": ["mail.closed"], "secret": "s", "active": "on"}
    )


@pytest.mark.parametrize(("url", "named"), REFUSED)
def test_the_administration_refuses_addresses_inside(url, named):
    submitted = form(url)
    assert not submitted.is_valid()
    assert named in " ".join(str(e) for e in submitted.errors["url"]), submitted.errors


def test_an_allowed_origin_is_accepted_and_nothing_else_on_that_host(settings):
    settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS = ["http://127.0.0.1:8765"]
    assert form("http://127.0.0.1:8765/bannette").is_valid()
    assert not form("http://127.0.0.1:8766/bannette").is_valid()  # another port: refused


def test_the_admin_screen_shows_the_reason(admin_client):
    assert site.is_registered(WebhookSubscription)
    page = admin_client.post(
        reverse("admin:api_webhooksubscription_add"),
        {
            "name": "Vol",
            "url": "https://169.254.169.254/",
            "events": ["mail.closed"],
            "secret": "s",
        },
    )
    assert page.status_code == 200 and "169.254.169.254" in page.content.decode()
    assert not WebhookSubscription.objects.exists()


@pytest.fixture
def internal():
    """A service of the machine's own network: must never receive anything."""
    with Receiver() as running:
        yield running


def closed_mail(org, agent):
    mail = make_mail(
        subject="Éclairage",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    close_mail(actor=agent, mail=mail)


def test_an_address_saved_before_the_rules_is_refused_at_connection(internal, org, agent):
    inside = internal.url.replace("http://", "https://")
    WebhookSubscription.objects.create(name="Ancien", url=inside, events=["mail.closed"])
    closed_mail(org, agent)
    delivery = WebhookDelivery.objects.get()
    assert internal.connections == 0  # never connected to
    assert delivery.state == DeliveryState.PENDING and delivery.response_code is None
    assert "127.0.0.1" in delivery.error


def test_a_name_is_checked_at_connection_as_it_resolves_then(internal, org, agent, settings):
    """The origin allowed is 127.0.0.1's; "localhost" on the same port leads there too, and is
    refused at connection, whatever it was when saved."""
    port = internal.url.split(":")[2].split("/")[0]
    settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS = [f"http://127.0.0.1:{port}"]
    WebhookSubscription.objects.create(
        name="Par nom", url=f"http://localhost:{port}/bannette", events=["mail.closed"]
    )
    closed_mail(org, agent)
    assert internal.connections == 0
    assert "https://" in WebhookDelivery.objects.get().error


def test_a_redirect_is_not_followed_and_the_answer_is_not_kept(internal, org, agent, settings):
    receiver = Receiver()
    receiver.answers = [302]
    receiver.redirect_to = internal.url
    receiver.body = b"x" * 5000
    with receiver:
        settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS = [receiver.url.rsplit("/", 1)[0]]
        WebhookSubscription.objects.create(name="Portail", url=receiver.url, events=["mail.closed"])
        closed_mail(org, agent)
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 1 and internal.connections == 0  # redirect not followed
    assert delivery.state == DeliveryState.PENDING and delivery.response_code == 302
    assert "redirections" in delivery.error
    assert len(delivery.response_body) <= EXCERPT
    assert webhooks.MAX_ATTEMPTS > delivery.attempts == 1
