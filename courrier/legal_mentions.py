"""What an acknowledgment must say (CRPA R112-5), worded for one mail.

Every acknowledgment, whatever its channel, takes its sentences from here: the service in
charge with its postal address, e-mail and phone; the date of receipt; the delay; for a
request that silence accepts or rejects, the date of that implicit decision and what it means;
for an implicit rejection the appeal routes and delays, for an implicit acceptance the right to
the attestation of L232-3; and that these dates hold only for a complete request (missing
pieces change them: L114-5, R112-5, R112-11-1).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from courrier.deadlines import has_implicit_decision
from courrier.models import DelayUnit, DocumentType, Entity, Mail, ProcessingMode


def long_date(day: datetime.date | None) -> str:
    return date_format(day, "j F Y") if day else ""


def service_details(entity: Entity | None) -> dict[str, str]:
    """Name, address, phone and e-mail of the service; what it lacks comes from the nearest
    entity above (a service writes from the town hall's address)."""
    fields = {"label": entity.label if entity else "", "address": "", "phone": "", "email": ""}
    current = entity
    while current is not None and not all(fields.values()):
        for key in ("address", "phone", "email"):
            fields[key] = fields[key] or getattr(current, key)
        current = current.parent
    return fields


def delay_text(amount: int, unit: str) -> str:
    if unit == DelayUnit.MONTHS:
        return ngettext("%(n)d month", "%(n)d months", amount) % {"n": amount}
    if unit == DelayUnit.WORKING_DAYS:
        return ngettext("%(n)d working day", "%(n)d working days", amount) % {"n": amount}
    return ngettext("%(n)d day", "%(n)d days", amount) % {"n": amount}


def default_appeal_routes() -> str:
    return _(
        "You may appeal against an implicit rejection to the author of the decision (recours "
        "gracieux) or before the administrative court (recours contentieux) within two months "
        "of the date it was born. Within that delay you may also ask for its reasons: the "
        "appeal delay then runs again from their communication (CRPA L232-4)."
    )


@dataclass(frozen=True)
class LegalMentions:
    service_name: str
    service_address: str
    service_email: str
    service_phone: str
    received_on: str
    delay: str
    implicit_decision: str  # "acceptance", "rejection" or ""
    implicit_decision_date: str
    consequence: str
    appeal: str
    attestation: str
    completeness: str
    organisation: str
    organisation_subject: str = ""  # the name as a sentence's subject, with its article

    def as_context(self) -> dict[str, Any]:
        return asdict(self)


def organisation_subject(name: str, article: str) -> str:
    """« La mairie de Villedieu », « L'agglomération du Val », « SIVOM du Val » (no article):
    the name a sentence starts with. The name's first letter is lowered after an article
    unless it begins an acronym."""
    article = article.strip()
    if not article or not name:
        return name
    if len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    joiner = "" if article.endswith(("'", "\u2019")) else " "
    return f"{article}{joiner}{name}"


def _delay(document_type: DocumentType | None) -> str:
    if document_type is None:
        return ""
    if has_implicit_decision(document_type):
        return delay_text(document_type.implicit_delay, document_type.implicit_delay_unit)
    if document_type.delay_days:
        return delay_text(document_type.delay_days, document_type.delay_unit)
    return ""


_IMPLICIT = {ProcessingMode.SVA.value: "acceptance", ProcessingMode.SVR.value: "rejection"}


def legal_mentions(mail: Mail) -> LegalMentions:
    """The mentions of R112-5 for this mail, in the active language."""
    doctype = mail.document_type
    mode = doctype.processing_mode if doctype else ""
    service = service_details(mail.destination_entity)
    decision_date = long_date(mail.implicit_decision_date)
    consequence = appeal = attestation = ""
    basis = doctype.implicit_basis if doctype else ""
    if mode == ProcessingMode.SVA and decision_date:
        consequence = _(
            "Without an express decision by %(date)s, your request will be deemed accepted."
        ) % {"date": decision_date}
        attestation = _(
            "You may then ask us for an attestation of this implicit acceptance (CRPA L232-3)."
        )
    elif mode == ProcessingMode.SVR and decision_date:
        consequence = _(
            "Without an express decision by %(date)s, your request will be deemed rejected."
        ) % {"date": decision_date}
        appeal = (doctype.appeal_routes if doctype else "") or default_appeal_routes()
    if consequence and basis:
        consequence = f"{consequence.removesuffix('.')} ({basis})."
    delay = _delay(doctype)
    completeness = (
        _(
            "These delays and dates hold only if your request is complete: if pieces or "
            "information are missing, we will tell you which, with the time given to send "
            "them, and the dates will change (CRPA L114-5, R112-5 and R112-11-1)."
        )
        if delay or decision_date
        else ""
    )
    return LegalMentions(
        service_name=service["label"],
        service_address=service["address"],
        service_email=service["email"],
        service_phone=service["phone"],
        received_on=long_date(mail.arrival_date),
        delay=delay,
        implicit_decision=_IMPLICIT.get(str(mode), "") if decision_date else "",
        implicit_decision_date=decision_date,
        consequence=consequence,
        appeal=appeal,
        attestation=attestation,
        completeness=completeness,
        organisation=settings.BANNETTE_ORGANISATION_NAME,
        organisation_subject=organisation_subject(
            settings.BANNETTE_ORGANISATION_NAME, settings.BANNETTE_ORGANISATION_ARTICLE
        ),
    )


# What an acknowledgment template must print, with how an administrator reads each (R112-5).
REQUIRED_MENTIONS = {
    "legal.service_name": gettext_lazy("the service's name"),
    "legal.service_address": gettext_lazy("its postal address"),
    "legal.service_email": gettext_lazy("its e-mail address"),
    "legal.service_phone": gettext_lazy("its phone number"),
    "legal.received_on": gettext_lazy("the date of receipt"),
    "legal.delay": gettext_lazy("the delay"),
    "legal.implicit_decision_date": gettext_lazy("the implicit-decision date"),
    "legal.consequence": gettext_lazy("what silence will mean"),
    "legal.appeal": gettext_lazy("the appeal routes and delays"),
    "legal.attestation": gettext_lazy("the right to an attestation"),
    "legal.completeness": gettext_lazy("that the dates hold only for a complete request"),
}
