"""Baskets: named views over mail, defined as structured criteria (see courrier.baskets)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Basket(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    roles = models.ManyToManyField(Group, verbose_name=_("roles"), related_name="baskets")
    criteria = models.JSONField(_("criteria"), default=dict)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("basket")
        verbose_name_plural = _("baskets")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        from courrier.baskets import BasketCriteria, InvalidCriteria

        try:
            BasketCriteria.from_json(self.criteria)
        except InvalidCriteria as exc:
            raise ValidationError({"criteria": str(exc)}) from exc
