"""Validation of Mail.custom_fields against the admin-defined catalogue."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from courrier.models import Category, CustomField, CustomFieldType, DocumentType


def _convert(field: CustomField, value: Any) -> Any:
    kind = field.field_type
    if kind == CustomFieldType.INTEGER:
        return int(value)
    if kind == CustomFieldType.DECIMAL:
        return str(Decimal(str(value)))
    if kind == CustomFieldType.DATE:
        return datetime.date.fromisoformat(str(value)).isoformat()
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value
    if kind == CustomFieldType.CHOICE and value not in field.choices:
        raise ValueError("not among the choices")
    return str(value)


def applicable_fields(
    category: str, document_type: DocumentType | None = None
) -> list[CustomField]:
    """The indexing model of a category of mail (and of its type, once known)."""
    fields = CustomField.objects.filter(
        Q(document_types__isnull=True) | Q(document_types=document_type)
    ).distinct()
    return [f for f in fields.order_by("label") if f.applies_to(category)]


def clean_custom_fields(
    values: dict[str, Any],
    document_type: DocumentType | None,
    category: str = Category.INCOMING,
    *,
    require: bool = True,
) -> dict[str, Any]:
    """Return the values converted to their JSON form; raise ValidationError naming each field.

    Required fields are enforced where the mail is indexed (qualification, writing a letter),
    not at capture, which registers what arrives before anyone reads it."""
    by_code = {f.code: f for f in applicable_fields(category, document_type)}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        field = by_code.get(code)
        if field is None:
            errors[code] = _("Unknown field for this document type.")
        elif value not in (None, ""):
            try:
                cleaned[code] = _convert(field, value)
            except (ValueError, TypeError, InvalidOperation):
                errors[code] = _("Invalid value for %(label)s.") % {"label": field.label}
    for code, field in by_code.items():
        if require and field.required and code not in cleaned and code not in errors:
            errors[code] = _("%(label)s is required.") % {"label": field.label}
    if errors:
        raise ValidationError(errors)
    return cleaned
