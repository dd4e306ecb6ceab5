"""Baskets: named views over mail, defined as structured criteria (see courrier.baskets)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RedirectScope(models.TextChoices):
    BELOW = "below", _("My entities and those below")
    SAME_LEVEL = "same_level", _("Also entities at the same level as mine")
    ALL = "all", _("Any entity")


class Basket(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    roles = models.ManyToManyField(Group, verbose_name=_("roles"), related_name="baskets")
    criteria = models.JSONField(_("criteria"), default=dict)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    actions = models.JSONField(
        _("actions"),
        default=list,
        blank=True,
        help_text=_("Action codes offered in this basket; empty offers every allowed action."),
    )
    redirect_scope = models.CharField(
        _("redirect to"), max_length=16, choices=RedirectScope.choices, default=RedirectScope.ALL
    )

    class Meta:
        verbose_name = _("basket")
        verbose_name_plural = _("baskets")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return gettext(self.label)  # default baskets store their English label, translated here

    def clean(self) -> None:
        from courrier.baskets import BasketCriteria, InvalidCriteria

        try:
            BasketCriteria.from_json(self.criteria)
        except InvalidCriteria as exc:
            raise ValidationError({"criteria": str(exc)}) from exc
