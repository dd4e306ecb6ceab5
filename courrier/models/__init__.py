"""Domain models of the mail core."""

from courrier.models.baskets import Basket, RedirectScope
from courrier.models.circulation import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    DiffusionListEntry,
    DiffusionRole,
    Note,
    PdfStatus,
)
from courrier.models.contacts import Civility, Contact, ContactAddress, ContactKind
from courrier.models.doctypes import (
    Category,
    CustomField,
    CustomFieldType,
    DelayUnit,
    DocumentType,
    FinalDisposition,
    ProcessingMode,
)
from courrier.models.journal import JournalEvent, JournalHead, JournalSeal, JournalTampering
from courrier.models.legal import (
    ACKNOWLEDGMENT_KINDS,
    ClockSuspension,
    NoticeChannel,
    NoticeKind,
    RequesterNotice,
    SuspensionReason,
)
from courrier.models.mail import (
    OPEN_STATUSES,
    Channel,
    ChronoCounter,
    ContactRole,
    Keyword,
    Mail,
    MailContact,
    MailStatus,
    Priority,
)
from courrier.models.operations import Heartbeat
from courrier.models.organisation import Entity, EntityType, Role, User
from courrier.models.outgoing import OutgoingEmail
from courrier.models.processing import (
    Absence,
    BasketDelegation,
    DiffusionTemplate,
    DiffusionTemplateEntry,
    Folder,
    MailLock,
    NoteTemplate,
)

__all__ = [
    "ACKNOWLEDGMENT_KINDS",
    "OPEN_STATUSES",
    "Absence",
    "Attachment",
    "AttachmentKind",
    "AttachmentVersion",
    "Basket",
    "BasketDelegation",
    "Category",
    "Channel",
    "ChronoCounter",
    "Civility",
    "ClockSuspension",
    "Contact",
    "ContactAddress",
    "ContactKind",
    "ContactRole",
    "CustomField",
    "CustomFieldType",
    "DelayUnit",
    "DiffusionListEntry",
    "DiffusionRole",
    "DiffusionTemplate",
    "DiffusionTemplateEntry",
    "DocumentType",
    "Entity",
    "EntityType",
    "FinalDisposition",
    "Folder",
    "Heartbeat",
    "JournalEvent",
    "JournalHead",
    "JournalSeal",
    "JournalTampering",
    "Keyword",
    "Mail",
    "MailContact",
    "MailLock",
    "MailStatus",
    "Note",
    "NoteTemplate",
    "NoticeChannel",
    "NoticeKind",
    "OutgoingEmail",
    "PdfStatus",
    "Priority",
    "ProcessingMode",
    "RedirectScope",
    "RequesterNotice",
    "Role",
    "SuspensionReason",
    "User",
]
