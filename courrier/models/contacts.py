"""Contacts: organisations and persons, with points of contact inside organisations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    PERSON = "person", _("Person")


class Civility(models.TextChoices):
    NONE = "", _("(none)")
    MR = "M.", _("Mr")
    MRS = "Mme", _("Mrs")


class PostalAddress(models.Model):
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=60, blank=True, default="France")

    class Meta:
        abstract = True

    def address_block(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, f"{self.postcode} {self.city}".strip()]
        if self.country and self.country.lower() != "france":
            lines.append(self.country.upper())
        return [line for line in lines if line]


# What describes a contact (forms and the API show and take these).
CONTACT_FIELDS = [
    "kind",
    "civility",
    "first_name",
    "last_name",
    "organisation_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "postcode",
    "city",
    "country",
]


class Contact(PostalAddress):
    kind = models.CharField(
        _("kind"), max_length=16, choices=ContactKind.choices, default=ContactKind.PERSON
    )
    civility = models.CharField(
        _("civility"), max_length=8, choices=Civility.choices, blank=True, default=""
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_contacts",
    )
    # Normalised forms feed duplicate detection; set by courrier.services.contacts.
    normalized_name = models.CharField(
        max_length=300, blank=True, db_index=True, editable=False, verbose_name=_("normalized name")
    )
    normalized_email = models.CharField(
        max_length=254,
        blank=True,
        db_index=True,
        editable=False,
        verbose_name=_("normalized email"),
    )
    normalized_address = models.CharField(
        max_length=400, blank=True, editable=False, verbose_name=_("normalized address")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["normalized_name"]
        permissions = [("merge_contact", _("Can merge duplicate contacts"))]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == ContactKind.ORGANISATION:
            return self.organisation_name
        person = " ".join(p for p in (self.civility, self.first_name, self.last_name) if p)
        if self.organisation_name:
            return f"{person} ({self.organisation_name})" if person else self.organisation_name
        return person


class ContactAddress(PostalAddress):
    """A point of contact inside an organisation: a service or a person there."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(_("service or department"), max_length=200, blank=True)
    civility = models.CharField(
        _("civility"), max_length=8, choices=Civility.choices, blank=True, default=""
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    function = models.CharField(_("function"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("point of contact")
        verbose_name_plural = _("points of contact")

    def __str__(self) -> str:
        person = " ".join(p for p in (self.civility, self.first_name, self.last_name) if p)
        return " — ".join(p for p in (self.label, person) if p) or str(self.contact)
