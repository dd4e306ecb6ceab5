"""Document types (typologies) and the catalogue of custom fields."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

iso8601_duration = RegexValidator(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$",
    _("Use an ISO 8601 duration such as P10Y, P6M or P1Y6M."),
)


class Category(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")
    INTERNAL = "internal", _("Internal")


class DelayUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar", _("calendar days")
    WORKING_DAYS = "working", _("working days")
    MONTHS = "months", _("months (date to date)")


class ProcessingMode(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SVE = "sve", _("SVE (electronic referral)")
    SVA = "sva", _("SVA (silence means acceptance)")
    SVR = "svr", _("SVR (silence means rejection)")


class FinalDisposition(models.TextChoices):
    KEEP = "keep", _("Keep")  # transferred to the archives
    DESTROY = "destroy", _("Destroy")  # eliminated, with the archives' approval
    SORT = "sort", _("Sort (the archivist decides)")


class RetentionStart(models.TextChoices):
    CLOSING = "closing", _("Closing of the mail")
    ARRIVAL = "arrival", _("Arrival of the mail")


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.INCOMING
    )
    delay_days = models.PositiveIntegerField(
        _("processing delay"), default=0, help_text=_("0 means no due date.")
    )
    delay_unit = models.CharField(
        _("delay unit"), max_length=16, choices=DelayUnit.choices, default=DelayUnit.CALENDAR_DAYS
    )
    reminder1_days_before = models.PositiveIntegerField(
        _("first reminder (days before due date)"), null=True, blank=True
    )
    reminder2_days_after = models.PositiveIntegerField(
        _("second reminder (days after due date)"), null=True, blank=True
    )
    escalation_percent = models.PositiveSmallIntegerField(
        _("alert the entity's manager after (% of the delay)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    processing_mode = models.CharField(
        _("processing mode"), max_length=8, choices=ProcessingMode.choices, default="normal"
    )
    implicit_delay = models.PositiveIntegerField(
        _("delay before the implicit decision"),
        default=2,
        help_text=_("For SVA and SVR: two months unless a decree says otherwise (CRPA L231-1)."),
    )
    implicit_delay_unit = models.CharField(
        _("unit of the implicit-decision delay"),
        max_length=16,
        choices=DelayUnit.choices,
        default=DelayUnit.MONTHS,
    )
    implicit_basis = models.CharField(
        _("legal basis of the implicit decision"),
        max_length=200,
        blank=True,
        help_text=_(
            "Printed with the implicit-decision date on acknowledgments, for instance: article "
            "L231-4, 2°, of the CRPA (a complaint)."
        ),
    )
    pieces_delay_days = models.PositiveIntegerField(
        _("time given for missing pieces (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The time the requester is given to send missing pieces, proposed when they are "
            "asked for (CRPA L114-5); the agent may set another date."
        ),
    )
    appeal_routes = models.TextField(
        _("appeal routes and delays"),
        blank=True,
        help_text=_(
            "Printed on acknowledgments of requests that silence rejects (CRPA R112-5). "
            "Empty: the usual appeals before the administrative court within two months."
        ),
    )
    retention_duration = models.CharField(
        _("retention duration"), max_length=20, default="P10Y", validators=[iso8601_duration]
    )
    retention_start = models.CharField(
        _("retention counted from"),
        max_length=8,
        choices=RetentionStart.choices,
        default=RetentionStart.CLOSING,
    )
    final_disposition = models.CharField(
        _("final disposition"), max_length=8, choices=FinalDisposition.choices, default="keep"
    )
    anonymise_after = models.CharField(
        _("anonymise personal data after"),
        max_length=20,
        blank=True,
        validators=[iso8601_duration],
        help_text=_(
            "From the closing of the mail, e.g. P1Y (GDPR storage limitation); empty: never."
        ),
    )
    default_entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("default destination entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice in a list")


class CustomField(models.Model):
    """An admin-defined field stored in Mail.custom_fields under its code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    field_type = models.CharField(
        _("type"), max_length=16, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    document_types = models.ManyToManyField(
        DocumentType,
        verbose_name=_("document types"),
        blank=True,
        help_text=_("Empty means every document type."),
    )
    # The indexing model of each category of mail: which fields its screens ask and enforce.
    categories = models.JSONField(
        _("categories of mail"),
        default=list,
        blank=True,
        help_text=_("Empty means incoming, outgoing and internal mail alike."),
    )

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories
