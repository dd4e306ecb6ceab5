"""Basket lists people work from: columns, filters, sort, page size remembered, home counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courrier.models import Channel, Entity, MailStatus, Priority
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db


def _in_progress(org, subject, **kwargs):
    override = {"status": MailStatus.IN_PROGRESS, **kwargs.pop("override", {})}
    return make_mail(subject=subject, destination_entity=org.voirie, override=override, **kwargs)


@pytest.fixture
def voirie_mail(org):
    today = timezone.localdate()
    garage = ContactFactory.create(kind="organisation", organisation_name="Garage Martin")
    permit = DocumentTypeFactory.create(label="Permis de stationnement")
    return {
        "late": _in_progress(
            org,
            "Nid-de-poule",
            senders=[garage],
            priority=Priority.URGENT,
            override={"due_date": today - datetime.timedelta(days=2)},
        ),
        "soon": _in_progress(
            org,
            "Trottoir",
            channel=Channel.EMAIL,
            document_type=permit,
            override={"due_date": today + datetime.timedelta(days=1)},
        ),
        "later": _in_progress(
            org, "Éclairage", override={"due_date": today + datetime.timedelta(days=40)}
        ),
    }


def _subjects(response):
    return [m.subject for m in response.context["page"]]


def test_list_shows_sender_channel_and_due_state(client, agent, voirie_mail):
    client.force_login(agent)
    page = client.get(reverse("basket", args=["entity_mail"])).content.decode()
    assert "Garage Martin" in page
    assert "Courriel" in page  # the channel, in French
    assert 'class="due late"' in page and 'class="due due_soon"' in page
    assert "Urgente" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sender": "martin"}, ["Nid-de-poule"]),
        ({"due": "late"}, ["Nid-de-poule"]),
        ({"due": "due_soon"}, ["Trottoir"]),
        ({"due": "on_time"}, ["Éclairage"]),
        ({"priority": "urgent"}, ["Nid-de-poule"]),
        ({"channel": "email"}, ["Trottoir"]),
        ({"q": "clair"}, ["Éclairage"]),
    ],
)
def test_each_filter_narrows_the_list(client, agent, voirie_mail, query, expected):
    client.force_login(agent)
    response = client.get(reverse("basket", args=["entity_mail"]), query)
    assert _subjects(response) == expected


def test_type_and_entity_filters(client, agent, org, voirie_mail):
    client.force_login(agent)
    url = reverse("basket", args=["entity_mail"])
    permit = voirie_mail["soon"].document_type
    assert _subjects(client.get(url, {"document_type": permit.pk})) == ["Trottoir"]
    assert _subjects(client.get(url, {"entity": org.urbanisme.pk})) == []
    page = client.get(url, {"entity": org.voirie.pk})
    assert len(_subjects(page)) == 3
    html = page.content.decode()  # the form shows the filter it applied
    assert f'<option value="{org.voirie.pk}" selected>Voirie</option>' in html
    assert f'<option value="{org.urbanisme.pk}">Urbanisme</option>' in html


def test_sort_by_due_date_and_by_priority(client, agent, voirie_mail):
    client.force_login(agent)
    url = reverse("basket", args=["entity_mail"])
    assert _subjects(client.get(url, {"sort": "due"})) == ["Nid-de-poule", "Trottoir", "Éclairage"]
    assert _subjects(client.get(url, {"sort": "-priority"}))[0] == "Nid-de-poule"


def test_settings_are_remembered_per_user_and_basket_until_cleared(
    client, agent, urbanisme_agent, voirie_mail
):
    url = reverse("basket", args=["entity_mail"])
    client.force_login(agent)
    client.get(url, {"due": "late", "per_page": "50", "sort": "due"})
    again = client.get(url)  # a bare visit, from the home page
    assert _subjects(again) == ["Nid-de-poule"]
    assert again.context["chosen"].page_size == 50
    assert 'name="due"' in again.content.decode() and "open" in again.content.decode()
    # A page link keeps them; another user's view of the same basket is untouched.
    assert _subjects(client.get(url, {"page": "1"})) == ["Nid-de-poule"]
    client.force_login(urbanisme_agent)
    assert client.get(url).context["chosen"].due == ""
    # "Clear filters" forgets them.
    client.force_login(agent)
    assert len(_subjects(client.get(url, {"reset": "1"}))) == 3
    assert len(_subjects(client.get(url))) == 3


def test_invalid_values_fall_back_to_defaults(client, agent, voirie_mail):
    client.force_login(agent)
    url = reverse("basket", args=["entity_mail"])
    response = client.get(url, {"due": "yesterday", "per_page": "7", "sort": "x", "entity": "a"})
    assert response.status_code == 200
    assert len(_subjects(response)) == 3


def test_home_counts_late_and_due_soon(client, agent, voirie_mail):
    client.force_login(agent)
    response = client.get(reverse("home"))
    counts = {b.code: c for b, c in response.context["baskets"]}
    assert counts["entity_mail"] == {"total": 3, "late": 1, "due_soon": 1}
    page = response.content.decode()
    assert "1 en retard" in page and "1 à échéance proche" in page


def test_closed_mail_is_never_counted_late(client, agent, org):
    _in_progress(
        org,
        "Classé",
        override={
            "status": MailStatus.CLOSED,
            "due_date": timezone.localdate() - datetime.timedelta(days=9),
        },
    )
    client.force_login(agent)
    url = reverse("basket", args=["entity_mail"])
    assert client.get(url, {"due": "late"}).context["page"].paginator.count == 0


def test_entities_are_listed_in_the_order_of_the_name_shown(org):
    org.voirie.short_label = "A-Voirie"
    org.voirie.save()
    names = [str(e) for e in Entity.objects.all()]
    assert names == sorted(names)
