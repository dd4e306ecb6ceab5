from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courrier.models import Contact, ContactAddress, ContactKind, JournalEvent, MailContact
from courrier.services.contacts import (
    duplicate_groups,
    find_duplicates,
    merge_contacts,
    save_contact,
)
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def person(**fields) -> Contact:
    return save_contact(actor=None, contact=Contact(kind=ContactKind.PERSON, **fields))


def test_duplicate_found_despite_case_accents_order_and_street_abbreviation():
    original = person(
        first_name="Hélène", last_name="Lefèvre", address_line1="4 avenue Foch", postcode="33000"
    )
    candidate = Contact(
        kind=ContactKind.PERSON,
        first_name="LEFEVRE",
        last_name="helene",
        address_line1="4, av. Foch",
        postcode="33000",
    )
    assert list(find_duplicates(candidate)) == [original]


def test_same_email_with_other_case_is_a_duplicate():
    original = person(first_name="Jean", last_name="Dupont", email="Jean.Dupont@Example.org")
    candidate = Contact(
        kind=ContactKind.PERSON,
        first_name="Jean",
        last_name="Dupont",
        email="jean.dupont@example.org",
    )
    assert list(find_duplicates(candidate)) == [original]


def test_namesakes_elsewhere_are_not_duplicates():
    person(first_name="Jean", last_name="Dupont", email="a@example.org", address_line1="1 rue A")
    other = Contact(
        kind=ContactKind.PERSON,
        first_name="Jean",
        last_name="Dupont",
        email="b@example.org",
        address_line1="9 rue B",
    )
    assert list(find_duplicates(other)) == []


def test_organisations_match_without_their_legal_form():
    org = save_contact(
        actor=None,
        contact=Contact(
            kind=ContactKind.ORGANISATION,
            organisation_name="Lumière Services SARL",
            email="compta@lumiere.example",
        ),
    )
    twin = Contact(
        kind=ContactKind.ORGANISATION,
        organisation_name="LUMIERE SERVICES",
        email="compta@lumiere.example",
    )
    assert list(find_duplicates(twin)) == [org]


def test_merge_moves_mail_and_points_of_contact_and_keeps_an_alias(administrator):
    keep = person(first_name="Jean", last_name="Dupont", email="jd@example.org")
    twin = person(first_name="DUPONT", last_name="Jean", email="jd@example.org", phone="0102030405")
    ContactAddress.objects.create(contact=twin, label="Bureau")
    mail_a = make_mail(senders=[twin])
    mail_b = make_mail(senders=[keep, twin])
    assert [len(g) for g in duplicate_groups()] == [2]

    merge_contacts(actor=administrator, target=keep, duplicates=[twin])

    keep.refresh_from_db()
    twin.refresh_from_db()
    assert set(MailContact.objects.values_list("mail", "contact")) == {
        (mail_a.pk, keep.pk),
        (mail_b.pk, keep.pk),
    }
    assert keep.phone == "0102030405"
    assert keep.addresses.count() == 1
    assert (twin.active, twin.merged_into) == (False, keep)
    assert duplicate_groups() == []
    assert JournalEvent.objects.filter(action="contact.merged", object_id=str(keep.pk)).exists()


def test_a_contact_cannot_be_merged_into_itself(administrator):
    keep = person(last_name="Seul")
    with pytest.raises(ValidationError):
        merge_contacts(actor=administrator, target=keep, duplicates=[keep])


def test_managers_do_not_merge_contacts(manager):
    """The mail room, agents and administrators merge; managers read contacts only."""
    keep, twin = person(last_name="Seul"), person(last_name="Seul")
    with pytest.raises(PermissionDenied):
        merge_contacts(actor=manager, target=keep, duplicates=[twin])


def test_a_contact_needs_a_name():
    with pytest.raises(ValidationError):
        person(email="nobody@example.org")
