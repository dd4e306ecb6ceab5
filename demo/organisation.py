"""The demo organisation: a town hall with its services, personas, document types and mail."""

from __future__ import annotations

import datetime
import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from docx.shared import Mm

from api import services as api_services
from archives.models import ArchiveAgreement
from archives.retention import propose_eliminations
from capture.models import ClassificationRule, SourceKind, WebFormTopic
from capture.services import receive_input, run_pipeline, set_aside_input
from courrier.letters import page_pdf, render_letter, thumbnail_png
from courrier.models import (
    AttachmentKind,
    Channel,
    Contact,
    ContactAddress,
    ContactKind,
    CustomField,
    DelayUnit,
    DiffusionRole,
    DiffusionTemplate,
    DiffusionTemplateEntry,
    DocumentType,
    Entity,
    EntityType,
    Folder,
    Mail,
    NoteTemplate,
    Priority,
    ProcessingMode,
    Role,
    User,
)
from courrier.services import circulation, contacts, legal, processing
from courrier.services import mail as mail_services
from courrier.services.seals import SealFailed, seal_journal, write_copies
from demo import outgoing, year
from indexing.services import indexing_deferred
from notifications import jobs as notification_jobs
from notifications import services as notification_services
from scanner_hotfolders.models import HotFolder
from templates_office.models import OfficeTemplate
from visa.models import CircuitTemplate, VisaStepRole
from visa.opinions import request_opinion
from visa.services import start_visa_circuit

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "bannette-demo"

# code, label, short label, type, parent code
ENTITIES = [
    ("MAIRIE", "Mairie de Villedieu", "Mairie", EntityType.DIRECTION, None),
    ("DGS", "Direction générale des services", "DGS", EntityType.DIRECTION, "MAIRIE"),
    ("CAB", "Cabinet du Maire", "Cabinet", EntityType.SERVICE, "MAIRIE"),
    ("COUR", "Service Courrier", "Courrier", EntityType.OFFICE, "DGS"),
    ("ETCIV", "État civil", "État civil", EntityType.SERVICE, "DGS"),
    ("ST", "Services techniques", "Services techniques", EntityType.DIRECTION, "DGS"),
    ("VOIR", "Voirie", "Voirie", EntityType.SERVICE, "ST"),
    ("URBA", "Urbanisme", "Urbanisme", EntityType.SERVICE, "DGS"),
    ("FIN", "Finances", "Finances", EntityType.SERVICE, "DGS"),
    ("VASSO", "Vie associative", "Vie associative", EntityType.SERVICE, "DGS"),
]


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    role: str
    entity: str
    description: str


PERSONAS = [
    Persona("c.martin", "Claire", "Martin", Role.CLERK, "COUR", "mail-room clerk"),
    Persona("a.durand", "Antoine", "Durand", Role.AGENT, "VOIR", "agent, Voirie"),
    Persona("l.leroy", "Lucie", "Leroy", Role.AGENT, "URBA", "agent, Urbanisme"),
    Persona("e.roux", "Emma", "Roux", Role.AGENT, "ETCIV", "agent, État civil"),
    Persona("v.petit", "Victor", "Petit", Role.AGENT, "VASSO", "agent, Vie associative"),
    Persona("n.garnier", "Nicolas", "Garnier", Role.AGENT, "FIN", "agent, Finances"),
    Persona("m.bernard", "Marc", "Bernard", Role.MANAGER, "ST", "manager, Services techniques"),
    Persona("j.moreau", "Jeanne", "Moreau", Role.MANAGER, "CAB", "the Mayor, signs replies"),
    Persona(
        "p.dubois", "Pierre", "Dubois", Role.ELECTED, "CAB", "deputy mayor: statistics, no mail"
    ),
    Persona("s.lambert", "Sophie", "Lambert", Role.ARCHIVIST, "DGS", "archivist"),
    Persona("admin", "Alice", "Admin", Role.ADMINISTRATOR, "DGS", "administrator"),
]

