"""Capture inputs (one file or message as received) and the mail each became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SourceKind(models.TextChoices):
    HOTFOLDER = "hotfolder", _("Scanner hot folder")
    IMAP = "imap", _("E-mail (IMAP)")
    WEBFORM = "webform", _("Citizen web form")
    UPLOAD = "upload", pgettext_lazy("source", "Upload")
    COMMAND = "command", _("Command line")
    API = "api", _("REST API")


class InputStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    ERROR = "error", _("Error")
    SET_ASIDE = "set_aside", _("Set aside")  # an operator decided it will not become mail


def input_path(instance: CaptureInput, filename: str) -> str:
    return f"capture/{timezone.localdate():%Y/%m/%d}/{filename}"


class CaptureInput(models.Model):
    """An immutable original as a source handed it over, and how its capture went."""

    source_kind = models.CharField(_("source"), max_length=16, choices=SourceKind.choices)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=500, blank=True)
    file = models.FileField(_("original"), upload_to=input_path)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("SHA-256 fingerprint"))
    size = models.PositiveBigIntegerField(_("size"))
    mime = models.CharField(_("type"), max_length=100, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InputStatus.choices, default=InputStatus.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    set_aside_reason = models.TextField(_("reason for setting aside"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Defaults for the mail(s): channel, entity, document_type, subject, sender, split, ...
    options = models.JSONField(default=dict, blank=True, verbose_name=_("options"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The row is the durable queue: when it was last handed to the workers, and the last sign
    # of life of the worker running it (a stale one is run again by the sweeper).
    dispatched_at = models.DateTimeField(_("queued"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("capture input")
        verbose_name_plural = _("capture inputs")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]
        permissions = [("retry_captureinput", _("Can retry a failed capture"))]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()}: {self.file_name}"


class CapturedMail(models.Model):
    """One segment of an input registered as a mail; (input, segment) makes retries idempotent."""

    input = models.ForeignKey(
        CaptureInput, on_delete=models.PROTECT, related_name="mails", verbose_name=_("input")
    )
    segment = models.PositiveIntegerField(verbose_name=_("segment"))
    mail = models.OneToOneField(
        "courrier.Mail", on_delete=models.CASCADE, related_name="capture", verbose_name=_("mail")
    )
    pages = models.JSONField(default=list, verbose_name=_("pages"))
    duplicate_of = models.ForeignKey(
        "courrier.Mail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    suggestions = models.JSONField(default=dict, blank=True, verbose_name=_("suggestions"))

    class Meta:
        verbose_name = _("captured mail")
        constraints = [
            models.UniqueConstraint(fields=["input", "segment"], name="unique_input_segment")
        ]

    def __str__(self) -> str:
        return f"{self.input_id}#{self.segment} → {self.mail_id}"


class ClassificationRule(models.Model):
    """When the text (or sender, subject) contains a phrase, suggest a document type and entity."""

    label = models.CharField(_("label"), max_length=200)
    pattern = models.CharField(
        _("phrase"), max_length=200, help_text=_("Matched case- and accent-insensitively.")
    )
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document type"),
    )
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("entity"),
    )
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("classification rule")
        verbose_name_plural = _("classification rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local tests only)")


class ImapMode(models.TextChoices):
    BODY = "body", _("The message is the mail, its files are attachments")
    ATTACHMENTS = "attachments", _("Each attached file is its own mail")


class ImapPostAction(models.TextChoices):
    SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")
    DELETE = "delete", _("Delete")


class ImapAccount(models.Model):
    name = models.SlugField(_("name"), max_length=60, unique=True)
    host = models.CharField(_("server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    username = models.CharField(_("login"), max_length=200)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_("Name of the environment variable (or NAME_FILE) holding the password."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    mode = models.CharField(
        _("what becomes the mail"), max_length=16, choices=ImapMode.choices, default=ImapMode.BODY
    )
    post_action = models.CharField(
        _("after capture"),
        max_length=10,
        choices=ImapPostAction.choices,
        default=ImapPostAction.SEEN,
    )
    move_to = models.CharField(_("move to folder"), max_length=200, blank=True)
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("default entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        verbose_name=_("default document type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uidvalidity = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("UIDVALIDITY")
    )
    acknowledge_senders = models.BooleanField(
        _("acknowledge senders by e-mail"),
        default=True,
        help_text=_(
            "An acknowledgment of registration at once, then the acknowledgment of receipt "
            "with its delays once the mail is qualified (CRPA L112-11, R112-11-1)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")

    def __str__(self) -> str:
        return self.name


class ImapRule(models.Model):
    """When a header contains a phrase, the mail gets this type and entity. First match wins."""

    FIELDS = [("from", _("From")), ("to", _("To")), ("subject", _("Subject"))]
    account = models.ForeignKey(
        ImapAccount, on_delete=models.CASCADE, related_name="rules", verbose_name=_("account")
    )
    header = models.CharField(_("header"), max_length=10, choices=FIELDS)
    contains = models.CharField(_("contains"), max_length=200)
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document type"),
    )
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("entity"),
    )
    position = models.PositiveIntegerField(default=100, verbose_name=_("position"))

    class Meta:
        verbose_name = _("IMAP rule")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.header} ∋ {self.contains}"


class ImapMessage(models.Model):
    """A message taken from a mailbox, by UIDVALIDITY and UID: never taken twice."""

    account = models.ForeignKey(
        ImapAccount, on_delete=models.PROTECT, related_name="messages", verbose_name=_("account")
    )
    uidvalidity = models.PositiveBigIntegerField(verbose_name=_("UIDVALIDITY"))
    uid = models.PositiveBigIntegerField(verbose_name=_("IMAP UID"))
    message_id = models.CharField(
        max_length=500, blank=True, db_index=True, verbose_name=_("Message-ID")
    )
    inputs = models.ManyToManyField(
        CaptureInput, related_name="imap_messages", verbose_name=_("inputs")
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("IMAP message")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "uidvalidity", "uid"], name="unique_imap_uid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}:{self.uidvalidity}:{self.uid}"


class WebFormTopic(models.Model):
    """A choice in the citizens' form, mapped to a document type and an entity."""

    label = models.CharField(_("label"), max_length=200)
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document type"),
    )
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entity"),
    )
    position = models.PositiveIntegerField(_("position"), default=100)
    anonymise_after = models.CharField(
        _("anonymise personal data after"),
        max_length=20,
        blank=True,
        help_text=_("From the closing of the mail, e.g. P6M; empty: the document type's delay."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("web form topic")
        verbose_name_plural = _("web form topics")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class WebFormRequest(models.Model):
    """A citizen's request: the tracking code they received, and the mail it became."""

    tracking_code = models.CharField(max_length=20, unique=True, verbose_name=_("tracking code"))
    input = models.OneToOneField(
        CaptureInput, on_delete=models.PROTECT, related_name="webform", verbose_name=_("input")
    )
    email = models.EmailField(verbose_name=_("email"))
    topic = models.ForeignKey(
        WebFormTopic, on_delete=models.PROTECT, related_name="+", verbose_name=_("topic")
    )
    mail = models.ForeignKey(
        "courrier.Mail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("mail"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("web form request")

    def __str__(self) -> str:
        return self.tracking_code
