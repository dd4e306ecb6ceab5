"""What travels with a mail: diffusion list, notes, attachments and their versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DiffusionRole(models.TextChoices):
    RECIPIENT = "recipient", _("Recipient")
    COPY = "copy", _("Copy")


class DiffusionListEntry(models.Model):
    """One line of a mail's diffusion list: an entity or a user, as recipient or in copy."""

    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="diffusion_entries",
        verbose_name=_("mail"),
    )
    role = models.CharField(_("role"), max_length=16, choices=DiffusionRole.choices)
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entity"),
        db_index=False,  # diffusion_by_entity_idx starts with it
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="diffusion_entries",
        verbose_name=_("user"),
        db_index=False,  # diffusion_by_user_idx starts with it
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("diffusion list entry")
        verbose_name_plural = _("diffusion list")
        constraints = [
            models.CheckConstraint(
                condition=Q(entity__isnull=False, user__isnull=True)
                | Q(entity__isnull=True, user__isnull=False),
                name="diffusion_entity_xor_user",
            ),
            models.UniqueConstraint(
                fields=["mail"], condition=Q(role="recipient"), name="one_recipient_per_mail"
            ),
        ]
        # Baskets and the perimeter look lines up by entity or person (and role), for their
        # mail ids alone: read from these indexes, never from the table.
        indexes = [
            models.Index(fields=["entity", "role", "mail"], name="diffusion_by_entity_idx"),
            models.Index(fields=["user", "role", "mail"], name="diffusion_by_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.entity or self.user}"


class Note(models.Model):
    """An annotation; when restricted, only members of the chosen entities (and its author) see it."""

    mail = models.ForeignKey(
        "courrier.Mail", on_delete=models.CASCADE, related_name="notes", verbose_name=_("mail")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notes",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    restricted_to = models.ManyToManyField(
        "courrier.Entity", verbose_name=_("visible only to"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class AttachmentKind(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    has_chrono_number = models.BooleanField(
        _("gets its own chrono number"),
        default=False,
        help_text=_("The mail's chrono number followed by a suffix, e.g. -T1."),
    )
    chrono_suffix = models.CharField(_("chrono suffix letter"), max_length=4, blank=True)
    expects_return = models.BooleanField(
        _("expects a return"),
        default=False,
        help_text=_("Transmissions: a recipient contact and an expected return date are asked."),
    )

    class Meta:
        verbose_name = _("attachment kind")
        verbose_name_plural = _("attachment kinds")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Attachment(models.Model):
    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("mail"),
    )
    kind = models.ForeignKey(
        AttachmentKind, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("kind")
    )
    title = models.CharField(_("title"), max_length=300)
    chrono_number = models.CharField(
        _("chrono number"), max_length=80, unique=True, null=True, blank=True
    )
    recipient = models.ForeignKey(
        "courrier.Contact",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expected_return_date = models.DateField(_("expected return"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_late(self) -> bool:
        return (
            self.expected_return_date is not None
            and self.returned_on is None
            and self.expected_return_date < timezone.localdate()
        )

    def current_version(self) -> AttachmentVersion | None:
        return self.versions.order_by("-number").first()


def attachment_file_path(instance: AttachmentVersion, filename: str) -> str:
    today = timezone.localdate()
    return f"attachments/{today:%Y/%m}/{filename}"


class PdfStatus(models.TextChoices):
    NONE = "", _("No PDF needed")
    PENDING = "pending", _("PDF being made")
    DONE = "done", _("PDF ready")
    FAILED = "failed", _("PDF conversion failed")


class AttachmentVersion(models.Model):
    attachment = models.ForeignKey(
        Attachment, on_delete=models.CASCADE, related_name="versions", verbose_name=_("attachment")
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    file = models.FileField(upload_to=attachment_file_path, verbose_name=_("file"))
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 fingerprint"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    pdf = models.FileField(upload_to=attachment_file_path, blank=True, verbose_name=_("PDF"))
    pdf_status = models.CharField(
        max_length=8,
        choices=PdfStatus.choices,
        blank=True,
        default="",
        verbose_name=_("PDF conversion"),
    )
    pdf_error = models.TextField(blank=True, verbose_name=_("PDF conversion error"))
    signed = models.BooleanField(default=False, verbose_name=_("signed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("attachment version")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["attachment", "number"], name="unique_attachment_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attachment} v{self.number}"

    @property
    def readable_pdf(self) -> FieldFile:
        """The version as a PDF: its rendition when one was made, else the file itself (a PDF
        uploaded as such; a signed version is its own rendition)."""
        readable: FieldFile = self.pdf if self.pdf else self.file
        return readable
