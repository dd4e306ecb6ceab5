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
    WITHDRAWN = "erased", _("Withdrawn (personal data erased since)")


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


class SedaVersion(models.TextChoices):
    V21 = "2.1", "SEDA 2.1"
    V22 = "2.2", "SEDA 2.2"


class ArchiveAgreement(models.Model):
    """An agreement with an archive service (convention de versement): who sends to whom, the
    rule codes of each document type, and where packages go and replies come back."""

    label = models.CharField(_("label"), max_length=200)
    identifier = models.CharField(_("agreement identifier"), max_length=100)
    archival_agency = models.CharField(_("archive service identifier"), max_length=100)
    transferring_agency = models.CharField(_("transferring service identifier"), max_length=100)
    originating_agency = models.CharField(_("producing service identifier"), max_length=100)
    seda_version = models.CharField(
        _("SEDA version"), max_length=3, choices=SedaVersion.choices, default=SedaVersion.V21
    )
    appraisal_rules = models.JSONField(
        _("appraisal rule codes"),
        default=dict,
        help_text=_('Per document type code, the rule code agreed; "*" for the others.'),
    )
    access_rule = models.CharField(_("access rule code"), max_length=40, default="AR038")
    outbox = models.CharField(
        _("drop folder for packages"), max_length=500, help_text=_("Where packages are put.")
    )
    inbox = models.CharField(
        _("drop folder for replies"),
        max_length=500,
        help_text=_("Where the archive service puts its acknowledgements and replies."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("archive agreement")
        verbose_name_plural = _("archive agreements")

    def __str__(self) -> str:
        return self.label


class TransferStatus(models.TextChoices):
    SENT = "sent", _("Sent, awaiting the reply")
    ACKNOWLEDGED = "acknowledged", _("Received by the archives")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Transfer(models.Model):
    """One SEDA ArchiveTransfer: the package sent, and the archive service's replies."""

    agreement = models.ForeignKey(
        ArchiveAgreement,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("agreement"),
    )
    identifier = models.CharField(_("message identifier"), max_length=100, unique=True)
    mails = models.ManyToManyField(
        "courrier.Mail", related_name="transfers", verbose_name=_("mails")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.SENT
    )
    package = models.FileField(_("package"), upload_to="transfers/")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    reply_code = models.CharField(_("reply code"), max_length=40, blank=True)
    reply_comment = models.TextField(_("reply"), blank=True)
    reply = models.FileField(_("reply received"), upload_to="transfers/replies/", blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer to the archives")
        verbose_name_plural = _("transfers to the archives")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.identifier
