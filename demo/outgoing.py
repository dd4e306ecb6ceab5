"""The demo's outgoing half, played after the year: every circuit has a letter to read, the
year's answered mail has its replies in the departures register, the town hall wrote letters
of its own and internal notes, and the mail people open has its scan.

Deterministic: choices follow the mails' order, not a random draw."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Spacer

from courrier.letters import page_pdf, render_letter, thumbnail_png
from courrier.models import (
    Attachment,
    AttachmentKind,
    Category,
    Channel,
    Contact,
    ContactRole,
    Entity,
    Mail,
    MailContact,
    MailStatus,
    User,
)
from courrier.pdf_text import build_pdf, text_paragraph
from courrier.services import mail as mail_services
from courrier.services.circulation import pdf_content, store_version
from courrier.services.initiative import NewLetter, send_internal, start_letter
from visa.annotations import annotate
from visa.models import VisaStep, VisaStepRole
from visa.services import approve, start_visa_circuit

SCANNED_CHANNELS = (Channel.PAPER, Channel.UPLOAD, Channel.COUNTER)

LETTERS = [
    # subject, entity, recipient's organisation, days ago (None: waits for the mayor's signature)
    ("Travaux de réfection de la rue des Écoles", "VOIR", "Syndic Les Tilleuls", 300),
    ("Invitation à la cérémonie du 11 novembre", "CAB", "Association des anciens combattants", 40),
    ("Convocation à la commission de sécurité", "URBA", "SARL Garage Central", 120),
    ("Attribution de la subvention annuelle", "VASSO", "Club de football de Villedieu", 200),
    ("Fermeture estivale de la mairie annexe", "DGS", "Journal de Villedieu", 60),
    ("Demande de devis pour l'éclairage du stade", "VOIR", "Lumière & Réseaux SAS", None),
]
INTERNAL = [
    # subject, from, to, days ago (None: being written today)
    ("Budget 2027 : besoins de la voirie", "VOIR", "FIN", 90),
    ("Planning des mariages de l'été", "ETCIV", "CAB", 150),
    ("Fermeture de la rue Haute pour travaux", "VOIR", "URBA", 8),
    ("Note sur les permis en attente de pièces", "URBA", "DGS", None),
]


def letter_pdf(title: str, lines: Iterable[str]) -> bytes:
    """A one-page letter as the template would have made it."""
    styles = getSampleStyleSheet()
    story = [text_paragraph("Mairie de Villedieu", styles["Heading2"]), Spacer(1, 12)]
    story += [text_paragraph(line, styles["Normal"]) for line in lines]
    return build_pdf(story, title=title)


def _draft_kind() -> AttachmentKind:
    kind, _created = AttachmentKind.objects.get_or_create(
        code="reply_draft", defaults={"label": "Projet de réponse"}
    )
    return kind


def _draft(mail: Mail, author: User | None, to: str) -> Attachment:
    """A reply draft ready to read (its PDF made), without LibreOffice."""
    word = "Réponse" if mail.category == Category.INCOMING else "Courrier"
    draft = Attachment.objects.create(
        mail=mail, kind=_draft_kind(), title=f"{word} : {mail.subject}"[:300], created_by=author
    )
    content = letter_pdf(
        mail.subject,
        [
            to,
            f"Objet : {mail.subject} (réf. {mail.chrono_number})",
            "Madame, Monsieur,",
            "Nous avons bien reçu votre courrier et y donnons la suite suivante.",
            "Veuillez agréer nos salutations distinguées.",
            "Le Maire, Jeanne Moreau",
        ],
    )
    stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    store_version(
        actor=author,
        attachment=draft,
        file=mail_services.IncomingFile(f"reponse-{stem}.pdf", content, "application/pdf"),
        number=1,
    )
    return draft


def reply_draft(mail: Mail, author: User) -> Attachment:
    return _draft(mail, author, _sender_name(mail))


def _sender_name(mail: Mail) -> str:
    link = mail.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    return str(link.contact) if link else ""


def give_circuits_their_drafts() -> int:
    """Every circuit started with nothing to read gets the letter it is about."""
    done = 0
    for mail in Mail.objects.filter(visa_steps__draft__isnull=True).distinct():
        draft = _draft(mail, mail.assignee, _sender_name(mail))
        VisaStep.objects.filter(mail=mail).update(draft=draft)
        done += 1
    return done


def sent_reply(incoming: Mail, author: User) -> Mail:
    """The reply registered as the mail is closed, as Bannette registers one it sent."""
    to = incoming.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    content = letter_pdf(incoming.subject, [str(to.contact) if to else "", incoming.subject])
    emailed = incoming.channel in (Channel.EMAIL, Channel.WEB_FORM)
    reply = mail_services.register_mail(
        actor=author,
        registration=mail_services.Registration(
            subject=f"Réponse : {incoming.subject}"[:500],
            category=Category.OUTGOING,
            channel=Channel.EMAIL if emailed else Channel.PAPER,
            destination_entity=incoming.destination_entity,
            original=mail_services.IncomingFile("reponse-signee.pdf", content, "application/pdf"),
            status=MailStatus.CLOSED,
        ),
    )
    mail_services.mark_closed(reply, actor=author)
    reply.dispatched_at = reply.closing_date
    reply.save()
    if to is not None:
        MailContact.objects.create(mail=reply, contact=to.contact, role=ContactRole.RECIPIENT)
    reply.linked_mails.add(incoming)
    return reply


def _agent_of(users: dict[str, User], entity: Entity) -> User:
    return next(
        (
            u
            for u in users.values()
            if u.primary_entity_id == entity.pk
            and not u.is_superuser
            and u.has_perm("courrier.process_mail")
        ),
        users["admin"],
    )


@dataclass
class WrittenMail:
    """The town hall's letters of its own and internal notes over the year, as steps to run
    in date order with the year's mail (demo.year.in_date_order)."""

    users: dict[str, User]
    entities: dict[str, Entity]
    now: datetime.datetime
    steps: list[tuple[datetime.datetime, Callable[[], object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for subject, code, organisation, days_ago in LETTERS:
            self._letter(subject, self.entities[code], organisation, days_ago)
        for subject, source, target, days_ago in INTERNAL:
            self._internal(subject, self.entities[source], self.entities[target], days_ago)

    def _at(self, days_ago: int | None, hours: float) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days_ago or 0, hours=hours)

    def _letter(self, subject: str, entity: Entity, to: str, days_ago: int | None) -> None:
        author = _agent_of(self.users, entity)
        made: dict[str, Mail | Attachment] = {}

        def write() -> None:
            recipient, _created = Contact.objects.get_or_create(
                kind="organisation",
                organisation_name=to,
                defaults={
                    "address_line1": "2 place du Marché",
                    "postcode": "00100",
                    "city": "Villedieu",
                },
            )
            mail = start_letter(
                actor=author,
                letter=NewLetter(
                    category=Category.OUTGOING, subject=subject, entity=entity, recipient=recipient
                ),
            )
            made["mail"], made["draft"] = mail, _draft(mail, author, to)

        def circuit() -> None:
            manager, mayor = self.users["m.bernard"], self.users["j.moreau"]
            mail, draft = made["mail"], made["draft"]
            assert isinstance(mail, Mail) and isinstance(draft, Attachment)
            steps = [(manager, VisaStepRole.VISA), (mayor, VisaStepRole.SIGNATURE)]
            start_visa_circuit(actor=author, mail=mail, steps=steps, draft=draft)
            annotate(
                actor=manager, mail=mail, page=1, text="Préciser le montant estimé des travaux."
            )
            approve(actor=manager, mail=mail)

        def posted() -> None:
            mail, draft = made["mail"], made["draft"]
            assert isinstance(mail, Mail) and isinstance(draft, Attachment)
            content = pdf_content(draft.versions.get())
            mail_services._store_original(
                mail, mail_services.IncomingFile("courrier-signe.pdf", content, "application/pdf")
            )
            mail_services.mark_closed(mail, actor=author)
            mail.dispatched_at = mail.closing_date
            mail.save()

        self.steps.append((self._at(days_ago, 4), write))
        self.steps.append((self._at(days_ago, 1), circuit if days_ago is None else posted))

    def _internal(self, subject: str, source: Entity, target: Entity, days_ago: int | None) -> None:
        author = _agent_of(self.users, source)
        made: dict[str, Mail] = {}

        def write() -> None:
            made["mail"] = start_letter(
                actor=author,
                letter=NewLetter(
                    category=Category.INTERNAL,
                    subject=subject,
                    entity=source,
                    recipient_entity=target,
                    text=f"{subject}. Merci d'en prendre connaissance et de me faire retour.",
                ),
            )

        self.steps.append((self._at(days_ago, 3), write))
        if days_ago is not None:
            self.steps.append(
                (self._at(days_ago, 2), lambda: send_internal(actor=author, mail=made["mail"]))
            )


def scan_what_people_open() -> int:
    """Open paper mail gets a scan (the year's closed mail keeps its text alone: it is many)."""
    waiting = Mail.objects.filter(
        Q(original="") | Q(original__isnull=True),
        category=Category.INCOMING,
        channel__in=SCANNED_CHANNELS,
    ).exclude(status=MailStatus.CLOSED)
    scanned = 0
    for mail in waiting:
        sender = _sender_name(mail)
        page = render_letter([sender, "", "Monsieur le Maire,", mail.subject, mail.text], dpi=100)
        mail_services._store_original(
            mail,
            mail_services.IncomingFile("courrier.pdf", page_pdf(page, dpi=100), "application/pdf"),
        )
        mail.page_count = 1
        mail.save()
        mail_services.store_renditions(mail=mail, thumbnail=thumbnail_png(page))
        scanned += 1
    return scanned


def finish_the_day() -> None:
    """Today's demo mail (registered after the year) gets what the year's mail got."""
    give_circuits_their_drafts()
    scan_what_people_open()
