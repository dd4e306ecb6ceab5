"""Domain models of the mail core."""

from courrier.models.baskets import Basket
from courrier.models.circulation import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    DiffusionListEntry,
    DiffusionRole,
    Note,
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
from courrier.models.journal import JournalEvent, JournalHead, JournalTampering
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
from courrier.models.organisation import Entity, EntityType, Role, User

__all__ = [
    "OPEN_STATUSES",
    "Attachment",
    "AttachmentKind",
    "AttachmentVersion",
    "Basket",
    "Category",
    "Channel",
    "ChronoCounter",
    "Civility",
    "Contact",
    "ContactAddress",
    "ContactKind",
    "ContactRole",
    "CustomField",
    "CustomFieldType",
    "DelayUnit",
    "DiffusionListEntry",
    "DiffusionRole",
    "DocumentType",
    "Entity",
    "EntityType",
    "FinalDisposition",
    "JournalEvent",
    "JournalHead",
    "JournalTampering",
    "Keyword",
    "Mail",
    "MailContact",
    "MailStatus",
    "Note",
    "Priority",
    "ProcessingMode",
    "Role",
    "User",
]
