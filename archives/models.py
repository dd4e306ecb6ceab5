"""What archivists ask of Bannette and keep: journal export packages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    WAITING = "waiting", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class JournalExport(models.Model):
    """A journal export package asked for on the screen, built in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    since = models.DateField(_("from"), null=True, blank=True)
    until = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    file = models.FileField(_("package"), upload_to="journal-exports/", blank=True)
    first_seq = models.PositiveBigIntegerField(_("first event"), null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(_("last event"), null=True, blank=True)
    events = models.PositiveBigIntegerField(_("events"), default=0)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("journal export")
        verbose_name_plural = _("journal exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.since or '…'} → {self.until or '…'}"


class LegalHold(models.Model):
    """A legal hold (gel) on a mail or a folder: neither eliminated nor transferred while held."""

    mail = models.ForeignKey(
        "courrier.Mail",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("mail"),
    )
    folder = models.ForeignKey(
        "courrier.Folder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("folder"),
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mail__isnull=False, folder__isnull=True)
                | models.Q(mail__isnull=True, folder__isnull=False),
                name="legal_hold_mail_xor_folder",
            )
        ]

    def __str__(self) -> str:
        return self.reason[:60]


class EliminationCertificate(models.Model):
    """The certificate of one elimination run: which mail was destroyed, on whose approval."""

    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    mails = models.PositiveIntegerField(_("mails"), default=0)
    file = models.FileField(_("certificate"), upload_to="elimination-certificates/")

    class Meta:
        verbose_name = _("elimination certificate")
        verbose_name_plural = _("elimination certificates")
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"{self.pk}: {self.mails}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("To review")
    APPROVED = "approved", _("Approved")
    POSTPONED = "postponed", _("Postponed")
    ELIMINATED = "eliminated", _("Eliminated")


class EliminationProposal(models.Model):
    """A mail whose retention period ended and whose type says destroy (or sort): the
    archivist approves its elimination or postpones it."""

    mail = models.OneToOneField(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="elimination",
        verbose_name=_("mail"),
    )
    retention_end = models.DateField(_("retention ended on"))
    to_sort = models.BooleanField(_("to sort"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    postponed_until = models.DateField(_("postponed until"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    certificate = models.ForeignKey(
        EliminationCertificate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("certificate"),
    )

    class Meta:
        verbose_name = _("elimination proposal")
        verbose_name_plural = _("elimination proposals")
        ordering = ["retention_end", "pk"]
        indexes = [models.Index(fields=["status", "retention_end"])]

    def __str__(self) -> str:
        return f"{self.mail_id}: {self.status}"
