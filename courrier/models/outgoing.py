"""Replies leaving by e-mail: what to send, kept until the SMTP server took it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    mail = models.OneToOneField(
        "courrier.Mail", on_delete=models.CASCADE, related_name="email", verbose_name=_("mail")
    )
    from_address = models.EmailField(_("from"))
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("message"))
    versions = models.ManyToManyField(
        "courrier.AttachmentVersion", blank=True, related_name="+", verbose_name=_("versions")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"
