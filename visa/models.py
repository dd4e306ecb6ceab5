"""Visa circuits: the ordered steps of visa-ers then one signatory on a mail's reply."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VisaStepRole(models.TextChoices):
    VISA = "visa", _("Visa")
    SIGNATURE = "signature", _("Signature")


class VisaStepState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CURRENT = "current", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class VisaStep(models.Model):
    mail = models.ForeignKey(
        "courrier.Mail", on_delete=models.CASCADE, related_name="visa_steps", verbose_name=_("mail")
    )
    position = models.PositiveIntegerField(_("position"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visa_steps",
        verbose_name=_("user"),
        db_index=False,  # visa_step_by_user_idx starts with it
    )
    role = models.CharField(_("role"), max_length=16, choices=VisaStepRole.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=VisaStepState.choices, default=VisaStepState.PENDING
    )
    # When the step became the one awaited: the visa and signature times count from there.
    current_since = models.DateTimeField(_("awaited since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    draft = models.ForeignKey(
        "courrier.Attachment",
        verbose_name=_("reply draft"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="visa_steps",
    )
    decided_version = models.PositiveIntegerField(_("version decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("visa step")
        verbose_name_plural = _("visa steps")
        ordering = ["mail", "position"]
        constraints = [
            models.UniqueConstraint(fields=["mail", "position"], name="unique_visa_step_position")
        ]
        # Whose circuits a mail is in (the perimeter), what awaits a person (their baskets).
        indexes = [
            models.Index(fields=["user", "state", "role", "mail"], name="visa_step_by_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.mail_id} #{self.position} {self.role} {self.user}"


class CircuitTemplate(models.Model):
    """A saved circuit: visa-ers in order, then the signatory; offered to an entity's members."""

    label = models.CharField(_("label"), max_length=200)
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("entity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    steps = models.JSONField(
        _("steps"), default=list, help_text=_('[[username, "visa" or "signature"], ...]')
    )

    class Meta:
        verbose_name = _("visa circuit template")
        verbose_name_plural = _("visa circuit templates")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class SigningKey(models.Model):
    """A user's PKCS#12 file, kept as uploaded (encrypted by its own password, never stored)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signing_key",
        verbose_name=_("user"),
    )
    pkcs12 = models.BinaryField(verbose_name=_("PKCS#12 key file"))
    subject = models.CharField(_("certificate"), max_length=300)
    role = models.CharField(_("role shown on the stamp"), max_length=120, blank=True)
    signature_image = models.BinaryField(
        _("handwritten signature (image)"), blank=True, default=b""
    )
    uploaded_at = models.DateTimeField(auto_now=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("signing key")

    def __str__(self) -> str:
        return self.subject


class ParapheurStatus(models.TextChoices):
    SENT = "sent", _("Sent to the parapheur")
    SIGNED = "signed", _("Signed")
    REFUSED = "refused", _("Refused")


class ParapheurRequest(models.Model):
    """A reply draft handed to the external parapheur through the drop folders."""

    request_id = models.UUIDField(unique=True, verbose_name=_("request id"))
    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="parapheur_requests",
        verbose_name=_("mail"),
    )
    draft = models.ForeignKey(
        "courrier.Attachment", on_delete=models.CASCADE, related_name="+", verbose_name=_("draft")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    circuit_type = models.CharField(_("circuit type"), max_length=100, blank=True)
    circuit_subtype = models.CharField(_("circuit subtype"), max_length=100, blank=True)
    signatory = models.CharField(_("signatory"), max_length=200, blank=True)
    status = models.CharField(
        max_length=8,
        choices=ParapheurStatus.choices,
        default=ParapheurStatus.SENT,
        verbose_name=_("status"),
    )
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))
    returned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("returned at"))
    decided_by = models.CharField(max_length=200, blank=True, verbose_name=_("decided by"))
    annotation = models.TextField(blank=True, verbose_name=_("annotation"))

    class Meta:
        verbose_name = _("parapheur request")
        verbose_name_plural = _("parapheur requests")

    def __str__(self) -> str:
        return str(self.request_id)


class OpinionRequest(models.Model):
    """Asking entities or users for their opinion on a mail, in parallel or one after another."""

    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="opinion_requests",
        verbose_name=_("mail"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"))
    deadline = models.DateField(_("answer by"))
    sequential = models.BooleanField(_("one after another"), default=False)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("opinion request")
        verbose_name_plural = _("opinion requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mail_id}: {self.reason[:40]}"


class AskState(models.TextChoices):
    QUEUED = "queued", _("Not asked yet")
    WAITING = "waiting", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")
    RECALLED = "recalled", _("Recalled")


class OpinionAsk(models.Model):
    """One entity or user asked within an opinion request."""

    request = models.ForeignKey(
        OpinionRequest, on_delete=models.CASCADE, related_name="asks", verbose_name=_("request")
    )
    position = models.PositiveIntegerField(verbose_name=_("position"))
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entity"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    state = models.CharField(
        max_length=10, choices=AskState.choices, default=AskState.QUEUED, verbose_name=_("state")
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    answer = models.ForeignKey(
        "courrier.Note",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answer"),
    )
    attachment = models.ForeignKey(
        "courrier.Attachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("attachment"),
    )

    class Meta:
        verbose_name = _("opinion ask")
        ordering = ["request", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entity__isnull=False, user__isnull=True)
                | models.Q(entity__isnull=True, user__isnull=False),
                name="opinion_ask_entity_xor_user",
            )
        ]

    def __str__(self) -> str:
        return str(self.entity or self.user)

    @property
    def is_late(self) -> bool:
        return self.state == AskState.WAITING and self.request.deadline < timezone.localdate()


class AnnotationPlace(models.TextChoices):
    TOP = "top", _("Top of the page")
    MIDDLE = "middle", _("Middle of the page")
    BOTTOM = "bottom", _("Bottom of the page")


class DraftAnnotation(models.Model):
    """A comment written on a page of a draft's PDF while reading it in the signature book.

    The draft is never changed: the comments of one version are drawn on a copy of it, kept as
    the next version of an « Annotations » attachment (visa.annotations)."""

    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="draft_annotations",
        verbose_name=_("mail"),
    )
    draft = models.ForeignKey(
        "courrier.Attachment",
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("reply draft"),
    )
    version = models.PositiveIntegerField(_("version annotated"))
    page = models.PositiveIntegerField(_("page of the draft"))
    place = models.CharField(
        _("place"), max_length=8, choices=AnnotationPlace.choices, default=AnnotationPlace.TOP
    )
    text = models.TextField(_("annotation"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("annotation of a draft")
        verbose_name_plural = _("annotations of drafts")
        ordering = ["draft", "version", "page", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.draft_id} v{self.version} p{self.page}: {self.text[:40]}"