# code, label, delay, unit, reminder before, reminder after, mode, retention, default entity
DOCUMENT_TYPES = [
    ("reclamation", "Réclamation", 30, DelayUnit.CALENDAR_DAYS, 7, 7, "svr", "P5Y", None),
    (
        "acte-etat-civil",
        "Demande d'acte d'état civil",
        10,
        DelayUnit.WORKING_DAYS,
        3,
        2,
        "sve",
        "P6M",
        "ETCIV",
    ),
    (
        "subvention",
        "Demande de subvention",
        60,
        DelayUnit.CALENDAR_DAYS,
        10,
        15,
        ProcessingMode.SVR,
        "P10Y",
        "VASSO",
    ),
    (
        "rapo",
        "Recours administratif préalable",
        60,
        DelayUnit.CALENDAR_DAYS,
        15,
        0,
        ProcessingMode.SVR,
        "P10Y",
        None,
    ),
    ("facture", "Facture", 30, DelayUnit.CALENDAR_DAYS, 5, 5, "normal", "P10Y", "FIN"),
    ("candidature", "Candidature", 30, DelayUnit.CALENDAR_DAYS, 7, 7, "normal", "P2Y", "DGS"),
    ("signalement", "Signalement", 8, DelayUnit.WORKING_DAYS, 2, 2, "normal", "P5Y", "VOIR"),
    ("invitation", "Invitation", 15, DelayUnit.CALENDAR_DAYS, 3, 0, "normal", "P6M", "CAB"),
    (
        "occupation",
        "Demande d'occupation du domaine public",
        30,
        DelayUnit.CALENDAR_DAYS,
        7,
        7,
        ProcessingMode.SVA,
        "P5Y",
        "VOIR",
    ),
]
# What becomes of the mail at the end of its retention (the rest is kept for good): the demo's
# archivist finds requests for civil-status copies past their six months proposed for
# elimination.
DESTROYED = {"acte-etat-civil", "invitation", "candidature", "signalement", "reclamation"}
# Why silence is worth rejection or acceptance, printed on acknowledgments (CRPA L231-1, L231-4).
IMPLICIT_BASIS = {
    "reclamation": "article L231-4, 2°, du code des relations entre le public et "
    "l'administration : une réclamation",
    "rapo": "article L231-4, 2°, du code des relations entre le public et l'administration : "
    "un recours administratif",
    "subvention": "article L231-4, 3°, du code des relations entre le public et "
    "l'administration : une demande à caractère financier",
    "occupation": "article L231-1 du code des relations entre le public et l'administration",
}
# Types whose late mail is raised to the service's manager once this share of the delay passed.
ESCALATION_PERCENT = {"reclamation": 80, "signalement": 75, "rapo": 70, "occupation": 70}


def _entities() -> dict[str, Entity]:
    found: dict[str, Entity] = {}
    for code, label, short, kind, parent in ENTITIES:
        found[code], _ = Entity.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "short_label": short,
                "entity_type": kind,
                "parent": found.get(parent) if parent else None,
                "email": f"{code.lower()}@villedieu.example",
            },
        )
    # The town hall's address and switchboard: its services write from there.
    Entity.objects.filter(pk=found[ENTITIES[0][0]].pk).update(
        address="Hôtel de ville\n1 place de la Mairie\n00100 Villedieu", phone="01 23 45 67 00"
    )
    return found


def _users(entities: dict[str, Entity]) -> dict[str, User]:
    users: dict[str, User] = {}
    for p in PERSONAS:
        user, _ = User.objects.update_or_create(
            username=p.username,
            defaults={
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": f"{p.username}@villedieu.example",
                "primary_entity": entities[p.entity],
                "is_staff": p.role == Role.ADMINISTRATOR,
                "is_superuser": p.role == Role.ADMINISTRATOR,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=p.role)])
        users[p.username] = user
    return users


def _document_types(entities: dict[str, Entity]) -> dict[str, DocumentType]:
    types: dict[str, DocumentType] = {}
    for code, label, delay, unit, before, after, mode, retention, entity in DOCUMENT_TYPES:
        types[code], _ = DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "delay_days": delay,
                "delay_unit": unit,
                "reminder1_days_before": before,
                "reminder2_days_after": after,
                "processing_mode": mode,
                # SVA and SVR: two months counted date to date (CRPA L231-1), not 60 days.
                "implicit_delay": 2,
                "implicit_delay_unit": DelayUnit.MONTHS,
                "escalation_percent": ESCALATION_PERCENT.get(code),
                "implicit_basis": IMPLICIT_BASIS.get(code, ""),
                "final_disposition": "destroy" if code in DESTROYED else "keep",
                "retention_duration": retention,
                "default_entity": entities[entity] if entity else None,
            },
        )
    return types


