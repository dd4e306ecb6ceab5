"""What the law asks us to keep: suspensions of the legal clock and acknowledgments sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SuspensionReason(models.TextChoices):
    MISSING_PIECES = "missing_pieces", _("Missing pieces asked for (L114-5)")
    TRANSFERRED = "transferred", _("Sent to the competent authority (L114-2)")


class ClockSuspension(models.Model):
    """The delays stop: pieces were asked for, or the request went to another authority."""

    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="clock_suspensions",
        verbose_name=_("mail"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SuspensionReason.choices)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    details = models.TextField(_("pieces asked for, or authority"), blank=True)
    pieces_due_on = models.DateField(
        _("pieces expected by"),
        null=True,
        blank=True,
        help_text=_("The time given to the requester to send the missing pieces (CRPA L114-5)."),
    )
    lapsed = models.BooleanField(
        _("time for the pieces ran out"),
        default=False,
        help_text=_("The suspension ended when the time given ran out, without the pieces."),
    )
    previous_due_date = models.DateField(_("due date before"), null=True, blank=True)
    previous_implicit_decision_date = models.DateField(
        _("implicit decision date before"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("suspension of the delays")
        verbose_name_plural = _("suspensions of the delays")
        ordering = ["mail", "started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.mail_id}: {self.get_reason_display()} {self.started_on}"


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", _("Acknowledgment of receipt")
    REGISTRATION = "registration", _("Acknowledgment of registration")
    MISSING_PIECES = "missing_pieces", _("Request for missing pieces")
    TRANSFER = "transfer", _("Notice of transfer to the competent authority")


ACKNOWLEDGMENT_KINDS = (NoticeKind.RECEIPT, NoticeKind.REGISTRATION)


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


class RequesterNotice(models.Model):
    """What the law makes us tell a requester (acknowledgments, missing pieces, transfer),
    with the exact copy given, or why it could not be sent."""

    mail = models.ForeignKey(
        "courrier.Mail",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("mail"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NoticeChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    copy = models.ForeignKey(
        "courrier.Attachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("copy kept"),
    )
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("notice to the requester")
        verbose_name_plural = _("notices to the requester")
        ordering = ["mail", "created_at"]

    def __str__(self) -> str:
        return f"{self.mail_id}: {self.get_kind_display()} ({self.get_channel_display()})"
