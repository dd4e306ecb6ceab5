"""Working on mail: soft locks, absences with basket delegations, templates and folders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courrier.models.circulation import DiffusionRole


class MailLock(models.Model):
    """Who is processing a mail of a shared basket right now; advisory and expiring."""

    mail = models.OneToOneField(
        "courrier.Mail", on_delete=models.CASCADE, related_name="lock", verbose_name=_("mail")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    acquired_at = models.DateTimeField(default=timezone.now, verbose_name=_("acquired at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("processing lock")

    def __str__(self) -> str:
        return f"{self.mail_id} by {self.user_id}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()


class Absence(models.Model):
    """A period during which a user's baskets are handled by colleagues."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("absent user"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class BasketDelegation(models.Model):
    """During an absence, one of the absent user's baskets goes to one colleague (or several)."""

    absence = models.ForeignKey(
        Absence, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("absence")
    )
    basket = models.ForeignKey(
        "courrier.Basket", on_delete=models.CASCADE, related_name="+", verbose_name=_("basket")
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("substitute"),
        on_delete=models.CASCADE,
        related_name="delegations_received",
    )

    class Meta:
        verbose_name = _("basket delegation")
        constraints = [
            models.UniqueConstraint(
                fields=["absence", "basket", "substitute"], name="unique_basket_delegation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.basket} → {self.substitute}"


class DiffusionTemplate(models.Model):
    """A ready-made diffusion list, proposed for an entity and/or a document type."""

    label = models.CharField(_("label"), max_length=200)
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("for destination entity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        verbose_name=_("for document type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("diffusion list template")
        verbose_name_plural = _("diffusion list templates")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class DiffusionTemplateEntry(models.Model):
    template = models.ForeignKey(
        DiffusionTemplate,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("template"),
    )
    role = models.CharField(_("role"), max_length=16, choices=DiffusionRole.choices)
    entity = models.ForeignKey(
        "courrier.Entity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("entity"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("diffusion template line")
        constraints = [
            models.CheckConstraint(
                condition=Q(entity__isnull=False, user__isnull=True)
                | Q(entity__isnull=True, user__isnull=False),
                name="diffusion_template_entity_xor_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.entity or self.user}"


class NoteTemplate(models.Model):
    """A reusable note text; an entity's templates are offered to its members, others to all."""

    label = models.CharField(_("label"), max_length=100)
    text = models.TextField(_("text"))
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("entity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("note template")
        verbose_name_plural = _("note templates")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Folder(models.Model):
    """A named file of mails kept by an entity (a case, a project, a person)."""

    label = models.CharField(_("label"), max_length=200)
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("entity"),
        on_delete=models.PROTECT,
        related_name="folders",
    )
    mails = models.ManyToManyField(
        "courrier.Mail", blank=True, related_name="folders", verbose_name=_("mails")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "label"], name="unique_folder_label")
        ]

    def __str__(self) -> str:
        return self.label


class FollowReason(models.TextChoices):
    FLAGGED = "flagged", _("Flagged to follow")
    REDIRECTED = "redirected", _("I redirected it")
    OPINION = "opinion", _("I asked an opinion on it")
    SENT = "sent", _("I sent it")


class FollowedMail(models.Model):
    """Mail a person follows after it left her hands (« Mes suivis »): she keeps reading it,
    sees who holds it and how it stands, and is told when it closes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="followed_mails",
        verbose_name=_("user"),
    )
    mail = models.ForeignKey(
        "courrier.Mail", on_delete=models.CASCADE, related_name="followers", verbose_name=_("mail")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=FollowReason.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("followed mail")
        verbose_name_plural = _("followed mails")
        constraints = [
            models.UniqueConstraint(fields=["user", "mail"], name="unique_followed_mail")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.mail}"
