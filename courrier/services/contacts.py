"""Contacts: normalisation, duplicate detection and merge."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

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
        raise ValidationError(_("A contact needs a last name or an organisation name."))
    created = contact.pk is None
    refresh_normalized(contact)
    contact.save()
    record_event(
        action="contact.created" if created else "contact.changed",
        actor=actor,
        target=contact,
        personal={"name": contact.display_name},
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


def matching_contacts(text: str) -> QuerySet[Contact]:
    """Active contacts whose name, organisation, e-mail, city or points of contact hold every word."""
    contacts: QuerySet[Contact] = Contact.objects.filter(active=True)
    for word in text.split():
        contacts = contacts.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(organisation_name__icontains=word)
            | Q(email__icontains=word)
            | Q(city__icontains=word)
            | Q(addresses__label__icontains=word)
            | Q(addresses__last_name__icontains=word)
        )
    return contacts.distinct()


def duplicate_groups() -> list[list[Contact]]:
    """Every group of two or more active contacts that look like the same one.

    Same kind and normalised name, and the same e-mail or postal address as one of the group
    (found from the names shared in one query, not one query per contact).
    """
    by_name = _by_shared_name()
    groups = [group for same in by_name.values() for group in _linked(same)]
    return sorted(groups, key=lambda group: group[0].pk)


def _by_shared_name(limit: int | None = None) -> dict[tuple[str, str], list[Contact]]:
    """Active contacts by (kind, normalised name), for the names two or more of them share
    (found in one query, not one query per contact)."""
    shared = (
        Contact.objects.filter(active=True)
        .exclude(normalized_name="")
        .values("kind", "normalized_name")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("normalized_name")
    )
    names = {(row["kind"], row["normalized_name"]) for row in shared[:limit]}
    candidates = Contact.objects.filter(
        active=True, normalized_name__in={name for _kind, name in names}
    ).order_by("pk")
    by_name: dict[tuple[str, str], list[Contact]] = {}
    for contact in candidates:
        if (contact.kind, contact.normalized_name) in names:
            by_name.setdefault((contact.kind, contact.normalized_name), []).append(contact)
    return by_name


def namesake_groups(
    exclude: Sequence[Sequence[Contact]] = (), limit: int = 50
) -> list[list[Contact]]:
    """Active contacts of the same kind and name that share no e-mail nor address: perhaps the
    same person who moved, perhaps two people. Offered to check, never merged unasked."""
    grouped = {c.pk for group in exclude for c in group}
    by_name = {
        name: [c for c in same if c.pk not in grouped]
        for name, same in _by_shared_name(limit).items()
    }
    return [group for _name, group in sorted(by_name.items()) if len(group) > 1]


def _linked(contacts: list[Contact]) -> list[list[Contact]]:
    """Split contacts of one name into groups sharing an e-mail or an address, transitively."""
    groups: list[list[Contact]] = []
    for contact in contacts:
        keys = {k for k in (contact.normalized_email, contact.normalized_address) if k}
        joined = [g for g in groups if keys & _keys(g)]
        merged = [c for g in joined for c in g] + [contact]
        groups = [g for g in groups if g not in joined] + [merged]
    return [sorted(g, key=lambda c: c.pk) for g in groups if len(g) > 1]


def _keys(group: list[Contact]) -> set[str]:
    return {k for c in group for k in (c.normalized_email, c.normalized_address) if k}


@transaction.atomic
def merge_contacts(*, actor: User, target: Contact, duplicates: Sequence[Contact]) -> Contact:
    """Move mail links and points of contact to `target`; duplicates become inactive aliases."""
    if not actor.has_perm("courrier.merge_contact"):
        raise PermissionDenied(_("Your role does not allow merging contacts."))
    if not duplicates:
        raise ValidationError(_("Choose the contacts to merge into this one."))
    for duplicate in duplicates:
        if duplicate.pk == target.pk:
            raise ValidationError(_("A contact cannot be merged into itself."))
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
