"""The mail (courrier), its counters, keywords and contacts."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courrier.models.doctypes import Category

if TYPE_CHECKING:
    from courrier.models.contacts import Contact


class MailStatus(models.TextChoices):
    TO_QUALIFY = "to_qualify", _("To qualify")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    TO_VISA = "to_visa", _("Awaiting visa")
    TO_SIGN = "to_sign", _("Awaiting signature")
    TO_SEND = "to_send", _("To send")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [s.value for s in MailStatus if s != MailStatus.CLOSED]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    PAPER = "paper", _("Paper")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")
    UPLOAD = "upload", _("File upload")
    INTERNAL = "internal", _("Internal mail")


# Channels whose acknowledgment is a printed letter (handed over or posted): post, the counter,
# a phone call, a file brought in. E-mail and web forms are acknowledged electronically.
PRINTED_ACKNOWLEDGMENT_CHANNELS = (Channel.PAPER, Channel.COUNTER, Channel.PHONE, Channel.UPLOAD)


def mail_file_path(instance: Mail, filename: str) -> str:
    today = timezone.localdate()
    return f"mails/{today:%Y/%m}/{filename}"


# What the statistics filter and group mail by, kept in their indexes.
STATISTICS_COLUMNS = ["destination_entity", "document_type", "channel", "confidential"]
# What basket lists filter, sort and count open mail by (see the indexes on Mail).
BASKET_COLUMNS = [
    "arrival_date",
    "due_date",
    "reminder_date",
    "chrono_number",
    "priority",
    "confidential",
    "assignee",
]


class Keyword(models.Model):
    label = models.CharField(_("label"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class ChronoCounter(models.Model):
    """Yearly counter per category; incremented under a row lock (see services.chrono)."""

    year = models.PositiveIntegerField(verbose_name=_("year"))
    category = models.CharField(max_length=16, choices=Category.choices, verbose_name=_("category"))
    value = models.PositiveIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("chrono counter")
        constraints = [
            models.UniqueConstraint(fields=["year", "category"], name="unique_chrono_counter")
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.category}: {self.value}"


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last due date that counts as "due soon" today (baskets, lists and counts agree)."""
    return today + datetime.timedelta(days=settings.BANNETTE_DUE_SOON_DAYS)


