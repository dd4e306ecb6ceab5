"""The merge fields a template may use: built from a mail, or from sample data for previews.

Templates write them in Jinja syntax, e.g. ``{{ mail.chrono }}``, ``{{ recipient.address }}``,
``{% for line in recipient.address_lines %}{{ line }}{% endfor %}``. ``{{ signature }}`` marks
where the signature stamp goes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from courrier.legal_mentions import legal_mentions, long_date, service_details
from courrier.models import (
    Contact,
    ContactAddress,
    Entity,
    Mail,
    NoticeKind,
    SuspensionReason,
    User,
)
from courrier.services.contacts import postal_lines
from courrier.services.legal import notice_context

SIGNATURE_MARKER = "[signature]"


def french_date(day: datetime.date | None) -> str:
    with override("fr"):
        return long_date(day)


def contact_fields(
    contact: Contact | None, address: ContactAddress | None = None
) -> dict[str, Any]:
    if contact is None:
        return (
            {"salutation": "Madame, Monsieur"}
            | {
                key: ""
                for key in (
                    "civility",
                    "first_name",
                    "last_name",
                    "name",
                    "organisation",
                    "service",
                    "email",
                    "address",
                )
            }
            | {"address_lines": []}
        )
    person = address if address is not None and address.last_name else contact
    name = " ".join(p for p in (person.first_name, person.last_name) if p)
    lines = postal_lines(contact, address)
    return {
        "civility": person.civility,
        "salutation": salutation(person.civility),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "name": name or contact.display_name,
        "organisation": contact.organisation_name,
        "service": address.label if address else "",
        "email": (address.email if address and address.email else contact.email),
        "address_lines": lines,
        "address": "\n".join(lines),
    }


def user_fields(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"name": "", "email": "", "entity": ""}
    return {
        "name": user.get_full_name() or user.username,
        "email": user.email,
        "entity": str(user.primary_entity or ""),
    }


def entity_fields(entity: Entity | None) -> dict[str, Any]:
    """The destination entity for the letterhead, completed from the entities above it."""
    return dict(service_details(entity))


SALUTATIONS = {
    "mme": "Madame",
    "madame": "Madame",
    "m.": "Monsieur",
    "m": "Monsieur",
    "monsieur": "Monsieur",
    "mlle": "Madame",
}


def salutation(civility: str) -> str:
    """How a French letter addresses its reader: "Monsieur", "Madame", else both."""
    return SALUTATIONS.get(civility.strip().lower(), "Madame, Monsieur")


def mail_context(
    mail: Mail,
    *,
    drafter: User | None,
    signatory: User | None = None,
    recipient: tuple[Contact, ContactAddress | None] | None = None,
) -> dict[str, Any]:
    """Everything a template may merge for this mail; the recipient defaults to the sender (to
    the letter's recipient for a letter of the organisation's own)."""
    sender_link = (
        mail.mail_contacts.filter(role="sender").select_related("contact", "address").first()
    )
    sender = (sender_link.contact, sender_link.address) if sender_link else None
    addressee_link = (
        mail.mail_contacts.filter(role="recipient").select_related("contact", "address").first()
    )
    addressee = (addressee_link.contact, addressee_link.address) if addressee_link else None
    to = recipient or (addressee if mail.category == "outgoing" else sender) or sender
    return {
        "mail": {
            "chrono": mail.chrono_number or "",
            "subject": mail.subject,
            "arrival_date": french_date(mail.arrival_date),
            "document_date": french_date(mail.document_date),
            "due_date": french_date(mail.due_date),
            "document_type": mail.document_type.label if mail.document_type else "",
        },
        "sender": contact_fields(*sender) if sender else contact_fields(None),
        "recipient": contact_fields(*to) if to else contact_fields(None),
        "drafter": user_fields(drafter),
        "signatory": user_fields(signatory),
        "entity": entity_fields(mail.issuing_entity or mail.destination_entity),
        "recipient_entity": entity_fields(mail.recipient_entity),
        "legal": _french_mentions(mail),
        "pieces": pieces_fields(mail),
        "today": french_date(timezone.localdate()),
        "custom": dict(mail.custom_fields),
        "signature": SIGNATURE_MARKER,
    }


def pieces_fields(mail: Mail) -> dict[str, str]:
    """The missing pieces last asked for: which, by when, and what it does to the delay (the
    sentence of the e-mail notice, CRPA L114-5)."""
    suspension = (
        mail.clock_suspensions.filter(reason=SuspensionReason.MISSING_PIECES)
        .order_by("-pk")
        .first()
    )
    if suspension is None:
        return {"list": "", "due_on": "", "effect": ""}
    with override("fr"):
        effect = render_to_string(
            "courrier/notices/_pieces_effect.txt", notice_context(mail, NoticeKind.MISSING_PIECES)
        )
    return {
        "list": suspension.details,
        "due_on": french_date(suspension.pieces_due_on),
        "effect": " ".join(effect.split()),
    }


def _french_mentions(mail: Mail) -> dict[str, Any]:
    with override("fr"):
        return legal_mentions(mail).as_context()


def sample_mentions() -> dict[str, str]:
    """The acknowledgment mentions of a request that silence accepts, as samples."""
    return {
        "service_name": "Service Urbanisme",
        "service_address": "Hôtel de ville\n1 place de la Mairie\n00100 Villedieu",
        "service_email": "urbanisme@villedieu.example",
        "service_phone": "01 23 45 67 80",
        "received_on": french_date(datetime.date(2026, 1, 31)),
        "delay": "2 mois",
        "implicit_decision": "acceptance",
        "implicit_decision_date": french_date(datetime.date(2026, 3, 31)),
        "consequence": "Sans décision expresse au 31 mars 2026, votre demande sera réputée "
        "acceptée.",
        "appeal": "",
        "attestation": "Vous pourrez alors nous demander une attestation de cette acceptation "
        "implicite (CRPA L232-3).",
        "completeness": "Ces délais et ces dates ne valent que si votre demande est complète "
        ": s'il y manque des pièces ou des informations, nous vous dirons lesquelles, avec le "
        "temps donné pour les envoyer, et les dates changeront.",
        "organisation": "Mairie de Villedieu",
        "organisation_subject": "La mairie de Villedieu",
    }


def sample_context() -> dict[str, Any]:
    """Plausible values for every field: previews, and checking templates at upload."""
    person = Contact(
        kind="person",
        civility="Mme",
        first_name="Lucie",
        last_name="Martin",
        address_line1="12 rue des Lilas",
        postcode="00100",
        city="Villedieu",
        email="lucie.martin@example.org",
    )
    entity = Entity(
        label="Service Voirie",
        address="Hôtel de ville\n1 place de la Mairie\n00100 Villedieu",
        phone="01 23 45 67 89",
        email="voirie@villedieu.example",
    )
    agent = {"name": "Antoine Durand", "email": "a.durand@villedieu.example", "entity": "Voirie"}
    return {
        "mail": {
            "chrono": "VDL/2026/A/000042",
            "subject": "Nid-de-poule rue des Lilas",
            "arrival_date": french_date(datetime.date(2026, 3, 2)),
            "document_date": french_date(datetime.date(2026, 2, 27)),
            "due_date": french_date(datetime.date(2026, 3, 16)),
            "document_type": "Signalement",
        },
        "sender": contact_fields(person),
        "recipient": contact_fields(person),
        "drafter": agent,
        "signatory": {
            "name": "Marc Bernard",
            "email": "m.bernard@villedieu.example",
            "entity": "Services techniques",
        },
        "entity": entity_fields(entity),
        "recipient_entity": entity_fields(
            Entity(label="Direction des finances", email="finances@villedieu.example")
        ),
        "legal": sample_mentions(),
        "pieces": {
            "list": "Plan de situation de la terrasse\nAttestation d'assurance",
            "due_on": french_date(datetime.date(2026, 3, 2)),
            "effect": "Le délai au terme duquel, sans décision expresse, votre demande sera "
            "réputée acceptée ne court qu'à compter de la réception de ces pièces (article "
            "L114-5, deuxième alinéa, du code des relations entre le public et "
            "l'administration).",
        },
        "today": french_date(timezone.localdate()),
        "custom": _SampleCustom(),
        "signature": SIGNATURE_MARKER,
    }


class _SampleCustom(dict[str, str]):
    """Custom fields vary by document type: any name is accepted in previews."""

    def __missing__(self, key: str) -> str:
        return f"({key})"

    def __getattr__(self, key: str) -> str:
        return self[key]
