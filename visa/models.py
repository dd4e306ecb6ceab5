"""Visa circuits: the ordered steps of visa-ers then one signatory on a mail's reply."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
    mail = models.ForeignKey("courrier.Mail", on_delete=models.CASCADE, related_name="visa_steps")
    position = models.PositiveIntegerField(_("position"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visa_steps"
    )
    role = models.CharField(_("role"), max_length=16, choices=VisaStepRole.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=VisaStepState.choices, default=VisaStepState.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("visa step")
        verbose_name_plural = _("visa steps")
        ordering = ["mail", "position"]
        constraints = [
            models.UniqueConstraint(fields=["mail", "position"], name="unique_visa_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.mail_id} #{self.position} {self.role} {self.user}"
