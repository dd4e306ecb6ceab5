"""Contacts: normalisation, duplicate detection and merge."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from courrier.models import Contact, ContactAddress, ContactKind, MailContact, User
from courrier.services.journal import record_event

_LEGAL_FORMS = {"sa", "sas", "sarl", "eurl", "sasu", "sci", "scop", "ste", "societe"}
_STREET_WORDS = {
    "av": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "r": "rue",
    "pl": "place",
    "che": "chemin",
    "chem": "chemin",
    "imp": "impasse",
    "rte": "route",
    "all": "allee",
}


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.findall(r"[a-z0-9]+", folded)


def normalize_name(contact: Contact) -> str:
    if contact.kind == ContactKind.ORGANISATION:
        return " ".join(w for w in _words(contact.organisation_name) if w not in _LEGAL_FORMS)
    # Persons: order-independent, so "Jean DUPONT" and "Dupont Jean" match.
    return " ".join(sorted(_words(f"{contact.first_name} {contact.last_name}")))


def normalize_address(contact: Contact) -> str:
    words = [_STREET_WORDS.get(w, w) for w in _words(contact.address_line1)]
    return " ".join([*words, *_words(contact.postcode)])


def refresh_normalized(contact: Contact) -> None:
    contact.normalized_name = normalize_name(contact)
    contact.normalized_email = contact.email.strip().casefold()
    contact.normalized_address = normalize_address(contact)


@transaction.atomic
def save_contact(*, actor: User | None, contact: Contact) -> Contact:
    """Create or update a contact with its normalised keys, and journal it."""
    if not (contact.organisation_name or contact.last_name):
        raise ValidationError("A contact needs a last name or an organisation name.")
    created = contact.pk is None
    refresh_normalized(contact)
    contact.save()
    record_event(
        action="contact.created" if created else "contact.changed",
        actor=actor,
        target=contact,
        details={"name": contact.display_name},
    )
    return contact


def find_duplicates(contact: Contact) -> QuerySet[Contact]:
    """Active contacts with the same normalised name and the same e-mail or postal address."""
    refresh_normalized(contact)
    if not contact.normalized_name:
        return Contact.objects.none()
    same_place = Q(pk__in=[])
    if contact.normalized_email:
        same_place |= Q(normalized_email=contact.normalized_email)
    if contact.normalized_address:
        same_place |= Q(normalized_address=contact.normalized_address)
    candidates = Contact.objects.filter(
        same_place, active=True, kind=contact.kind, normalized_name=contact.normalized_name
    )
    return candidates.exclude(pk=contact.pk) if contact.pk else candidates


def find_or_create_contact(*, actor: User | None, candidate: Contact) -> Contact:
    """The existing contact this one duplicates, or the candidate saved as a new contact."""
    return find_duplicates(candidate).first() or save_contact(actor=actor, contact=candidate)


def duplicate_groups() -> list[list[Contact]]:
    """Every group of two or more active contacts that look like the same one."""
    groups: list[list[Contact]] = []
    seen: set[int] = set()
    for contact in Contact.objects.filter(active=True).order_by("pk"):
        if contact.pk in seen:
            continue
        twins = list(find_duplicates(contact).order_by("pk"))
        if twins:
            groups.append([contact, *twins])
            seen.update(c.pk for c in twins)
        seen.add(contact.pk)
    return groups


@transaction.atomic
def merge_contacts(*, actor: User, target: Contact, duplicates: Sequence[Contact]) -> Contact:
    """Move mail links and points of contact to `target`; duplicates become inactive aliases."""
    for duplicate in duplicates:
        if duplicate.pk == target.pk:
            raise ValidationError("A contact cannot be merged into itself.")
        for field in ("email", "phone", "address_line1", "address_line2", "postcode", "city"):
            if not getattr(target, field) and getattr(duplicate, field):
                setattr(target, field, getattr(duplicate, field))
        for link in MailContact.objects.filter(contact=duplicate):
            already = MailContact.objects.filter(mail=link.mail, contact=target, role=link.role)
            if already.exists():
                link.delete()
            else:
                link.contact = target
                link.save(update_fields=["contact"])
        duplicate.addresses.update(contact=target)
        duplicate.active, duplicate.merged_into = False, target
        duplicate.save(update_fields=["active", "merged_into"])
    refresh_normalized(target)
    target.save()
    record_event(
        action="contact.merged",
        actor=actor,
        target=target,
        details={"merged": [d.pk for d in duplicates]},
    )
    return target


def postal_lines(contact: Contact, address: ContactAddress | None = None) -> list[str]:
    """The address block of a letter: organisation, service, person, then the postal lines."""
    place = address if address is not None and address.address_line1 else contact
    person = address if address is not None and address.last_name else contact
    name = " ".join(p for p in (person.first_name, person.last_name) if p)
    lines: list[str] = []
    if contact.kind == ContactKind.ORGANISATION:
        lines.append(contact.organisation_name)
    if address is not None and address.label:
        lines.append(address.label)
    if name:
        lines.append(" ".join(p for p in (person.civility, name) if p))
    return lines + place.address_block()