def _contacts(actor: User) -> dict[str, Contact]:
    dupont = Contact(
        kind=ContactKind.PERSON,
        civility="M.",
        first_name="Jean",
        last_name="Dupont",
        email="jean.dupont@example.org",
        address_line1="12 rue des Lilas",
        postcode="00100",
        city="Villedieu",
    )
    asv = Contact(
        kind=ContactKind.ORGANISATION,
        organisation_name="Association sportive de Villedieu",
        email="contact@asv.example.org",
        address_line1="3 avenue du Stade",
        postcode="00100",
        city="Villedieu",
    )
    lumiere = Contact(
        kind=ContactKind.ORGANISATION,
        organisation_name="Lumière Services SARL",
        email="facturation@lumiere.example.com",
        address_line1="ZA des Prés",
        postcode="00200",
        city="Bourg-Neuf",
    )
    garcia = Contact(
        kind=ContactKind.PERSON,
        civility="Mme",
        first_name="Inès",
        last_name="Garcia",
        email="ines.garcia@example.net",
        address_line1="5 chemin des Vignes",
        postcode="00100",
        city="Villedieu",
    )
    found = {}
    for key, contact in (
        ("dupont", dupont),
        ("asv", asv),
        ("lumiere", lumiere),
        ("garcia", garcia),
    ):
        found[key] = contacts.save_contact(actor=actor, contact=contact)
    ContactAddress.objects.create(
        contact=asv,
        label="Bureau",
        civility="M.",
        first_name="Paul",
        last_name="Girard",
        function="Président",
    )
    return found


def _letter(sender: Contact, body: str) -> tuple[mail_services.IncomingFile, str, bytes]:
    """A scanned-looking letter from `sender`: (PDF original, its text, PNG thumbnail)."""
    lines = [
        sender.display_name,
        *sender.address_block(),
        "",
        "Monsieur le Maire,",
        body,
        "Veuillez agréer, Monsieur le Maire, mes salutations distinguées.",
    ]
    page = render_letter(lines)
    original = mail_services.IncomingFile("courrier.pdf", page_pdf(page), "application/pdf")
    return original, "\n".join(lines), thumbnail_png(page)


# subject, sender key, body, document type, channel, days ago, priority, confidential
MAILS = [
    (
        "Nid-de-poule dangereux rue des Lilas",
        "dupont",
        "Je vous signale un nid-de-poule profond devant le 12 rue des Lilas, dangereux pour les cyclistes.",
        None,
        Channel.PAPER,
        1,
        Priority.HIGH,
        False,
    ),
    (
        "Demande de copie intégrale d'acte de naissance",
        "garcia",
        "Je sollicite une copie intégrale de mon acte de naissance pour un dossier de mariage.",
        "acte-etat-civil",
        Channel.WEB_FORM,
        3,
        Priority.NORMAL,
        False,
    ),
    (
        "Éclairage public en panne avenue du Stade",
        "asv",
        "Les lampadaires de l'avenue du Stade sont éteints depuis trois semaines.",
        "reclamation",
        Channel.EMAIL,
        40,
        Priority.NORMAL,
        False,
    ),
    (
        "Demande de subvention pour le tournoi de printemps",
        "asv",
        "Notre association sollicite une subvention de 2 500 euros pour le tournoi de printemps.",
        "subvention",
        Channel.PAPER,
        12,
        Priority.NORMAL,
        False,
    ),
    (
        "Facture de maintenance de l'éclairage",
        "lumiere",
        "Veuillez trouver ci-joint notre facture n° 2026-118 relative à la maintenance.",
        "facture",
        Channel.EMAIL,
        8,
        Priority.NORMAL,
        False,
    ),
    (
        "Recours gracieux contre le refus de permis de construire",
        "dupont",
        "Je forme un recours gracieux contre l'arrêté de refus de mon permis de construire.",
        "rapo",
        Channel.PAPER,
        5,
        Priority.HIGH,
        True,
    ),
    (
        "Invitation à l'assemblée générale de l'association",
        "asv",
        "Nous avons le plaisir de vous inviter à notre assemblée générale annuelle.",
        "invitation",
        Channel.PAPER,
        30,
        Priority.LOW,
        False,
    ),
]


