"""Changes made on the settings screens: checked, saved and journaled in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.forms import ModelForm
from django.utils.translation import gettext as _

from courrier.models import User
from courrier.services.journal import record_event


def _check(actor: User, permission: str) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("Your role does not allow changing these settings."))


@transaction.atomic
def save_setting(*, actor: User, form: ModelForm[Any], permission: str) -> Model:
    """Create or change one setting from its validated form; journaled with the changed fields."""
    _check(actor, permission)
    created = form.instance.pk is None
    saved: Model = form.save()
    record_event(
        action="admin.created" if created else "admin.changed",
        actor=actor,
        target=saved,
        # The names of the changed fields, never their values (a password may be among them).
        details={"fields": sorted(form.changed_data)},
    )
    return saved


@transaction.atomic
def set_active(
    *, actor: User, setting: Model, active: bool, permission: str, field: str = "active"
) -> Model:
    """Switch a setting on or off (settings are deactivated, never deleted: mail refers to them)."""
    _check(actor, permission)
    setattr(setting, field, active)
    setting.save(update_fields=[field])
    record_event(action="admin.changed", actor=actor, target=setting, details={"fields": [field]})
    return setting
