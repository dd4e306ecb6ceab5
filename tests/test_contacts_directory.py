"""The contacts directory: search, a contact's page showing only mail the user may open,
editing through the service (journaled), and the duplicate-merge screen for administrators."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courrier.models import Contact, ContactKind, JournalEvent, MailContact
from courrier.services.contacts import refresh_normalized
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def contact(**fields) -> Contact:
    made = Contact(kind=ContactKind.PERSON, **fields)
    refresh_normalized(made)
    made.save()
    return made


def test_agents_search_the_directory_by_name_or_city(client, agent):
    contact(first_name="Jean", last_name="Dupont", city="Villedieu")
    contact(first_name="Inès", last_name="Garcia", city="Bourg-Neuf")
    client.force_login(agent)
    page = client.get(reverse("contacts"), {"q": "bourg"})
    assert [c.last_name for c in page.context["page"]] == ["Garcia"]
    assert "Inès Garcia" in page.content.decode()
    assert client.get(reverse("contacts")).context["page"].paginator.count == 2


def test_a_contacts_page_lists_only_mail_the_user_may_open(client, org, agent, outsider):
    dupont = contact(first_name="Jean", last_name="Dupont", email="jd@example.org")
    voirie = make_mail(subject="Trottoir", destination_entity=org.voirie, senders=[dupont])
    make_mail(subject="Subvention secrète", destination_entity=org.vasso, senders=[dupont])
    client.force_login(agent)
    page = client.get(reverse("contact", args=[dupont.pk])).content.decode()
    assert "Trottoir" in page and voirie.chrono_number in page
    assert "Subvention secrète" not in page
    client.force_login(outsider)
    page = client.get(reverse("contact", args=[dupont.pk])).content.decode()
    assert "Subvention secrète" in page and "Trottoir" not in page


def test_editing_a_contact_goes_through_the_service_and_the_journal(client, clerk):
    dupont = contact(first_name="Jean", last_name="Dupont")
    client.force_login(clerk)
    url = reverse("contact_edit", args=[dupont.pk])
    form = {"kind": "person", "first_name": "Jean", "last_name": "Dupond", "country": "France"}
    response = client.post(url, form)
    assert response.status_code == 302
    dupont.refresh_from_db()
    assert dupont.last_name == "Dupond" and dupont.normalized_name == "dupond jean"
    assert JournalEvent.objects.filter(action="contact.changed").count() == 1
    # Neither a name nor an organisation: a clear error, nothing saved.
    response = client.post(url, {**form, "last_name": ""})
    assert "nom" in response.content.decode().lower()


def test_creating_a_contact(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("contact_new"),
        {"kind": "organisation", "organisation_name": "Comité des fêtes", "country": "France"},
    )
    created = Contact.objects.get(organisation_name="Comité des fêtes")
    assert response["Location"] == reverse("contact", args=[created.pk])


def test_agents_without_the_right_cannot_edit_and_nobody_but_admins_merges(client, manager):
    dupont = contact(first_name="Jean", last_name="Dupont")
    client.force_login(manager)  # managers read contacts, they do not edit them
    assert client.get(reverse("contact", args=[dupont.pk])).status_code == 200
    assert client.get(reverse("contact_edit", args=[dupont.pk])).status_code == 403
    assert client.get(reverse("contact_merge")).status_code == 403


def test_administrators_merge_duplicates_from_the_screen(client, org, administrator):
    keep = contact(first_name="Jean", last_name="Dupont", email="jd@example.org")
    twin = contact(first_name="jean", last_name="DUPONT", email="JD@example.org")
    other = contact(first_name="Jean", last_name="Dupont", email="autre@example.org")
    mail = make_mail(subject="Trottoir", destination_entity=org.voirie, senders=[twin])
    client.force_login(administrator)
    page = client.get(reverse("contact_merge"))
    groups = page.context["groups"]
    assert [[c.pk for c, _n in group] for group in groups] == [[keep.pk, twin.pk]]
    assert other.pk not in {c.pk for group in groups for c, _n in group}
    response = client.post(
        reverse("contact_merge"), {"target": keep.pk, "duplicates": [twin.pk]}, follow=True
    )
    assert "1 contact(s) fusionné(s)" in response.content.decode()
    twin.refresh_from_db()
    assert not twin.active and twin.merged_into == keep
    assert MailContact.objects.get(mail=mail).contact == keep
    # The old contact's address leads to the one kept.
    assert client.get(reverse("contact", args=[twin.pk]))["Location"] == reverse(
        "contact", args=[keep.pk]
    )
    assert client.get(reverse("contact_merge")).context["groups"] == []


def test_an_agent_merges_two_contacts_she_chose_and_sees_namesakes_to_check(client, org, agent):
    """Two « Mme Gabriel Dupont » with nothing else in common: the duplicates screen found none
    and only administrators could merge. Agents merge the contacts they choose."""
    first = contact(civility="Mme", first_name="Gabriel", last_name="Dupont", city="Villedieu")
    second = contact(civility="Mme", first_name="Gabriel", last_name="Dupont", city="Bourg-Neuf")
    mail = make_mail(subject="Haie", destination_entity=org.voirie, senders=[second])
    client.force_login(agent)
    page = client.get(reverse("contact", args=[first.pk])).content.decode()
    assert "Fusionner avec un autre contact" in page
    screen = client.get(reverse("contact_merge"))
    assert [[c.pk for c, _n in g] for g in screen.context["namesakes"]] == [[first.pk, second.pk]]
    box = re.search(f'name="duplicates" value="{second.pk}"[^>]*>', screen.content.decode())
    assert box is not None and "checked" not in box.group(0)  # a namesake is not ticked
    garbled = client.get(reverse("contact_merge"), {"contacts": [first.pk, "12abc"]})
    assert garbled.status_code == 200 and garbled.context["chosen"] is None
    chosen = client.get(reverse("contact_merge"), {"contacts": [first.pk, second.pk]})
    assert [c.pk for c, _n in chosen.context["chosen"]] == [first.pk, second.pk]
    client.post(reverse("contact_merge"), {"target": first.pk, "duplicates": [second.pk]})
    second.refresh_from_db()
    assert second.merged_into == first and not second.active
    assert MailContact.objects.get(mail=mail).contact == first
    assert JournalEvent.objects.filter(action="contact.merged").exists()
