"""What the search index knows of a mail: searchable text, criteria, and perimeter keys."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch

from courrier.extensions import perimeter_contributors
from courrier.models import Mail, MailContact, Note


@dataclass
class MailDocument:
    id: int
    chrono: str
    subject: str
    text: str
    contacts: str
    notes: str  # only notes visible to everyone: restricted notes are never searchable
    custom: str
    keywords: list[str]
    document_type: str
    entity: str
    status: str
    category: str
    channel: str
    arrival: datetime.date | None
    due: datetime.date | None
    closing: datetime.date | None
    confidential: bool
    # Perimeter keys (see courrier.selectors.Perimeter).
    destination_entity: int | None
    diffusion_entities: list[int] = field(default_factory=list)
    diffusion_users: list[int] = field(default_factory=list)
    assignee: int | None = None
    creator: int | None = None
    # Users personally involved through an app (courrier.extensions.PerimeterContributor).
    involved_users: list[int] = field(default_factory=list)
    # Restricted notes by audience: "e<entity id>" and "u<author id>" -> their text.
    restricted_notes: dict[str, str] = field(default_factory=dict)


def _contacts(mail: Mail) -> str:
    parts = []
    for link in mail.mail_contacts.all():
        contact = link.contact
        parts += [contact.display_name, contact.organisation_name, contact.email]
        if link.address:
            parts += [str(link.address), link.address.email]
    return " ".join(p for p in parts if p)


def document_for(mail: Mail, involved_users: Iterable[int] = ()) -> MailDocument:
    """Build from a mail fetched by `documents()` (relations prefetched)."""
    public_notes = [n.text for n in mail.notes.all() if not n.restricted_to.all()]
    restricted: dict[str, list[str]] = {}
    for note in mail.notes.all():
        audience = [f"e{e.pk}" for e in note.restricted_to.all()]
        for key in [*audience, f"u{note.author_id}"] if audience else []:
            restricted.setdefault(key, []).append(note.text)
    return MailDocument(
        id=mail.pk,
        chrono=mail.chrono_number or "",
        subject=mail.subject,
        text=mail.text,
        contacts=_contacts(mail),
        notes="\n".join(public_notes),
        custom=" ".join(str(v) for v in mail.custom_fields.values()),
        keywords=[k.label for k in mail.keywords.all()],
        document_type=mail.document_type.code if mail.document_type else "",
        entity=mail.destination_entity.code if mail.destination_entity else "",
        status=mail.status,
        category=mail.category,
        channel=mail.channel,
        arrival=mail.arrival_date,
        due=mail.due_date,
        closing=mail.closing_date.date() if mail.closing_date else None,
        confidential=mail.confidential,
        destination_entity=mail.destination_entity_id,
        diffusion_entities=[e.entity_id for e in mail.diffusion_entries.all() if e.entity_id],
        diffusion_users=[e.user_id for e in mail.diffusion_entries.all() if e.user_id],
        assignee=mail.assignee_id,
        creator=mail.created_by_id,
        involved_users=sorted(involved_users),
        restricted_notes={key: "\n".join(texts) for key, texts in restricted.items()},
    )


def documents(mail_ids: Iterable[int] | None = None, chunk: int = 500) -> Iterator[MailDocument]:
    mails = (
        Mail.objects.select_related("document_type", "destination_entity")
        .prefetch_related(
            Prefetch("mail_contacts", MailContact.objects.select_related("contact", "address")),
            Prefetch("notes", Note.objects.prefetch_related("restricted_to")),
            "keywords",
            "diffusion_entries",
        )
        .order_by("pk")
    )
    if mail_ids is not None:
        mails = mails.filter(pk__in=list(mail_ids))
    batch: list[Mail] = []
    for mail in mails.iterator(chunk_size=chunk):
        batch.append(mail)
        if len(batch) == chunk:
            yield from _documents_of(batch)
            batch = []
    yield from _documents_of(batch)


def _documents_of(mails: list[Mail]) -> Iterator[MailDocument]:
    involved: dict[int, set[int]] = {}
    for contributor in perimeter_contributors():
        for mail_id, users in contributor.involved_users([m.pk for m in mails]).items():
            involved.setdefault(mail_id, set()).update(users)
    for mail in mails:
        yield document_for(mail, involved.get(mail.pk, ()))