def _register(
    clerk: User,
    people: dict[str, Contact],
    types: dict[str, DocumentType],
    spec: tuple[str, str, str, str | None, str, int, str, bool],
) -> Mail:
    subject, sender, body, doctype, channel, days_ago, priority, confidential = spec
    original, text, thumbnail = _letter(people[sender], body)
    mail = mail_services.register_mail(
        actor=clerk,
        registration=mail_services.Registration(
            subject=subject,
            channel=channel,
            arrival_date=timezone.localdate() - datetime.timedelta(days=days_ago),
            document_type=types[doctype] if doctype else None,
            priority=priority,
            confidential=confidential,
            senders=[people[sender]],
            original=original,
            text=text,
            page_count=1,
        ),
    )
    mail_services.store_renditions(mail=mail, thumbnail=thumbnail)
    return mail


def _circulate(
    mails: list[Mail],
    users: dict[str, User],
    entities: dict[str, Entity],
    types: dict[str, DocumentType],
) -> None:
    """Move the demo mail along: qualified, assigned, noted, in copy, in visa, closed."""
    clerk = users["c.martin"]
    _, acte, eclairage, subvention, facture, recours, invitation = mails
    for mail, entity in (
        (acte, "ETCIV"),
        (eclairage, "VOIR"),
        (subvention, "VASSO"),
        (facture, "FIN"),
        (recours, "URBA"),
        (invitation, "CAB"),
    ):
        assert mail.document_type is not None
        mail_services.qualify_mail(
            actor=clerk,
            mail=mail,
            qualification=mail_services.Qualification(
                document_type=mail.document_type, destination_entity=entities[entity]
            ),
        )
    mail_services.assign_mail(actor=users["a.durand"], mail=eclairage, assignee=users["a.durand"])
    processing.send_copy(actor=users["a.durand"], mail=eclairage, entity=entities["URBA"])
    circulation.add_note(
        actor=users["a.durand"],
        mail=eclairage,
        text="Intervention de l'entreprise prévue, devis demandé.",
    )
    circulation.add_note(
        actor=users["a.durand"],
        mail=eclairage,
        text="Réservé à la Voirie : litige en cours avec le prestataire.",
        restricted_to=[entities["VOIR"]],
    )
    request_opinion(
        actor=users["a.durand"],
        mail=eclairage,
        asked=[entities["URBA"]],
        reason="Des travaux sont-ils prévus avenue du Stade ? Faut-il attendre pour réparer ?",
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    start_visa_circuit(
        actor=users["a.durand"], mail=eclairage, steps=[(users["m.bernard"], VisaStepRole.VISA)]
    )
    mail_services.assign_mail(actor=users["e.roux"], mail=acte, assignee=users["e.roux"])
    mail_services.link_mails(actor=users["admin"], mail=eclairage, other=facture)
    mail_services.close_mail(
        actor=users["admin"],
        mail=invitation,
        comment="Invitation transmise au Cabinet, sans suite.",
    )


def demo_hotfolder_path() -> Path:
    return Path(settings.DATA_DIR) / "hotfolders" / "courrier"


def _capture_setup(entities: dict[str, Entity], types: dict[str, DocumentType]) -> None:
    """Citizens' form topics, the mail room's scanner folder and a classification rule."""
    topics = [
        ("Signaler un problème sur la voie publique", "signalement", "VOIR"),
        ("Demander un acte d'état civil", "acte-etat-civil", "ETCIV"),
        ("Demander une subvention pour une association", "subvention", "VASSO"),
        ("Contester une décision (recours)", "rapo", "URBA"),
        ("Autre réclamation", "reclamation", "DGS"),
    ]
    for position, (label, doctype, entity) in enumerate(topics):
        WebFormTopic.objects.update_or_create(
            label=label,
            defaults={
                "document_type": types[doctype],
                "entity": entities[entity],
                "position": position,
                # reports about the street keep the citizen's details a year after the answer
                "anonymise_after": "P1Y" if doctype == "signalement" else "",
            },
        )
    ArchiveAgreement.objects.update_or_create(
        identifier="CONV-VILLEDIEU-AD",
        defaults={
            "label": "Archives départementales (convention de versement)",
            "archival_agency": "FRAD099",
            "transferring_agency": "VILLEDIEU",
            "originating_agency": "VILLEDIEU",
            "appraisal_rules": {"rapo": "APP-RECOURS-10A", "*": "APP-COURRIER-10A"},
            "outbox": str(Path(settings.DATA_DIR) / "archives" / "versements"),
            "inbox": str(Path(settings.DATA_DIR) / "archives" / "retours"),
        },
    )
    folder = demo_hotfolder_path()
    folder.mkdir(parents=True, exist_ok=True)
    HotFolder.objects.update_or_create(
        name="courrier",
        defaults={"path": str(folder), "entity": entities["COUR"], "split_on_separators": True},
    )
    ClassificationRule.objects.update_or_create(
        label="Factures",
        defaults={
            "pattern": "facture",
            "document_type": types["facture"],
            "entity": entities["FIN"],
        },
    )


NOTE_TEMPLATES = [
    ("Pour avis", "Merci de me faire part de votre avis avant le ", None),
    ("Réponse envoyée", "Réponse envoyée au demandeur ; dossier clos.", None),
    ("Intervention programmée", "Intervention des équipes programmée le ", "VOIR"),
]


def _processing_setup(entities: dict[str, Entity], types: dict[str, DocumentType]) -> None:
    """Templates and folders that make the processing screens useful from the first login."""
    # The outgoing mail's indexing model asks a market reference (optional: not every letter
    # is about a public contract).
    CustomField.objects.get_or_create(
        code="ref_marche",
        defaults={"label": "Référence du marché", "categories": ["outgoing"]},
    )
    for label, text, entity in NOTE_TEMPLATES:
        NoteTemplate.objects.get_or_create(
            label=label, defaults={"text": text, "entity": entities[entity] if entity else None}
        )
    template, created = DiffusionTemplate.objects.get_or_create(
        label="Signalements : copie aux Services techniques",
        defaults={"document_type": types["signalement"]},
    )
    if created:
        DiffusionTemplateEntry.objects.create(
            template=template, role=DiffusionRole.COPY, entity=entities["ST"]
        )
    for label, entity in [
        ("Rue des Lilas", "VOIR"),
        ("PLU 2027", "URBA"),
        ("Fête de la musique", "VASSO"),
    ]:
        Folder.objects.get_or_create(label=label, entity=entities[entity])


REPLY_TEMPLATE = [
    "{{ legal.organisation }}",  # the letterhead names the organisation, then its service
    "{{ entity.label }}",
    "{{ entity.address }}",
    "",
    "{{ recipient.address }}",
    "",
    "Villedieu, le {{ today }}",
    "",
    "Objet : {{ mail.subject }}",
    "Réf. : {{ mail.chrono }}",
    "",
    "{{ recipient.salutation }},",
    "",
    "Nous avons bien reçu votre courrier du {{ mail.arrival_date }} et vous en remercions.",
    "Nos services étudient votre demande ; nous reviendrons vers vous au plus tard le {{ mail.due_date }}.",
    "",
    "Veuillez agréer l'expression de nos salutations distinguées.",
    "",
    "{{ signatory.name }}",
    "{{ signature }}",
]


# The head of a letter the law makes the service write (its name, address and contacts).
SERVICE_LETTER_HEAD = [
    "{{ legal.organisation }} — {{ legal.service_name }}",
    "{{ legal.service_address }}",
    "Tél. {{ legal.service_phone }} — {{ legal.service_email }}",
    "",
    "{{ recipient.address }}",
    "",
    "Villedieu, le {{ today }}",
    "",
]

ACKNOWLEDGMENT_TEMPLATE = [
    *SERVICE_LETTER_HEAD,
    "Objet : accusé de réception de votre demande",
    "Réf. : {{ mail.chrono }}",
    "",
    "{{ recipient.salutation }},",
    "",
    "Nous avons bien reçu le {{ legal.received_on }} votre demande « {{ mail.subject }} », "
    "enregistrée sous la référence ci-dessus et confiée au service mentionné en en-tête.",
    "Délai d'instruction : {{ legal.delay }}.",
    "{{ legal.consequence }}",
    "{{ legal.attestation }}",
    "{{ legal.appeal }}",
    # A paragraph printed only when there is a date (it printed « … : » and nothing).
    "{%p if legal.implicit_decision_date %}",
    "Date de la décision implicite : {{ legal.implicit_decision_date }}",
    "{%p endif %}",
    "{{ legal.completeness }}",
    "",
    "Veuillez agréer l'expression de nos salutations distinguées.",
]

MISSING_PIECES_TEMPLATE = [
    *SERVICE_LETTER_HEAD,
    "Objet : pièces manquantes à votre demande",
    "Réf. : {{ mail.chrono }}",
    "",
    "{{ recipient.salutation }},",
    "",
    "Votre demande « {{ mail.subject }} », reçue le {{ legal.received_on }}, est incomplète. "
    "Pour que nous puissions l'instruire, merci de nous faire parvenir, au plus tard le "
    "{{ pieces.due_on }} :",
    "{{ pieces.list }}",
    "",
    "{{ pieces.effect }}",
    "",
    "Veuillez agréer l'expression de nos salutations distinguées.",
]

ATTESTATION_TEMPLATE = [
    "{{ legal.organisation }}",
    "{{ legal.service_address }}",
    "",
    "Attestation de décision implicite d'acceptation",
    "(article L232-3 du code des relations entre le public et l'administration)",
    "",
    "La demande « {{ mail.subject }} » présentée par {{ sender.name }}, reçue le "
    "{{ legal.received_on }} et enregistrée sous la référence {{ mail.chrono }}, n'a pas fait "
    "l'objet d'une décision expresse dans le délai de {{ legal.delay }}.",
    "Elle a donc fait l'objet d'une décision implicite d'acceptation née le "
    "{{ legal.implicit_decision_date }}.",
    "",
    "Villedieu, le {{ today }}",
    "{{ signatory.name }}",
]


def _office_template(label: str, kind: str, lines: list[str]) -> None:
    if OfficeTemplate.objects.filter(label=label).exists():
        return
    document = docx.Document()
    section = document.sections[0]  # python-docx starts on US Letter: French mail is A4
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    template = OfficeTemplate(label=label, kind=kind)
    name = f"{kind}.docx"
    template.file.save(name, ContentFile(buffer.getvalue()), save=True)


def _reply_setup(entities: dict[str, Entity], users: dict[str, User]) -> None:
    """Reply, acknowledgment and attestation templates and a circuit template, so that each
    can be tried at once."""
    _office_template("Réponse standard", "reply", REPLY_TEMPLATE)
    _office_template("Accusé de réception", "acknowledgment", ACKNOWLEDGMENT_TEMPLATE)
    _office_template("Attestation d'acceptation implicite", "attestation", ATTESTATION_TEMPLATE)
    _office_template("Demande de pièces manquantes", "missing_pieces", MISSING_PIECES_TEMPLATE)
    CircuitTemplate.objects.get_or_create(
        label="Services techniques : visa DST puis signature du Maire",
        defaults={
            "entity": entities["ST"],
            "steps": [["m.bernard", "visa"], ["j.moreau", "signature"]],
        },
    )


def load_demo(
    *, year_mails: int = year.DEFAULT_MAILS, progress: Callable[[int, int], None] | None = None
) -> bool:
    """Load the demo organisation and its year of mail; False when already there (users reset).

    Nobody is notified of the year replayed (its handlers run at the commit, still muted); then
    the deadline watch tells each persona of today's reminders and late mail, as every morning.
    """
    with notification_services.muted():
        created = _load(year_mails, progress)
    if created:
        notification_jobs.watch_deadlines()
        _seal_the_year()
    return created


def _seal_the_year() -> None:
    """Seal the year just played: nothing is left unsealed until the first hourly seal."""
    try:
        seal_journal()
    except SealFailed:  # a timestamp authority set up but away: the hourly job seals it
        logger.warning("the demo's journal could not be sealed now", exc_info=True)
    write_copies()


@transaction.atomic
def _load(year_mails: int, progress: Callable[[int, int], None] | None) -> bool:
    entities = _entities()
    users = _users(entities)
    types = _document_types(entities)
    AttachmentKind.objects.get_or_create(code="simple", defaults={"label": "Pièce jointe"})
    AttachmentKind.objects.get_or_create(
        code="transmission",
        defaults={
            "label": "Transmission",
            "has_chrono_number": True,
            "chrono_suffix": "T",
            "expects_return": True,
        },
    )
    AttachmentKind.objects.get_or_create(
        code="reply_draft", defaults={"label": "Projet de réponse"}
    )
    _capture_setup(entities, types)
    _processing_setup(entities, types)
    _reply_setup(entities, users)
    if Mail.objects.exists():
        return False
    with indexing_deferred():
        _live_a_year(users, entities, types, year_mails, progress)
        people = _contacts(users["c.martin"])
        mails = [_register(users["c.martin"], people, types, spec) for spec in MAILS]
        _circulate(mails, users, entities, types)
        outgoing.finish_the_day()
        _capture_errors(users["c.martin"])
        legal.record_implicit_decisions()  # what the daily job would have found over the year
        _integrations(users, entities)
        propose_eliminations()  # the retention cycle: mail past its retention, for the archivist
    return True


def _capture_errors(clerk: User) -> None:
    """This morning's scans that could not be read: one waits for the mail room to rescan and
    retry it, the other (an advertisement) was set aside with its reason."""
    for name, content in (("lot-0412.pdf", b"%PDF-1.4\n% page coupee"), ("publicite.pdf", b"")):
        failed = receive_input(
            source_kind=SourceKind.UPLOAD, name=name, content=content, actor=clerk
        )
        run_pipeline(failed)
        failed.refresh_from_db()
        if name == "publicite.pdf":
            set_aside_input(
                actor=clerk, capture_input=failed, reason="Publicité non adressée, sans suite."
            )


EARLIER_SUBVENTIONS = [
    "Demande de subvention du comité des fêtes",
    "Demande de subvention de l'harmonie municipale",
    "Demande de subvention du club de judo",
]


def _earlier_archives(
    users: dict[str, User], entities: dict[str, Entity], types: dict[str, DocumentType]
) -> None:
    """Subsidy requests answered eleven years ago: kept for good, their ten years over, they wait
    for the archivist's transfer to the archives (played first: the journal stays in order)."""
    long_ago = timezone.now() - datetime.timedelta(days=11 * 365 + 60)
    clerk, agent = users["c.martin"], users["v.petit"]
    answered = []
    for number, subject in enumerate(EARLIER_SUBVENTIONS):
        arrived = long_ago + datetime.timedelta(days=20 * number)
        with time_machine.travel(arrived, tick=False):
            mail = mail_services.register_mail(
                actor=clerk, registration=mail_services.Registration(subject=subject)
            )
            mail_services.qualify_mail(
                actor=clerk,
                mail=mail,
                qualification=mail_services.Qualification(
                    document_type=types["subvention"], destination_entity=entities["VASSO"]
                ),
            )
        answered.append(mail)
    for number, mail in enumerate(answered):  # after they all arrived: the journal in order
        closed = long_ago + datetime.timedelta(days=20 * len(answered) + 5 * number)
        with time_machine.travel(closed, tick=False):
            mail_services.close_mail(actor=agent, mail=mail, comment="Subvention accordée.")


def _integrations(users: dict[str, User], entities: dict[str, Entity]) -> None:
    """The citizen portal registers requests through the API; Antoine's spreadsheet reads."""
    portal = api_services.create_service_account(
        actor=users["admin"],
        name="Portail démarches",
        entity=entities["COUR"],
        role=Role.CLERK,
        description="Demandes en ligne (w.c.s.)",
    )
    api_services.issue_token(
        actor=users["admin"], owner=portal.user, name="Production", scope="write", days=None
    )
    api_services.issue_token(
        actor=users["a.durand"],
        owner=users["a.durand"],
        name="Tableur voirie",
        scope="read",
        days=90,
    )


def _live_a_year(
    users: dict[str, User],
    entities: dict[str, Entity],
    types: dict[str, DocumentType],
    mails: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The town hall's last year of mail (see demo.year), dated as it happened, after the
    mail of long ago that waits for its transfer to the archives."""
    if not mails:
        return
    _earlier_archives(users, entities, types)
    rng = random.Random(year.SEED)
    start = timezone.now() - datetime.timedelta(days=366)
    with time_machine.travel(start, tick=False):
        people, associations, companies = year.directory(users["c.martin"], rng)
    cast = year.Cast(users, entities, types, people, associations, companies)
    now = timezone.now()
    written = outgoing.WrittenMail(users, entities, now)
    steps = year.in_date_order([*year.plan_year(cast, mails=mails, now=now), written])
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, len(steps))

    year.live(steps, advance)