class Mail(models.Model):
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.INCOMING
    )
    chrono_number = models.CharField(
        _("chrono number"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    subject = models.CharField(_("subject"), max_length=500)
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mails",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MailStatus.choices, default=MailStatus.TO_QUALIFY
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PAPER
    )
    arrival_date = models.DateField(_("arrival date"), default=timezone.localdate)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    reminder_date = models.DateField(_("reminder date"), null=True, blank=True)
    clock_start = models.DateField(
        _("delays counted from"),
        null=True,
        blank=True,
        help_text=_("The arrival date, or the day missing pieces arrived (CRPA L114-5)."),
    )
    suspended_since = models.DateField(_("delays suspended since"), null=True, blank=True)
    implicit_decision_date = models.DateField(_("implicit decision on"), null=True, blank=True)
    implicit_decision_born_on = models.DateField(
        _("implicit decision born on"), null=True, blank=True
    )
    first_closed_on = models.DateField(
        _("first closed on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The day the request was first answered expressly (or sent to the competent "
            "authority): no implicit decision is born after it, even if the mail is reopened."
        ),
    )
    acknowledgment_failed = models.BooleanField(
        _("acknowledgment not sent"),
        default=False,
        help_text=_("Appeal delays cannot be held against the requester (CRPA L112-6)."),
    )
    closing_date = models.DateTimeField(_("closing date"), null=True, blank=True)
    # Set on closing (statistics read it rather than count every mail's days again).
    processing_days = models.PositiveIntegerField(
        _("processing time (days)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "From arrival to closing, suspended days left out, in working days where "
            "the type counts them."
        ),
    )
    destination_entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("destination entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mails",
    )
    # Mail the organisation writes itself (outgoing on its own initiative, internal): the
    # service it comes from, and for internal mail the service it goes to once sent.
    issuing_entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("issuing entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_mails",
    )
    recipient_entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("recipient entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addressed_mails",
    )
    dispatched_at = models.DateTimeField(_("sent on"), null=True, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_mails",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_mails",
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    linked_mails = models.ManyToManyField("self", verbose_name=_("linked mails"), blank=True)
    keywords = models.ManyToManyField(Keyword, verbose_name=_("keywords"), blank=True)
    contacts: models.ManyToManyField[Contact, MailContact] = models.ManyToManyField(
        "courrier.Contact", through="MailContact", verbose_name=_("contacts"), blank=True
    )

    original = models.FileField(_("original"), upload_to=mail_file_path, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    original_sha256 = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        editable=False,
        verbose_name=_("SHA-256 fingerprint of the original"),
    )
    original_mime = models.CharField(
        max_length=100, blank=True, verbose_name=_("type of the original")
    )
    searchable_pdf = models.FileField(_("searchable PDF"), upload_to=mail_file_path, blank=True)
    text = models.TextField(_("extracted text"), blank=True)
    incomplete_text_pages = models.JSONField(
        _("pages whose text may be incomplete"), default=list, blank=True, editable=False
    )
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    thumbnail = models.FileField(_("thumbnail"), upload_to=mail_file_path, blank=True)

    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # Set when the retention period ended and the archives approved its elimination: only a
    # stub is left (chrono number, type, dates, fingerprints of what was destroyed).
    eliminated_at = models.DateTimeField(_("eliminated at"), null=True, blank=True)
    # Set when the personal data of its citizen senders was anonymised (GDPR storage limits).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mail")
        verbose_name_plural = _("mails")
        ordering = ["-arrival_date", "-id"]
        indexes = [
            models.Index(fields=["status", "destination_entity"]),
            models.Index(fields=["due_date"]),
            models.Index(fields=["implicit_decision_date"]),
            models.Index(fields=["arrival_date"]),
            # The statistics read these alone (covering indexes on PostgreSQL): a period's
            # arrivals, its closings with their delays, and how the open mail stands today.
            models.Index(
                fields=["category", "arrival_date"],
                include=STATISTICS_COLUMNS,
                name="mail_arrivals_idx",
            ),
            models.Index(
                fields=["category", "closing_date"],
                include=[*STATISTICS_COLUMNS, "due_date", "processing_days"],
                condition=models.Q(status="closed"),
                name="mail_closings_idx",
            ),
            models.Index(
                fields=["category", "due_date"],
                include=[*STATISTICS_COLUMNS, "reminder_date", "suspended_since"],
                condition=~models.Q(status="closed"),
                name="mail_open_idx",
            ),
            models.Index(fields=["implicit_decision_born_on"]),
            # Baskets are open mail (a tenth of the table after a few years): these narrow
            # copies of it answer their counts, perimeter and page ids without reading a row,
            # found by status (and destination entity), by id (copies, circuits) or by assignee,
            # in any sort.
            models.Index(
                fields=["status", "destination_entity"],
                include=["id", *BASKET_COLUMNS, "created_by"],
                condition=~models.Q(status="closed"),
                name="mail_open_by_status_idx",
            ),
            models.Index(
                fields=["id"],
                include=["status", "destination_entity", *BASKET_COLUMNS],
                condition=~models.Q(status="closed"),
                name="mail_open_by_id_idx",
            ),
            models.Index(
                fields=["assignee", "status"],
                include=["id", *BASKET_COLUMNS],
                condition=~models.Q(status="closed"),
                name="mail_open_by_assignee_idx",
            ),
        ]
        permissions = [
            ("qualify_mail", _("Can qualify mail in the mail room")),
            ("view_all_mail", _("Can see all non-confidential mail")),
            ("process_mail", _("Can process mail (assign, hold, copies, folders)")),
            ("redirect_mail", _("Can redirect mail")),
            ("close_mail", _("Can close mail")),
            ("visa_mail", _("Can visa reply drafts")),
            ("sign_mail", _("Can sign replies")),
            ("export_journal", _("Can export the probative journal")),
        ]

    def __str__(self) -> str:
        return f"{self.chrono_number or _('(unregistered)')} — {self.subject}"

    @property
    def is_late(self) -> bool:
        return (
            self.due_date is not None
            and self.status != MailStatus.CLOSED
            and self.due_date < timezone.localdate()
        )

    @property
    def letters_to_print(self) -> list[str]:
        """The notices to the requester waiting to be printed (no e-mail address), by kind."""
        return [
            notice.get_kind_display()
            for notice in self.notices.filter(channel="letter", sent_at__isnull=True, error="")
        ]

    @property
    def pieces_due_default(self) -> datetime.date:
        """The time proposed for missing pieces asked today: the type's, or 30 days."""
        days = self.document_type.pieces_delay_days if self.document_type else 30
        return timezone.localdate() + datetime.timedelta(days=days)

    @property
    def deadline_state(self) -> str:
        """late, due_soon or on_time for open mail with a due date (as the basket criteria say)."""
        if self.due_date is None or self.status == MailStatus.CLOSED:
            return ""
        today = timezone.localdate()
        if self.due_date < today:
            return "late"
        reminded = self.reminder_date is not None and self.reminder_date <= today
        return "due_soon" if reminded or self.due_date <= due_soon_until(today) else "on_time"


class ContactRole(models.TextChoices):
    SENDER = "sender", _("Sender")
    RECIPIENT = "recipient", _("Recipient")


class MailContact(models.Model):
    mail = models.ForeignKey(
        Mail, on_delete=models.CASCADE, related_name="mail_contacts", verbose_name=_("mail")
    )
    contact = models.ForeignKey(
        "courrier.Contact",
        on_delete=models.PROTECT,
        related_name="mail_links",
        verbose_name=_("contact"),
    )
    address = models.ForeignKey(
        "courrier.ContactAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_links",
        verbose_name=_("address"),
    )
    role = models.CharField(max_length=16, choices=ContactRole.choices, verbose_name=_("role"))

    class Meta:
        verbose_name = _("mail contact")
        constraints = [
            models.UniqueConstraint(fields=["mail", "contact", "role"], name="unique_mail_contact")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.contact}"
